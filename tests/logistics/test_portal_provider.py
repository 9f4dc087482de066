"""The logistics staff's carrier-event page: an event reported by hand for a tracking number goes through the same
service as the provider's webhook, takes the parcel's next sequence, and a refusal comes back next to its field."""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from core.fsm import history_of
from logistics.models import CarrierEvent, Shipment
from points.models import RedemptionOrder
from tests.helpers import picked_and_shipped
from tests.portal import field_errors, logged_in, nav

pytestmark = pytest.mark.django_db

URL = "/logistics/carrier-events/report/"


@pytest.fixture
def shipped(warehouse_shipment, logistics, now):
    return picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-P1")


def event(**fields) -> dict:
    return {"token": uuid.uuid4().hex, "tracking_number": "SF-P1", "kind": "delivered",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "signer": "", "carrier": "", "reason": "",
            "order_number": ""} | fields


def test_logistics_reports_a_delivery_and_the_shipment_and_order_are_delivered(shipped, logistics):
    client = logged_in(logistics)
    page = client.get(URL)
    assert page.status_code == 200 and 'name="token"' in page.content.decode()
    assert 'href="/logistics/carrier-events/report/"' in nav(page)

    response = client.post(URL, event(signer="刘洋"))

    assert response.status_code == 302 and response["Location"] == "/logistics/carrier-events/?tracking_number=SF-P1"
    recorded = CarrierEvent.objects.get()
    assert (recorded.sequence, recorded.status, recorded.payload) == (1, "applied", {"signer": "刘洋"})
    shipped.refresh_from_db()
    assert (shipped.state, shipped.signer) == ("delivered", "刘洋")
    assert RedemptionOrder.objects.get(pk=shipped.order_id).state == "delivered"


def test_a_form_sent_twice_records_one_event_and_the_next_report_takes_the_next_sequence(shipped, logistics):
    client = logged_in(logistics)
    failed = event(kind="failed", reason="地址不详")

    client.post(URL, failed)
    client.post(URL, failed)

    assert list(CarrierEvent.objects.values_list("sequence", "kind", "status")) == [(1, "failed", "applied")]
    assert Shipment.objects.get(pk=shipped.pk).failure_reason == "地址不详"


def test_a_delivery_without_signer_is_refused_next_to_the_signer_and_keeps_the_values(shipped, logistics):
    response = logged_in(logistics).post(URL, event(carrier="顺丰"))

    assert response.status_code == 400 and list(field_errors(response)) == ["signer"]
    html = response.content.decode()
    assert 'value="SF-P1"' in html and 'value="顺丰"' in html
    assert not CarrierEvent.objects.exists() and Shipment.objects.get(pk=shipped.pk).state == "shipped"


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_failed_delivery_reported_without_a_reason_is_refused_next_to_the_reason_and_changes_nothing(shipped, logistics, reason):
    response = logged_in(logistics).post(URL, event(kind="failed", reason=reason))

    assert response.status_code == 400 and field_errors(response) == {"reason": "配送失败事件请填写失败原因"}
    assert not CarrierEvent.objects.exists()
    assert (Shipment.objects.get(pk=shipped.pk).state, RedemptionOrder.objects.get(pk=shipped.order_id).state) == ("shipped", "shipped")


def test_the_report_form_says_a_failed_delivery_needs_its_reason(logistics):
    assert "配送失败事件必填" in logged_in(logistics).get(URL).content.decode()


def test_an_unknown_tracking_number_is_shown_next_to_it(logistics):
    response = logged_in(logistics).post(URL, event(tracking_number="SF-NONE", signer="刘洋"))

    assert response.status_code == 400 and list(field_errors(response)) == ["tracking_number"]
    assert not CarrierEvent.objects.exists()


def test_an_event_the_shipment_cannot_take_is_kept_as_rejected_and_shown_next_to_the_kind(shipped, logistics):
    client = logged_in(logistics)
    client.post(URL, event(signer="刘洋"))

    response = client.post(URL, event(kind="picked"))

    assert response.status_code == 400 and list(field_errors(response)) == ["kind"]
    assert list(CarrierEvent.objects.values_list("sequence", "status")) == [(1, "applied"), (2, "rejected")]


def test_only_logistics_reports_events(operator, supplier_staff, member):
    assert logged_in(operator).get(URL).status_code == 403
    assert logged_in(supplier_staff).get(URL).status_code == 403
    assert logged_in(member.user).post(URL, event()).status_code == 403
    assert 'href="/logistics/carrier-events/report/"' not in nav(logged_in(operator).get("/logistics/carrier-events/"))


def test_a_delivery_dated_before_the_parcel_was_shipped_is_refused_next_to_the_event_time(shipped, logistics, now):
    before_shipping = timezone.localtime(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = logged_in(logistics).post(URL, event(signer="刘洋", occurred_at=before_shipping))

    assert response.status_code == 400 and list(field_errors(response)) == ["occurred_at"]
    assert "发生时间不能早于运单的发货时间" in field_errors(response)["occurred_at"]
    assert not CarrierEvent.objects.exists() and Shipment.objects.get(pk=shipped.pk).state == "shipped"


def test_a_picking_dated_days_before_the_order_was_placed_is_refused_next_to_the_event_time(warehouse_shipment, logistics, now):
    order = warehouse_shipment.order
    days_before = timezone.localtime(now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    history = [(row.transition, row.at) for row in history_of(order)]

    response = logged_in(logistics).post(URL, event(kind="picked", order_number=order.number, occurred_at=days_before))

    assert response.status_code == 400 and list(field_errors(response)) == ["occurred_at"]
    assert "发生时间不能早于运单的交接时间" in field_errors(response)["occurred_at"]
    assert not CarrierEvent.objects.exists() and Shipment.objects.get(pk=warehouse_shipment.pk).state == "created"
    assert [(row.transition, row.at) for row in history_of(order)] == history


def test_a_report_sent_again_with_other_values_records_nothing_more_and_names_the_event_it_recorded(shipped, logistics):
    client = logged_in(logistics)
    delivered = event(signer="刘洋")
    client.post(URL, delivered)

    resent = client.post(URL, delivered | {"kind": "failed", "signer": "", "reason": "地址不详"})

    recorded = CarrierEvent.objects.get()
    assert resent.status_code == 409
    assert str(resent.context["form"].non_field_errors()[0]).startswith("该表单已于 ")
    assert f"承运商事件 #{recorded.pk}" in resent.content.decode()
    assert (recorded.kind, recorded.status) == ("delivered", "applied")
    assert Shipment.objects.get(pk=shipped.pk).state == "delivered"


def test_a_report_double_clicked_goes_to_the_event_twice_and_says_it_was_recorded_once(shipped, logistics):
    client = logged_in(logistics)
    failed = event(kind="failed", reason="地址不详")

    first = client.post(URL, failed, follow=True)
    again = client.post(URL, failed, follow=True)

    assert [m.message for m in first.context["messages"]] == ["已记录承运商事件：SF-P1 配送失败（已处理）"]
    assert again.redirect_chain == first.redirect_chain and list(again.context["messages"]) == []
    assert CarrierEvent.objects.count() == 1


def test_a_rejected_report_sent_again_is_shown_rejected_again_and_stored_once(shipped, logistics):
    client = logged_in(logistics)
    client.post(URL, event(signer="刘洋"))
    picked = event(kind="picked")

    first = client.post(URL, picked)
    again = client.post(URL, picked)

    assert first.status_code == again.status_code == 400
    assert list(field_errors(again)) == ["kind"] and "已记录为拒绝" in field_errors(again)["kind"]
    assert list(CarrierEvent.objects.values_list("sequence", "status")) == [(1, "applied"), (2, "rejected")]
