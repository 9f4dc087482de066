"""The home page's supplier panels: a supplier's own gifts online and under review, and the stock below its safety
level with the units on hand over two weeks — its own only; logistics staff see every supplier's stock; and the
supplier's own state with the reason of its last change."""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suppliers.models import Location
from suppliers.services import catalog, inventory, onboarding, revisions
from tests.factories import GiftFactory, WarehouseFactory, licensed
from tests.helpers import gift_in_state, published
from tests.portal import listed, logged_in, shown

pytestmark = pytest.mark.usefixtures("licensed_supplier")


def stocked(gift, *, units: int, safety: int, logistics, now):
    warehouse = WarehouseFactory(code="WH-HOME")
    inventory.receive_stock(gift=gift, location=warehouse, quantity=units, at=now)
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=safety, at=now, actor=logistics)
    return gift


def test_a_supplier_counts_its_own_gifts_online_under_review_and_approved_not_yet_online(supplier, supplier_admin, other_supplier, operator, now):
    for _ in range(2):
        published(GiftFactory(supplier=supplier), actor=operator, at=now)
    catalog.submit_gift(gift=GiftFactory(supplier=supplier), actor=supplier_admin, now=now)
    gift_in_state("approved", gift=GiftFactory(supplier=supplier), actor=operator, at=now)
    scheduled = gift_in_state("approved", gift=GiftFactory(supplier=supplier), actor=operator, at=now)
    revisions.schedule_publication(gift=scheduled, actor=operator, now=now, publish_at=now + timedelta(days=1))  # not online yet either
    GiftFactory(supplier=supplier)  # a draft: none of them
    published(GiftFactory(supplier=licensed(other_supplier)), actor=operator, at=now)

    response = logged_in(supplier_admin).get("/")

    assert (shown(response, "home-gifts-online"), shown(response, "home-gifts-submitted")) == ("2", "1")
    assert shown(response, "home-gifts-approved") == "2"


def test_a_supplier_counts_its_part_of_the_review_queue_and_its_links_list_exactly_those_gifts(
    supplier, supplier_admin, other_supplier, other_supplier_admin, operator, now,
):
    submitted = GiftFactory(supplier=supplier)
    catalog.submit_gift(gift=submitted, actor=supplier_admin, now=now)
    changed = published(GiftFactory(supplier=supplier), actor=operator, at=now)
    revisions.edit_gift(gift=changed, actor=supplier_admin, now=now, changes={"name": "新包装龙井"})
    published(GiftFactory(supplier=supplier), actor=operator, at=now)
    theirs = published(GiftFactory(supplier=licensed(other_supplier)), actor=operator, at=now)
    revisions.edit_gift(gift=theirs, actor=other_supplier_admin, now=now, changes={"name": "别家的修改"})
    own_queue = [len(rows) for rows in catalog.review_queue(actor=supplier_admin)]

    response = logged_in(supplier_admin).get("/")
    page = response.content.decode()
    changes_list = logged_in(supplier_admin).get("/supplier/gifts/", {"change_in_review": "on"})

    assert (shown(response, "home-gifts-submitted"), shown(response, "home-gifts-changes")) == ("1", "1") == tuple(map(str, own_queue))
    assert 'href="/supplier/gifts/?state=submitted"' in page and 'href="/supplier/gifts/?change_in_review=on"' in page
    assert listed(supplier_admin, "/supplier/gifts/", state="submitted") == [submitted.pk]
    assert [gift.pk for gift in changes_list.context["page_obj"]] == [changed.pk]
    assert changes_list.content.decode().count('data-testid="change-in-review"') == 1


def test_stock_below_its_safety_level_is_counted_for_its_supplier_and_for_logistics(
    supplier, supplier_staff, other_supplier, operator, logistics, now,
):
    stocked(published(GiftFactory(supplier=supplier), actor=operator, at=now), units=5, safety=8, logistics=logistics, now=now)
    stocked(published(GiftFactory(supplier=supplier), actor=operator, at=now), units=9, safety=8, logistics=logistics, now=now)
    theirs = published(GiftFactory(supplier=licensed(other_supplier)), actor=operator, at=now)
    stocked(theirs, units=1, safety=3, logistics=logistics, now=now)

    own, everyone = logged_in(supplier_staff).get("/"), logged_in(logistics).get("/")

    assert (shown(own, "home-low-stock"), shown(own, "home-on-hand")) == ("1", "14")
    assert (shown(everyone, "home-low-stock"), shown(everyone, "home-on-hand")) == ("2", "15")
    assert 'href="/supplier/stock/?low=on"' in own.content.decode()


def test_logistics_counts_the_units_in_its_warehouses_not_at_a_suppliers_own_location(supplier, supplier_staff, operator,
                                                                                       logistics, now):
    stocked(published(GiftFactory(supplier=supplier), actor=operator, at=now), units=5, safety=0, logistics=logistics, now=now)
    dropship = published(GiftFactory(supplier=supplier, fulfilment="dropship"), actor=operator, at=now)
    own = Location.objects.create(code="DS-HOME", name="自有仓", kind="dropship", supplier=supplier)
    inventory.receive_stock(gift=dropship, location=own, quantity=7, at=now)

    theirs, ours = logged_in(supplier_staff).get("/"), logged_in(logistics).get("/")

    assert (shown(theirs, "home-on-hand"), charted(theirs)[-1]) == ("12", 12)
    assert (shown(ours, "home-on-hand"), charted(ours)[-1]) == ("5", 5)


def test_logistics_panel_counts_low_stock_in_the_warehouses_and_links_to_the_pages_so_narrowed(supplier, operator, logistics, now):
    stocked(published(GiftFactory(supplier=supplier), actor=operator, at=now), units=5, safety=8, logistics=logistics, now=now)
    dropship = published(GiftFactory(supplier=supplier, fulfilment="dropship"), actor=operator, at=now)
    own = Location.objects.create(code="DS-LOW", name="自有仓", kind="dropship", supplier=supplier)
    inventory.receive_stock(gift=dropship, location=own, quantity=2, at=now)
    inventory.set_safety_stock(gift=dropship, location=own, safety_stock=4, at=now, actor=operator)

    home = logged_in(logistics).get("/")
    page = home.content.decode()
    stock_page = logged_in(logistics).get("/supplier/stock/", {"location_kind": "warehouse"})
    low_page = logged_in(logistics).get("/supplier/stock/", {"location_kind": "warehouse", "low": "on"})
    movements_page = logged_in(logistics).get("/supplier/stock/movements/", {"location_kind": "warehouse"})

    assert (shown(home, "home-on-hand"), shown(home, "home-low-stock")) == ("5", "1")
    assert 'href="/supplier/stock/?low=on&amp;location_kind=warehouse"' in page
    assert 'href="/supplier/stock/?location_kind=warehouse"' in page
    assert 'href="/supplier/stock/movements/?location_kind=warehouse"' in page
    assert sum(record.on_hand for record in stock_page.context["page_obj"]) == 5
    assert [record.location.kind for record in low_page.context["page_obj"]] == ["warehouse"]
    assert {movement.location.kind for movement in movements_page.context["page_obj"]} == {"warehouse"}
    assert re.findall(r'data-value="(-?[0-9]+)"', movements_page.content.decode())[-1] == "5"


def charted(response) -> list[int]:
    """The bars of the home page's stock chart, today last."""
    chart = response.content.decode().split('data-testid="home-stock-chart"')[1]
    return [int(value) for value in re.findall(r'data-value="(-?[0-9]+)"', chart)]


def test_the_supplier_home_page_takes_as_many_queries_for_one_gift_as_for_ten(supplier, supplier_admin, operator, logistics, now):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert logged_in(supplier_admin).get("/").status_code == 200
        return len(context)

    stocked(published(GiftFactory(supplier=supplier), actor=operator, at=now), units=5, safety=8, logistics=logistics, now=now)
    one = queries()
    for _ in range(9):
        published(GiftFactory(supplier=supplier), actor=operator, at=now)

    assert queries() == one


# --- the supplier's own standing --------------------------------------------------------------------------------
def test_a_supplier_sees_its_own_state_and_why_it_last_changed(supplier, supplier_staff, other_supplier, operator, now):
    onboarding.suspend_supplier(supplier=supplier, actor=operator, now=now, reason="投诉未按期整改")
    onboarding.suspend_supplier(supplier=other_supplier, actor=operator, now=now, reason="别家的整改")

    response = logged_in(supplier_staff).get("/")

    assert shown(response, "home-supplier-state") == "已暂停"
    assert shown(response, "home-supplier-reason") == "投诉未按期整改"
    assert "暂停合作" in shown(response, "home-supplier-change") and "别家的整改" not in response.content.decode()
    assert operator.username not in response.content.decode()


@pytest.mark.supplier(applicant=True)
def test_a_new_applicant_sees_it_has_applied_and_no_change_yet(supplier_admin):
    response = logged_in(supplier_admin).get("/")

    assert shown(response, "home-supplier-state") == "已申请"
    assert 'data-testid="home-supplier-change"' not in response.content.decode()


def test_staff_of_the_platform_see_no_supplier_standing(operator):
    response = logged_in(operator).get("/")

    assert 'data-testid="home-supplier-state"' not in response.content.decode()
