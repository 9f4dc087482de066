"""Domain events the supplier app publishes for the apps above it."""
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class GiftRetired:
    """A gift was retired (also by its supplier's termination): logistics turns its stock into leftover lots."""

    gift_id: int
    at: datetime


@dataclass(frozen=True)
class SupplierTerminated:
    """A supplier's cooperation ended: settlement turns what it owes on closed statements into receivables."""

    supplier_id: int
    actor_id: int | None
    at: datetime


@dataclass(frozen=True)
class RetiredStockFreed:
    """Units of a retired gift became available again at a warehouse (a return restocked, an order cancelled):
    logistics adds them to the gift's open leftover lot there, or opens one."""

    gift_id: int
    location_id: int
    quantity: int
    at: datetime
