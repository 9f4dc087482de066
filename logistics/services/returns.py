"""Returns and exchanges (SPEC §4.7): request, approval, receipt, inspection and what each outcome does.

`requested → approved | rejected`, `approved → received → inspected`, `inspected → refunded | exchanged | refused`.
Members request within 7 days of delivery for an unused gift (refund only) and within 15 days for a defective
one or one damaged in transit (refund or exchange). Operators approve or reject; a warehouse return is received
and inspected by logistics staff, a dropship return is received by the supplier and inspected by an operator
from the evidence. Inspection resolves the return in the same transaction, so `inspected` is passed through
(and logged) on the way to the resolution: the outcome decides stock, liability and the statement line, the
member's remedy decides refund or exchange, and a used gift is refused (SPEC §4.7 table); qty is the units received
(`ReturnRequest.resolved_quantity`: the receiver may state fewer than asked for, the others stay with the member):

| outcome | stock | statement (stored `settlement_amount`) | liable, cost, claim |
|---|---|---|---|
| resellable | back to the supplier's consignment | −unit × qty | — |
| defective | returned and written off | −unit × qty | supplier, return freight (supplier) |
| transit_damage | returned and written off | 0, the supplier is still paid | logistics, claim for unit × qty |
| transit_damage, dropship | returned and written off | −unit × qty | supplier, no claim (as for a lost dropship parcel) |
| used | sent back to the member, none | none | operator, return freight (operator) |

Refused goods go back to the member as a parcel of the return (`Shipment.send_back_for`), shipped by whoever received
them (logistics staff for a warehouse return, the supplier for a dropship one) and followed like any other parcel;
when that parcel fails, its sender may make a new one, saying why (`send_back_again`).
A refund gives back points_unit_price × qty to the lots the order drew; an exchange ships a replacement from
the order's location as a new shipment and new delivery line (booked once delivered: a failed one is never billed);
when that location has no unit free, the inspector may refund the points instead (`refund_if_no_replacement`).
When the replacement fails, the return waits for the operator, as an order whose parcel failed does
(`points.services.orders.redeliver_order`, `give_up_order`): ship another (`reship_replacement`), or refund the points
instead (`refund_instead`, `exchanged → refunded`); either way the failed unit comes back into stock unless the parcel
was lost in transit (`claims.parcel_lost`). Importing this module registers the guard that keeps an order with an open
return, or an exchange whose replacement has not arrived, from completing (`points.services.orders.completion_guards`).
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from core.files import kept_only_if_done
from core.errors import ConcurrentUpdate, InvalidTransition, PermissionDenied, ValidationFailed, refuse
from core.fsm import apply_transition, histories_of, history_of, log_creation
from core.notifications import notify, one_line
from core.numbers import create_numbered
from core.roles import SUPPLIER_ROLES, Role, waiting_for
from core.selectors import answering
from core.texts import Message
from core.validators import is_blank, required_text
from logistics.models import ExtraCost, ReturnEvidence, ReturnRequest, Shipment
from logistics.models.returns import resolved_units
from logistics.models.costs import CostKind, Payer
from logistics.services import claims, costs, goods_back, leftovers
from logistics.services.return_evidence import attach_evidence, evidence_problems, require_acceptable
from logistics.services.ship_by import ship_by_shown
from logistics.services.shipments import CONTACT_FIELDS, UNDERWAY, _new_shipment, mark_supplier_told, tell_supplier_of_parcel
from points.models import RedemptionOrder
from points.services import ledger, orders
from suppliers.errors import OutOfStock
from suppliers.models import Gift
from suppliers.services.notices import decision_note, send_notice
from suppliers.services import inventory

State, Reason, Remedy, Outcome, Liable = (
    ReturnRequest.State, ReturnRequest.Reason, ReturnRequest.Remedy, ReturnRequest.Outcome, ReturnRequest.Liable,
)
OPEN_STATES = (State.REQUESTED, State.APPROVED, State.RECEIVED, State.INSPECTED)
WINDOWS = {Reason.UNUSED: timedelta(days=7), Reason.DEFECTIVE: timedelta(days=15), Reason.TRANSIT_DAMAGE: timedelta(days=15)}
EXCHANGEABLE = frozenset({Reason.DEFECTIVE, Reason.TRANSIT_DAMAGE})
CENT = Decimal("0.01")
NOT_DELIVERED = gettext_lazy("只有已签收的订单可以申请退换货")
NOTHING_LEFT = gettext_lazy("该订单已无可退数量（已有退换货申请）")


@dataclass(frozen=True)
class Effect:
    """What an inspection outcome does to stock, the statement and liability."""

    liable: str
    restocked: bool  # the returned units come back into the consignment
    written_off: bool  # ... and are written off again (returned to the supplier)
    nets_off: bool  # the delivery is netted off the supplier's statement
    freight_payer: str | None  # a return-freight extra cost borne by this party
    claim: bool  # a claim on the logistics provider


EFFECTS = {
    Outcome.RESELLABLE: Effect(Liable.NONE, restocked=True, written_off=False, nets_off=True, freight_payer=None, claim=False),
    Outcome.DEFECTIVE: Effect(
        Liable.SUPPLIER, restocked=True, written_off=True, nets_off=True, freight_payer=Payer.SUPPLIER, claim=False
    ),
    Outcome.TRANSIT_DAMAGE: Effect(
        Liable.LOGISTICS, restocked=True, written_off=True, nets_off=False, freight_payer=None, claim=True
    ),
    Outcome.USED: Effect(
        Liable.OPERATOR, restocked=False, written_off=False, nets_off=False, freight_payer=Payer.OPERATOR, claim=False
    ),
}
#: A dropship parcel travels with a carrier its supplier chose, so the logistics provider owes nothing for damage on the
#: way, as for a lost one (`claims.report_lost_parcel`): the supplier is liable and is not paid for the delivery.
DROPSHIP_TRANSIT_DAMAGE = Effect(
    Liable.SUPPLIER, restocked=True, written_off=True, nets_off=True, freight_payer=None, claim=False
)
WRITE_OFF_NOTES = {Outcome.DEFECTIVE: gettext_noop("退货质量问题，退回礼品商"), Outcome.TRANSIT_DAMAGE: gettext_noop("运输破损，报损")}


#: Who takes each step, by the order's fulfilment (SPEC §3): operators decide; a warehouse return is received and
#: inspected by logistics staff, a dropship return is received by its supplier and inspected by an operator.
WHO = {
    "approve": {"warehouse": frozenset({Role.OPERATOR}), "dropship": frozenset({Role.OPERATOR})},
    "reject": {"warehouse": frozenset({Role.OPERATOR}), "dropship": frozenset({Role.OPERATOR})},
    "receive": {"warehouse": frozenset({Role.LOGISTICS}), "dropship": SUPPLIER_ROLES},
    "inspect": {"warehouse": frozenset({Role.LOGISTICS}), "dropship": frozenset({Role.OPERATOR})},
    # the inspector splits units that differ off into a return of their own before inspecting (return_split)
    "split": {"warehouse": frozenset({Role.LOGISTICS}), "dropship": frozenset({Role.OPERATOR})},
    # refused goods whose parcel back failed are sent again by whoever shipped them (`may_send_back_again`)
    "send_back_again": {"warehouse": frozenset({Role.LOGISTICS}), "dropship": SUPPLIER_ROLES},
    # an exchange whose replacement failed: the operator ships another or refunds the points instead
    # (`ReturnRequest.failed_replacement`)
    "reship_replacement": {"warehouse": frozenset({Role.OPERATOR}), "dropship": frozenset({Role.OPERATOR})},
    "refund_instead": {"warehouse": frozenset({Role.OPERATOR}), "dropship": frozenset({Role.OPERATOR})},
}
#: who is refused each step, and why, when another role tries it
REFUSALS = {
    "reship_replacement": gettext_lazy("换货配送失败后由运营重新发出换货或改为退积分"),
    "refund_instead": gettext_lazy("换货配送失败后由运营重新发出换货或改为退积分"),
}


#: the step a return in each state waits for
NEXT_STEP = {State.REQUESTED: "approve", State.APPROVED: "receive", State.RECEIVED: "inspect"}
#: the step a closed return waits for once the last of its parcels failed: (its state, the parcels' link to it)
AFTER_FAILED_PARCEL = {
    "send_back_again": (State.REFUSED, "send_back_for"),  # refused goods going back to the member
    "reship_replacement": (State.EXCHANGED, "replacement_for"),  # an exchange's replacement (or refund_instead)
}


def _last_parcel_state(link: str) -> Subquery:
    """The state of the latest parcel of the return in the outer query, among those linked to it by `link`."""
    return Subquery(Shipment.objects.filter(**{link: OuterRef("pk")}).order_by("-created_at", "-pk").values("state")[:1])


def with_last_parcels(returns_: QuerySet, links: Iterable[str] | None = None) -> QuerySet:
    """Annotate `last_send_back_for` and `last_replacement_for` (those of `links` alone, when given): the state of the
    return's latest parcel of each kind."""
    links = [link for _state, link in AFTER_FAILED_PARCEL.values()] if links is None else links
    return returns_.annotate(**{f"last_{link}": _last_parcel_state(link) for link in links})


def _last_parcel_failed(state: str, link: str) -> Q:
    """The returns in `state` whose latest parcel linked by `link` failed (annotated by `with_last_parcels`). The
    cheap tests come first, in this order (PostgreSQL keeps the order of a condition's parts inside an OR or a CASE):
    the latest parcel is looked up only for the returns in `state` that have a failed one, few of them, not for
    every return ever exchanged or refused."""
    failed = Shipment.objects.filter(state=Shipment.State.FAILED, **{f"{link}__isnull": False}).values(link)
    return Q(state=state) & Q(pk__in=failed) & Q(**{f"last_{link}": Shipment.State.FAILED})


def by_failed_replacement(returns_: QuerySet, replacement_failed: bool | None) -> QuerySet:
    """`replacement_failed`: the exchanges among `returns_` whose latest replacement failed (they wait for the
    operator), or (False) all the others; None: all of them (`core.selectors.answering`)."""
    if replacement_failed is None:
        return returns_
    state, link = AFTER_FAILED_PARCEL["reship_replacement"]
    return answering(with_last_parcels(returns_), _last_parcel_failed(state, link), replacement_failed)


@waiting_for({Role.OPERATOR, Role.LOGISTICS, *SUPPLIER_ROLES})
def returns_waiting(user) -> QuerySet:
    """Returns the user's role takes the next step of (WHO), among those it may see, and closed returns whose last
    parcel failed, for whoever acts next: refused goods whose parcel back to the member failed, for whoever sends them
    again (`may_send_back_again`); an exchange whose replacement failed, for the operator (`reship_replacement`)."""
    waiting, links = Q(pk__in=[]), []
    for state, step in NEXT_STEP.items():
        if fulfilments := _fulfilments_taking(step, user.role):
            waiting |= Q(state=state, order__fulfilment__in=fulfilments)
    for step, (state, link) in AFTER_FAILED_PARCEL.items():
        if fulfilments := _fulfilments_taking(step, user.role):
            waiting |= Q(order__fulfilment__in=fulfilments) & _last_parcel_failed(state, link)
            links.append(link)
    # the latest parcels of the kinds the role waits on alone: the badge of every portal page builds this query
    return with_last_parcels(ReturnRequest.objects.visible_to(user), links).filter(waiting)


def _fulfilments_taking(step: str, role: str) -> list[str]:
    """The fulfilments of the returns whose `step` the role takes (WHO)."""
    return [fulfilment for fulfilment, roles in WHO[step].items() if role in roles]


def roles_for(step: str) -> frozenset[str]:
    """Every role that takes `step` for some return (the API's 403 before the per-return check)."""
    return frozenset().union(*WHO[step].values())


def may_act(*, user, return_request: ReturnRequest, step: str) -> bool:
    """Whether the user's role takes `step` for this return (the system, actor None, takes every step)."""
    return user is None or user.is_superuser or user.role in WHO[step][return_request.order.fulfilment]


def may_take(*, user, return_request: ReturnRequest, step: str) -> bool:
    """Whether the user may take `step` on this return now: its role takes the step, sending goods back again waits
    for the last parcel back to have failed, and a split needs a unit it may split off (`most_split_off`)."""
    return may_act(user=user, return_request=return_request, step=step) and (
        step != "send_back_again" or may_send_back_again(return_request)
    ) and (step != "split" or most_split_off(return_request) > 0)


def most_split_off(return_request: ReturnRequest) -> int:
    """How many of the return's received units may be split off into a new return (`return_split`): all but one, each
    part keeping one unit at least; none when one unit was received. The one rule of the split's button, its form and
    the split itself."""
    return max(return_request.resolved_quantity - 1, 0)


def require_may_act(actor, return_request: ReturnRequest, step: str) -> None:
    """:raises PermissionDenied: unless the actor's role takes `step` on a return of this kind (saying who does)"""
    if not may_act(user=actor, return_request=return_request, step=step):
        raise PermissionDenied(
            REFUSALS.get(step) or gettext("物流仓退货由物流收货检验；直发退货由礼品商收货、运营检验")
        )


def with_returnable(orders_: QuerySet) -> QuerySet:
    """Annotate `returnable`: units not refunded, not in an open return, and not exchanged for a replacement the
    member has not received yet (on its way, or failed and waiting for the operator). A return received short holds
    the units that arrived only (`resolved_units`): those that never came are the member's to return again."""
    pending = Coalesce(Sum(resolved_units("returns__"), filter=Q(returns__state__in=OPEN_STATES)), 0)
    awaiting = (ReturnRequest.objects.filter(order=OuterRef("pk"), state=State.EXCHANGED)
                .exclude(replacement_shipments__state=Shipment.State.DELIVERED)
                .order_by().values("order").annotate(units=Sum(resolved_units())).values("units"))
    return orders_.annotate(returnable=F("quantity") - F("returned_quantity") - pending - Coalesce(Subquery(awaiting), 0))


def returnable_quantity(order: RedemptionOrder) -> int:
    """Units of the order the member may still ask to return."""
    return with_returnable(RedemptionOrder.objects.filter(pk=order.pk)).values_list("returnable", flat=True).get()


@dataclass(frozen=True)
class Returnable:
    """Whether the member may ask to return units of an order now: how many, or why none (`refusal`)."""

    quantity: int
    refusal: str = ""


def returnable(order: RedemptionOrder, now: datetime) -> Returnable:
    """The units of the order the member may ask to return at `now`, or why it may ask for none: the order is not
    delivered, the longest return window has passed, or every unit is refunded or in a return already."""
    if order.state != RedemptionOrder.State.DELIVERED or order.delivered_at is None:
        return Returnable(0, str(NOT_DELIVERED))
    longest = max(WINDOWS.values())
    if now > order.delivered_at + longest:
        return Returnable(0, gettext("已超过签收后 %(days)s 天的申请期限") % {"days": longest.days})
    left = returnable_quantity(order)
    return Returnable(left) if left > 0 else Returnable(0, str(NOTHING_LEFT))


def returnable_orders(*, user, now: datetime) -> QuerySet:
    """The member's delivered orders still inside the longest return window with units left to return."""
    delivered = RedemptionOrder.objects.visible_to(user).filter(
        member_id=user.member_id, state=RedemptionOrder.State.DELIVERED, delivered_at__gte=now - max(WINDOWS.values())
    )
    return with_returnable(delivered).filter(returnable__gt=0).select_related("gift")


def request_return(
    *, order: RedemptionOrder, actor, now: datetime, quantity: int, reason: str, remedy: str = Remedy.REFUND,
    description: str = "", evidence: tuple = (),
) -> ReturnRequest:
    """Open a return of `quantity` units of a delivered order, within the window of its reason, with the member's
    `evidence` (pictures or PDFs of the goods, return_evidence.MAX_FILES at most); the member is told.

    :raises ValidationFailed: an order not delivered (order); else every one of: an unknown reason or one past its
        window (reason), an unknown remedy or an exchange of an unused gift (remedy), a quantity outside 1 … returnable
        (quantity), a file refused as evidence (evidence, naming it); nothing is written, no file is kept
    """
    _check_delivered(order)
    files = evidence_problems(evidence)
    with kept_only_if_done() as stored, transaction.atomic():
        # the order as it is now, locked: completed by the beat meanwhile, it takes no return
        order = RedemptionOrder.objects.select_for_update().get(pk=order.pk)
        _check_delivered(order)
        problems = _request_problems(delivered_at=order.delivered_at, now=now, reason=reason, remedy=remedy) + files
        if quantity_problem := _quantity_problem(quantity, left=returnable_quantity(order)):
            problems.append(("quantity", "invalid", quantity_problem))
        refuse(problems)
        return_request = create_numbered(
            ReturnRequest, prefix="RR", now=now, order=order, supplier_id=order.supplier_id, quantity=quantity, reason=reason,
            remedy=remedy, description=(description or "").strip(), requested_at=now,
        )
        log_creation(return_request, "request", actor=actor, at=now)
        attach_evidence(return_request=return_request, uploads=evidence, stage=ReturnEvidence.Stage.REQUEST, actor=actor, now=now, stored=stored)
        _tell_member(return_request, now)
    return return_request


def _check_delivered(order: RedemptionOrder) -> None:
    """:raises ValidationFailed: naming the order unless it is delivered (a completed one takes no return)"""
    if order.state != RedemptionOrder.State.DELIVERED or order.delivered_at is None:
        raise ValidationFailed(NOT_DELIVERED, field="order")


def _request_problems(*, delivered_at: datetime, now: datetime, reason: str, remedy: str) -> list[tuple[str, str, str]]:
    """What is wrong with a return's reason and remedy, each as (field, code, message): all of it, to be shown at once."""
    problems = []
    if reason not in WINDOWS:
        problems.append(("reason", "invalid", gettext("未知的退换货原因")))
    elif now > delivered_at + WINDOWS[reason]:
        problems.append(("reason", "too_late", gettext("已超过签收后 %(days)s 天的申请期限") % {"days": WINDOWS[reason].days}))
    if remedy not in Remedy.values:
        problems.append(("remedy", "invalid", gettext("未知的诉求")))
    elif remedy == Remedy.EXCHANGE and reason in WINDOWS and reason not in EXCHANGEABLE:
        problems.append(("remedy", "invalid", gettext("七天无理由退货只能退积分，不能换货")))
    return problems


def _quantity_problem(quantity, *, left: int) -> str:
    """Why `quantity` units may not be asked for when `left` are returnable, or ''."""
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        return gettext("数量须为正整数")
    if left < 1:
        return str(NOTHING_LEFT)
    if not 1 <= quantity <= left:
        return gettext("本单仅可退 1 件") if left == 1 else gettext("可退数量为 1–%(left)s") % {"left": left}
    return ""


def approve_return(*, return_request: ReturnRequest, actor, now: datetime, reason: str = "") -> ReturnRequest:
    """An operator accepts the request: the member sends the goods back.

    :raises PermissionDenied: for anyone but an operator :raises InvalidTransition: unless requested
    """
    require_may_act(actor, return_request, "approve")
    with transaction.atomic():
        apply_transition(return_request, "approve", actor=actor, at=now, reason=reason)
        _tell_member_where_to_send(return_request, now)
        if return_request.order.fulfilment == "dropship":  # the goods come back to the supplier, who records their receipt
            send_notice(supplier=return_request.order.supplier, kind="return_approved", title=gettext_noop("退换货 %(number)s 已批准"),
                        body=gettext_noop("订单 %(order)s 的 %(quantity)s 件将由会员寄回，请收货后在「退换货」中登记。"),
                        params={"number": return_request.number, "order": return_request.order.number, "quantity": return_request.quantity},
                        now=now, link=reverse("logistics-return", args=[return_request.pk]))
    return return_request


@dataclass(frozen=True)
class SendTo:
    """Where the member sends the goods of an approved return: the warehouse the order left, or the dropship supplier."""

    recipient: str
    phone: str
    address: str  # blank until the warehouse's or supplier's address is recorded

    def __str__(self) -> str:
        return f"{self.address}（{self.recipient} 收，{self.phone}）" if self.phone else f"{self.address}（{self.recipient} 收）"


def return_destination(return_request: ReturnRequest) -> SendTo:
    """Where the goods go back: a warehouse return to the order's warehouse, a dropship return to its supplier."""
    order = return_request.order
    if order.fulfilment == "dropship":
        supplier = order.supplier
        return SendTo(recipient=f"{supplier.name} {supplier.contact_name}", phone=supplier.contact_phone, address=supplier.address)
    return SendTo(recipient=order.location.name, phone=order.location.contact_phone, address=order.location.address)


def _tell_member_where_to_send(return_request: ReturnRequest, now: datetime) -> None:
    member, send_to = return_request.order.member, return_destination(return_request)
    notify(
        kind="return_approved" if send_to.address else "return_approved_no_address", member=member, at=now,
        subject=return_request,
        context={"return_number": return_request.number, "send_to": str(send_to)},
    )


def reject_return(*, return_request: ReturnRequest, actor, now: datetime, reason: str = "") -> ReturnRequest:
    """An operator turns the request down, saying why.

    :raises ValidationFailed: without a reason :raises PermissionDenied: for anyone but an operator :raises InvalidTransition:
    """
    require_may_act(actor, return_request, "reject")
    required_text(reason, message=gettext("请填写拒绝原因"))
    with transaction.atomic():
        apply_transition(return_request, "reject", actor=actor, at=now, reason=reason.strip())
        member = return_request.order.member
        notify(kind="return_rejected", member=member, at=now, subject=return_request,
               context={"return_number": return_request.number, "reason": one_line(reason)})
    return return_request


def receive_return(
    *, return_request: ReturnRequest, actor, now: datetime, received_quantity: int | None = None, reason: str = "",
    evidence: tuple = (),
) -> ReturnRequest:
    """The returned goods arrived: at the warehouse (logistics staff) or, for a dropship gift, at the supplier (its users),
    who state how many units came (`received_quantity`, by default all the return names) and may add pictures or PDFs of
    what arrived (`evidence`) for the inspector. Fewer than named need a note (`reason`): the return then resolves for
    the units received only, the others stay with the member, who may return them again within the window
    (`with_returnable`), and is texted how many arrived. The history keeps who, when and, when short, how many.

    :raises PermissionDenied: for anyone else :raises InvalidTransition: unless approved
    :raises ValidationFailed: naming `received_quantity` outside 1 … the return's quantity, `reason` missing when fewer
        arrived, each file refused as evidence; nothing is written, no file is kept
    """
    require_may_act(actor, return_request, "receive")
    received = _received_quantity(return_request, received_quantity, reason)
    require_acceptable(evidence)
    with kept_only_if_done() as stored, transaction.atomic():
        apply_transition(return_request, "receive", actor=actor, at=now, reason=_receipt_note(return_request, received, reason),
                         received_at=now, received_quantity=received)
        attach_evidence(return_request=return_request, uploads=evidence, stage=ReturnEvidence.Stage.RECEIPT, actor=actor, now=now, stored=stored)
        if return_request.received_fewer:
            notify(kind="return_received_short", member=return_request.order.member, at=now, subject=return_request,
                   context={"return_number": return_request.number, "quantity": return_request.quantity, "received": received,
                            "missing": return_request.quantity - received})
        else:
            _tell_member(return_request, now)
    return return_request


def _received_quantity(return_request: ReturnRequest, received_quantity, reason: str) -> int:
    """The units stated as received (None: all the return names).

    :raises ValidationFailed: naming `received_quantity` outside 1 … the return's quantity, else `reason` missing when
        fewer arrived
    """
    asked = return_request.quantity
    received = asked if received_quantity is None else received_quantity
    problems = []
    if not isinstance(received, int) or isinstance(received, bool) or not 1 <= received <= asked:
        problems.append(("received_quantity", "invalid", _received_refused(received, asked)))
    elif received < asked and is_blank(reason):
        problems.append(("reason", "required", gettext("实收少于申请的 %(quantity)s 件时，请说明原因（如会员只寄回了部分）") % {"quantity": asked}))
    if problems:
        raise ValidationFailed(problems[0][2], field=problems[0][0], code=problems[0][1], errors=problems)
    return received


def _received_refused(received, asked: int) -> str:
    """Why a stated receipt is refused: more units than the return names, none (no receipt), or not a whole number."""
    if isinstance(received, int) and not isinstance(received, bool):
        if received > asked:
            return gettext("实收 %(received)s 件多于退货申请的 %(quantity)s 件：请按 %(quantity)s 件以内登记收货") % {
                "received": received, "quantity": asked}
        if received == 0:
            return gettext("实收 0 件不是收货：货品到达后再登记收货")
    return gettext("实收数量须为 1–%(quantity)s（申请数量）的整数") % {"quantity": asked}


def _receipt_note(return_request: ReturnRequest, received: int, reason: str) -> str:
    """The receipt's note in the return's history: as given, and when fewer units arrived, how many of how many."""
    reason = (reason or "").strip()
    if received == return_request.quantity:
        return reason
    return Message(gettext_noop("实收 %(received)s/%(quantity)s 件，%(missing)s 件未寄回：%(note)s"), received=received,
                   quantity=return_request.quantity, missing=return_request.quantity - received, note=reason)


def inspect_return(
    *, return_request: ReturnRequest, actor, now: datetime, outcome: str, reason: str = "", refund_if_no_replacement: bool = False,
    evidence: tuple = (),
) -> ReturnRequest:
    """Record the inspection outcome and resolve the return with its effects (module docstring), all or nothing.

    Warehouse returns are inspected by logistics staff, dropship returns by an operator from the evidence (the files of
    the request and the receipt); the inspector's note (`reason`) and files (`evidence`) are kept with it.
    An exchange the order's location has no unit to replace is refused, naming `refund_if_no_replacement`: with it,
    the inspection refunds the points instead (the return ends refunded, its history saying why), so that the member
    is not left with neither the goods nor the points.
    :raises ValidationFailed: for an unknown outcome :raises PermissionDenied: for anyone else
    :raises InvalidTransition: unless received :raises OutOfStock: when no unit is available for a replacement
    :raises ConcurrentUpdate: when the return was split since it was read (the units judged are no longer all its own)
    :raises ValidationFailed: naming each file refused as evidence; nothing is written, no file is kept
    """
    if outcome not in EFFECTS:
        raise ValidationFailed(gettext("未知的检验结论"), field="outcome")
    require_may_act(actor, return_request, "inspect")
    require_acceptable(evidence)
    effect = effect_of(outcome, fulfilment=return_request.order.fulfilment)
    try:
        with kept_only_if_done() as stored, transaction.atomic():
            order = RedemptionOrder.objects.select_for_update().select_related("gift", "member").get(pk=return_request.order_id)
            _require_units_as_read(return_request)
            apply_transition(
                return_request, "inspect", actor=actor, at=now, reason=reason, outcome=outcome, liable=effect.liable,
                inspected_at=now,
            )
            attach_evidence(return_request=return_request, uploads=evidence, stage=ReturnEvidence.Stage.INSPECTION, actor=actor, now=now, stored=stored)
            resolution = "refuse" if outcome == Outcome.USED else return_request.remedy
            refund_reason = ""
            if resolution == Remedy.EXCHANGE and not _exchanged(
                    return_request, order, effect, actor=actor, now=now, refund_if_no_replacement=refund_if_no_replacement):
                resolution, refund_reason = Remedy.REFUND, NO_REPLACEMENT
            if resolution != Remedy.EXCHANGE:
                if resolution == Remedy.REFUND:  # points before stock: one lock order (lots, account, then stock)
                    _refund(return_request, order, effect, actor=actor, now=now, reason=refund_reason)
                _move_stock(return_request, order, effect, actor=actor, now=now)
            if resolution == "refuse":
                _send_back(return_request, order, actor=actor, now=now)
            _charge_parcel_freight(return_request, order, actor=actor, now=now)
            if effect.claim:
                claims.open_claim(
                    order=order, cause=claims.Cause.TRANSIT_DAMAGE, quantity=return_request.resolved_quantity, now=now,
                    return_request=return_request, reported_by=actor,
                    reason=Message(gettext_noop("退货 %(number)s 检验时发现运输破损"), number=return_request.number),
                )
            goods_back.owe_back(return_request=return_request, actor=actor, now=now)  # a warehouse's defective units
            _tell_member(return_request, now)
            if effect.liable == Liable.SUPPLIER:
                _tell_supplier_liable(return_request, order, effect, now=now, note=reason)
    except Exception:
        return_request.refresh_from_db()
        raise
    return return_request


def _require_units_as_read(return_request: ReturnRequest) -> None:
    """Lock the return, after its order (as a split does), and check that it still holds the units the inspector judged:
    a split committed since it was read moved some of them into a part of their own.

    :raises ConcurrentUpdate: saying how many units the return holds now
    """
    locked = ReturnRequest.objects.select_for_update(of=("self",)).get(pk=return_request.pk)
    if (locked.quantity, locked.resolved_quantity) != (return_request.quantity, return_request.resolved_quantity):
        raise ConcurrentUpdate(gettext("退换货 %(number)s 已拆分，现有 %(quantity)s 件：请刷新后按现有件数检验") % {
            "number": locked.number, "quantity": locked.resolved_quantity})


#: why an exchange was refunded at its inspection, kept in the return's history
NO_REPLACEMENT = gettext_noop("无可换货库存，改为退积分")


class _NoReplacement(Exception):
    """The replacement's reservation found too few units free (its OutOfStock the cause): the exchange is undone."""


def _exchanged(
    return_request: ReturnRequest, order: RedemptionOrder, effect: Effect, *, actor, now: datetime, refund_if_no_replacement: bool,
) -> bool:
    """Put the returned units back as the outcome says, then reserve and ship the replacement (a resellable returned
    unit may be it), in a savepoint: when the location has no unit free for it, by the reservation's own count at that
    moment, nothing of it is kept and False tells the caller to refund instead, as the inspector chose. Only the
    reservation's shortage means that: a failure moving the returned units is raised as it is, and the inspection
    with it. The move is undone with the exchange so that a refund instead takes the points before the stock.

    :raises OutOfStock: naming `refund_if_no_replacement` when the inspector did not choose so
    """
    try:
        with transaction.atomic():
            _move_stock(return_request, order, effect, actor=actor, now=now)
            _exchange(return_request, order, effect, actor=actor, now=now)
    except _NoReplacement as no_replacement:
        shortage = no_replacement.__cause__
        return_request.refresh_from_db()
        order.refresh_from_db()
        if not refund_if_no_replacement:
            raise OutOfStock(gettext("%(location)s 的库存不足 %(quantity)s 件，无法换货；可选择改为退积分后再提交检验") % {
                "location": order.location.name, "quantity": return_request.resolved_quantity}, field="refund_if_no_replacement") from shortage
        return False
    return True


def _tell_supplier_liable(return_request: ReturnRequest, order: RedemptionOrder, effect: Effect, *, now: datetime, note: str) -> None:
    """The supplier bears an inspected return (defective goods, a dropship parcel damaged on its carrier): it is told
    what was found and what it costs it."""
    send_notice(
        supplier=order.supplier, kind="return_inspected", title=gettext_noop("退换货 %(number)s 检验结论：由礼品商承担"),
        body=gettext_noop("订单 %(order)s 的 %(quantity)s 件检验结论为「%(outcome)s」，该笔兑换从结算单中扣减%(freight)s。%(note)s"),
        params={"number": return_request.number, "order": order.number, "quantity": return_request.resolved_quantity,
                "outcome": Outcome(return_request.outcome).label, "note": decision_note(note),
                "freight": Message(gettext_noop("，退货运费由礼品商承担")) if effect.freight_payer == Payer.SUPPLIER else ""},
        now=now, link=reverse("logistics-return", args=[return_request.pk]),
    )


def split_family(return_request: ReturnRequest) -> list[int]:
    """The ids of the returns the goods of this one's parcel are split among (`return_split.split_return`): the first
    and every part split off it or off its parts; this one alone when it was never split."""
    first, parent = return_request.pk, return_request.split_from_id
    while parent is not None:
        first, parent = parent, ReturnRequest.objects.values_list("split_from_id", flat=True).get(pk=parent)
    family, parents = [first], [first]
    while parents:
        parents = list(ReturnRequest.objects.filter(split_from_id__in=parents).values_list("pk", flat=True))
        family += parents
    return family


#: who bears the return freight of a parcel whose parts' outcomes differ: the first of these any part's outcome makes
#: bear it (SPEC §4.7: defective goods are the supplier's freight, used ones the operator's)
FREIGHT_PAYERS = (Payer.SUPPLIER, Payer.OPERATOR)


def parcel_freight_payer(family: list[int], *, fulfilment: str) -> str | None:
    """Who bears the return freight of the parcel whose goods the returns `family` (`split_family`) hold, by the
    outcomes of those inspected so far: the supplier when any outcome makes it bear the freight, else the operator when
    any does, else nobody; the same whatever order the parts were inspected in."""
    outcomes = ReturnRequest.objects.filter(pk__in=family).exclude(outcome="").values_list("outcome", flat=True)
    payers = {effect_of(outcome, fulfilment=fulfilment).freight_payer for outcome in outcomes}
    return next((payer for payer in FREIGHT_PAYERS if payer in payers), None)


def _charge_parcel_freight(return_request: ReturnRequest, order: RedemptionOrder, *, actor, now: datetime) -> None:
    """The parcel the goods came back in bears its return freight once (a tariff per order), by the payer its inspected
    parts decide (`parcel_freight_payer`). A part whose outcome changes the payer voids the freight an earlier part
    recorded for the other one (its history saying which part, when and by whom) and records it anew; a freight of that
    payer already recorded, or voided by a person, stands (the inspection of another part never undoes a person's void)."""
    family = split_family(return_request)
    payer = parcel_freight_payer(family, fulfilment=order.fulfilment)
    if payer is None:
        return
    family_freight = ExtraCost.objects.filter(kind=CostKind.RETURN_FREIGHT, return_request__in=family)
    if family_freight.filter(payer=payer).exists():
        return
    for charged in family_freight.filter(state=ExtraCost.State.RECORDED, payer__in=FREIGHT_PAYERS).order_by("pk"):
        costs.void_extra_cost(cost=charged, actor=actor, now=now, reason=Message(
            gettext_noop("退换货 %(number)s 检验为「%(outcome)s」，同一包裹的退货运费改由%(payer)s承担"),
            number=return_request.number, outcome=Outcome(return_request.outcome).label, payer=Payer(payer).label))
    costs.record_extra_cost(
        kind=CostKind.RETURN_FREIGHT, payer=payer, supplier=order.supplier, order=order, return_request=return_request,
        description=Message(gettext_noop("退货运费 %(number)s"), number=return_request.number), actor=actor, now=now,
    )


def effect_of(outcome: str, *, fulfilment: str) -> Effect:
    """What an inspection outcome does to a return of an order of this fulfilment (module docstring)."""
    if outcome == Outcome.TRANSIT_DAMAGE and fulfilment == Shipment.Kind.DROPSHIP:
        return DROPSHIP_TRANSIT_DAMAGE
    return EFFECTS[outcome]


def _move_stock(return_request: ReturnRequest, order: RedemptionOrder, effect: Effect, *, actor, now: datetime) -> None:
    """Returned units come back into the consignment at the order's location; damaged ones are written off again at
    once (so they join no leftover lot)."""
    if not effect.restocked:
        return
    where = {
        "gift": order.gift, "location": order.location, "quantity": return_request.resolved_quantity, "at": now, "actor": actor,
        "source": inventory.Source("return", return_request.number),
    }
    inventory.restock(**where, stays=not effect.written_off)
    if effect.written_off:
        inventory.write_off_stock(**where, note=WRITE_OFF_NOTES[return_request.outcome])


def _netted_off(return_request: ReturnRequest, order: RedemptionOrder, effect: Effect) -> Decimal:
    if not effect.nets_off:
        return Decimal("0.00")
    return -(order.settlement_unit_price * return_request.resolved_quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def _refund(return_request: ReturnRequest, order: RedemptionOrder, effect: Effect, *, actor, now: datetime, reason: str = "") -> None:
    """Points back to the lots the order drew; the order counts the units returned and is returned once all are."""
    entry = _refund_points(return_request, order, actor=actor, now=now)
    apply_transition(
        return_request, "refund", actor=actor, at=now, reason=reason, settlement_amount=_netted_off(return_request, order, effect),
        refund_entry=entry, closed_at=now,
    )
    _count_returned(return_request, order, entry, actor=actor, now=now)


def _refund_points(return_request: ReturnRequest, order: RedemptionOrder, *, actor, now: datetime):
    """points_unit_price × qty back to the lots the order drew, once per return (the ledger keys it by the return)."""
    return ledger.refund_points(
        redeem=order.redeem_entry, points=order.points_unit_price * return_request.resolved_quantity,
        source=ledger.Source("return", return_request.number), at=now, actor=actor,
    )


def _count_returned(return_request: ReturnRequest, order: RedemptionOrder, entry, *, actor, now: datetime) -> None:
    """The order counts the units refunded and is returned once all are; the member is texted the points."""
    counted = RedemptionOrder.objects.filter(pk=order.pk, returned_quantity__lte=F("quantity") - return_request.resolved_quantity).update(
        returned_quantity=F("returned_quantity") + return_request.resolved_quantity
    )
    if not counted:
        raise ConcurrentUpdate()
    order.refresh_from_db()
    # an order completed before exchanges held completion keeps its state (`return_fully` starts from delivered)
    if order.returned_quantity == order.quantity and order.state == RedemptionOrder.State.DELIVERED:
        orders.return_order_fully(order=order, actor=actor, now=now, reason=Message(gettext_noop("退货 %(number)s"), number=return_request.number))
    orders.notify_refund(order, entry, points=entry.points, now=now)


def _exchange(return_request: ReturnRequest, order: RedemptionOrder, effect: Effect, *, actor, now: datetime) -> None:
    """A replacement is reserved at the order's location and shipped as a new shipment (a new delivery line). The return
    steps to exchanged first, so its combined history (`return_history`, same-time rows in the order written) tells
    the exchange before the replacement parcel it made."""
    apply_transition(
        return_request, "exchange", actor=actor, at=now, settlement_amount=_netted_off(return_request, order, effect),
        closed_at=now,
    )
    try:
        _reserve_replacement(return_request, order, actor=actor, now=now)
    except OutOfStock as shortage:
        raise _NoReplacement from shortage
    tell_supplier_of_parcel(
        _replacement_parcel(return_request, order, actor=actor, now=now), kind="dropship_replacement",
        title=gettext_noop("退换货 %(number)s 的换货待发出"),
        body=gettext_noop("订单 %(order)s 的退换货 %(number)s 已检验，为会员换货：请于 %(ship_by)s 前发出 %(quantity)s 件换货。"),
        actor=actor, now=now, number=return_request.number,
    )


def _reserve_replacement(return_request: ReturnRequest, order: RedemptionOrder, *, actor, now: datetime) -> None:
    """Reserve the return's quantity at the order's location for its replacement. :raises OutOfStock:"""
    inventory.reserve_stock(
        gift=order.gift, location=order.location, quantity=return_request.resolved_quantity, at=now, actor=actor,
        source=inventory.Source("return", return_request.number),
    )
    if Gift.objects.filter(pk=order.gift_id, state=Gift.State.RETIRED).exists():  # taken from what was left over
        leftovers.take_for_replacement(gift=order.gift, location=order.location, quantity=return_request.resolved_quantity, actor=actor,
                                       now=now, reference=return_request.number)


def _replacement_parcel(return_request: ReturnRequest, order: RedemptionOrder, *, actor, now: datetime,
                        recipient: dict[str, str] | None = None) -> Shipment:
    """The parcel of the replacement reserved (`_reserve_replacement`), to the order's recipient or to `recipient`."""
    return _new_shipment(order=order, now=now, actor=actor, quantity=return_request.resolved_quantity, replacement_for=return_request,
                         recipient=recipient, reason=Message(gettext_noop("退换货 %(number)s 的换货"), number=return_request.number))


def replacement_recipient(failed: Shipment) -> dict[str, str]:
    """Whom a failed replacement went to (CONTACT_FIELDS), what shipping it again keeps unless the operator corrects it:
    the parcel's own recipient (a replacement shipped again may have gone to a corrected one), else the order's."""
    return {field: getattr(failed, field) or getattr(failed.order, field) for field in CONTACT_FIELDS}


def _decision_reason(actor, return_request: ReturnRequest, step: str, reason: str) -> str:
    """The reason of an operator's decision on a failed replacement. :raises PermissionDenied: :raises ValidationFailed:"""
    require_may_act(actor, return_request, step)
    reason = required_text(reason)
    return reason


def _lock_failed_exchange(return_request: ReturnRequest, step: str) -> tuple[RedemptionOrder, ReturnRequest, Shipment]:
    """Lock the order, then the return (as inspection does), and find the replacement that failed.

    :raises InvalidTransition: unless the return is exchanged and its latest replacement failed
    """
    order = RedemptionOrder.objects.select_for_update(of=("self",)).select_related("gift", "member", "location").get(pk=return_request.order_id)
    locked = ReturnRequest.objects.select_for_update(of=("self",)).get(pk=return_request.pk)
    failed = locked.failed_replacement()
    if failed is None:
        raise InvalidTransition(
            gettext("只有换货包裹配送失败后才能重新发出换货或改为退积分"), state=locked.state, transition=step
        )
    return order, locked, failed


def _take_back(failed: Shipment, order: RedemptionOrder, *, actor, now: datetime) -> None:
    """The failed replacement's units come back into the consignment at the order's location, unless the parcel was
    lost in transit (the logistics provider's claim pays for them), as a given-up order's do."""
    if not claims.parcel_lost(failed):
        inventory.restock(
            gift=order.gift, location=order.location, quantity=failed.quantity, at=now, actor=actor,
            source=inventory.Source("replacement", str(failed.pk)),
        )


def _tell_member_about_replacement(return_request: ReturnRequest, kind: str, *, now: datetime, **context) -> None:
    member = return_request.order.member
    notify(
        kind=kind, member=member, at=now, subject=return_request, context={"return_number": return_request.number, **context},
    )


REPLACEMENT_NOTICES = {
    "replacement_reshipped": (
        gettext_noop("退换货 %(number)s：换货将重新发出"),
        gettext_noop("订单 %(order)s 的换货包裹配送失败，运营决定重新发出 %(quantity)s 件，%(sender)s。%(stock)s%(note)s"),
    ),
    "replacement_refunded": (
        gettext_noop("退换货 %(number)s：改为退积分"),
        gettext_noop("订单 %(order)s 的换货包裹配送失败，运营决定改为向会员退还积分，不再发出换货。%(stock)s%(note)s"),
    ),
}


def _tell_supplier_about_replacement(return_request: ReturnRequest, order: RedemptionOrder, failed: Shipment, kind: str, *,
                                     now: datetime, note: str, replacement: Shipment | None = None) -> None:
    """The operator's follow-up of a failed replacement reaches the supplier: what was decided, why, where the failed
    parcel's units went (back into its stock, or lost and claimed) and, for another `replacement`, who ships it (a
    dropship supplier: by when, as every parcel made for it to ship says)."""
    title, body = REPLACEMENT_NOTICES[kind]
    if claims.parcel_lost(failed):
        stock = Message(gettext_noop("失败的包裹已丢失，其 %(lost)s 件不退回库存。"), lost=failed.quantity)
    else:
        stock = Message(gettext_noop("失败包裹的 %(back)s 件已退回%(location)s的库存。"), back=failed.quantity, location=order.location.name)
    if replacement is None:
        sender = ""
    elif order.fulfilment == Shipment.Kind.DROPSHIP:
        sender = Message(gettext_noop("请您于 %(ship_by)s 前在订单中发出新的换货包裹"), ship_by=ship_by_shown(replacement))
    else:
        sender = Message(gettext_noop("由仓库从您的寄售库存中发出"))
    send_notice(
        supplier=order.supplier, kind=kind, title=title, body=body, now=now, link=reverse("logistics-return", args=[return_request.pk]),
        params={"number": return_request.number, "order": order.number, "quantity": return_request.resolved_quantity, "stock": stock,
                "sender": sender, "note": decision_note(note)},
    )


def reship_replacement(
    *, return_request: ReturnRequest, actor, now: datetime, reason: str, recipient_name: str = "", recipient_phone: str = "",
    address: str = "",
) -> ReturnRequest:
    """The exchange's replacement failed: the operator ships another of the same quantity from the order's location
    (reserved now, a new delivery line once delivered), to the failed parcel's recipient (`replacement_recipient`) or,
    where the operator gives one, a corrected name, phone or address (a blank one stays as it was), as a re-delivery
    of an order does. The failed unit comes back into stock first, unless the parcel was lost, so it can be the one
    shipped again. The member is texted now, and the tracking number when it ships; the return's history keeps who,
    when and why, and names the recipient's fields corrected.

    :raises PermissionDenied: for anyone but an operator
    :raises ValidationFailed: without a reason, or listing each corrected field that is not valid (as when placing an order)
    :raises InvalidTransition: unless the return is exchanged and its latest replacement failed
    :raises OutOfStock: when the location has no unit to ship (nothing is changed)
    """
    reason = _decision_reason(actor, return_request, "reship_replacement", reason)
    given = {"recipient_name": recipient_name, "recipient_phone": recipient_phone, "address": address}
    with transaction.atomic():
        order, locked, failed = _lock_failed_exchange(return_request, "reship_replacement")
        current = replacement_recipient(failed)
        asked = {field: (value or "").strip() for field, value in given.items()}
        # checked as when placing an order once a field is corrected; none corrected, the failed parcel's goes again as it was
        recipient = orders.check_recipient(**{field: asked[field] or current[field] for field in given}) if any(asked.values()) else current
        corrected = [field for field, value in recipient.items() if value != current[field]]
        apply_transition(locked, "reship_replacement", actor=actor, at=now, reason=orders.with_correction(reason, corrected))
        _take_back(failed, order, actor=actor, now=now)
        try:
            _reserve_replacement(locked, order, actor=actor, now=now)
        except OutOfStock as short:
            message = gettext("%(location)s 的库存不足 %(quantity)s 件，无法重新发出换货；可改为退积分")
            raise OutOfStock(
                message % {"location": order.location.name, "quantity": locked.resolved_quantity}, field="quantity", **short.data
            ) from short
        replacement = _replacement_parcel(locked, order, actor=actor, now=now, recipient=recipient)
        _tell_member_about_replacement(locked, "replacement_reshipping", now=now)
        _tell_supplier_about_replacement(locked, order, failed, "replacement_reshipped", now=now, note=reason, replacement=replacement)
        mark_supplier_told([replacement.pk], now=now)  # the notice just sent asks a dropship supplier to ship it
    return_request.refresh_from_db()  # and forget the replacements read before this one
    return return_request


def refund_instead(*, return_request: ReturnRequest, actor, now: datetime, reason: str) -> ReturnRequest:
    """The exchange's replacement failed: the operator refunds the points of the returned quantity instead, as a refund
    of the return would (the ledger keys it by the return, so it is posted once), and the return ends refunded. The
    failed unit comes back into stock unless the parcel was lost. The original delivery stays netted off as the
    exchange stored it and the replacement, never delivered, is no delivery line. The member is texted; the return's
    history keeps who, when and why.

    :raises PermissionDenied: for anyone but an operator :raises ValidationFailed: without a reason
    :raises InvalidTransition: unless the return is exchanged and its latest replacement failed
    """
    reason = _decision_reason(actor, return_request, "refund_instead", reason)
    with transaction.atomic():
        order, locked, failed = _lock_failed_exchange(return_request, "refund_instead")
        entry = _refund_points(locked, order, actor=actor, now=now)  # points before stock: one lock order
        apply_transition(locked, "refund_instead", actor=actor, at=now, reason=reason, refund_entry=entry)
        _count_returned(locked, order, entry, actor=actor, now=now)
        _take_back(failed, order, actor=actor, now=now)
        _tell_member_about_replacement(locked, "replacement_refunded", now=now, points=entry.points)
        _tell_supplier_about_replacement(locked, order, failed, "replacement_refunded", now=now, note=reason)
    return_request.refresh_from_db()
    return return_request


def _send_back(return_request: ReturnRequest, order: RedemptionOrder, *, actor, now: datetime) -> None:
    """Used goods are refused and sent back to the member as a new parcel from where they were received (the warehouse,
    or the dropship supplier), shipped with carrier and tracking number like any other; the operator bears the freight."""
    apply_transition(return_request, "refuse", actor=actor, at=now, reason=gettext_noop("已使用，退回会员"), closed_at=now)
    _parcel_back(return_request, order, actor=actor, now=now)


def _parcel_back(return_request: ReturnRequest, order: RedemptionOrder, *, actor, now: datetime) -> Shipment:
    """The parcel taking refused goods back to the member; a dropship supplier not making it itself is told to send it
    (`tell_supplier_of_parcel`)."""
    parcel = _new_shipment(order=order, now=now, actor=actor, quantity=return_request.resolved_quantity, send_back_for=return_request,
                           reason=Message(gettext_noop("退换货 %(number)s 的货品退回会员"), number=return_request.number))
    tell_supplier_of_parcel(
        parcel, kind="dropship_send_back", title=gettext_noop("退换货 %(number)s 的货品待寄回会员"),
        body=gettext_noop("订单 %(order)s 的退换货 %(number)s 检验为已使用，不予退换：请于 %(ship_by)s 前将收到的 %(quantity)s 件寄回会员。"),
        actor=actor, now=now, number=return_request.number,
    )
    return parcel


def may_send_back_again(return_request: ReturnRequest) -> bool:
    """Refused goods may be sent back again once the last parcel taking them back to the member failed (and only then:
    at most one parcel back is on its way at a time: `ReturnRequest.send_back_failed`)."""
    return return_request.send_back_failed()


def send_back_again(*, return_request: ReturnRequest, actor, now: datetime, reason: str) -> ReturnRequest:
    """The parcel taking refused goods back to the member failed: whoever shipped it (logistics staff for a warehouse
    return, the supplier for a dropship one) makes a new parcel back, shipped like the first (the member is texted its
    tracking number when it ships); the return's history keeps who, when and why.

    :raises ValidationFailed: without a reason :raises PermissionDenied: for anyone else
    :raises InvalidTransition: unless the return is refused and its last parcel back failed
    """
    require_may_act(actor, return_request, "send_back_again")
    reason = required_text(reason, message=gettext("请说明重新寄回的原因"))
    with transaction.atomic():
        locked = ReturnRequest.objects.select_for_update(of=("self",)).get(pk=return_request.pk)
        if not may_send_back_again(locked):
            raise InvalidTransition(
                gettext("只有退回会员的包裹配送失败后才能重新寄回"), state=locked.state, transition="send_back_again"
            )
        apply_transition(locked, "send_back_again", actor=actor, at=now, reason=reason)
        _parcel_back(locked, return_request.order, actor=actor, now=now)
    return_request.refresh_from_db()  # and forget the parcels back read before this one
    return return_request


def return_history(return_request: ReturnRequest) -> list:
    """The return's transitions and those of its parcels (an exchange's replacements, refused goods sent back to the
    member), oldest first."""
    parcels = [*return_request.replacement_shipments.all(), *return_request.send_back_shipments.all()]
    return sorted([*history_of(return_request), *histories_of(parcels)], key=lambda log: (log.at, log.pk))


def _tell_member(return_request: ReturnRequest, now: datetime) -> None:
    member = return_request.order.member
    with translation.override(settings.LANGUAGE_CODE):
        state = str(State(return_request.state).label)
    notify(
        kind="return_updated", member=member, at=now, subject=return_request,
        context={"return_number": return_request.number, "state": state},
    )


def hold_orders_with_open_returns(due: QuerySet) -> QuerySet:
    """Completion guard: an order with an open return, refused goods still on their way back to the member (whose
    address the sender needs), or an exchange whose replacement is on its way or failed (the operator may still refund
    the points, returning the order) does not complete."""
    sending_back = Shipment.objects.filter(order=OuterRef("pk"), send_back_for__isnull=False, state__in=UNDERWAY)
    exchanging = with_last_parcels(ReturnRequest.objects.filter(order=OuterRef("pk"), state=State.EXCHANGED)).filter(
        last_replacement_for__in=[*UNDERWAY, Shipment.State.FAILED]
    )
    return due.exclude(returns__state__in=OPEN_STATES).exclude(Exists(sending_back)).exclude(Exists(exchanging))


if hold_orders_with_open_returns not in orders.completion_guards:
    orders.completion_guards.append(hold_orders_with_open_returns)


def list_evidence(*, user) -> QuerySet:
    """The evidence files of the returns the user may see (`list_returns`), and no other."""
    return ReturnEvidence.objects.filter(return_request__in=ReturnRequest.objects.visible_to(user))


def list_returns(*, user) -> QuerySet:
    """The returns the user may see (members their own, suppliers theirs, staff all), with what their lists show."""
    return (
        ReturnRequest.objects.visible_to(user)
        .select_related("order__gift", "supplier", "refund_entry", "split_from")
        .prefetch_related("replacement_shipments", "send_back_shipments", "evidence",
                          Prefetch("split_parts", queryset=ReturnRequest.objects.order_by("pk")))  # split off in this order
    )
