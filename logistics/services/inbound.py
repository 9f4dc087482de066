"""Inbound stock (铺货/补货, SPEC §4.3, §4.6): the supplier announces, logistics receives and puts away.

Only counted units enter the supplier's consignment. A shortage (announced − counted) is recorded and
nothing more; units damaged on arrival are written off at once and carry the per-unit handling fee of the
tariff, borne by the supplier — never the goods value. Usable stock received meets the gift's open
replenishment request at that warehouse.
"""
from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import Problems, ValidationFailed
from core.fsm import apply_transition, log_creation
from core.numbers import create_numbered
from core.roles import Role, waiting_for
from core.validators import refuse_nul, required_text, validate_length
from core.texts import Message, labelled_message
from logistics.errors import GiftRetiredOnArrival, ReplenishmentAlreadyAnnounced
from logistics.models import ExtraCost, InboundShipment, Tariff
from logistics.models.costs import CostKind, Payer
from logistics.services.costs import list_extra_costs, record_extra_cost
from suppliers.models import Gift, Location, ReplenishmentRequest, StockMovement, Supplier
from suppliers.services import inventory, revisions
from suppliers.services.locks import lock_gift
from suppliers.services.notices import send_notice

MAX_QUANTITY = 10_000  # per announcement; a larger delivery is announced in parts
#: a gift's states in which stock may be announced for it: approved and not retired, so it sells or may sell again (an
#: offline one is restocked before it is listed again, SPEC §4.2, §4.3); a draft or one in review or rejected may never
#: sell, a retired one no longer does, each refused saying what its supplier does (NOT_ANNOUNCEABLE)
ANNOUNCEABLE_STATES = (Gift.State.APPROVED, Gift.State.ONLINE, Gift.State.OFFLINE, Gift.State.CLEARANCE)
#: why stock may not be announced for a gift in each state outside ANNOUNCEABLE_STATES, and what its supplier does about
#: it (the gift FSM, SPEC §4.2); a gift taken off sale (offline) may be announced, to restock it before it is listed again
NOT_ANNOUNCEABLE = {
    Gift.State.DRAFT: gettext_noop("礼品 %(sku)s 为「%(state)s」，尚不能销售：请先提交审核，审核通过后才能预报入库"),
    Gift.State.SUBMITTED: gettext_noop("礼品 %(sku)s 为「%(state)s」：审核通过后才能预报入库"),
    Gift.State.REJECTED: gettext_noop("礼品 %(sku)s 为「%(state)s」，尚不能销售：请按驳回原因修改后重新提交，审核通过后才能预报入库"),
    Gift.State.RETIRED: gettext_noop("礼品 %(sku)s 为「%(state)s」，不再销售，不能预报入库：已在仓的余货按遗留礼品处理；如需继续供货，请新建礼品提交审核"),
}
ANNOUNCE_AHEAD = timedelta(days=365)  # an expected arrival further out is a typing error, not a plan


def _whole(value, *, field: str, low: int, high: int, message: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(message, field=field)
    return value


def announce_inbound(
    *, supplier: Supplier, gift_id: int, location_id: int, quantity: int, expected_on: date, actor, now: datetime,
    replenishment_request_id: int | None = None, note: str = "",
) -> InboundShipment:
    """Announce goods on their way to a warehouse: one of the supplier's own warehouse-fulfilled gifts, optionally
    against its open replenishment request there.

    :raises ValidationFailed: naming every field in error at once — another supplier's, a dropship gift or one that cannot sell (a draft,
        one in review, rejected or retired: ANNOUNCEABLE_STATES, saying what to do: NOT_ANNOUNCEABLE), a location that is
        not a warehouse, a quantity outside 1–10 000, a date in the past, a request that is not open or is for
        another gift or warehouse (nothing is written)
    :raises ReplenishmentAlreadyAnnounced: the request already has an announced inbound shipment on its way (withdraw
        that one to announce it again)
    """
    problems = Problems()  # every field in error named at once
    with problems.check():
        quantity = _whole(quantity, field="quantity", low=1, high=MAX_QUANTITY,
                          message=gettext("数量须为 1–%(max_quantity)s 的整数") % {"max_quantity": MAX_QUANTITY})
    with problems.check():
        gift = _announceable_gift(supplier, gift_id)
    with problems.check():
        location = Location.objects.filter(pk=location_id, kind=Location.Kind.WAREHOUSE).first()
        if location is None:
            raise ValidationFailed(gettext("请选择物流仓"), field="location")
    with problems.check():
        if expected_on < timezone.localdate(now):
            raise ValidationFailed(gettext("预计到货日期不能早于今天"), field="expected_on")
        if expected_on > timezone.localdate(now) + ANNOUNCE_AHEAD:
            raise ValidationFailed(gettext("预计到货日期须在 %(days)s 天以内") % {"days": ANNOUNCE_AHEAD.days}, field="expected_on")
    with problems.check():
        note = validate_length(note, model=InboundShipment, column="note")
    problems.refuse()
    request = None
    if replenishment_request_id is not None:
        request = ReplenishmentRequest.objects.filter(
            pk=replenishment_request_id, gift=gift, location=location, state=ReplenishmentRequest.State.OPEN
        ).first()
        if request is None:
            raise ValidationFailed(gettext("补货申请须为该礼品在该仓的待补货申请"),
                                   field="replenishment_request")
    with transaction.atomic():
        # the gift locked and read again: a change of its fulfilment being approved meanwhile either waits for this
        # announcement (and then sees it) or is seen here
        if lock_gift(gift.pk, fulfilment=Gift.Fulfilment.WAREHOUSE) is None:
            raise ValidationFailed(gettext("直发礼品无需入库"), field="gift")
        if request is not None:
            _refuse_second_announcement(request)
        inbound = create_numbered(
            InboundShipment, prefix="IB", now=now, supplier=supplier, gift=gift, location=location, replenishment_request=request,
            announced_quantity=quantity, expected_on=expected_on, announced_at=now, note=note,
        )
        log_creation(inbound, "announce", actor=actor, at=now)
    return inbound


def _announceable_gift(supplier: Supplier, gift_id: int) -> Gift:
    """The supplier's own warehouse-fulfilled gift that can sell. :raises ValidationFailed: naming `gift`, saying what
    to do for a gift in a state that cannot be announced (`NOT_ANNOUNCEABLE`)"""
    gift = Gift.objects.filter(pk=gift_id, supplier=supplier).first()
    if gift is None:
        raise ValidationFailed(gettext("请选择本公司的礼品"), field="gift")
    if gift.fulfilment != Gift.Fulfilment.WAREHOUSE:
        raise ValidationFailed(gettext("直发礼品无需入库"), field="gift")
    if gift.state not in ANNOUNCEABLE_STATES:
        message = gettext(NOT_ANNOUNCEABLE[gift.state])
        raise ValidationFailed(message % {"sku": gift.sku, "state": gift.get_state_display()}, field="gift")
    return gift


def _refuse_second_announcement(request: ReplenishmentRequest) -> None:
    """One announcement on its way per replenishment request: the request row locked, so that two announcements sent
    at once are made one after the other and the second sees the first."""
    ReplenishmentRequest.objects.select_for_update().filter(pk=request.pk).first()
    pending = InboundShipment.objects.filter(replenishment_request=request, state=InboundShipment.State.ANNOUNCED).first()
    if pending is not None:
        message = gettext("补货申请已由入库单 %(number)s 预报（预计 %(expected_on)s 到货）；如需重新预报，请先撤回该入库单")
        raise ReplenishmentAlreadyAnnounced(message % {"number": pending.number, "expected_on": f"{pending.expected_on:%Y-%m-%d}"},
                                            field="replenishment_request", inbound=pending.number)


def withdraw_inbound(*, inbound: InboundShipment, actor, now: datetime, reason: str) -> InboundShipment:
    """The supplier withdraws an announcement whose goods will not come: it is cancelled with the reason in its history,
    and its replenishment request, still open, may be announced again.

    :raises ValidationFailed: without a reason
    :raises InvalidTransition: unless the shipment is announced (goods received are not withdrawn)
    """
    reason = required_text(reason, message=gettext("请说明撤回原因"))
    return apply_transition(inbound, "withdraw", actor=actor, at=now, reason=reason, cancelled_at=now)


def receive_inbound(
    *, inbound: InboundShipment, counted_quantity: int, damaged_quantity: int = 0, extra_quantity: int = 0, actor, now: datetime,
    reason: str = "",
) -> InboundShipment:
    """Receive announced goods: counted units enter stock, damaged ones are written off with the supplier's handling
    fee, the open replenishment request is met, and the supplier is told — all or nothing.

    Units that came beyond the announcement (`extra_quantity`, once all announced units came) are not taken in: the
    supplier is told, by a notice asking it to act, the inbound shipment's number, the units announced and those that
    came, and to announce the extra ones, which then come into stock on a receipt of their own.

    Goods of a gift retired since they were announced are not taken in: its leftover lots were made from the stock at
    retirement (SPEC §4.8), so units received now would sit in the warehouse belonging to no lot. The warehouse sends
    them back to the supplier, and a receipt of nothing (counted 0) closes the announcement.

    :raises ValidationFailed: counted outside 0–announced (more than announced: saying to receive the announced units
        and enter the others as extra), damaged outside 0–counted, extra outside 0–MAX_QUANTITY or given with fewer
        units counted than announced
    :raises GiftRetiredOnArrival: units counted of a retired gift, naming the inbound shipment and the gift
    :raises InvalidTransition: unless the shipment is announced
    """
    counted = _whole(counted_quantity, field="counted_quantity", low=0, high=inbound.announced_quantity,
                     message=_counted_refused(inbound, counted_quantity))
    damaged = _whole(damaged_quantity, field="damaged_quantity", low=0, high=counted,
                     message=gettext("破损数量须为 0–%(counted)s（实收数量）的整数") % {"counted": counted})
    extra = _extra(inbound, counted=counted, extra=extra_quantity)
    source = inventory.Source("inbound", inbound.number)
    with transaction.atomic():
        # locked like retirement locks it: a gift retired meanwhile is seen here, or retires after these units are in stock
        gift = lock_gift(inbound.gift_id)
        if counted and gift.state == Gift.State.RETIRED:
            message = gettext("入库单 %(number)s 的礼品 %(sku)s 已退市，不能收货入库：请将货物退回礼品商，并按实收 0 件关闭该入库单")
            raise GiftRetiredOnArrival(message % {"number": inbound.number, "sku": gift.sku}, field="counted_quantity")
        summary = Message(gettext_noop("实收 %(counted)s/%(announced)s，短少 %(short)s，破损 %(damaged)s"), counted=counted,
                          announced=inbound.announced_quantity, short=inbound.announced_quantity - counted, damaged=damaged)
        if extra:
            summary = Message(gettext_noop("实收 %(counted)s/%(announced)s，破损 %(damaged)s，多到 %(extra)s 件未入库"), counted=counted,
                              announced=inbound.announced_quantity, damaged=damaged, extra=extra)
        note = (reason or "").strip()  # logistics' own words follow the counts, which the history keeps either way
        apply_transition(inbound, "receive", actor=actor, at=now, reason=labelled_message(summary, note) if note else summary,
                         counted_quantity=counted, damaged_quantity=damaged, extra_quantity=extra, received_at=now)
        fee = _charge_handling(inbound=inbound, damaged=damaged, actor=actor, now=now)
        if counted:
            inventory.receive_stock(gift=inbound.gift, location=inbound.location, quantity=counted, at=now, actor=actor, source=source)
        if damaged:
            inventory.write_off_stock(gift=inbound.gift, location=inbound.location, quantity=damaged, at=now, actor=actor, source=source,
                                      kind=StockMovement.Kind.WRITE_OFF, note=Message(gettext_noop("到货破损 %(number)s"), number=inbound.number))
        if counted > damaged:
            inventory.meet_replenishment(gift=inbound.gift, location=inbound.location, at=now, actor=actor)
        counts = {"number": inbound.number, "gift": inbound.gift.name, "location": inbound.location.name, "counted": counted,
                  "announced": inbound.announced_quantity, "short": inbound.announced_quantity - counted, "damaged": damaged}
        body = (gettext_noop("%(gift)s（%(location)s）：实收 %(counted)s/%(announced)s，短少 %(short)s，破损 %(damaged)s；到货破损处理费 ¥%(fee)s。")
                if fee else gettext_noop("%(gift)s（%(location)s）：实收 %(counted)s/%(announced)s，短少 %(short)s，破损 %(damaged)s。"))
        send_notice(
            supplier=inbound.supplier, kind="inbound_received", now=now, title=gettext_noop("入库单 %(number)s 已收货"), body=body,
            params=counts | ({"fee": str(fee.amount)} if fee else {}), link=f"{reverse('supplier-inbound')}?q={inbound.number}",
        )
        if extra:
            _tell_over_receipt(inbound=inbound, extra=extra, now=now)
    return inbound


def _extra(inbound: InboundShipment, *, counted: int, extra) -> int:
    """The units that came beyond the announcement. :raises ValidationFailed: naming `extra_quantity`, unless a whole
    number from 0 to MAX_QUANTITY, or when some announced units did not come (those that did are counted first)"""
    extra = _whole(extra, field="extra_quantity", low=0, high=MAX_QUANTITY,
                   message=gettext("多到数量须为 0–%(max_quantity)s 的整数") % {"max_quantity": MAX_QUANTITY})
    if extra and counted < inbound.announced_quantity:
        message = gettext("实收 %(counted)s 件少于预报的 %(announced)s 件，不能另有多到：到货件数在预报数量以内的，全部计入实收数量")
        raise ValidationFailed(message % {"counted": counted, "announced": inbound.announced_quantity}, field="extra_quantity")
    return extra


def _tell_over_receipt(*, inbound: InboundShipment, extra: int, now: datetime) -> None:
    """The supplier is asked to announce the units that came beyond an announcement (they are not in stock until then)."""
    send_notice(
        supplier=inbound.supplier, kind="inbound_over_received", now=now, title=gettext_noop("入库单 %(number)s 到货多于预报"),
        body=gettext_noop("%(gift)s（%(location)s）：预报 %(announced)s 件，实到 %(arrived)s 件，已按 %(announced)s 件收货；"
                          "多出的 %(extra)s 件未入库，请为其另行预报入库。"),
        params={"number": inbound.number, "gift": inbound.gift.name, "location": inbound.location.name,
                "announced": inbound.announced_quantity, "arrived": inbound.announced_quantity + extra, "extra": extra},
        link=reverse("supplier-inbound"),
    )


def _counted_refused(inbound: InboundShipment, counted) -> str:
    """Why a count is refused, and for more units than announced what to do instead: receive the announced units and
    enter the others as extra (`extra_quantity`), which tells the supplier to announce them; they then come into stock
    on a receipt of their own."""
    announced = inbound.announced_quantity
    if isinstance(counted, int) and not isinstance(counted, bool) and counted > announced:
        message = gettext("实收 %(counted)s 件多于预报的 %(announced)s 件：请按 %(announced)s 件收货，并在多到数量填写 %(extra)s，"
                          "系统将通知礼品商为多出的 %(extra)s 件另行预报入库")
        return message % {"counted": counted, "announced": announced, "extra": counted - announced}
    return gettext("实收数量须为 0–%(announced)s（预报数量）的整数") % {"announced": announced}


def _charge_handling(*, inbound: InboundShipment, damaged: int, actor, now: datetime) -> ExtraCost | None:
    """The supplier pays the tariff's per-unit handling fee for units damaged on arrival (no tariff, no fee)."""
    tariff = Tariff.objects.filter(kind=CostKind.HANDLING).first()
    if not damaged or tariff is None:
        return None
    return record_extra_cost(kind=CostKind.HANDLING, payer=Payer.SUPPLIER, supplier=inbound.supplier, inbound=inbound, quantity=damaged,
                             description=Message(gettext_noop("到货破损 %(damaged)s 件 × ¥%(rate)s（%(number)s）"), damaged=damaged,
                                                 rate=str(tariff.amount), number=inbound.number), actor=actor, now=now)


#: the longest shelf location a warehouse writes down at put-away (an aisle-rack-level code, a zone's name)
SHELF_MAX_LENGTH = 40


def put_away_inbound(*, inbound: InboundShipment, actor, now: datetime, shelf: str = "", reason: str = "") -> InboundShipment:
    """The received goods are on the warehouse shelves; the supplier finds in its inbox (routine work, no SMS) how many
    units are now there to be redeemed (none when all were short or damaged: nothing to tell).

    The shelf location they went to (`shelf`) and logistics' note (`reason`), both optional, are kept in the history
    of the step, the location first ("货位 A-03-2：note").

    :raises ValidationFailed: naming `shelf` if longer than SHELF_MAX_LENGTH or holding a NUL byte, before anything is
        written
    :raises InvalidTransition: unless the shipment is received
    """
    refuse_nul(shelf, field="shelf")
    shelf = (shelf or "").strip()
    if len(shelf) > SHELF_MAX_LENGTH:
        raise ValidationFailed(gettext("货位最多 %(max)s 个字符") % {"max": SHELF_MAX_LENGTH}, field="shelf")
    note = (reason or "").strip()
    if shelf:
        placed = Message(gettext_noop("货位 %(shelf)s"), shelf=shelf)
        note = labelled_message(placed, note) if note else placed
    with transaction.atomic():
        inbound = apply_transition(inbound, "put_away", actor=actor, at=now, reason=note, put_away_at=now)
        shelved = shelved_quantity(inbound)
        if shelved:
            send_notice(
                supplier=inbound.supplier, kind="inbound_put_away", now=now, sms=False, title=gettext_noop("入库单 %(number)s 已上架"),
                body=gettext_noop("%(gift)s 的 %(shelved)s 件已在%(location)s上架，可供兑换。"),
                params={"number": inbound.number, "gift": inbound.gift.name, "location": inbound.location.name, "shelved": shelved},
                link=f"{reverse('supplier-inbound')}?q={inbound.number}",
            )
    return inbound


def shelved_quantity(inbound: InboundShipment) -> int | None:
    """The units of a received inbound shipment that went into stock to be redeemed (put away, or waiting to be): those
    counted but the damaged ones, written off at receipt. None before it is received."""
    if inbound.counted_quantity is None:
        return None
    return max(inbound.counted_quantity - inbound.damaged_quantity, 0)


def inbound_costs(*, inbound: InboundShipment, user) -> list[ExtraCost]:
    """The extra costs raised for an inbound shipment (the handling fee of its damaged units) that the user may see
    (`list_extra_costs`: a supplier those it bears, staff all), oldest first, in one query."""
    return list(list_extra_costs(user=user).filter(inbound=inbound).order_by("recorded_at", "id"))


#: the states in which an inbound shipment waits for logistics: announced (to receive) and received (to put away)
WAITING_STATES = (InboundShipment.State.ANNOUNCED, InboundShipment.State.RECEIVED)


@waiting_for({Role.LOGISTICS})
def inbound_waiting(user) -> QuerySet:
    """Inbound shipments the warehouse has still to work on: announced ones not received yet and received ones not put
    away yet (the navigation badge and the home page's to-do; the list's 仅看待我处理 shows the same rows)."""
    return InboundShipment.objects.filter(state__in=WAITING_STATES)


def _announced_units(gift: Gift) -> int:
    """Units of the gift announced and not received yet (a fulfilment change waits for them)."""
    announced = InboundShipment.objects.filter(gift=gift, state=InboundShipment.State.ANNOUNCED)
    return announced.aggregate(units=Sum("announced_quantity"))["units"] or 0


if _announced_units not in revisions.stock_on_the_way:
    revisions.stock_on_the_way.append(_announced_units)
