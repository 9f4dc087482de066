"""Domain events the points app publishes for the apps above it (logistics)."""
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OrderCancelledBeforePicking:
    """An operator cancelled a handed-over order: its shipment, not yet picked, is cancelled too (or the cancel fails)."""

    order_id: int
    at: datetime
    actor_id: int | None


@dataclass(frozen=True)
class OrderRedeliveryRequested:
    """An operator asked for another delivery attempt after a failure: a new shipment is created."""

    order_id: int
    at: datetime
    actor_id: int | None
