"""Monthly supplier assessment (考核, SPEC §4.10): KPIs, a 0–100 score, penalty and suspension proposals.

Month M is the calendar month in Asia/Shanghai. Each KPI counts, set-based (one aggregate query per KPI, grouped by
supplier), the events of its denominator that fall in M, and of those the ones that meet it:

- on-time dispatch (dropship orders): orders whose `hand_over` transition (TransitionLog) is in M, except those
  cancelled before they were ever shipped; of those, the ones whose first own shipment (not an exchange
  replacement) was shipped within 48 h of the handover. An order still unshipped when M is assessed is late.
- replenishment on time (warehouse locations): replenishment requests due in M, not cancelled; of those, the ones
  met (stock received) on or before their due date (Asia/Shanghai).
- first-attempt delivery (dropship orders): orders whose shipping ended in M — signed for (`delivered_at`) or
  given up (`give_up` transition) in M; of those, the ones delivered without any failed shipment.
- complaint rate (all): complaints triaged to the supplier (`responsible = supplier`) opened in M, per 1,000
  orders delivered (signed for) in M. Complaints triaged to logistics or the operator never count.
- complaint SLA (all): supplier-responsible complaint deadlines due in M; of those, answered by the deadline.
- defect rate (all): units of the orders delivered in M; of those units, the ones returned as defective
  (inspection outcome `defective`). A return is attributed to the month its order was delivered in, so the
  numerator is a subset of the denominator; one inspected after the assessment counts when M is recomputed.

A KPI whose denominator is 0 (which is also how a KPI that does not apply to the supplier's fulfilment shows)
has value None and is left out of the score:

    attainment = min(1, value / target)                                      higher is better
    attainment = 1 if value <= target else max(0, 1 - (value - target) / target)   lower is better
                 (with target 0: 1 when the value is 0, else 0)
    score      = 100 × Σ(weight × attainment) / Σ(weight), over the KPIs with a value (None when there is none)

Each active penalty rule the value breaches (higher is better: value < threshold; lower: value > threshold)
proposes one penalty (unique per assessment and rule); a score under ASSESSMENT_SUSPENSION_THRESHOLD in M and in
M−1 proposes one suspension. Recomputing a month replaces its KPI results and score and never duplicates a
proposal. Finance accepts a penalty into an adjustment (maker-checker approval follows); operators decide
suspensions.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import apply_transition
from core.models import TransitionLog
from core.roles import Role, waiting_for
from core.validators import id_or_none
from logistics.models import ReturnRequest, Shipment
from points.models import RedemptionOrder
from points.models.complaints import Complaint, ComplaintDeadline, Party
from settlement.models import (
    DEFAULT_KPIS, Adjustment, Assessment, Kpi, KpiResult, KpiSetting, PenaltyProposal, PenaltyRule, SuspensionProposal,
)
from settlement.services import adjustments
from settlement.services.generation import month_start, next_month, previous_month
from settlement.sources import register_source
from suppliers.models import Location, Supplier
from suppliers.models.inventory import ReplenishmentRequest
from suppliers.services import onboarding

RATIO = Decimal("0.0001")
HUNDREDTH = Decimal("0.01")
DISPATCH_WINDOW = timedelta(hours=48)
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHUNK = 200
Counts = dict[int, tuple[int, int]]  # supplier id → (numerator, denominator)


@dataclass(frozen=True)
class Window:
    month: date
    start: datetime
    end: datetime

    @classmethod
    def of(cls, month: date) -> "Window":
        month = month.replace(day=1)
        return cls(month, month_start(month), month_start(next_month(month)))


def _find_assessment(supplier_id: int, reference: str):
    return Assessment.objects.filter(supplier_id=supplier_id, pk=pk).first() if (pk := id_or_none(reference)) else None


register_source("assessment", _("月度考核"), _find_assessment)


# --- KPI counts, one aggregate query each ---------------------------------------------------------------------

def _transitions_in(window: Window, name: str):
    return TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(RedemptionOrder), transition=name,
        at__gte=window.start, at__lt=window.end,
    )


def _rows(queryset) -> Counts:
    return {row["sid"]: (row["num"] or 0, row["den"] or 0) for row in queryset}


def count_on_time_dispatch(window: Window) -> Counts:
    handed_over_at = TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(RedemptionOrder), transition="hand_over", object_id=OuterRef("pk"),
    ).order_by("at").values("at")[:1]
    first_shipped_at = Shipment.objects.filter(
        order=OuterRef("pk"), replacement_for__isnull=True, shipped_at__isnull=False,
    ).order_by("shipped_at").values("shipped_at")[:1]
    orders = (
        RedemptionOrder.objects.filter(fulfilment="dropship", pk__in=_transitions_in(window, "hand_over").values("object_id"))
        .annotate(handed_over_at=Subquery(handed_over_at), first_shipped_at=Subquery(first_shipped_at))
        .exclude(state=RedemptionOrder.State.CANCELLED, first_shipped_at__isnull=True)
    )
    return _rows(orders.values(sid=F("supplier_id")).annotate(
        den=Count("pk"), num=Count("pk", filter=Q(first_shipped_at__lte=F("handed_over_at") + DISPATCH_WINDOW)),
    ).order_by())


def count_replenishment_on_time(window: Window) -> Counts:
    requests = (
        ReplenishmentRequest.objects.filter(due_date__gte=window.month, due_date__lt=next_month(window.month),
                                            location__kind=Location.Kind.WAREHOUSE)
        .exclude(state=ReplenishmentRequest.State.CANCELLED)
        .annotate(met_on=TruncDate("met_at", tzinfo=SHANGHAI))
    )
    return _rows(requests.values(sid=F("gift__supplier_id")).annotate(
        den=Count("pk"), num=Count("pk", filter=Q(met_on__isnull=False, met_on__lte=F("due_date"))),
    ).order_by())


def count_first_attempt_delivery(window: Window) -> Counts:
    delivered = Q(delivered_at__gte=window.start, delivered_at__lt=window.end)
    failed = Shipment.objects.filter(order=OuterRef("pk"), replacement_for__isnull=True, state=Shipment.State.FAILED)
    orders = RedemptionOrder.objects.filter(fulfilment="dropship").filter(
        delivered | Q(pk__in=_transitions_in(window, "give_up").values("object_id"))
    ).annotate(failed_once=Exists(failed))
    return _rows(orders.values(sid=F("supplier_id")).annotate(
        den=Count("pk"), num=Count("pk", filter=delivered & Q(failed_once=False)),
    ).order_by())


def _delivered_in(window: Window):
    return RedemptionOrder.objects.filter(delivered_at__gte=window.start, delivered_at__lt=window.end)


def count_complaint_rate(window: Window) -> Counts:
    """Numerator: supplier-responsible complaints opened in M; denominator: orders delivered in M (× 1,000 later)."""
    complaints = dict(
        Complaint.objects.filter(kind=Complaint.Kind.COMPLAINT, responsible=Party.SUPPLIER, supplier__isnull=False,
                                 opened_at__gte=window.start, opened_at__lt=window.end)
        .values_list("supplier_id").annotate(n=Count("pk")).order_by()
    )
    delivered = dict(_delivered_in(window).values_list("supplier_id").annotate(n=Count("pk")).order_by())
    return {sid: (complaints.get(sid, 0), delivered.get(sid, 0)) for sid in complaints.keys() | delivered.keys()}


def count_complaint_sla(window: Window) -> Counts:
    deadlines = ComplaintDeadline.objects.filter(responsible=Party.SUPPLIER, supplier__isnull=False,
                                                 due_at__gte=window.start, due_at__lt=window.end)
    return _rows(deadlines.values(sid=F("supplier_id")).annotate(
        den=Count("pk"), num=Count("pk", filter=Q(responded_at__isnull=False, responded_at__lte=F("due_at"))),
    ).order_by())


def count_defect_rate(window: Window) -> Counts:
    units = dict(_delivered_in(window).values_list("supplier_id").annotate(n=Sum("quantity")).order_by())
    defective = dict(
        ReturnRequest.objects.filter(outcome=ReturnRequest.Outcome.DEFECTIVE, order__in=_delivered_in(window))
        .values_list("order__supplier_id").annotate(n=Sum("quantity")).order_by()
    )
    return {sid: (defective.get(sid, 0), units.get(sid, 0)) for sid in units.keys() | defective.keys()}


COUNTERS: dict[str, Callable[[Window], Counts]] = {
    Kpi.ON_TIME_DISPATCH: count_on_time_dispatch,
    Kpi.REPLENISHMENT_ON_TIME: count_replenishment_on_time,
    Kpi.FIRST_ATTEMPT_DELIVERY: count_first_attempt_delivery,
    Kpi.COMPLAINT_RATE: count_complaint_rate,
    Kpi.COMPLAINT_SLA: count_complaint_sla,
    Kpi.DEFECT_RATE: count_defect_rate,
}
SCALE = {Kpi.COMPLAINT_RATE: Decimal(1000)}


# --- the formula ----------------------------------------------------------------------------------------------

def kpi_value(kpi: str, numerator: int, denominator: int) -> Decimal | None:
    """The ratio (per 1,000 for the complaint rate), None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * SCALE.get(kpi, Decimal(1)) / Decimal(denominator)).quantize(RATIO, ROUND_HALF_UP)


def attainment_of(value: Decimal | None, *, target: Decimal, higher_is_better: bool) -> Decimal | None:
    """How much of the target a value reaches, 0–1 (the module docstring has the formula)."""
    if value is None:
        return None
    if higher_is_better:
        result = Decimal(1) if target <= 0 else min(Decimal(1), value / target)
    elif value <= target:
        result = Decimal(1)
    elif target <= 0:
        result = Decimal(0)
    else:
        result = max(Decimal(0), 1 - (value - target) / target)
    return result.quantize(RATIO, ROUND_HALF_UP)


def score_of(results: Iterable[KpiResult]) -> Decimal | None:
    """100 × Σ(weight × attainment) / Σ(weight) over the results with an attainment; None without any."""
    applicable = [r for r in results if r.attainment is not None and r.weight > 0]
    weights = sum((r.weight for r in applicable), Decimal(0))
    if not weights:
        return None
    return (100 * sum(r.weight * r.attainment for r in applicable) / weights).quantize(HUNDREDTH, ROUND_HALF_UP)


def breaches(rule: PenaltyRule, value: Decimal | None, *, higher_is_better: bool) -> bool:
    if value is None:
        return False
    return value < rule.threshold if higher_is_better else value > rule.threshold


def kpi_settings() -> dict[str, tuple[Decimal, Decimal, bool]]:
    """(weight, target, higher is better) per KPI: the stored settings, the product defaults for any missing."""
    stored = {s.kpi: (s.weight, s.target, s.higher_is_better) for s in KpiSetting.objects.all()}
    return {kpi: stored.get(kpi, DEFAULT_KPIS[kpi]) for kpi in Kpi.values}


def suspension_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "ASSESSMENT_SUSPENSION_THRESHOLD", 60)))


# --- computing a month ----------------------------------------------------------------------------------------

def compute_month(
    *, month: date, now: datetime, supplier_ids: Iterable[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Assessment]:
    """Assess every supplier with activity in `month` (or those of `supplier_ids`), idempotently.

    Recomputing replaces the KPI results and score of the same assessment; proposals are never duplicated.
    `progress(done, total)` is called after each chunk of suppliers.
    :raises ValidationFailed: a month that has not ended at `now`
    """
    window = Window.of(month)
    if window.end > now:
        raise ValidationFailed(_("%(month)s 尚未结束，不能考核") % {"month": window.month.strftime("%Y-%m")}, field="month")
    wanted = None if supplier_ids is None else set(supplier_ids)
    counts = {kpi: counter(window) for kpi, counter in COUNTERS.items()}
    active = {sid for by_supplier in counts.values() for sid, (_num, den) in by_supplier.items() if den}
    active |= set(Assessment.objects.filter(month=window.month).values_list("supplier_id", flat=True))
    ids = sorted(active if wanted is None else active & wanted)
    config = kpi_settings()
    rules = list(PenaltyRule.objects.filter(active=True).order_by("pk"))
    done: list[Assessment] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        done += _assess_chunk(chunk, window=window, counts=counts, config=config, rules=rules, now=now)
        if progress is not None:
            progress(min(start + CHUNK, len(ids)), len(ids))
    if progress is not None and not ids:
        progress(0, 0)
    return done


def _assess_chunk(ids: list[int], *, window: Window, counts, config, rules, now: datetime) -> list[Assessment]:
    with transaction.atomic():
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
        PenaltyProposal.objects.bulk_create(proposals, ignore_conflicts=True)
        _propose_suspensions(assessments, window=window, now=now)
    return sorted(assessments.values(), key=lambda a: a.supplier_id)


def _propose_suspensions(assessments: dict[int, Assessment], *, window: Window, now: datetime) -> None:
    threshold = suspension_threshold()
    low = {sid: a for sid, a in assessments.items() if a.score is not None and a.score < threshold}
    if not low:
        return
    low_before = set(Assessment.objects.filter(
        month=previous_month(window.month), supplier_id__in=low, score__lt=threshold,
    ).values_list("supplier_id", flat=True))
    active = set(Supplier.objects.filter(pk__in=low_before, state=Supplier.State.ACTIVE).values_list("pk", flat=True))
    SuspensionProposal.objects.bulk_create(
        [SuspensionProposal(supplier_id=sid, assessment=low[sid], created_at=now) for sid in sorted(active)],
        ignore_conflicts=True,
    )


# --- deciding proposals ---------------------------------------------------------------------------------------

def _require(actor, role: str, message: str) -> None:
    if not (getattr(actor, "is_superuser", False) or getattr(actor, "role", None) == role):
        raise PermissionDenied(message)


def accept_penalty(*, proposal: PenaltyProposal, actor, now: datetime, note: str = "") -> PenaltyProposal:
    """Turn a penalty proposal into an adjustment proposed by `actor`; another finance user must approve it.

    :raises PermissionDenied: not finance :raises InvalidTransition: already decided
    """
    adjustments.require_finance(actor)
    with transaction.atomic():
        proposal = PenaltyProposal.objects.select_for_update().select_related("assessment", "rule").get(pk=proposal.pk)
        if proposal.state != PenaltyProposal.State.PROPOSED:
            raise InvalidTransition(_("处于「%(state)s」状态的扣款建议不能接受") % {"state": proposal.get_state_display()},
                                    state=proposal.state, transition="accept")
        assessment = proposal.assessment
        adjustment: Adjustment = adjustments.propose_adjustment(
            supplier=Supplier.objects.get(pk=proposal.supplier_id), kind=Adjustment.Kind.PENALTY, amount=proposal.amount,
            reason=f"{assessment.month:%Y-%m} 考核违约扣款：{proposal.rule.description}（指标值 {proposal.value}）",
            actor=actor, now=now, source_kind="assessment", source_id=str(assessment.pk),
        )
        apply_transition(proposal, "accept", actor=actor, at=now, reason=note, adjustment=adjustment, note=(note or "").strip())
    return proposal


def dismiss_penalty(*, proposal: PenaltyProposal, actor, now: datetime, reason: str) -> PenaltyProposal:
    """:raises PermissionDenied: not finance :raises ValidationFailed: no reason :raises InvalidTransition:"""
    adjustments.require_finance(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写撤销原因"), field="reason")
    return apply_transition(proposal, "dismiss", actor=actor, at=now, reason=reason, note=reason)


def accept_suspension(*, proposal: SuspensionProposal, actor, now: datetime, reason: str = "") -> SuspensionProposal:
    """Suspend the supplier (its gifts go offline) and record the decision, all or nothing.

    :raises PermissionDenied: not an operator :raises InvalidTransition: decided already, or the supplier not active
    """
    _require(actor, Role.OPERATOR, _("仅运营人员可以决定暂停合作"))
    reason = (reason or "").strip()
    with transaction.atomic():
        apply_transition(proposal, "accept", actor=actor, at=now, reason=reason, note=reason)
        supplier = Supplier.objects.get(pk=proposal.supplier_id)
        onboarding.suspend_supplier(supplier=supplier, actor=actor, now=now,
                                    reason=reason or f"{proposal.assessment.month:%Y-%m} 考核连续两月低于阈值")
    return proposal


def dismiss_suspension(*, proposal: SuspensionProposal, actor, now: datetime, reason: str) -> SuspensionProposal:
    """:raises PermissionDenied: not an operator :raises ValidationFailed: no reason :raises InvalidTransition:"""
    _require(actor, Role.OPERATOR, _("仅运营人员可以决定暂停合作"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写不予暂停的理由"), field="reason")
    return apply_transition(proposal, "dismiss", actor=actor, at=now, reason=reason, note=reason)


RATE_CEILING = {Kpi.COMPLAINT_RATE: Decimal(10000)}  # per 1,000 deliveries; every other KPI is a ratio 0–1
WEIGHT_CEILING = Decimal(100)
DEDUCTION_CEILING = Decimal(1000000)


def check_kpi_figure(kpi: str, value, *, field: str) -> Decimal:
    """A target or threshold of `kpi` in the KPI's own range: 0–1 for a ratio (0.95 is 95%), 0–10000 for the
    complaint rate (per 1,000 deliveries). :raises ValidationFailed: naming `field` and the KPI"""
    figure = _decimal(value, field=field)
    ceiling = RATE_CEILING.get(kpi, Decimal(1))
    if not Decimal(0) <= figure <= ceiling:
        label = Kpi(kpi).label
        message = (_("%(kpi)s按每千单计，应在 0 到 10000 之间") if kpi in RATE_CEILING
                   else _("%(kpi)s是比率，应在 0 到 1 之间（0.95 即 95%%）"))
        raise ValidationFailed(message % {"kpi": label}, field=field)
    return figure.quantize(RATIO, ROUND_HALF_UP)


def update_kpi_settings(*, actor, now: datetime, values: dict[str, dict]) -> list[KpiSetting]:
    """Change the weights and targets of the KPIs in `values` ({kpi: {"weight": …, "target": …}}, either key may be
    left out to keep it) and check the whole resulting set: no weight negative or over 100, not every weight 0, each
    target in its KPI's range. All or nothing; later computations use them. Errors name `<kpi>.weight` or
    `<kpi>.target` (`weight` when the weights together are wrong).

    :raises PermissionDenied: not an operator :raises ValidationFailed: every bad field, named
    """
    _require(actor, Role.OPERATOR, _("仅运营人员可以修改考核指标"))
    current = kpi_settings()
    wanted, errors = {}, []
    for kpi, change in values.items():
        if kpi not in current:
            errors.append((kpi, "invalid", _("未知的考核指标 %(kpi)s") % {"kpi": kpi}))
            continue
        weight, target, _higher = current[kpi]
        try:
            weight = _weight(kpi, change.get("weight", weight))
        except ValidationFailed as error:
            errors += error.errors
        try:
            target = check_kpi_figure(kpi, change.get("target", target), field=f"{kpi}.target")
        except ValidationFailed as error:
            errors += error.errors
        wanted[kpi] = (weight, target)
    if not errors and not any(wanted.get(kpi, setting)[0] > 0 for kpi, setting in current.items()):
        errors.append(("weight", "invalid", str(_("权重不能全部为 0：至少一项指标的权重须大于 0"))))
    if errors:
        raise ValidationFailed(errors[0][2], field=errors[0][0], errors=errors)
    with transaction.atomic():
        for kpi, (weight, target) in wanted.items():
            KpiSetting.objects.update_or_create(kpi=kpi, defaults={"weight": weight, "target": target},
                                                create_defaults={"weight": weight, "target": target,
                                                                 "higher_is_better": current[kpi][2]})
    return list(KpiSetting.objects.filter(kpi__in=wanted).order_by("pk"))


def _weight(kpi: str, value) -> Decimal:
    field = f"{kpi}.weight"
    weight = _decimal(value, field=field)
    if not Decimal(0) <= weight <= WEIGHT_CEILING:
        raise ValidationFailed(_("%(kpi)s的权重应在 0 到 100 之间") % {"kpi": Kpi(kpi).label}, field=field)
    return weight.quantize(HUNDREDTH, ROUND_HALF_UP)


def create_penalty_rule(*, actor, now: datetime, kpi: str, threshold, deduction, description: str) -> PenaltyRule:
    """Add a penalty rule (operators): from the next computation, a month whose KPI value is past `threshold` (in the
    KPI's range, see check_kpi_figure) proposes a penalty deducting `deduction` yuan (positive, at most two decimals;
    stored negative, as proposals and statements show it). Rules never change once made (proposals show their
    threshold); to change one, add its successor and deactivate it. :raises ValidationFailed: naming the field"""
    _require(actor, Role.OPERATOR, _("仅运营人员可以维护扣款规则"))
    if kpi not in Kpi.values:
        raise ValidationFailed(_("请选择考核指标"), field="kpi")
    threshold = check_kpi_figure(kpi, threshold, field="threshold")
    deduction = adjustments.parse_amount(deduction, field="deduction")
    if not Decimal("0.01") <= deduction <= DEDUCTION_CEILING:
        raise ValidationFailed(_("扣款金额应在 0.01 到 1000000 元之间"), field="deduction")
    description = (description or "").strip()
    if not description or len(description) > 200:
        raise ValidationFailed(_("请填写说明（200 字以内）"), field="description")
    return PenaltyRule.objects.create(kpi=kpi, threshold=threshold, amount=-deduction, description=description, active=True)


def set_penalty_rule_active(*, rule: PenaltyRule, actor, now: datetime, active: bool) -> PenaltyRule:
    """Stop applying a rule, or apply it again (operators); proposals it already made stay as they are."""
    _require(actor, Role.OPERATOR, _("仅运营人员可以维护扣款规则"))
    rule.active = active
    rule.save(update_fields=["active"])
    return rule


def _decimal(value, *, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationFailed(_("请填写数字"), field=field) from None
    if not number.is_finite():
        raise ValidationFailed(_("请填写数字"), field=field)
    return number


# --- reads ----------------------------------------------------------------------------------------------------

def list_assessments(*, actor, month: date | None = None, supplier_id: int | None = None, below: Decimal | None = None):
    """Assessments the actor may see (a supplier: its own), newest month first, with their supplier."""
    assessments = Assessment.objects.visible_to(actor).select_related("supplier")
    if month is not None:
        assessments = assessments.filter(month=month.replace(day=1))
    if supplier_id:
        assessments = assessments.filter(supplier_id=supplier_id)
    if below is not None:
        assessments = assessments.filter(score__lt=below)
    return assessments.order_by("-month", "supplier__name", "pk")


def list_penalty_proposals(*, actor, state: str = "", month: date | None = None):
    proposals = PenaltyProposal.objects.visible_to(actor).select_related("supplier", "assessment", "rule", "adjustment")
    if state:
        proposals = proposals.filter(state=state)
    if month is not None:
        proposals = proposals.filter(assessment__month=month.replace(day=1))
    return proposals


def list_suspension_proposals(*, actor, state: str = ""):
    proposals = SuspensionProposal.objects.visible_to(actor).select_related("supplier", "assessment")
    return proposals.filter(state=state) if state else proposals


@waiting_for({Role.FINANCE})
def penalties_waiting(user) -> int:
    """Penalty proposals for finance to accept into an adjustment or dismiss."""
    return PenaltyProposal.objects.filter(state=PenaltyProposal.State.PROPOSED).count()


@waiting_for({Role.OPERATOR})
def suspensions_waiting(user) -> int:
    """Suspension proposals for an operator to decide."""
    return SuspensionProposal.objects.filter(state=SuspensionProposal.State.PROPOSED).count()
