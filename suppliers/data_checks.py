"""Suppliers' invariants that no constraint holds, for `manage.py verify_data` (core.data_checks): every change to a stock
record is written as a movement beside it (suppliers.services.inventory), so a record's units on hand and reserved are
its movements' sums (what `rebuild_stock` recomputes; reserved within on hand, neither negative, are constraints); and
the files suppliers uploaded (contracts, qualification certificates, profile change evidence) are in the storage."""
from django.db.models import F, OuterRef, QuerySet
from django.db.models.functions import Coalesce

from core.data_checks import files_missing, register_data_check, summed
from suppliers.models import Contract, ProfileChange, Qualification, StockMovement, StockRecord


def _moved(field: str) -> Coalesce:
    return summed(StockMovement.objects.filter(gift=OuterRef("gift"), location=OuterRef("location")).values("gift", "location"), field)


def stock_off_its_movements(*, now) -> QuerySet:
    """Stock records whose units on hand or reserved differ from the sums of their movements."""
    return StockRecord.objects.annotate(moved_on_hand=_moved("on_hand_delta"), moved_reserved=_moved("reserved_delta")).exclude(
        on_hand=F("moved_on_hand"), reserved=F("moved_reserved"))


register_data_check("suppliers.stock_is_sum_of_movements", "each stock record's units on hand and reserved are its movements' sums",
                    stock_off_its_movements)
register_data_check("suppliers.contract_files_present", "each contract's uploaded file is in the storage",
                    lambda *, now: files_missing(Contract.objects, "file"))
register_data_check("suppliers.qualification_files_present", "each qualification's certificate file is in the storage",
                    lambda *, now: files_missing(Qualification.objects, "file"))
register_data_check("suppliers.profile_change_files_present", "each profile change's evidence file is in the storage",
                    lambda *, now: files_missing(ProfileChange.objects, "evidence"))
