"""Splitting a received return whose units differ (SPEC §4.7), so that each part is inspected on its own.

Three units received, two unused and one damaged in transit: before inspecting, the inspector (logistics staff for a
warehouse return, an operator for a dropship one, as `returns.WHO` says) splits the damaged unit off into a new return
of the same order, already received on the same day, linked to the first (`split_from`) and carrying its evidence.
Each part is then inspected with the outcomes of `returns.inspect_return` and resolves for its own units: its refund,
stock, statement line, claim, defect count and notices, as any return's. The parts' received units add up to what
arrived; the parcel they came in bears its return freight once, by the payer its parts decide (`returns.parcel_freight_payer`).
"""
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from core.errors import Problems, ValidationFailed
from core.notifications import notify
from core.fsm import apply_transition, log_creation, require_transition
from core.numbers import create_numbered
from core.texts import Message
from core.validators import required_text
from logistics.models import ReturnEvidence, ReturnRequest
from logistics.services.returns import most_split_off, require_may_act
from points.models import RedemptionOrder


def split_return(*, return_request: ReturnRequest, actor, now: datetime, quantity: int, reason: str) -> ReturnRequest:
    """Split `quantity` of the units received off into a new return (received, not yet inspected), all or nothing: the
    new return names and holds that many units, the same reason, remedy and request, the receipt's date and the
    evidence so far; this one that many fewer. Both histories keep who, when and why, each naming the other.

    :raises PermissionDenied: for anyone but the return's inspector
    :raises InvalidTransition: unless received and not yet inspected, whatever the input
    :raises ValidationFailed: naming at once `quantity` outside 1 … `returns.most_split_off` and `reason` when blank
    """
    require_may_act(actor, return_request, "split")
    with transaction.atomic():
        # the order first, then the return, as inspection locks them: a split never meets an inspection half done
        RedemptionOrder.objects.select_for_update(of=("self",)).only("pk").get(pk=return_request.order_id)
        locked = ReturnRequest.objects.select_for_update(of=("self",)).get(pk=return_request.pk)
        require_transition(locked, "split")
        problems = Problems()  # both fields in error named at once
        with problems.check():
            if problem := _quantity_problem(quantity, most=most_split_off(locked)):
                raise ValidationFailed(problem, field="quantity")
        with problems.check():
            reason = required_text(reason, message=gettext("请说明拆分的原因"))
        problems.refuse()
        part = create_numbered(
            ReturnRequest, prefix="RR", now=now, order_id=locked.order_id, supplier_id=locked.supplier_id, quantity=quantity,
            received_quantity=quantity, reason=locked.reason, remedy=locked.remedy, description=locked.description,
            requested_at=locked.requested_at, received_at=locked.received_at, state=ReturnRequest.State.RECEIVED,
            split_from=locked,
        )
        apply_transition(locked, "split", actor=actor, at=now, quantity=quantity, reason=Message(
            gettext_noop("拆出 %(quantity)s 件至 %(number)s：%(note)s"), quantity=quantity, number=part.number, note=reason))
        log_creation(part, "split_off", actor=actor, at=now, reason=Message(
            gettext_noop("拆自 %(number)s 的 %(quantity)s 件：%(note)s"), number=locked.number, quantity=quantity, note=reason))
        ReturnEvidence.objects.bulk_create([
            ReturnEvidence(return_request=part, stage=evidence.stage, file=evidence.file.name, content_type=evidence.content_type,
                           uploaded_by_id=evidence.uploaded_by_id, uploaded_at=evidence.uploaded_at)
            for evidence in locked.evidence.all()
        ])
        notify(kind="return_split", member=locked.order.member, at=now, subject=locked, context={
            "return_number": locked.number, "received": locked.resolved_quantity + quantity, "quantity": quantity, "part_number": part.number})
    return_request.refresh_from_db()
    return return_request


def _quantity_problem(quantity, *, most: int) -> str:
    """Why `quantity` units may not be split off a return of which `most` may be (`returns.most_split_off`), or ''."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= most:
        if most < 1:
            return gettext("只收到 1 件，无法拆分")
        return gettext("拆分数量须为 1–%(most)s 的整数（实收 %(received)s 件，原退换货至少保留 1 件）") % {
            "most": most, "received": most + 1}
    return ""
