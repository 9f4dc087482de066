"""Errors of the settlement app."""
from core.errors import Conflict


class LineAlreadyAnswered(Conflict):
    """A reconciliation difference an adjustment proposed or approved already answers (it would be paid twice)."""

    code = "line_already_answered"


class SourceAlreadyAdjusted(Conflict):
    """An adjustment of a kind for a source (an assessment's penalty, a claim's compensation) that another adjustment of
    that kind, proposed or approved, already makes (it would be deducted or paid twice)."""

    code = "source_already_adjusted"


class LineResolved(Conflict):
    """A reconciliation line resolved already."""

    code = "line_resolved"


class ReconciliationSuperseded(Conflict):
    """A line of a reconciliation a newer one of the same statement replaced."""

    code = "reconciliation_superseded"


class CompensationNotAllowed(Conflict):
    """A lost parcel's compensation proposed again while the claim is not a confirmed lost-parcel claim, or its
    proposal still waits or was approved."""

    code = "compensation_not_allowed"


class CompensationStands(Conflict):
    """A lost parcel's report withdrawn while a compensation for its claim is proposed (the supplier would be paid for
    the delivery and compensated too; an approved one is answered by its reversal instead)."""

    code = "compensation_stands"


class SupplierTerminated(Conflict):
    """A re-evaluation decided for a supplier whose cooperation has ended."""

    code = "supplier_terminated"


class DeemedConfirmed(Conflict):
    """A statement version disputed once its time to answer is over: it is deemed confirmed, whether or not the beat has
    recorded it yet."""

    code = "deemed_confirmed"
