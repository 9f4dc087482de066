"""Carrier events reported by the logistics provider (SPEC §4.6, provider integration).

An event names a tracking number and its place in that parcel's history (`sequence`, from 1). It is recorded once
per `event_id`: a retry with the same content changes nothing. Event n is applied only after event n−1 has been
handled; an early one waits and is applied, in order and in the same transaction, as soon as its predecessor
arrives. Applying drives the shipment, and through it the order, with the shipment services, dated when the event
occurred. An event the shipment cannot take is kept as `rejected` with the reason and still counts as handled, so
one bad report never blocks the parcel's later events. An event dated before the parcel's latest step (its handover,
picking or shipping) is refused, so that the parcel's history, and its order's, stays in the order things happened.

Until the provider's waybill is on the shipment (a warehouse shipment before its `shipped` event), an event finds
its shipment through `payload["order_number"]` instead.
"""
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django_fsm import can_proceed

from core.errors import ConcurrentUpdate, InvalidTransition, ValidationFailed, refuse
from core.numbers import typed_number
from core.roles import Role, waiting_for
from core.validators import is_blank, length_error, nul_errors
from core.texts import Message, moment
from logistics.carriers import is_carrier_name, is_tracking_number, tidy_carrier, tracking_key
from logistics.errors import CarrierEventRejected, EventIdReused, SequenceTaken, UnknownShipment
from logistics.models import CarrierEvent, Shipment
from logistics.selectors import next_event_sequence
from logistics.services import shipments
from points.models import RedemptionOrder

logger = logging.getLogger(__name__)
Kind, Status = CarrierEvent.Kind, CarrierEvent.Status
CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_FAILURE_REASON = gettext_noop("承运商报告配送失败")  # stored; shown in the reader's language
TEXT_KEYS = ("carrier", "signer", "reason", "order_number")
MAX_SEQUENCE = 10_000  # a parcel's history is a handful of events; beyond this a sequence is a mistake, not a wait
STUCK_AFTER = timedelta(hours=1)  # an event still waiting for its predecessor this long means the provider lost one
ENDED = (Shipment.State.DELIVERED, Shipment.State.FAILED, Shipment.State.CANCELLED)
#: the steps of a parcel a carrier event follows, latest first: its time field, and the refusal of an event dated
#: before it (its handover to logistics or the supplier, also a re-delivery's, is when the shipment was made)
STEPS = (
    ("shipped_at", gettext_noop("发生时间不能早于运单的发货时间 %(at)s")),
    ("picked_at", gettext_noop("发生时间不能早于运单的拣货时间 %(at)s")),
    ("created_at", gettext_noop("发生时间不能早于运单的交接时间 %(at)s")),
)
#: the shipment's transition each kind of event drives
TRANSITIONS = {Kind.PICKED: "pick", Kind.SHIPPED: "ship", Kind.DELIVERED: "deliver", Kind.FAILED: "fail"}


def record_carrier_event(
    *, event_id: str, tracking_number: str, sequence: int, kind: str, occurred_at: datetime, payload: dict | None = None,
    now: datetime, actor=None,
) -> CarrierEvent:
    """Record a carrier event once by `event_id` and apply it, with the successors waiting for it, in sequence order.

    Returns the event as stored: `applied`, or `waiting` for its predecessor. A retry with the same content
    returns the stored event and changes nothing.
    :raises ValidationFailed: a malformed event, or one dated before the parcel's latest step (`_check_in_order`;
        nothing stored)
    :raises UnknownShipment: no shipment carries the tracking number (nothing stored; the provider may retry)
    :raises EventIdReused: the event id was recorded with other content
    :raises SequenceTaken: another event holds this sequence of the parcel (of its carrier, when several carriers use the
        tracking number)
    :raises CarrierEventRejected: the shipment cannot take the event, which is stored (committed) as rejected
    """
    event = _stored(event_id=event_id, tracking_number=tracking_number, sequence=sequence, kind=kind, occurred_at=occurred_at,
                    payload=payload, now=now, actor=actor)
    if event.status == Status.REJECTED:
        raise rejection(event)
    return event


def report_carrier_event(
    *, event_id: str, tracking_number: str, kind: str, occurred_at: datetime, payload: dict, actor, now: datetime,
) -> CarrierEvent:
    """Record an event logistics staff report by hand (the portal's form, once per its token: `event_id`) as the
    provider's would be, at the parcel's next sequence (the one it took, for the same event sent again). Returns the
    event as stored, `rejected` too (see `rejection`): it stays recorded with the caller's transaction.

    A failure reported by hand must say why (`payload["reason"]`): staff enter what the carrier told them, and the
    operator deciding between re-delivering and giving up reads it. The provider's own events may leave it out (its
    default reason stands in, see `_failure_reason`).

    :raises ValidationFailed: naming `payload.reason` for a failure without a reason; :raises UnknownShipment:
        :raises EventIdReused: :raises SequenceTaken: as record_carrier_event
    """
    if kind == Kind.FAILED and is_blank(payload.get("reason")):
        raise ValidationFailed(gettext("配送失败事件请填写失败原因"), field="payload.reason")
    return _stored(event_id=event_id, tracking_number=tracking_number, kind=kind, occurred_at=occurred_at, payload=payload,
                   sequence=next_event_sequence(tracking_number=tracking_number, event_id=event_id), now=now, actor=actor)


def rejection(event: CarrierEvent) -> CarrierEventRejected:
    """The refusal of an event stored as rejected, naming why, on its `kind`."""
    return CarrierEventRejected(
        gettext("事件 %(event_id)s 已记录为拒绝：%(detail)s") % {"event_id": event.event_id, "detail": event.detail}, field="kind"
    )


def _stored(*, event_id: str, tracking_number: str, sequence: int, kind: str, occurred_at: datetime, payload: dict | None,
            now: datetime, actor) -> CarrierEvent:
    content = {"tracking_number": tracking_key(tracking_number), "sequence": sequence, "kind": kind, "occurred_at": occurred_at,
               "payload": dict(payload or {})}
    with transaction.atomic():
        return _record(event_id=event_id, content=content, now=now, actor=actor)


@waiting_for({Role.LOGISTICS})
def events_stuck(user) -> QuerySet:
    """Parcels with an event waiting longer than STUCK_AFTER for an earlier one, the provider must resend; a parcel
    whose shipment has ended meanwhile (delivered, failed or cancelled by hand) waits for nothing."""
    return (
        CarrierEvent.objects.filter(status=Status.WAITING, received_at__lt=timezone.now() - STUCK_AFTER)
        .exclude(shipment__state__in=ENDED)
        .values("tracking_number").distinct()
    )


def list_carrier_events(*, actor, status: str = "", tracking_number: str = "") -> QuerySet:
    """Carrier events the actor may see, newest first, optionally of one status or tracking number."""
    events = CarrierEvent.objects.visible_to(actor).select_related("shipment").order_by("-received_at", "-id")
    if status:
        events = events.filter(status=status)
    if tracking_number:
        events = events.filter(tracking_number=tracking_key(tracking_number))
    return events


def _record(*, event_id: str, content: dict, now: datetime, actor) -> CarrierEvent:
    if stored := CarrierEvent.objects.filter(event_id=event_id).first():
        return _same_event(stored, content)
    _check(event_id=event_id, now=now, **content)
    shipment = _lock_shipment(tracking_number=content["tracking_number"], payload=content["payload"])
    if stored := CarrierEvent.objects.filter(event_id=event_id).first():  # a concurrent retry held the lock first
        return _same_event(stored, content)
    _check_in_order(shipment, kind=content["kind"], occurred_at=content["occurred_at"])
    taken = CarrierEvent.objects.filter(shipment=shipment, sequence=content["sequence"]).exists()
    if taken or content["sequence"] <= shipment.last_event_sequence:
        raise SequenceTaken(field="sequence")
    event = CarrierEvent.objects.create(event_id=event_id, shipment=shipment, received_at=now, status=Status.WAITING, **content)
    _apply_ready_events(shipment=shipment, actor=actor, now=now)
    event.refresh_from_db()
    return event


def _same_event(stored: CarrierEvent, content: dict) -> CarrierEvent:
    """:raises EventIdReused: unless `content` is what was stored under this event id"""
    if any(getattr(stored, name) != value for name, value in content.items()):
        raise EventIdReused(field="event_id")
    return stored


def _check(*, event_id: str, tracking_number: str, sequence: int, kind: str, occurred_at: datetime, payload: dict,
           now: datetime) -> None:
    """:raises ValidationFailed: listing every malformed part of the event, among them a carrier that is no name or a
        shipped parcel's tracking number that is no number, as shipping would refuse them (`shipments.tidy_waybill`):
        refused here, the provider can correct and resend the event instead of it being stored as rejected"""
    errors = [(field, "invalid", detail) for field, detail, bad in [
        ("event_id", gettext("请填写事件编号（最多80字符）"), not event_id or len(event_id) > 80),
        ("tracking_number", gettext("请填写运单号"), not tracking_number),
        ("sequence", gettext("序号须为 1–%(max_sequence)s") % {"max_sequence": MAX_SEQUENCE}, not 1 <= sequence <= MAX_SEQUENCE),
        ("kind", gettext("未知的事件类型"), kind not in Kind.values),
        ("occurred_at", gettext("发生时间晚于当前时间"), occurred_at > now + CLOCK_SKEW),
        ("payload.signer", gettext("签收事件需要签收人"),
         kind == Kind.DELIVERED and not str(payload.get("signer") or "").strip()),
    ] if bad]
    errors += nul_errors(payload, field="payload")
    errors += [(f"payload.{key}", "invalid", gettext("应为文本")) for key in TEXT_KEYS
               if key in payload and not isinstance(payload[key], str)]
    errors += [(f"payload.{key}", "invalid", message) for key in ("carrier", "signer")
               if isinstance(payload.get(key), str) and (message := length_error(payload[key], model=Shipment, column=key))]
    carrier = payload.get("carrier")
    if isinstance(carrier, str) and tidy_carrier(carrier) and not is_carrier_name(carrier):
        errors.append(("payload.carrier", "invalid", gettext(shipments.NOT_A_CARRIER_NAME)))
    if kind == Kind.SHIPPED and tracking_number and not is_tracking_number(tracking_number):
        errors.append(("tracking_number", "invalid", gettext(shipments.NOT_A_TRACKING_NUMBER)))
    refuse(errors)


def _check_in_order(shipment: Shipment, *, kind: str, occurred_at: datetime) -> None:
    """:raises ValidationFailed: naming `occurred_at` for an event dated before the parcel's latest step (`STEPS`): a
        picking before the handover, a shipping before the picking, a delivery or failure before the shipping. Its
        order was placed before the handover, so no step of the order's history comes before the one it follows.

    An event of a step the parcel has passed (a picking reported after staff shipped it by hand) is left to be
    rejected by its state instead: refused unstored, it would hold back the parcel's later events for good."""
    if not can_proceed(getattr(shipment, TRANSITIONS[kind]), check_conditions=False):
        return
    field, message = max(((field, message) for field, message in STEPS if getattr(shipment, field)),
                         key=lambda step: getattr(shipment, step[0]))
    latest = getattr(shipment, field)
    if occurred_at < latest:
        raise ValidationFailed(gettext(message) % {"at": moment(latest)}, field="occurred_at")


def _lock_shipment(*, tracking_number: str, payload: dict) -> Shipment:
    """The shipment the event is about, locked. :raises UnknownShipment:"""
    pk = _shipment_carrying(tracking_number, carrier=payload.get("carrier")) or _awaiting_waybill(payload.get("order_number"))
    if pk is None:
        raise UnknownShipment(gettext("未找到运单号为 %(tracking_number)s 的运单") % {"tracking_number": tracking_number},
                              field="tracking_number")
    return Shipment.objects.select_for_update().select_related("order").get(pk=pk)


def _shipment_carrying(tracking_number: str, *, carrier: str | None) -> int | None:
    """:raises ValidationFailed: if several carriers use the tracking number and the event names none of them"""
    try:
        shipment = shipments.find_by_tracking_number(Shipment.objects.all(), tracking_number=tracking_number, carrier=carrier)
    except ValidationFailed as ambiguous:
        raise ValidationFailed(ambiguous.detail, field="payload.carrier") from None
    return shipment.pk if shipment else None


def _awaiting_waybill(order_number: str | None) -> int | None:
    """The warehouse order's current shipment, if it has no tracking number yet."""
    number = typed_number(order_number)
    order = RedemptionOrder.objects.filter(number=number, fulfilment="warehouse").first() if number else None
    shipment = shipments.active_shipment(order) if order else None
    return shipment.pk if shipment is not None and not shipment.tracking_number else None


def _apply_ready_events(*, shipment: Shipment, actor, now: datetime) -> None:
    """Apply the shipment's waiting events one by one while the next in sequence is there (recorded `now`)."""
    while event := shipment.events.filter(status=Status.WAITING, sequence=shipment.last_event_sequence + 1).first():
        try:
            with transaction.atomic():
                _transition(event=event, shipment=shipment, actor=actor, now=now)
        except (InvalidTransition, ValidationFailed) as error:
            shipment.refresh_from_db()
            event.status, event.detail = Status.REJECTED, error.detail[:300]
            logger.warning("carrier event %s for %s rejected: %s", event.event_id, event.tracking_number, error.detail)
        else:
            event.status = Status.APPLIED
        event.save(update_fields=["status", "detail"])
        _advance_cursor(shipment=shipment, sequence=event.sequence)


def _transition(*, event: CarrierEvent, shipment: Shipment, actor, now: datetime) -> None:
    at, reason, payload = event.occurred_at, Message(gettext_noop("承运商事件 %(event)s"), event=event.event_id), event.payload
    _check_in_order(shipment, kind=event.kind, occurred_at=at)
    match event.kind:
        case Kind.PICKED:
            shipments.pick_shipment(shipment=shipment, actor=actor, now=at, reason=reason)
        case Kind.SHIPPED:
            shipments.ship_shipment(shipment=shipment, actor=actor, now=at, carrier=payload.get("carrier") or shipment.carrier,
                                    tracking_number=event.tracking_number, reason=reason)
        case Kind.DELIVERED:
            shipments.deliver_shipment(shipment=shipment, actor=actor, now=at, signer=payload["signer"], recorded_at=now,
                                       reason=reason)
        case Kind.FAILED:
            shipments.fail_shipment(shipment=shipment, actor=actor, now=at, reason=_failure_reason(payload))


def _failure_reason(payload: dict) -> str:
    """The carrier's reason for a failed delivery, or its default when the event gives none (or a blank one)."""
    reason = payload.get("reason")
    return DEFAULT_FAILURE_REASON if is_blank(reason) else reason


def _advance_cursor(*, shipment: Shipment, sequence: int) -> None:
    """Move the shipment's last handled sequence from sequence−1 to sequence. :raises ConcurrentUpdate:"""
    moved = Shipment.objects.filter(pk=shipment.pk, last_event_sequence=sequence - 1).update(last_event_sequence=sequence)
    if moved != 1:
        raise ConcurrentUpdate()
    shipment.last_event_sequence = sequence
