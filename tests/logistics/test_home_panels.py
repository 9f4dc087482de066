"""The home page's parcel panel: logistics staff and operators see where the parcels stand and what was shipped and
delivered on the local day."""
from datetime import timedelta

from logistics.models import Shipment
from logistics.services import bulk_shipping, shipments
from points.models import RedemptionOrder
from points.services import orders
from suppliers.models import Location
from suppliers.services import inventory
from tests.factories import ADDRESS, GiftFactory
from tests.helpers import picked_and_shipped, published
from tests.portal import listed, logged_in, shown

STATES = ("home-to-pick", "home-to-ship", "home-on-the-way", "home-failed")


def test_parcels_are_counted_by_where_they_stand_and_by_what_happened_today(two_handed_over, logistics, operator, now, time_machine):
    first, _second = two_handed_over
    picked_and_shipped(shipment=first, actor=logistics, now=now, carrier="顺丰", tracking_number="SF2001")
    time_machine.move_to(now, tick=False)

    for user in (logistics, operator):
        response = logged_in(user).get("/")

        assert [shown(response, name) for name in STATES] == ["1", "1", "1", "0"]
        assert "今日发货 1 件，签收 0 件。" in response.content.decode()
    assert 'href="/logistics/shipments/?kind=warehouse&amp;state=created"' in response.content.decode()


def test_a_parcel_shipped_yesterday_is_on_its_way_but_not_todays(shipped, logistics, now, time_machine):
    time_machine.move_to(now + timedelta(days=1), tick=False)

    response = logged_in(logistics).get("/")

    assert shown(response, "home-on-the-way") == "1"
    assert "今日发货 0 件，签收 0 件。" in response.content.decode()


def test_a_parcel_delivered_today_is_in_todays_figures_though_no_longer_on_its_way(shipped, logistics, now, time_machine):
    shipments.deliver_shipment(shipment=shipped, actor=logistics, now=now, signer="刘洋")
    time_machine.move_to(now, tick=False)
    today = logged_in(logistics).get("/")
    time_machine.move_to(now + timedelta(days=1), tick=False)
    tomorrow = logged_in(logistics).get("/")

    assert [shown(today, name) for name in STATES] == ["0", "0", "0", "0"]
    assert "今日发货 1 件，签收 1 件。" in today.content.decode()
    assert "今日发货 0 件，签收 0 件。" in tomorrow.content.decode()


def test_failed_counts_only_the_deliveries_waiting_for_the_operator_and_links_to_exactly_those(
        confirmed_order, rich_member, listed_gift, logistics, operator, now, time_machine):
    """Three deliveries failed: one re-delivered and signed for, one given up, one (failed twice) still waiting for
    the operator to re-deliver or give up."""
    for _ in range(2):
        orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_warehouse_orders(key="B-FAIL", actor=logistics, now=now)
    redelivered, given_up, waiting = Shipment.objects.order_by("pk")
    for number, parcel in enumerate((redelivered, given_up, waiting)):
        picked_and_shipped(shipment=parcel, actor=logistics, now=now, carrier="顺丰", tracking_number=f"SF-F{number}")
        shipments.fail_shipment(shipment=parcel, actor=logistics, now=now, reason="收件人不在")
    orders.redeliver_order(order=RedemptionOrder.objects.get(pk=redelivered.order_id), actor=operator, now=now)
    again = Shipment.objects.get(order=redelivered.order_id, state="created")
    picked_and_shipped(shipment=again, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-AGAIN")
    shipments.deliver_shipment(shipment=again, actor=logistics, now=now, signer="刘洋")
    orders.give_up_order(order=RedemptionOrder.objects.get(pk=given_up.order_id), actor=operator, now=now, reason="无法投递")
    orders.redeliver_order(order=RedemptionOrder.objects.get(pk=waiting.order_id), actor=operator, now=now)
    second_try = Shipment.objects.get(order=waiting.order_id, state="created")
    picked_and_shipped(shipment=second_try, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-AGAIN-2")
    shipments.fail_shipment(shipment=second_try, actor=logistics, now=now, reason="再次无人签收")
    time_machine.move_to(now, tick=False)

    for user in (logistics, operator):
        response = logged_in(user).get("/")

        assert shown(response, "home-failed") == "1"
        assert 'href="/logistics/shipments/?state=failed&amp;awaiting_decision=1"' in response.content.decode()
        assert listed(user, "/logistics/shipments/", state="failed", awaiting_decision="1") == [second_try.pk]
        assert listed(user, "/logistics/shipments/", state="failed") == sorted([redelivered.pk, given_up.pk, waiting.pk, second_try.pk])


def test_to_pick_and_to_ship_count_the_warehouse_parcels_the_linked_lists_and_the_shipping_page_show(
        two_handed_over, rich_member, supplier, logistics, operator, now, time_machine):
    """Two warehouse parcels, one picked, and a dropship parcel waiting for its supplier, which logistics never
    picks nor ships: the operator sees it counted apart."""
    to_pick, picked = two_handed_over
    shipments.pick_shipment(shipment=picked, actor=logistics, now=now)
    gift = published(GiftFactory(supplier=supplier, fulfilment="dropship"), actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=Location.objects.create(code="DS-OWN", name="自有仓", kind="dropship", supplier=supplier),
                            quantity=5, at=now)
    orders.place_order(member=rich_member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_dropship_orders(actor=None, now=now)
    dropship = Shipment.objects.get(kind="dropship")
    time_machine.move_to(now, tick=False)

    home_response = logged_in(logistics).get("/")
    home = home_response.content.decode()
    shipping_page = logged_in(logistics).get("/logistics/shipments/by-file/")
    operator_home = logged_in(operator).get("/")

    assert [shown(operator_home, name) for name in ("home-to-pick", "home-to-ship", "home-dropship-waiting")] == ["1", "2", "1"]
    assert [shown(home_response, name) for name in ("home-to-pick", "home-to-ship")] == ["1", "2"]
    assert 'data-testid="home-dropship-waiting"' not in home
    assert 'href="/logistics/shipments/?kind=warehouse&amp;state=created"' in home
    assert 'href="/logistics/shipments/?kind=warehouse&amp;unshipped=1"' in home
    assert 'href="/logistics/shipments/?kind=dropship&amp;unshipped=1"' in operator_home.content.decode()
    assert listed(logistics, "/logistics/shipments/", kind="warehouse", state="created") == [to_pick.pk]
    assert listed(logistics, "/logistics/shipments/", kind="warehouse", unshipped="1") == sorted([to_pick.pk, picked.pk])
    assert bulk_shipping.list_shipments_to_ship(actor=logistics).count() == 2
    assert "当前待发货运单：2 个。" in shipping_page.content.decode()
    assert listed(operator, "/logistics/shipments/", kind="dropship", unshipped="1") == [dropship.pk]
