from .complaints import Complaint, ComplaintDeadline, ComplaintReminder, Party
from .credit_uploads import CreditUpload
from .ledger import LedgerEntry, LotAllocation, PointsAccount, PointsLot
from .members import Member
from .orders import RedemptionOrder

__all__ = ["Complaint", "ComplaintDeadline", "ComplaintReminder", "CreditUpload", "LedgerEntry", "Party", "LotAllocation", "Member", "PointsAccount", "PointsLot", "RedemptionOrder"]
