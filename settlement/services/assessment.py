"""Monthly supplier assessment (考核, SPEC §4.10): computing a month's KPI results and score, and the penalty and
suspension proposals they make. What each KPI counts and the score formula are in settlement.services.kpis; the KPI
settings and penalty rules operators maintain are in settlement.services.assessment_rules.

Each active penalty rule the value breaches (higher is better: value < threshold; lower: value > threshold)
proposes one penalty (unique per assessment and rule); a score under ASSESSMENT_SUSPENSION_THRESHOLD in M and in
M−1 proposes one suspension, of which its supplier is told (`_tell_proposed`), and told again when an operator
dismisses it; acceptance suspends the supplier, whose suspension notice tells it. Recomputing a month replaces its
KPI results and score and never duplicates a proposal; once one of a supplier's proposals of the month is decided, that
supplier's results are kept (the decision rests on them) while the other suppliers are recomputed. Finance accepts a
penalty into an adjustment (maker-checker approval follows; a rejected adjustment reopens the proposal) or waives it,
which takes two finance users too (one asks, another confirms); operators decide suspensions.
"""
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.texts import Message
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import apply_transition, log_creation, require_transition
from core.roles import OPERATORS, Role, require_role, waiting_rows, waiting_for
from core.selectors import answering
from core.validators import id_or_none, required_text
from settlement.models import Adjustment, Assessment, Kpi, KpiResult, PenaltyProposal, PenaltyRule, SuspensionProposal
from settlement.services import adjustments
from settlement.services.assessment_rules import kpi_settings
from settlement.services.generation import chart_months, last_closed_month, month_start, next_month, previous_month
from settlement.services.kpis import COUNTERS, Window, attainment_of, breaches, kpi_figure, kpi_value, score_of
from settlement.sources import pages_by_pk, register_source
from suppliers.models import Supplier
from suppliers.services import onboarding
from suppliers.services.locks import lock_suppliers
from suppliers.services.notices import send_inbox_notices, send_notice

CHUNK = 200


def _find_assessment(supplier_id: int, reference: str):
    return Assessment.objects.filter(supplier_id=supplier_id, pk=pk).first() if (pk := id_or_none(reference)) else None


# kept as its id, however typed ("01", " 1"): one assessment is one source, adjusted once (`adjustments.adjusted_already`)
register_source("assessment", _("月度考核"), _find_assessment, shown=lambda assessment: str(assessment.pk),
                pages=pages_by_pk("settlement-assessment", "settlement.Assessment"))


def suspension_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "ASSESSMENT_SUSPENSION_THRESHOLD", 60)))


# --- computing a month ----------------------------------------------------------------------------------------

ASSESSMENT_DAY = 20  # month M is assessed on the 20th of M+1, when the windows of its events have closed


def assessable_from(month: date) -> datetime:
    """00:00 (Asia/Shanghai) on the 20th of the month after `month`: the first moment `month` may be assessed."""
    return month_start(next_month(month)) + timedelta(days=ASSESSMENT_DAY - 1)


def last_assessable_month(now: datetime) -> date:
    """The latest month that may be assessed at `now` (the one beat assesses on the 20th)."""
    month = last_closed_month(now)
    return month if now >= assessable_from(month) else previous_month(month)


@dataclass(frozen=True)
class MonthAssessed:
    """What computing a month did: the assessments it (re)computed, by supplier id, and the suppliers whose results it
    kept as they were because one of their proposals of the month is decided, by name."""

    assessed: list[Assessment]
    kept: list[Supplier]


def compute_month(
    *, month: date, now: datetime, supplier_ids: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MonthAssessed:
    """Assess every supplier with activity in `month` (or those of `supplier_ids`), idempotently.

    Recomputing replaces the KPI results and score of the same assessment and never duplicates a proposal: an
    undecided penalty proposal takes the new value, and is withdrawn when its rule is no longer breached (proposed
    again should a later recomputation breach it once more). A supplier one of whose penalty or suspension proposals of
    the month is decided is left out and reported as kept (`decided_suppliers`), so running the month again (the beat
    delivered twice, the demo seeded again) changes nothing for it. Each chunk locks its suppliers (`lock_suppliers`)
    and asks again which are decided, as deciding a proposal locks its supplier first: a decision made while the month
    is computed either waits for the chunk and decides on its new results, or is seen and its supplier kept.
    `progress(done, total)` is called after each chunk.
    :raises ValidationFailed: before the 20th of the next month, when the month's windows have not all closed
    """
    window = Window.of(month)
    if now < assessable_from(window.month):
        message = _("%(month)s 的考核窗口于 %(day)s 关闭，届时方可考核")
        raise ValidationFailed(message % {"month": window.month.strftime("%Y-%m"), "day": f"{assessable_from(window.month):%Y-%m-%d}"},
                               field="month")
    wanted = None if supplier_ids is None else set(supplier_ids)
    kept = list(decided_suppliers(window.month, supplier_ids=wanted).order_by("name", "pk"))
    counts = {kpi: counter(window) for kpi, counter in COUNTERS.items()}
    active = {sid for by_supplier in counts.values() for sid, (_num, den) in by_supplier.items() if den}
    active |= set(Assessment.objects.filter(month=window.month).values_list("supplier_id", flat=True))
    ids = sorted((active if wanted is None else active & wanted) - {supplier.pk for supplier in kept})
    config = kpi_settings()
    rules = list(PenaltyRule.objects.filter(active=True).order_by("pk"))
    done: list[Assessment] = []
    decided_meanwhile: list[int] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        assessed, decided = _assess_chunk(chunk, window=window, counts=counts, config=config, rules=rules, now=now)
        done += assessed
        decided_meanwhile += decided
        if progress is not None:
            progress(min(start + CHUNK, len(ids)), len(ids))
    if progress is not None and not ids:
        progress(0, 0)
    if decided_meanwhile:
        kept = list(Supplier.objects.filter(pk__in=[supplier.pk for supplier in kept] + decided_meanwhile).order_by("name", "pk"))
    return MonthAssessed(assessed=done, kept=kept)


def decided_suppliers(month: date, *, supplier_ids: set[int] | None = None):
    """The suppliers (of `supplier_ids`) whose results of `month` are kept: one of their penalty or suspension proposals
    of it is decided (accepted, being dismissed or dismissed; a penalty reopened by a rejected adjustment waits again),
    and the decision rests on those results."""
    penalties = PenaltyProposal.objects.filter(assessment__month=month).exclude(open_penalties()).exclude(
        state=PenaltyProposal.State.WITHDRAWN)
    suspensions = SuspensionProposal.objects.filter(assessment__month=month).exclude(state=SuspensionProposal.State.PROPOSED)
    if supplier_ids is not None:
        penalties, suspensions = penalties.filter(supplier_id__in=supplier_ids), suspensions.filter(supplier_id__in=supplier_ids)
    return Supplier.objects.filter(Q(pk__in=penalties.values("supplier_id")) | Q(pk__in=suspensions.values("supplier_id")))


def _assess_chunk(ids: list[int], *, window: Window, counts, config, rules, now: datetime) -> tuple[list[Assessment], list[int]]:
    """The chunk's assessments computed, and the suppliers of it left out because one of their proposals was decided
    since the month's computation began (read again with the suppliers locked, as a decision locks its supplier)."""
    with transaction.atomic():
        lock_suppliers(ids)
        decided = sorted(decided_suppliers(window.month, supplier_ids=set(ids)).values_list("pk", flat=True))
        ids = [sid for sid in ids if sid not in decided]
        assessed_before = set(Assessment.objects.filter(month=window.month, supplier_id__in=ids).values_list("supplier_id", flat=True))
        Assessment.objects.bulk_create([Assessment(supplier_id=sid, month=window.month, computed_at=now) for sid in ids],
                                       ignore_conflicts=True)
        assessments = {a.supplier_id: a for a in Assessment.objects.filter(month=window.month, supplier_id__in=ids)}
        KpiResult.objects.filter(assessment__in=assessments.values()).delete()
        results, proposals = [], []
        for sid, assessment in assessments.items():
            rows = []
            for kpi in Kpi.values:
                weight, target, higher = config[kpi]
                numerator, denominator = counts[kpi].get(sid, (0, 0))
                value = kpi_value(kpi, numerator, denominator)
                rows.append(KpiResult(
                    assessment=assessment, kpi=kpi, numerator=numerator, denominator=denominator, value=value, target=target,
                    weight=weight, attainment=attainment_of(value, target=target, higher_is_better=higher),
                ))
                proposals += [
                    PenaltyProposal(assessment=assessment, rule=rule, supplier_id=sid, value=value, amount=rule.amount,
                                    created_at=now)
                    for rule in rules if rule.kpi == kpi and breaches(rule, value, higher_is_better=higher)
                ]
            assessment.score, assessment.computed_at = score_of(rows), now
            results += rows
        Assessment.objects.bulk_update(assessments.values(), ["score", "computed_at"])
        KpiResult.objects.bulk_create(results)
        _keep_proposals_current(assessments.values(), proposals, now=now)
        _propose_suspensions(assessments, window=window, now=now)
        _tell_assessed([a for sid, a in assessments.items() if sid not in assessed_before], proposals, window=window, now=now)
    return sorted(assessments.values(), key=lambda a: a.supplier_id), decided


def _tell_assessed(first: list[Assessment], breached: list[PenaltyProposal], *, window: Window, now: datetime) -> None:
    """A notice in each supplier's inbox whose month was just assessed for the first time, with its score and how many
    penalties are proposed, linking to the assessment; a recomputation tells nobody again. Inbox only: a routine monthly
    batch (a suspension proposed is texted on its own, `_tell_proposed`). One insert, whatever the number of suppliers."""
    penalties = Counter(proposal.supplier_id for proposal in breached)
    rows = [(a.supplier_id, {"month": f"{window.month:%Y-%m}", "score": "—" if a.score is None else str(a.score),
                             "penalties": penalties[a.supplier_id]}, reverse("settlement-assessment", args=[a.pk]))
            for a in sorted(first, key=lambda a: a.supplier_id)]
    send_inbox_notices(
        rows, kind="assessment_published", title=gettext_noop("%(month)s 月度考核结果：%(score)s 分"),
        body=gettext_noop("违约扣款建议 %(penalties)s 项，经财务审核后计入结算单；各项指标、目标与达成情况见考核详情。"), now=now,
    )


def _keep_proposals_current(assessments: Iterable[Assessment], breached: list[PenaltyProposal], *, now: datetime) -> None:
    """Write the proposals of this computation's breaches: new ones created; undecided ones take the new value; a
    withdrawn one breached again is proposed again; an undecided one whose rule no longer breaches is withdrawn.
    Decided ones (accepted, being dismissed, dismissed) are finance's and stay as they are."""
    now_breached = {(p.assessment_id, p.rule_id): p for p in breached}
    existing = list(PenaltyProposal.objects.filter(assessment__in=assessments).order_by("pk"))
    undecided = []
    for proposal in existing:
        fresh = now_breached.pop((proposal.assessment_id, proposal.rule_id), None)
        if fresh is None:
            if proposal.state == PenaltyProposal.State.PROPOSED:
                apply_transition(proposal, "withdraw", actor=None, at=now, reason=NO_LONGER_BREACHED)
            continue
        if proposal.state == PenaltyProposal.State.WITHDRAWN:
            apply_transition(proposal, "propose_again", actor=None, at=now, reason=BREACHED_AGAIN)
        if proposal.state == PenaltyProposal.State.PROPOSED and proposal.value != fresh.value:
            proposal.value = fresh.value
            undecided.append(proposal)
    PenaltyProposal.objects.bulk_update(undecided, ["value"])
    if now_breached:
        PenaltyProposal.objects.bulk_create(now_breached.values(), ignore_conflicts=True)
        # read back (no keys come back past conflicts): those of these breaches not there before
        made = PenaltyProposal.objects.filter(assessment__in=assessments, created_at=now).exclude(pk__in=[p.pk for p in existing])
        log_creation(made.only("pk", "state"), "propose", actor=None, at=now, reason=BREACHED)


BREACHED = gettext_noop("考核结果违反扣款规则")
NO_LONGER_BREACHED = gettext_noop("重新计算后不再违反扣款规则，自动撤回")
BREACHED_AGAIN = gettext_noop("重新计算后再次违反扣款规则")


def _propose_suspensions(assessments: dict[int, Assessment], *, window: Window, now: datetime) -> None:
    threshold = suspension_threshold()
    low = {sid: a for sid, a in assessments.items() if a.score is not None and a.score < threshold}
    if not low:
        return
    low_before = dict(Assessment.objects.filter(
        month=previous_month(window.month), supplier_id__in=low, score__lt=threshold,
    ).values_list("supplier_id", "score"))
    active = set(Supplier.objects.filter(pk__in=low_before, state=Supplier.State.ACTIVE).values_list("pk", flat=True))
    proposed = set(SuspensionProposal.objects.filter(assessment__in=[low[sid] for sid in active]).values_list("supplier_id", flat=True))
    new = sorted(active - proposed)
    if not new:
        return
    SuspensionProposal.objects.bulk_create(
        [SuspensionProposal(supplier_id=sid, assessment=low[sid], created_at=now) for sid in new], ignore_conflicts=True,
    )
    # read back (no keys come back past conflicts): one a concurrent computation made meanwhile is that one's to log and tell
    made = list(SuspensionProposal.objects.filter(assessment__in=[low[sid] for sid in new], created_at=now)
                .only("pk", "state", "supplier_id", "assessment_id").order_by("supplier_id"))
    log_creation(made, "propose", actor=None, at=now, reason=Message(LOW_TWICE, month=f"{window.month:%Y-%m}"))
    _tell_proposed(made, scores={sid: (low_before[sid], low[sid].score) for sid in new}, window=window, threshold=threshold, now=now)


LOW_TWICE = gettext_noop("%(month)s 考核连续两月低于阈值")  # why a suspension is proposed, and made when no reason is given


def _tell_proposed(made: list[SuspensionProposal], *, scores: dict[int, tuple[Decimal, Decimal]], window: Window,
                   threshold: Decimal, now: datetime) -> None:
    """One notice to each supplier a suspension was just proposed against, naming both months' scores and the threshold
    and linking to the assessment (where the proposal and its decision show). It is a warning that asks the supplier to
    improve before an operator decides (ACTION_KINDS): texted as its SMS setting allows, even "only what needs our
    action". Sent only with the proposal's creation, so a recomputation of the month tells nobody again; one insert for
    the notices and one for the SMS, whatever the number of suppliers."""
    before = previous_month(window.month)
    rows = [(p.supplier_id, {"month": f"{window.month:%Y-%m}", "score": str(scores[p.supplier_id][1]), "previous": f"{before:%Y-%m}",
                             "previous_score": str(scores[p.supplier_id][0]), "threshold": str(threshold)},
             reverse("settlement-assessment", args=[p.assessment_id])) for p in made]
    send_inbox_notices(
        rows, kind="suspension_proposed", title=gettext_noop("%(month)s 考核连续两月低于 %(threshold)s 分，已提出暂停合作建议"),
        body=gettext_noop("%(previous)s 得分 %(previous_score)s，%(month)s 得分 %(score)s，均低于暂停合作阈值 %(threshold)s 分。"
                          "运营人员将决定是否暂停合作，暂停后在售和清仓中的礼品全部下线；请对照各项考核指标尽快改进。"),
        now=now, sms=True,
    )


# --- deciding proposals ---------------------------------------------------------------------------------------


def accept_penalty(*, proposal: PenaltyProposal, actor, now: datetime, note: str = "") -> PenaltyProposal:
    """Turn a penalty proposal into an adjustment proposed by `actor`; another finance user must approve it. A proposal
    whose adjustment the checker rejected is open again and may be accepted anew (`reopen_if_rejected`).

    :raises PermissionDenied: not finance :raises InvalidTransition: already decided
    """
    adjustments.require_finance(actor)
    with transaction.atomic():
        proposal = _lock(proposal)
        if proposal.state != PenaltyProposal.State.PROPOSED:
            raise InvalidTransition(_("处于「%(state)s」状态的扣款建议不能接受") % {"state": proposal.get_state_display()},
                                    state=proposal.state, transition="accept")
        assessment = proposal.assessment
        adjustment: Adjustment = adjustments.propose_adjustment(
            supplier=Supplier.objects.get(pk=proposal.supplier_id), kind=Adjustment.Kind.PENALTY, amount=proposal.amount,
            reason=Message(gettext_noop("%(month)s 考核违约扣款：%(rule)s（指标值 %(value)s）"), month=f"{assessment.month:%Y-%m}",
                           rule=proposal.rule.description, value=kpi_figure(proposal.rule.kpi, proposal.value)),
            actor=actor, now=now, source_kind="assessment", source_id=str(assessment.pk), beside_proposals=True,
        )
        apply_transition(proposal, "accept", actor=actor, at=now, reason=note, adjustment=adjustment, note=(note or "").strip())
    return proposal


def _lock(proposal: PenaltyProposal) -> PenaltyProposal:
    """The proposal re-read under a row lock, its supplier locked first (`_lock_supplier_of`), reopened first if its
    adjustment was rejected."""
    _lock_supplier_of(proposal)
    locked = PenaltyProposal.objects.select_for_update(of=("self",))  # PostgreSQL locks no row of the outer-joined adjustment
    proposal = locked.select_related("assessment", "rule", "adjustment").get(pk=proposal.pk)
    return reopen_if_rejected(proposal)


def _lock_supplier_of(proposal: PenaltyProposal | SuspensionProposal) -> None:
    """Lock the proposal's supplier before deciding it, as computing the month locks the suppliers it recomputes
    (`compute_month`): the decision rests on the results it reads, which a computation under way no longer rewrites."""
    lock_suppliers([proposal.supplier_id])


def reopen_if_rejected(proposal: PenaltyProposal) -> PenaltyProposal:
    """A penalty whose adjustment was rejected before rejecting reopened it (`adjustments.reject_adjustment` does since):
    still listed and counted as waiting (`open_penalties`), it is moved back to `proposed` before finance decides it
    again, logged at the rejection, by the checker, with the rejection's note (call under the proposal's row lock)."""
    rejected = proposal.adjustment
    if proposal.state != PenaltyProposal.State.ACCEPTED or rejected is None or rejected.state != Adjustment.State.REJECTED:
        return proposal
    return apply_transition(proposal, "reopen", actor=rejected.decided_by, at=rejected.decided_at or rejected.created_at,
                            reason=adjustments.rejection_reason(rejected))


def dismiss_penalty(*, proposal: PenaltyProposal, actor, now: datetime, reason: str) -> PenaltyProposal:
    """Ask to waive a penalty, with the reason; another finance user confirms (`confirm_penalty_dismissal`) or
    declines it. :raises PermissionDenied: not finance :raises ValidationFailed: no reason :raises InvalidTransition:"""
    adjustments.require_finance(actor)
    reason = required_text(reason, message=_("请填写撤销原因"))
    with transaction.atomic():
        return apply_transition(_lock(proposal), "request_dismissal", actor=actor, at=now, reason=reason, note=reason,
                                requested_by=actor)


def _require_dismissal_checker(proposal: PenaltyProposal, actor) -> None:
    """:raises PermissionDenied: not finance, or the user who asked for the dismissal"""
    adjustments.require_finance(actor)
    if proposal.dismissal_requested_by_id == actor.pk:
        raise PermissionDenied(_("撤销扣款需由申请人以外的财务人员确认"))


def confirm_penalty_dismissal(*, proposal: PenaltyProposal, actor, now: datetime, reason: str = "") -> PenaltyProposal:
    """A second finance user confirms the waiver. :raises PermissionDenied: :raises InvalidTransition:"""
    with transaction.atomic():
        proposal = _lock(proposal)
        require_transition(proposal, "dismiss")
        _require_dismissal_checker(proposal, actor)
        return apply_transition(proposal, "dismiss", actor=actor, at=now, reason=(reason or "").strip(), dismissed_by=actor)


def decline_penalty_dismissal(*, proposal: PenaltyProposal, actor, now: datetime, reason: str) -> PenaltyProposal:
    """A second finance user keeps the penalty: the proposal waits to be decided again. :raises PermissionDenied:
    :raises ValidationFailed: no reason :raises InvalidTransition:"""
    reason = (reason or "").strip()
    with transaction.atomic():
        proposal = _lock(proposal)
        require_transition(proposal, "decline_dismissal")
        _require_dismissal_checker(proposal, actor)
        required_text(reason, message=_("请填写不同意撤销的理由"))
        return apply_transition(proposal, "decline_dismissal", actor=actor, at=now, reason=reason)


def penalty_refusal(proposal: PenaltyProposal, actor) -> str:
    """Why `actor` may not decide the waiting dismissal of the proposal ('' when it may, or none waits)."""
    if proposal.state == PenaltyProposal.State.DISMISSING and proposal.dismissal_requested_by_id == actor.pk:
        return str(_("撤销扣款需由申请人以外的财务人员确认"))
    return ""


def accept_suspension(*, proposal: SuspensionProposal, actor, now: datetime, reason: str = "") -> SuspensionProposal:
    """Suspend the supplier (its gifts go offline) and record the decision, all or nothing.

    :raises PermissionDenied: not an operator :raises InvalidTransition: decided already, or the supplier not active
    """
    require_role(actor, OPERATORS, _("仅运营人员可以决定暂停合作"))
    reason = (reason or "").strip()
    with transaction.atomic():
        _lock_supplier_of(proposal)
        apply_transition(proposal, "accept", actor=actor, at=now, reason=reason, note=reason)
        supplier = Supplier.objects.get(pk=proposal.supplier_id)
        onboarding.suspend_supplier(supplier=supplier, actor=actor, now=now,
                                    reason=reason or Message(LOW_TWICE, month=f"{proposal.assessment.month:%Y-%m}"))
    return proposal


def dismiss_suspension(*, proposal: SuspensionProposal, actor, now: datetime, reason: str) -> SuspensionProposal:
    """Keep the supplier (the operator's reason required) and tell it, with the reason (acceptance tells it through
    the suspension's own notice, `onboarding.suspend_supplier`).

    :raises PermissionDenied: not an operator :raises ValidationFailed: no reason :raises InvalidTransition:"""
    require_role(actor, OPERATORS, _("仅运营人员可以决定暂停合作"))
    reason = required_text(reason, message=_("请填写不予暂停的理由"))
    with transaction.atomic():
        _lock_supplier_of(proposal)
        apply_transition(proposal, "dismiss", actor=actor, at=now, reason=reason, note=reason)
        month = proposal.assessment.month
        send_notice(supplier=proposal.supplier, kind="suspension_dismissed", title=gettext_noop("%(month)s 考核的暂停合作建议：不予暂停"),
                    body=gettext_noop("运营人员决定不予暂停合作。理由：%(reason)s"), now=now,
                    params={"month": f"{month:%Y-%m}", "reason": reason}, link=reverse("settlement-assessment", args=[proposal.assessment_id]))
    return proposal


# --- reads ----------------------------------------------------------------------------------------------------

def list_assessments(*, actor, month: date | None = None, supplier_id: int | None = None, below: bool | None = None):
    """Assessments the actor may see (a supplier: its own), newest month first, with their supplier; of one month or
    supplier; `below`: only those scored below the suspension threshold, or (False) only the others, those with no
    score (nothing to assess) among them (`core.selectors.answering`)."""
    assessments = Assessment.objects.visible_to(actor).select_related("supplier")
    if month is not None:
        assessments = assessments.filter(month=month.replace(day=1))
    if supplier_id:
        assessments = assessments.filter(supplier_id=supplier_id)
    assessments = answering(assessments, Q(score__lt=suspension_threshold()), below)
    return assessments.order_by("-month", "supplier__name", "pk")


def score_trend(*, actor, until: date, supplier_id: int | None = None, months: int = 12) -> list[tuple[date, Decimal | None]]:
    """The `months` months up to the month of `until` (today: the current month, not scored yet), oldest first, with
    one supplier's score or else the average over the suppliers scored that month (two places), among the assessments
    the actor may see; a month without a score is None, a gap, never a zero score (none scored at all: no months)."""
    rows = (
        list_assessments(actor=actor, supplier_id=supplier_id).filter(score__isnull=False).order_by()
        .values("month").annotate(score=Avg("score")).order_by("-month")[:months]
    )
    scores = {row["month"]: Decimal(row["score"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for row in rows}
    if not scores:
        return []
    return [(month, scores.get(month)) for month in chart_months(latest=max(scores), until=until, count=months)]


def open_penalties() -> Q:
    """Proposals waiting to be decided: proposed, or accepted into an adjustment the checker rejected (`reopen_if_rejected`)."""
    return Q(state=PenaltyProposal.State.PROPOSED) | Q(state=PenaltyProposal.State.ACCEPTED, adjustment__state=Adjustment.State.REJECTED)


def penalty_open(proposal: PenaltyProposal) -> bool:
    """`open_penalties` for one proposal read with its adjustment: whether it waits to be decided."""
    if proposal.state == PenaltyProposal.State.PROPOSED:
        return True
    adjustment = proposal.adjustment if proposal.adjustment_id else None
    return proposal.state == PenaltyProposal.State.ACCEPTED and adjustment is not None and adjustment.state == Adjustment.State.REJECTED


#: the penalty proposals' pseudo-state of those still to be decided: proposed (reopened ones too) and those whose
#: dismissal waits for its second finance user
PENDING = "pending"


def list_penalty_proposals(*, actor, state: str = "", month: date | None = None, waiting: bool | None = None):
    """Penalty proposals the actor may see; `state` "proposed" includes those reopened by a rejected adjustment (and
    "accepted" leaves them out), PENDING is those and the dismissals asked for; `waiting` narrows them to those
    waiting for the actor (`penalties_waiting`, or with False, the others)."""
    proposals = PenaltyProposal.objects.visible_to(actor).select_related("supplier", "assessment", "rule", "adjustment",
                                                                            "dismissal_requested_by", "dismissed_by")
    if state == PENDING:
        proposals = proposals.filter(open_penalties() | Q(state=PenaltyProposal.State.DISMISSING))
    elif state == PenaltyProposal.State.PROPOSED:
        proposals = proposals.filter(open_penalties())
    elif state == PenaltyProposal.State.ACCEPTED:
        proposals = proposals.filter(state=state).exclude(adjustment__state=Adjustment.State.REJECTED)
    elif state:
        proposals = proposals.filter(state=state)
    if month is not None:
        proposals = proposals.filter(assessment__month=month.replace(day=1))
    return waiting_rows(proposals, penalties_waiting, actor, waiting)


def list_suspension_proposals(*, actor, state: str = ""):
    proposals = SuspensionProposal.objects.visible_to(actor).select_related("supplier", "assessment")
    return proposals.filter(state=state) if state else proposals


@waiting_for({Role.FINANCE})
def penalties_waiting(user) -> QuerySet:
    """Penalty proposals for finance to accept into an adjustment or dismiss (reopened ones too), and dismissals
    another finance user asked for, for this one to confirm or decline."""
    dismissing = Q(state=PenaltyProposal.State.DISMISSING) & ~Q(dismissal_requested_by=user)
    return PenaltyProposal.objects.filter(open_penalties() | dismissing)


@waiting_for(OPERATORS)
def suspensions_waiting(user) -> QuerySet:
    """Suspension proposals for an operator to decide."""
    return SuspensionProposal.objects.filter(state=SuspensionProposal.State.PROPOSED)
