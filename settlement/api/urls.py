"""API routes of settlement: generation runs, statements, adjustments, reconciliations (included under /api/v1/)."""
from rest_framework.routers import SimpleRouter

from settlement.api import adjustments, cases, claims, reconciliation, statements
from settlement.api import assessment as assessment_api

router = SimpleRouter()
router.register("statement-runs", statements.GenerationRunViewSet, basename="statement-run")
router.register("statements", statements.StatementViewSet, basename="statement")
router.register("adjustments", adjustments.AdjustmentViewSet, basename="adjustment")
router.register("reconciliations", reconciliation.ReconciliationViewSet, basename="reconciliation")
router.register("reconciliation-lines", reconciliation.ReconciliationLineViewSet, basename="reconciliation-line")
router.register("rectification-cases", cases.RectificationCaseViewSet, basename="rectification-case")
router.register("re-evaluations", cases.ReEvaluationViewSet, basename="re-evaluation")
router.register("assessments", assessment_api.AssessmentViewSet, basename="assessment")
router.register("penalty-proposals", assessment_api.PenaltyProposalViewSet, basename="penalty-proposal")
router.register("suspension-proposals", assessment_api.SuspensionProposalViewSet, basename="suspension-proposal")
router.register("kpi-settings", assessment_api.KpiSettingViewSet, basename="kpi-setting")
router.register("penalty-rules", assessment_api.PenaltyRuleViewSet, basename="penalty-rule")
router.register("kpi-setting-changes", assessment_api.KpiSettingChangeViewSet, basename="kpi-setting-changes")
router.register("penalty-rule-changes", assessment_api.PenaltyRuleChangeViewSet, basename="penalty-rule-changes")
router.register("logistics-claims", claims.ClaimCompensationViewSet, basename="logistics-claim")
urlpatterns = router.urls
