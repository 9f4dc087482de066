"""Handoff and shipments (SPEC §4.6): orders move through the order services, shipments through their FSM.

Warehouse orders are handed to the logistics provider in idempotent batches; dropship orders are handed to
their supplier. Every order has one active shipment; a re-delivery or an exchange's replacement is a new one.
"""
import logging
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from core.errors import Problems, ValidationFailed
from core.events import actor_of, subscribe
from core.fsm import apply_transition, log_creation
from core.jobs import run_each
from core.masking import mask_address, mask_name, mask_phone
from core.notifications import Text, notify, notify_all
from core.numbers import new_number
from core.services import log_personal_data_accesses
from core.roles import SUPPLIER_ROLES, Role, waiting_for
from core.validators import required_text, validate_length
from core.texts import Message, labelled_message, moment
from logistics.carriers import carrier_key, is_carrier_name, is_tracking_number, tidy_carrier, tracking_key
from logistics.errors import ShipmentAlreadyPicked
from logistics.models import HandoffBatch, HandoffItem, ReturnRequest, Shipment
from logistics.models.shipments import ORDER_OWN_PARCELS
from logistics.services.ship_by import DROPSHIP_WAITING, DUE_TO_SHIP, ship_by_shown
from points.events import OrderCancelledBeforePicking, OrderRedeliveryRequested
from points.models import RedemptionOrder
from points.privacy import may_see_contact
from points.selectors import AWAITING_HANDOFF
from points.services import orders
from suppliers.models import Notice, Supplier
from suppliers.services import inventory
from suppliers.services.locks import lock_suppliers
from suppliers.services.notices import Sms, send_inbox_notices, send_notice, text_supplier, wants_sms

logger = logging.getLogger(__name__)

AUTO_DELIVER_AFTER = timedelta(days=14)
State = Shipment.State

#: Who signed for a parcel the system took as delivered 14 days after shipping (stored as a message id, shown translated).
AUTOMATIC_SIGNER = gettext_noop("系统自动确认")
# the refusals of a carrier that is no name and a tracking number that is no number (`tidy_waybill`), also of a
# carrier event's
NOT_A_CARRIER_NAME = gettext_noop("承运商只能填写名称：文字、数字、空格和 & - – ( ) · . , / '，不能是网址")
NOT_A_TRACKING_NUMBER = gettext_noop("运单号只能包含字母、数字和连字符（-）")


def signer_shown(shipment: Shipment, *, unmasked: bool) -> str:
    """Who signed for the parcel as a reader may see it: a person's name masked unless the reader may see the
    recipient's contact data (SPEC §4.13), the system's own mark in the reader's language."""
    if shipment.signer == AUTOMATIC_SIGNER:
        return gettext(AUTOMATIC_SIGNER)
    return shipment.signer if unmasked else mask_name(shipment.signer)


#: a parcel's recipient, each field with how it shows to a reader who may not read it
CONTACT_MASKS = {"recipient_name": mask_name, "recipient_phone": mask_phone, "address": mask_address}
CONTACT_FIELDS = list(CONTACT_MASKS)
#: a parcel its sender has still to ship or deliver
UNDERWAY = frozenset({State.CREATED, State.PICKED, State.SHIPPED})


def may_see_parcel_contact(*, user, shipment: Shipment, now: datetime) -> bool:
    """Whoever may read the order's contact (points.privacy.may_see_contact), and the parcel's sender while the parcel
    is still to be shipped or on its way: logistics staff for a warehouse parcel, the dropship supplier for its own. A
    refused return's goods sent back or an exchange's replacement may leave weeks after the order's delivery, when the
    order's own window has closed."""
    if may_see_contact(user=user, order=shipment.order, now=now):
        return True
    if shipment.state not in UNDERWAY:
        return False
    if shipment.kind == Shipment.Kind.WAREHOUSE:
        return user.role == Role.LOGISTICS
    return user.role in SUPPLIER_ROLES and shipment.supplier_id == user.supplier_id


def reveal_contacts(*, user, shipments, now: datetime, purpose: str) -> list[Shipment]:
    """Mark each of `shipments` (a page of a list, orders loaded) `unmasked` when the user may read its order's contact
    (`may_see_parcel_contact`), and log those reads in one insert. Returns the shipments."""
    rows = list(shipments)
    for shipment in rows:
        shipment.unmasked = may_see_parcel_contact(user=user, shipment=shipment, now=now)
    if shown := [shipment.order for shipment in rows if shipment.unmasked]:
        log_personal_data_accesses(actor=user, subjects=shown, fields=CONTACT_FIELDS, purpose=purpose, at=now)
    return rows


def contact_shown(shipment: Shipment, *, unmasked: bool) -> list[str]:
    """The parcel's recipient name, phone and address (its own: a re-delivery may correct them) as a reader sees them:
    in full when `unmasked` (`may_see_parcel_contact`, the read logged by the caller), masked otherwise."""
    return [getattr(shipment, field) if unmasked else mask(getattr(shipment, field)) for field, mask in CONTACT_MASKS.items()]


def _new_shipment(*, order: RedemptionOrder, now: datetime, actor, reason: str, **parcel) -> Shipment:
    """A new parcel of the order (see `_shipment_row`), its history begun with who made it, when and why."""
    shipment = _shipment_row(order=order, now=now, **parcel)
    log_creation(shipment, "create", actor=actor, at=now, reason=reason)
    return shipment


def _shipment_row(
    *, order: RedemptionOrder, now: datetime, quantity: int | None = None, replacement_for: ReturnRequest | None = None,
    send_back_for: ReturnRequest | None = None, recipient: dict[str, str] | None = None,
) -> Shipment:
    """A new parcel of the order, sent from where the order ships (its warehouse, or its dropship supplier) to the
    order's recipient as it stands, or to `recipient` (CONTACT_FIELDS: a replacement shipped again to a corrected one):
    the order's own, an exchange's replacement (a new delivery line), or a refused return's goods sent back (no line);
    not logged."""
    quantity = quantity or order.quantity
    amount = (order.settlement_unit_price * quantity).quantize(Decimal("0.01")) if replacement_for else Decimal("0.00")
    return Shipment.objects.create(
        order=order, supplier_id=order.supplier_id, kind=order.fulfilment, quantity=quantity, replacement_for=replacement_for,
        send_back_for=send_back_for, settlement_amount=amount, created_at=now,
        **(recipient or {field: getattr(order, field) for field in CONTACT_FIELDS}),
    )


def handoff_batches(user) -> QuerySet[HandoffBatch]:
    """The batches `user` may see, newest first, each with its order count (a GROUP BY drops Meta.ordering, so the
    order is given here: pages of the list must not overlap)."""
    return (
        HandoffBatch.objects.visible_to(user).select_related("created_by").annotate(order_count=Count("items"))
        .order_by("-created_at", "-id")
    )


def awaiting_handoff() -> QuerySet[RedemptionOrder]:
    """Confirmed warehouse orders not yet in a handoff batch (`AWAITING_HANDOFF`, as the order list's 仅看待交接 shows
    them): what the next handoff takes."""
    return RedemptionOrder.objects.filter(AWAITING_HANDOFF)


@waiting_for({Role.LOGISTICS})
def handoff_waiting(user) -> QuerySet:
    return awaiting_handoff()


@waiting_for(SUPPLIER_ROLES)
def dropship_to_ship(user) -> QuerySet:
    """The supplier's dropship shipments not shipped yet."""
    return Shipment.objects.visible_to(user).filter(DROPSHIP_WAITING)


def hand_over_warehouse_orders(*, key: str, actor, now: datetime, limit: int = 500) -> HandoffBatch:
    """Hand every confirmed warehouse order not yet handed over to the logistics provider, as one batch.

    Idempotent by `key`: a retried handoff returns the same batch and hands over nothing more.
    :raises ValidationFailed: no order waits for handover (no batch is made)
    """
    key = (key or "").strip()
    if not key or len(key) > 80:
        raise ValidationFailed(gettext("请提供批次键（最多80字符）"), field="key")
    with transaction.atomic():
        batch, created = HandoffBatch.objects.get_or_create(
            key=key, defaults={"number": new_number("HB", now), "created_at": now, "created_by": actor if getattr(actor, "pk", None) else None}
        )
        if not created:
            return batch
        # the orders only: the batch item the condition looks for is on the nullable side of its join
        due = list(awaiting_handoff().select_for_update(skip_locked=True, of=("self",)).order_by("confirmed_at", "id")[:limit])
        if not due:  # rolls the new batch back: an empty batch would be a handover of nothing on the provider's list
            raise ValidationFailed(gettext("没有待交接的订单"), field="key")
        handed = Message(gettext_noop("交接批次 %(number)s"), number=batch.number)
        parcels = []
        for order in due:
            HandoffItem.objects.create(batch=batch, order=order)
            orders.hand_over_order(order=order, actor=actor, now=now, reason=handed)
            parcels.append(_shipment_row(order=order, now=now))
        log_creation(parcels, "create", actor=actor, at=now, reason=handed)
    return batch


def hand_over_dropship_orders(*, actor, now: datetime) -> list[int]:
    """Hand each confirmed dropship order to its supplier, who ships it (beat, every few minutes), each order in a
    transaction of its own; then tell the suppliers of the orders handed over and not told yet
    (`tell_suppliers_to_ship`), after every handover is committed, so that a failing notice loses no handover: the
    parcels it did not tell of stay untold, and the next run tells their suppliers. A run that finds nothing to hand
    over and nobody left untold sends nothing.

    An order that fails on the way (say a `DomainError`: changed since the list was read, cancelled by its member) is
    logged and skipped (`run_each`) — still confirmed, the next run takes it —, and the run goes on. The suppliers of
    the orders handed over are told even when the run fails otherwise."""

    def hand_over(order: RedemptionOrder) -> int:
        orders.hand_over_order(order=order, actor=actor, now=now, reason=gettext_noop("交由礼品商发货"))
        _new_shipment(order=order, now=now, actor=actor, reason=gettext_noop("交由礼品商发货"))
        return order.pk

    try:
        due = RedemptionOrder.objects.filter(state=RedemptionOrder.State.CONFIRMED, fulfilment="dropship").order_by("id")
        return list(run_each(due, hand_over, job="logistics.hand_over_dropship_orders", now=now))
    finally:
        tell_suppliers_to_ship(now=now)


def untold_handovers() -> QuerySet[Shipment]:
    """The dropship parcels waiting to be shipped whose supplier has not been told of them yet
    (`supplier_notified_at`): the orders handed over. A parcel made for the supplier another way (a re-delivery, an
    exchange's replacement, refused goods sent back) is told of, or known to it, when made (`tell_supplier_of_parcel`,
    `mark_supplier_told`), so it is never among them."""
    return Shipment.objects.filter(DROPSHIP_WAITING, supplier_notified_at__isnull=True)


def tell_suppliers_to_ship(*, now: datetime) -> list[Notice]:
    """Tell each supplier of the dropship orders handed to it and not told yet (`untold_handovers`: this run's, and
    any an earlier run's failed notice missed) how many of its dropship shipments wait to be shipped
    (`DROPSHIP_WAITING`, older ones too) and by when the first of them must leave: the earliest `due_to_ship` of its
    waiting parcels (the assessment's on-time dispatch, SPEC §4.10). One notice per supplier, all in one insert, linking
    to its dropship orders waiting to be shipped. The parcels told of are marked told (`supplier_notified_at`) in the
    notices' transaction, locked first (a run overlapping this one skips them), so each is told of exactly once; their
    suppliers are locked too, so that an overlapping run counts what this one told only once it is committed.

    SMS only when orders start waiting for a supplier: it is texted (as its SMS setting allows, `wants_sms`) when
    none of its waiting shipments was told of before — nothing waited —, and not while told ones still wait, so that
    a busy supplier is not texted at every run; the SMS names the count and the ship-by time. Queries do not grow with
    the orders or the suppliers: the untold parcels, their suppliers, one grouped count, the notices' insert, the
    update, the SMS insert."""
    with transaction.atomic():
        untold = list(untold_handovers().select_for_update(skip_locked=True).order_by("created_at", "pk")
                      .values_list("pk", "supplier_id"))
        if not untold:
            return []
        counts = Counter(supplier_id for _, supplier_id in untold)
        lock_suppliers(counts)  # in id order, FOR NO KEY UPDATE, as generation locks them
        suppliers = Supplier.objects.in_bulk(sorted(counts))
        waiting = {row["supplier_id"]: row for row in (
            Shipment.objects.filter(DROPSHIP_WAITING, supplier_id__in=counts).order_by().values("supplier_id")
            .annotate(waiting=Count("pk"), told=Count("pk", filter=Q(supplier_notified_at__isnull=False)), first=Min(DUE_TO_SHIP))
        )}
        link = f"{reverse('supplier-dropship')}?{urlencode({'state': State.CREATED})}"
        sent = send_inbox_notices(
            [(supplier_id, {"count": waiting[supplier_id]["waiting"], "ship_by": moment(waiting[supplier_id]["first"])}, link)
             for supplier_id in sorted(counts)],
            kind="dropship_to_ship", title=gettext_noop("%(count)s 笔直发订单待发货"),
            body=gettext_noop("请于 %(ship_by)s 前在「直发订单」中发货：交由您后48小时内未发出的订单计入按时发货率考核。"), now=now,
        )
        mark_supplier_told([pk for pk, _ in untold], now=now)
        notify_all([Text("supplier_dropship", suppliers[n.supplier_id].contact_phone, n.params, n) for n in sent
                    if not waiting[n.supplier_id]["told"] and wants_sms(suppliers[n.supplier_id], "dropship_to_ship")], at=now)
    return sent


def mark_supplier_told(shipment_ids: list[int], *, now: datetime) -> None:
    """Record that the suppliers of these dropship parcels know of them (`supplier_notified_at`): the handover run
    does not tell of them (again)."""
    Shipment.objects.filter(pk__in=shipment_ids, kind=Shipment.Kind.DROPSHIP).update(supplier_notified_at=now)


def tell_supplier_of_parcel(shipment: Shipment, *, kind: str, title: str, body: str, actor, now: datetime, **params) -> Notice | None:
    """A dropship parcel made for its supplier to ship outside the handover run (a re-delivery, an exchange's
    replacement, refused goods sent back) is told to the supplier at once, in the parcel's transaction: a notice of
    `kind` linking to the parcel, `title` and `body` naming %(order)s, %(quantity)s (the parcel's) and %(ship_by)s
    (`due_to_ship`) besides `params`, and an SMS of the title and ship-by time as the supplier's SMS
    setting allows (`text_supplier`). The parcel is marked told (`mark_supplier_told`), so the handover run neither
    tells of it again nor counts it as a new handover. A parcel the supplier's own user made is marked told without
    a notice; a warehouse parcel tells nobody. The notice, or None."""
    if shipment.kind != Shipment.Kind.DROPSHIP:
        return None
    mark_supplier_told([shipment.pk], now=now)
    if getattr(actor, "role", None) in SUPPLIER_ROLES and actor.supplier_id == shipment.supplier_id:
        return None
    supplier, ship_by = shipment.supplier, ship_by_shown(shipment)
    notice = send_notice(
        supplier=supplier, kind=kind, title=title, body=body, now=now, link=reverse("logistics-shipment", args=[shipment.pk]),
        params={"order": shipment.order.number, "quantity": shipment.quantity, "ship_by": ship_by, **params}, sms=False,
    )
    text_supplier(supplier, kind=kind, sms=Sms("supplier_parcel", {"title": notice.title_text, "ship_by": ship_by}, notice), now=now)
    return notice


def pick_shipment(*, shipment: Shipment, actor, now: datetime, reason: str = "") -> Shipment:
    """Logistics picked the goods (warehouse shipments). :raises InvalidTransition:"""
    return apply_transition(shipment, "pick", actor=actor, at=now, reason=reason, picked_at=now)


def ship_shipment(*, shipment: Shipment, actor, now: datetime, carrier: str, tracking_number: str, reason: str = "") -> Shipment:
    """The parcel left with `carrier` under `tracking_number`; the order is shipped and the member told.

    :raises ValidationFailed: without carrier or tracking number, either too long, or a tracking number already used
    :raises InvalidTransition:
    """
    carrier, tracking_number = _tracking(shipment, carrier, tracking_number, actor=actor)
    with transaction.atomic():
        apply_transition(shipment, "ship", actor=actor, at=now, reason=reason or f"{carrier} {tracking_number}",
                         carrier=carrier, tracking_number=tracking_number, shipped_at=now)
        order = shipment.order
        if shipment.replacement_for_id:
            inventory.consume_stock(gift=order.gift, location=order.location, quantity=shipment.quantity, at=now, actor=actor,
                                    source=inventory.Source("replacement", str(shipment.pk)))
            _tell_return_parcel(shipment, "replacement_shipped", now=now)
        elif shipment.send_back_for_id:  # used goods, never back in stock: nothing to take out of it
            _tell_return_parcel(shipment, "return_sent_back", now=now)
        else:
            orders.ship_order(order=order, actor=actor, now=now, carrier=carrier, tracking_number=tracking_number)
    return shipment


def _tell_return_parcel(shipment: Shipment, kind: str, *, now: datetime) -> None:
    """Text the member about a parcel of its return (an exchange's replacement, or its refused goods sent back): the
    carrier and tracking number it travels under (again when corrected), or that it was signed for."""
    member, return_request = shipment.order.member, shipment.replacement_for or shipment.send_back_for
    notify(
        kind=kind, member=member, at=now, subject=return_request,
        context={"return_number": return_request.number, "carrier": shipment.carrier, "tracking_number": shipment.tracking_number},
    )


def _tracking(shipment: Shipment, carrier: str, tracking_number: str, *, actor) -> tuple[str, str]:
    """The carrier and tracking number a parcel is shipped under. :raises ValidationFailed: as `tidy_waybill`, or for
    the tracking number used by another parcel of the carrier however the carrier is spelt ("顺丰", "SF Express"):
    carrier events find a parcel by it; the refusal names the order of the parcel holding it where the actor may see
    that parcel (`in_use_message`)"""
    carrier, tracking_number = tidy_waybill(carrier, tracking_number)
    if holders := waybills_in_use([(carrier, tracking_number)], excluding={shipment.pk}, reader=actor):
        raise ValidationFailed(in_use_message(holders[carrier_key(carrier), tracking_number]), field="tracking_number")
    return carrier, tracking_number


def tidy_waybill(carrier: str, tracking_number: str) -> tuple[str, str]:
    """The carrier and tracking number as stored (spaces trimmed, the number upper-case: `tracking_key`).
    :raises ValidationFailed: naming the field of each one missing, too long, or holding more than a name (the
        carrier: `is_carrier_name`) or a number (`is_tracking_number`): both go into the texts members are sent"""
    problems = Problems()  # both named at once
    with problems.check():
        validate_length(carrier, model=Shipment, column="carrier")
        if not tidy_carrier(carrier):
            raise ValidationFailed(gettext("请填写承运商"), field="carrier", code="required")
        if not is_carrier_name(carrier):
            raise ValidationFailed(gettext(NOT_A_CARRIER_NAME), field="carrier")
    with problems.check():
        tracking_number = tracking_key(validate_length(tracking_number, model=Shipment, column="tracking_number"))
        if not tracking_number:
            raise ValidationFailed(gettext("请填写运单号"), field="tracking_number", code="required")
        if not is_tracking_number(tracking_number):
            raise ValidationFailed(gettext(NOT_A_TRACKING_NUMBER), field="tracking_number")
    problems.refuse()
    return tidy_carrier(carrier), tracking_number


def waybills_in_use(waybills: list[tuple[str, str]], *, reader, excluding: set[int] = frozenset()) -> dict[tuple[str, str], str]:
    """Which of `waybills` ((carrier, tracking number), tidied) a parcel not in `excluding` already travels under, the
    carrier however it is spelt, as {(carrier key, tracking number): the number of the holding parcel's order, or ""
    where `reader` may not see that parcel (another supplier's: its order number is no business of a dropship
    supplier)}: in one query however many are asked about."""
    wanted = {(carrier_key(carrier), number) for carrier, number in waybills}
    # both columns of the unique key, so that its index answers; the pairs are matched here
    used = Shipment.objects.filter(carrier_key__in={key for key, _number in wanted}, tracking_number__in={number for _key, number in wanted})
    seen = Exists(Shipment.objects.visible_to(reader).filter(pk=OuterRef("pk")))
    holders = used.exclude(pk__in=excluding).annotate(seen=seen).values_list("carrier_key", "tracking_number", "order__number", "seen")
    return {(key, number): order_number if shown else "" for key, number, order_number, shown in holders if (key, number) in wanted}


def in_use_message(order_number: str) -> str:
    """The refusal of a tracking number another parcel travels under, naming that parcel's order where the reader may
    see it (`waybills_in_use`)."""
    if order_number:
        return gettext("运单号已被订单 %(order)s 使用") % {"order": order_number}
    return gettext("运单号已被其他包裹使用")


def find_by_tracking_number(shipments: QuerySet[Shipment], *, tracking_number: str, carrier: str | None = None) -> Shipment | None:
    """The one shipment among `shipments` under the tracking number (and the carrier, however spelt, when several
    carriers use the number), or None when none has it.

    :raises ValidationFailed: naming `carrier` if several carriers use the number and `carrier` names none of them
    """
    found = list(shipments.filter(tracking_number=tracking_key(tracking_number)).order_by("pk")[:10])
    if len(found) > 1:
        found = [shipment for shipment in found if carrier and shipment.carrier_key == carrier_key(carrier)]
        if len(found) != 1:
            raise ValidationFailed(gettext("多个承运商使用此运单号，请注明承运商"), field="carrier")
    return found[0] if found else None


def correct_tracking(*, shipment: Shipment, actor, now: datetime, carrier: str, tracking_number: str, reason: str) -> Shipment:
    """Put right a carrier or tracking number typed wrong when shipping, while the parcel is on its way: the history
    keeps the old and the new with the reason, and the member is texted the right number.

    :raises ValidationFailed: as shipping does, without a reason, or for the same number :raises InvalidTransition:
    """
    with transaction.atomic():
        # The transition leaves the parcel shipped, so a correction committed meanwhile (a double click) would not stop
        # it: the parcel is locked and this correction checked against the waybill it now has.
        locked = Shipment.objects.select_for_update(of=("self",)).get(pk=shipment.pk)
        carrier, tracking_number = _tracking(locked, carrier, tracking_number, actor=actor)
        reason = required_text(reason, message=gettext("请说明更正原因"))
        if (carrier_key(carrier), tracking_number) == (locked.carrier_key, locked.tracking_number):
            raise ValidationFailed(gettext("与原运单号相同"), field="tracking_number")
        was = f"{locked.carrier} {locked.tracking_number}"
        apply_transition(locked, "correct_tracking", actor=actor, at=now, reason=labelled_message(f"{was} → {carrier} {tracking_number}", reason),
                         carrier=carrier, tracking_number=tracking_number)
        if shipment.for_return:
            _tell_return_parcel(locked, "replacement_shipped" if shipment.replacement_for_id else "return_sent_back", now=now)
        else:
            orders.tell_tracking(order=shipment.order, now=now, carrier=carrier, tracking_number=tracking_number)
    shipment.refresh_from_db()
    return shipment


def deliver_shipment(
    *, shipment: Shipment, actor, now: datetime, signer: str, signed_at: datetime | None = None, recorded_at: datetime | None = None,
    automatically: bool = False, reason: str = "",
) -> Shipment:
    """The parcel was signed for at `now`, and we learnt it at `recorded_at` (default `now`): the shipment and
    (unless it is a replacement) the order are delivered.

    Staff recording a delivery by hand may give the time it was signed for (`signed_at`): then `now` is when they
    recorded it.

    :raises ValidationFailed: without a signer or with one too long, or a signing time in the future or before the
        parcel was shipped
    :raises InvalidTransition:
    """
    signer = validate_length(signer, model=Shipment, column="signer")
    if not signer:
        raise ValidationFailed(gettext("请填写签收人"), field="signer")
    if signed_at is not None:
        _check_signed_at(shipment, signed_at=signed_at, now=now)
        now, recorded_at = signed_at, recorded_at or now
    with transaction.atomic():
        recorded_at = recorded_at or now
        apply_transition(shipment, "deliver", actor=actor, at=now, reason=reason, signer=signer, delivered_at=now,
                         recorded_at=recorded_at)
        if not shipment.for_return:
            orders.deliver_order(order=shipment.order, actor=actor, now=now, recorded_at=recorded_at, automatically=automatically,
                                 reason=reason)
        elif shipment.replacement_for_id:
            _tell_return_parcel(shipment, "replacement_delivered", now=now)
    return shipment


def _check_signed_at(shipment: Shipment, *, signed_at: datetime, now: datetime) -> None:
    """:raises ValidationFailed: naming `signed_at` if it is after `now` or before the parcel left (a parcel not shipped
    yet has no ship time to be before)"""
    if signed_at > now:
        raise ValidationFailed(gettext("签收时间不能晚于当前时间"), field="signed_at")
    if shipment.shipped_at is not None and signed_at < shipment.shipped_at:
        raise ValidationFailed(gettext("签收时间不能早于发货时间 %(shipped_at)s") % {"shipped_at": moment(shipment.shipped_at)},
                               field="signed_at")


def fail_shipment(*, shipment: Shipment, actor, now: datetime, reason: str) -> Shipment:
    """The carrier could not deliver: the order waits for the operator (re-deliver or give up), or for a parcel of a
    return, the return waits for whoever acts next (an exchange's replacement: the operator re-ships it or refunds the
    points instead; refused goods: their sender sends them again). Whoever reports it says why (a carrier event gives
    its own reason or the carrier's default).

    :raises ValidationFailed: code `required` naming `reason` when none is given :raises InvalidTransition:"""
    reason = required_text(reason)
    with transaction.atomic():
        apply_transition(shipment, "fail", actor=actor, at=now, reason=reason, failure_reason=reason[:200])
        if not shipment.for_return:
            orders.fail_delivery(order=shipment.order, actor=actor, now=now, reason=reason)
    return shipment


def deliver_after_all(*, shipment: Shipment, actor, now: datetime, signed_at: datetime | None, signer: str = "", reason: str) -> Shipment:
    """A failed parcel of the order's own turns out signed for at `signed_at` after all (its loss report withdrawn, in the
    caller's transaction): the shipment and the order are delivered as of then, recorded `now`; `signer` blank: the
    parcel's recipient (as a member's receipt names them).

    :raises ValidationFailed: naming `signed_at` when missing, in the future or before the parcel was shipped, or
        `signer` when too long :raises InvalidTransition: unless the shipment failed
    """
    signer = check_signing(shipment=shipment, signed_at=signed_at, signer=signer, now=now)
    with transaction.atomic():
        apply_transition(shipment, "deliver_after_all", actor=actor, at=now, reason=reason, signer=signer, delivered_at=signed_at,
                         recorded_at=now)
        orders.deliver_order_after_all(order=shipment.order, actor=actor, now=now, delivered_at=signed_at, reason=reason)
    return shipment


def check_signing(*, shipment: Shipment, signed_at: datetime | None, signer: str, now: datetime) -> str:
    """The signer a delivery after all records (`signer` blank: the parcel's recipient), once the signing time and the
    signer are good, every one in error named in one refusal.

    :raises ValidationFailed: naming `signed_at` when missing, in the future or before the parcel was shipped, and
        `signer` when too long
    """
    problems = Problems()
    with problems.check():
        if signed_at is None:
            raise ValidationFailed(gettext("请填写签收时间"), field="signed_at", code="required")
        _check_signed_at(shipment, signed_at=signed_at, now=now)
    with problems.check():
        signer = validate_length((signer or "").strip(), model=Shipment, column="signer")
    problems.refuse()
    return signer or shipment.recipient_name or shipment.order.recipient_name


def active_shipment(order: RedemptionOrder) -> Shipment | None:
    """The order's own latest shipment (not a return's parcel)."""
    return order.shipments.filter(ORDER_OWN_PARCELS).order_by("-created_at", "-id").first()


def confirm_receipt(*, order: RedemptionOrder, actor, now: datetime) -> Shipment:
    """The member confirms receipt of a shipped order. :raises InvalidTransition: unless it is shipped"""
    shipment = active_shipment(order)
    if shipment is None:
        raise ValidationFailed(gettext("该订单尚未发货"), field="order")
    return confirm_shipment_receipt(shipment=shipment, actor=actor, now=now)


def confirm_shipment_receipt(*, shipment: Shipment, actor, now: datetime) -> Shipment:
    """The member confirms receipt of one shipment (its order's own, or an exchange replacement). :raises InvalidTransition: unless it is shipped"""
    return deliver_shipment(shipment=shipment, actor=actor, now=now, signer=shipment.recipient_name or shipment.order.recipient_name,
                            reason=gettext_noop("会员确认收货"))  # the parcel's recipient: a re-delivery's may be a corrected one


#: Who may drive a shipment by hand, by its kind (SPEC §3, §4.6): logistics its warehouse shipments; a dropship
#: supplier ships its own but never marks them delivered or failed (carrier events, receipt or time do).
HAND_ACTORS = {
    "pick": {Shipment.Kind.WAREHOUSE: frozenset({Role.LOGISTICS})},
    "ship": {Shipment.Kind.WAREHOUSE: frozenset({Role.LOGISTICS}), Shipment.Kind.DROPSHIP: SUPPLIER_ROLES},
    "correct_tracking": {Shipment.Kind.WAREHOUSE: frozenset({Role.LOGISTICS}), Shipment.Kind.DROPSHIP: SUPPLIER_ROLES},
    "deliver": {Shipment.Kind.WAREHOUSE: frozenset({Role.LOGISTICS})},
    "fail": {Shipment.Kind.WAREHOUSE: frozenset({Role.LOGISTICS})},
}


def may_drive_by_hand(*, user, shipment: Shipment, action: str) -> bool:
    """Whether the user's role may `action` (pick, ship, deliver, fail) a shipment of this kind by hand."""
    return user.is_superuser or user.role in HAND_ACTORS[action].get(shipment.kind, frozenset())


def kinds_shipped_by(user) -> list[str]:
    """The kinds of shipment the user's role ships by hand (`HAND_ACTORS`), none for a role that ships none."""
    return [kind for kind, roles in HAND_ACTORS["ship"].items() if user.is_superuser or user.role in roles]


def auto_deliver_shipments(*, now: datetime) -> list[int]:
    """Deliver, flagged as automatic, shipments shipped 14 days ago with no news (beat), each in a transaction of its
    own: one that fails (say changed by a carrier event meanwhile) is logged and left for the next run (`run_each`)."""
    due = Shipment.objects.filter(state=State.SHIPPED, shipped_at__lte=now - AUTO_DELIVER_AFTER).select_related("order").order_by("pk")

    def deliver(shipment: Shipment) -> int:
        deliver_shipment(shipment=shipment, actor=None, now=now, signer=AUTOMATIC_SIGNER, automatically=True, reason=gettext_noop("发货14天后自动签收"))
        return shipment.pk

    return list(run_each(due, deliver, job="logistics.auto_deliver_shipments", now=now))


@subscribe(OrderCancelledBeforePicking)
def cancel_unpicked_shipment(event: OrderCancelledBeforePicking) -> None:
    """The operator cancelled the order before picking: cancel its shipment in their name and with their reason, or
    refuse the whole cancel if it was picked."""
    shipment = active_shipment(RedemptionOrder.objects.get(pk=event.order_id))
    if shipment is None:
        return
    if shipment.state != State.CREATED:
        raise ShipmentAlreadyPicked()
    actor = actor_of(event)
    apply_transition(shipment, "cancel", actor=actor, at=event.at, reason=event.reason or gettext_noop("订单拣货前取消"))


@subscribe(OrderRedeliveryRequested)
def create_redelivery_shipment(event: OrderRedeliveryRequested) -> None:
    """The new attempt's parcel, to the order's recipient as it stands; a dropship order's supplier is told it has the
    order to ship again (`tell_supplier_of_parcel`)."""
    actor = actor_of(event)
    shipment = _new_shipment(order=RedemptionOrder.objects.get(pk=event.order_id), now=event.at, actor=actor,
                             reason=gettext_noop("配送失败后重新配送"))
    tell_supplier_of_parcel(
        shipment, kind="dropship_redelivery", title=gettext_noop("订单 %(order)s 配送失败，需重新发货"),
        body=gettext_noop("订单 %(order)s 的包裹配送失败，运营已安排重新配送：请于 %(ship_by)s 前按包裹页的收件信息重新发出 %(quantity)s 件。"),
        actor=actor, now=event.at,
    )
