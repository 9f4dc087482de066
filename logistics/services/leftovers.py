"""Leftover gifts (遗留礼品, SPEC §4.8): a retired gift's unreserved warehouse stock becomes one lot per warehouse.

Lots come from the GiftRetired event, at most one open per gift and warehouse (the unique key stands behind it);
units of the retired gift that come back into stock later (RetiredStockFreed: a return restocked, an order
cancelled) join that lot, or open a new one when it has closed. The supplier has 30 days to collect; from the day after the deadline a storage fee per lot per day accrues,
the fee for day D recorded once (the unique (lot, kind, fee_date) key stands behind it). A lot ends collected or
disposed (logistics) or moved to clearance with its gift (operator).
"""
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import ValidationFailed
from core.events import subscribe
from core.fsm import apply_transition, log_creation, require_transition
from core.jobs import run_each
from core.roles import Role, waiting_for
from core.selectors import answering
from core.texts import Message
from core.validators import required_text
from logistics.errors import DisposalTooEarly
from logistics.models import ExtraCost, LeftoverLot
from logistics.models.costs import CostKind, Payer
from logistics.services import costs
from suppliers.events import GiftRetired, RetiredStockFreed
from suppliers.models import Gift, Location, StockMovement, StockRecord
from suppliers.services import catalog, inventory
from suppliers.services.locks import lock_gift
from suppliers.services.notices import send_notice

COLLECT_WITHIN = timedelta(days=30)
State = LeftoverLot.State


# --- reads ----------------------------------------------------------------------------------------------------
def past_deadline(lots: QuerySet[LeftoverLot], only: bool | None, *, today: date) -> QuerySet[LeftoverLot]:
    """Of `lots`, those still open after their collection deadline, charged storage each day (True), the others
    (False) or all (None): the lot list's 仅看逾期未取回 and the API's `overdue` filter."""
    return answering(lots, Q(state=LeftoverLot.State.OPEN, collect_by__lt=today), only)


@waiting_for({Role.LOGISTICS})
def lots_past_deadline(user) -> QuerySet[LeftoverLot]:
    """The leftover lots logistics keeps past their collection deadline, charging storage daily until it disposes of
    them (or the supplier collects): the 遗留礼品处理 badge and to-do entry, opening the list so filtered."""
    return past_deadline(LeftoverLot.objects.visible_to(user), True, today=timezone.localdate())


def list_leftover_lots(*, actor) -> QuerySet[LeftoverLot]:
    """The lots `actor` may see (a supplier its own, staff all), with their fees so far, in a constant number of queries.

    Gift, warehouse and supplier are joined; each lot carries `storage_days` charged and `fee_amount`, the sum of
    every extra cost recorded for it and not voided.
    """
    recorded = ExtraCost.objects.filter(lot=OuterRef("pk"), state=ExtraCost.State.RECORDED).order_by().values("lot")
    storage_days = recorded.filter(kind=CostKind.STORAGE).annotate(n=Count("pk")).values("n")
    fee_amount = recorded.annotate(total=Sum("amount")).values("total")
    return (
        LeftoverLot.objects.visible_to(actor)
        .select_related("gift", "location", "supplier")
        .annotate(
            storage_days=Coalesce(Subquery(storage_days, output_field=IntegerField()), Value(0)),
            fee_amount=Coalesce(Subquery(fee_amount, output_field=DecimalField(max_digits=12, decimal_places=2)), Value(Decimal("0.00"))),
        )
    )


def lot_costs(lot: LeftoverLot) -> QuerySet[ExtraCost]:
    """The extra costs recorded for one lot, newest first, the voided ones too (listed struck through with why, as on
    the extra-cost list; the lot's `fee_amount` counts none of them), with who voided them."""
    return lot.extra_costs.select_related("voided_by").order_by("-fee_date", "-recorded_at", "-id")


# --- creation from the event ----------------------------------------------------------------------------------
@subscribe(GiftRetired)
def create_leftover_lots(event: GiftRetired) -> list[LeftoverLot]:
    """One open lot per warehouse holding unreserved units of the retired gift; a warehouse that has an open lot of
    the gift already gets none, so a repeated event creates nothing more (a gift retired again from clearance, its
    earlier lots closed as moved there, gets new lots for what is left).

    Each lot is due for collection 30 days after the retirement date (Asia/Shanghai); the supplier gets one notice
    listing the new lots.
    """
    gift = Gift.objects.select_related("supplier").get(pk=event.gift_id)
    with_open_lot = LeftoverLot.objects.filter(gift=gift, state=State.OPEN).values("location_id")
    records = (
        StockRecord.objects.filter(gift=gift, location__kind=Location.Kind.WAREHOUSE, on_hand__gt=F("reserved"))
        .exclude(location_id__in=with_open_lot)
        .select_related("location")
        .order_by("location_id")
    )
    created = [_open_lot(gift=gift, location=record.location, quantity=record.available, now=event.at) for record in records]
    log_creation(created, "record", actor=None, at=event.at, reason=gettext_noop("礼品退市，剩余库存待取回"))
    if created:
        _notify_supplier(gift=gift, lots=created, now=event.at)
    return created


def _open_lot(*, gift: Gift, location: Location, quantity: int, now: datetime) -> LeftoverLot:
    return LeftoverLot.objects.create(gift=gift, location=location, supplier_id=gift.supplier_id, quantity=quantity,
                                      created_at=now, collect_by=timezone.localdate(now) + COLLECT_WITHIN)


@subscribe(RetiredStockFreed)
def add_freed_units(event: RetiredStockFreed) -> LeftoverLot:
    """Units of a retired gift that came back into a warehouse's stock (a return restocked, an order cancelled after
    the retirement) join the gift's open lot there, keeping its deadline; with none open, they make a new lot due in
    30 days. The supplier is told either way."""
    gift = Gift.objects.select_related("supplier").get(pk=event.gift_id)
    lot = _locked_open_lot(gift, event.location_id)
    if lot is None:
        try:
            with transaction.atomic():  # a savepoint: units freed at once elsewhere may open the lot first
                opened = _open_lot(gift=gift, location=Location.objects.get(pk=event.location_id), quantity=event.quantity, now=event.at)
        except IntegrityError:  # they did (one open lot per gift and warehouse): these units join it
            lot = _locked_open_lot(gift, event.location_id)
            if lot is None:  # another rule refused the lot: not the race this answers
                raise
        else:
            log_creation(opened, "record", actor=None, at=event.at, reason=gettext_noop("退市礼品的库存退回仓库"))
            _notify_supplier(gift=gift, lots=[opened], now=event.at)
            return opened
    LeftoverLot.objects.filter(pk=lot.pk).update(quantity=F("quantity") + event.quantity)
    lot.refresh_from_db()
    send_notice(
        supplier=gift.supplier, kind="leftover_lots", title=gettext_noop("遗留礼品增加：%(gift)s"),
        body=gettext_noop("礼品 %(sku)s 在 %(location)s 又有 %(quantity)s 件退回库存，已并入待取回批次（共 %(total)s 件），请于 %(deadline)s 前取回。"),
        params={"gift": gift.name, "sku": gift.sku, "location": lot.location.name, "quantity": event.quantity,
                "total": lot.quantity, "deadline": f"{lot.collect_by:%Y-%m-%d}"},
        now=event.at, link=reverse("leftover-lots"),
    )
    return lot


def _locked_open_lot(gift: Gift, location_id: int) -> LeftoverLot | None:
    return LeftoverLot.objects.select_for_update().filter(gift=gift, location_id=location_id, state=State.OPEN).first()


def _notify_supplier(*, gift: Gift, lots: Iterable[LeftoverLot], now: datetime) -> None:
    places = [Message(gettext_noop("%(location)s %(quantity)s 件"), location=lot.location.name, quantity=lot.quantity) for lot in lots]
    deadline = min(lot.collect_by for lot in lots)
    send_notice(
        supplier=gift.supplier,
        kind="leftover_lots",
        title=gettext_noop("遗留礼品待取回：%(gift)s"),
        body=gettext_noop("礼品 %(sku)s 已退市，剩余库存（%(places)s）请于 %(deadline)s 前取回；逾期每批次每日按标准收取仓储费。"),
        params={"gift": gift.name, "sku": gift.sku, "places": places, "deadline": f"{deadline:%Y-%m-%d}"},
        now=now, link=reverse("leftover-lots"),
    )


# --- reminder before the deadline -----------------------------------------------------------------------------
#: how many days before its collection deadline the supplier is reminded of an open lot
REMIND_DAYS_BEFORE = 3


def remind_collection_due(*, now: datetime) -> list[int]:
    """Remind each supplier, once per lot (inbox and SMS as its setting allows), of an open lot whose collection
    deadline falls within the next REMIND_DAYS_BEFORE days, before storage fees start; the lots reminded. A second run
    reminds none again; a lot already past its deadline is charged instead (`charge_storage_fees`)."""
    today = timezone.localdate(now)
    due = (LeftoverLot.objects.filter(state=State.OPEN, reminded_at__isnull=True, collect_by__gte=today,
                                      collect_by__lte=today + timedelta(days=REMIND_DAYS_BEFORE))
           .select_related("gift", "location", "supplier").order_by("pk"))

    def remind(lot: LeftoverLot) -> int | None:
        if not LeftoverLot.objects.filter(pk=lot.pk, state=State.OPEN, reminded_at__isnull=True).update(reminded_at=now):
            return None
        send_notice(
            supplier=lot.supplier, kind="leftover_lots", title=gettext_noop("遗留礼品请于 %(deadline)s 前取回：%(gift)s（%(location)s）"),
            body=gettext_noop("礼品 %(sku)s 在 %(location)s 的 %(quantity)s 件遗留库存请于 %(deadline)s 前取回；逾期起每批次每日收取仓储费。"),
            params={"gift": lot.gift.name, "sku": lot.gift.sku, "location": lot.location.name, "quantity": lot.quantity,
                    "deadline": f"{lot.collect_by:%Y-%m-%d}"},
            now=now, link=reverse("leftover-lots"),
        )
        return lot.pk

    return list(run_each(due, remind, job="logistics.remind_collection_due", now=now))


# --- storage fees ---------------------------------------------------------------------------------------------
def charge_storage_fees(*, now: datetime) -> list[ExtraCost]:
    """Record the storage fee of every open lot for each day after its deadline up to today, once per lot and day.

    Beat runs it at 00:10, so the fee for day D is recorded on day D; a day a run missed is charged by the next run, at
    the price in force at 00:10 on that day and recorded as of then (`costs.priced_at`: the fee for the last day of a
    month is booked in that month), and a second run on the same day charges nothing.
    """
    today = timezone.localdate(now)
    due = LeftoverLot.objects.filter(state=State.OPEN, collect_by__lt=today).order_by("pk").values_list("pk", flat=True)
    fees = run_each(due, lambda lot_id: _charge_storage(lot=_lock(lot_id), through=today, now=now),
                    job="logistics.charge_storage_fees", now=now, key=lambda lot_id: f"logistics.leftoverlot:{lot_id}")
    return [fee for lot_fees in fees for fee in lot_fees]


def _charge_storage(*, lot: LeftoverLot, through: date, now: datetime) -> list[ExtraCost]:
    """The fees of the days (collect_by, through] not yet charged to an open lot; the caller holds the lot's lock.

    Storage accrues by itself, so the system records it (no actor) whoever's action brought the run about.
    """
    if lot.state != State.OPEN:
        return []
    charged = set(lot.extra_costs.filter(kind=CostKind.STORAGE).values_list("fee_date", flat=True))
    days = (lot.past_deadline_from + timedelta(days=n) for n in range((through - lot.past_deadline_from).days + 1))
    return [
        costs.record_extra_cost(
            kind=CostKind.STORAGE, payer=Payer.SUPPLIER, supplier=lot.supplier, lot=lot, fee_date=day,
            description=Message(gettext_noop("遗留礼品仓储费 %(day)s"), day=f"{day:%Y-%m-%d}"), actor=None, now=now,
        )
        for day in days
        if day not in charged
    ]


# --- closing a lot --------------------------------------------------------------------------------------------
def collect_lot(*, lot: LeftoverLot, actor, now: datetime, reason: str = "", quantity: int | None = None) -> LeftoverLot:
    """Logistics records that the supplier took the lot away: it closes and its units leave stock as a collection.
    With a `quantity` short of the lot's units, those leave stock and the lot stays open with the rest, keeping its
    collection deadline and the fees charged so far (its history says how many were collected).

    Storage fees owed up to today are charged first.

    :raises InvalidTransition: unless the lot is open
    :raises ValidationFailed: a quantity that is not a whole number from 1 to the lot's units
    :raises OutOfStock: if fewer units are unreserved at the warehouse
    """
    def said(taken: int, left: int) -> Message:  # the count said, a note or not
        if reason:
            return Message(gettext_noop("取回 %(quantity)s 件，余 %(left)s 件待取回：%(note)s"), quantity=taken, left=left, note=reason)
        return Message(gettext_noop("取回 %(quantity)s 件，余 %(left)s 件待取回"), quantity=taken, left=left)

    return _take(lot=lot, quantity=quantity, whole="collect", part="collect_part", stock_kind=StockMovement.Kind.COLLECTION,
                 said=said, refused=gettext("取回数量须为 1–%(quantity)s 的整数"), actor=actor, now=now, reason=reason)


def may_dispose(*, lot: LeftoverLot, now: datetime) -> bool:
    """Whether the lot's time to be collected has run out at `now` (whether it is still open is its state machine's): from
    `lot.past_deadline_from`, since the supplier may collect until the end of its `collect_by` day (SPEC §4.8)."""
    return timezone.localdate(now) >= lot.past_deadline_from


def dispose_lot(*, lot: LeftoverLot, actor, now: datetime, reason: str, quantity: int | None = None) -> LeftoverLot:
    """Logistics disposed of the lot, for the reason given, once the supplier's time to collect it has run out: it
    closes, its units are written off and the supplier bears the disposal fee. With a `quantity` short of the lot's
    units, those are written off and the lot stays open with the rest, keeping its deadline and the fees charged so
    far (its history says how many were disposed of, and why).

    The lot is disposable from the day after its deadline (`may_dispose`). Storage fees owed up to today are charged
    first. The disposal fee is the tariff's price per lot (SPEC §4.6: charged per lot, whatever the units), so a lot
    bears it once: at its first disposal, in part or whole; disposing of more of it later charges nothing more, and
    the supplier's notice names the fee already charged.

    :raises ValidationFailed: without a reason; a quantity that is not a whole number from 1 to the lot's units
    :raises DisposalTooEarly: on or before the lot's collection deadline
    :raises InvalidTransition: unless the lot is open
    :raises OutOfStock: if fewer units are unreserved at the warehouse
    """
    reason = required_text(reason, message=gettext("请说明销毁处置的原因"))
    if lot.state == State.OPEN and not may_dispose(lot=lot, now=now):
        message = gettext("礼品商可取回至 %(collect_by)s，期限届满前不能销毁处置")
        raise DisposalTooEarly(message % {"collect_by": f"{lot.collect_by:%Y-%m-%d}"}, field="collect_by")
    with transaction.atomic():
        lot = _take(
            lot=lot, quantity=quantity, whole="dispose", part="dispose_part", stock_kind=StockMovement.Kind.WRITE_OFF,
            said=lambda taken, left: Message(gettext_noop("销毁处置 %(quantity)s 件，余 %(left)s 件待处理：%(note)s"),
                                             quantity=taken, left=left, note=reason),
            refused=gettext("销毁处置数量须为 1–%(quantity)s 的整数"), actor=actor, now=now, reason=reason,
        )
        fee, charged = _disposal_fee(lot=lot, actor=actor, now=now)
        _notify_disposal(lot=lot, units=lot.quantity if lot.state == State.DISPOSED else quantity, fee=fee, charged=charged, reason=reason, now=now)
    return lot


def _disposal_fee(*, lot: LeftoverLot, actor, now: datetime) -> tuple[ExtraCost, bool]:
    """The lot's disposal fee and whether it is charged now: the first disposal of the lot records it from the tariff,
    a later one finds it (one recorded fee per lot, `disposal_fee_once_per_lot`); the caller holds the lot's lock."""
    fee = lot.extra_costs.filter(kind=CostKind.DISPOSAL, state=ExtraCost.State.RECORDED).order_by("pk").first()
    if fee is not None:
        return fee, False
    return costs.record_extra_cost(
        kind=CostKind.DISPOSAL, payer=Payer.SUPPLIER, supplier=lot.supplier, lot=lot, description=Message(gettext_noop("遗留礼品销毁处置费")), actor=actor, now=now
    ), True


#: the supplier's notice of a disposal: (whether the lot closed, whether its fee is charged now) → title and body
DISPOSAL_NOTICES = {
    (True, True): (gettext_noop("遗留礼品已销毁处置：%(gift)s"),
                   gettext_noop("%(location)s 的 %(quantity)s 件逾期未取回，已销毁处置，处置费 ¥%(fee)s 由贵司承担。原因：%(reason)s")),
    (True, False): (gettext_noop("遗留礼品已销毁处置：%(gift)s"),
                    gettext_noop("%(location)s 的 %(quantity)s 件逾期未取回，已销毁处置；本批次的处置费 ¥%(fee)s 已收取（%(reference)s），"
                                 "不再重复收费。原因：%(reason)s")),
    (False, True): (gettext_noop("遗留礼品部分销毁处置：%(gift)s"),
                    gettext_noop("%(location)s 的 %(quantity)s 件逾期未取回，已销毁处置，余 %(left)s 件待处理；处置费 ¥%(fee)s 由贵司承担，"
                                 "每批次只收取一次。原因：%(reason)s")),
    (False, False): (gettext_noop("遗留礼品部分销毁处置：%(gift)s"),
                     gettext_noop("%(location)s 的 %(quantity)s 件逾期未取回，已销毁处置，余 %(left)s 件待处理；本批次的处置费 ¥%(fee)s "
                                  "已收取（%(reference)s），不再重复收费。原因：%(reason)s")),
}


def _notify_disposal(*, lot: LeftoverLot, units: int, fee: ExtraCost, charged: bool, reason: str, now: datetime) -> None:
    title, body = DISPOSAL_NOTICES[(lot.state == State.DISPOSED, charged)]
    send_notice(
        supplier=lot.supplier, kind="leftover_lots", title=title, body=body, now=now, link=reverse("leftover-lot", args=[lot.pk]),
        params={"gift": lot.gift.name, "location": lot.location.name, "quantity": units, "left": lot.quantity if lot.state == State.OPEN else 0,
                "fee": str(fee.amount), "reference": fee.reference, "reason": reason},
    )


def clear_leftovers(
    *, lot: LeftoverLot, actor, now: datetime, points_price: int, settlement_price: Decimal, reason: str = ""
) -> LeftoverLot:
    """Operator: the retired gift goes to clearance at the given prices and every open lot of it closes as moved there.

    Clearance is a decision about the gift, so all its warehouses' lots move together; their units stay in stock to
    be sold at the clearance prices.

    :raises ValidationFailed: for a points price below 1 or a negative settlement price
    :raises InvalidTransition: unless the lot is open and its gift retired
    """
    if not isinstance(points_price, int) or points_price < 1:
        raise ValidationFailed(gettext("清仓积分价须为正整数"), field="points_price")
    if settlement_price is None or Decimal(settlement_price) < 0:
        raise ValidationFailed(gettext("清仓结算价不能为负"), field="settlement_price")
    with transaction.atomic():
        gift = lock_gift(lot.gift_id)
        lots = list(  # the lots only: their gift is locked above, their supplier is only read
            LeftoverLot.objects.filter(Q(pk=lot.pk) | Q(gift_id=gift.pk, state=State.OPEN)).select_related("supplier").order_by("pk")
            .select_for_update(of=("self",))
        )
        for each in lots:
            _charge_storage(lot=each, through=timezone.localdate(now), now=now)
            apply_transition(each, "move_to_clearance", actor=actor, at=now, reason=reason, closed_at=now)
        catalog.clear_retired_gift(
            gift=gift, actor=actor, now=now, reason=reason or Message(gettext_noop("遗留礼品转清仓（批次 %(lot)s）"), lot=lot.pk),
            points_price=points_price, settlement_price=Decimal(settlement_price),
        )
    return next(each for each in lots if each.pk == lot.pk)


def _close(*, lot: LeftoverLot, transition: str, stock_kind: str, actor, now: datetime, reason: str) -> LeftoverLot:
    with transaction.atomic():
        lot = _lock(lot.pk)
        _charge_storage(lot=lot, through=timezone.localdate(now), now=now)
        apply_transition(lot, transition, actor=actor, at=now, reason=reason, closed_at=now)
        inventory.write_off_stock(
            gift=lot.gift, location=lot.location, quantity=lot.quantity, at=now, actor=actor, kind=stock_kind,
            source=inventory.Source("leftover_lot", str(lot.pk)), note=reason,
        )
    return lot


def _take(*, lot: LeftoverLot, quantity: int | None, whole: str, part: str, stock_kind: str, said: Callable[[int, int], Message],
          refused: str, actor, now: datetime, reason: str) -> LeftoverLot:
    """Close the lot by transition `whole`, its units leaving stock as `stock_kind`; or, with a `quantity` short of its
    units, take those out by `part` (open → open), its history saying `said(quantity, left)`, storage owed up to today
    charged first either way.

    :raises InvalidTransition: unless `whole` may start from the lot's state
    :raises ValidationFailed: on `quantity` (`refused`, with the lot's units) unless a whole number from 1 to its units
    """
    if quantity is None:
        return _close(lot=lot, transition=whole, stock_kind=stock_kind, actor=actor, now=now, reason=reason)
    with transaction.atomic():
        lot = _lock(lot.pk)
        require_transition(lot, whole)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= lot.quantity:
            raise ValidationFailed(refused % {"quantity": lot.quantity}, field="quantity")
        if quantity == lot.quantity:
            return _close(lot=lot, transition=whole, stock_kind=stock_kind, actor=actor, now=now, reason=reason)
        _charge_storage(lot=lot, through=timezone.localdate(now), now=now)
        apply_transition(lot, part, actor=actor, at=now, quantity=quantity, reason=said(quantity, lot.quantity - quantity))
        inventory.write_off_stock(
            gift=lot.gift, location=lot.location, quantity=quantity, at=now, actor=actor, kind=stock_kind,
            source=inventory.Source("leftover_lot", str(lot.pk)), note=reason,
        )
    return lot


def take_for_replacement(*, gift: Gift, location: Location, quantity: int, actor, now: datetime, reference: str) -> LeftoverLot | None:
    """Units of a retired gift reserved as an exchange's replacement leave its open lot at that warehouse: the lot
    shrinks, or, when they were all it had, closes as used (storage owed up to today charged first). None without
    an open lot there."""
    lot = _locked_open_lot(gift, location.pk)
    if lot is None:
        return None
    if lot.quantity > quantity:
        LeftoverLot.objects.filter(pk=lot.pk).update(quantity=F("quantity") - quantity)
        lot.refresh_from_db()
        return lot
    _charge_storage(lot=lot, through=timezone.localdate(now), now=now)
    reason = Message(gettext_noop("全部用于换货 %(reference)s"), reference=reference)
    return apply_transition(lot, "use_up", actor=actor, at=now, reason=reason, closed_at=now)


# --- helpers --------------------------------------------------------------------------------------------------
def _lock(lot_id: int) -> LeftoverLot:
    """The lot, locked, with its gift, warehouse and supplier read but not locked: a stock movement or a cost referring
    to them is still written meanwhile, and clearing the gift's lots, which locks the gift before its lots, never waits
    on a lot whose closing waits on the gift."""
    return LeftoverLot.objects.select_for_update(of=("self",)).select_related("gift", "location", "supplier").get(pk=lot_id)
