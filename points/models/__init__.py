from .ledger import LedgerEntry, LotAllocation, PointsAccount, PointsLot
from .members import Member
from .orders import RedemptionOrder

__all__ = ["LedgerEntry", "LotAllocation", "Member", "PointsAccount", "PointsLot", "RedemptionOrder"]
