"""Shipments and carrier events filter by tracking number in any case; returns filter by `?fulfilment=` as orders do."""
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


def test_carrier_events_filter_by_tracking_number_in_any_case(api, shipped, logistics, operator):
    sent = {"event_id": "E-2", "tracking_number": TRACKING, "sequence": 2, "kind": "delivered",
            "occurred_at": "2026-10-17T10:00:00+08:00", "payload": {"signer": "刘洋"}}
    api(logistics).post("/api/v1/provider/events/", sent, format="json")

    found = api(operator).get(f"/api/v1/provider/events/?tracking_number=%20{TRACKING.lower()}").json()["results"]
    none = api(operator).get("/api/v1/provider/events/?tracking_number=zt1").json()["results"]

    assert [event["event_id"] for event in found] == ["E-2"] and none == []
