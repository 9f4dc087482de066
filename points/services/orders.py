"""Redemption orders (SPEC §4.5): placement with snapshots, second confirmation, cancellation and the
transitions logistics and returns drive. Confirmation deducts points, draws lots and reserves stock in
one transaction, so two requests can never spend the same points or the same unit."""
import hashlib
import math
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import ConcurrentUpdate, InvalidTransition, NotFound, PermissionDenied, ValidationFailed, refuse
from core.events import publish
from core.fsm import apply_transition, bulk_transition, log_creation, require_transition
from core.numbers import numbered
from core.roles import OPERATORS, Role, require_role, waiting_for
from core.texts import Message, label_message
from core.validators import MOBILE_MESSAGE, is_mobile, length_error, required_text, typed_phone
from core.notifications import notify, one_line
from points.errors import (
    CodeAttemptsExceeded, CodeExpired, CodeInvalid, CodeResendTooSoon, GiftUnavailable, OrderExpired, ParcelLost,
)
from points.events import OrderCancelledBeforePicking, OrderRedeliveryRequested
from points.models import LedgerEntry, Member, RedemptionOrder
from points.services import ledger
from suppliers.models import Gift
from suppliers.selectors import LISTED, choose_location, get_listed_gift, member_points_price
from suppliers.services import inventory

CONFIRMATION_WINDOW = timedelta(minutes=15)
CODE_VALIDITY = timedelta(minutes=15)
MAX_CODE_ATTEMPTS = 5
RESEND_AFTER = timedelta(minutes=1)
MAX_QUANTITY = 99
MIN_ADDRESS = 5  # characters: a province, city and street name take more; "ab" is no address
COMPLETE_AFTER = timedelta(days=15)
MAX_REASON = 200  # characters of an operator's reason for cancelling or giving up an order
NOT_CONFIRMED = gettext_noop("15分钟内未确认")
State = RedemptionOrder.State

#: who takes the operator's steps on an order (SPEC §3, §4.5): cancelling it before picking, re-delivering or giving
#: up a failed delivery; a confirmed order is cancelled by them or its own member, and handed over by them or the
#: logistics provider (a handoff batch). The system (a beat, an event handler: no actor) takes every step.
CANCELLERS = OPERATORS | {Role.MEMBER}
HANDING_OVER = OPERATORS | {Role.LOGISTICS}
STEP_ROLES = {"cancel": CANCELLERS, "cancel_before_picking": OPERATORS, "redeliver": OPERATORS, "give_up": OPERATORS,
              "hand_over": HANDING_OVER}
#: Functions narrowing a queryset of delivered orders to those that may complete (returns register one).
completion_guards: list[Callable[[QuerySet], QuerySet]] = []
#: Functions telling whether an order's goods were lost in transit (claims register one): such an order is not
#: re-delivered from the parcel that never came back, and giving it up puts nothing back into stock.
lost_in_transit: list[Callable[[RedemptionOrder], bool]] = []


def roles_for(step: str) -> frozenset[str]:
    """Every role that takes `step` on an order (the API's and the portal's 403 before the service's own check)."""
    return STEP_ROLES[step]


def _require_may_act(actor, roles: frozenset[str], order: RedemptionOrder | None = None) -> None:
    """:raises PermissionDenied: (as the API refuses the step) unless the actor is the system (None) or signed in with
    one of `roles`; a member acts only on its own `order`."""
    if actor is None:
        return
    require_role(actor, roles)
    if order is not None and actor.role == Role.MEMBER and not actor.is_superuser and actor.member_id != order.member_id:
        raise PermissionDenied()


def _goods_lost(order: RedemptionOrder) -> bool:
    return any(check(order) for check in lost_in_transit)


def goods_lost(order: RedemptionOrder) -> bool:
    """Whether the order's goods were lost in transit: giving it up refunds the points but puts no stock back."""
    return _goods_lost(order)


def _code_hash(order_number: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{order_number}:{code}".encode(), hashlib.sha256).hexdigest()


def _order_source(order: RedemptionOrder) -> ledger.Source:
    return ledger.Source("order", order.number)


def _stock_source(order: RedemptionOrder) -> inventory.Source:
    return inventory.Source("order", order.number)


def most_per_order(*, per_order: int, unit_points: int, balance: int) -> int:
    """The most units one order of a gift may take: what one location holds (`per_order`), at most MAX_QUANTITY, and
    what the member's `balance` pays for at `unit_points` each (0 when it pays for none)."""
    return max(0, min(per_order, MAX_QUANTITY, balance // unit_points if unit_points else MAX_QUANTITY))


def _recipient_errors(recipient: dict[str, str]) -> list[tuple[str, str, str]]:
    """Every mistake in who an order's goods go to (`recipient`, spaces trimmed), each as (field, code, message)."""
    errors = []
    for field, value in recipient.items():
        if message := gettext("必填") if not value else length_error(value, model=RedemptionOrder, column=field):
            errors.append((field, "invalid", message))
    if recipient["recipient_phone"] and not is_mobile(recipient["recipient_phone"]):
        errors.append(("recipient_phone", "invalid", str(MOBILE_MESSAGE)))
    if recipient["address"] and len(recipient["address"]) < MIN_ADDRESS:
        errors.append(("address", "invalid", gettext("请填写完整的收货地址（至少 %(min)s 个字）") % {"min": MIN_ADDRESS}))
    return errors


def _trimmed(*, recipient_name: str, recipient_phone: str, address: str) -> dict[str, str]:
    recipient = {"recipient_name": recipient_name, "recipient_phone": recipient_phone, "address": address}
    trimmed = {field: (value or "").strip() for field, value in recipient.items()}
    # a phone as people type one ("+86 139-0000-1234"), stored as its 11 digits, as the member lookup reads it
    return trimmed | {"recipient_phone": typed_phone(trimmed["recipient_phone"]) or trimmed["recipient_phone"]}


def check_recipient(*, recipient_name: str, recipient_phone: str, address: str) -> dict[str, str]:
    """Who an order's goods go to, as stored (spaces trimmed).

    :raises ValidationFailed: listing each field missing or too long, a phone that is no mobile number and an address
        too short to find
    """
    recipient = _trimmed(recipient_name=recipient_name, recipient_phone=recipient_phone, address=address)
    refuse(_recipient_errors(recipient))
    return recipient


def place_order(
    *, member: Member, gift_id: int, quantity: int, recipient_name: str, recipient_phone: str, address: str, now: datetime, actor=None
) -> RedemptionOrder:
    """Place an order at today's prices; below the program's SMS threshold it is confirmed at once,
    otherwise a six-digit code is texted to the member.

    :raises NotFound: naming `gift`, for a gift not in this member's catalog (unknown, unlisted, another program's or
        above its tier) :raises ValidationFailed: a bad quantity or address
    :raises InsufficientPoints: :raises OutOfStock: (nothing is written)
    """
    recipient = _trimmed(recipient_name=recipient_name, recipient_phone=recipient_phone, address=address)
    errors = _recipient_errors(recipient)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        errors.insert(0, ("quantity", "invalid", gettext("数量须为 1–%(max_quantity)s 的整数") % {"max_quantity": MAX_QUANTITY}))
    refuse(errors)
    program = member.program
    gift = get_listed_gift(program=program, tier=member.tier, gift_id=gift_id)
    if gift is None:  # not in this member's catalog: as if it did not exist, like an id of another tenant's row
        raise NotFound(gettext("该礼品不可兑换"), field="gift")
    location = choose_location(gift=gift, quantity=quantity, records=gift.stock)  # one place supplies the whole order
    unit_points = member_points_price(gift=gift, program=program, tier=member.tier, base=gift.points_base)
    clearance = gift.state == gift.State.CLEARANCE
    unit_settlement = gift.clearance_settlement_price if clearance and gift.clearance_settlement_price is not None else gift.settlement_price
    points_cost = unit_points * quantity
    code_required = points_cost >= program.sms_confirmation_threshold
    if code_required and (balance := ledger.account_of(member).balance) < points_cost:  # no code is texted for an order that cannot be paid
        raise ledger.insufficient(points_cost, balance)

    def write(number: str) -> RedemptionOrder:
        order = RedemptionOrder(
            number=number, member=member, gift=gift, supplier_id=gift.supplier_id, program=program, quantity=quantity,
            fulfilment=gift.fulfilment, points_unit_price=unit_points,
            tier_discount_percent=int((gift.tier_discounts or {}).get(member.tier, 0)) if program.has_tiers and not clearance else 0,
            clearance=clearance, points_cost=points_cost, settlement_unit_price=unit_settlement,
            settlement_amount=(unit_settlement * quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            **recipient,
            code_required=code_required, placed_at=now, expires_at=now + CONFIRMATION_WINDOW,
        )
        if code_required:
            order.save()
            log_creation(order, "place", actor=actor, at=now)
            _send_code(order, now)
        else:  # placed and confirmed in one go: the order row is written once, already confirmed
            _confirm(order, gift=gift, location=location, now=now, actor=actor)
        return order

    return numbered(RedemptionOrder, prefix="RO", now=now, write=write)


def _send_code(order: RedemptionOrder, now: datetime, *, replacing: bool = False) -> bool:
    """Text a new code; the wrong tries made so far still count (five in all per order, however many codes). Whether
    it was sent: `replacing`, only while the code `order` was read with is still the order's, so that of two requests
    for a new code at once (a double click) one texts it."""
    code = f"{secrets.randbelow(10**6):06d}"
    rows = RedemptionOrder.objects.filter(pk=order.pk)
    if replacing:
        rows = rows.filter(code_expires_at=order.code_expires_at)
    confirming = {"points": order.points_cost, "gift": order.gift.name, "quantity": order.quantity, "order_number": order.number}
    sent = rows.update(code_hash=_code_hash(order.number, code), code_expires_at=now + CODE_VALIDITY) == 1
    order.refresh_from_db()
    if sent:
        notify(kind="confirmation_code", member=order.member, at=now, subject=order, context=confirming | {"code": code})
    return sent


def resend_code(*, order: RedemptionOrder, now: datetime, actor=None) -> RedemptionOrder:
    """Text a fresh code (the old one stops working), at most once a minute; an order locked by five wrong codes
    stays locked. :raises OrderExpired: :raises InvalidTransition: for an order that needs no code :raises CodeAttemptsExceeded: :raises CodeResendTooSoon:
    saying in how many seconds (whole, rounded up) a code may be sent again, also as its `retry_after`"""
    if expire_if_due(order, now=now):
        raise OrderExpired()
    if order.state != State.AWAITING_CONFIRMATION or not order.code_required:  # no step of this order: 409, as any other
        raise InvalidTransition(gettext("该订单无需验证码"))
    if code_locked(order):
        raise CodeAttemptsExceeded(field="code")
    if now < _next_code_at(order, now):
        raise _too_soon(order, now)
    with transaction.atomic():
        if not _send_code(order, now, replacing=True):  # another request texted a code since this one read the order
            raise _too_soon(order, now)
    return order


def _next_code_at(order: RedemptionOrder, now: datetime) -> datetime:
    """When the member may ask for another code: a minute after the last one was sent."""
    return order.code_expires_at - CODE_VALIDITY + RESEND_AFTER if order.code_expires_at is not None else now


def _too_soon(order: RedemptionOrder, now: datetime) -> CodeResendTooSoon:
    """The refusal of a new code asked for before `_next_code_at`, saying in how many seconds (at least one) to ask again."""
    seconds = max(1, math.ceil((_next_code_at(order, now) - now).total_seconds()))
    return CodeResendTooSoon(gettext("验证码发送过于频繁，请 %(seconds)s 秒后再试") % {"seconds": seconds}, field="code", retry_after=seconds)


def expire_if_due(order: RedemptionOrder, *, now: datetime) -> bool:
    """Expire an order whose confirmation window has passed, as beat would, when someone looks at it first; whether it
    is (now) expired."""
    if order.state == State.AWAITING_CONFIRMATION and now >= order.expires_at:
        try:
            apply_transition(order, "expire", actor=None, at=now, reason=NOT_CONFIRMED)
        except ConcurrentUpdate:  # beat expired it meanwhile
            order.refresh_from_db()
    return order.state == State.EXPIRED


def confirm_order(*, order: RedemptionOrder, code: str | None, now: datetime, actor=None) -> RedemptionOrder:
    """Confirm an order: check the code, then reserve stock, draw points and snapshot the location, all or nothing.

    :raises CodeInvalid: :raises CodeExpired: :raises CodeAttemptsExceeded: :raises OrderExpired:
    :raises GiftUnavailable: :raises InsufficientPoints: :raises OutOfStock: :raises InvalidTransition:
    """
    if expire_if_due(order, now=now):
        raise OrderExpired()
    require_transition(order, "confirm")  # a retried confirmation of a confirmed order spends nothing
    if order.code_required:
        _check_code(order, code, now)
    if not Gift.objects.filter(pk=order.gift_id, state__in=LISTED).exists():
        raise GiftUnavailable(field="gift")
    try:
        with transaction.atomic():
            _confirm(order, gift=order.gift, location=choose_location(gift=order.gift, quantity=order.quantity), now=now, actor=actor)
    except Exception as exc:
        order.refresh_from_db()  # the confirmation was rolled back: the caller's order must not look confirmed
        if isinstance(exc, IntegrityError):  # the order's redemption is already posted: another confirmation won
            raise ConcurrentUpdate() from exc
        raise
    return order


def _confirm(order: RedemptionOrder, *, gift, location, now: datetime, actor) -> None:
    """Draw points, snapshot and reserve stock at `location` (the one place that supplies the order) inside the caller's
    transaction. The order may be new (placed and confirmed at once): it is then written here."""
    # Lock order everywhere: the member's lots and account, then the stock row (the hottest) last, just before the
    # commit, so that a popular gift's row stays locked only for the reservation itself.
    entry = ledger.spend_points(member=order.member, points=order.points_cost, source=_order_source(order), at=now, actor=actor)
    placed = "place" if order._state.adding else ""  # placed and confirmed at once: both steps are logged
    apply_transition(order, "confirm", actor=actor, at=now, created=placed, confirmed_at=now, location=location, redeem_entry=entry)
    notify(
        kind="points_deducted", member=order.member, at=now, subject=order,
        context={"order_number": order.number, "points": order.points_cost, "balance": entry.balance_after},
    )
    inventory.reserve_stock(gift=gift, location=location, quantity=order.quantity, at=now, actor=actor, source=_stock_source(order))


def code_locked(order: RedemptionOrder) -> bool:
    """Whether five wrong codes locked the order waiting for its code: it can only expire now."""
    return order.state == State.AWAITING_CONFIRMATION and order.code_required and order.code_attempts >= MAX_CODE_ATTEMPTS


def waits_for_code(order: RedemptionOrder) -> bool:
    """Whether the member may still enter the order's confirmation code."""
    return order.state == State.AWAITING_CONFIRMATION and order.code_required and not code_locked(order)


def _check_code(order: RedemptionOrder, code: str | None, now: datetime) -> None:
    """Judge the code entered, one try at a time: the order's row is locked while its tries are counted, so that guesses
    sent together are judged one after another and none past the fifth wrong one (a wrong try is committed before its
    refusal is raised)."""
    with transaction.atomic():
        # the code as it stands under the lock: a code resent since the caller read the order is the one judged
        state, order.code_attempts, order.code_hash, order.code_expires_at = RedemptionOrder.objects.select_for_update(
            no_key=True).values_list("state", "code_attempts", "code_hash", "code_expires_at").get(pk=order.pk)
        # cancelled (its code cleared) or expired since the caller read it: no try, as the confirmation would be refused
        refusal = ConcurrentUpdate() if state != order.state else _no_try(order, code, now)
        if refusal is None and not hmac.compare_digest(order.code_hash, _code_hash(order.number, str(code).strip())):
            RedemptionOrder.objects.filter(pk=order.pk).update(code_attempts=F("code_attempts") + 1)
            order.code_attempts += 1
            left = MAX_CODE_ATTEMPTS - order.code_attempts
            refusal = CodeAttemptsExceeded(field="code") if left <= 0 else CodeInvalid(
                gettext("验证码错误，还可尝试 %(left)s 次") % {"left": left}, field="code")
    if refusal is not None:
        raise refusal


def _no_try(order: RedemptionOrder, code: str | None, now: datetime) -> Exception | None:
    """Why the code entered is not judged at all (the order locked, the code expired, nothing entered), or None."""
    if code_locked(order):
        return CodeAttemptsExceeded(field="code")
    if order.code_expires_at is None or now >= order.code_expires_at:
        return CodeExpired(field="code")
    if not str(code or "").strip():  # nothing entered is no try
        return ValidationFailed(gettext("请输入短信验证码"), field="code", code="required")
    return None


def expire_unconfirmed_orders(*, now: datetime) -> list[int]:
    """Expire orders not confirmed within 15 minutes (beat); nothing was reserved or drawn for them."""
    due = RedemptionOrder.objects.filter(state=State.AWAITING_CONFIRMATION, expires_at__lte=now)
    return bulk_transition(due, "expire", actor=None, at=now, reason=NOT_CONFIRMED)


def _refund_all(order: RedemptionOrder, *, source: ledger.Source, now: datetime, actor, reason_code: str, why: str = ""):
    left = sum(ledger.still_drawn(order.redeem_entry).values())
    if not left:
        return None
    entry = ledger.refund_points(redeem=order.redeem_entry, points=left, source=source, at=now, actor=actor, reason_code=reason_code)
    notify_refund(order, entry, points=left, now=now, why=why)
    return entry


#: the sources of the refunds that give back all an order still holds when it closes undelivered
CLOSING_REFUNDS = ("cancel", "give_up")
#: the ledger source types whose id is an order's number: its redemption and the refunds of its closing (and the expiry
#: of points such a refund restored to a lapsed lot, keyed by the refund)
ORDER_SOURCES = ("order", *CLOSING_REFUNDS)


def points_refunded_on_close(order: RedemptionOrder) -> int:
    """The points a cancelled or given-up order gave back (0 for an order that did not close so)."""
    entries = LedgerEntry.objects.filter(
        account__member_id=order.member_id, kind=LedgerEntry.Kind.REFUND, source_type__in=CLOSING_REFUNDS, source_id=order.number
    )
    return entries.aggregate(total=Coalesce(Sum("points"), 0))["total"]


#: the text of an order's refund, by (staff gave a reason, part of it came back into a lot past its date)
_REFUND_TEXTS = {
    (False, False): "refund_credited", (False, True): "refund_partly_expired",
    (True, False): "order_cancelled", (True, True): "order_cancelled_partly_expired",
}


def notify_refund(order: RedemptionOrder, entry, *, points: int, now: datetime, why: str = "") -> None:
    """Text the member the points an order gave back and the balance after, naming those that came back into a lot
    past its date and so expired again at once; `why`: the reason staff gave for cancelling its order, which the member
    did not ask for, told with the refund."""
    expired = getattr(entry, "expired_at_once", None)
    context = {"order_number": order.number, "points": points, "balance": (expired or entry).balance_after}
    if expired:
        context["expired"] = -expired.points
    if why:
        context["reason"] = one_line(why)
    notify(kind=_REFUND_TEXTS[bool(why), bool(expired)], member=order.member, at=now, subject=order, context=context)


def cancel_order(*, order: RedemptionOrder, actor, now: datetime, reason: str = "") -> RedemptionOrder:
    """Cancel an order before handover (member or operator). A confirmed one has its points refunded (texted) and its
    stock released; one still waiting for its SMS code had nothing drawn or reserved, so nothing comes back and nothing
    is texted, and its code stops working. The member may say why it cancels its own order; staff cancelling a member's
    order must (kept in the order's history for the member to read).

    :raises PermissionDenied: for anyone else (a member: for another member's order)
    :raises ValidationFailed: naming `reason` when staff give none, or one longer than a form takes
    :raises OrderExpired: for one whose 15 minutes to confirm have passed (it expires, as a look at it would expire it)
    :raises InvalidTransition: once it has been handed over (operators use cancel_before_picking)
    """
    _require_may_act(actor, CANCELLERS, order)
    by_staff = actor is not None and not (actor.role == Role.MEMBER and actor.member_id == order.member_id)
    if by_staff:
        reason = required_reason(reason)
    if expire_if_due(order, now=now):
        raise OrderExpired()
    with transaction.atomic():
        # what it holds as read: the transition's save checks the state is still the one read (else ConcurrentUpdate)
        spent = order.state == State.CONFIRMED
        apply_transition(order, "cancel", actor=actor, at=now, reason=reason)
        if spent:
            _refund_all(order, source=ledger.Source("cancel", order.number), now=now, actor=actor, reason_code="order_cancelled",
                        why=reason if by_staff else "")
            inventory.release_stock(gift=order.gift, location=order.location, quantity=order.quantity, at=now, actor=actor,
                                    source=_stock_source(order))
    return order


def cancel_before_picking(*, order: RedemptionOrder, actor, now: datetime, reason: str) -> RedemptionOrder:
    """Operator cancels a handed-over order whose shipment was not picked yet (logistics cancels the shipment), saying
    why: the reason is kept in the order's history. Its units go back as they stand: still reserved, they are released;
    a re-delivery's (the first shipment used the reservation up and its parcel came back) are put back into stock as
    giving up puts them, unless they were lost in transit.

    :raises PermissionDenied: unless an operator :raises ValidationFailed: naming `reason` when none is given
    :raises InvalidTransition:
    """
    _require_may_act(actor, OPERATORS)
    reason = required_reason(reason)
    with transaction.atomic():
        shipped_before = _shipped_before(order)
        apply_transition(order, "cancel_before_picking", actor=actor, at=now, reason=reason)
        publish(OrderCancelledBeforePicking(order_id=order.pk, at=now, actor_id=getattr(actor, "pk", None), reason=reason))
        _refund_all(order, source=ledger.Source("cancel", order.number), now=now, actor=actor, reason_code="order_cancelled", why=reason)
        if not shipped_before:
            inventory.release_stock(gift=order.gift, location=order.location, quantity=order.quantity, at=now, actor=actor, source=_stock_source(order))
        elif not _goods_lost(order):
            inventory.restock(gift=order.gift, location=order.location, quantity=order.quantity, at=now, actor=actor, source=_stock_source(order))
    return order


def _shipped_before(order: RedemptionOrder) -> bool:
    """Whether the order's goods left once already (its reservation used up), read from its row locked in the
    caller's transaction: a copy loaded before its first shipment would say no and release another order's units."""
    return RedemptionOrder.objects.select_for_update(no_key=True).values_list("shipped_at", flat=True).get(pk=order.pk) is not None


def required_reason(reason: str) -> str:
    """The reason an operator gives for a step that needs one, without surrounding spaces.

    :raises ValidationFailed: naming `reason` when it is blank or longer than a form takes
    """
    reason = required_text(reason)
    if len(reason) > MAX_REASON:
        raise ValidationFailed(gettext("最多 %(limit)s 个字符") % {"limit": MAX_REASON}, field="reason")
    return reason


def hand_over_order(*, order: RedemptionOrder, actor, now: datetime, reason: str = "") -> RedemptionOrder:
    """Hand a confirmed order to the logistics provider (warehouse) or the supplier (dropship).

    :raises PermissionDenied: unless the system, an operator or the logistics provider :raises InvalidTransition:
    """
    _require_may_act(actor, HANDING_OVER)
    return apply_transition(order, "hand_over", actor=actor, at=now, reason=reason)


def ship_order(*, order: RedemptionOrder, actor, now: datetime, carrier: str, tracking_number: str) -> RedemptionOrder:
    """The goods leave: the reservation is consumed and the member is told the carrier and tracking number. :raises InvalidTransition:"""
    with transaction.atomic():
        first_shipment = not _shipped_before(order)
        apply_transition(order, "ship", actor=actor, at=now, reason=f"{carrier} {tracking_number}", shipped_at=now)
        if first_shipment:
            inventory.consume_stock(gift=order.gift, location=order.location, quantity=order.quantity, at=now, actor=actor, source=_stock_source(order))
        tell_tracking(order=order, now=now, carrier=carrier, tracking_number=tracking_number)
    return order


def tell_tracking(*, order: RedemptionOrder, now: datetime, carrier: str, tracking_number: str) -> None:
    """Text the member the carrier and tracking number its goods travel under (again when they are corrected)."""
    notify(
        kind="shipped", member=order.member, at=now, subject=order,
        context={"order_number": order.number, "carrier": carrier, "tracking_number": tracking_number},
    )


def deliver_order(
    *, order: RedemptionOrder, actor, now: datetime, recorded_at: datetime | None = None, automatically: bool = False, reason: str = "",
) -> RedemptionOrder:
    """Mark a shipped order delivered (carrier event, member's receipt, or automatically — flagged). :raises InvalidTransition:

    `now` is when the parcel was signed for; `recorded_at` (default `now`) when we learnt it, which books the
    delivery on a statement (SPEC §4.11).
    """
    with transaction.atomic():
        apply_transition(order, "deliver", actor=actor, at=now, reason=reason, delivered_at=now, recorded_at=recorded_at or now,
                         automatically=automatically)
        # a receipt confirmed for the member, not signed by it: it is told so, and where to turn if nothing came
        notify(kind="delivered_automatically" if automatically else "delivered", member=order.member, at=now, subject=order,
               context={"order_number": order.number})
    return order


def fail_delivery(*, order: RedemptionOrder, actor, now: datetime, reason: str = "") -> RedemptionOrder:
    """A carrier reports the delivery failed; the member is told its order waits for a new attempt or a refund (each
    texted in its turn: the new tracking number, the points back). :raises InvalidTransition:"""
    with transaction.atomic():
        apply_transition(order, "fail_delivery", actor=actor, at=now, reason=reason)
        notify(kind="delivery_failed", member=order.member, at=now, subject=order,
               context={"order_number": order.number})
    return order


def deliver_order_after_all(
    *, order: RedemptionOrder, actor, now: datetime, delivered_at: datetime, reason: str = "",
) -> RedemptionOrder:
    """An order whose delivery failed on a parcel reported lost turns out delivered at `delivered_at` after all (its
    loss report withdrawn, in the caller's transaction): it is delivered as of then, recorded `now` (which books the
    delivery on a statement, SPEC §4.11), and completes 15 days after `delivered_at` as any other; the member, told the
    delivery had failed, is told it was signed for. :raises InvalidTransition: unless the delivery failed"""
    with transaction.atomic():
        apply_transition(order, "deliver_after_all", actor=actor, at=now, reason=reason, delivered_at=delivered_at, recorded_at=now)
        notify(kind="delivered", member=order.member, at=now, subject=order, context={"order_number": order.number})
    return order


def redeliver_order(
    *, order: RedemptionOrder, actor, now: datetime, reason: str = "", recipient_name: str = "", recipient_phone: str = "",
    address: str = "",
) -> RedemptionOrder:
    """Try again with a new shipment (operator; logistics creates it on the published event), to the order's recipient
    or, where the operator gives one, a corrected name, phone or address (a blank one stays as it was): the order and
    the new attempt carry the corrected recipient, and the history names the fields corrected.

    :raises ValidationFailed: listing each corrected field that is not valid (as when placing an order)
    :raises PermissionDenied: unless an operator
    :raises InvalidTransition: unless the delivery failed :raises ParcelLost: when the parcel was lost (give it up instead)
    """
    _require_may_act(actor, OPERATORS)
    given = {"recipient_name": recipient_name, "recipient_phone": recipient_phone, "address": address}
    recipient = check_recipient(**{field: (value or "").strip() or getattr(order, field) for field, value in given.items()})
    corrected = [field for field, value in recipient.items() if value != getattr(order, field)]
    if order.state == State.DELIVERY_FAILED and _goods_lost(order):
        raise ParcelLost(gettext("包裹已丢失，无法重新配送；请放弃配送，积分将退还会员"),
                       field="order")
    with transaction.atomic():
        apply_transition(order, "redeliver", actor=actor, at=now, reason=with_correction(reason, corrected), **recipient)
        publish(OrderRedeliveryRequested(order_id=order.pk, at=now, actor_id=getattr(actor, "pk", None)))
    return order


def with_correction(reason: str, corrected: list[str]) -> str:
    """The operator's reason, followed by the recipient's fields it corrected (their names, never their values: the
    history is read by people who may not see the contact); a re-delivery's, and a replacement shipped again's
    (logistics.services.returns.reship_replacement)."""
    reason = (reason or "").strip()
    if not corrected:
        return reason
    fields = [label_message(RedemptionOrder._meta.get_field(field).verbose_name) for field in corrected]
    correction = Message(gettext_noop("更正收件信息：%(fields)s"), fields=fields)
    return Message(gettext_noop("%(reason)s（%(correction)s）"), reason=reason, correction=correction) if reason else correction


def give_up_order(*, order: RedemptionOrder, actor, now: datetime, reason: str) -> RedemptionOrder:
    """Stop trying after a failed delivery (operator), saying why (kept in the order's history): points back, goods
    back into the supplier's stock (unless they were lost in transit).

    :raises PermissionDenied: unless an operator :raises ValidationFailed: naming `reason` when none is given
    :raises InvalidTransition:
    """
    _require_may_act(actor, OPERATORS)
    reason = required_reason(reason)
    with transaction.atomic():
        apply_transition(order, "give_up", actor=actor, at=now, reason=reason)
        _refund_all(order, source=ledger.Source("give_up", order.number), now=now, actor=actor, reason_code="delivery_given_up", why=reason)
        if not _goods_lost(order):
            inventory.restock(gift=order.gift, location=order.location, quantity=order.quantity, at=now, actor=actor, source=_stock_source(order))
    return order


def return_order_fully(*, order: RedemptionOrder, actor, now: datetime, reason: str = "") -> RedemptionOrder:
    """Every unit was returned and refunded (called by returns). :raises InvalidTransition:"""
    return apply_transition(order, "return_fully", actor=actor, at=now, reason=reason)


def complete_orders(*, now: datetime) -> list[int]:
    """Complete orders delivered 15 days ago with no open return (beat)."""
    with transaction.atomic():
        due = _held_by_no_guard(RedemptionOrder.objects.filter(state=State.DELIVERED, delivered_at__lte=now - COMPLETE_AFTER))
        locked = list(due.order_by("pk").select_for_update().values_list("pk", flat=True))
        # asked again once locked: a return opened while the rows were waiting for their locks now holds its order
        due = _held_by_no_guard(RedemptionOrder.objects.filter(pk__in=locked, state=State.DELIVERED))
        return bulk_transition(due, "complete", actor=None, at=now, reason=gettext_noop("签收15天后自动完成"))


def _held_by_no_guard(due: QuerySet) -> QuerySet:
    for guard in completion_guards:
        due = guard(due)
    return due


@waiting_for({Role.MEMBER})
def orders_to_confirm(user) -> QuerySet:
    """The member's orders still waiting for its confirmation code (not yet expired, nor locked by wrong codes)."""
    return RedemptionOrder.objects.filter(
        member__user=user, state=State.AWAITING_CONFIRMATION, expires_at__gt=timezone.now(), code_attempts__lt=MAX_CODE_ATTEMPTS,
    )
