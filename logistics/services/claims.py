"""Logistics claims (SPEC §4.6): what the logistics provider owes for transit damage and lost parcels.

A claim is opened by the system (a return inspected as transit damage) or by logistics staff or an operator
reporting a shipped parcel lost, for the settlement price × quantity stored when it is opened; finance
accepts it and settles it with a payment reference (`open → accepted → settled`).
"""
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop

from core.events import publish
from core.errors import InvalidTransition, ValidationFailed
from core.fsm import apply_transition, log_creation
from core.roles import Role, require_role
from logistics.events import LostParcelClaimAccepted
from logistics.models import LogisticsClaim, ReturnRequest, Shipment
from logistics.services import shipments
from logistics.errors import ParcelAlreadyClaimed
from points.models import RedemptionOrder
from points.services import orders
from suppliers.services.locks import lock_suppliers

Cause = LogisticsClaim.Cause
#: who accepts and settles a claim: the money it is about is finance's (SPEC §4.6)
SETTLERS = frozenset({Role.FINANCE})


def open_claim(
    *, order: RedemptionOrder, cause: str, quantity: int, now: datetime, return_request: ReturnRequest | None = None,
    reported_by=None, shipment: Shipment | None = None, reason: str = "",
) -> LogisticsClaim:
    """Open a claim on the logistics provider for the order's settlement price × quantity (the system, or the user who
    reported the loss of `shipment` or found the damage inspecting `return_request`), `reason` kept in its history."""
    amount = (order.settlement_unit_price * quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
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
    if shipment.state != Shipment.State.SHIPPED:
        raise InvalidTransition(
            gettext("只有在途（已发货）的运单可以报告丢失，该运单当前为「%(state)s」") % {"state": shipment.state_label},
            field="shipment",
        )
    with transaction.atomic():
        order = RedemptionOrder.objects.select_for_update().get(pk=shipment.order_id)
        if parcel_lost(shipment):
            raise ParcelAlreadyClaimed(gettext("该包裹已有丢失索赔"), field="shipment")
        claim = open_claim(order=order, cause=Cause.LOST_PARCEL, quantity=shipment.quantity, now=now, reported_by=actor, shipment=shipment)
        shipments.fail_shipment(shipment=shipment, actor=actor, now=now, reason=gettext_noop("包裹丢失"))
        return claim


def parcel_lost(shipment: Shipment) -> bool:
    """Whether the parcel was reported lost in transit: its units never come back into stock."""
    return shipment.claims.filter(cause=Cause.LOST_PARCEL).exists()


def _lost_in_transit(order: RedemptionOrder) -> bool:
    return order.claims.filter(cause=Cause.LOST_PARCEL).exists()


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


def settle_claim(*, claim: LogisticsClaim, actor, now: datetime, settlement_reference: str, reason: str = "") -> LogisticsClaim:
    """Finance records the provider's payment of an accepted claim.

    :raises PermissionDenied: unless finance :raises ValidationFailed: without a payment reference
    :raises InvalidTransition: unless it is accepted
    """
    require_role(actor, SETTLERS, gettext("仅财务人员可以确认和结清物流索赔"))
    reference = (settlement_reference or "").strip()
    if not reference:
        raise ValidationFailed(gettext("请填写结清凭证号"), field="settlement_reference")
    if len(reference) > 60:
        raise ValidationFailed(gettext("结清凭证号最多60个字符"), field="settlement_reference")
    return apply_transition(
        claim, "settle", actor=actor, at=now, reason=reason or reference, settled_at=now, settlement_reference=reference
    )


# what the claims page's text filter and the API's `?search=` find a claim by: its order's number, the tracking number
# of any of the order's parcels (the claim's own, a replacement's) and its return's number
SEARCHED = ("order__number", "order__shipments__tracking_number", "return_request__number")


def list_claims(*, user) -> QuerySet:
    """Claims for staff (finance settles them), with the order, supplier and gift a list shows."""
    return LogisticsClaim.objects.visible_to(user).select_related("order__supplier", "order__gift", "return_request", "reported_by")
