"""Domain events the logistics app publishes for the apps above it (settlement)."""
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LostParcelClaimAccepted:
    """Finance accepted that the logistics provider owes for a parcel it lost: the supplier's consignment was never
    delivered, so settlement proposes to compensate the supplier for it."""

    claim_id: int
    actor_id: int | None
    at: datetime


@dataclass(frozen=True)
class LostParcelReportWithdrawn:
    """A parcel reported lost turned up delivered and its claim was withdrawn: settlement refuses the withdrawal while a
    compensation for it stands (the supplier is paid for the delivery instead)."""

    claim_id: int
    actor_id: int | None
    at: datetime
