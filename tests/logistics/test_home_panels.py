"""The home page's parcel panel: logistics staff and operators see where the parcels stand and what was shipped and
delivered on the local day."""
from datetime import timedelta

from tests.helpers import picked_and_shipped
from tests.portal import logged_in, shown

STATES = ("home-to-pick", "home-to-ship", "home-on-the-way", "home-failed")


def test_parcels_are_counted_by_where_they_stand_and_by_what_happened_today(two_handed_over, logistics, operator, now, time_machine):
    first, _second = two_handed_over
    picked_and_shipped(shipment=first, actor=logistics, now=now, carrier="顺丰", tracking_number="SF2001")
    time_machine.move_to(now, tick=False)

    for user in (logistics, operator):
        response = logged_in(user).get("/")

        assert [shown(response, name) for name in STATES] == ["1", "0", "1", "0"]
        assert "今日发货 1 件，签收 0 件。" in response.content.decode()
    assert 'href="/logistics/shipments/?state=created"' in response.content.decode()


def test_a_parcel_shipped_yesterday_is_on_its_way_but_not_todays(shipped, logistics, now, time_machine):
    time_machine.move_to(now + timedelta(days=1), tick=False)

    response = logged_in(logistics).get("/")

    assert shown(response, "home-on-the-way") == "1"
    assert "今日发货 0 件，签收 0 件。" in response.content.decode()
