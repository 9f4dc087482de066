from .ledger import LedgerEntry, LotAllocation, PointsAccount, PointsLot
from .members import Member

__all__ = ["LedgerEntry", "LotAllocation", "Member", "PointsAccount", "PointsLot"]
