"""Reads of the catalog and inventory, scoped and in a constant number of queries."""
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case, Count, DecimalField, ExpressionWrapper, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Round, TruncDate
from django.utils import timezone
from django.utils.translation import gettext

from core import sql
from core.days import on_days
from core.fsm import history_of
from core.login import LoginRefusal
from core.models import Program, Tier
from core.roles import Role, require_role
from core.selectors import all_words, answering
from core.validators import folded, storable_ids
from suppliers.errors import OutOfStock
from suppliers.models import (
    Gift, GiftPrice, GiftRevision, Location, ReplenishmentRequest, SafetyStockChange, StockMovement, StockRecord, Supplier,
)
from suppliers.models.inventory import BELOW_SAFETY_STOCK
from suppliers.services.inventory import source_searches, with_source_numbers

LISTED = [Gift.State.ONLINE, Gift.State.CLEARANCE]


def list_catalog(
    *, program: Program, tier: str, category: str | None = None, min_points: int | None = None, max_points: int | None = None, text: str | None = None
) -> QuerySet[Gift]:
    """Listed gifts of `program` a member of `tier` may see, with `points_base`, `member_points` (what this member
    pays per unit, after its tier's discount), `available` (units at locations of the gift's fulfilment) and
    `per_order` (the most one order can take: one location supplies each order) annotated.

    Sold-out gifts stay listed (available = 0). Points filters apply to the member's own price.
    """
    program_price = GiftPrice.objects.filter(gift=OuterRef("pk"), program=program).values("points_price")[:1]
    stock = StockRecord.objects.filter(gift=OuterRef("pk"), location__kind=OuterRef("fulfilment")).values("gift")
    available = stock.annotate(total=Sum(F("on_hand") - F("reserved"))).values("total")[:1]
    per_order = stock.annotate(most=Max(F("on_hand") - F("reserved"))).values("most")[:1]
    gifts = (
        Gift.objects.filter(state__in=LISTED, prices__program=program, min_tier__in=visible_tiers(program, tier))
        .select_related("supplier", "category")
        .annotate(
            program_points=Subquery(program_price, output_field=IntegerField()),
            available=Coalesce(Subquery(available, output_field=IntegerField()), Value(0)),
            per_order=Coalesce(Subquery(per_order, output_field=IntegerField()), Value(0)),
        )
        .annotate(
            points_base=Case(
                When(state=Gift.State.CLEARANCE, clearance_points_price__isnull=False, then=F("clearance_points_price")),
                default=F("program_points"),
                output_field=IntegerField(),
            )
        )
        .annotate(member_points=_member_points(program, tier))
    )
    if category:
        gifts = gifts.filter(category__code=category)
    if min_points is not None:
        gifts = gifts.filter(member_points__gte=min_points)
    if max_points is not None:
        gifts = gifts.filter(member_points__lte=max_points)
    if text:
        gifts = gifts.filter(all_words(text, ("name", "description")))
    return gifts.order_by("points_base", "id")


def visible_tiers(program: Program, tier: str) -> list[str]:
    """The minimum tiers of the gifts a member of `tier` may see: tiers are GoTone's, so in a program without tiers a
    gift's minimum tier hides it from nobody."""
    return Tier.at_or_below(tier) if program.has_tiers else list(_ALL_TIERS)


_ALL_TIERS = tuple(Tier.values)


def _member_points(program: Program, tier: str):
    """`member_points_price` as an expression over `points_base`, for filtering."""
    if not program.has_tiers:
        return F("points_base")
    percent = Coalesce(Cast(KT(f"tier_discounts__{tier}"), DecimalField(max_digits=5, decimal_places=2)), Value(Decimal(0)))
    discounted = Round(ExpressionWrapper(F("points_base") * (Value(Decimal(100)) - percent) / Value(Decimal(100)),
                                         output_field=DecimalField(max_digits=14, decimal_places=4)))
    return Case(When(state=Gift.State.CLEARANCE, then=F("points_base")), default=Cast(discounted, IntegerField()), output_field=IntegerField())


_GIFT = ("id", "supplier_id", "name", "state", "fulfilment", "settlement_price", "clearance_points_price", "clearance_settlement_price",
         "tier_discounts")
_STOCK = ("id", "gift_id", "location_id", "on_hand", "reserved", "safety_stock")
_LOCATION = ("id", "code", "name", "kind")


def get_listed_gift(*, program: Program, tier: str, gift_id: int) -> Gift | None:
    """One gift as `list_catalog` lists it to a member of `tier` (`points_base`, `available`, `per_order`), or None, in one
    statement (redemption's hot path); its stock records with their locations come along in `stock` for
    `choose_location`. Fields a redemption does not need are deferred. An id no primary key can hold names no gift."""
    if not storable_ids([gift_id]):
        return None  # the database could not even compare it
    tiers = visible_tiers(program, tier)
    rows = sql.fetch(
        f"SELECT {sql.columns(Gift, _GIFT, 'g')}, p.points_price, {sql.columns(StockRecord, _STOCK, 's')}, {sql.columns(Location, _LOCATION, 'l')}"
        f" FROM {sql.table(GiftPrice)} p JOIN {sql.table(Gift)} g ON g.id = p.gift_id"
        f" LEFT JOIN {sql.table(StockRecord)} s ON s.gift_id = g.id LEFT JOIN {sql.table(Location)} l ON l.id = s.location_id"
        f" WHERE p.program_id = %s AND p.gift_id = %s AND g.state IN ({', '.join(['%s'] * len(LISTED))})"
        f" AND g.min_tier IN ({', '.join(['%s'] * len(tiers))}) ORDER BY s.id",
        [program.pk, gift_id, *LISTED, *tiers],
    )
    if not rows:
        return None
    first, stock_at = rows[0], len(_GIFT) + 1
    gift = sql.load(Gift, _GIFT, first[: len(_GIFT)])
    clearance_points = gift.clearance_points_price if gift.state == Gift.State.CLEARANCE else None
    gift.points_base = first[len(_GIFT)] if clearance_points is None else clearance_points
    gift.stock = []
    for row in rows:
        if row[stock_at] is None:
            continue
        record = sql.load(StockRecord, _STOCK, row[stock_at : stock_at + len(_STOCK)])
        record.location = sql.load(Location, _LOCATION, row[stock_at + len(_STOCK) :])
        gift.stock.append(record)
    supplying = [record.available for record in gift.stock if record.location.kind == gift.fulfilment]
    gift.available, gift.per_order = sum(supplying), max(supplying, default=0)
    return gift


def member_points_price(*, gift: Gift, program: Program, tier: str, base: int) -> int:
    """The points a member of `tier` pays per unit: GoTone tier discounts (percent, half up); none elsewhere or in clearance."""
    if not program.has_tiers or gift.state == Gift.State.CLEARANCE:
        return base
    percent = Decimal(str((gift.tier_discounts or {}).get(tier, 0)))
    return int((Decimal(base) * (Decimal(100) - percent) / Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def choose_location(*, gift: Gift, quantity: int, records: Iterable[StockRecord] | None = None) -> Location:
    """The one place a reservation is taken from: the supplier's own location for dropship gifts,
    otherwise the warehouse with the most available units (lowest id on a tie). `records` are the gift's
    stock records with their locations when already read (`get_listed_gift`), else they are read now.

    :raises OutOfStock: if no location has `quantity` available (naming the most one order can take, when some can)
    """
    if records is None:
        records = StockRecord.objects.filter(gift=gift).select_related("location")
    kind = Location.Kind.DROPSHIP if gift.fulfilment == Gift.Fulfilment.DROPSHIP else Location.Kind.WAREHOUSE
    supplying = [record for record in records if record.location.kind == kind]
    candidates = [record for record in supplying if record.available >= quantity]
    if not candidates:
        most = max((record.available for record in supplying), default=0)
        detail = gettext("库存不足：每单最多可兑换 %(most)s 件（每单由一个仓库发货）") % {"most": most} if most > 0 else None
        raise OutOfStock(detail, field="quantity", gift=gift.pk)
    return min(candidates, key=lambda record: (-record.available, record.location_id)).location


def list_locations(*, user) -> QuerySet[Location]:
    """The locations the user may see and name: the warehouses and, for a supplier's user, its own dropship location
    (never another supplier's: its code is as unknown as one no location has); every one for staff, none for a member."""
    locations = Location.objects.all()
    if user.is_superuser:
        return locations
    if not user.is_authenticated or user.role == Role.MEMBER:
        return locations.none()
    if user.is_supplier_user:
        return locations.filter(Q(kind=Location.Kind.WAREHOUSE) | Q(supplier_id=user.supplier_id))
    return locations


def list_revisions(*, actor) -> QuerySet[GiftRevision]:
    """Revisions of the gifts the actor may see, newest first, with who asked and each decided one's decision (who
    approved, rejected or withdrew it, when, why), in a constant number of queries."""
    return GiftRevision.objects.visible_to(actor).select_related("gift", "requested_by").prefetch_related(
        GiftRevision.rejection.prefetch(), GiftRevision.approval.prefetch(), GiftRevision.withdrawal.prefetch()
    )


def list_safety_stock_changes(*, actor, gift_id: int | None = None) -> QuerySet[SafetyStockChange]:
    """The changes of safety stock levels the actor may see (a supplier's users only their own gifts'; of one gift), newest
    first, with the location and who set it, in a constant number of queries.

    :raises PermissionDenied: for a member
    """
    require_role(actor, SafetyStockChange.visibility.readers)
    changes = SafetyStockChange.objects.visible_to(actor).select_related("record__gift", "record__location", "changed_by")
    return changes.filter(record__gift_id=gift_id) if gift_id else changes


# what the suppliers page's text filter and the API's `?search=` find a supplier by (its credit code in any case)
SUPPLIER_SEARCHED = ("name", "credit_code")


def credit_code_taken(*, credit_code: str, other_than: int | None = None) -> bool:
    """Whether a supplier other than `other_than` holds this credit code: one legal entity is one supplier, a rejected
    application aside (the entity may apply again)."""
    return Supplier.objects.filter(credit_code=credit_code).exclude(state=Supplier.State.REJECTED).exclude(pk=other_than).exists()


def supplier_standing(user) -> dict | None:
    """The state of the user's own supplier and its last change (when, which step, why) for its home page, in two
    queries; None for a user acting for no supplier."""
    supplier = Supplier.objects.filter(pk=user.supplier_id).first() if user.supplier_id else None
    if supplier is None:
        return None
    return {"state": supplier.state, "state_label": supplier.get_state_display(), "last_change": history_of(supplier).last()}


def same_credit_code(supplier: Supplier) -> QuerySet[Supplier]:
    """Other suppliers registered with this one's credit code: the same legal entity's rejected applications (no other
    supplier may hold it, see credit_code_taken), which the reviewer should see before approving."""
    return Supplier.objects.filter(credit_code=supplier.credit_code).exclude(pk=supplier.pk).order_by("applied_at", "pk")


def application_standing(user) -> LoginRefusal | None:
    """How the application of an applicant's admin user stands (waiting, in review, or rejected with the operator's
    reason), told when it signs in before approval; None for a user who applied for nothing still undecided."""
    membership = getattr(user, "supplier_membership", None)
    supplier = membership.supplier if membership else None
    if supplier is None:
        return None
    values = {"name": supplier.name, "applied_on": f"{timezone.localtime(supplier.applied_at):%Y-%m-%d}"}
    if supplier.state == Supplier.State.APPLIED:
        return LoginRefusal("application_pending", gettext("「%(name)s」的入驻申请已于 %(applied_on)s 提交，正在等待运营审核；审核通过后即可登录。") % values)
    if supplier.state == Supplier.State.UNDER_REVIEW:
        return LoginRefusal("application_pending", gettext("「%(name)s」的入驻申请（%(applied_on)s 提交）正在审核中；审核通过后即可登录。") % values)
    if supplier.state == Supplier.State.REJECTED:
        reason = supplier.rejection.reason_label if supplier.rejection else "—"
        return LoginRefusal("application_rejected",
                            gettext("「%(name)s」的入驻申请未通过审核。原因：%(reason)s。如有疑问，请联系平台运营。") % (values | {"reason": reason}))
    return None


def disabled_standing(user) -> LoginRefusal | None:
    """Why a supplier's user whose account its admin disabled may not sign in, told once its password is right; None
    for anyone else."""
    membership = getattr(user, "supplier_membership", None)
    if membership is None or membership.state != membership.State.DISABLED:
        return None
    return LoginRefusal("account_disabled",
                        gettext("您在「%(name)s」的账号已被管理员停用，请联系贵公司的礼品商管理员重新启用。") % {"name": membership.supplier.name})


GIFT_SEARCH = ("sku", "name")  # what the gift tables' text filter and the gift API's `?search=` read (`all_words`)


def matching(text: str, gift: str = "") -> Q:
    """Gifts with each word of `text` in their SKU, name or supplier name (`core.selectors.all_words`; `gift` is the
    path to the gift)."""
    return all_words(text, (f"{gift}sku", f"{gift}name", f"{gift}supplier__name"))


#: a retired gift's stock record holding nothing, on hand or reserved: nothing more comes to it or leaves it, so the stock
#: list leaves it out unless asked for (`stock_of`'s `retired`)
RETIRED_AND_EMPTY = Q(gift__state=Gift.State.RETIRED, on_hand=0, reserved=0)


def stock_of(user, *, q: str = "", location: Location | None = None, location_kind: str = "", low: bool | None = None,
             retired: bool | None = None) -> tuple[QuerySet[StockRecord], QuerySet[StockMovement], QuerySet[ReplenishmentRequest]]:
    """The stock page's reads: the stock records (by SKU and location), the stock movements and the open replenishment
    requests `user` may see, of the gifts matching `q` at `location`, at locations of `location_kind` only when given
    (the warehouses, say); `low` narrows the records (see by_low_stock), each with its `available_units` (what the page
    sorts its column 可用 by); a retired gift's records holding nothing are left out unless `retired`
    (RETIRED_AND_EMPTY). Its download and the home page's count of the records below their safety stock read the
    same records."""
    records = (StockRecord.objects.visible_to(user).select_related("gift__supplier", "location")
               .annotate(available_units=F("on_hand") - F("reserved")).order_by("gift__sku", "location__code"))
    if not retired:
        records = records.exclude(RETIRED_AND_EMPTY)
    movements = with_source_numbers(StockMovement.objects.visible_to(user).select_related("gift", "location"))
    requests = replenishments_of(user, q=q, location=location, state=ReplenishmentRequest.State.OPEN).order_by("due_date", "pk")
    if q:
        records, movements = (rows.filter(matching(q, "gift__")) for rows in (records, movements))
    if location:
        records, movements = (rows.filter(location=location) for rows in (records, movements))
    if location_kind:
        records, movements, requests = (rows.filter(location__kind=location_kind) for rows in (records, movements, requests))
    return by_low_stock(records, low), movements, requests


def replenishments_of(user, *, q: str = "", location: Location | None = None, state: str = "") -> QuerySet[ReplenishmentRequest]:
    """The replenishment requests `user` may see, open or done, newest first: of the gifts matching `q` at `location`, in
    `state`."""
    requests = ReplenishmentRequest.objects.visible_to(user).select_related("gift", "location").order_by("-raised_at", "-pk")
    if q:
        requests = requests.filter(matching(q, "gift__"))
    return requests.filter(**{name: value for name, value in (("location", location), ("state", state)) if value})


def stock_movements_of(
    user, *, today: date, days: int, q: str = "", location: Location | None = None, kind: str = "", date_from: date | None = None,
    date_to: date | None = None, location_kind: str = "", gift: Gift | None = None, until: date | None = None,
) -> tuple[QuerySet[StockMovement], list[tuple[date, int]]]:
    """The stock movements `user` may see (`movements_of`); and the trend of units on hand over the `days` days up to
    `until` (default today) for the gifts listed and the location (kind and dates narrow the list, not the trend), at
    locations of `location_kind` only when given (the warehouses, say)."""
    records, movements, listed = _stock_and_movements(user, q=q, location=location, location_kind=location_kind, gift=gift)
    trend = stock_trend(records=records, movements=movements, today=today, days=days, until=until)
    return with_source_numbers(_listed(listed, kind=kind, date_from=date_from, date_to=date_to)), trend


def movements_of(user, *, q: str = "", location: Location | None = None, kind: str = "", date_from: date | None = None,
                 date_to: date | None = None, location_kind: str = "", gift: Gift | None = None) -> QuerySet[StockMovement]:
    """The stock movements `user` may see, newest first, of the gifts matching `q` or whose source (an order's or a
    return's number) does (or of `gift`), at `location` (or at locations of `location_kind`), of `kind`, between the
    dates, with their gift and location."""
    listed = _stock_and_movements(user, q=q, location=location, location_kind=location_kind, gift=gift)[2]
    return with_source_numbers(_listed(listed, kind=kind, date_from=date_from, date_to=date_to))


def _stock_and_movements(
    user, *, q: str, location: Location | None, location_kind: str = "", gift: Gift | None = None,
) -> tuple[QuerySet[StockRecord], QuerySet[StockMovement], QuerySet[StockMovement]]:
    """The stock records and the movements `user` may see of the gifts matching `q` (or moved by a source matching it,
    or of `gift`) at `location` (and at locations of `location_kind` when given), and of those movements the ones
    listed: matching `q` themselves."""
    records = StockRecord.objects.visible_to(user)
    movements = StockMovement.objects.visible_to(user).select_related("gift", "location")
    listed = movements
    if q:
        gifts = matching(q, "gift__") | Q(gift__in=movements.filter(movements_matching(q)).values("gift"))
        listed = movements.filter(movements_matching(q))
        records, movements = records.filter(gifts), movements.filter(gifts)
    if gift:
        records, movements, listed = (rows.filter(gift=gift) for rows in (records, movements, listed))
    if location:
        records, movements, listed = (rows.filter(location=location) for rows in (records, movements, listed))
    if location_kind:
        records, movements, listed = (rows.filter(location__kind=location_kind) for rows in (records, movements, listed))
    return records, movements, listed


def movements_matching(text: str) -> Q:
    """Stock movements of a gift matching `text` (`matching`) or moved by the order or return it names (its number,
    any case, full-width forms read as plain ones; an exchange's replacement by its return's number, as it is shown:
    `inventory.source_searches`): the movements page's text filter and the API's `?search=`."""
    condition = matching(text, "gift__") | Q(source_id__icontains=folded(text))
    for numbered in source_searches.values():
        condition |= numbered(folded(text))
    return condition


def _listed(movements: QuerySet[StockMovement], *, kind: str, date_from: date | None, date_to: date | None) -> QuerySet[StockMovement]:
    return movements.filter(**on_days("at", date_from, date_to), **({"kind": kind} if kind else {}))


def stock_trend(*, records: QuerySet[StockRecord], movements: QuerySet[StockMovement], today: date, days: int,
                until: date | None = None) -> list[tuple[date, int]]:
    """Units on hand at the end of each of the `days` days up to `until` (default and at most today; `until` last),
    over `records` and the `movements` of the same gifts and locations: today's level, walked back day by day through
    the movements (two queries)."""
    until = min(until or today, today)
    first = until - timedelta(days=days - 1)
    level = records.aggregate(units=Sum("on_hand"))["units"] or 0
    changes = dict(movements.filter(**on_days("at", first + timedelta(days=1))).annotate(day=TruncDate("at")).order_by().values("day")
                   .annotate(delta=Sum("on_hand_delta")).values_list("day", "delta"))
    trend = []
    for offset in range((today - first).days + 1):
        day = today - timedelta(days=offset)
        if day <= until:
            trend.append((day, level))
        level -= changes.get(day, 0)
    return trend[::-1]


def by_low_stock(records: QuerySet, low: bool | None) -> QuerySet:
    """`low`: the stock records below their safety stock (`BELOW_SAFETY_STOCK`), or (False) the others; None: all. The
    stock page's filter and the home page's count read it."""
    return answering(records, BELOW_SAFETY_STOCK, low)


def gift_counts(user) -> dict:
    """How many of the gifts the user may see are online, and how many are approved and not online yet (scheduled or
    waiting to be put online) (one query); those in review are the review queue's (`catalog.review_queue`)."""
    return Gift.objects.visible_to(user).aggregate(
        online=Count("id", filter=Q(state=Gift.State.ONLINE)), approved=Count("id", filter=Q(state=Gift.State.APPROVED)))
