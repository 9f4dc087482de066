"""The parcel lists (the staff's shipments, a supplier's dropship parcels) and the API's `?search=` find a parcel by its
tracking number as people type it: any case, full-width, with spaces or hyphens between its groups of digits."""
import re

import pytest

from logistics.models import Shipment
from logistics.selectors import search_shipments
from tests.helpers import picked_and_shipped
from tests.portal import logged_in

pytestmark = pytest.mark.django_db
TYPED = ["SF1402200012", "sf1402200012", "ｓｆ１４０２２０００１２", "SF 1402 2000 12", "SF-1402-2000-12", " 1402 2000 ", "ＳＦ－１４０２"]


@pytest.fixture
def sf_parcel(handed_over, logistics, now) -> Shipment:
    return picked_and_shipped(shipment=handed_over, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1402200012")


def listed(user, url: str, q: str) -> list[str]:
    html = logged_in(user).get(url, {"q": q}).content.decode()
    return re.findall(r'<tr data-number="([^"]+)"', html.split('data-testid="shipments"', 1)[1])


@pytest.mark.parametrize("typed", TYPED)
def test_a_parcel_is_found_by_its_tracking_number_as_typed(sf_parcel, typed):
    assert list(search_shipments(Shipment.objects.all(), typed)) == [sf_parcel]


@pytest.mark.parametrize("typed", ["ZT RET", "ztret", "ＺＴ－ＲＥＴ"])
def test_a_tracking_number_stored_with_a_hyphen_is_found_typed_without_it_or_with_spaces(dropship_shipped, typed):
    assert list(search_shipments(Shipment.objects.all(), typed)) == [dropship_shipped]


def test_an_order_number_in_any_case_still_finds_its_parcel_and_another_number_none(sf_parcel):
    rows = Shipment.objects.all()

    assert list(search_shipments(rows, sf_parcel.order.number.lower())) == [sf_parcel]
    assert not search_shipments(rows, "SF 1402 2001").exists()


def test_the_shipment_list_and_the_api_find_a_parcel_by_its_tracking_number_as_typed(sf_parcel, logistics, api):
    number = sf_parcel.order.number

    assert listed(logistics, "/logistics/shipments/", "ｓｆ１４０２２０００１２") == [number]
    assert listed(logistics, "/logistics/shipments/", "SF 1402-2000 12") == [number]
    assert listed(logistics, "/logistics/shipments/", "SF 1402 2001") == []
    found = api(logistics).get("/api/v1/shipments/", {"search": "sf-1402-2000"}).json()["results"]
    assert [row["id"] for row in found] == [sf_parcel.pk]


def test_the_dropship_list_finds_the_suppliers_parcel_by_its_tracking_number_as_typed(dropship_shipped, supplier_staff):
    assert listed(supplier_staff, "/logistics/dropship/", "ｚｔ ｒｅｔ") == [dropship_shipped.order.number]
