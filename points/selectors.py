"""Reads of members: on the hot paths in one statement each, the operators' member search, and the figures the home
page shows (redemptions by day and by month, a member's latest orders); the orders a page of ledger entries names."""
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from functools import reduce
from operator import and_, or_

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from core import sql
from core.days import day_start
from core.months import in_month
from core.models import Program
from core.roles import OPERATORS, Role, has_role
from core.selectors import all_words
from core.validators import folded, typed_phone
from points.models import Complaint, LedgerEntry, Member, RedemptionOrder
from suppliers.models import Gift
from suppliers.selectors import GIFT_SEARCH

_MEMBER = ("id", "user_id", "program_id", "tier", "name", "phone", "reminders_opt_out")
_PROGRAM = ("id", "code", "name", "sms_confirmation_threshold", "has_tiers")


#: what a higher app adds to the orders a list or an order's page reads, each `(orders, user) → orders` annotating them
#: in a fixed number of subqueries whatever their number (settlement: the statement their delivery is booked on,
#: `booked_statement_id`, `booked_month`, `booked_version`, `booked_draft`, for the readers of that statement)
order_bookings: list[Callable[[QuerySet, object], QuerySet]] = []


def with_booking(orders: QuerySet[RedemptionOrder], *, user) -> QuerySet[RedemptionOrder]:
    """`orders` with what `order_bookings` adds for `user` (nothing for a reader who may not see statements)."""
    for annotate in order_bookings:
        orders = annotate(orders, user)
    return orders


#: what a higher app says of an order's returns on its page and in the API's detail, `(order, user) → [outcome, …]`
#: (logistics: per inspection outcome, the units netted off the supplier's statement and those claimed from the
#: logistics provider instead, `logistics.selectors.return_outcomes`)
order_return_outcomes: list[Callable[[RedemptionOrder, object], list[dict]]] = []


def return_outcomes(order: RedemptionOrder, *, user) -> list[dict]:
    """What `order_return_outcomes` says of the order's returns for `user`, in one list."""
    return [outcome for read in order_return_outcomes for outcome in read(order, user)]


def booked_in(month: date) -> dict:
    """Lookups keeping the orders whose delivery is booked in the local `month`: recorded (`delivery_recorded_at`, the
    time a statement counts, SPEC §4.11) from 00:00 on its 1st to 00:00 on the next month's, whatever its signing time."""
    return in_month("delivery_recorded_at", month)


MEMBER_COLUMNS = f"{sql.columns(Member, _MEMBER, 'm')}, {sql.columns(Program, _PROGRAM, 'p')}"
#: the member of the user aliased `u`, and its program: LEFT JOINs (no row for other users)
MEMBER_JOINS = f" LEFT JOIN {sql.table(Member)} m ON m.user_id = u.id LEFT JOIN {sql.table(Program)} p ON p.id = m.program_id"


def member_from_row(values) -> Member | None:
    """The member with its program from the values of MEMBER_COLUMNS (None for NULLs: no member)."""
    if values[0] is None:
        return None
    member = sql.load(Member, _MEMBER, values[: len(_MEMBER)])
    member.program = sql.load(Program, _PROGRAM, values[len(_MEMBER) :])
    return member


def member_with_program(*, user_id: int) -> Member | None:
    """The member profile of a user with its program (every member API request reads it), or None."""
    rows = sql.fetch(f"SELECT {MEMBER_COLUMNS} FROM {sql.table(Member)} m JOIN {sql.table(Program)} p ON p.id = m.program_id"
                     " WHERE m.user_id = %s", [user_id])
    return member_from_row(rows[0]) if rows else None


def search_members(*, text: str = "", program: str = "", tier: str = "") -> QuerySet[Member]:
    """Members for the operators' search: by name, or by the whole phone or its last 4 digits as people type one
    (`phone_matching`, as orders and complaints are found: any other part would tell a masked phone's hidden digits),
    program code and tier, with their account's balance; newest first."""
    members = Member.objects.select_related("program", "account", "user").order_by("-id")
    if text := text.strip():
        by_phone = phone_matching(typed_phone(text), "phone")
        members = members.filter(Q(name__icontains=text) | by_phone if by_phone else Q(name__icontains=text))
    if program:
        members = members.filter(program__code=program)
    if tier:
        members = members.filter(tier=tier)
    return members


LAST_DIGITS = 4  # the last digits of a member's phone every page shows (core.masking.mask_phone)


def phone_matching(digits: str | None, *fields: str) -> Q | None:
    """Rows whose phone in one of `fields` is the number typed (`typed_phone`: "+86 138-0013-8001") or ends with the
    LAST_DIGITS typed; None for other digits or none. Only the whole number or the digits pages show: a search by any
    other part of a phone would tell a masked phone's hidden digits one by one."""
    if digits and len(digits) == LAST_DIGITS:
        return reduce(or_, (Q(**{f"{field}__endswith": digits}) for field in fields))
    if digits and len(digits) > LAST_DIGITS:
        return reduce(or_, (Q(**{field: digits}) for field in fields))
    return None


def orders_matching(text: str) -> Q:
    """Orders whose number contains `text` (any case, full-width forms read as plain ones), or whose member's phone is
    the number typed or ends with the last digits typed (`phone_matching`)."""
    condition = Q(number__icontains=folded(text))
    if by_phone := phone_matching(typed_phone(text), "member__phone"):
        condition |= by_phone
    return condition


#: orders waiting for handover (交接批次): confirmed warehouse orders in no handoff batch yet — the one definition of
#: the staff's 兑换订单 page's 仅看待交接 (linked from the handoff page's count) and of logistics' `awaiting_handoff`,
#: what the next handoff locks and takes
AWAITING_HANDOFF = Q(state=RedemptionOrder.State.CONFIRMED, fulfilment=Gift.Fulfilment.WAREHOUSE, handoff_item__isnull=True)


#: what an order's gift filter reads (the staff's 兑换订单 page's 礼品; the orders API's `?search=` with the number)
ORDER_GIFT_SEARCH = tuple(f"gift__{field}" for field in GIFT_SEARCH)


def orders_of_gifts(text: str) -> Q:
    """Orders of the gifts with each word of `text` in what the gift tables' text filter reads (GIFT_SEARCH, by
    `core.selectors.all_words`: several words, full-width forms read as plain ones)."""
    return all_words(text, ORDER_GIFT_SEARCH)


#: what a complaint search reads in each word: its number and title, its order's number, its gift's SKU and name
COMPLAINT_SEARCH = ("number", "title", "order__number", "gift__sku", "gift__name")


def search_complaints(rows: QuerySet[Complaint], *, user, text: str) -> QuerySet[Complaint]:
    """The complaints of `rows` with each word of `text` in COMPLAINT_SEARCH (`core.selectors.all_words`), or, for an
    operator, who looks members up by phone, whose member's or caller's phone is the number typed or ends with the last
    digits typed (`phone_matching`: "+86 138-0013-8001" as one number). Another reader's search reads no phone: it would tell, number by number, the
    phones its masked rows hide."""
    if not (text := text.strip()):
        return rows
    by_phone = has_role(user, OPERATORS)

    def matching(words: str) -> Q:
        phone = phone_matching(typed_phone(words), "member__phone", "contact_phone") if by_phone else None
        return all_words(words, COMPLAINT_SEARCH) | phone if phone else all_words(words, COMPLAINT_SEARCH)

    if by_phone and typed_phone(text):  # the whole text one number, however it was typed
        return rows.filter(matching(text))
    return rows.filter(reduce(and_, map(matching, text.split())))


def redemptions_by_day(*, until: date, days: int) -> list[dict]:
    """Orders confirmed on each of the `days` local days up to `until`, oldest first, days without any included: `day`,
    `orders`, `points` (an order cancelled later still counts on the day it was redeemed)."""
    first = until - timedelta(days=days - 1)
    rows = (RedemptionOrder.objects.filter(confirmed_at__gte=day_start(first), confirmed_at__lt=day_start(until + timedelta(days=1)))
            .annotate(day=TruncDate("confirmed_at", tzinfo=timezone.get_current_timezone())).values("day")
            .annotate(orders=Count("id"), points=Sum("points_cost")).order_by())
    found = {row["day"]: row for row in rows}
    return [{"day": day, "orders": found.get(day, {}).get("orders", 0), "points": found.get(day, {}).get("points", 0)}
            for day in (first + timedelta(days=n) for n in range(days))]


def redemptions_by_month(*, until: date, months: int) -> list[dict]:
    """Orders confirmed in each of the `months` local months up to the one of `until` (the whole month, to its end),
    oldest first, months without any included: `month` (its 1st), `orders`, `points` (as `redemptions_by_day`)."""
    last = until.replace(day=1)
    firsts = [_months_before(last, n) for n in reversed(range(months))]
    rows = (RedemptionOrder.objects.filter(confirmed_at__gte=day_start(firsts[0]), confirmed_at__lt=day_start(_months_before(last, -1)))
            .annotate(month=TruncMonth("confirmed_at", tzinfo=timezone.get_current_timezone())).values("month")
            .annotate(orders=Count("id"), points=Sum("points_cost")).order_by())
    found = {_as_day(row["month"]): row for row in rows}
    return [{"month": month, "orders": found.get(month, {}).get("orders", 0), "points": found.get(month, {}).get("points", 0)}
            for month in firsts]


def _months_before(month: date, count: int) -> date:
    """The 1st of the month `count` months before `month` (a 1st; negative: after)."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _as_day(value) -> date:
    """A truncated month as a date (TruncMonth of a time gives an aware datetime on PostgreSQL and SQLite)."""
    return timezone.localtime(value).date() if hasattr(value, "hour") else value


def recent_orders(*, member: Member, limit: int) -> QuerySet[RedemptionOrder]:
    """The member's latest orders with their gifts, newest first."""
    return RedemptionOrder.objects.filter(member=member).select_related("gift").order_by("-placed_at", "-id")[:limit]


def order_ids_by_number(*, user, numbers: Iterable[str]) -> dict[str, int]:
    """The id of each order among `numbers` that `user` may see, by its number: one query, none for no numbers."""
    numbers = set(numbers)
    if not numbers:
        return {}
    return dict(RedemptionOrder.objects.visible_to(user).filter(number__in=numbers).values_list("number", "pk"))


def orders_awaiting_delivery() -> QuerySet[RedemptionOrder]:
    """The orders whose delivery can still be recorded (`RedemptionOrder.AWAITING_DELIVERY`): not delivered, not ended."""
    return RedemptionOrder.objects.filter(state__in=RedemptionOrder.AWAITING_DELIVERY)


def source_shown(entry: LedgerEntry, viewer) -> str:
    """A ledger entry's source id as `viewer` may read it, on the page and in the API: a member is shown no key made for
    the system's use (a correction's request key, a credit file's hash), only ids it knows (an order's or a return's
    number, a batch's name); staff see the id as stored."""
    from points.services.credits import FILE_BATCH_PREFIX

    if getattr(viewer, "role", None) != Role.MEMBER:
        return entry.source_id
    if entry.source_type == "correction" or entry.source_type == "batch" and entry.source_id.startswith(FILE_BATCH_PREFIX):
        return ""
    return entry.source_id
