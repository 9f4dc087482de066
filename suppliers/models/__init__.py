from .notices import Notice
from .suppliers import Supplier, SupplierMembership

__all__ = ["Notice", "Supplier", "SupplierMembership"]
