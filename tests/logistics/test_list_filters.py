"""Shipments filter by tracking number in any case; returns filter by `?fulfilment=` as orders do."""
import pytest

from tests.logistics.conftest import TRACKING

pytestmark = pytest.mark.django_db


def test_shipments_filter_by_tracking_number_in_any_case(api, shipped, logistics, other_supplier_admin):
    found = api(logistics).get(f"/api/v1/shipments/?tracking_number={TRACKING.lower()}").json()
    none = api(logistics).get("/api/v1/shipments/?tracking_number=SF0000").json()
    another_tenant = api(other_supplier_admin).get(f"/api/v1/shipments/?tracking_number={TRACKING}").json()

    assert [row["id"] for row in found["results"]] == [shipped.pk]
    assert none["count"] == 0 and another_tenant["count"] == 0


@pytest.mark.parametrize("name", ["fulfilment", "order__fulfilment"])
def test_returns_filter_by_fulfilment_under_the_orders_name_too(api, operator, name):
    listed = api(operator).get(f"/api/v1/returns/?{name}=warehouse")
    bad = api(operator).get(f"/api/v1/returns/?{name}=zzz")

    assert listed.status_code == 200
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == name
