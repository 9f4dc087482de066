"""Handoff and shipments (SPEC §4.6): idempotent batches, the shipment FSM driving the order, dropship rules."""
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.errors import InvalidTransition, ValidationFailed
from core.fsm import apply_transition, history_of
from core.models import TransitionLog
from logistics.errors import ShipmentAlreadyPicked
from logistics.models import HandoffBatch, HandoffItem, Shipment
from logistics.services import shipments
from points.models import PointsAccount, RedemptionOrder
from points.services import orders
from suppliers.models import StockRecord
from tests.creation import assert_history_begins_with_creation
from tests.factories import GiftFactory
from tests.factories import ADDRESS
from tests.helpers import picked_and_shipped, published

pytestmark = pytest.mark.django_db


def test_a_handoff_batch_takes_every_confirmed_warehouse_order_once_and_a_retry_changes_nothing(confirmed_order, logistics, now):
    first = shipments.hand_over_warehouse_orders(key="2026-10-15-AM", actor=logistics, now=now)
    retried = shipments.hand_over_warehouse_orders(key="2026-10-15-AM", actor=logistics, now=now)
    with pytest.raises(ValidationFailed) as nothing_left:
        shipments.hand_over_warehouse_orders(key="2026-10-15-PM", actor=logistics, now=now)

    confirmed_order.refresh_from_db()
    assert first.pk == retried.pk
    assert list(first.items.values_list("order_id", flat=True)) == [confirmed_order.pk]
    assert nothing_left.value.field == "key" and HandoffBatch.objects.count() == 1
    assert HandoffItem.objects.count() == 1 and Shipment.objects.count() == 1
    assert confirmed_order.state == "handed_over"


def test_a_handoff_batchs_parcels_begin_their_history_created_by_the_handover_logged_in_one_insert(
    confirmed_order, rich_member, listed_gift, logistics, now
):
    for _ in range(2):
        orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    with CaptureQueriesContext(connection) as queries:
        batch = shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)

    logged = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_transitionlog"')]
    parcels = list(Shipment.objects.all())
    assert len(parcels) == 3
    for parcel in parcels:
        assert_history_begins_with_creation(parcel)
        created = history_of(parcel).get()
        assert (created.actor, created.at, created.reason_text) == (logistics, now, f"交接批次 {batch.number}")
    assert len(logged) == 3 + 1  # each order's handover, then the parcels' creation together


def test_a_warehouse_shipment_is_picked_shipped_and_delivered_with_the_order(confirmed_order, logistics, now, listed_gift):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    shipment = Shipment.objects.get()

    shipments.pick_shipment(shipment=shipment, actor=logistics, now=now)
    shipments.ship_shipment(shipment=shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1001")
    shipments.deliver_shipment(shipment=shipment, actor=logistics, now=now + timedelta(days=1), signer="刘洋")

    confirmed_order.refresh_from_db()
    assert (shipment.state, confirmed_order.state, shipment.signer) == ("delivered", "delivered", "刘洋")
    record = StockRecord.objects.get(gift=listed_gift)
    assert (record.on_hand, record.reserved) == (8, 0)


@pytest.mark.parametrize(("field", "values"), [
    ("carrier", {"carrier": "", "tracking_number": "X"}), ("tracking_number", {"carrier": "顺丰", "tracking_number": " "}),
    ("carrier", {"carrier": "顺" * 41, "tracking_number": "X"}), ("tracking_number", {"carrier": "顺丰", "tracking_number": "9" * 61}),
])
def test_shipping_needs_a_carrier_and_a_tracking_number_that_fit(confirmed_order, logistics, now, field, values):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    shipment = Shipment.objects.get()

    with pytest.raises(ValidationFailed) as refused:
        shipments.ship_shipment(shipment=shipment, actor=logistics, now=now, **values)

    assert refused.value.field == field
    assert Shipment.objects.get().state == "created"


@pytest.mark.parametrize("signer", ["", "  ", "签" * 51])
def test_delivery_needs_a_signer_that_fits(confirmed_order, logistics, now, signer):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    shipment = Shipment.objects.get()
    picked_and_shipped(shipment=shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")

    with pytest.raises(ValidationFailed) as refused:
        shipments.deliver_shipment(shipment=shipment, actor=logistics, now=now, signer=signer)

    assert refused.value.field == "signer"
    assert Shipment.objects.get().state == "shipped"


def test_a_failed_delivery_is_retried_with_a_new_shipment(confirmed_order, logistics, operator, now):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    first = Shipment.objects.get()
    picked_and_shipped(shipment=first, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")
    shipments.fail_shipment(shipment=first, actor=logistics, now=now, reason="收件人不在")

    orders.redeliver_order(order=RedemptionOrder.objects.get(), actor=operator, now=now)

    second = shipments.active_shipment(RedemptionOrder.objects.get())
    assert second.pk != first.pk and second.state == "created"
    assert RedemptionOrder.objects.get().state == "handed_over"


@pytest.mark.parametrize("reason", ["", "  \n"])
def test_a_person_failing_a_delivery_must_say_why_and_nothing_changes_without(confirmed_order, logistics, now, reason):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    shipment = Shipment.objects.get()
    picked_and_shipped(shipment=shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")
    logged = TransitionLog.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        shipments.fail_shipment(shipment=shipment, actor=logistics, now=now, reason=reason)

    assert refused.value.errors[0][:2] == ("reason", "required")
    assert (Shipment.objects.get().state, RedemptionOrder.objects.get().state) == ("shipped", "shipped")
    assert TransitionLog.objects.count() == logged


def test_cancelling_before_picking_cancels_the_shipment_and_refunds(confirmed_order, logistics, operator, now, rich_member):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)

    orders.cancel_before_picking(order=RedemptionOrder.objects.get(), actor=operator, now=now, reason="会员来电")

    assert Shipment.objects.get().state == "cancelled"
    assert PointsAccount.objects.get(member=rich_member).balance == 50_000


def test_a_shipment_cancelled_with_its_order_before_picking_names_the_operator_and_their_reason_on_its_page_and_api(
    confirmed_order, logistics, operator, now, api, client
):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    orders.cancel_before_picking(order=RedemptionOrder.objects.get(), actor=operator, now=now, reason="会员来电改地址")
    shipment = Shipment.objects.get()

    history = api(logistics).get(f"/api/v1/shipments/{shipment.pk}/history/").json()
    client.force_login(logistics)
    page = client.get(f"/logistics/shipments/{shipment.pk}/").content.decode()

    assert (history[-1]["transition"], history[-1]["actor"], history[-1]["reason"]) == ("cancel", operator.username, "会员来电改地址")
    assert "会员来电改地址" in page and operator.username in page


def test_cancelling_after_picking_is_refused_and_changes_nothing(confirmed_order, logistics, operator, now, rich_member):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    shipments.pick_shipment(shipment=Shipment.objects.get(), actor=logistics, now=now)
    order = RedemptionOrder.objects.get()

    with pytest.raises(ShipmentAlreadyPicked):
        orders.cancel_before_picking(order=order, actor=operator, now=now, reason="会员来电")

    order.refresh_from_db()
    assert (order.state, Shipment.objects.get().state) == ("handed_over", "picked")
    assert PointsAccount.objects.get(member=rich_member).balance == 47_000


def test_a_dropship_order_goes_to_its_supplier_who_ships_it(rich_member, operator, now, supplier_staff):
    from suppliers.models import Location
    from suppliers.services import inventory

    supplier = supplier_staff.supplier_membership.supplier
    gift = GiftFactory(supplier=supplier, fulfilment="dropship")
    published(gift, actor=operator, at=now)
    own = Location.objects.create(code="DS-T", name="自有仓", kind="dropship", supplier=supplier)
    inventory.receive_stock(gift=gift, location=own, quantity=3, at=now)
    order = orders.place_order(member=rich_member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)

    shipments.hand_over_dropship_orders(actor=None, now=now)
    shipment = Shipment.objects.get(order=order)
    assert (shipments.dropship_to_ship(supplier_staff), shipments.dropship_to_ship(operator)) == (1, 0)  # on its navigation
    shipments.ship_shipment(shipment=shipment, actor=supplier_staff, now=now, carrier="中通", tracking_number="ZT9")  # no picking
    assert shipments.dropship_to_ship(supplier_staff) == 0

    order.refresh_from_db()
    assert (shipment.kind, shipment.state, order.state) == ("dropship", "shipped", "shipped")


def test_the_member_confirms_receipt(confirmed_order, logistics, rich_member, now):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    picked_and_shipped(shipment=Shipment.objects.get(), actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")

    shipments.confirm_receipt(order=RedemptionOrder.objects.get(), actor=rich_member.user, now=now + timedelta(days=2))

    assert RedemptionOrder.objects.get().state == "delivered"
    assert Shipment.objects.get().signer == ADDRESS["recipient_name"]


def test_a_shipment_is_delivered_automatically_14_days_after_shipping_and_flagged(confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    picked_and_shipped(shipment=Shipment.objects.get(), actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")

    early = shipments.auto_deliver_shipments(now=now + timedelta(days=13, hours=23))
    due = shipments.auto_deliver_shipments(now=now + timedelta(days=14))

    order = RedemptionOrder.objects.get()
    assert (early, len(due)) == ([], 1)
    assert (order.state, order.delivered_automatically) == ("delivered", True)


def test_a_warehouse_shipment_leaves_only_once_picked_and_an_early_scan_changes_nothing(confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    shipment = Shipment.objects.get()

    with pytest.raises(InvalidTransition) as early:
        shipments.ship_shipment(shipment=shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")
    shipment.refresh_from_db()
    confirmed_order.refresh_from_db()
    assert (shipment.state, shipment.tracking_number, confirmed_order.state) == ("created", "", "handed_over")
    assert "待拣货" in early.value.detail

    shipments.pick_shipment(shipment=shipment, actor=logistics, now=now)
    shipments.ship_shipment(shipment=shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")
    assert Shipment.objects.get().state == "shipped"


@pytest.mark.parametrize(
    ("steps", "illegal"),
    [([], "deliver"), ([], "fail"), ([], "ship"), (["pick"], "pick"), (["pick"], "cancel"), (["pick", "ship"], "cancel"),
     (["pick", "ship", "deliver"], "fail"), (["pick", "ship", "fail"], "deliver")],
)
def test_an_illegal_shipment_transition_is_refused_and_changes_nothing(confirmed_order, logistics, now, steps, illegal):
    shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=now)
    shipment = Shipment.objects.get()
    kwargs = {"pick": {"picked_at": now}, "ship": {"carrier": "顺丰", "tracking_number": "SF1", "shipped_at": now},
              "deliver": {"signer": "x", "delivered_at": now, "recorded_at": now}, "fail": {"failure_reason": "x"}}
    services = {"pick": lambda: shipments.pick_shipment(shipment=shipment, actor=logistics, now=now),
                "ship": lambda: shipments.ship_shipment(shipment=shipment, actor=logistics, now=now, carrier="顺丰",
                                                        tracking_number="SF1"),
                "deliver": lambda: shipments.deliver_shipment(shipment=shipment, actor=logistics, now=now, signer="x"),
                "fail": lambda: shipments.fail_shipment(shipment=shipment, actor=logistics, now=now, reason="x")}
    for step in steps:
        services[step]()
        shipment.refresh_from_db()
    before = (shipment.state, TransitionLog.objects.count())

    with pytest.raises(InvalidTransition):
        apply_transition(shipment, illegal, actor=logistics, at=now, **kwargs.get(illegal, {}))

    shipment.refresh_from_db()
    assert (shipment.state, TransitionLog.objects.count()) == before


def test_confirmed_warehouse_orders_wait_on_the_handoff_entry_until_handed_over(confirmed_order, logistics, operator, now):
    assert (shipments.handoff_waiting(logistics), shipments.handoff_waiting(operator)) == (1, 0)

    shipments.hand_over_warehouse_orders(key="batch-queue", actor=logistics, now=now)

    assert shipments.handoff_waiting(logistics) == 0


def test_handoff_batches_are_listed_newest_first_with_their_order_counts(confirmed_order, logistics, now):
    older = shipments.hand_over_warehouse_orders(key="batch-older", actor=logistics, now=now)
    for _ in range(2):
        orders.place_order(member=confirmed_order.member, gift_id=confirmed_order.gift_id, quantity=1, now=now, **ADDRESS)
    newer = shipments.hand_over_warehouse_orders(key="batch-newer", actor=logistics, now=now + timedelta(hours=1))

    assert [(b.pk, b.order_count) for b in shipments.handoff_batches(logistics)] == [(newer.pk, 2), (older.pk, 1)]


# --- one tracking number per carrier, however the carrier is spelt ----------------------------------------------------
@pytest.fixture
def two_parcels(two_handed_over, logistics, now) -> tuple[Shipment, Shipment]:
    """Two warehouse orders handed over and picked: the first shipped with SF Express as SF-DUP, the second waiting."""
    first, second = two_handed_over
    picked_and_shipped(shipment=first, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-DUP")
    shipments.pick_shipment(shipment=second, actor=logistics, now=now)
    return first, second


@pytest.mark.parametrize("carrier", ["顺丰速运", " 顺丰 ", "SF", "sf express", "ＳＦ", "SF  Express"])
def test_a_tracking_number_in_use_is_refused_under_another_spelling_of_the_same_carrier(two_parcels, logistics, now, carrier):
    _, second = two_parcels

    with pytest.raises(ValidationFailed) as refused:
        shipments.ship_shipment(shipment=second, actor=logistics, now=now, carrier=carrier, tracking_number="SF-DUP")

    second.refresh_from_db()
    assert refused.value.field == "tracking_number" and (second.state, second.tracking_number) == ("picked", "")


def test_an_unknown_carriers_spellings_differing_in_case_or_spaces_are_one_carrier(two_parcels, logistics, now):
    first, second = two_parcels
    shipments.correct_tracking(shipment=first, actor=logistics, now=now, carrier="Acme  Parcel", tracking_number="AC-1", reason="承运商录错")

    with pytest.raises(ValidationFailed):
        shipments.ship_shipment(shipment=second, actor=logistics, now=now, carrier="acme parcel", tracking_number="AC-1")

    first.refresh_from_db()
    assert (first.carrier, first.carrier_key) == ("Acme Parcel", "acmeparcel")


def test_another_carrier_may_use_the_same_tracking_number(two_parcels, logistics, now):
    _, second = two_parcels

    shipments.ship_shipment(shipment=second, actor=logistics, now=now, carrier="中通快递", tracking_number="SF-DUP")

    assert (second.state, second.carrier, second.carrier_key) == ("shipped", "中通快递", "ZTO")


def test_the_database_refuses_a_second_parcel_under_a_carrier_alias_too(two_parcels):
    first, second = two_parcels

    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.filter(pk=second.pk).update(carrier="SF Express", carrier_key="SF", tracking_number=first.tracking_number)


def test_correcting_a_number_to_another_spelling_of_the_same_waybill_is_refused(two_parcels, logistics, now):
    first, _ = two_parcels

    with pytest.raises(ValidationFailed) as refused:
        shipments.correct_tracking(shipment=first, actor=logistics, now=now, carrier="顺丰速运", tracking_number="SF-DUP", reason="改名")

    assert refused.value.field == "tracking_number"


# --- a delivery recorded by hand with the time it was signed for -------------------------------------------------------
def test_a_delivery_recorded_by_hand_keeps_the_time_it_was_signed_for_and_books_when_it_was_recorded(shipped, logistics, now):
    signed_at = now + timedelta(hours=5)

    shipments.deliver_shipment(shipment=shipped, actor=logistics, now=now + timedelta(days=1), signer="刘洋", signed_at=signed_at)

    order = RedemptionOrder.objects.get(pk=shipped.order_id)
    assert (shipped.delivered_at, shipped.delivery_recorded_at) == (signed_at, now + timedelta(days=1))
    assert (order.state, order.delivered_at, order.delivery_recorded_at) == ("delivered", signed_at, now + timedelta(days=1))


@pytest.mark.parametrize("signed_at", [timedelta(minutes=1), -timedelta(minutes=1)], ids=["in-the-future", "before-shipping"])
def test_a_signing_time_in_the_future_or_before_shipping_is_refused_and_nothing_changes(shipped, logistics, now, signed_at):
    recorded = now + timedelta(hours=2)
    at = recorded + signed_at if signed_at > timedelta(0) else shipped.shipped_at + signed_at

    with pytest.raises(ValidationFailed) as refused:
        shipments.deliver_shipment(shipment=shipped, actor=logistics, now=recorded, signer="刘洋", signed_at=at)

    shipped.refresh_from_db()
    assert refused.value.field == "signed_at"
    assert (shipped.state, RedemptionOrder.objects.get(pk=shipped.order_id).state) == ("shipped", "shipped")


def test_a_dropship_supplier_ships_its_parcel_by_hand_but_never_picks_delivers_or_fails_it(dropship_shipped, supplier_staff, logistics):
    """Delivery and failure of a dropship parcel come from carrier events, the member's receipt or the automatic
    confirmation, never from the supplier that shipped it (SPEC §4.6); logistics staff drive only warehouse parcels."""
    offered = {action: shipments.may_drive_by_hand(user=supplier_staff, shipment=dropship_shipped, action=action)
               for action in ("pick", "ship", "correct_tracking", "deliver", "fail")}
    by_logistics = {action for action in ("pick", "ship", "deliver", "fail")
                    if shipments.may_drive_by_hand(user=logistics, shipment=dropship_shipped, action=action)}

    assert offered == {"pick": False, "ship": True, "correct_tracking": True, "deliver": False, "fail": False}
    assert by_logistics == set()
