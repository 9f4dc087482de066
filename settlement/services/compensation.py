"""Compensating a supplier for consignment the logistics provider lost (SPEC §4.3, §4.6, §4.11).

Warehouse stock stays the supplier's until it is delivered, and the operator pays for a unit only on delivery: a
parcel lost in transit is never delivered, so it would never be paid. When finance accepts the lost-parcel claim on
the logistics provider (the provider owes the settlement price × quantity), settlement proposes a compensation
adjustment for the units lost at their settlement price (whatever figure the provider and finance agree on the claim:
the shortfall is the operator's), made by the finance user who accepted the claim; another finance user approves it
(maker-checker) and the next statement books it.
"""
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.errors import ValidationFailed
from core.events import actor_of, subscribe
from core.roles import Role, has_role, require_role
from core.texts import Message
from logistics.events import LostParcelClaimAccepted, LostParcelReportWithdrawn
from logistics.models import LogisticsClaim
from logistics.services import claims
from settlement.models import Adjustment
from settlement.services import adjustments
from settlement.services.adjustments import list_adjustments, propose_adjustment
from settlement.sources import pages_by_pk, register_source
from settlement.errors import CompensationNotAllowed, CompensationStands
from suppliers.services.locks import lock_suppliers

SOURCE_KIND = "claim"
FINANCE = frozenset({Role.FINANCE})


def claim_reference(claim: LogisticsClaim) -> str:
    return f"#{claim.pk}"


def _find_claim(supplier_id: int, reference: str) -> LogisticsClaim | None:
    pk = reference.removeprefix("#").strip()
    return LogisticsClaim.objects.filter(order__supplier_id=supplier_id, pk=pk).first() if pk.isdigit() else None


#: the states of a lost-parcel claim a compensation may name: the provider may owe on it (not rejected, nor withdrawn
#: because the parcel was delivered after all and the supplier is paid for the delivery)
COMPENSABLE_STATES = (LogisticsClaim.State.OPEN, LogisticsClaim.State.ACCEPTED, LogisticsClaim.State.SETTLED)


def _compensable(adjustment_kind: str, claim: LogisticsClaim, amount: Decimal) -> None:
    """:raises ValidationFailed: naming `source_id` for a compensation of a claim the provider owes nothing on
    :raises CompensationNotAllowed: a second reversal of a compensation (`_reverses`) one proposed or approved answers
    already, whether the system, finance proposing it again or finance by hand proposed either (under the supplier's
    lock, which the caller holds)"""
    if adjustment_kind == Adjustment.Kind.COMPENSATION and claim.state not in COMPENSABLE_STATES:
        message = gettext("物流索赔 %(claim)s 当前为「%(state)s」，不能为其补偿；只有待处理、已确认或已结清的索赔可以补偿") % {
            "claim": claim_reference(claim), "state": claim.get_state_display()}
        raise ValidationFailed(message, field="source_id")
    if adjustment_kind == Adjustment.Kind.OTHER and amount < 0:
        reversed_ = _reversals(claim).filter(amount=amount, state__in=STANDING).order_by("pk").first()
        if reversed_ is not None and _compensations(claim).filter(amount=-amount, state__in=STANDING).exists():
            message = gettext("该索赔的补偿调账已有冲销调账 %(number)s（%(state)s），不能重复冲销") % {
                "number": reversed_.number, "state": reversed_.get_state_display()}
            raise CompensationNotAllowed(message, field="source_id")


register_source(SOURCE_KIND, _("物流索赔"), _find_claim, shown=claim_reference,
                pages=pages_by_pk("logistics-claim", "logistics.LogisticsClaim"), adjustable=_compensable)


@subscribe(LostParcelClaimAccepted)
def propose_lost_parcel_compensation(event: LostParcelClaimAccepted) -> Adjustment | None:
    """Propose the supplier's compensation for the accepted lost parcel, unless one for the claim stands already (finance
    proposed it by hand before accepting): the claim is accepted either way, and compensated once."""
    claim = LogisticsClaim.objects.select_related("order__supplier").get(pk=event.claim_id)
    with transaction.atomic():
        lock_suppliers([claim.order.supplier_id])  # first, as whoever books the supplier's money locks it
        if _standing(claim).exists():
            return None
        return _propose(claim, actor=actor_of(event), now=event.at)  # none: not finance


def _propose(claim: LogisticsClaim, *, actor, now: datetime) -> Adjustment:
    reason = Message(gettext_noop("包裹丢失补偿：订单 %(order)s 的 %(quantity)s 件寄售货品在途丢失，物流商已确认赔付"),
                     order=claim.order.number, quantity=claim.quantity)
    return propose_adjustment(
        supplier=claim.order.supplier, kind=Adjustment.Kind.COMPENSATION, amount=claims.settlement_value(claim.order, claim.quantity), reason=reason, actor=actor,
        now=now, source_kind=SOURCE_KIND, source_id=claim_reference(claim),
    )


#: the states of a compensation that stand: proposed (waiting for its checker) or approved, unless a reversal answers it
STANDING = (Adjustment.State.PROPOSED, Adjustment.State.APPROVED)
#: the states of a lost-parcel claim the provider owes on, whose supplier is compensated (not open, rejected or withdrawn)
COMPENSATED_STATES = (LogisticsClaim.State.ACCEPTED, LogisticsClaim.State.SETTLED)
#: why an approved compensation is reversed: the reason its reversal keeps (`answer_standing_compensation`)
REVERSAL_REASON = gettext_noop("冲销补偿调账 %(number)s：订单 %(order)s 的丢失报告已撤回，包裹已签收，按送达结算")


@subscribe(LostParcelReportWithdrawn)
def answer_standing_compensation(event: LostParcelReportWithdrawn) -> Adjustment | None:
    """A parcel whose loss report is withdrawn was delivered: its supplier is paid for the delivery, never compensated
    too. A compensation finance proposed by hand for the open claim stands in the way until it is withdrawn or rejected;
    an approved one (booked or not) is answered in the withdrawal's transaction by its reversal, proposed for finance's
    checker (`adjustments.propose_reversal`). The withdrawal holds the supplier's lock, taken first as whoever books
    the supplier's money does.
    :raises CompensationStands: naming a proposed compensation"""
    claim = LogisticsClaim.objects.select_related("order").get(pk=event.claim_id)
    found = _standing(claim).select_related("supplier", "created_by").order_by("pk").first()
    if found is None:
        return None
    if found.state == Adjustment.State.PROPOSED:
        message = gettext("该索赔已有补偿调账 %(number)s（%(state)s），请财务先撤回或驳回该调账，再撤回丢失报告") % {
            "number": found.number, "state": found.get_state_display()}
        raise CompensationStands(message, field="claim")
    return _propose_reversal(found, claim, actor=None, now=event.at)


def _propose_reversal(found: Adjustment, claim: LogisticsClaim, *, actor, now: datetime) -> Adjustment:
    reason = Message(REVERSAL_REASON, number=found.number, order=claim.order.number)
    return adjustments.propose_reversal(adjustment=found, reason=reason, now=now, actor=actor)


class StandingCompensation(NamedTuple):
    """A compensation still counted for a parcel that was delivered after all: its reversal rejected (or withdrawn)."""

    claim: LogisticsClaim
    compensation: Adjustment
    reversal: Adjustment | None  # the last reversal proposed, rejected or withdrawn


def unreversed_compensation(claim: LogisticsClaim) -> Adjustment | None:
    """The approved compensation of a lost parcel whose loss report was withdrawn (the supplier is paid for the
    delivery) that no reversal proposed or approved answers: its reversal was rejected or withdrawn, so the supplier
    would be paid twice until a reversal is approved."""
    if claim.cause != LogisticsClaim.Cause.LOST_PARCEL or claim.state != LogisticsClaim.State.WITHDRAWN:
        return None
    return _standing(claim).filter(state=Adjustment.State.APPROVED).order_by("pk").first()


def _reversals(claim: LogisticsClaim):
    """The adjustments of the claim that may reverse its compensation, in any state: of the kind `other`, negative. A
    reversal is known by what it books (the compensation's amount negated, for the same supplier and claim), not by its
    reason: finance may propose one by hand."""
    return Adjustment.objects.filter(kind=Adjustment.Kind.OTHER, source_kind=SOURCE_KIND, source_id=claim_reference(claim),
                                     supplier_id=claim.order.supplier_id, amount__lt=0)


def _compensations(claim: LogisticsClaim):
    return Adjustment.objects.filter(kind=Adjustment.Kind.COMPENSATION, source_kind=SOURCE_KIND, source_id=claim_reference(claim),
                                     supplier_id=claim.order.supplier_id)


def standing_compensation(*, claim: LogisticsClaim | None = None, adjustment: Adjustment | None = None) -> StandingCompensation | None:
    """What a claim's page, or the page of its compensation or of a reversal of it, says when the compensation stands
    though the parcel was delivered (`unreversed_compensation`): the compensation and the reversal last refused; None
    otherwise. Given an adjustment, its claim is the one it names."""
    if claim is None:
        if adjustment is None or adjustment.source_kind != SOURCE_KIND:
            return None
        claim = _find_claim(adjustment.supplier_id, adjustment.source_id)
        if claim is None:
            return None
    found = unreversed_compensation(claim)
    if found is None:
        return None
    reversal = _reversals(claim).filter(amount=-found.amount).order_by("-pk").first()
    if adjustment is not None and adjustment.pk not in (found.pk, getattr(reversal, "pk", None)):
        return None
    return StandingCompensation(claim, found, reversal)


def may_propose_reversal_again(claim: LogisticsClaim, actor=None) -> bool:
    """Whether a delivered lost parcel's compensation stands unreversed (`unreversed_compensation`) and, given an
    `actor`, whether that user is finance, who proposes its reversal again."""
    if actor is not None and not has_role(actor, FINANCE):
        return False
    return unreversed_compensation(claim) is not None


def propose_reversal_again(*, claim: LogisticsClaim, actor, now: datetime) -> Adjustment:
    """Finance proposes again the reversal of a compensation whose parcel was delivered after all, its reversal rejected
    or withdrawn: the same reversal, made by `actor`, for another finance user to check (maker-checker as before).
    :raises PermissionDenied: not finance
    :raises CompensationNotAllowed: no compensation of the claim stands unreversed (none, or a reversal waits or was
    approved)"""
    require_role(actor, FINANCE)
    with transaction.atomic():
        lock_suppliers([claim.order.supplier_id])  # before the claim, as whoever books the supplier's money locks it first
        claim = LogisticsClaim.objects.select_for_update().select_related("order__supplier").get(pk=claim.pk)
        found = unreversed_compensation(claim)
        if found is None:
            raise CompensationNotAllowed(gettext("该索赔没有待冲销的补偿调账：丢失报告未撤回，或冲销调账仍待审批或已通过"), field="claim")
        return _propose_reversal(found, claim, actor=actor, now=now)


def may_propose_again(claim: LogisticsClaim, actor=None) -> bool:
    """Whether an accepted lost-parcel claim has no standing compensation (its proposal was rejected or withdrawn),
    and, given an `actor`, whether that user is finance, who proposes it."""
    if actor is not None and not has_role(actor, FINANCE):
        return False
    return (claim.cause == LogisticsClaim.Cause.LOST_PARCEL and claim.state in COMPENSATED_STATES
            and not _standing(claim).exists())


def _standing(claim: LogisticsClaim):
    """The claim's compensations proposed or approved that no reversal (`_reversals`) proposed or approved answers."""
    reversal = _reversals(claim).filter(amount=-OuterRef("amount"), state__in=STANDING)
    return _compensations(claim).filter(state__in=STANDING).exclude(Exists(reversal))


def propose_compensation_again(*, claim: LogisticsClaim, actor, now: datetime) -> Adjustment:
    """Finance proposes the supplier's compensation for a lost parcel again, after its proposal was rejected or
    withdrawn (maker-checker as before). :raises CompensationNotAllowed: unless `may_propose_again` :raises PermissionDenied: not finance"""
    with transaction.atomic():
        lock_suppliers([claim.order.supplier_id])  # before the claim, as whoever books the supplier's money locks it first
        claim = LogisticsClaim.objects.select_for_update().select_related("order__supplier").get(pk=claim.pk)
        if not may_propose_again(claim):
            raise CompensationNotAllowed(gettext("该索赔不是已确认的包裹丢失索赔，或补偿调账仍待审批或已通过"), field="claim")
        return _propose(claim, actor=actor, now=now)


def compensations_of(*, claim: LogisticsClaim, actor):
    """The compensation adjustments a claim led to, as the actor may see them."""
    return list_adjustments(actor=actor).filter(source_kind=SOURCE_KIND, source_id=claim_reference(claim)).order_by("pk")
