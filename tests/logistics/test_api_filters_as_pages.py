"""The logistics list APIs filter as their pages do, by the same rules: returns by supplier, the time requested and a
failed replacement (`?replacement_failed=`, the page's 仅看换货配送失败); extra costs by the time recorded; shipments by
a failure waiting for the operator (`?awaiting_decision=`, the page's 仅看待重新配送或放弃) and by not being shipped
yet (`?unshipped=`, the page's 仅看未发出). Times are ISO 8601, the
`_after` bound inclusive; a bad value is a 400 naming the filter."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from logistics.models import ExtraCost, Shipment
from logistics.services import shipments
from tests.factories import SupplierFactory
from tests.logistics.builders import request
from tests.portal import logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]


def listed(response, key: str = "id") -> list:
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


def page_numbers(user, url: str) -> list[str]:
    return re.findall(r'<tr data-number="([^"]+)"', logged_in(user).get(url).content.decode())


# --- returns ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def failed_and_plain(failed, dropship_order, now):
    """The exchange whose replacement failed (requested at `now`) and a plain return of the dropship order, requested
    an hour later."""
    return failed.replacement_for, request(dropship_order, now=now + timedelta(hours=1))


def test_returns_filter_by_a_failed_replacement_as_the_page_does(failed_and_plain, operator, api):
    exchange, plain = failed_and_plain

    failed = listed(api(operator).get("/api/v1/returns/", {"replacement_failed": "true"}), "number")
    others = listed(api(operator).get("/api/v1/returns/", {"replacement_failed": "false"}), "number")

    assert failed == page_numbers(operator, "/logistics/returns/?replacement_failed=on") == [exchange.number]
    assert others == [plain.number]


def test_returns_filter_by_supplier_and_the_time_requested(failed_and_plain, operator, api, now):
    exchange, plain = failed_and_plain
    client = api(operator)
    hour_later = (now + timedelta(hours=1)).isoformat()

    own = listed(client.get("/api/v1/returns/", {"supplier": exchange.supplier_id}), "number")
    another = listed(client.get("/api/v1/returns/", {"supplier": SupplierFactory().pk}))
    from_then = listed(client.get("/api/v1/returns/", {"requested_after": hour_later}), "number")
    before_then = listed(client.get("/api/v1/returns/", {"requested_before": hour_later}), "number")

    assert exchange.supplier_id != plain.supplier_id
    assert own == page_numbers(operator, f"/logistics/returns/?supplier={exchange.supplier_id}") == [exchange.number]
    assert another == []
    assert from_then == [plain.number] and before_then == [exchange.number]


# --- extra costs -----------------------------------------------------------------------------------------------------

def test_extra_costs_filter_by_the_time_recorded(supplier, logistics, api, now):
    def cost(at) -> ExtraCost:
        return ExtraCost.objects.create(kind="storage", payer="supplier", supplier=supplier, amount=Decimal("12.5"), quantity=1,
                                        fee_date=date(2026, 10, 14), description="仓储", recorded_at=at)

    earlier, later = cost(now - timedelta(days=2)), cost(now)
    client = api(logistics)

    from_now = listed(client.get("/api/v1/extra-costs/", {"recorded_after": now.isoformat()}))
    before_now = listed(client.get("/api/v1/extra-costs/", {"recorded_before": now.isoformat()}))

    assert from_now == [later.pk] and before_now == [earlier.pk]


# --- shipments -------------------------------------------------------------------------------------------------------

def test_shipments_filter_by_a_failure_waiting_for_the_operator_as_the_page_does(shipped, two_handed_over, logistics, operator, api, now):
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now, reason="无人签收")

    waiting = listed(api(operator).get("/api/v1/shipments/", {"awaiting_decision": "true"}))
    others = listed(api(operator).get("/api/v1/shipments/", {"awaiting_decision": "false"}))

    assert waiting == [shipped.pk]
    assert page_numbers(operator, "/logistics/shipments/?awaiting_decision=on") == [shipped.order.number]
    assert sorted(others) == sorted(Shipment.objects.exclude(pk=shipped.pk).values_list("pk", flat=True)) != []


def test_shipments_filter_by_not_shipped_yet_as_the_page_does(shipped, two_handed_over, logistics, operator, api, now):
    """The first parcel shipped, the second picked: only the picked one is still to ship."""
    picked = two_handed_over[1]
    shipments.pick_shipment(shipment=picked, actor=logistics, now=now)

    unshipped = listed(api(operator).get("/api/v1/shipments/", {"unshipped": "true"}))
    others = listed(api(operator).get("/api/v1/shipments/", {"unshipped": "false"}))

    assert unshipped == [picked.pk]
    assert page_numbers(operator, "/logistics/shipments/?unshipped=on") == [picked.order.number]
    assert others == [shipped.pk]


def test_not_shipped_yet_lists_for_logistics_staff_only_the_parcels_it_ships(warehouse_shipment, dropship_shipment, logistics,
                                                                             operator, api):
    """Logistics staff ships warehouse parcels, not dropship ones (shipments.HAND_ACTORS): its 仅看未发出 leaves the
    dropship parcel waiting for its supplier among the others; an operator, who ships none, still sees both."""
    mine = listed(api(logistics).get("/api/v1/shipments/", {"unshipped": "true"}))
    others = listed(api(logistics).get("/api/v1/shipments/", {"unshipped": "false"}))

    assert mine == [warehouse_shipment.pk] and others == [dropship_shipment.pk]
    assert page_numbers(logistics, "/logistics/shipments/?unshipped=on") == [warehouse_shipment.order.number]
    assert sorted(page_numbers(operator, "/logistics/shipments/?unshipped=on")) == sorted(
        [warehouse_shipment.order.number, dropship_shipment.order.number])
    assert sorted(listed(api(operator).get("/api/v1/shipments/", {"unshipped": "true"}))) == sorted(
        [warehouse_shipment.pk, dropship_shipment.pk])


@pytest.mark.parametrize(("url", "name", "value"), [
    ("/api/v1/returns/", "replacement_failed", "maybe"), ("/api/v1/returns/", "requested_after", "yesterday"),
    ("/api/v1/returns/", "requested_before", "9999-12-31T23:59:59"), ("/api/v1/returns/", "supplier", "abc"),
    ("/api/v1/extra-costs/", "recorded_after", "yesterday"), ("/api/v1/extra-costs/", "recorded_before", "0001-01-01T00:00:00"),
    ("/api/v1/shipments/", "awaiting_decision", "maybe"), ("/api/v1/shipments/", "unshipped", "maybe"),
])
def test_a_bad_value_is_a_400_naming_the_filter(operator, api, url, name, value):
    response = api(operator).get(url, {name: value})

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [name]
