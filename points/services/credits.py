"""Crediting points (SPEC §4.4): operators credit many members at once, one idempotent batch per file."""
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core import sql
from core.days import day_start
from core.errors import ValidationFailed
from core.jobs import run_each
from core.notifications import notify
from core.tabular import Problem, TableFile, TableRejected, TableSpec, read_headed_table, table_file
from core.texts import listed
from core.roles import OPERATORS, require_role
from core.validators import required_text, typed_phone, validate_length, whole_number
from points.models import LedgerEntry, Member, PointsLot
from points.services import ledger
from points.errors import BatchTaken, ReferenceTaken

EXPIRY_REMINDER_DAYS = 30
MAX_CREDIT = 10_000_000
FILE_BATCH_PREFIX = "file-"  # a file's batch, named by a hash of its rows (`read_credit_file`): nobody's word for it
#: Why an operator credits points (the entry's reason code, `bulk_credit` when none is given), with its label.
CREDIT_REASONS = {"bulk_credit": _("积分赠送"), "earn": _("消费获得积分"), "promotion": _("活动奖励")}


def _row_errors(rows: list[dict], members: dict[str, Member]) -> list[tuple[int, str, str, str]]:
    """(line, column, code, detail) for each bad row; `line` is the row's own `line` or its 1-based position."""
    errors = []
    for position, row in enumerate(rows, start=1):
        line = row.get("line", position)
        phone, points = str(row.get("phone") if row.get("phone") is not None else "").strip(), row.get("points")
        if not phone:
            message = _("第%(line)s行：「%(column)s」列为空，请填写会员的手机号") % {"line": line, "column": CREDIT_FILE.heading("phone")}
            errors.append((line, "phone", "required", message))
        elif member_phone(phone) not in members:
            message = _("第%(line)s行：未找到手机号 %(phone)s 的会员") % {"line": line, "phone": phone}
            errors.append((line, "phone", "unknown_member", message))
        if not isinstance(points, int) or isinstance(points, bool) or not 0 < points <= MAX_CREDIT:
            message = _("第%(line)s行：积分须为 1–%(max_credit)s 的整数") % {"line": line, "max_credit": MAX_CREDIT}
            errors.append((line, "points", "invalid", message))
        if credit_reason(row.get("reason_code")) is None:
            message = _("第%(line)s行：发放原因须为 %(reasons)s 之一") % {"line": line, "reasons": listed(CREDIT_REASONS)}
            errors.append((line, "reason_code", "invalid_choice", message))
    return errors


def member_phone(value) -> str:
    """The phone number a credit row names, as members are stored: typed as people do ("+86 138 0013 8000",
    "138-0013-8000"), as the member lookup finds them (`typed_phone`); anything else as given, trimmed, to be reported."""
    text = str(value if value is not None else "")
    return typed_phone(text) or text.strip()


def credit_reason(value: str | None) -> str | None:
    """The reason code a credit row gives, by its code or its Chinese label (none: `bulk_credit`); None if unknown."""
    value = (value or "").strip() or "bulk_credit"
    if value in CREDIT_REASONS:
        return value
    with translation.override(settings.LANGUAGE_CODE):
        return next((code for code, label in CREDIT_REASONS.items() if str(label) == value), None)


class Credited(NamedTuple):
    batch: str
    entries: list[LedgerEntry]
    replayed: bool  # the batch had been posted before with the same rows: nothing new was credited


def credit_points_in_bulk(*, batch_id: str, rows: list[dict], actor, now: datetime,
                          went_through: Callable[[int], None] = lambda rows: None) -> Credited:
    """Credit `rows` ({"phone", "points", "reason_code"?, "line"?}) as batch `batch_id`, all or nothing;
    `went_through(n)` after each row credited (a file's upload counts them: points.services.credit_uploads).

    Re-running the same batch with the same rows posts nothing new (each row is keyed by batch and line) and says so.
    :raises ValidationFailed: naming every bad row (`rows[<line>].<column>`); nothing is written
    :raises BatchTaken: the batch id was used before for other rows (nothing is written)
    """
    batch_id = (batch_id or "").strip()
    if not batch_id or len(batch_id) > 60:
        raise ValidationFailed(_("请填写批次号（最多60字符）"), field="batch")
    if not rows:
        raise ValidationFailed(_("没有数据行"), field="rows")
    members = Member.objects.in_bulk([member_phone(r.get("phone")) for r in rows], field_name="phone")
    errors = _row_errors(rows, members)
    if errors:
        # rows given as a list are named by their index, as the serializer names the rows it refuses
        raise ValidationFailed(errors[0][3], errors=[(f"rows.{line - 1}.{column}", code, detail) for line, column, code, detail in errors])
    wanted = {
        (row.get("line", position), members[member_phone(row["phone"])].pk, row["points"], credit_reason(row.get("reason_code")))
        for position, row in enumerate(rows, start=1)
    }
    with transaction.atomic():
        # one batch id posted at a time: a second request with it waits and finds the first's entries (replayed or taken)
        sql.hold_lock_on(f"credit batch\0{batch_id}")
        posted = list(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EARN, source_type="batch", source_id=batch_id)
                      .select_related("account").order_by("source_line"))
        if posted:
            if {(e.source_line, e.account.member_id, e.points, e.reason_code) for e in posted} != wanted:
                raise BatchTaken(_("批次号 %(batch_id)s 已用于另一批发放，请换一个批次号") % {"batch_id": batch_id}, field="batch")
            return Credited(batch_id, posted, replayed=True)
        entries = []
        for position, row in enumerate(rows, start=1):
            entries.append(ledger.earn_points(
                member=members[member_phone(row["phone"])], points=row["points"],
                source=ledger.Source("batch", batch_id, row.get("line", position)), at=now,
                reason_code=credit_reason(row.get("reason_code")), actor=actor,
            ))
            went_through(position)
        return Credited(batch_id, entries, replayed=False)


#: Why an operator corrects a member's points (the entry's reason code), with its label.
CORRECTION_REASONS = {"correction": _("差错更正"), "goodwill": _("客服补偿"), "reversal": _("冲正")}
MAX_CORRECTION = 1_000_000


def correct_points(*, member: Member, points: int, reason_code: str, note: str, reference: str, actor, now: datetime) -> LedgerEntry:
    """An operator's correction of one member's points (SPEC §4.4 `adjust`): positive into this year's lot, negative
    drawn earliest-expiring first. `reference` names the request (a form's token, an API call's idempotency key): the
    same reference posts once, and the same reference with other figures is refused. The note says why, for the
    member's history and the next operator.

    :raises PermissionDenied: unless the actor is an operator
    :raises ValidationFailed: naming `points`, `reason_code` or `note` :raises InsufficientPoints: (nothing is written)
    :raises ReferenceTaken: the reference was used for another correction (nothing is written)
    """
    require_role(actor, OPERATORS, _("仅运营人员可以调整会员积分"))
    if not isinstance(points, int) or isinstance(points, bool) or points == 0 or abs(points) > MAX_CORRECTION:
        raise ValidationFailed(_("调整积分须为 ±1–%(max_correction)s 的非零整数") % {"max_correction": MAX_CORRECTION}, field="points")
    if reason_code not in CORRECTION_REASONS:
        raise ValidationFailed(_("未知的调整原因 %(reason_code)s") % {"reason_code": reason_code}, field="reason_code")
    note = validate_length(note, model=LedgerEntry, column="note")
    required_text(note, field="note", message=_("请说明调整原因"))
    reference = (reference or "").strip()
    if not reference or len(reference) > 60:
        raise ValidationFailed(_("缺少请求编号"), field="reference")
    entry = ledger.adjust_points(member=member, points=points, source=ledger.Source("correction", reference), at=now,
                                 reason_code=reason_code, actor=actor, note=note)
    if (entry.points, entry.reason_code, entry.note) != (points, reason_code, note):
        message = _("该请求已于 %(at)s 提交过（%(points)+d 积分），本次未再调整；如需再调整，请重新打开表单") % {
            "at": timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M"), "points": entry.points,
        }
        raise ReferenceTaken(message, field="reference")
    return entry


CREDIT_FILE = TableSpec(
    keys=("phone", "points", "reason_code"), aliases={"手机号": "phone", "积分": "points", "原因": "reason_code"},
    optional=("reason_code",), max_rows=20_000, noun=_("会员行"),
)


def credit_template(*, file_format: str) -> TableFile:
    """An empty credit file to fill in: the columns' headings as people name them (手机号, 积分, 原因), no rows (a
    sample row uploaded untouched could credit a real member)."""
    return table_file(headers=[CREDIT_FILE.heading(key) for key in CREDIT_FILE.keys], rows=[], file_format=file_format,
                      name="points-credit-template", title="credits")


class CreditFile(NamedTuple):
    batch: str  # named by a hash of the rows as read
    rows: list[dict]  # {"line", "phone", "points", "reason_code"}
    headings: dict[str, str]  # {column key: the column as the file's header names it}


def read_credit_file(*, file_name: str, content: bytes) -> CreditFile:
    """A CSV/XLSX file (columns phone, points, optional reason_code) read and checked, row by row, as one batch named
    by a hash of its rows as read: the same rows make the same batch, whether the file is the same bytes or was saved
    again (another encoding, CSV as XLSX).

    :raises TableRejected: naming every bad row and column
    """
    rows, headings = read_headed_table(file_name=file_name, content=content, spec=CREDIT_FILE)
    parsed = []
    for line, cells in rows:
        parsed.append({
            "line": line, "phone": cells["phone"].strip(), "reason_code": cells.get("reason_code", "").strip(),
            "points": whole_number(cells["points"], limit=MAX_CREDIT),
        })
    members = Member.objects.in_bulk([member_phone(row["phone"]) for row in parsed], field_name="phone")
    errors = _row_errors(parsed, members)
    if errors:
        raise TableRejected([Problem(line, column, code, detail) for line, column, code, detail in errors], column_order=CREDIT_FILE.keys,
                            headings=headings)
    rows_read = json.dumps([[row["line"], row["phone"], row["points"], row["reason_code"]] for row in parsed], ensure_ascii=False)
    return CreditFile(f"{FILE_BATCH_PREFIX}{hashlib.sha256(rows_read.encode()).hexdigest()[:24]}", parsed, headings)


def expiring_soon_before(now: datetime) -> datetime:
    """Points expiring before this moment expire soon: on one of the next 30 local days (Asia/Shanghai), whatever the
    hour, so a lot expiring at 23:59:59 on 31 December is reminded of, and pointed out on the member's home page, from
    1 December. The reminder and the home page count by this one definition."""
    return day_start(timezone.localdate(now) + timedelta(days=EXPIRY_REMINDER_DAYS + 1))


def remind_expiring_points(*, now: datetime) -> int:
    """Text each member once per lot whose points expire soon (`expiring_soon_before`; non-urgent, respects opt-out),
    each lot in a transaction of its own: one that fails is logged and left for the next run (`run_each`)."""
    due = PointsLot.objects.filter(
        remaining__gt=0, expires_at__gt=now, expires_at__lt=expiring_soon_before(now), reminded_at__isnull=True
    ).select_related("account__member").order_by("pk")

    def remind(lot: PointsLot) -> int | None:
        if not PointsLot.objects.filter(pk=lot.pk, reminded_at__isnull=True).update(reminded_at=now):
            return None
        member = lot.account.member
        notify(
            kind="points_expiring", member=member, at=now, subject=lot,
            context={"points": lot.remaining, "expires_on": timezone.localtime(lot.expires_at).date().isoformat()},
        )
        return lot.pk

    return len(run_each(due, remind, job="points.remind_expiring_points", now=now))


def balance_summary(*, member: Member, now: datetime) -> dict:
    """Balance, every upcoming expiry, and the totals that add up to the balance: earned − redeemed (net of refunds)
    + adjusted (operators' corrections, either sign) − expired = balance, as the ledger is the sum of its entries."""
    account = ledger.account_of(member)
    totals = dict(account.entries.values_list("kind").annotate(total=Sum("points")))
    Kind = LedgerEntry.Kind
    return {
        "balance": account.balance,
        "upcoming_expiries": ledger.upcoming_expiries(member=member, now=now),
        "earned": totals.get(Kind.EARN, 0),
        "redeemed": -totals.get(Kind.REDEEM, 0) - totals.get(Kind.REFUND, 0),
        "adjusted": totals.get(Kind.ADJUST, 0),
        "expired": -totals.get(Kind.EXPIRE, 0),
    }
