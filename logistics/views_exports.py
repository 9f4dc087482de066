"""Downloads of logistics lists as filtered (core.exports): the extra costs, a supplier's orders, the returns, the
logistics claims, the staff's shipments, inbound shipments and carrier events, as each reader's list shows them."""
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.api.permissions import require_role
from core.exports import Column, day, field, label, list_download, moment, money
from core.masking import mask_address, mask_name
from core.models.transitions import actor_label_for
from core.roles import SUPPLIER_ROLES
from logistics.api.provider import READERS as CARRIER_EVENT_READERS
from logistics.forms_flow import OrderFilterForm
from logistics.forms_returns import ClaimFilterForm, ReturnFilterForm
from logistics.models import ReturnRequest
from logistics.selectors import list_supplier_orders
from logistics.services import claims, returns
from logistics.views_flow import FLOW_STAFF, SHIPMENT_STAFF, listed_inbound, listed_shipments
from logistics.views_provider import listed_carrier_events
from points.views_operator import BOOKING_COLUMNS
from points.selectors import with_booking
from logistics.views_returns import CLAIM_READERS, COST_READERS, RETURN_DESKS, listed_costs


def cost_columns(user) -> list[Column]:
    return [
        Column(gettext_lazy("编号"), lambda c: c.reference),
        Column(gettext_lazy("记录时间"), lambda c: moment(c.recorded_at)),
        Column(gettext_lazy("计费日期"), lambda c: day(c.fee_date)),
        label(gettext_lazy("费用类型"), "kind"),
        label(gettext_lazy("承担方"), "payer"),
        Column(gettext_lazy("礼品商"), lambda c: c.supplier.name),
        Column(gettext_lazy("所属"), lambda c: c.owners_text),
        Column(gettext_lazy("数量"), lambda c: c.quantity),
        Column(gettext_lazy("金额"), lambda c: money(c.amount)),
        label(gettext_lazy("状态"), "state"),
        Column(gettext_lazy("作废原因"), lambda c: c.void_reason),
        Column(gettext_lazy("说明"), lambda c: c.description_label),
        Column(gettext_lazy("记录人"), lambda c: actor_label_for(c.recorded_by, user)),
    ]


@login_required
def extra_cost_export(request, file_format: str):
    """The extra costs list as filtered, every cost of it (voided ones marked), as CSV or XLSX."""
    require_role(request.user, COST_READERS)
    filters, rows = listed_costs(request)
    return list_download(filters=filters, rows=rows, columns=cost_columns(request.user),
                         file_format=file_format, name="extra-costs", now=timezone.now())


#: the supplier's orders' download: the columns of its page, the recipient masked as there, with the settlement amount,
#: the time the statement books the delivery by and that statement (an issued one: a draft's month stays empty)
SUPPLIER_ORDER_COLUMNS = [
    field(gettext_lazy("订单号"), "number"),
    field("SKU", "gift__sku"),
    field(gettext_lazy("礼品"), "gift__name"),
    field(gettext_lazy("数量"), "quantity"),
    label(gettext_lazy("履约方式"), "fulfilment"),
    field(gettext_lazy("收件人"), "recipient_name", mask_name),
    label(gettext_lazy("状态"), "state"),
    field(gettext_lazy("下单时间"), "placed_at", moment),
    field(gettext_lazy("发货时间"), "shipped_at", moment),
    field(gettext_lazy("签收时间"), "delivered_at", moment),
    *BOOKING_COLUMNS,
]


@login_required
def supplier_order_export(request, file_format: str):
    """The supplier's orders as filtered, every order of it (its own only), as CSV or XLSX."""
    require_role(request.user, SUPPLIER_ROLES)
    return list_download(filters=OrderFilterForm(request.GET), rows=with_booking(list_supplier_orders(actor=request.user), user=request.user),
                         columns=SUPPLIER_ORDER_COLUMNS, file_format=file_format, name="orders", now=timezone.now())


#: the returns' download: the columns of the list (no personal data), with the gift's supplier, the inspection's outcome
#: and the returns a row was split from / split into (拆自 / 拆出)
RETURN_COLUMNS = [
    field(gettext_lazy("退换货单号"), "number"),
    field(gettext_lazy("订单号"), "order__number"),
    field("SKU", "order__gift__sku"),
    field(gettext_lazy("礼品"), "order__gift__name"),
    field(gettext_lazy("礼品商"), "supplier__name"),
    label(gettext_lazy("履约方式"), "order__fulfilment"),
    field(gettext_lazy("数量"), "quantity"),
    field(gettext_lazy("实收数量"), "received_quantity"),
    label(gettext_lazy("原因"), "reason"),
    label(gettext_lazy("诉求"), "remedy"),
    label(gettext_lazy("状态"), "state"),
    label(gettext_lazy("检验结论"), "outcome"),
    field(gettext_lazy("申请时间"), "requested_at", moment),
    Column(gettext_lazy("拆自"), lambda r: r.split_from.number if r.split_from_id else ""),
    Column(gettext_lazy("拆出"), lambda r: " ".join(part.number for part in r.split_parts.all())),
]


@login_required
def return_export(request, file_format: str):
    """The returns list as filtered, every return of it (a supplier's own only), as CSV or XLSX."""
    require_role(request.user, RETURN_DESKS)
    return list_download(filters=ReturnFilterForm(request.GET, reader=request.user), rows=returns.list_returns(user=request.user).prefetch_related(None).prefetch_related(
                         Prefetch("split_parts", queryset=ReturnRequest.objects.only("number", "split_from").order_by("pk"))), columns=RETURN_COLUMNS, file_format=file_format, name="returns", now=timezone.now())


#: the logistics claims' download: the columns of the list, with the return claimed for and the settlement (what was
#: received, when, and why it differs)
CLAIM_COLUMNS = [
    field(gettext_lazy("创建时间"), "opened_at", moment),
    label(gettext_lazy("原因"), "cause"),
    field(gettext_lazy("退换货单号"), "return_request__number"),
    field(gettext_lazy("订单号"), "order__number"),
    field(gettext_lazy("礼品商"), "order__supplier__name"),
    field("SKU", "order__gift__sku"),
    field(gettext_lazy("礼品"), "order__gift__name"),
    field(gettext_lazy("数量"), "quantity"),
    field(gettext_lazy("索赔金额"), "amount", money),
    label(gettext_lazy("状态"), "state"),
    field(gettext_lazy("结清凭证号"), "settlement_reference"),
    field(gettext_lazy("结清时间"), "settled_at", moment),
    field(gettext_lazy("实收金额"), "received_amount", money),
    field(gettext_lazy("到账日期"), "received_date", day),
    field(gettext_lazy("差额说明"), "settlement_note"),
]


@login_required
def claim_export(request, file_format: str):
    """The logistics claims as filtered, every claim of it, as CSV or XLSX."""
    require_role(request.user, CLAIM_READERS)
    return list_download(filters=ClaimFilterForm(request.GET), rows=claims.list_claims(user=request.user).prefetch_related(None),
                         columns=CLAIM_COLUMNS, file_format=file_format, name="claims", now=timezone.now())


#: the staff's shipments' download: the columns of their list, the recipient and the address masked as there
SHIPMENT_COLUMNS = [
    Column(gettext_lazy("订单号"), lambda s: s.order.number),
    Column("SKU", lambda s: s.order.gift.sku),
    Column(gettext_lazy("礼品"), lambda s: s.order.gift.name),
    Column(gettext_lazy("数量"), lambda s: s.quantity),
    label(gettext_lazy("类型"), "kind"),
    Column(gettext_lazy("发货仓"), lambda s: s.order.location.label if s.kind == s.Kind.WAREHOUSE and s.order.location else ""),
    Column(gettext_lazy("收件人"), lambda s: mask_name(s.recipient_name)),
    Column(gettext_lazy("收货地址"), lambda s: mask_address(s.address)),
    Column(gettext_lazy("承运商"), lambda s: s.carrier),
    Column(gettext_lazy("运单号"), lambda s: s.tracking_number),
    Column(gettext_lazy("状态"), lambda s: s.state_label),
    Column(gettext_lazy("创建时间"), lambda s: moment(s.created_at)),
]


@login_required
def shipment_export(request, file_format: str):
    """The staff's shipments as filtered, every shipment of it, as CSV or XLSX."""
    require_role(request.user, SHIPMENT_STAFF)
    filters, rows = listed_shipments(request, now=timezone.now())
    return list_download(filters=filters, rows=rows, columns=SHIPMENT_COLUMNS, file_format=file_format, name="shipments",
                         now=timezone.now())


def _received(inbound, count: int) -> int | None:
    """A count of what arrived, empty while the shipment is not received (as the page shows it)."""
    return None if inbound.counted_quantity is None else count


#: the inbound shipments' download: the columns of their list (counts empty until received)
INBOUND_COLUMNS = [
    Column(gettext_lazy("入库单号"), lambda i: i.number),
    Column(gettext_lazy("礼品商"), lambda i: i.supplier.name),
    Column("SKU", lambda i: i.gift.sku),
    Column(gettext_lazy("礼品"), lambda i: i.gift.name),
    Column(gettext_lazy("入库仓"), lambda i: i.location.label),
    Column(gettext_lazy("预报数量"), lambda i: i.announced_quantity),
    Column(gettext_lazy("预计到货"), lambda i: day(i.expected_on)),
    Column(gettext_lazy("实收"), lambda i: i.counted_quantity),
    Column(gettext_lazy("短少"), lambda i: _received(i, i.shortage)),
    Column(gettext_lazy("破损"), lambda i: _received(i, i.damaged_quantity)),
    Column(gettext_lazy("多到未入库"), lambda i: _received(i, i.extra_quantity)),
    label(gettext_lazy("状态"), "state"),
]


@login_required
def inbound_export(request, file_format: str):
    """The inbound shipments as filtered, every one of it, as CSV or XLSX."""
    require_role(request.user, FLOW_STAFF)
    filters, rows = listed_inbound(request)
    return list_download(filters=filters, rows=rows, columns=INBOUND_COLUMNS, file_format=file_format, name="inbound",
                         now=timezone.now())


def _to_the_second(value) -> str:
    """A time as YYYY-MM-DD HH:MM:SS in the portal's time zone, as the carrier events' list shows it (events a few
    seconds apart told apart); empty for none."""
    return "" if value is None else f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}"


#: the carrier events' download: the columns of their list
CARRIER_EVENT_COLUMNS = [
    Column(gettext_lazy("接收时间"), lambda e: _to_the_second(e.received_at)),
    Column(gettext_lazy("事件编号"), lambda e: e.event_id),
    Column(gettext_lazy("运单号"), lambda e: e.tracking_number),
    Column(gettext_lazy("序号"), lambda e: e.sequence),
    label(gettext_lazy("类型"), "kind"),
    Column(gettext_lazy("发生时间"), lambda e: _to_the_second(e.occurred_at)),
    label(gettext_lazy("状态"), "status"),
    Column(gettext_lazy("说明"), lambda e: e.detail),
    Column(gettext_lazy("运单状态"), lambda e: e.shipment.state_label if e.shipment_id else ""),
]


@login_required
def carrier_event_export(request, file_format: str):
    """The carrier events as filtered, every one of it, as CSV or XLSX."""
    require_role(request.user, CARRIER_EVENT_READERS)
    filters, rows = listed_carrier_events(request)
    return list_download(filters=filters, rows=rows, columns=CARRIER_EVENT_COLUMNS, file_format=file_format,
                         name="carrier-events", now=timezone.now())
