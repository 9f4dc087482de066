"""The KPIs of the monthly supplier assessment (考核, SPEC §4.10) and the formula that turns them into a 0–100 score.

Month M is the calendar month in Asia/Shanghai. Each KPI counts, set-based (one aggregate query per KPI, grouped by
supplier), the events of its denominator that fall in M, and of those the ones that meet it:

- on-time dispatch (dropship orders): orders whose `hand_over` transition (TransitionLog) is in M, except those
  cancelled unshipped while their supplier still had time to ship them (`cancel_before_picking` by the ship-by
  time); of those, the ones whose parcel made at the handover (their first own shipment, not an exchange
  replacement) was shipped by its ship-by time, the one its supplier was told and its lists show
  (`logistics.services.ship_by`: made + 48 h). An order still unshipped when M is assessed is late, and so is one
  cancelled unshipped after its ship-by time had passed: its supplier had already missed it.
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
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate

from core.models import TransitionLog
from core.selectors import answering
from logistics.models import ReturnRequest, Shipment
from logistics.models.returns import resolved_units
from logistics.models.shipments import ORDER_OWN_PARCELS
from logistics.services.ship_by import DUE_TO_SHIP, HANDED_TO_SUPPLIER, SHIPPED_IN_TIME, in_time
from points.models import RedemptionOrder
from points.models.complaints import Complaint, ComplaintDeadline, Party
from settlement.models import Kpi, KpiResult, PenaltyRule
from settlement.services.generation import month_start, next_month
from suppliers.models import Location
from suppliers.models.inventory import ReplenishmentRequest

RATIO = Decimal("0.0001")
HUNDREDTH = Decimal("0.01")
SHANGHAI = ZoneInfo("Asia/Shanghai")
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


# --- KPI counts, one aggregate query each ---------------------------------------------------------------------

def _logged(name: str):
    """The TransitionLog rows of the orders' `name` transition."""
    return TransitionLog.objects.filter(content_type=ContentType.objects.get_for_model(RedemptionOrder), transition=name)


def _transitions_in(window: Window, name: str):
    return _logged(name).filter(at__gte=window.start, at__lt=window.end)


def _rows(queryset) -> Counts:
    return {row["sid"]: (row["num"] or 0, row["den"] or 0) for row in queryset}


def count_on_time_dispatch(window: Window) -> Counts:
    """Numerator: of the dropship orders handed over in M, those whose parcel made at the handover (their first own
    parcel) left in time, by the ship-by time the supplier was told and its lists show (`SHIPPED_IN_TIME`). An order
    cancelled unshipped is left out only when it was cancelled by that time; cancelled later, it counts as late."""
    return _rows(_dispatched(window).values(sid=F("supplier_id")).annotate(
        den=Count("pk"), num=Count("pk", filter=DISPATCHED_IN_TIME),
    ).order_by())


DISPATCHED_IN_TIME = Q(shipped_in_time=True)


def _dispatched(window: Window):
    """The orders the on-time dispatch KPI counts in M, each annotated `shipped_in_time`."""
    handed_over_parcel = Shipment.objects.filter(ORDER_OWN_PARCELS, order=OuterRef("pk")).order_by(HANDED_TO_SUPPLIER, "pk")
    ever_shipped = Shipment.objects.filter(ORDER_OWN_PARCELS, order=OuterRef("pk"), shipped_at__isnull=False)
    cancelled_in_time = _logged("cancel_before_picking").filter(in_time("at", due=OuterRef("due_to_ship")), object_id=OuterRef("pk"))
    orders = (
        RedemptionOrder.objects.filter(fulfilment="dropship", pk__in=_transitions_in(window, "hand_over").values("object_id"))
        .annotate(due_to_ship=Subquery(handed_over_parcel.annotate(due=DUE_TO_SHIP).values("due")[:1]),
                  shipped_in_time=Subquery(handed_over_parcel.annotate(in_time=SHIPPED_IN_TIME).values("in_time")[:1]))
        .exclude(Q(state=RedemptionOrder.State.CANCELLED) & ~Exists(ever_shipped) & Exists(cancelled_in_time))
    )
    return orders


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
    return _rows(_shipping_ended(window).values(sid=F("supplier_id")).annotate(
        den=Count("pk"), num=Count("pk", filter=_delivered_first_time(window)),
    ).order_by())


def _delivered_first_time(window: Window) -> Q:
    return Q(delivered_at__gte=window.start, delivered_at__lt=window.end, failed_once=False)


def _shipping_ended(window: Window):
    """The dropship orders whose shipping ended in M (signed for or given up), each annotated `failed_once`."""
    failed = Shipment.objects.filter(ORDER_OWN_PARCELS, order=OuterRef("pk"), state=Shipment.State.FAILED)
    return RedemptionOrder.objects.filter(fulfilment="dropship").filter(
        Q(delivered_at__gte=window.start, delivered_at__lt=window.end) | Q(pk__in=_transitions_in(window, "give_up").values("object_id"))
    ).annotate(failed_once=Exists(failed))


def _delivered_in(window: Window):
    return RedemptionOrder.objects.filter(delivered_at__gte=window.start, delivered_at__lt=window.end)


def count_complaint_rate(window: Window) -> Counts:
    """Numerator: supplier-responsible complaints opened in M; denominator: orders delivered in M (× 1,000 later)."""
    complaints = dict(_supplier_complaints(window).values_list("supplier_id").annotate(n=Count("pk")).order_by())
    delivered = dict(_delivered_in(window).values_list("supplier_id").annotate(n=Count("pk")).order_by())
    return {sid: (complaints.get(sid, 0), delivered.get(sid, 0)) for sid in complaints.keys() | delivered.keys()}


def _supplier_complaints(window: Window):
    """The complaints triaged to a supplier opened in M (the complaint rate's numerator)."""
    return Complaint.objects.filter(kind=Complaint.Kind.COMPLAINT, responsible=Party.SUPPLIER, supplier__isnull=False,
                                    opened_at__gte=window.start, opened_at__lt=window.end)


ANSWERED_IN_TIME = Q(responded_at__isnull=False, responded_at__lte=F("due_at"))


def _deadlines_due(window: Window):
    return ComplaintDeadline.objects.filter(responsible=Party.SUPPLIER, supplier__isnull=False,
                                            due_at__gte=window.start, due_at__lt=window.end)


def count_complaint_sla(window: Window) -> Counts:
    return _rows(_deadlines_due(window).values(sid=F("supplier_id")).annotate(
        den=Count("pk"), num=Count("pk", filter=ANSWERED_IN_TIME),
    ).order_by())


def count_defect_rate(window: Window) -> Counts:
    units = dict(_delivered_in(window).values_list("supplier_id").annotate(n=Sum("quantity")).order_by())
    defective = dict(_defective_returns(window).values_list("order__supplier_id").annotate(n=Sum(resolved_units())).order_by())
    return {sid: (defective.get(sid, 0), units.get(sid, 0)) for sid in units.keys() | defective.keys()}


def _defective_returns(window: Window):
    """The returns inspected defective of orders delivered in M (the defect rate's numerator)."""
    return ReturnRequest.objects.filter(outcome=ReturnRequest.Outcome.DEFECTIVE, order__in=_delivered_in(window))


COUNTERS: dict[str, Callable[[Window], Counts]] = {
    Kpi.ON_TIME_DISPATCH: count_on_time_dispatch,
    Kpi.REPLENISHMENT_ON_TIME: count_replenishment_on_time,
    Kpi.FIRST_ATTEMPT_DELIVERY: count_first_attempt_delivery,
    Kpi.COMPLAINT_RATE: count_complaint_rate,
    Kpi.COMPLAINT_SLA: count_complaint_sla,
    Kpi.DEFECT_RATE: count_defect_rate,
}


@dataclass(frozen=True)
class Counted:
    """The rows that count against a supplier on a KPI: `kind`, the source kind their numbers open as
    (settlement.sources); `rows`, the month's rows of the KPI's own query that count against it; `number` and
    `supplier`, the fields of their number and supplier."""

    kind: str
    rows: Callable[[Window], QuerySet]
    number: str = "number"
    supplier: str = "supplier_id"


#: the orders or complaints behind each KPI (the replenishment KPI counts requests, which have neither): those that
#: missed, for a KPI better higher; those of its numerator, for a rate better lower
COUNTED = {
    Kpi.ON_TIME_DISPATCH: Counted("order", lambda window: answering(_dispatched(window), DISPATCHED_IN_TIME, False)),
    Kpi.FIRST_ATTEMPT_DELIVERY: Counted(
        "order", lambda window: answering(_shipping_ended(window), _delivered_first_time(window), False)),
    Kpi.COMPLAINT_RATE: Counted("complaint", _supplier_complaints),
    Kpi.COMPLAINT_SLA: Counted("complaint", lambda window: answering(_deadlines_due(window), ANSWERED_IN_TIME, False),
                               number="complaint__number"),
    Kpi.DEFECT_RATE: Counted("order", _defective_returns, number="order__number", supplier="order__supplier_id"),
}


def counted_against(kpi: str, *, month: date, supplier_id: int, limit: int) -> tuple[str, list[str]] | None:
    """(source kind, numbers) of the orders or complaints that count against the supplier on the KPI in `month`, as
    its count finds them now, by number, at most `limit` + 1 of them (more than `limit`: there are more), in one query;
    None for a KPI that counts neither."""
    counted = COUNTED.get(kpi)
    if counted is None:
        return None
    rows = counted.rows(Window.of(month)).filter(**{counted.supplier: supplier_id})
    return counted.kind, list(rows.order_by(counted.number).values_list(counted.number, flat=True).distinct()[:limit + 1])


SCALE = {Kpi.COMPLAINT_RATE: Decimal(1000)}
#: the places a KPI's value is kept to, and so compared with a threshold and shown: a ratio to 4 (shown as a percentage
#: to 2: 95.12%), the complaint rate per 1,000 to 2 (2.50‰); a value is never judged on places nobody is shown
PLACES = {Kpi.COMPLAINT_RATE: HUNDREDTH}


def as_shown(kpi: str, value: Decimal) -> Decimal:
    """A KPI's value, target or threshold to the places people read it (`PLACES`)."""
    return value.quantize(PLACES.get(kpi, RATIO), ROUND_HALF_UP)


# --- the formula ----------------------------------------------------------------------------------------------

def kpi_value(kpi: str, numerator: int, denominator: int) -> Decimal | None:
    """The ratio (per 1,000 for the complaint rate) to the places it is shown (`as_shown`), None when the denominator
    is 0."""
    if not denominator:
        return None
    return as_shown(kpi, Decimal(numerator) * SCALE.get(kpi, Decimal(1)) / Decimal(denominator))


def kpi_figure(kpi: str, value: Decimal | None) -> str:
    """A KPI's value, target or threshold as people read it: a ratio as a percentage (0.9512 → 95.12%), the complaint
    rate as complaints per 1,000 orders (2.5000 → 2.50‰); "—" for none."""
    if value is None:
        return "—"
    if kpi in SCALE:
        return f"{as_shown(kpi, value)}‰"
    return percent(value)


def percent(ratio: Decimal | None) -> str:
    """A ratio as a percentage with two places (0.9512 → 95.12%); "—" for none."""
    if ratio is None:
        return "—"
    return f"{(ratio * 100).quantize(HUNDREDTH, ROUND_HALF_UP)}%"


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
    """Whether the value breaks the rule's threshold, both as they are shown (`as_shown`: 5.00‰ breaks no 5‰ limit)."""
    if value is None:
        return False
    value, threshold = as_shown(rule.kpi, value), as_shown(rule.kpi, rule.threshold)
    return value < threshold if higher_is_better else value > threshold
