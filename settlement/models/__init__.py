from .adjustments import Adjustment
from .reconciliation import Category, Reconciliation, ReconciliationLine, Resolution
from .statements import (
    LINE_KINDS, SECTION_TOTALS, GenerationRun, Section, SourceKind, Statement, StatementLine, StatementVersion,
)

__all__ = [
    "Adjustment", "Category", "GenerationRun", "LINE_KINDS", "Reconciliation", "ReconciliationLine", "Resolution",
    "SECTION_TOTALS", "Section", "SourceKind", "Statement", "StatementLine", "StatementVersion",
]
