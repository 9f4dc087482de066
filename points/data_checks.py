"""The points ledger's invariants that no constraint holds (SPEC §4.4), for `manage.py verify_data` (core.data_checks);
the lots' own bounds (0 ≤ remaining ≤ earned) and a balance never negative are constraints already."""
from django.db.models import F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from core.data_checks import register_data_check, summed
from points.models import LedgerEntry, LotAllocation, PointsAccount, PointsLot


def _total(queryset: QuerySet, *, field: str, outer: str = "pk") -> Coalesce:
    """The sum of `field` over `queryset`'s rows of the outer row (a correlated subquery: one per row, no join fan-out)."""
    return summed(queryset.filter(**{outer: OuterRef("pk")}).values(outer), field)


def balances_off_their_entries(*, now) -> QuerySet:
    """Accounts whose cached balance is not the sum of their ledger entries."""
    return PointsAccount.objects.annotate(entries_total=_total(LedgerEntry.objects, field="points", outer="account")).exclude(
        balance=F("entries_total"))


def balances_off_their_lots(*, now) -> QuerySet:
    """Accounts whose lots do not hold their balance: the points left in all their lots (an expired lot the expiry job
    has not yet emptied included) differ from the balance."""
    return PointsAccount.objects.annotate(lots_total=_total(PointsLot.objects, field="remaining", outer="account")).exclude(
        balance=F("lots_total"))


def lots_off_their_allocations(*, now) -> QuerySet:
    """Lots whose points left are not what the entries gave and took from them, or whose points earned are not what
    earnings and positive adjustments gave them (a refund restores points without earning them)."""
    earned = Q(entry__kind__in=[LedgerEntry.Kind.EARN, LedgerEntry.Kind.ADJUST], points__gt=0)
    return PointsLot.objects.annotate(
        allocated=_total(LotAllocation.objects, field="points", outer="lot"),
        earned_allocated=_total(LotAllocation.objects.filter(earned), field="points", outer="lot"),
    ).exclude(remaining=F("allocated"), earned=F("earned_allocated"))


def entries_off_their_allocations(*, now) -> QuerySet:
    """Entries whose points are not the sum of what they gave to or took from lots."""
    return LedgerEntry.objects.annotate(allocated=_total(LotAllocation.objects, field="points", outer="entry")).exclude(
        points=F("allocated"))


register_data_check("points.balance_is_sum_of_entries", "each account's balance equals the sum of its ledger entries",
                    balances_off_their_entries)
register_data_check("points.lots_hold_the_balance", "the points left in an account's lots add up to its balance",
                    balances_off_their_lots)
register_data_check("points.lots_match_their_allocations", "a lot's points left and earned are what its entries' allocations say",
                    lots_off_their_allocations)
register_data_check("points.entries_match_their_allocations", "an entry's points are the sum of its lot allocations",
                    entries_off_their_allocations)
