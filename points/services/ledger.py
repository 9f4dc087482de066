"""The points ledger (SPEC §4.4).

Every change is an append-only entry keyed by (account, kind, source type, source id, source line), so a
retried job never posts twice. Points live in lots by earning year; spending draws earliest-expiring
first, a refund restores what its redemption drew latest-expiring first, and points restored into an
expired lot expire at once. The cached balance changes by conditional update behind a CHECK constraint.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from core.errors import ConcurrentUpdate, DomainError, ValidationFailed
from points.errors import InsufficientPoints
from points.models import LedgerEntry, LotAllocation, Member, PointsAccount, PointsLot

Kind = LedgerEntry.Kind


@dataclass(frozen=True)
class Source:
    """What an entry is for, e.g. Source("order", "42") or Source("batch", "B2025-06", line=3)."""

    type: str
    id: str
    line: int = 0


def lot_expiry(year: int) -> datetime:
    """23:59:59 on 31 December of the year after `year`, Asia/Shanghai."""
    return timezone.make_aware(datetime.combine(date(year + 1, 12, 31), time(23, 59, 59)))


def account_of(member: Member) -> PointsAccount:
    account, _ = PointsAccount.objects.get_or_create(member=member)
    return account


def _add_to_balance(account: PointsAccount, points: int) -> int:
    """Add `points` to the cached balance unless it would go negative; the new balance, read in the same statement.

    :raises InsufficientPoints: if the balance holds fewer than -`points`
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(PointsAccount._meta.db_table)} SET balance = balance + %s WHERE id = %s AND balance >= %s RETURNING balance",
            [points, account.pk, -points],
        )
        row = cursor.fetchone()
    if row is None:
        raise InsufficientPoints(field="points")
    return row[0]


def _existing(account: PointsAccount, kind: str, source: Source) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(
        account=account, kind=kind, source_type=source.type, source_id=source.id, source_line=source.line
    ).first()


def _post(
    *, account: PointsAccount, kind: str, allocations: list[tuple[PointsLot, int, LedgerEntry | None]], reason_code: str,
    source: Source, at: datetime, actor=None,
) -> LedgerEntry:
    """Write one entry and its lot allocations; lots first, the account's balance (the hot row) last."""
    points = sum(amount for _, amount, _ in allocations)
    for lot, amount, _ in allocations:
        earned = amount if kind in {Kind.EARN, Kind.ADJUST} and amount > 0 else 0
        changed = PointsLot.objects.filter(pk=lot.pk, remaining__gte=-amount).update(
            remaining=F("remaining") + amount, earned=F("earned") + earned
        )
        if not changed:
            raise ConcurrentUpdate("积分批次已被修改，请重试 (the points lot changed; retry)")
    balance = _add_to_balance(account, points)
    entry = LedgerEntry.objects.create(
        account=account, kind=kind, points=points, balance_after=balance, reason_code=reason_code,
        source_type=source.type, source_id=source.id, source_line=source.line, at=at,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    LotAllocation.objects.bulk_create(
        LotAllocation(entry=entry, lot=lot, points=amount, reverses=reverses) for lot, amount, reverses in allocations
    )
    return entry


def _once(kind: str, account: PointsAccount, source: Source, write) -> LedgerEntry:
    """Post through `write()` unless an entry with this key exists (then return it): retries post nothing.

    The unique key decides, so a first post costs no look-up: the write runs in a savepoint, and only a
    write that failed (the key taken, or a refusal a retry would meet) looks for the earlier entry.
    """
    try:
        with transaction.atomic():
            return write()
    except (IntegrityError, DomainError):
        existing = _existing(account, kind, source)
        if existing is None:
            raise
        return existing


def _positive(points: int, field: str = "points") -> int:
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise ValidationFailed("积分须为正整数 (points must be a positive integer)", field=field)
    return points


def earn_points(*, member: Member, points: int, source: Source, at: datetime, reason_code: str = "earn", actor=None) -> LedgerEntry:
    """Credit points into the lot of the year they are earned in."""
    _positive(points)
    account = account_of(member)

    def write():
        year = timezone.localtime(at).year
        lot, _ = PointsLot.objects.get_or_create(account=account, year=year, defaults={"expires_at": lot_expiry(year)})
        return _post(account=account, kind=Kind.EARN, allocations=[(lot, points, None)], reason_code=reason_code, source=source, at=at, actor=actor)

    return _once(Kind.EARN, account, source, write)


def _draw(account: PointsAccount, points: int, at: datetime) -> list[tuple[PointsLot, int, None]]:
    lots = list(
        PointsLot.objects.filter(account=account, remaining__gt=0, expires_at__gt=at).order_by("expires_at", "id").select_for_update()
    )
    allocations, needed = [], points
    for lot in lots:
        take = min(lot.remaining, needed)
        allocations.append((lot, -take, None))
        needed -= take
        if needed == 0:
            return allocations
    raise InsufficientPoints(f"积分不足：需要 {points}，可用 {points - needed} (not enough points)", field="points")


def spend_points(
    *, member: Member, points: int, source: Source, at: datetime, reason_code: str = "redeem", actor=None, account: PointsAccount | None = None
) -> LedgerEntry:
    """Deduct points for a redemption, earliest-expiring lots first (`account`: the member's, when already read).

    :raises InsufficientPoints:
    """
    _positive(points)
    account = account or account_of(member)
    return _once(Kind.REDEEM, account, source, lambda: _post(
        account=account, kind=Kind.REDEEM, allocations=_draw(account, points, at), reason_code=reason_code, source=source, at=at, actor=actor
    ))


def still_drawn(redeem: LedgerEntry) -> dict[int, int]:
    """Points per lot id that a redemption drew and that no refund has given back yet."""
    drawn: dict[int, int] = defaultdict(int)
    for lot_id, amount in redeem.allocations.values_list("lot_id", "points"):
        drawn[lot_id] -= amount
    for lot_id, amount in LotAllocation.objects.filter(reverses=redeem, entry__kind=Kind.REFUND).values_list("lot_id", "points"):
        drawn[lot_id] -= amount
    return {lot_id: amount for lot_id, amount in drawn.items() if amount > 0}


def refund_points(
    *, redeem: LedgerEntry, points: int, source: Source, at: datetime, reason_code: str = "refund", actor=None
) -> LedgerEntry:
    """Give back (part of) a redemption, restoring its lots latest-expiring first; points restored into an
    expired lot expire at once (an `expire` entry keyed by the same source).

    :raises ValidationFailed: when more is refunded than the redemption still has drawn
    """
    _positive(points)
    account = redeem.account

    def write():
        drawn = still_drawn(redeem)
        if points > sum(drawn.values()):
            raise ValidationFailed(f"退还积分超过兑换未退部分 {sum(drawn.values())} (refund exceeds what is still drawn)", field="points")
        # lock in the same order as spending (earliest first), restore latest-expiring first
        locked = list(PointsLot.objects.filter(pk__in=drawn).order_by("expires_at", "id").select_for_update())
        lots = reversed(locked)
        allocations, left = [], points
        for lot in lots:
            give = min(drawn[lot.pk], left)
            if give:
                allocations.append((lot, give, redeem))
                left -= give
        entry = _post(account=account, kind=Kind.REFUND, allocations=allocations, reason_code=reason_code, source=source, at=at, actor=actor)
        expired = [(lot, -amount, None) for lot, amount, _ in allocations if lot.expires_at <= at]
        if expired:
            _post(account=account, kind=Kind.EXPIRE, allocations=expired, reason_code="expired_on_refund", source=source, at=at, actor=actor)
        return entry

    return _once(Kind.REFUND, account, source, write)


def adjust_points(*, member: Member, points: int, source: Source, at: datetime, reason_code: str, actor=None) -> LedgerEntry:
    """A correction: positive into the current year's lot, negative drawn earliest-expiring first.

    :raises ValidationFailed: for zero :raises InsufficientPoints:
    """
    if not isinstance(points, int) or points == 0:
        raise ValidationFailed("调整积分须为非零整数 (a non-zero integer)", field="points")
    account = account_of(member)

    def write():
        if points > 0:
            year = timezone.localtime(at).year
            lot, _ = PointsLot.objects.get_or_create(account=account, year=year, defaults={"expires_at": lot_expiry(year)})
            allocations = [(lot, points, None)]
        else:
            allocations = _draw(account, -points, at)
        return _post(account=account, kind=Kind.ADJUST, allocations=allocations, reason_code=reason_code, source=source, at=at, actor=actor)

    return _once(Kind.ADJUST, account, source, write)


def expire_due_lots(*, now: datetime) -> list[LedgerEntry]:
    """Expire every lot whose time has come, exactly once each (a second run posts nothing)."""
    entries = []
    for lot in PointsLot.objects.filter(expires_at__lte=now, expired_at__isnull=True).select_related("account").order_by("id"):
        with transaction.atomic():
            if not PointsLot.objects.filter(pk=lot.pk, expired_at__isnull=True).update(expired_at=now):
                continue
            lot.refresh_from_db()
            if lot.remaining:
                entries.append(_post(
                    account=lot.account, kind=Kind.EXPIRE, allocations=[(lot, -lot.remaining, None)], reason_code="lot_expired",
                    source=Source("lot", str(lot.pk)), at=now,
                ))
    return entries


def upcoming_expiries(*, member: Member, now: datetime) -> list[dict]:
    """Every lot with points left, soonest first: year, points, expiry time."""
    lots = PointsLot.objects.filter(account__member=member, remaining__gt=0, expires_at__gt=now).order_by("expires_at")
    return [{"year": lot.year, "points": lot.remaining, "expires_at": lot.expires_at} for lot in lots]


def ledger_total(account: PointsAccount) -> int:
    return account.entries.aggregate(total=Sum("points"))["total"] or 0
