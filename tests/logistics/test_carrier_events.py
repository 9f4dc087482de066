"""Carrier events (SPEC §4.6): applied once per event id, strictly in sequence per tracking number, for warehouse and
dropship shipments alike; an unknown shipment is a typed 404 and an event the shipment cannot take is kept as rejected."""
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.errors import ValidationFailed
from core.fsm import history_of
from core.models import TransitionLog
from tests.portal import field_errors
from logistics.errors import CarrierEventRejected, EventIdReused, SequenceTaken, UnknownShipment
from logistics.models import CarrierEvent, Shipment
from logistics.services import carrier_events, shipments
from points.models import RedemptionOrder
from points.services import orders
from suppliers.models import Gift, Location
from suppliers.services import inventory
from tests.conftest import listed, staff_and_rich_member
from tests.factories import FIXED_NOW, GiftFactory
from tests.helpers import AS_TYPED, assert_list_queries_constant, picked_and_shipped, published, rolled_back_after, world_member_fixtures
from tests.logistics.conftest import TRACKING
from tests.factories import ADDRESS

# with --dist loadgroup one worker runs the module: its shipment is handed over once (handed), not once per worker
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("carrier_events")]


@pytest.fixture(scope="module")
def handed(django_db_setup, django_db_blocker) -> dict:
    """The rich member's order of two units of the listed gift, handed to logistics in batch B1: its shipment waits for
    picking (`handed_over`). Built once per module and rolled back after it; each test reads it afresh and what it
    changes rolls back with it (`two_handed_over` hands its second order over in a batch of its own)."""
    with rolled_back_after(django_db_blocker):
        operator, logistics, member = staff_and_rich_member()
        gift = listed(operator=operator, now=FIXED_NOW)
        order = orders.place_order(member=member, gift_id=gift.pk, quantity=2, now=FIXED_NOW, **ADDRESS)
        shipments.hand_over_warehouse_orders(key="B1", actor=logistics, now=FIXED_NOW)
        yield {"member": member.pk, "gift": gift.pk, "shipment": Shipment.objects.get(order=order).pk}


member, rich_member = world_member_fixtures("handed")


@pytest.fixture
def listed_gift(handed, db) -> Gift:
    return Gift.objects.get(pk=handed["gift"])


@pytest.fixture
def confirmed_order(handed_over) -> RedemptionOrder:
    """The order of `handed_over` (the first of `two_handed_over`)."""
    return handed_over.order


@pytest.fixture
def handed_over(handed, db) -> Shipment:
    """The confirmed warehouse order handed to the logistics provider: its shipment is created, no waybill yet."""
    return Shipment.objects.get(pk=handed["shipment"])


def carrier_event(now, sequence=1, kind="delivered", *, event_id=None, tracking_number=TRACKING, payload=None, hours=24) -> dict:
    """The keyword arguments of one event, by default SF1001 signed for by 刘洋 a day after `now`."""
    default = {"signer": "刘洋"} if kind == "delivered" else {}
    return {"event_id": event_id or f"{tracking_number}-{sequence}", "tracking_number": tracking_number, "sequence": sequence,
            "kind": kind, "occurred_at": now + timedelta(hours=hours), "payload": default if payload is None else payload}


def record(now, **event):
    return carrier_events.record_carrier_event(**event, now=now + timedelta(days=2))


def test_a_delivered_event_delivers_the_shipment_and_the_order_when_it_occurred(shipped, now):
    event = record(now, **carrier_event(now))

    shipped.refresh_from_db()
    order = RedemptionOrder.objects.get()
    assert (event.status, event.shipment_id) == ("applied", shipped.pk)
    assert (shipped.state, shipped.signer, shipped.delivered_at, shipped.last_event_sequence) == (
        "delivered", "刘洋", now + timedelta(hours=24), 1)
    assert (order.state, order.delivered_at) == ("delivered", now + timedelta(hours=24))


def test_a_retried_event_is_applied_once_and_returns_the_stored_event(shipped, now):
    first = record(now, **carrier_event(now))
    log_rows = TransitionLog.objects.count()

    retried = record(now, **carrier_event(now))

    assert retried.pk == first.pk and retried.status == "applied"
    assert (CarrierEvent.objects.count(), TransitionLog.objects.count()) == (1, log_rows)


def test_an_event_id_reused_with_other_content_is_refused_and_changes_nothing(shipped, now):
    record(now, **carrier_event(now))

    with pytest.raises(EventIdReused) as refused:
        record(now, **carrier_event(now, payload={"signer": "别人"}))

    assert (refused.value.status, refused.value.code) == (422, "event_id_reused")
    assert Shipment.objects.get().signer == "刘洋"


def test_an_early_event_waits_and_both_apply_in_order_when_its_predecessor_arrives(handed_over, now):
    named = {"order_number": handed_over.order.number}
    early = record(now, **carrier_event(now, 2, "shipped", payload=named | {"carrier": "顺丰"}, hours=2))
    state_while_waiting = Shipment.objects.get().state

    record(now, **carrier_event(now, 1, "picked", payload=named, hours=1))

    early.refresh_from_db()
    assert (state_while_waiting, early.status, Shipment.objects.get().state) == ("created", "applied", "shipped")
    assert [row.transition for row in history_of(handed_over)] == ["create", "pick", "ship"]


@pytest.mark.parametrize("typed", AS_TYPED.values(), ids=AS_TYPED)
def test_an_event_finds_its_shipment_by_the_order_number_as_people_type_it(handed_over, now, typed):
    record(now, **carrier_event(now, 1, "picked", payload={"order_number": typed(handed_over.order.number)}))

    handed_over.refresh_from_db()
    assert (handed_over.state, handed_over.last_event_sequence) == ("picked", 1)


def test_an_event_waits_for_every_missing_predecessor(handed_over, now):
    named = {"order_number": handed_over.order.number}
    third = record(now, **carrier_event(now, 3, "shipped", payload=named | {"carrier": "顺丰"}))

    record(now, **carrier_event(now, 1, "picked", payload=named))

    third.refresh_from_db()
    handed_over.refresh_from_db()
    assert (third.status, handed_over.state, handed_over.last_event_sequence) == ("waiting", "picked", 1)


def test_an_event_waiting_over_an_hour_for_its_predecessor_waits_on_the_logistics_navigation(handed_over, logistics, operator, now):
    named = {"order_number": handed_over.order.number}
    received = now + timedelta(days=2)  # when `record` says the provider sent it
    record(now, **carrier_event(now, 2, "shipped", payload=named | {"carrier": "顺丰"}))

    with time_machine.travel(received + timedelta(minutes=59)):
        assert carrier_events.events_stuck(logistics) == 0
    with time_machine.travel(received + timedelta(minutes=61)):
        assert (carrier_events.events_stuck(logistics), carrier_events.events_stuck(operator)) == (1, 0)
        record(now, **carrier_event(now, 1, "picked", payload=named))  # the provider resends the one it lost
        assert carrier_events.events_stuck(logistics) == 0


def test_a_waiting_event_of_a_shipment_ended_by_hand_waits_for_nothing(handed_over, logistics, now):
    named = {"order_number": handed_over.order.number}
    record(now, **carrier_event(now, 2, "shipped", payload=named | {"carrier": "顺丰"}))
    record(now, **carrier_event(now, 3, "delivered", payload=named | {"signer": "刘洋"}))  # two events, one parcel to chase
    later = now + timedelta(days=3)

    with time_machine.travel(later):
        assert carrier_events.events_stuck(logistics) == 1
        picked_and_shipped(shipment=handed_over, actor=logistics, now=later, carrier="顺丰", tracking_number="SF-BY-HAND")
        shipments.deliver_shipment(shipment=handed_over, actor=logistics, now=later, signer="刘洋")
        assert carrier_events.events_stuck(logistics) == 0


def test_an_unknown_tracking_number_is_a_typed_404_and_nothing_is_stored(shipped, now):
    with pytest.raises(UnknownShipment) as refused:
        record(now, **carrier_event(now, tracking_number="NOPE1"))

    assert (refused.value.status, refused.value.code, refused.value.field) == (404, "unknown_shipment", "tracking_number")
    assert CarrierEvent.objects.count() == 0


def test_a_dropship_shipment_is_delivered_by_a_carrier_event(rich_member, operator, supplier_staff, now):
    supplier = supplier_staff.supplier_membership.supplier
    gift = GiftFactory(supplier=supplier, fulfilment="dropship")
    published(gift, actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=Location.objects.create(code="DS-T", name="自有仓", kind="dropship", supplier=supplier),
                            quantity=3, at=now)
    order = orders.place_order(member=rich_member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_dropship_orders(actor=None, now=now)
    picked_and_shipped(shipment=Shipment.objects.get(order=order), actor=supplier_staff, now=now, carrier="中通",
                            tracking_number="ZT9")

    record(now, **carrier_event(now, tracking_number="ZT9"))

    order.refresh_from_db()
    assert (Shipment.objects.get(order=order).state, order.state) == ("delivered", "delivered")


def test_delivering_before_shipping_is_rejected_with_a_clear_error_and_changes_nothing(handed_over, now):
    order_number = handed_over.order.number
    before = (TransitionLog.objects.count(), RedemptionOrder.objects.get().state)

    with pytest.raises(CarrierEventRejected) as refused:
        record(now, **carrier_event(now, payload={"signer": "刘洋", "order_number": order_number}))

    handed_over.refresh_from_db()
    event = CarrierEvent.objects.get()
    assert (refused.value.status, refused.value.code) == (409, "carrier_event_rejected")
    assert "运单处于「待拣货」状态，不能签收" in refused.value.detail and event.detail in refused.value.detail
    assert (event.status, event.shipment_id) == ("rejected", handed_over.pk)
    assert (handed_over.state, handed_over.tracking_number, handed_over.signer) == ("created", "", "")
    assert (TransitionLog.objects.count(), RedemptionOrder.objects.get().state) == before


def test_a_rejected_event_is_rejected_again_on_retry(handed_over, now):
    event = carrier_event(now, payload={"signer": "刘洋", "order_number": handed_over.order.number})
    with pytest.raises(CarrierEventRejected):
        record(now, **event)

    with pytest.raises(CarrierEventRejected):
        record(now, **event)

    assert CarrierEvent.objects.get().status == "rejected"


def test_a_rejected_event_does_not_block_the_events_after_it(shipped, now):
    with pytest.raises(CarrierEventRejected):
        record(now, **carrier_event(now, 1, "picked"))

    second = record(now, **carrier_event(now, 2, "delivered"))

    assert (second.status, Shipment.objects.get().state) == ("applied", "delivered")


def test_the_provider_picks_and_ships_a_warehouse_shipment_naming_its_order(handed_over, now):
    named = {"order_number": handed_over.order.number}

    record(now, **carrier_event(now, 1, "picked", payload=named, hours=1))
    record(now, **carrier_event(now, 2, "shipped", payload=named | {"carrier": "顺丰"}, hours=2))
    record(now, **carrier_event(now, 3, "delivered", hours=20))

    handed_over.refresh_from_db()
    assert (handed_over.state, handed_over.carrier, handed_over.tracking_number) == ("delivered", "顺丰", TRACKING)
    assert (handed_over.picked_at, handed_over.shipped_at) == (now + timedelta(hours=1), now + timedelta(hours=2))
    assert RedemptionOrder.objects.get().state == "delivered"


def test_a_shipped_event_without_a_carrier_is_rejected(handed_over, now):
    with pytest.raises(CarrierEventRejected) as refused:
        record(now, **carrier_event(now, 1, "shipped", payload={"order_number": handed_over.order.number}))

    assert "请填写承运商" in refused.value.detail
    assert Shipment.objects.get().state == "created"


@pytest.mark.parametrize(("tracking_number", "carrier", "field"), [
    (TRACKING, "【积分商城】顺丰", "payload.carrier"),
    (TRACKING, "顺丰\n回复TD领取补偿", "payload.carrier"),
    ("www.jf-10086.cn", "顺丰", "tracking_number"),
    ("SF 1001", "顺丰", "tracking_number"),
], ids=["carrier-a-sender-tag", "carrier-with-a-line-break", "number-a-web-address", "number-with-a-space"])
def test_a_shipped_event_whose_waybill_shipping_would_refuse_is_refused_and_the_corrected_one_ships(
    handed_over, now, tracking_number, carrier, field
):
    named = {"order_number": handed_over.order.number}
    record(now, **carrier_event(now, 1, "picked", payload=named, hours=1))
    event = carrier_event(now, 2, "shipped", event_id="E-2", tracking_number=tracking_number, payload=named | {"carrier": carrier})

    with pytest.raises(ValidationFailed) as refused:
        record(now, **event)

    assert [(name, code) for name, code, _detail in refused.value.errors] == [(field, "invalid")]
    assert (CarrierEvent.objects.count(), Shipment.objects.get().state) == (1, "picked")
    corrected = record(now, **event | {"tracking_number": TRACKING, "payload": named | {"carrier": "顺丰"}})
    assert (corrected.status, Shipment.objects.get().state, Shipment.objects.get().tracking_number) == ("applied", "shipped", TRACKING)


def test_a_shipped_event_of_a_carrier_written_with_dots_and_full_width_signs_ships_under_it(handed_over, now):
    named = {"order_number": handed_over.order.number}

    record(now, **carrier_event(now, 1, "picked", payload=named, hours=1))
    record(now, **carrier_event(now, 2, "shipped", tracking_number="sf-1001", payload=named | {"carrier": "S.F. Express／顺丰"}))

    assert (Shipment.objects.get().state, Shipment.objects.get().carrier, Shipment.objects.get().tracking_number) == (
        "shipped", "S.F. Express／顺丰", "SF-1001")


def test_a_failed_event_records_the_carriers_reason(shipped, now):
    record(now, **carrier_event(now, 1, "failed", payload={"reason": "地址不详"}))

    assert (Shipment.objects.get().failure_reason, RedemptionOrder.objects.get().state) == ("地址不详", "delivery_failed")


@pytest.mark.parametrize("payload", [{"reason": "  "}, {"reason": "\u3000"}])
def test_a_failed_event_without_a_reason_is_applied_with_the_carriers_default_one(shipped, now, payload):
    event = record(now, **carrier_event(now, 1, "failed", payload=payload))

    assert (event.status, Shipment.objects.get().failure_reason) == ("applied", carrier_events.DEFAULT_FAILURE_REASON)
    assert history_of(Shipment.objects.get()).last().reason_text == carrier_events.DEFAULT_FAILURE_REASON


def test_a_failure_reported_by_hand_must_give_its_reason_while_the_providers_may_leave_it_out(shipped, logistics, now):
    by_hand = {"tracking_number": TRACKING, "kind": "failed", "occurred_at": now + timedelta(hours=1), "actor": logistics, "now": now + timedelta(hours=2)}

    with pytest.raises(ValidationFailed) as refused:
        carrier_events.report_carrier_event(event_id="portal-1", payload={"reason": " "}, **by_hand)

    assert refused.value.field == "payload.reason"
    assert (CarrierEvent.objects.exists(), Shipment.objects.get().state) == (False, "shipped")
    assert carrier_events.report_carrier_event(event_id="portal-2", payload={"reason": "地址不详"}, **by_hand).status == "applied"


def test_another_event_with_a_taken_sequence_is_refused(shipped, now):
    record(now, **carrier_event(now, 1, "delivered"))

    with pytest.raises(SequenceTaken):
        record(now, **carrier_event(now, 1, "failed", event_id="OTHER"))

    assert CarrierEvent.objects.count() == 1


def test_two_carriers_parcels_under_one_tracking_number_each_take_their_first_event(two_handed_over, logistics, now):
    first, second = two_handed_over
    picked_and_shipped(shipment=first, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1001")
    picked_and_shipped(shipment=second, actor=logistics, now=now, carrier="京东", tracking_number="SF1001")

    record(now, **carrier_event(now, 1, "delivered", event_id="SF-E1", payload={"carrier": "顺丰", "signer": "刘洋"}))
    record(now, **carrier_event(now, 1, "delivered", event_id="JD-E1", payload={"carrier": "京东", "signer": "王芳"}))

    assert [(shipment.state, shipment.signer) for shipment in Shipment.objects.order_by("pk")] == [
        ("delivered", "刘洋"), ("delivered", "王芳")]
    assert set(CarrierEvent.objects.values_list("shipment", "sequence", "status")) == {
        (first.pk, 1, "applied"), (second.pk, 1, "applied")}


def test_an_event_dated_up_to_five_minutes_ahead_of_our_clock_is_taken_as_the_provider_s_clock_may_run_ahead(shipped, now):
    received = now + timedelta(days=2)
    event = carrier_event(now)

    with pytest.raises(ValidationFailed) as refused:
        carrier_events.record_carrier_event(**event | {"occurred_at": received + timedelta(minutes=5, seconds=1)}, now=received)
    taken = carrier_events.record_carrier_event(**event | {"occurred_at": received + timedelta(minutes=5)}, now=received)

    shipped.refresh_from_db()
    assert refused.value.field == "occurred_at"
    assert (taken.status, shipped.state, shipped.delivered_at) == ("applied", "delivered", received + timedelta(minutes=5))


@pytest.mark.parametrize(("overrides", "field"), [
    ({"payload": {}}, "payload.signer"),
    ({"sequence": 0}, "sequence"),
    ({"kind": "lost"}, "kind"),
    ({"hours": 49}, "occurred_at"),
    ({"payload": {"signer": "刘洋", "carrier": 7}}, "payload.carrier"),
    ({"sequence": 10_001}, "sequence"),
    ({"sequence": 2**63}, "sequence"),
    ({"payload": {"signer": "签" * 51}}, "payload.signer"),
    ({"payload": {"signer": "刘洋", "carrier": "顺" * 41}}, "payload.carrier"),
])
def test_a_malformed_event_is_refused_and_nothing_is_stored(shipped, now, overrides, field):
    event = carrier_event(now, hours=overrides.pop("hours", 24)) | overrides

    with pytest.raises(ValidationFailed) as refused:
        record(now, **event)

    assert field in [name for name, _code, _detail in refused.value.errors]
    assert (CarrierEvent.objects.count(), Shipment.objects.get().state) == (0, "shipped")


# --- the page and the list --------------------------------------------------------------------------------------
def test_logistics_staff_find_the_waiting_and_rejected_events_on_their_page(client, shipped, logistics, now):
    record(now, **carrier_event(now, 3, "delivered"))
    with pytest.raises(CarrierEventRejected):
        record(now, **carrier_event(now, 1, "picked"))
    client.force_login(logistics)

    waiting = client.get("/logistics/carrier-events/?status=waiting").content.decode()
    rejected = client.get("/logistics/carrier-events/?status=rejected").content.decode()

    assert "SF1001-3" in waiting and "SF1001-1" not in waiting
    assert "SF1001-1" in rejected and "不能拣货" in rejected


def test_a_status_no_event_has_is_named_next_to_its_filter_and_lists_no_event(client, shipped, logistics, now):
    record(now, **carrier_event(now, 3, "delivered"))
    client.force_login(logistics)

    response = client.get("/logistics/carrier-events/?status=lost&tracking_number=SF1001")

    assert response.status_code == 400
    assert field_errors(response) == {"status": "选择一个有效的选项。 lost 不在可用的选项中。"}
    assert "SF1001-3" not in response.content.decode()  # not every status's events, which would pass for the status asked


@pytest.mark.parametrize("role", ["logistics", "operator"])
def test_each_events_tracking_number_links_to_its_shipment_page(request, client, shipped, now, role):
    record(now, **carrier_event(now, 1, "delivered"))
    client.force_login(request.getfixturevalue(role))
    page = client.get("/logistics/carrier-events/").content.decode()

    shipment_page = client.get(f"/logistics/shipments/{shipped.pk}/")

    assert f'<a href="/logistics/shipments/{shipped.pk}/">SF1001</a>' in page and shipment_page.status_code == 200


def test_the_events_are_filtered_by_the_days_they_were_received(client, shipped, logistics, now):
    carrier_events.record_carrier_event(**carrier_event(now, 1, "delivered", hours=1), now=now + timedelta(days=1))
    with pytest.raises(CarrierEventRejected):  # kept as rejected, received the next day
        record(now, **carrier_event(now, 2, "picked"))
    client.force_login(logistics)
    received_first = timezone.localdate(now + timedelta(days=1)).isoformat()

    first_day = client.get("/logistics/carrier-events/", {"received_from": received_first, "received_to": received_first})
    wrong_way = client.get("/logistics/carrier-events/", {"received_from": received_first, "received_to": "2020-01-01"})

    assert [event.event_id for event in first_day.context["page_obj"]] == ["SF1001-1"]
    assert wrong_way.status_code == 400 and field_errors(wrong_way) == {"received_to": "结束日期不能早于开始日期"}
    assert list(wrong_way.context["page_obj"]) == []


def test_the_carrier_event_page_is_for_logistics_and_operators_only(client, supplier_staff, operator):
    client.force_login(supplier_staff)
    refused = client.get("/logistics/carrier-events/")
    client.force_login(operator)
    shown = client.get("/logistics/carrier-events/")

    assert (refused.status_code, shown.status_code) == (403, 200)


def test_the_event_list_runs_the_same_queries_for_1_and_50_events(api, shipped, logistics, now):
    def make(n):
        start = CarrierEvent.objects.count() + 2
        for sequence in range(start, start + n):
            record(now, **carrier_event(now, sequence, "delivered"))

    assert_list_queries_constant(api(logistics), "/api/v1/provider/events/", make)


def test_an_event_for_a_number_two_carriers_use_finds_the_parcel_by_its_carrier_however_spelt(two_handed_over, logistics, now):
    shipped, zto = (
        picked_and_shipped(shipment=shipment, actor=logistics, now=now, carrier=carrier, tracking_number=TRACKING)
        for shipment, carrier in zip(two_handed_over, ("顺丰", "中通"), strict=True)
    )

    with pytest.raises(ValidationFailed) as ambiguous:
        record(now, **carrier_event(now))
    event = record(now, **carrier_event(now, event_id="SF-EXPRESS-1", payload={"signer": "刘洋", "carrier": "SF Express"}))

    assert ambiguous.value.field == "payload.carrier"
    assert (event.shipment_id, Shipment.objects.get(pk=shipped.pk).state, Shipment.objects.get(pk=zto.pk).state) == (
        shipped.pk, "delivered", "shipped"
    )


# --- an event dated before the parcel's latest step ---------------------------------------------------------------
@pytest.mark.parametrize(("kind", "payload"), [("delivered", {"signer": "刘洋"}), ("failed", {"reason": "地址不详"})])
def test_a_delivery_or_failure_dated_before_the_parcel_was_shipped_is_refused_naming_the_event_time(shipped, now, kind, payload):
    with pytest.raises(ValidationFailed) as refused:
        record(now, **carrier_event(now, 1, kind, payload=payload, hours=-1))

    assert (refused.value.status, refused.value.field) == (400, "occurred_at")
    assert "发生时间不能早于运单的发货时间" in refused.value.detail
    shipped.refresh_from_db()
    assert (CarrierEvent.objects.count(), shipped.state, shipped.last_event_sequence) == (0, "shipped", 0)
    assert RedemptionOrder.objects.get().state == "shipped"


def test_a_delivery_at_the_moment_of_shipping_is_taken(shipped, now):
    event = record(now, **carrier_event(now, hours=0))

    assert (event.status, Shipment.objects.get().delivered_at) == ("applied", now)


def test_a_waiting_delivery_dated_before_the_shipping_that_arrives_later_is_rejected_naming_the_time(handed_over, now):
    named = {"order_number": handed_over.order.number}
    early = record(now, **carrier_event(now, 3, "delivered", payload=named | {"signer": "刘洋"}, hours=1))

    record(now, **carrier_event(now, 1, "picked", payload=named, hours=1))
    record(now, **carrier_event(now, 2, "shipped", payload=named | {"carrier": "顺丰"}, hours=2))

    early.refresh_from_db()
    handed_over.refresh_from_db()
    assert (early.status, handed_over.state, handed_over.last_event_sequence) == ("rejected", "shipped", 3)
    assert "发生时间不能早于运单的发货时间" in early.detail


def test_a_picking_dated_before_the_order_was_placed_is_refused_naming_the_event_time_and_changes_nothing(handed_over, now):
    order = handed_over.order
    history = [(row.transition, row.at) for row in history_of(order)]

    with pytest.raises(ValidationFailed) as refused:
        record(now, **carrier_event(now, 1, "picked", payload={"order_number": order.number}, hours=-72))

    assert (refused.value.status, refused.value.field) == (400, "occurred_at")
    assert "发生时间不能早于运单的交接时间" in refused.value.detail
    handed_over.refresh_from_db()
    assert (CarrierEvent.objects.count(), handed_over.state, handed_over.picked_at, handed_over.last_event_sequence) == (
        0, "created", None, 0)
    assert [(row.transition, row.at) for row in history_of(order)] == history


def test_a_shipping_dated_before_the_picking_is_refused_and_the_parcel_keeps_no_ship_time(handed_over, now):
    named = {"order_number": handed_over.order.number}
    record(now, **carrier_event(now, 1, "picked", payload=named, hours=2))

    with pytest.raises(ValidationFailed) as refused:
        record(now, **carrier_event(now, 2, "shipped", payload=named | {"carrier": "顺丰"}, hours=1))

    assert (refused.value.field, "发生时间不能早于运单的拣货时间" in refused.value.detail) == ("occurred_at", True)
    handed_over.refresh_from_db()
    assert (handed_over.state, handed_over.shipped_at, RedemptionOrder.objects.get().state) == ("picked", None, "handed_over")
    assert shipments.auto_deliver_shipments(now=now + timedelta(days=15)) == []


def test_a_waiting_shipping_dated_before_the_picking_that_arrives_later_is_rejected_naming_the_time(handed_over, now):
    named = {"order_number": handed_over.order.number}
    early = record(now, **carrier_event(now, 2, "shipped", payload=named | {"carrier": "顺丰"}, hours=1))

    record(now, **carrier_event(now, 1, "picked", payload=named, hours=2))

    early.refresh_from_db()
    handed_over.refresh_from_db()
    assert (early.status, handed_over.state, handed_over.shipped_at) == ("rejected", "picked", None)
    assert "发生时间不能早于运单的拣货时间" in early.detail


def test_events_dated_from_the_handover_on_are_applied_and_the_orders_history_reads_in_order(handed_over, now):
    named = {"order_number": handed_over.order.number}

    record(now, **carrier_event(now, 1, "picked", payload=named, hours=0))
    record(now, **carrier_event(now, 2, "shipped", payload=named | {"carrier": "顺丰"}, hours=0))

    history = list(history_of(handed_over.order))
    assert [row.transition for row in history] == ["place", "confirm", "hand_over", "ship"]
    assert [row.at for row in history] == sorted(row.at for row in history)
    assert Shipment.objects.get().shipped_at == now


def test_a_picking_reported_after_the_parcel_was_shipped_by_hand_is_rejected_and_holds_back_no_later_event(shipped, now):
    with pytest.raises(CarrierEventRejected) as refused:
        record(now, **carrier_event(now, 1, "picked", hours=-1))

    delivered = record(now, **carrier_event(now, 2, "delivered"))

    assert "不能拣货" in refused.value.detail
    assert (CarrierEvent.objects.get(sequence=1).status, delivered.status, Shipment.objects.get().state) == (
        "rejected", "applied", "delivered")
