"""Re-evaluation (复评, 合作调整原则, SPEC §4.10): due before each contract ends and at least yearly; the recent scores
propose a decision, an operator decides, and the decision drives the supplier FSM.

Scheduling (daily, idempotent through the unique supplier + due date):
* for every approved contract in force of an active or suspended supplier, one due `CONTRACT_LEAD_DAYS` (30) before
  its end date, created once that date is within `HORIZON_DAYS` (60) — so it appears about three months ahead;
* for a supplier cooperating for over 12 months (approved longer ago) with no re-evaluation decided in the last 12
  months and none waiting, one due in 30 days.
Waiting re-evaluations get their proposal refreshed on each run (monthly scores arrive on the 20th).

The proposal: the average of the supplier's last (up to) six scored assessments, rounded half up to the hundredth as
the scores are and judged as so shown (79.995 shows 80.00 and proposes renewal, as a KPI is judged as shown) — ≥ 80
renew, ≥ 60 rectify, otherwise suspend; the two latest scores both under the threshold (60) propose suspend whatever
the average; a supplier with no scored assessment yet gets no proposal (`proposed` empty: no data to propose from, the
operator judges alone).

The decisions: renew keeps an active supplier as it is and reactivates a suspended one (`Supplier.reactivate`, its
history naming the operator and the decision; its gifts stay offline for relisting through review), the new
contract being recorded and reviewed as paperwork; rectify opens a rectification case with a 30-day deadline;
suspend and terminate suspend or terminate the supplier with their side effects (termination retires every gift;
remaining warehouse stock becomes leftover lots).
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Case, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import ValidationFailed
from core.fsm import apply_transition, log_creation
from core.jobs import run_each
from core.models import TransitionLog
from core.roles import OPERATORS, require_role, waiting_for
from core.texts import Message
from core.validators import required_text
from settlement.models import Assessment, RectificationCase, ReEvaluation
from settlement.services.cases import OPERATORS_ONLY, default_deadline, open_case
from settlement.services.kpis import HUNDREDTH
from settlement.errors import SupplierTerminated
from suppliers.models import Contract, Supplier
from suppliers.services import onboarding
from suppliers.services.locks import locked_supplier
from suppliers.services.notices import decision_note, send_notice

CONTRACT_LEAD_DAYS = 30
HORIZON_DAYS = 60
YEARLY_DUE_IN_DAYS = 30
RECENT_SCORES = 6
#: why a re-evaluation was made, the first entry of its history
CONTRACT_ENDS = gettext_noop("合同 %(number)s 将于 %(end_date)s 到期")
YEARLY = gettext_noop("每年至少复评一次")
RENEW_AT = Decimal("80")
RECTIFY_AT = Decimal("60")
Decision = ReEvaluation.Decision


@dataclass(frozen=True)
class Proposal:
    decision: str  # "" without a scored assessment: nothing to propose from
    average_score: Decimal | None


def _threshold() -> Decimal:
    return Decimal(str(getattr(settings, "ASSESSMENT_SUSPENSION_THRESHOLD", 60)))


def propose(*, supplier: Supplier) -> Proposal:
    """What the supplier's recent scores propose (see the module docstring for the rule)."""
    scores = list(
        Assessment.objects.filter(supplier=supplier, score__isnull=False).order_by("-month").values_list("score", flat=True)[
            :RECENT_SCORES
        ]
    )
    if not scores:
        return Proposal("", None)
    average = (sum(scores) / len(scores)).quantize(HUNDREDTH, ROUND_HALF_UP)  # judged as shown, as the scores are
    if len(scores) >= 2 and all(score < _threshold() for score in scores[:2]):
        decision = Decision.SUSPEND
    elif average >= RENEW_AT:
        decision = Decision.RENEW
    elif average >= RECTIFY_AT:
        decision = Decision.RECTIFY
    else:
        decision = Decision.SUSPEND
    return Proposal(decision, average)


def _create(*, supplier: Supplier, due_on: date, contract: Contract | None, now: datetime) -> ReEvaluation | None:
    if ReEvaluation.objects.filter(supplier=supplier, due_on=due_on).exists():
        return None
    proposal = propose(supplier=supplier)
    try:
        with transaction.atomic():
            re_evaluation = ReEvaluation.objects.create(
                supplier=supplier, contract=contract, due_on=due_on, created_at=now, proposed=proposal.decision,
                average_score=proposal.average_score,
            )
            why = Message(CONTRACT_ENDS, number=contract.number, end_date=f"{contract.end_date:%Y-%m-%d}") if contract else YEARLY
            log_creation(re_evaluation, "create", actor=None, at=now, reason=why)
            return re_evaluation
    except IntegrityError:  # a concurrent run created it first
        return None


def schedule_re_evaluations(*, now: datetime) -> list[ReEvaluation]:
    """Create the re-evaluations that are due (before contracts end, at least yearly) and refresh waiting proposals;
    running it again the same day creates nothing. Each contract, supplier and proposal in a transaction of its own:
    one that fails is logged and left for the next run (`run_each`)."""
    today = timezone.localdate(now)
    contracts = (
        Contract.objects.filter(state=Contract.State.APPROVED, supplier__state__in=Supplier.COOPERATING_STATES, end_date__gte=today,
                                end_date__lte=today + timedelta(days=HORIZON_DAYS + CONTRACT_LEAD_DAYS))
        .select_related("supplier").order_by("supplier_id", "end_date", "pk")
    )
    created = list(run_each(contracts, lambda contract: _create(
        supplier=contract.supplier, due_on=contract.end_date - timedelta(days=CONTRACT_LEAD_DAYS), contract=contract, now=now,
    ), job="settlement.schedule_re_evaluations.contract", now=now))
    year_ago = now - timedelta(days=365)
    started_this_year = TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Supplier), transition="approve", at__gte=year_ago,
    ).values("object_id")

    def yearly(supplier: Supplier) -> ReEvaluation | None:
        decided = ReEvaluation.objects.filter(supplier=supplier, state=ReEvaluation.State.DECIDED, decided_at__gte=year_ago)
        waiting = ReEvaluation.objects.filter(supplier=supplier, state=ReEvaluation.State.DUE)
        if decided.exists() or waiting.exists():
            return None
        return _create(supplier=supplier, due_on=today + timedelta(days=YEARLY_DUE_IN_DAYS), contract=None, now=now)

    suppliers = Supplier.objects.filter(state__in=Supplier.COOPERATING_STATES).exclude(pk__in=started_this_year).order_by("pk")
    created += run_each(suppliers, yearly, job="settlement.schedule_re_evaluations.yearly", now=now)
    waiting = ReEvaluation.objects.filter(state=ReEvaluation.State.DUE).select_related("supplier").order_by("pk")
    run_each(waiting, _refresh_proposal, job="settlement.schedule_re_evaluations.proposal", now=now)
    return created


def _refresh_proposal(re_evaluation: ReEvaluation) -> None:
    proposal = propose(supplier=re_evaluation.supplier)
    if (re_evaluation.proposed, re_evaluation.average_score) != (proposal.decision, proposal.average_score):
        ReEvaluation.objects.filter(pk=re_evaluation.pk, state=ReEvaluation.State.DUE).update(
            proposed=proposal.decision, average_score=proposal.average_score
        )


def decide_re_evaluation(
    *, re_evaluation: ReEvaluation, decision: str, actor, now: datetime, note: str = ""
) -> ReEvaluation:
    """Record the operator's decision and carry it out on the supplier, all or nothing.

    :raises PermissionDenied: unless an operator :raises ValidationFailed: an unknown decision, or no note for
        rectify, suspend or terminate :raises InvalidTransition: if already decided, or the supplier cannot be
        suspended or terminated from its state :raises ActivationBlocked: renewing a suspended supplier without an
        approved contract in force and a valid business licence
    """
    require_role(actor, OPERATORS, OPERATORS_ONLY)
    if decision not in Decision.values:
        raise ValidationFailed(gettext("未知的复评决定 %(decision)s") % {"decision": decision}, field="decision")
    note = (note or "").strip()
    if decision != Decision.RENEW:
        required_text(note, field="note", message=gettext("请填写决定说明"))
    try:
        _carry_out(re_evaluation, decision=decision, note=note, actor=actor, now=now)
    except Exception:
        re_evaluation.refresh_from_db()  # the decision was rolled back with the supplier's transition
        raise
    return re_evaluation


def _carry_out(re_evaluation: ReEvaluation, *, decision: str, note: str, actor, now: datetime) -> None:
    """Carry out the decision on the supplier as it is now, read under its row lock: the caller's object may be older
    than a suspension, reactivation or termination committed since."""
    with transaction.atomic():
        supplier = re_evaluation.supplier = locked_supplier(re_evaluation.supplier_id)
        if supplier.state == Supplier.State.TERMINATED:
            raise SupplierTerminated(gettext("该礼品商已终止合作，复评不再需要决定"), field="decision")
        apply_transition(re_evaluation, "decide", actor=actor, at=now, reason=note, decision=decision, decided_at=now,
                         decided_by=actor, note=note)
        if decision == Decision.RECTIFY:
            latest = Assessment.objects.filter(supplier=supplier).order_by("-month").first()
            open_case(supplier=supplier, kind=RectificationCase.Kind.RECTIFICATION, reason=note,
                      deadline=default_deadline(now=now), actor=actor, now=now, assessment=latest)
        elif decision == Decision.SUSPEND:
            onboarding.suspend_supplier(supplier=supplier, actor=actor, now=now, reason=Message(gettext_noop("复评：%(note)s"), note=note))
        elif decision == Decision.TERMINATE:
            onboarding.terminate_supplier(supplier=supplier, actor=actor, now=now, reason=Message(gettext_noop("复评：%(note)s"), note=note))
        else:  # renew: the supplier hears it here (the others through their own notices), a suspended one of its reactivation too
            if supplier.state == Supplier.State.SUSPENDED:
                reason = Message(gettext_noop("复评结论为续约合作：%(note)s"), note=note) if note else Message(gettext_noop("复评结论为续约合作"))
                onboarding.reactivate_supplier(supplier=supplier, actor=actor, now=now, reason=reason)
            send_notice(supplier=supplier, kind="re_evaluation_renewed", title=gettext_noop("复评结果：续约合作"),
                        body=gettext_noop("复评（截止 %(due_on)s）的结论为续约合作，请按合同流程提交新合同。%(note)s"),
                        params={"due_on": f"{re_evaluation.due_on:%Y-%m-%d}", "note": decision_note(note)}, now=now,
                        link=reverse("settlement-re-evaluation", args=[re_evaluation.pk]))


def list_re_evaluations(*, actor, now: datetime, state: str = "") -> QuerySet[ReEvaluation]:
    """The re-evaluations the actor sees (`actor=None`: all), overdue first (annotated `overdue`), then by due date."""
    re_evaluations = ReEvaluation.objects.all() if actor is None else ReEvaluation.objects.visible_to(actor)
    re_evaluations = re_evaluations.select_related("supplier", "contract", "decided_by").annotate(
        overdue=Case(When(state=ReEvaluation.State.DUE, due_on__lt=timezone.localdate(now), then=Value(True)), default=Value(False))
    )
    if state:
        re_evaluations = re_evaluations.filter(state=state)
    return re_evaluations.order_by("-overdue", "due_on", "id")


def overdue_re_evaluations(*, now: datetime, actor=None) -> QuerySet[ReEvaluation]:
    """Re-evaluations still undecided after their due day, earliest first."""
    return list_re_evaluations(actor=actor, now=now).filter(overdue=True)


@waiting_for(OPERATORS)
def re_evaluations_waiting(user) -> QuerySet:
    """Re-evaluations due for an operator's decision (a terminated supplier's need none)."""
    return ReEvaluation.objects.filter(state=ReEvaluation.State.DUE).exclude(supplier__state=Supplier.State.TERMINATED)
