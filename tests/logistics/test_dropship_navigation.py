"""The supplier navigation's dropship entries (直发订单, 批量发货) are shown only to the users of a supplier that ships
gifts itself — one of its gifts is dropship, or it has dropship shipments — asked in one query per request; a
warehouse-only supplier is not shown them, and their pages still answer it as before when it types their address."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suppliers.models import Gift
from tests.factories import GiftFactory, SupplierUserFactory
from tests.portal import logged_in

pytestmark = pytest.mark.django_db
DROPSHIP_ENTRIES = {"直发订单", "批量发货"}
DROPSHIP_PAGES = ["/logistics/dropship/", "/logistics/shipments/by-file/"]


def nav_labels(response) -> set[str]:
    nav = response.content.decode().split('data-testid="nav"', 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r"<a [^>]*>([^<]*)</a>", nav))


def condition_queries(queries) -> list[str]:
    """The queries asking whether a supplier ships gifts itself (logistics.selectors.supplies_dropship)."""
    return [q["sql"] for q in queries if "logistics_shipment" in q["sql"] and "suppliers_gift" in q["sql"] and "EXISTS" in q["sql"]]


@pytest.fixture
def warehouse_supplier_staff(supplier_staff):
    GiftFactory(supplier=supplier_staff.supplier_membership.supplier, fulfilment=Gift.Fulfilment.WAREHOUSE)
    return supplier_staff


@pytest.fixture
def dropship_supplier_admin(other_supplier):
    GiftFactory(supplier=other_supplier, fulfilment=Gift.Fulfilment.WAREHOUSE)
    GiftFactory(supplier=other_supplier, fulfilment=Gift.Fulfilment.DROPSHIP)
    return SupplierUserFactory(username="dropship_admin", role="supplier_admin", supplier=other_supplier)


def test_a_warehouse_only_supplier_is_not_shown_the_dropship_entries_and_their_pages_still_answer_it(warehouse_supplier_staff):
    client = logged_in(warehouse_supplier_staff)

    labels = nav_labels(client.get("/"))

    assert not labels & DROPSHIP_ENTRIES and {"订单", "入库预报", "遗留礼品"} <= labels
    assert [client.get(page).status_code for page in DROPSHIP_PAGES] == [200, 200]


def test_a_supplier_with_a_dropship_gift_is_shown_the_dropship_entries(dropship_supplier_admin):
    assert DROPSHIP_ENTRIES <= nav_labels(logged_in(dropship_supplier_admin).get("/"))


def test_a_supplier_whose_gift_was_dropship_keeps_the_entries_for_its_dropship_shipments(supplier_admin, dropship_shipment):
    Gift.objects.filter(pk=dropship_shipment.order.gift_id).update(fulfilment=Gift.Fulfilment.WAREHOUSE)

    assert DROPSHIP_ENTRIES <= nav_labels(logged_in(supplier_admin).get("/"))


def test_staff_keep_their_own_bulk_shipping_entry(logistics):
    assert "批量发货" in nav_labels(logged_in(logistics).get("/"))


@pytest.mark.parametrize("user_fixture", ["warehouse_supplier_staff", "dropship_supplier_admin"])
def test_the_condition_is_asked_once_per_request_whatever_the_entries_and_lists_asking_it(request, user_fixture):
    client = logged_in(request.getfixturevalue(user_fixture))
    client.get("/")  # the session and the caches warmed

    with CaptureQueriesContext(connection) as home:
        client.get("/")  # the navigation and the home page's to-do list
    with CaptureQueriesContext(connection) as page:
        client.get("/logistics/leftovers/")

    assert len(condition_queries(home.captured_queries)) == 1
    assert len(condition_queries(page.captured_queries)) == 1


def test_the_home_page_costs_a_warehouse_only_supplier_the_queries_it_costs_a_dropship_one(warehouse_supplier_staff,
                                                                                          dropship_supplier_admin):
    counts = []
    for user in (warehouse_supplier_staff, dropship_supplier_admin):
        client = logged_in(user)
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        counts.append(len(queries))

    assert counts[0] == counts[1]
