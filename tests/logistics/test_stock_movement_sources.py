"""A stock movement's source shows its document's number, never a row's id — an inbound shipment's (IB…), a return's
(RR…), an exchange's replacement by its return's number, a leftover lot by its name alone — linked to where the viewer
opens it (only for the roles that may open it), on the stock pages, in their download and in the API."""

import re

import pytest

from logistics.services import inbound, leftovers
from suppliers.models import StockMovement
from tests.factories import SupplierUserFactory, UserFactory
from tests.logistics.builders import replacement_shipped
from tests.portal import logged_in

pytestmark = pytest.mark.django_db
MOVEMENTS = "/supplier/stock/movements/"


def sources(user) -> list[str]:
    """The 来源 cells of the movements page, newest first."""
    html = logged_in(user).get(MOVEMENTS).content.decode()
    return re.findall(r"<td>((?:<a [^>]*>)?(?:入库单|退换货|换货发货|遗留礼品|订单)[^<]*(?:</a>)?)</td>", html)


def its_supplier(return_request):
    """A user of the supplier of the returned gift."""
    return SupplierUserFactory(supplier=return_request.order.gift.supplier)


def test_an_exchanges_replacement_shows_its_returns_number_linked_to_the_returns_list(exchanged, logistics, now):
    replacement_shipped(exchanged, logistics=logistics, now=now)
    supplier_staff = its_supplier(exchanged)
    replacement = f'<a href="/logistics/returns/?q={exchanged.number}">换货发货 {exchanged.number}</a>'

    seen_by_supplier, seen_by_logistics = sources(supplier_staff), sources(logistics)

    assert replacement in seen_by_supplier and replacement in seen_by_logistics
    assert f'<a href="/logistics/returns/?q={exchanged.number}">退换货 {exchanged.number}</a>' in seen_by_supplier
    assert not any(re.search(r"换货发货 \d", source) for source in seen_by_supplier)


def test_a_role_that_does_not_open_returns_reads_the_number_without_a_link(exchanged, logistics, now):
    replacement_shipped(exchanged, logistics=logistics, now=now)
    finance = UserFactory(role="finance")

    seen = sources(finance)

    assert f"换货发货 {exchanged.number}" in seen and "<a " not in "".join(seen)


def test_the_download_and_the_api_name_the_replacement_by_its_returns_number(api, exchanged, logistics, now):
    replacement_shipped(exchanged, logistics=logistics, now=now)
    supplier_staff = its_supplier(exchanged)
    movement = StockMovement.objects.get(source_type="replacement")

    download = logged_in(supplier_staff).get(f"{MOVEMENTS.rstrip('/')}/export.csv").getvalue().decode("utf-8-sig")
    listed = api(supplier_staff).get("/api/v1/stock-movements/").json()["results"]

    assert f"换货发货 {exchanged.number}" in download
    assert {row["source_number"] for row in listed if row["id"] == movement.pk} == {exchanged.number}


def test_a_received_inbound_shipment_links_its_number_to_the_inbound_list_of_the_viewer(
    supplier, supplier_staff, logistics, stocked_gift, warehouse, now
):
    announced = inbound.announce_inbound(
        supplier=supplier,
        gift_id=stocked_gift.pk,
        location_id=warehouse.pk,
        quantity=3,
        expected_on=now.date(),
        actor=None,
        now=now,
    )
    inbound.receive_inbound(inbound=announced, counted_quantity=3, actor=logistics, now=now)

    assert f'<a href="/logistics/announce/?q={announced.number}">入库单 {announced.number}</a>' in sources(supplier_staff)
    assert f'<a href="/logistics/inbound/?q={announced.number}">入库单 {announced.number}</a>' in sources(logistics)


def test_a_leftover_lots_movement_links_to_the_lot_without_its_id(lot, operator, logistics, now):
    leftovers.collect_lot(lot=lot, actor=logistics, now=now)

    assert f'<a href="/logistics/leftovers/{lot.pk}/">遗留礼品</a>' in sources(operator)
    assert f"遗留礼品 {lot.pk}" not in "".join(sources(operator))


def test_a_replacements_movement_is_found_by_its_returns_number_on_the_page_and_in_the_api(api, exchanged, logistics, now):
    replacement_shipped(exchanged, logistics=logistics, now=now)
    supplier_staff = its_supplier(exchanged)
    replacement = StockMovement.objects.get(source_type="replacement")

    listed = logged_in(supplier_staff).get(MOVEMENTS, {"q": exchanged.number.lower()}).context["page_obj"]
    found = api(supplier_staff).get("/api/v1/stock-movements/", {"search": exchanged.number}).json()["results"]

    assert replacement.pk in {movement.pk for movement in listed}
    assert replacement.pk in {row["id"] for row in found}
    assert {row["source_type"] for row in found} <= {"return", "replacement"}
