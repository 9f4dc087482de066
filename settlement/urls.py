"""Portal pages of settlement: months, statements, adjustments and reconciliations (under /settlement/)."""
from django.urls import path

from settlement import views_adjustments as adjustments
from settlement import views_statements as statements

urlpatterns = [
    path("months/", statements.months, name="settlement-months"),
    path("statements/", statements.statement_list, name="settlement-statements"),
    path("statements/export.<str:file_format>", statements.statement_export, name="settlement-statements-export"),
    path("statements/<int:pk>/", statements.statement_detail, name="settlement-statement"),
    path("statements/<int:pk>/versions/<int:number>/pdf/", statements.version_pdf, name="settlement-version-pdf"),
    path("statements/<int:pk>/versions/<int:number>/pdf/render/", statements.version_render_pdf, name="settlement-version-render-pdf"),
    path("statements/<int:pk>/versions/<int:number>/figures.<str:file_format>", statements.version_figures, name="settlement-version-figures"),
    path("statements/<int:pk>/versions/<int:number>/lines.<str:file_format>", statements.version_lines_export, name="settlement-version-lines"),
    path("statements/<int:pk>/adjustments/new/", adjustments.dispute_adjustment_create, name="settlement-dispute-adjustment"),
    path("statements/<int:pk>/reconcile/", adjustments.reconciliation_upload, name="settlement-reconciliation-upload"),
    path("statements/<int:pk>/<slug:name>/", statements.statement_action, name="settlement-statement-action"),
    path("adjustments/", adjustments.adjustment_list, name="settlement-adjustments"),
    path("adjustments/export.<str:file_format>", adjustments.adjustment_export, name="settlement-adjustments-export"),
    path("adjustments/new/", adjustments.adjustment_create, name="settlement-adjustment-create"),
    path("adjustments/<int:pk>/", adjustments.adjustment_detail, name="settlement-adjustment"),
    path("adjustments/<int:pk>/<slug:name>/", adjustments.adjustment_decide, name="settlement-adjustment-decide"),
    path("claims/<int:pk>/compensation/", adjustments.claim_compensation, name="settlement-claim-compensation"),
    path("claims/<int:pk>/reversal/", adjustments.claim_reversal, name="settlement-claim-reversal"),
    path("reconciliations/", adjustments.reconciliation_list, name="settlement-reconciliations"),
    path("reconciliations/<int:pk>/", adjustments.reconciliation_detail, name="settlement-reconciliation"),
    path("reconciliations/<int:pk>/export.<str:file_format>", adjustments.reconciliation_export, name="settlement-reconciliation-export"),
    path("reconciliations/lines/<int:pk>/resolve/", adjustments.line_resolve, name="settlement-line-resolve"),
]
