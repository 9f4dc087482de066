"""Events a supplier's reconciliation line may name that the file could not be matched against (SPEC §4.11): one still
to come (an order not delivered yet, a return not closed, a replacement not delivered), or one recorded since the file
was uploaded. The booking rule books each when it is recorded, so a line naming one is a timing difference, never
adjusted: the adjustment and that statement would both pay it. Read live, in the same query as the lines, so a line
becomes adjustable again once its order ends without the event; one with an event recorded since is matched again."""
from functools import reduce
from operator import or_

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils.translation import gettext, gettext_noop

from logistics.selectors import replacements_awaiting_delivery, returns_still_open
from points.selectors import orders_awaiting_delivery
from settlement.models import LINE_KINDS, Category, ReconciliationLine, SourceKind, StatementLine
from settlement.models.reconciliation import NOT_ADJUSTABLE
from settlement.services import generation

#: The discrepancies of a line whose order, SKU and kind the reconciled statement books.
MISMATCHES = (Category.QUANTITY_MISMATCH, Category.AMOUNT_MISMATCH)

#: The events of ours a supplier's file names, by source kind: (order number, SKU, sign of the file's quantity).
RECORDED_EVENTS = {
    SourceKind.ORDER: ("number", "gift__sku", 1),
    SourceKind.REPLACEMENT: ("order__number", "order__gift__sku", 1),
    SourceKind.RETURN: ("order__number", "order__gift__sku", -1),
}


def _events_of_the_line(source_kind: str, **lookups) -> QuerySet:
    """The counted events of `source_kind` (`generation.EVENTS`) of the outer line's supplier, order and SKU, narrowed
    by `lookups`: a subquery of a `ReconciliationLine` query."""
    number_field, sku_field, _sign = RECORDED_EVENTS[source_kind]
    model, counted, _recorded_at = generation.EVENTS[source_kind]
    return model.objects.filter(counted, supplier_id=OuterRef("reconciliation__supplier_id"),
                                **{number_field: OuterRef("order_number"), sku_field: OuterRef("sku")}, **lookups)


def pending_event() -> Q:
    """A line (`ReconciliationLine`) naming an event of its supplier that may still be recorded: its order's delivery
    (`RedemptionOrder.AWAITING_DELIVERY`), a return of the order still open, or a replacement still to be delivered."""
    supplier, number, sku = OuterRef("reconciliation__supplier_id"), OuterRef("order_number"), OuterRef("sku")
    orders = orders_awaiting_delivery().filter(supplier_id=supplier, number=number, gift__sku=sku)
    of_order = {"supplier_id": supplier, "order__number": number, "order__gift__sku": sku}
    return (Q(Exists(orders), kind="delivery") | Q(Exists(returns_still_open().filter(**of_order)), kind="return")
            | Q(Exists(replacements_awaiting_delivery().filter(**of_order)), kind="replacement"))


def recorded_since_upload() -> Q:
    """A line whose order, SKU and kind has an event of its supplier recorded since its file was uploaded, claimed by a
    statement or not: the figures it was matched against no longer hold (a delivery reported since, a second partial
    return closed since), and the statement booking that event pays it already. An event is taken as recorded since when
    its recorded time (`generation.EVENTS`) is at or after the upload, when no statement has claimed it yet (an upload
    would have seen it and set `booked_later`), or, for a line we had no record of, when it is recorded at all."""
    since = OuterRef("reconciliation__uploaded_at")
    recorded = []
    for source_kind in RECORDED_EVENTS:
        recorded_at = generation.EVENTS[source_kind][2]
        events = _events_of_the_line(source_kind, **{f"{recorded_at}__isnull": False})
        claimed = StatementLine.objects.filter(source_kind=source_kind).values("source_id")
        new = events.filter(Q(**{f"{recorded_at}__gte": since}) | ~Q(pk__in=claimed))
        recorded.append(Q(kind=LINE_KINDS[source_kind]) & (Q(Exists(new)) | Q(Exists(events), category=Category.MISSING_IN_OURS)))
    return reduce(or_, recorded)


def booked_in_another_month() -> Q:
    """A line whose order, SKU and kind the reconciled statement books (a quantity or amount mismatch) and a statement of
    another month books too (a second partial return or replacement recorded in a later month): the supplier's figure
    may sum both, and an adjustment of the difference would pay that other statement's event a second time."""
    month = OuterRef(OuterRef("reconciliation__statement__month"))  # of the line, from within the events' subquery
    booked = []
    for source_kind in RECORDED_EVENTS:
        elsewhere = StatementLine.objects.filter(source_kind=source_kind).exclude(statement__month=month).values("source_id")
        events = _events_of_the_line(source_kind, pk__in=elsewhere)
        booked.append(Q(kind=LINE_KINDS[source_kind], category__in=MISMATCHES) & Q(Exists(events)))
    return reduce(or_, booked)


def with_pending(lines: QuerySet) -> QuerySet:
    """The lines each annotated `awaiting` (`pending_event`), `recorded_since` (`recorded_since_upload`) and
    `booked_elsewhere` (`booked_in_another_month`), which `ReconciliationLine.adjustable` reads."""
    return lines.annotate(awaiting=ExpressionWrapper(pending_event(), output_field=BooleanField()),
                          recorded_since=ExpressionWrapper(recorded_since_upload(), output_field=BooleanField()),
                          booked_elsewhere=ExpressionWrapper(booked_in_another_month(), output_field=BooleanField()))


#: Why a line naming an event still to come (`ReconciliationLine.awaiting`) takes no adjustment, by line kind.
AWAITING_REASONS = {
    "delivery": gettext_noop("该订单尚未完结，仍可能签收：签收登记后由当月的结算单记账，现在调账会重复结算。"
                             "请待订单完结后再处理（未签收即取消的，可再调账），或以平台为准、核销"),
    "return": gettext_noop("该订单有未完结的退货：完结后由当月的结算单冲减，现在调账会重复结算。"
                           "请待退货完结后再处理，或以平台为准、核销"),
    "replacement": gettext_noop("该订单的换货尚未签收：签收登记后由当月的结算单记账，现在调账会重复结算。"
                                "请待换货完结后再处理，或以平台为准、核销"),
}


def not_adjustable_reason(line: ReconciliationLine) -> str:
    """Why a line (read through `with_pending`) takes no adjustment (`ReconciliationLine.adjustable`), for its refusal
    and its page."""
    held_by = line.held_by
    if held_by == "booked_later_part":
        return gettext("平台另记录了该订单同类的一笔，由之后的结算单记账；按差额调账会重复结算。"
                       "请待其记账后对新版本重新对账，或以平台为准、核销")
    if held_by == "booked_later":
        return gettext("平台已记录该笔，由之后的结算单记账；调账会重复结算，请以平台为准或核销")
    if held_by == "recorded_since":
        return gettext("平台现已记录该笔：对账文件上传后，该订单同类的一笔已登记，由登记当月的结算单记账；按本次对账的差额调账会重复结算。"
                       "请对照最新数据重新对账，或以平台为准、核销")
    if held_by == "booked_elsewhere":
        return gettext("该订单同类的另一笔已由其他月份的结算单记账，礼品商的数字可能含那一笔；按差额调账会重复结算。"
                       "请以平台为准、核销，或核实后另行调账")
    if held_by == "awaiting":
        return gettext(AWAITING_REASONS[line.kind])
    if line.category not in NOT_ADJUSTABLE and not line.difference:
        return gettext("双方金额一致，无需调账，请以平台为准或核销")
    return gettext("「%(category)s」的明细不能调账，请以平台为准或核销") % {"category": line.get_category_display()}
