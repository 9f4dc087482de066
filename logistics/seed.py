"""Demo data of the logistics app (see LogisticsConfig.ready), all through the logistics, points and catalog services.

Runs after the points steps (40, 45) and the settlement demo's orders of the months before (42): every order here is
placed after those, so each member's points history is posted in time order. Each step is safe to run twice: every
scenario is guarded by something it alone creates (an inbound of the gift, the batch key, the dropship order, the
retired gift), and a step is all or nothing.

* 50 inbound — a cup delivery announced against the cup's open replenishment request (which stays open, so the
  demo keeps exactly one request) and a tea delivery received two days ago with 1 unit damaged (handling fee,
  borne by supplier_a) and put away.
* 52 shipments — batch DEMO-BATCH-1 (five days ago) hands over three tea orders placed six days ago: one delivered
  three days ago (carrier event) with three returns resolved as refunds (resellable; two units damaged in transit,
  each opening a logistics claim: one left open for finance, the other rejected by `finance` as the provider's
  photos show the box whole when signed for), one shipped yesterday and in transit, and one that failed (carrier event), was re-delivered by
  the operator (redelivery fee borne by the supplier) and received by the member, who now asks to exchange it
  (waiting for approval). Member 13800138001 redeems the dropship earbuds (SMS-confirmed) two hours ago and the
  order is handed to supplier_b, not yet shipped. Member 13800138000 redeems a tea box and a cup today: the tea is
  handed over in batch DEMO-BATCH-2 (its shipment waits to be picked), the cup stays confirmed, ready for the
  logistics user to hand over.
* 54 leftovers — supplier_a's towel gift, stocked through an inbound, listed, delisted and retired 33 days ago: its
  leftover lot passed its collection deadline three days ago and carries three daily storage fees, each recorded at
  00:10 on its day as the daily run does, at the tariff then in force.
"""
import re
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from core.roles import Role
from core.seed import DELIVERED_BATCH_KEY, ensure_user
from core.seeding import register_seed

BATCH_KEY, TODAYS_BATCH_KEY = DELIVERED_BATCH_KEY, "DEMO-BATCH-2"
ADDRESSES = {
    "13800138000": "浙江省杭州市西湖区文三路 100 号",
    "13800138001": "上海市浦东新区世纪大道 88 号",
    "13700137000": "江苏省南京市鼓楼区中山路 18 号",
}
SF, YTO = "顺丰速运", "圆通速递"
LEFTOVER_SKU = "HOME-TOWEL-01"


def _staff(password: str):
    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    logistics = ensure_user(username="logistics", role=Role.LOGISTICS, password=password)
    return operator, logistics


def _supplier(username: str):
    """The demo supplier whose admin user is `username`, and that user."""
    from suppliers.models import SupplierMembership

    membership = SupplierMembership.objects.select_related("supplier", "user").get(user__username=username)
    return membership.supplier, membership.user


def _warehouse():
    from suppliers.models import Location

    return Location.objects.get(code="WH-HZ")


# --- 50: inbound -----------------------------------------------------------------------------------------------
@register_seed(50, "logistics: inbound (cup announced for its replenishment, tea received with damage and put away)")
def seed_inbound(*, now, password, progress) -> None:
    from logistics.models import InboundShipment
    from logistics.services import inbound
    from suppliers.models import Gift, ReplenishmentRequest

    _, logistics = _staff(password)
    supplier, supplier_user = _supplier("supplier_a")
    warehouse, today = _warehouse(), timezone.localdate(now)

    cup = Gift.objects.get(supplier=supplier, sku="HOME-CUP-01")
    if not InboundShipment.objects.filter(gift=cup).exists():
        request = ReplenishmentRequest.objects.filter(gift=cup, location=warehouse, state=ReplenishmentRequest.State.OPEN).first()
        inbound.announce_inbound(
            supplier=supplier, gift_id=cup.pk, location_id=warehouse.pk, quantity=request.quantity if request else 10,
            expected_on=today + timedelta(days=3), actor=supplier_user, now=now,
            replenishment_request_id=request.pk if request else None, note="响应补货提醒，顺丰发出",
        )
    progress(1, 2)

    tea = Gift.objects.get(supplier=supplier, sku="TEA-LJ-250")
    if not InboundShipment.objects.filter(gift=tea).exists():
        announced_at = now - timedelta(days=3)
        shipment = inbound.announce_inbound(
            supplier=supplier, gift_id=tea.pk, location_id=warehouse.pk, quantity=20,
            expected_on=timezone.localdate(announced_at) + timedelta(days=1), actor=supplier_user, now=announced_at,
            note="秋茶补货",
        )
        received_at = now - timedelta(days=2)
        inbound.receive_inbound(inbound=shipment, counted_quantity=20, damaged_quantity=1, actor=logistics, now=received_at)
        inbound.put_away_inbound(inbound=shipment, actor=logistics, now=received_at + timedelta(hours=2), reason="A区 3 号货架")
    progress(2, 2)


# --- 52: handoff, shipments, returns, costs, claims ------------------------------------------------------------
def place_as_member(*, phone: str, sku: str, quantity: int, at):
    """Place (and, below the SMS threshold, confirm) an order as the member, at `at`."""
    from points.models import Member
    from points.services import orders
    from suppliers.models import Gift

    member = Member.objects.select_related("user").get(phone=phone)
    return orders.place_order(
        member=member, gift_id=Gift.objects.get(sku=sku).pk, quantity=quantity, now=at, actor=member.user,
        recipient_name=member.name, recipient_phone=member.phone, address=ADDRESSES[phone],
    )


def ship_by_logistics(order, *, logistics, at, carrier: str, tracking_number: str):
    """The logistics user picks the order's shipment at `at` and ships it two hours later."""
    from logistics.services import shipments
    from points.models import RedemptionOrder

    shipment = shipments.active_shipment(RedemptionOrder.objects.get(pk=order.pk))
    shipments.pick_shipment(shipment=shipment, actor=logistics, now=at)
    return shipments.ship_shipment(shipment=shipment, actor=logistics, now=at + timedelta(hours=2), carrier=carrier,
                                   tracking_number=tracking_number)


def carrier_reports(shipment, *, kind: str, at, **payload) -> None:
    """The carrier's webhook reports `kind` (delivered, failed) of the shipment at `at`, two minutes later."""
    from logistics.services import carrier_events

    carrier_events.record_carrier_event(
        event_id=f"DEMO-{shipment.tracking_number}-1", tracking_number=shipment.tracking_number, sequence=1, kind=kind,
        occurred_at=at, payload={"carrier": shipment.carrier, **payload}, now=at + timedelta(minutes=2),
    )


def _seed_batch(*, now, operator, logistics, finance) -> None:
    """DEMO-BATCH-1: delivered (three refunded returns, two claims: one open, one rejected), shipped, failed →
    re-delivered (a requested return)."""
    from logistics.models import HandoffBatch
    from logistics.models.costs import CostKind, Payer
    from logistics.services import claims, costs, returns, shipments
    from points.services import orders

    if HandoffBatch.objects.filter(key=BATCH_KEY).exists():
        return
    placed_at = now - timedelta(days=6)
    delivered = place_as_member(phone="13800138001", sku="TEA-LJ-250", quantity=3, at=placed_at)
    in_transit = place_as_member(phone="13800138000", sku="TEA-LJ-250", quantity=1, at=placed_at + timedelta(minutes=5))
    redelivered = place_as_member(phone="13700137000", sku="TEA-LJ-250", quantity=1, at=placed_at + timedelta(minutes=10))

    # every confirmed warehouse order: exactly these three (today's orders come later)
    handed_at = now - timedelta(days=5)
    shipments.hand_over_warehouse_orders(key=BATCH_KEY, actor=logistics, now=handed_at, limit=3)

    def ship(order, *, at, carrier: str, tracking_number: str):
        return ship_by_logistics(order, logistics=logistics, at=at, carrier=carrier, tracking_number=tracking_number)

    # delivered three days ago, reported by the carrier
    first = ship(delivered, at=handed_at + timedelta(hours=1), carrier=SF, tracking_number="SF1402200000101")
    carrier_reports(first, kind="delivered", at=now - timedelta(days=3), signer=delivered.recipient_name)

    # shipped yesterday, in transit
    ship(in_transit, at=now - timedelta(days=1), carrier=SF, tracking_number="SF1402200000102")

    # failed four days ago (carrier event), re-delivered by the operator, fee borne by the supplier, received by the member
    failed = ship(redelivered, at=handed_at + timedelta(hours=1), carrier=YTO, tracking_number="YT7788000000201")
    failed_at = now - timedelta(days=4)
    carrier_reports(failed, kind="failed", at=failed_at, reason="收件人电话无人接听，地址无法投递")
    redelivered.refresh_from_db()
    orders.redeliver_order(order=redelivered, actor=operator, now=failed_at + timedelta(hours=2), reason="已与会员确认地址，重新配送")
    costs.record_extra_cost(
        kind=CostKind.REDELIVERY, payer=Payer.SUPPLIER, supplier=redelivered.supplier, order=redelivered,
        description="首次配送失败（礼品商未核对收件电话），二次配送费", actor=logistics, now=failed_at + timedelta(hours=3),
    )
    ship(redelivered, at=now - timedelta(days=3), carrier=YTO, tracking_number="YT7788000000202")
    redelivered.refresh_from_db()
    shipments.confirm_receipt(order=redelivered, actor=redelivered.member.user, now=now - timedelta(days=2))

    # returns on the delivered order, a unit each: resellable, and two damaged in transit (a claim on the provider each)
    delivered.refresh_from_db()
    member_user = delivered.member.user
    for offset, (reason, outcome, description) in enumerate([
        (returns.Reason.UNUSED, returns.Outcome.RESELLABLE, "多兑换了一盒，未拆封"),
        (returns.Reason.TRANSIT_DAMAGE, returns.Outcome.TRANSIT_DAMAGE, "外包装压损，礼盒破裂"),
        (returns.Reason.TRANSIT_DAMAGE, returns.Outcome.TRANSIT_DAMAGE, "礼盒一角压瘪"),
    ]):
        asked_at = now - timedelta(days=2) + timedelta(minutes=30 * offset)
        request = returns.request_return(order=delivered, actor=member_user, now=asked_at, quantity=1, reason=reason,
                                         description=description)
        returns.approve_return(return_request=request, actor=operator, now=asked_at + timedelta(hours=2))
        returns.receive_return(return_request=request, actor=logistics, now=now - timedelta(days=1))
        returns.inspect_return(return_request=request, actor=logistics, now=now - timedelta(days=1) + timedelta(hours=1),
                               outcome=outcome, reason=description)
    claims.reject_claim(claim=request.claim, actor=finance, now=now - timedelta(hours=6),
                        reason="物流商提供签收照片：签收时外包装完好，压痕系签收后造成")

    # the re-delivered order: the member asks for an exchange, waiting for the operator
    redelivered.refresh_from_db()
    returns.request_return(
        order=redelivered, actor=redelivered.member.user, now=now - timedelta(hours=20), quantity=1,
        reason=returns.Reason.DEFECTIVE, remedy=returns.Remedy.EXCHANGE, description="茶叶受潮结块，申请换货",
    )


def _seed_dropship(*, now) -> None:
    """Member 13800138001 redeems the earbuds (SMS-confirmed) and the order is handed to supplier_b, not yet shipped."""
    from core.models import Notification
    from logistics.services import shipments
    from points.models import RedemptionOrder
    from points.services import orders

    if RedemptionOrder.objects.filter(member__phone="13800138001", gift__sku="ELEC-BT-02").exists():
        return
    placed_at = now - timedelta(hours=2)
    order = place_as_member(phone="13800138001", sku="ELEC-BT-02", quantity=1, at=placed_at)
    if order.state == RedemptionOrder.State.AWAITING_CONFIRMATION:  # read the code the member was texted
        sms = Notification.objects.filter(
            kind="confirmation_code", subject_type=order._meta.label_lower, subject_id=str(order.pk)
        ).latest("id")
        code = re.search(r"验证码为 (\d{6})", sms.body).group(1)
        orders.confirm_order(order=order, code=code, now=placed_at + timedelta(minutes=1), actor=order.member.user)
    shipments.hand_over_dropship_orders(actor=None, now=now - timedelta(hours=1))


def _seed_todays_orders(*, now, logistics) -> None:
    """Member 13800138000 redeems a tea box, handed over in DEMO-BATCH-2 (waiting to be picked), then a cup (confirmed)."""
    from logistics.models import HandoffBatch
    from logistics.services import shipments

    if HandoffBatch.objects.filter(key=TODAYS_BATCH_KEY).exists():
        return
    placed_at = now - timedelta(minutes=40)
    place_as_member(phone="13800138000", sku="TEA-LJ-250", quantity=1, at=placed_at)
    shipments.hand_over_warehouse_orders(key=TODAYS_BATCH_KEY, actor=logistics, now=placed_at + timedelta(minutes=10))
    place_as_member(phone="13800138000", sku="HOME-CUP-01", quantity=1, at=placed_at + timedelta(minutes=20))


@register_seed(52, "logistics: handoff batches and shipments, dropship order, returns, extra cost and claim, today's orders")
def seed_shipments(*, now, password, progress) -> None:
    operator, logistics = _staff(password)
    finance = ensure_user(username="finance", role=Role.FINANCE, password=password)
    _seed_batch(now=now, operator=operator, logistics=logistics, finance=finance)
    progress(1, 3)
    _seed_dropship(now=now)
    progress(2, 3)
    _seed_todays_orders(now=now, logistics=logistics)
    progress(3, 3)


def _charge_daily(*, now) -> None:
    """The storage fees the daily run (00:10, config beat schedule) charged each day since the lots' deadlines, up to
    today: each day's recorded at that day's run, at the tariff then in force (SPEC §4.8)."""
    from logistics.models import LeftoverLot
    from logistics.services import costs, leftovers

    today = timezone.localdate(now)
    first = min((lot.past_deadline_from for lot in LeftoverLot.objects.filter(state=LeftoverLot.State.OPEN)), default=today)
    for n in range((today - first).days + 1):
        run_at = timezone.make_aware(datetime.combine(first + timedelta(days=n), costs.STORAGE_DUE_AT))
        leftovers.charge_storage_fees(now=min(run_at, now))


# --- 54: leftovers ---------------------------------------------------------------------------------------------
@register_seed(54, "logistics: retired gift with an overdue leftover lot and storage fees")
def seed_leftovers(*, now, password, progress) -> None:
    from logistics.services import inbound
    from suppliers.models import Category, Gift
    from suppliers.services import catalog

    operator, logistics = _staff(password)
    supplier, supplier_user = _supplier("supplier_a")
    if Gift.objects.filter(supplier=supplier, sku=LEFTOVER_SKU).exists():
        progress(1, 1)
        return
    warehouse = _warehouse()

    listed_at = now - timedelta(days=45)
    gift = catalog.create_gift(
        supplier=supplier, actor=supplier_user, now=listed_at, sku=LEFTOVER_SKU, name="纯棉毛巾礼盒（两条装）",
        category=Category.objects.get(code="home"), market_price=Decimal("60.00"), settlement_price=Decimal("30.00"),
        points_prices={"gotone": 300, "mzone": 260}, fulfilment=Gift.Fulfilment.WAREHOUSE,
        images=["gifts/home-towel-01.jpg"], specification="34×76cm ×2", warranty_text="质量问题7天包换",
    )
    catalog.submit_gift(gift=gift, actor=supplier_user, now=listed_at)
    for step in (catalog.approve_gift, catalog.publish_gift):
        step(gift=gift, actor=operator, now=listed_at + timedelta(hours=1))

    stocking = inbound.announce_inbound(
        supplier=supplier, gift_id=gift.pk, location_id=warehouse.pk, quantity=6,
        expected_on=timezone.localdate(listed_at) + timedelta(days=2), actor=supplier_user, now=listed_at + timedelta(hours=2),
    )
    received_at = listed_at + timedelta(days=2)
    inbound.receive_inbound(inbound=stocking, counted_quantity=6, actor=logistics, now=received_at)
    inbound.put_away_inbound(inbound=stocking, actor=logistics, now=received_at + timedelta(hours=1))

    catalog.delist_gift(gift=gift, actor=operator, now=now - timedelta(days=35), reason_code=Gift.DelistReason.LOW_SALES,
                        reason="上线一个月无兑换")
    # retired 33 days ago: the lot was due for collection 30 days later, three days ago
    catalog.retire_gift(gift=gift, actor=operator, now=now - timedelta(days=33), reason="礼品商停产，永久下架")
    _charge_daily(now=now)
    progress(1, 1)
