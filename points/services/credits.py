"""Crediting points (SPEC §4.4): operators credit many members at once, one idempotent batch per file."""
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import ValidationFailed
from core.notifications import notify
from points.models import LedgerEntry, Member, PointsLot
from points.services import ledger

EXPIRY_REMINDER_DAYS = 30


def credit_points_in_bulk(*, batch_id: str, rows: list[dict], actor, now: datetime) -> list[LedgerEntry]:
    """Credit `rows` ({"phone", "points", "reason_code"?}) as batch `batch_id`, all or nothing.

    Re-running the same batch posts nothing new (each row is keyed by batch and line).
    :raises ValidationFailed: naming every bad row (row number and column); nothing is written
    """
    batch_id = (batch_id or "").strip()
    if not batch_id or len(batch_id) > 60:
        raise ValidationFailed("请填写批次号（最多60字符） (batch id required)", field="batch")
    if not rows:
        raise ValidationFailed("没有数据行 (the batch has no rows)", field="rows")
    members = Member.objects.in_bulk([str(r.get("phone", "")).strip() for r in rows], field_name="phone")
    errors = []
    for line, row in enumerate(rows, start=1):
        phone, points = str(row.get("phone", "")).strip(), row.get("points")
        if phone not in members:
            errors.append((f"rows[{line}].phone", "unknown_member", f"第{line}行：未找到手机号 {phone} 的会员 (row {line}: unknown member)"))
        if not isinstance(points, int) or isinstance(points, bool) or not 0 < points <= 10_000_000:
            errors.append((f"rows[{line}].points", "invalid", f"第{line}行：积分须为正整数 (row {line}: points must be a positive integer)"))
    if errors:
        raise ValidationFailed(errors[0][2], field=errors[0][0], errors=errors)
    with transaction.atomic():
        return [
            ledger.earn_points(
                member=members[str(row["phone"]).strip()], points=row["points"], source=ledger.Source("batch", batch_id, line),
                at=now, reason_code=row.get("reason_code") or "bulk_credit", actor=actor,
            )
            for line, row in enumerate(rows, start=1)
        ]


def remind_expiring_points(*, now: datetime) -> int:
    """Text each member once per lot whose points expire within 30 days (non-urgent, respects opt-out)."""
    due = PointsLot.objects.filter(
        remaining__gt=0, expires_at__gt=now, expires_at__lte=now + timedelta(days=EXPIRY_REMINDER_DAYS), reminded_at__isnull=True
    ).select_related("account__member")
    sent = 0
    for lot in due:
        with transaction.atomic():
            if not PointsLot.objects.filter(pk=lot.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            member = lot.account.member
            notify(
                kind="points_expiring", phone=member.phone, at=now, opted_out=member.reminders_opt_out, subject=lot,
                context={"points": lot.remaining, "expires_on": timezone.localtime(lot.expires_at).date().isoformat()},
            )
            sent += 1
    return sent


def balance_summary(*, member: Member, now: datetime) -> dict:
    """Balance, every upcoming expiry, and the total earned and spent."""
    account = ledger.account_of(member)
    totals = dict(account.entries.values_list("kind").annotate(total=Sum("points")))
    return {
        "balance": account.balance,
        "upcoming_expiries": ledger.upcoming_expiries(member=member, now=now),
        "earned": totals.get("earn", 0),
        "redeemed": -totals.get("redeem", 0) - totals.get("refund", 0),
    }
