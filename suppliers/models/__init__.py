from .announcements import Announcement, AnnouncementDelivery
from .catalog import Category, Gift, GiftPrice
from .catalog_io import CatalogImport
from .contracts import BankAccount, Contract, ProfileChange, Qualification
from .inventory import Location, ReplenishmentRequest, SafetyStockChange, StockMovement, StockRecord
from .notices import Notice
from .revisions import GiftRevision
from .suppliers import Supplier, SupplierMembership

__all__ = [
    "Announcement", "AnnouncementDelivery", "BankAccount", "CatalogImport", "Category", "Contract", "Gift", "GiftPrice", "GiftRevision", "ProfileChange", "Qualification", "Location", "Notice", "ReplenishmentRequest", "SafetyStockChange", "StockMovement", "StockRecord",
    "Supplier", "SupplierMembership",
]
