"""`manage.py seed_demo` seeds the logistics demo through the services, once: a second run creates nothing new."""
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from core.models import TransitionLog, User

from logistics.models import (
    CarrierEvent,
    ExtraCost,
    HandoffBatch,
    InboundShipment,
    LeftoverLot,
    GoodsBack,
    LogisticsClaim,
    ReturnRequest,
    Shipment,
    ShipmentUpload,
    TariffChange,
)
from logistics.services import returns
from points.models import RedemptionOrder
from settlement.models import Adjustment
from suppliers.models import Gift, Notice, ReplenishmentRequest
from tests.factories import SHANGHAI

# with --dist loadgroup one worker runs the module: the demo is seeded once (seeded_demo), not once per worker
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_logistics")]


def by(queryset, field: str = "state") -> dict:
    return dict(Counter(queryset.values_list(field, flat=True)))


def snapshot() -> dict:
    return {
        "inbound": by(InboundShipment.objects.all()),
        "batches": list(HandoffBatch.objects.values_list("key", "items__order_id").order_by("key", "items__order_id")),
        "shipments": by(Shipment.objects.all()),
        "orders": by(RedemptionOrder.objects.all()),
        "returns": by(ReturnRequest.objects.all()),
        "costs": sorted(ExtraCost.objects.values_list("kind", "payer", "amount", "fee_date")),
        "claims": list(LogisticsClaim.objects.values_list("cause", "state", "amount")),
        "lots": list(LeftoverLot.objects.values_list("gift__sku", "state", "quantity")),
        "goods_back": by(GoodsBack.objects.all()),
        "events": by(CarrierEvent.objects.all(), "status"),
        "replenishment": by(ReplenishmentRequest.objects.all()),
        "uploads": list(ShipmentUpload.objects.values_list("status", "row_count", "shipped_count")),
        "tariff_changes": list(TariffChange.objects.values_list("tariff__kind", "previous_amount", "amount")),
        "adjustments": by(Adjustment.objects.all(), "kind"),
    }


@pytest.fixture(scope="module")
def seeded_twice(seeded_demo, django_db_blocker):
    """The demo seeded twice, once per module (tests only read it; what one changes rolls back with it): the snapshot
    after the first run and what each run printed."""
    second = StringIO()
    with django_db_blocker.unblock():
        after_first = snapshot()
        call_command("seed_demo", stdout=second)
    return after_first, seeded_demo, second.getvalue()


def test_a_second_run_creates_nothing_new(seeded_twice):
    after_first, first, second = seeded_twice

    assert snapshot() == after_first
    for output in (first, second):
        assert "logistics: inbound" in output and "logistics: retired gift" in output and " 3/3" in output


def test_inbound_announced_for_the_cups_open_request_and_tea_received_with_damage(seeded_twice):
    assert by(InboundShipment.objects.all()) == {"announced": 1, "put_away": 2}
    announced = InboundShipment.objects.get(state="announced")
    assert announced.gift.sku == "HOME-CUP-01"
    assert announced.replenishment_request.state == "open"  # still waiting: the demo keeps exactly one request
    assert ReplenishmentRequest.objects.count() == 1
    damaged = InboundShipment.objects.get(damaged_quantity__gt=0)
    assert (damaged.gift.sku, damaged.counted_quantity, damaged.damaged_quantity, damaged.state) == ("TEA-LJ-250", 20, 1, "put_away")
    fee = damaged.extra_costs.get()
    assert (fee.kind, fee.payer, fee.quantity) == ("handling", "supplier", 1)


def test_handoff_batch_and_shipments_in_every_state(seeded_twice):
    batch = HandoffBatch.objects.get(key="DEMO-BATCH-1")
    assert batch.items.count() == 3
    # delivered: the batch's two, DEMO-BATCH-3's exchanged order, DEMO-BATCH-4's returned order and the settlement
    # demo's three orders of the months before; failed: the batch's first parcel of the re-delivered order, DEMO-BATCH-3's
    # lost parcel and its replacement
    assert by(Shipment.objects.all()) == {"created": 2, "shipped": 1, "delivered": 7, "failed": 3}
    assert Shipment.objects.get(state="shipped").tracking_number
    failed = Shipment.objects.get(state="failed", order__handoff_item__batch=batch)
    assert failed.order.shipments.filter(state="delivered").count() == 1  # re-delivered, then received
    assert failed.order.handoff_item.batch == batch
    # every order that left the warehouse went through a handoff batch and has its shipment
    assert not RedemptionOrder.objects.exclude(state="confirmed").filter(fulfilment="warehouse", handoff_item__isnull=True).exists()
    assert not RedemptionOrder.objects.exclude(state="confirmed").filter(shipments__isnull=True).exists()
    # today's tea waits to be picked; today's cup waits for the logistics user's own handoff
    today = HandoffBatch.objects.get(key="DEMO-BATCH-2").items.get().order
    assert (today.member.phone, today.gift.sku, today.shipments.get().state) == ("13800138000", "TEA-LJ-250", "created")
    assert RedemptionOrder.objects.get(state="confirmed").gift.sku == "HOME-CUP-01"
    assert by(CarrierEvent.objects.all(), "status") == {"applied": 8}


def test_the_settlement_demos_older_orders_were_shipped_signed_for_and_completed(seeded_twice):
    older = RedemptionOrder.objects.filter(handoff_item__batch__key__startswith="DEMO-MONTHLY-")

    assert older.count() == 3 and {order.state for order in older} == {"completed"}
    for order in older:
        shipment = order.shipments.get()
        assert (shipment.state, shipment.delivered_at) == ("delivered", order.delivered_at)
        completed = TransitionLog.objects.of(order).get(transition="complete")
        assert timedelta(days=15) <= completed.at - order.delivered_at <= timedelta(days=17)


def test_dropship_earbuds_handed_to_their_supplier_not_shipped(seeded_twice):
    order = RedemptionOrder.objects.get(gift__sku="ELEC-BT-02")
    assert (order.member.phone, order.state, order.fulfilment) == ("13800138001", "handed_over", "dropship")
    assert list(order.shipments.values_list("kind", "state", "supplier__name")) == [("dropship", "created", order.gift.supplier.name)]
    told = Notice.objects.filter(supplier=order.gift.supplier, kind="dropship_to_ship")  # in supplier_b's inbox, once
    assert [(notice.title_text, notice.link) for notice in told] == [("1 笔直发订单待发货", "/logistics/dropship/?state=created")]


def test_returns_costs_and_claims(seeded_twice):
    assert by(ReturnRequest.objects.all()) == {"refunded": 6, "requested": 1, "exchanged": 1}
    assert ReturnRequest.objects.get(outcome="resellable").state == "refunded"
    assert ReturnRequest.objects.get(state="requested").order.state == "delivered"
    damaged = LogisticsClaim.objects.filter(cause="transit_damage")
    assert by(damaged) == {"open": 1, "rejected": 1}
    assert {claim.return_request.outcome for claim in damaged} == {"transit_damage"}
    rejected = damaged.get(state="rejected")
    assert (rejected.rejection.actor.username, rejected.rejection.reason_text) == (
        "finance", "物流商提供签收照片：签收时外包装完好，压痕系签收后造成")
    assert by(ExtraCost.objects.all(), "kind") == {"handling": 1, "redelivery": 1, "storage": 3, "return_freight": 4}
    assert set(ExtraCost.objects.values_list("payer", flat=True)) == {"supplier"}


def test_retired_gift_leaves_an_overdue_lot_with_storage_fees(seeded_twice):
    lot = LeftoverLot.objects.get()
    assert (lot.state, lot.gift.state, lot.quantity) == ("open", Gift.State.RETIRED, 6)
    assert lot.extra_costs.filter(kind="storage").count() == 3
    assert Gift.objects.filter(state="online").count() == 3


def test_two_parcels_shipped_by_the_logistics_users_file(seeded_twice):
    upload = ShipmentUpload.objects.get()
    shipped = Shipment.objects.filter(order__handoff_item__batch__key="DEMO-BATCH-3", replacement_for__isnull=True)

    assert (upload.status, upload.row_count, upload.shipped_count, upload.uploaded_by.username) == ("shipped", 2, 2, "logistics")
    assert sorted(row["shipment"] for row in upload.rows) == sorted(shipped.values_list("pk", flat=True))
    assert all(shipment.shipped_at == upload.finished_at for shipment in shipped)


def test_an_exchange_whose_replacement_failed_waits_for_the_operator(seeded_twice):
    exchange = ReturnRequest.objects.get(state="exchanged")
    operator = User.objects.get(username="operator")

    failed = exchange.failed_replacement()

    assert (exchange.order.member.phone, exchange.remedy, exchange.outcome) == ("13700137000", "exchange", "defective")
    assert (failed.tracking_number, failed.replacement_for) == ("YT7788000000203", exchange)
    assert list(returns.by_failed_replacement(ReturnRequest.objects.all(), True)) == [exchange]
    assert all(returns.may_take(user=operator, return_request=exchange, step=step) for step in ("reship_replacement", "refund_instead"))
    assert not returns.may_take(user=User.objects.get(username="logistics"), return_request=exchange, step="reship_replacement")


def test_a_lost_parcels_claim_accepted_proposes_the_suppliers_compensation_and_is_settled_short_with_a_note(seeded_twice):
    claim = LogisticsClaim.objects.get(cause="lost_parcel")
    compensation = Adjustment.objects.get(source_kind="claim")

    assert (claim.state, claim.shipment.state, claim.order.state, claim.reported_by.username) == (
        "settled", "failed", "cancelled", "logistics")
    assert (claim.amount - claim.received_amount, claim.settlement_reference) == (Decimal("30.00"), "LP-PAY-0001")
    assert claim.settlement_note and claim.received_date == claim.settled_at.astimezone(SHANGHAI).date()
    assert (compensation.kind, compensation.state, compensation.amount) == ("compensation", "proposed", claim.amount)
    assert (compensation.supplier, compensation.source_id, compensation.created_by.username) == (
        claim.order.supplier, f"#{claim.pk}", "finance")
    assert TransitionLog.objects.of(claim).get(transition="accept").at == compensation.created_at  # proposed on acceptance


def test_the_operator_raised_the_storage_fee_and_the_lots_fees_keep_the_old_price(seeded_twice):
    change = TariffChange.objects.get()

    assert (change.tariff.kind, change.previous_amount, change.amount, change.changed_by.username) == (
        "storage", Decimal("2.00"), Decimal("2.50"), "operator")
    assert set(ExtraCost.objects.filter(kind="storage").values_list("amount", flat=True)) == {Decimal("2.00")}


def test_defective_units_owed_back_to_their_supplier_one_in_each_state(seeded_twice):
    goods = GoodsBack.objects.select_related("return_request__order", "supplier")

    assert by(goods) == {"awaiting": 1, "dispatched": 1, "received": 1, "disputed": 1}
    assert {(each.return_request.outcome, each.return_request.order.fulfilment, each.supplier.name) for each in goods} == {
        ("defective", "warehouse", "杭州优选礼品有限公司")}
    assert goods.get(state="awaiting").return_request.state == "exchanged"  # step 55's exchange
    assert goods.get(state="received").method == "collected"
    disputed = goods.get(state="disputed")
    assert (disputed.objection.actor.username, disputed.objection.reason_text) == ("supplier_a_staff", "顺丰显示已签收，但仓库未收到该包裹")
    assert Notice.objects.filter(kind="goods_back_dispatched").count() == 3
