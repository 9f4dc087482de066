"""Logistics claims (SPEC §4.6): what the logistics provider owes for transit damage and lost parcels.

A claim is opened by the system (a return inspected as transit damage) or by logistics staff or an operator
reporting a shipped parcel lost, for the settlement price × quantity stored when it is opened; finance
accepts it and settles it with a payment reference and what was received (`open → accepted → settled`), corrects
its figures while it is open when the provider and finance agree on others, or rejects it when the provider rightly
contests it (`open → rejected`; never a lost parcel's, whose report the order has acted on). A parcel reported lost
that turns up delivered after all has its report withdrawn by logistics staff or an operator while the claim is open
and the order still waits for the operator (`open → withdrawn`): the shipment and the order are delivered.
"""
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.events import publish
from core.errors import InvalidTransition, Problems, ValidationFailed
from core.fsm import apply_transition, log_creation, require_transition
from core.roles import Role, has_role, require_role
from core.texts import Message, labelled_message, yuan
from core.validators import required_text, validate_length
from logistics.events import LostParcelClaimAccepted, LostParcelReportWithdrawn
from logistics.models import LogisticsClaim, ReturnRequest, Shipment
from logistics.services import shipments
from logistics.errors import ClaimNotOpen, LostParcelClaimNotRejectable, OrderMovedOn, ParcelAlreadyClaimed
from points.models import RedemptionOrder
from points.services import orders
from suppliers.services.locks import lock_suppliers

Cause = LogisticsClaim.Cause
#: who accepts, corrects, rejects and settles a claim: the money it is about is finance's (SPEC §4.6)
SETTLERS = frozenset({Role.FINANCE})
#: who reports a parcel lost, and withdraws the report when it turns up delivered after all
REPORTERS = frozenset({Role.LOGISTICS, Role.OPERATOR})
#: the claims on which the provider owes nothing: rejected (rightly contested) and withdrawn (the parcel was delivered)
OWING_NOTHING = (LogisticsClaim.State.REJECTED, LogisticsClaim.State.WITHDRAWN)
CENT = Decimal("0.01")


def settlement_value(order: RedemptionOrder, quantity: int) -> Decimal:
    """What `quantity` units of the order are worth to its supplier: the settlement price × quantity, half-up to the cent
    (the amount a claim is opened for, and a lost parcel's compensation to the supplier)."""
    return (order.settlement_unit_price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def open_claim(
    *, order: RedemptionOrder, cause: str, quantity: int, now: datetime, return_request: ReturnRequest | None = None,
    reported_by=None, shipment: Shipment | None = None, reason: str = "",
) -> LogisticsClaim:
    """Open a claim on the logistics provider for the order's settlement price × quantity (the system, or the user who
    reported the loss of `shipment` or found the damage inspecting `return_request`), `reason` kept in its history."""
    amount = settlement_value(order, quantity)
    with transaction.atomic():
        claim = LogisticsClaim.objects.create(
            order=order, return_request=return_request, shipment=shipment, cause=cause, quantity=quantity, amount=amount,
            opened_at=now, reported_by=reported_by if getattr(reported_by, "is_authenticated", False) else None,
        )
        log_creation(claim, "open", actor=reported_by, at=now, reason=reason)
    return claim


def report_lost_parcel(*, shipment: Shipment, actor, now: datetime) -> LogisticsClaim:
    """A parcel the logistics provider shipped never arrived: open a lost-parcel claim for its units, naming the parcel
    and who reported it, and fail the shipment (logistics staff or an operator), so it is never delivered
    automatically. An order's own parcel fails its delivery too, which waits for the operator, who gives it up (the
    member's points back, nothing back into stock); an exchange's replacement waits for the operator on its return,
    who ships another or refunds the points instead (the lost unit does not come back into stock).

    A dropship parcel travels with a carrier its supplier chose: the logistics provider owes nothing for it.

    :raises ValidationFailed: for a dropship shipment
    :raises InvalidTransition: unless the shipment is in transit (shipped)
    :raises ParcelAlreadyClaimed: if the parcel already has a lost-parcel claim
    """
    if shipment.kind == Shipment.Kind.DROPSHIP:
        raise ValidationFailed(
            gettext("礼品商直发的包裹由礼品商自选承运商寄出，丢失不向物流商索赔"), field="shipment"
        )
    with transaction.atomic():
        order = RedemptionOrder.objects.select_for_update().get(pk=shipment.order_id)
        if parcel_lost(shipment):  # before its state: a second report finds the parcel failed by the first
            raise ParcelAlreadyClaimed(gettext("该包裹已有丢失索赔"), field="shipment")
        if shipment.state != Shipment.State.SHIPPED:
            raise InvalidTransition(
                gettext("只有在途（已发货）的运单可以报告丢失，该运单当前为「%(state)s」") % {"state": shipment.state_label},
                field="shipment",
            )
        claim = open_claim(order=order, cause=Cause.LOST_PARCEL, quantity=shipment.quantity, now=now, reported_by=actor, shipment=shipment)
        shipments.fail_shipment(shipment=shipment, actor=actor, now=now, reason=gettext_noop("包裹丢失"))
        return claim


def withdraw_lost_parcel_report(
    *, claim: LogisticsClaim, actor, now: datetime, reason: str, signed_at: datetime | None, signer: str = "",
) -> LogisticsClaim:
    """The parcel reported lost turned up delivered after all (the carrier's tracking shows it signed for, or the member
    says it came): logistics staff or an operator withdraw the report, saying why and when it was signed for. The claim
    is withdrawn (the provider owes nothing), the shipment and the order are delivered as of `signed_at` (recorded now,
    the member told), all or nothing; the order completes 15 days after `signed_at` as usual.

    :raises PermissionDenied: unless logistics staff or an operator
    :raises ValidationFailed: naming `reason` when blank or too long, `signed_at` when missing, in the future or before
        the parcel was shipped, `signer` when too long, every one in error at once (after the claim's state, before the
        order's)
    :raises InvalidTransition: for a claim that is no lost parcel's
    :raises ClaimNotOpen: once finance has accepted, settled or rejected it (or it was withdrawn)
    :raises OrderMovedOn: once the operator has given the order up or re-delivered it
    :raises CompensationStands: (settlement) while a compensation for the claim is proposed (an approved one is
        answered by its reversal, proposed in the same transaction for finance's checker)
    """
    require_role(actor, REPORTERS, gettext("仅物流人员或运营人员可以撤回丢失报告"))
    require_withdrawable(claim)  # the claim's own state first, whatever the input (as every step's)
    shipment = Shipment.objects.select_related("order").filter(pk=claim.shipment_id).first()
    problems = Problems()  # the reason, the signing time and the signer named at once
    with problems.check():
        reason = orders.required_reason(reason)
    if shipment is not None:  # none: refused below, as no parcel's report
        with problems.check():
            shipments.check_signing(shipment=shipment, signed_at=signed_at, signer=signer, now=now)
    problems.refuse()
    # each of the three transitions checks the state it was read in as it is written (a claim accepted, an order given
    # up or a report withdrawn meanwhile is a ConcurrentUpdate, and everything rolls back); the supplier is locked
    # first, as whoever books its money does: a compensation proposed by hand for the claim meanwhile waits for the
    # withdrawal and then finds the claim withdrawn, or the withdrawal waits for it and finds it standing
    with transaction.atomic():
        order = RedemptionOrder.objects.get(pk=claim.order_id)
        lock_suppliers([order.supplier_id])
        _require_awaiting_operator(order, shipment)
        # told first, so that a refusal above (a compensation standing) comes before anything is written
        publish(LostParcelReportWithdrawn(claim_id=claim.pk, actor_id=getattr(actor, "pk", None), at=now))
        shipments.deliver_after_all(shipment=shipment, actor=actor, now=now, signed_at=signed_at, signer=signer, reason=reason)
        apply_transition(claim, "withdraw", actor=actor, at=now, reason=reason)
    return claim


def require_withdrawable(claim: LogisticsClaim) -> None:
    """Check, before any input is read, that the claim's loss report may be withdrawn (the API's check of the step).

    :raises InvalidTransition: for a claim that is no lost parcel's
    :raises ClaimNotOpen: naming the claim's state, unless it is open"""
    if not claim.withdrawable():
        raise InvalidTransition(gettext("只有包裹丢失的索赔可以撤回丢失报告"), state=claim.state, transition="withdraw")
    if claim.state != LogisticsClaim.State.OPEN:
        message = gettext("索赔当前为「%(state)s」，只有待处理的索赔可以撤回丢失报告") % {"state": claim.get_state_display()}
        raise ClaimNotOpen(message, field="claim", state=claim.state)


def _require_awaiting_operator(order: RedemptionOrder, shipment: Shipment) -> None:
    """:raises InvalidTransition: for a parcel of a return (an exchange's replacement: the operator ships another or
        refunds the points), or none named (a claim opened before its parcel was recorded) :raises OrderMovedOn: unless
        the order still waits for the operator on this failed parcel"""
    if shipment is None:
        raise InvalidTransition(gettext("该索赔未记录丢失的运单，无法撤回丢失报告"), state="", transition="withdraw")
    if shipment.for_return:
        raise InvalidTransition(gettext("只有订单本身的包裹可以撤回丢失报告，换货包裹由运营重新发出或改为退积分"),
                                state=shipment.state, transition="withdraw")
    if order.state == RedemptionOrder.State.CANCELLED:
        raise OrderMovedOn(gettext("订单已由运营放弃配送，积分已退还会员，不能撤回丢失报告"), field="order")
    if order.state != RedemptionOrder.State.DELIVERY_FAILED or shipments.active_shipment(order) != shipment:
        raise OrderMovedOn(gettext("订单已安排重新配送（当前为「%(state)s」），不能撤回丢失报告") % {"state": order.get_state_display()},
                           field="order")


def may_withdraw_report(*, user, claim: LogisticsClaim) -> bool:
    """Whether `user` may withdraw the claim's loss report now (the claim's page offers the form): logistics staff or an
    operator, a lost parcel's open claim, its order still waiting for the operator on that parcel."""
    if not has_role(user, REPORTERS) or not claim.withdrawable() or claim.state != LogisticsClaim.State.OPEN:
        return False
    try:
        _require_awaiting_operator(claim.order, claim.shipment)
    except (InvalidTransition, OrderMovedOn):
        return False
    return True


#: the one definition of a parcel lost: a claim reporting it lost in transit whose report was not withdrawn (a parcel
#: found delivered after all is no longer lost)
REPORTED_LOST = Q(cause=Cause.LOST_PARCEL) & ~Q(state=LogisticsClaim.State.WITHDRAWN)


def parcel_lost(shipment: Shipment) -> bool:
    """Whether the parcel was reported lost in transit (`REPORTED_LOST`): its units never come back into stock."""
    return shipment.claims.filter(REPORTED_LOST).exists()


def reported_lost() -> Exists:
    """Whether the shipment of the outer query was reported lost in transit (`REPORTED_LOST`), for a filter."""
    return Exists(LogisticsClaim.objects.filter(REPORTED_LOST, shipment=OuterRef("pk")))


def _lost_in_transit(order: RedemptionOrder) -> bool:
    return order.claims.filter(REPORTED_LOST).exists()


if _lost_in_transit not in orders.lost_in_transit:
    orders.lost_in_transit.append(_lost_in_transit)


def accept_claim(*, claim: LogisticsClaim, actor, now: datetime, reason: str = "") -> LogisticsClaim:
    """Finance accepts the claim as owed by the logistics provider; for a lost parcel, settlement proposes in the same
    transaction to compensate the supplier, whose consignment was never delivered.
    :raises PermissionDenied: unless finance :raises InvalidTransition: unless it is open"""
    require_role(actor, SETTLERS, gettext("仅财务人员可以确认和结清物流索赔"))
    with transaction.atomic():
        if claim.cause == Cause.LOST_PARCEL:  # its compensation books the supplier's money: the supplier is locked first
            lock_suppliers([claim.order.supplier_id])
        apply_transition(claim, "accept", actor=actor, at=now, reason=reason)
        if claim.cause == Cause.LOST_PARCEL:
            publish(LostParcelClaimAccepted(claim_id=claim.pk, actor_id=getattr(actor, "pk", None), at=now))
    return claim


def settle_claim(
    *, claim: LogisticsClaim, actor, now: datetime, settlement_reference: str, received_amount: Decimal | None = None,
    received_date: date | None = None, settlement_note: str = "", reason: str = "",
) -> LogisticsClaim:
    """Finance records the provider's payment of an accepted claim: its reference, the amount received (by default the
    claim's, in full) and the day it came in (by default today), with a note saying why when the amount differs.

    :raises PermissionDenied: unless finance
    :raises ValidationFailed: without a payment reference, for an amount received not above zero or with more than two
        decimals, a day in the future or before the claim was opened, or a different amount without a note
    :raises InvalidTransition: unless it is accepted
    """
    require_role(actor, SETTLERS, gettext("仅财务人员可以确认和结清物流索赔"))
    reference = (settlement_reference or "").strip()
    if not reference:
        raise ValidationFailed(gettext("请填写结清凭证号"), field="settlement_reference")
    if len(reference) > 60:
        raise ValidationFailed(gettext("结清凭证号最多60个字符"), field="settlement_reference")
    received = claim.amount if received_amount is None else _money(received_amount, field="received_amount")
    today = timezone.localdate(now)
    received_date = received_date or today
    if received_date > today:
        raise ValidationFailed(gettext("到账日期不能晚于今天"), field="received_date")
    if received_date < timezone.localdate(claim.opened_at):
        raise ValidationFailed(gettext("到账日期不能早于索赔创建日期"), field="received_date")
    note = validate_length(settlement_note or "", model=LogisticsClaim, column="settlement_note").strip()
    if received != claim.amount and not note:
        message = gettext("实收金额与索赔金额 %(amount)s 不同，请填写差额说明") % {"amount": yuan(claim.amount)}
        raise ValidationFailed(message, field="settlement_note", code="required")
    receipt = Message(gettext_noop("凭证 %(reference)s，实收 %(received)s，到账日期 %(date)s"),
                      reference=reference, received=yuan(received), date=received_date.isoformat())
    said = "；".join(text for text in (note, (reason or "").strip()) if text)
    return apply_transition(
        claim, "settle", actor=actor, at=now, reason=labelled_message(receipt, said) if said else receipt, settled_at=now,
        settlement_reference=reference, received_amount=received, received_date=received_date, settlement_note=note,
    )


def reject_claim(*, claim: LogisticsClaim, actor, now: datetime, reason: str) -> LogisticsClaim:
    """Finance rejects an open claim the logistics provider rightly contests (a damage not caused in transit), saying
    why; the return it came from keeps its outcome. A lost parcel's claim is never rejected: its report failed the
    shipment, and the order was given up (points refunded) or re-delivered from there, which nothing puts back.

    :raises PermissionDenied: unless finance :raises InvalidTransition: unless it is open
    :raises LostParcelClaimNotRejectable: for a lost parcel's claim :raises ValidationFailed: without a reason
    """
    require_role(actor, SETTLERS, gettext("仅财务人员可以驳回或更正物流索赔"))
    require_transition(claim, "reject", conditions=False)
    if not claim.rejectable():
        raise LostParcelClaimNotRejectable()
    reason = required_text(reason, message=gettext("请填写驳回原因"))
    return apply_transition(claim, "reject", actor=actor, at=now, reason=reason)


def correct_claim(
    *, claim: LogisticsClaim, actor, now: datetime, reason: str, amount: Decimal | None = None, quantity: int | None = None,
) -> LogisticsClaim:
    """Finance corrects an open claim's amount or quantity to the figure it agreed with the provider (either left out:
    unchanged); the history keeps the old and the new with the reason. The amount is above zero, in cents, and never
    above the order's settlement price × its quantity; the quantity at most the order's.

    :raises PermissionDenied: unless finance :raises InvalidTransition: unless it is open
    :raises ValidationFailed: naming `amount` or `quantity` out of bounds or both unchanged, or `reason` missing
    """
    require_role(actor, SETTLERS, gettext("仅财务人员可以驳回或更正物流索赔"))
    require_transition(claim, "correct")
    reason = required_text(reason, message=gettext("请说明更正原因"))
    with transaction.atomic():
        # the correction keeps the claim open, so one committed meanwhile would not stop it: the row is locked and this
        # one judged against the figures it now has
        locked = LogisticsClaim.objects.select_for_update().select_related("order").get(pk=claim.pk)
        order = locked.order
        new_amount = locked.amount if amount is None else _money(amount, field="amount")
        ceiling = order.settlement_unit_price * order.quantity
        if new_amount > ceiling:
            message = gettext("索赔金额不能超过结算单价 × 订单数量（%(ceiling)s）") % {"ceiling": yuan(ceiling)}
            raise ValidationFailed(message, field="amount")
        new_quantity = locked.quantity if quantity is None else quantity
        if not 1 <= new_quantity <= order.quantity:
            raise ValidationFailed(gettext("数量应在 1 到订单数量 %(quantity)s 之间") % {"quantity": order.quantity}, field="quantity")
        if (new_amount, new_quantity) == (locked.amount, locked.quantity):
            raise ValidationFailed(gettext("金额和数量与原索赔相同"), field="amount")
        change = Message(gettext_noop("金额 %(was_amount)s → %(amount)s，数量 %(was_quantity)s → %(quantity)s"),
                         was_amount=yuan(locked.amount), amount=yuan(new_amount), was_quantity=locked.quantity, quantity=new_quantity)
        apply_transition(locked, "correct", actor=actor, at=now, reason=labelled_message(change, reason), amount=new_amount,
                         quantity=new_quantity)
    claim.refresh_from_db()
    return claim


def _money(value, *, field: str) -> Decimal:
    """A positive amount in cents. :raises ValidationFailed: naming `field`"""
    amount = Decimal(value)
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed(gettext("金额应大于零"), field=field)
    if amount != amount.quantize(CENT):
        raise ValidationFailed(gettext("金额最多两位小数"), field=field)
    return amount


# what the claims page's text filter and the API's `?search=` find a claim by: its order's number, the tracking number
# of any of the order's parcels (the claim's own, a replacement's) and its return's number
SEARCHED = ("order__number", "order__shipments__tracking_number", "return_request__number")


def list_claims(*, user) -> QuerySet:
    """Claims for staff (finance settles them), with the order, supplier and gift a list shows."""
    return (LogisticsClaim.objects.visible_to(user).select_related("order__supplier", "order__gift", "return_request", "reported_by",
                                                                   "shipment")
            .prefetch_related(LogisticsClaim.rejection.prefetch()))


def claims_total(claims: QuerySet[LogisticsClaim]) -> Decimal:
    """What the logistics provider owes on the claims: a settled claim's amount received where recorded, any other's
    amount; rejected and withdrawn claims left out, as the provider owes nothing on them."""
    owed = claims.exclude(state__in=OWING_NOTHING).aggregate(total=Sum(Coalesce("received_amount", "amount")))
    return owed["total"] or Decimal("0.00")
