"""Domain events the points app publishes for the apps above it (logistics)."""
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OrderCancelledBeforePicking:
    """An operator cancelled a handed-over order, saying why: its shipment, not yet picked, is cancelled too (or the
    cancel fails), credited to the same operator with the same reason."""

    order_id: int
    at: datetime
    actor_id: int | None
    reason: str = ""


@dataclass(frozen=True)
class OrderRedeliveryRequested:
    """An operator asked for another delivery attempt after a failure: a new shipment is created."""

    order_id: int
    at: datetime
    actor_id: int | None
