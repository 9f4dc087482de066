"""Demo data of defective units going back to their supplier (see LogisticsConfig.ready), all through the services.

* 57 — member 13700137000 redeems three tea boxes 100 minutes ago (after its lost parcel's refund), handed over in
  DEMO-BATCH-4, shipped and signed for. It returns them one by one as defective (refund); logistics receives and
  inspects them, so each owes its box back to supplier_a: one is sent by carrier, one collected by the supplier and
  confirmed by its staff, and one sent and disputed by them (nothing arrived). The exchange of step 55, inspected as
  defective yesterday, owes its box too and awaits dispatch: one in each state.

Guarded by its handoff batch, so a second run adds nothing.
"""
from datetime import timedelta

from django.contrib.auth import get_user_model

from core.roles import Role
from core.seed import ensure_user
from core.seeding import register_seed
from logistics.seed import SF, carrier_reports, place_as_member

BATCH_KEY = "DEMO-BATCH-4"
MEMBER_PHONE = "13700137000"
TEA = "TEA-LJ-250"
WAYBILL = "SF1402200000105"
RETURN_WAYBILLS = ("SF1402200000106", "SF1402200000107")


def _delivered_order(*, start, logistics):
    """Three tea boxes, handed over, shipped and signed for within the next half hour."""
    from logistics.services import shipments
    from points.models import RedemptionOrder

    order = place_as_member(phone=MEMBER_PHONE, sku=TEA, quantity=3, at=start)
    # this one and any order confirmed before it (none left waiting on a fresh database)
    due = shipments.awaiting_handoff().filter(confirmed_at__lte=order.confirmed_at).count()
    shipments.hand_over_warehouse_orders(key=BATCH_KEY, actor=logistics, now=start + timedelta(minutes=5), limit=due)
    shipment = shipments.active_shipment(RedemptionOrder.objects.get(pk=order.pk))
    shipments.pick_shipment(shipment=shipment, actor=logistics, now=start + timedelta(minutes=10))
    shipment = shipments.ship_shipment(shipment=shipment, actor=logistics, now=start + timedelta(minutes=15), carrier=SF,
                                       tracking_number=WAYBILL)
    carrier_reports(shipment, kind="delivered", at=start + timedelta(minutes=28), signer=order.recipient_name)
    return RedemptionOrder.objects.get(pk=order.pk)


@register_seed(57, "logistics: defective returns' units owed back to their supplier, one in each state")
def seed_goods_back(*, now, password, progress) -> None:
    from logistics.models import HandoffBatch
    from logistics.services import goods_back, returns

    if HandoffBatch.objects.filter(key=BATCH_KEY).exists():
        progress(2, 2)
        return
    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    logistics = ensure_user(username="logistics", role=Role.LOGISTICS, password=password)
    start = now - timedelta(minutes=100)
    order, owed = _delivered_order(start=start, logistics=logistics), []
    for unit in range(3):
        asked_at = start + timedelta(minutes=35 + unit)
        request = returns.request_return(order=order, actor=order.member.user, now=asked_at, quantity=1, reason=returns.Reason.DEFECTIVE,
                                         description="茶叶有异味，申请退货")
        returns.approve_return(return_request=request, actor=operator, now=asked_at + timedelta(minutes=5))
        returns.receive_return(return_request=request, actor=logistics, now=start + timedelta(minutes=50))
        returns.inspect_return(return_request=request, actor=logistics, now=start + timedelta(minutes=55),
                               outcome=returns.Outcome.DEFECTIVE, reason="礼盒内茶叶受潮")
        owed.append(request.goods_back)
    progress(1, 2)
    by_carrier, collected, disputed = owed
    sent_at = start + timedelta(minutes=65)
    goods_back.dispatch_goods_back(goods=by_carrier, actor=logistics, now=sent_at, method="carrier", carrier=SF,
                                   tracking_number=RETURN_WAYBILLS[0])
    goods_back.dispatch_goods_back(goods=collected, actor=logistics, now=sent_at, method="collected", reason="礼品商业务员到仓取走")
    goods_back.dispatch_goods_back(goods=disputed, actor=logistics, now=sent_at, method="carrier", carrier=SF,
                                   tracking_number=RETURN_WAYBILLS[1])
    staff = get_user_model().objects.get(username="supplier_a_staff")  # supplier_a's, the tea's supplier (step 20)
    goods_back.receive_goods_back(goods=collected, actor=staff, now=start + timedelta(minutes=85))
    goods_back.dispute_goods_back(goods=disputed, actor=staff, now=start + timedelta(minutes=90), reason="顺丰显示已签收，但仓库未收到该包裹")
    progress(2, 2)
