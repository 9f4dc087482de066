"""API routes of settlement: generation runs, statements, adjustments, reconciliations (included under /api/v1/)."""
from rest_framework.routers import SimpleRouter

from settlement.api import adjustments, reconciliation, statements

router = SimpleRouter()
router.register("statement-runs", statements.GenerationRunViewSet, basename="statement-run")
router.register("statements", statements.StatementViewSet, basename="statement")
router.register("adjustments", adjustments.AdjustmentViewSet, basename="adjustment")
router.register("reconciliations", reconciliation.ReconciliationViewSet, basename="reconciliation")
router.register("reconciliation-lines", reconciliation.ReconciliationLineViewSet, basename="reconciliation-line")
urlpatterns = router.urls
