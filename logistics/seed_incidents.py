"""Demo data of what goes wrong after handover (see LogisticsConfig.ready), all through the logistics, points and
settlement services.

Runs after the other logistics steps (50–54): member 13700137000's orders here are placed after its DEMO-BATCH-1
order, so its points history is posted in time order.

* 55 — member 13700137000 redeems two tea boxes four days ago, handed over in DEMO-BATCH-3 and shipped by file (the
  logistics user's upload of their waybills). One is delivered; the member asks to exchange it (defective), the
  return is approved, received and inspected, and its replacement parcel fails (carrier event): the exchange waits
  for the operator to ship another or refund the points instead. The other parcel is reported lost by the logistics
  user; the operator gives the order up (points back) and `finance` accepts the lost-parcel claim, which proposes
  supplier_a's compensation, waiting for `finance2`; two hours ago the provider paid the claim short (its insured
  value per parcel), and `finance` settled it with the amount received and why it differs. An hour ago the operator
  raised the storage fee of leftover lots, after the daily run charged today's at 00:10 (the tariff's history keeps
  the old price; the lot's fees already charged keep theirs).

Guarded by its handoff batch (the tariff change by its own history), so a second run adds nothing.
"""
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from core.roles import Role
from core.seed import ensure_user
from core.seeding import register_seed
from logistics.seed import SF, YTO, carrier_reports, place_as_member

BATCH_KEY = "DEMO-BATCH-3"
MEMBER_PHONE = "13700137000"
TEA = "TEA-LJ-250"
WAYBILLS = {"exchanged": "SF1402200000103", "lost": "SF1402200000104"}
REPLACEMENT_WAYBILL = "YT7788000000203"
STORAGE_FEE = Decimal("2.50")
LOST_PARCEL_SHORTFALL = Decimal("30.00")  # what the provider's insured value per parcel leaves unpaid of the claim


def _ship_by_file(shipped, *, logistics, at) -> None:
    """The logistics user uploads a CSV of the orders' waybills at `at`; the rows are shipped two minutes later, as
    the task started on commit would (it then finds the upload done)."""
    from logistics.services import bulk_shipping, shipments

    rows = ["运单ID,订单号,承运商,运单号"] + [
        f"{shipments.active_shipment(order).pk},{order.number},{SF},{tracking_number}" for order, tracking_number in shipped
    ]
    upload = bulk_shipping.upload_shipping_file(actor=logistics, now=at, file_name=f"发货单-{at:%Y%m%d}.csv",
                                                content="\n".join(rows).encode())
    bulk_shipping.ship_upload(upload_id=upload.pk, now=at + timedelta(minutes=2))


def _failed_replacement(order, *, now, operator, logistics) -> None:
    """Delivered three days ago; the member's exchange is inspected as defective yesterday and its replacement fails
    five hours ago."""
    from logistics.services import returns, shipments

    carrier_reports(shipments.active_shipment(order), kind="delivered", at=now - timedelta(days=3), signer=order.recipient_name)
    order.refresh_from_db()
    asked_at = now - timedelta(days=2)
    request = returns.request_return(
        order=order, actor=order.member.user, now=asked_at, quantity=1, reason=returns.Reason.DEFECTIVE,
        remedy=returns.Remedy.EXCHANGE, description="茶叶有霉味，申请换一盒",
    )
    returns.approve_return(return_request=request, actor=operator, now=asked_at + timedelta(hours=1))
    returns.receive_return(return_request=request, actor=logistics, now=now - timedelta(days=1))
    returns.inspect_return(return_request=request, actor=logistics, now=now - timedelta(days=1) + timedelta(hours=1),
                           outcome=returns.Outcome.DEFECTIVE, reason="茶叶受潮发霉")
    replacement = request.replacement_shipments.get()
    shipped_at = now - timedelta(days=1) + timedelta(hours=3)
    shipments.pick_shipment(shipment=replacement, actor=logistics, now=shipped_at)
    replacement = shipments.ship_shipment(shipment=replacement, actor=logistics, now=shipped_at + timedelta(hours=1),
                                          carrier=YTO, tracking_number=REPLACEMENT_WAYBILL)
    carrier_reports(replacement, kind="failed", at=now - timedelta(hours=5), reason="收件人不在，多次联系未果，包裹退回")


def _lost_parcel(order, *, now, operator, logistics, finance) -> None:
    """Reported lost two days ago and given up by the operator; `finance` accepts the claim yesterday."""
    from logistics.services import claims, shipments
    from points.services import orders

    lost_at = now - timedelta(days=2)
    order.refresh_from_db()  # shipped by the file's rows
    claim = claims.report_lost_parcel(shipment=shipments.active_shipment(order), actor=logistics, now=lost_at)
    order.refresh_from_db()
    orders.give_up_order(order=order, actor=operator, now=lost_at + timedelta(hours=2), reason="包裹丢失，退还会员积分")
    claims.accept_claim(claim=claim, actor=finance, now=now - timedelta(days=1), reason="物流商已确认丢件")
    claims.settle_claim(claim=claim, actor=finance, now=now - timedelta(hours=2), settlement_reference="LP-PAY-0001",
                        received_amount=claim.amount - LOST_PARCEL_SHORTFALL, settlement_note="物流商按每件保价上限赔付，差额由运营承担")


def _raise_storage_fee(*, now, operator) -> None:
    from logistics.models import Tariff, TariffChange
    from logistics.services import costs

    storage = Tariff.objects.get(kind="storage")
    if not TariffChange.objects.filter(tariff=storage).exists():
        today_charged = timezone.make_aware(datetime.combine(timezone.localdate(now), costs.STORAGE_DUE_AT))
        changed_at = min(now, max(now - timedelta(hours=1), today_charged + timedelta(minutes=5)))  # an hour ago, after today's run
        costs.update_tariff(tariff=storage, amount=STORAGE_FEE, actor=operator, now=changed_at, reason="仓储成本上涨，按新合同调整")


@register_seed(55, "logistics: parcels shipped by file, an exchange whose replacement failed, a lost parcel's claim accepted and settled, a tariff change")
def seed_incidents(*, now, password, progress) -> None:
    from logistics.models import HandoffBatch
    from logistics.services import shipments

    operator = ensure_user(username="operator", role=Role.OPERATOR, password=password)
    if not HandoffBatch.objects.filter(key=BATCH_KEY).exists():
        logistics = ensure_user(username="logistics", role=Role.LOGISTICS, password=password)
        finance = ensure_user(username="finance", role=Role.FINANCE, password=password)
        placed_at = now - timedelta(days=4)
        exchanged = place_as_member(phone=MEMBER_PHONE, sku=TEA, quantity=1, at=placed_at)
        lost = place_as_member(phone=MEMBER_PHONE, sku=TEA, quantity=1, at=placed_at + timedelta(minutes=5))
        # these two and any order confirmed before them: none on a fresh database, where today's cup, confirmed later,
        # waits for the logistics user's own handoff; an earlier demo's cup on one seeded days ago
        due = shipments.awaiting_handoff().filter(confirmed_at__lte=lost.confirmed_at).count()
        shipments.hand_over_warehouse_orders(key=BATCH_KEY, actor=logistics, now=placed_at + timedelta(hours=1), limit=due)
        _ship_by_file([(exchanged, WAYBILLS["exchanged"]), (lost, WAYBILLS["lost"])], logistics=logistics,
                      at=placed_at + timedelta(hours=3))
        progress(1, 3)
        _failed_replacement(exchanged, now=now, operator=operator, logistics=logistics)
        progress(2, 3)
        _lost_parcel(lost, now=now, operator=operator, logistics=logistics, finance=finance)
    _raise_storage_fee(now=now, operator=operator)
    progress(3, 3)
