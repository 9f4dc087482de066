from .complaints import Complaint, ComplaintDeadline, Party
from .ledger import LedgerEntry, LotAllocation, PointsAccount, PointsLot
from .members import Member
from .orders import RedemptionOrder

__all__ = ["Complaint", "ComplaintDeadline", "LedgerEntry", "Party", "LotAllocation", "Member", "PointsAccount", "PointsLot", "RedemptionOrder"]
