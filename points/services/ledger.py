"""The points ledger (SPEC §4.4).

Every change is an append-only entry keyed by (account, kind, source type, source id, source line), so a
retried job never posts twice. Points live in lots by earning year; spending draws earliest-expiring
first, a refund restores what its redemption drew latest-expiring first, and points restored into an
expired lot expire at once. The cached balance changes by conditional update behind a CHECK constraint.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from core import sql
from core.errors import ConcurrentUpdate, DomainError, ValidationFailed
from core.jobs import run_each
from core.texts import figure
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


def _add_to_balance(account_id: int, points: int) -> int:
    """Add `points` to the cached balance unless it would go negative; the new balance, read in the same statement.

    :raises InsufficientPoints: if the balance holds fewer than -`points`
    """
    row = sql.fetch(
        f"UPDATE {sql.table(PointsAccount)} SET balance = balance + %s WHERE id = %s AND balance >= %s RETURNING balance",
        [points, account_id, -points],
    )
    if not row:
        raise InsufficientPoints(field="points")
    return row[0][0]


def _existing(account_id: int, kind: str, source: Source) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(
        account_id=account_id, kind=kind, source_type=source.type, source_id=source.id, source_line=source.line
    ).first()


def _post(
    *, account_id: int, kind: str, allocations: list[tuple[PointsLot, int, LedgerEntry | None]], reason_code: str,
    source: Source, at: datetime, actor=None, lots_changed: bool = False, note: str = "",
) -> LedgerEntry:
    """Write one entry and its lot allocations; lots first (unless `lots_changed` already), the account's
    balance (the hot row) last."""
    points = sum(amount for _, amount, _ in allocations)
    for lot, amount, _ in [] if lots_changed else allocations:
        earned = amount if kind in {Kind.EARN, Kind.ADJUST} and amount > 0 else 0
        changed = sql.execute(
            f"UPDATE {sql.table(PointsLot)} SET remaining = remaining + %s, earned = earned + %s WHERE id = %s AND remaining >= %s",
            [amount, earned, lot.pk, -amount],
        )
        if not changed:
            raise ConcurrentUpdate(gettext("积分批次已被修改，请重试"))
    balance = _add_to_balance(account_id, points)
    (entry,) = sql.insert([LedgerEntry(
        account_id=account_id, kind=kind, points=points, balance_after=balance, reason_code=reason_code,
        source_type=source.type, source_id=source.id, source_line=source.line, at=at,
        actor=actor if getattr(actor, "is_authenticated", False) else None, note=note,
    )])
    sql.insert([LotAllocation(entry=entry, lot_id=lot.pk, points=amount, reverses=reverses) for lot, amount, reverses in allocations])
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
        existing = _existing(account.pk, kind, source)
        if existing is None:
            raise
        return existing


def _positive(points: int, field: str = "points") -> int:
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise ValidationFailed(gettext("积分须为正整数"), field=field)
    return points


def earn_points(*, member: Member, points: int, source: Source, at: datetime, reason_code: str = "earn", actor=None) -> LedgerEntry:
    """Credit points into the lot of the year they are earned in."""
    _positive(points)
    account = account_of(member)

    def write():
        year = timezone.localtime(at).year
        lot, _ = PointsLot.objects.get_or_create(account=account, year=year, defaults={"expires_at": lot_expiry(year)})
        return _post(account_id=account.pk, kind=Kind.EARN, allocations=[(lot, points, None)], reason_code=reason_code, source=source, at=at, actor=actor)

    return _once(Kind.EARN, account, source, write)


def _spendable_lots() -> str:
    """FROM … ORDER BY of the lots a member may spend now, earliest-expiring first (the drawing rule), aliased
    `lot`; parameters: the member id, the time."""
    return (
        f"FROM {sql.table(PointsLot)} lot JOIN {sql.table(PointsAccount)} account ON account.id = lot.account_id"
        " WHERE account.member_id = %s AND lot.remaining > 0 AND lot.expires_at > %s ORDER BY lot.expires_at, lot.id"
    )


def _draw(member_id: int, points: int, at: datetime) -> tuple[int | None, list[tuple[PointsLot, int, None]], int]:
    """Lock the member's unexpired lots with points left, earliest-expiring first, and plan taking `points`.

    :returns: the account id, the (lot, -points taken, None) allocations and the points available (fewer
        than `points`: nothing can be taken); nothing is written
    """
    rows = sql.fetch(f"SELECT lot.id, lot.account_id, lot.remaining {_spendable_lots()}{sql.for_update('lot')}", [member_id, sql.moment(at)])
    allocations, needed, account_id = [], points, None
    for pk, account_id, remaining in rows:
        take = min(remaining, needed)
        allocations.append((PointsLot(pk=pk, account_id=account_id, remaining=remaining), -take, None))
        needed -= take
        if needed == 0:
            break
    return account_id, allocations, points - needed


def insufficient(points: int, available: int) -> InsufficientPoints:
    """The refusal of spending `points` out of `available`, naming both as pages write points (grouped by thousands)."""
    message = gettext("积分不足：需要 %(points)s，可用 %(available)s") % {"points": figure(points), "available": figure(available)}
    return InsufficientPoints(message, field="points")


def _take_from_first_lot(member_id: int, points: int, at: datetime) -> tuple[int, list[tuple[PointsLot, int, None]]] | None:
    """The usual redemption in one statement: when the member's earliest-expiring lot with points left holds
    all `points`, take them from it (locking it); None, having written nothing, otherwise."""
    rows = sql.fetch(
        f"UPDATE {sql.table(PointsLot)} SET remaining = remaining - %s WHERE remaining >= %s"
        f" AND id = (SELECT lot.id {_spendable_lots()} LIMIT 1{sql.for_update('lot')}) RETURNING id, account_id",
        [points, points, member_id, sql.moment(at)],
    )
    if not rows:
        return None
    (pk, account_id), = rows
    return account_id, [(PointsLot(pk=pk, account_id=account_id), -points, None)]


def spend_points(*, member: Member, points: int, source: Source, at: datetime, reason_code: str = "redeem", actor=None) -> LedgerEntry:
    """Deduct points for a redemption, earliest-expiring lots first.

    The ledger's unique key refuses a second redemption for the same source with an IntegrityError, which the
    caller interprets (two racing confirmations of one order, or an order number already taken). Any failure
    after the first write dooms the caller's transaction: all or nothing.

    :raises InsufficientPoints: (nothing written) :raises IntegrityError:
    """
    _positive(points)
    # a refusal writes nothing and is raised outside the block, so the caller's transaction stays usable
    with transaction.atomic(savepoint=False):
        taken = _take_from_first_lot(member.pk, points, at)
        if taken is not None:
            return _post(account_id=taken[0], kind=Kind.REDEEM, allocations=taken[1], reason_code=reason_code, source=source, at=at,
                         actor=actor, lots_changed=True)
        account_id, allocations, available = _draw(member.pk, points, at)
        if available == points:
            return _post(account_id=account_id, kind=Kind.REDEEM, allocations=allocations, reason_code=reason_code, source=source, at=at,
                         actor=actor)
    raise insufficient(points, available)


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
    expired lot expire at once (an `expire` entry keyed by the same source, set on the refund entry as
    `expired_at_once`, else None).

    :raises ValidationFailed: when more is refunded than the redemption still has drawn
    """
    _positive(points)
    account = redeem.account

    def write():
        drawn = still_drawn(redeem)
        if points > sum(drawn.values()):
            raise ValidationFailed(gettext("退还积分超过兑换未退部分 %(drawn)s") % {"drawn": sum(drawn.values())}, field="points")
        # lock in the same order as spending (earliest first), restore latest-expiring first
        locked = list(PointsLot.objects.filter(pk__in=drawn).order_by("expires_at", "id").select_for_update())
        lots = reversed(locked)
        allocations, left = [], points
        for lot in lots:
            give = min(drawn[lot.pk], left)
            if give:
                allocations.append((lot, give, redeem))
                left -= give
        entry = _post(account_id=account.pk, kind=Kind.REFUND, allocations=allocations, reason_code=reason_code, source=source, at=at, actor=actor)
        expired = [(lot, -amount, None) for lot, amount, _ in allocations if lot.expires_at <= at]
        entry.expired_at_once = None
        if expired:
            entry.expired_at_once = _post(
                account_id=account.pk, kind=Kind.EXPIRE, allocations=expired, reason_code="expired_on_refund", source=source, at=at, actor=actor,
            )
        return entry

    return _once(Kind.REFUND, account, source, write)


def adjust_points(*, member: Member, points: int, source: Source, at: datetime, reason_code: str, actor=None, note: str = "") -> LedgerEntry:
    """A correction: positive into the current year's lot, negative drawn earliest-expiring first.

    :raises ValidationFailed: for zero :raises InsufficientPoints:
    """
    if not isinstance(points, int) or points == 0:
        raise ValidationFailed(gettext("调整积分须为非零整数"), field="points")
    account = account_of(member)

    def write():
        if points > 0:
            year = timezone.localtime(at).year
            lot, _ = PointsLot.objects.get_or_create(account=account, year=year, defaults={"expires_at": lot_expiry(year)})
            allocations = [(lot, points, None)]
        else:
            _, allocations, available = _draw(member.pk, -points, at)
            if available < -points:
                raise insufficient(-points, available)
        return _post(account_id=account.pk, kind=Kind.ADJUST, allocations=allocations, reason_code=reason_code, source=source, at=at, actor=actor,
                     note=note)

    return _once(Kind.ADJUST, account, source, write)


def expire_due_lots(*, now: datetime) -> list[LedgerEntry]:
    """Expire every lot whose time has come, exactly once each (a second run posts nothing), each in a transaction of
    its own: a lot that fails is logged and left for the next run (`run_each`)."""

    def expire(lot: PointsLot) -> LedgerEntry | None:
        if not PointsLot.objects.filter(pk=lot.pk, expired_at__isnull=True).update(expired_at=now):
            return None
        lot.refresh_from_db()
        if not lot.remaining:
            return None
        return _post(account_id=lot.account_id, kind=Kind.EXPIRE, allocations=[(lot, -lot.remaining, None)], reason_code="lot_expired",
                     source=Source("lot", str(lot.pk)), at=now)

    due = PointsLot.objects.filter(expires_at__lte=now, expired_at__isnull=True).select_related("account").order_by("id")
    return list(run_each(due, expire, job="points.expire_due_lots", now=now))


def upcoming_expiries(*, member: Member, now: datetime) -> list[dict]:
    """Every lot with points left, soonest first: year, points, expiry time."""
    lots = PointsLot.objects.filter(account__member=member, remaining__gt=0, expires_at__gt=now).order_by("expires_at")
    return [{"year": lot.year, "points": lot.remaining, "expires_at": lot.expires_at} for lot in lots]


def ledger_total(account: PointsAccount) -> int:
    return account.entries.aggregate(total=Sum("points"))["total"] or 0
