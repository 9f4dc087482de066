from .catalog import Category, Gift, GiftPrice
from .inventory import Location, ReplenishmentRequest, StockMovement, StockRecord
from .notices import Notice
from .suppliers import Supplier, SupplierMembership

__all__ = [
    "Category", "Gift", "GiftPrice", "Location", "Notice", "ReplenishmentRequest", "StockMovement", "StockRecord",
    "Supplier", "SupplierMembership",
]
