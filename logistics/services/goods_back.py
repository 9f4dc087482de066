"""Defective units going back to their supplier (退回礼品商, SPEC §4.7: defective → refund "written off, returned to the
supplier"; defective → exchange "defective unit back to the supplier").

`awaiting → dispatched → received`, `dispatched → disputed → dispatched | received`. The inspection of a warehouse
return found defective makes the record, once (`owe_back`), whatever the member's remedy: the units are written off
at the warehouse and owed back. Logistics staff dispatch them, by a carrier under a tracking number or collected by
the supplier at the warehouse, and the supplier is told; the supplier's users confirm receipt, or object with a note
(units missing, not what was sent), after which logistics dispatches again or the supplier confirms after all. A
dropship return's goods are at the supplier already (its users recorded their receipt): nothing is owed back. The
return freight stays what the inspection recorded (`returns._charge_parcel_freight`): this records no cost.
"""
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from core.errors import PermissionDenied, Problems, ValidationFailed
from core.fsm import apply_transition, log_creation
from core.numbers import create_numbered
from core.roles import SUPPLIER_ROLES, Role, waiting_for
from core.texts import Message
from core.validators import required_text
from logistics.models import GoodsBack, ReturnRequest, Shipment
from logistics.services.shipments import tidy_waybill
from suppliers.services.notices import decision_note, send_notice

State, Method = GoodsBack.State, GoodsBack.Method
#: who takes each step: logistics staff send the units, the supplier's users say what came
WHO = {
    "send": frozenset({Role.LOGISTICS}),
    "send_again": frozenset({Role.LOGISTICS}),
    "receive": SUPPLIER_ROLES,
    "dispute": SUPPLIER_ROLES,
}
#: the step each state waits for, by whom (the navigation's badge)
NEXT_STEP = {State.AWAITING: "send", State.DISPATCHED: "receive", State.DISPUTED: "send_again"}


def owed_back(return_request: ReturnRequest) -> bool:
    """Whether an inspected return leaves units owed back to the supplier: a warehouse return found defective."""
    return return_request.outcome == ReturnRequest.Outcome.DEFECTIVE and return_request.order.fulfilment == Shipment.Kind.WAREHOUSE


def owe_back(*, return_request: ReturnRequest, actor, now: datetime) -> GoodsBack | None:
    """The record of the inspected return's units owed back to its supplier (None when nothing is: `owed_back`), made
    once: a second call finds the first (one per return, the unique key behind it). Its history begins with the
    inspector and the return's number."""
    if not owed_back(return_request):
        return None
    if existing := GoodsBack.objects.filter(return_request=return_request).first():
        return existing
    order = return_request.order
    try:
        goods = create_numbered(
            GoodsBack, prefix="GB", now=now, return_request=return_request, supplier_id=return_request.supplier_id, gift_id=order.gift_id,
            location_id=order.location_id, quantity=return_request.resolved_quantity, created_at=now,
        )
    except IntegrityError:  # made meanwhile for the same return
        return GoodsBack.objects.get(return_request=return_request)
    log_creation(goods, "create", actor=actor, at=now,
                 reason=Message(gettext_noop("退换货 %(number)s 检验为质量问题，待退回礼品商"), number=return_request.number))
    return goods


def require_may_act(actor, step: str) -> None:
    """:raises PermissionDenied: unless the actor's role takes `step` (logistics sends, the supplier receives)"""
    if actor is not None and not actor.is_superuser and actor.role not in WHO[step]:
        raise PermissionDenied(gettext("退回礼品商的货品由物流发出，由礼品商确认签收或提出异议"))


def _how(method: str, carrier: str, tracking_number: str) -> tuple[str, str, str]:
    """The method, carrier and tracking number as stored.

    :raises ValidationFailed: naming `method` unless carrier or collected; for a carrier, each of `carrier` and
        `tracking_number` missing or not valid (as a parcel's); for a collection, none is kept
    """
    if method not in Method.values:
        raise ValidationFailed(gettext("请选择退回方式：快递寄回或礼品商到仓自提"), field="method")
    if method == Method.COLLECTED:
        return method, "", ""
    carrier, tracking_number = tidy_waybill(carrier, tracking_number)
    return method, carrier, tracking_number


def _dispatch(goods: GoodsBack, step: str, *, actor, now: datetime, method: str, carrier: str, tracking_number: str,
              reason: str) -> GoodsBack:
    require_may_act(actor, step)
    problems = Problems()  # how it went and why (again) named together
    with problems.check():
        method, carrier, tracking_number = _how(method, carrier, tracking_number)
    if step == "send_again":
        with problems.check():
            reason = required_text(reason, message=gettext("请说明重新发出的原因（如补发缺少的件数）"))
    problems.refuse()
    with transaction.atomic():
        locked = GoodsBack.objects.select_for_update(of=("self",)).select_related("supplier", "return_request", "gift").get(pk=goods.pk)
        said = reason.strip() or (f"{carrier} {tracking_number}" if method == Method.CARRIER else "")
        apply_transition(locked, step, actor=actor, at=now, reason=said, how=method, carrier=carrier,
                         tracking_number=tracking_number, dispatched_at=now)
        _tell_supplier(locked, now=now, note=reason)
    return locked


def dispatch_goods_back(*, goods: GoodsBack, actor, now: datetime, method: str, carrier: str = "", tracking_number: str = "",
                        reason: str = "") -> GoodsBack:
    """Logistics staff send the units back: by `carrier` under `tracking_number`, or collected by the supplier at the
    warehouse (`method`); the supplier is told (inbox, and SMS as its setting allows) to confirm receipt.

    :raises PermissionDenied: for anyone but logistics staff :raises InvalidTransition: unless awaiting dispatch
    :raises ValidationFailed: naming `method`, `carrier`, `tracking_number`
    """
    return _dispatch(goods, "send", actor=actor, now=now, method=method, carrier=carrier, tracking_number=tracking_number, reason=reason)


def dispatch_goods_back_again(*, goods: GoodsBack, actor, now: datetime, method: str, reason: str, carrier: str = "",
                              tracking_number: str = "") -> GoodsBack:
    """The supplier objected: logistics staff send the units (or those missing) again, saying why; the supplier is told.

    :raises PermissionDenied: for anyone but logistics staff :raises InvalidTransition: unless disputed
    :raises ValidationFailed: naming `method`, `carrier`, `tracking_number` and a missing `reason` together
    """
    return _dispatch(goods, "send_again", actor=actor, now=now, method=method, carrier=carrier, tracking_number=tracking_number,
                     reason=reason)


def _tell_supplier(goods: GoodsBack, *, now: datetime, note: str) -> None:
    how = (Message(gettext_noop("已交 %(carrier)s 寄回，运单号 %(tracking_number)s"), carrier=goods.carrier, tracking_number=goods.tracking_number)
           if goods.method == Method.CARRIER else Message(gettext_noop("已由贵司到仓自提")))
    send_notice(
        supplier=goods.supplier, kind="goods_back_dispatched", title=gettext_noop("质量问题退货 %(number)s 已退回礼品商"),
        body=gettext_noop("退换货 %(return_number)s 检验为质量问题的 %(quantity)s 件（%(gift)s）%(how)s，请收到后在「退回货品」中确认签收；"
                          "如有出入请提出异议。%(note)s"),
        params={"number": goods.number, "return_number": goods.return_request.number, "quantity": goods.quantity, "gift": goods.gift.name,
                "how": how, "note": decision_note(note)},
        now=now, link=reverse("logistics-goods-back-item", args=[goods.pk]),
    )


def receive_goods_back(*, goods: GoodsBack, actor, now: datetime, reason: str = "") -> GoodsBack:
    """The supplier's users confirm the units came back (after an objection too: what was missing turned up).

    :raises PermissionDenied: for anyone but the supplier's users :raises InvalidTransition: unless dispatched or disputed
    """
    require_may_act(actor, "receive")
    with transaction.atomic():
        locked = GoodsBack.objects.select_for_update(of=("self",)).get(pk=goods.pk)
        apply_transition(locked, "receive", actor=actor, at=now, reason=(reason or "").strip(), received_at=now)
    return locked


def dispute_goods_back(*, goods: GoodsBack, actor, now: datetime, reason: str) -> GoodsBack:
    """The supplier's users say what came back is not what is owed (missing units, another gift, nothing arrived), in a
    note kept in the history; logistics then dispatches again.

    :raises PermissionDenied: for anyone but the supplier's users :raises ValidationFailed: without a note
    :raises InvalidTransition: unless dispatched
    """
    require_may_act(actor, "dispute")
    reason = required_text(reason, message=gettext("请说明异议（如缺少件数、未收到货品）"))
    with transaction.atomic():
        locked = GoodsBack.objects.select_for_update(of=("self",)).get(pk=goods.pk)
        apply_transition(locked, "dispute", actor=actor, at=now, reason=reason)
    return locked


def may_take(user, goods: GoodsBack, step: str) -> bool:
    """Whether the user's role takes `step` (its state is the state machine's)."""
    return user.is_superuser or user.role in WHO[step]


@waiting_for({Role.LOGISTICS, *SUPPLIER_ROLES})
def goods_back_waiting(user) -> QuerySet:
    """The records waiting for the user's role: to dispatch (again) for logistics staff, to confirm for the supplier."""
    states = [state for state, step in NEXT_STEP.items() if user.is_superuser or user.role in WHO[step]]
    return GoodsBack.objects.visible_to(user).filter(state__in=states)
