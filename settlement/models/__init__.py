from .adjustments import REASON_SHOWN, Adjustment
from .assessment import (
    DEFAULT_KPIS, Assessment, Kpi, KpiResult, KpiSetting, KpiSettingChange, PenaltyProposal, PenaltyRule, PenaltyRuleChange,
    ReEvaluation, RectificationCase, SuspensionProposal,
)
from .reconciliation import Category, LineResolution, Reconciliation, ReconciliationLine, Resolution
from .statements import (
    LINE_KINDS, SECTION_TOTALS, GenerationRun, ReceivablePayment, Reference, Section, SourceKind, Statement, StatementLine, StatementVersion,
)

__all__ = [
    "DEFAULT_KPIS", "Assessment", "Kpi", "KpiResult", "KpiSetting", "KpiSettingChange", "PenaltyProposal", "PenaltyRule",
    "PenaltyRuleChange", "ReEvaluation",
    "RectificationCase", "SuspensionProposal",
    "REASON_SHOWN", "Adjustment", "Category", "GenerationRun", "LINE_KINDS", "LineResolution", "Reconciliation", "ReconciliationLine",
    "ReceivablePayment", "Reference",
    "Resolution", "SECTION_TOTALS", "Section", "SourceKind", "Statement", "StatementLine", "StatementVersion",
]
