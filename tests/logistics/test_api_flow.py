"""The goods-flow API: inbound shipments, handoff batches and shipments — roles (403), tenants (404), bad input
(400 naming the field, nothing written), masked contact data except on a logged detail read, constant-query lists."""
from datetime import timedelta

import pytest
from django.utils import translation
from django.utils import timezone

from core.errors import InvalidTransition, ValidationFailed
from core.fsm import apply_transition
from core.models import AccessLog, Notification
from logistics.models import HandoffBatch, InboundShipment, Shipment
from logistics.services import inbound, shipments
from points.models import RedemptionOrder
from points.services import ledger, orders
from suppliers.models import Location, ReplenishmentRequest, StockRecord
from suppliers.services import inventory
from tests.factories import GiftFactory, MemberFactory, UserFactory, WarehouseFactory
from tests.helpers import assert_list_queries_constant, fresh_key, picked_and_shipped
from tests.factories import ADDRESS
from tests.helpers import published

pytestmark = pytest.mark.django_db


def soon() -> str:
    return (timezone.localdate() + timedelta(days=3)).isoformat()


def announcement(gift, **changes) -> dict:
    return {"gift": gift.pk, "location": "WH-FLOW", "quantity": 10, "expected_on": soon()} | changes


def error_attr(response) -> str:
    return response.json()["errors"][0]["attr"]


# inbound shipments

def test_a_supplier_announces_inbound_stock_by_warehouse_code(api, supplier_staff, stocked_gift):
    response = api(supplier_staff).post("/api/v1/inbound-shipments/", announcement(stocked_gift), format="json", **fresh_key())

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["location"], body["announced_quantity"], body["gift_sku"]) == ("announced", "WH-FLOW", 10, stocked_gift.sku)
    assert InboundShipment.objects.get().supplier == supplier_staff.supplier_membership.supplier


def test_an_inbound_announcement_sent_again_with_its_idempotency_key_is_made_once(api, supplier_staff, stocked_gift):
    key = fresh_key()
    first = api(supplier_staff).post("/api/v1/inbound-shipments/", announcement(stocked_gift), format="json", **key)

    again = api(supplier_staff).post("/api/v1/inbound-shipments/", announcement(stocked_gift), format="json", **key)

    assert (again.status_code, again.json()["number"], again["Idempotent-Replayed"]) == (201, first.json()["number"], "true")
    assert InboundShipment.objects.count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"quantity": -1}, "quantity"),
    ({"quantity": 0}, "quantity"),
    ({"location": "WH-\u0000FLOW"}, "location"),  # PostgreSQL cannot even compare a code with a NUL byte
    ({"location": "DS-FLOW"}, "location"),
    ({"expected_on": "2020-01-01"}, "expected_on"),
    ({"replenishment_request": 999_999}, "replenishment_request"),
])
def test_bad_announcements_are_400_naming_the_field_and_write_nothing(api, supplier, supplier_staff, stocked_gift, changes, field):
    Location.objects.create(code="DS-FLOW", name="自有仓", kind="dropship", supplier=supplier)

    response = api(supplier_staff).post("/api/v1/inbound-shipments/", announcement(stocked_gift, **changes), format="json", **fresh_key())

    assert response.status_code == 400 and error_attr(response) == field
    assert not InboundShipment.objects.exists()


def test_an_unknown_warehouse_code_and_another_suppliers_own_location_are_alike_404_naming_the_location(
    api, supplier_staff, other_supplier_admin, stocked_gift
):
    other = other_supplier_admin.supplier_membership.supplier
    Location.objects.create(code="DS-OTHER", name="他人自有仓", kind="dropship", supplier=other)

    responses = [api(supplier_staff).post("/api/v1/inbound-shipments/", announcement(stocked_gift, location=code), format="json",
                                          **fresh_key()) for code in ("NO-SUCH", "DS-OTHER")]

    assert [(r.status_code, r.json()["errors"]) for r in responses] == [(404, [
        {"code": "not_found", "detail": "对象不存在或无权查看", "attr": "location"}])] * 2
    assert not InboundShipment.objects.exists()


def test_announcing_another_suppliers_gift_is_404_on_the_gift_as_in_a_url(api, other_supplier_admin, stocked_gift):
    response = api(other_supplier_admin).post("/api/v1/inbound-shipments/", announcement(stocked_gift), format="json", **fresh_key())

    assert response.status_code == 404 and error_attr(response) == "gift"
    assert not InboundShipment.objects.exists()


@pytest.mark.parametrize("role", ["logistics", "operator", "member"])
def test_only_supplier_users_announce(api, request, stocked_gift, role):
    user = request.getfixturevalue(role)

    response = api(getattr(user, "user", user)).post("/api/v1/inbound-shipments/", announcement(stocked_gift), format="json", **fresh_key())

    assert response.status_code == 403
    assert not InboundShipment.objects.exists()


def test_logistics_receives_with_damage_and_puts_away(api, logistics, announced, stocked_gift, warehouse):
    client = api(logistics)

    received = client.post(f"/api/v1/inbound-shipments/{announced.pk}/receive/", {"counted_quantity": 9, "damaged_quantity": 2}, format="json")
    put_away = client.post(f"/api/v1/inbound-shipments/{announced.pk}/put-away/", {}, format="json")
    history = client.get(f"/api/v1/inbound-shipments/{announced.pk}/history/")

    assert received.status_code == 200
    assert (received.json()["counted_quantity"], received.json()["shortage"], received.json()["damaged_quantity"]) == (9, 1, 2)
    assert put_away.json()["state"] == "put_away"
    assert [row["target_state"] for row in history.json()] == ["announced", "received", "put_away"]
    assert StockRecord.objects.get(gift=stocked_gift, location=warehouse).on_hand == 20 + 9 - 2


@pytest.mark.parametrize(("body", "field"), [
    ({"counted_quantity": 11}, "counted_quantity"),
    ({"counted_quantity": -1}, "counted_quantity"),
    ({"counted_quantity": 5, "damaged_quantity": 6}, "damaged_quantity"),
    ({"counted_quantity": 5, "damaged_quantity": -1}, "damaged_quantity"),
    ({"damaged_quantity": 1}, "counted_quantity"),
])
def test_bad_receipts_are_400_naming_the_field_and_change_nothing(api, logistics, announced, stocked_gift, warehouse, body, field):
    response = api(logistics).post(f"/api/v1/inbound-shipments/{announced.pk}/receive/", body, format="json")

    announced.refresh_from_db()
    assert response.status_code == 400 and error_attr(response) == field
    assert announced.state == "announced"
    assert StockRecord.objects.get(gift=stocked_gift, location=warehouse).on_hand == 20


def test_receiving_goods_of_a_gift_retired_on_their_way_is_409_naming_the_shipment_and_changes_nothing(
    api, logistics, operator, announced, stocked_gift, warehouse, now
):
    from suppliers.services import catalog

    catalog.delist_gift(gift=stocked_gift, actor=operator, now=now, reason_code="supplier_request", reason="运营下线")
    catalog.retire_gift(gift=stocked_gift, actor=operator, now=now, reason="停产")

    response = api(logistics).post(f"/api/v1/inbound-shipments/{announced.pk}/receive/", {"counted_quantity": 10}, format="json")

    error = response.json()["errors"][0]
    assert (response.status_code, error["code"], error["attr"]) == (409, "gift_retired", "counted_quantity")
    assert announced.number in error["detail"]
    announced.refresh_from_db()
    assert announced.state == "announced"
    assert StockRecord.objects.get(gift=stocked_gift, location=warehouse).on_hand == 20


def test_putting_away_an_announced_shipment_is_409(api, logistics, announced):
    response = api(logistics).post(f"/api/v1/inbound-shipments/{announced.pk}/put-away/", {}, format="json")

    assert response.status_code == 409
    announced.refresh_from_db()
    assert announced.state == "announced"


def test_a_supplier_cannot_receive_its_own_inbound_and_another_supplier_cannot_see_it(api, supplier_staff, other_supplier_admin, announced):
    own = api(supplier_staff).post(f"/api/v1/inbound-shipments/{announced.pk}/receive/", {"counted_quantity": 10}, format="json")
    other_read = api(other_supplier_admin).get(f"/api/v1/inbound-shipments/{announced.pk}/")
    other_list = api(other_supplier_admin).get("/api/v1/inbound-shipments/")

    assert (own.status_code, other_read.status_code) == (403, 404)
    assert other_list.json()["results"] == []
    announced.refresh_from_db()
    assert announced.state == "announced"


def test_the_inbound_list_runs_the_same_queries_for_1_and_50(api, logistics, supplier, stocked_gift, warehouse, now):
    def make(n):
        for _ in range(n):
            inbound.announce_inbound(supplier=supplier, gift_id=stocked_gift.pk, location_id=warehouse.pk, quantity=1,
                                     expected_on=now.date(), actor=None, now=now)

    assert_list_queries_constant(api(logistics), "/api/v1/inbound-shipments/", make)


# handoff batches

def test_logistics_hands_over_confirmed_warehouse_orders_in_a_batch_and_a_retry_returns_it(api, logistics, stocked_gift, rich_member, now):
    order = orders.place_order(member=rich_member, gift_id=stocked_gift.pk, quantity=1, now=now, **ADDRESS)
    client = api(logistics)

    created = client.post("/api/v1/handoff-batches/", {"key": "2026-10-15-AM"}, format="json")
    retried = client.post("/api/v1/handoff-batches/", {"key": "2026-10-15-AM"}, format="json")

    assert (created.status_code, retried.status_code) == (201, 200)
    assert created.json()["id"] == retried.json()["id"] and created.json()["order_count"] == 1
    order.refresh_from_db()
    assert order.state == "handed_over" and Shipment.objects.filter(order=order).count() == 1


@pytest.mark.parametrize(("role", "status"), [("supplier_admin", 403), ("member", 403), ("finance", 403)])
def test_only_logistics_and_operators_create_handoff_batches(api, request, role, status):
    user = request.getfixturevalue(role)

    response = api(getattr(user, "user", user)).post("/api/v1/handoff-batches/", {"key": "K"}, format="json")

    assert response.status_code == status
    assert not HandoffBatch.objects.exists()


def test_a_handoff_without_a_key_is_400(api, operator):
    response = api(operator).post("/api/v1/handoff-batches/", {"key": "  "}, format="json")

    assert response.status_code == 400 and error_attr(response) == "key"


def test_the_handoff_list_shows_order_counts_in_constant_queries(api, logistics, now):
    def make(n):
        for i in range(n):
            HandoffBatch.objects.create(key=f"K{HandoffBatch.objects.count()}", number=f"HB{HandoffBatch.objects.count():020d}", created_at=now)  # the list's rows

    assert_list_queries_constant(api(logistics), "/api/v1/handoff-batches/", make)


# shipments

def test_logistics_picks_ships_and_delivers_a_warehouse_shipment(api, logistics, warehouse_shipment):
    client, url = api(logistics), f"/api/v1/shipments/{warehouse_shipment.pk}"

    picked = client.post(f"{url}/pick/", {}, format="json")
    shipped = client.post(f"{url}/ship/", {"carrier": "顺丰", "tracking_number": "SF100"}, format="json")
    delivered = client.post(f"{url}/deliver/", {"signer": "刘洋"}, format="json")

    assert [r.status_code for r in (picked, shipped, delivered)] == [200, 200, 200]
    # the signer is a person's name: an action's answer reads it as the detail read does (whole, to logistics)
    assert (delivered.json()["state"], delivered.json()["signer"], delivered.json()["tracking_number"]) == ("delivered", "刘洋", "SF100")
    assert client.get(f"{url}/").json() == delivered.json()
    assert RedemptionOrder.objects.get(pk=warehouse_shipment.order_id).state == "delivered"


def test_logistics_records_when_a_parcel_was_signed_for_and_a_time_in_the_future_is_400(api, logistics, warehouse_shipment, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-SIGNED")
    url = f"/api/v1/shipments/{warehouse_shipment.pk}/deliver/"
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    signed = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)

    refused = api(logistics).post(url, {"signer": "刘洋", "signed_at": future}, format="json")
    before_refusal = Shipment.objects.get(pk=warehouse_shipment.pk).state
    delivered = api(logistics).post(url, {"signer": "刘洋", "signed_at": signed.isoformat()}, format="json")

    assert (refused.status_code, error_attr(refused), before_refusal) == (400, "signed_at", "shipped")
    assert delivered.status_code == 200
    order = RedemptionOrder.objects.get(pk=warehouse_shipment.order_id)
    assert order.delivered_at == signed and order.delivery_recorded_at > signed


def test_a_supplier_sees_who_signed_for_its_parcel_masked_and_an_automatic_receipt_in_its_language(
    api, logistics, supplier_admin, warehouse_shipment, now
):
    from datetime import timedelta

    from logistics.services import shipments
    from tests.portal import logged_in

    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF7")
    shipments.deliver_shipment(shipment=warehouse_shipment, actor=logistics, now=now + timedelta(days=1), signer="孙丽")
    url = f"/api/v1/shipments/{warehouse_shipment.pk}/"

    by_api = api(supplier_admin).get(url).json()
    page = logged_in(supplier_admin).get(f"/logistics/shipments/{warehouse_shipment.pk}/").content.decode()
    Shipment.objects.filter(pk=warehouse_shipment.pk).update(signer=shipments.AUTOMATIC_SIGNER)
    automatic = api(supplier_admin).get(url, HTTP_ACCEPT_LANGUAGE="en").json()

    assert by_api["signer"] == "孙*" and "孙丽" not in page and 'data-testid="signer">孙*<' in page
    assert automatic["signer"] == "Confirmed by the system"


def test_logistics_records_a_failed_delivery_with_its_reason(api, logistics, warehouse_shipment, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")

    response = api(logistics).post(f"/api/v1/shipments/{warehouse_shipment.pk}/fail/", {"reason": "地址不详"}, format="json")

    assert response.status_code == 200 and response.json()["failure_reason"] == "地址不详"
    assert RedemptionOrder.objects.get(pk=warehouse_shipment.order_id).state == "delivery_failed"


def test_delivering_needs_a_signer_and_failing_a_reason(api, logistics, warehouse_shipment, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")
    client = api(logistics)

    no_signer = client.post(f"/api/v1/shipments/{warehouse_shipment.pk}/deliver/", {"signer": ""}, format="json")
    no_reason = client.post(f"/api/v1/shipments/{warehouse_shipment.pk}/fail/", {}, format="json")

    assert (no_signer.status_code, error_attr(no_signer)) == (400, "signer")
    assert (no_reason.status_code, error_attr(no_reason)) == (400, "reason")
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "shipped"


def test_delivering_an_unshipped_shipment_is_409(api, logistics, warehouse_shipment):
    response = api(logistics).post(f"/api/v1/shipments/{warehouse_shipment.pk}/deliver/", {"signer": "刘洋"}, format="json")

    assert response.status_code == 409
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "created"


def test_a_dropship_supplier_ships_its_own_shipment_with_carrier_and_tracking_number(api, supplier_staff, dropship_shipment):
    response = api(supplier_staff).post(
        f"/api/v1/shipments/{dropship_shipment.pk}/ship/", {"carrier": "中通", "tracking_number": "ZT900"}, format="json"
    )

    assert response.status_code == 200 and response.json()["state"] == "shipped"
    assert RedemptionOrder.objects.get(pk=dropship_shipment.order_id).state == "shipped"


@pytest.mark.parametrize(("carrier", "tracking_number", "attr"), [
    ("顺丰", "SF900\n回复TD退订 领取补偿", "tracking_number"),
    ("顺丰", "www.jf-10086.cn", "tracking_number"),
    ("顺丰", "【积分商城】", "tracking_number"),
    ("顺丰\n您的积分今日清零", "SF900", "carrier"),
    ("【积分商城】顺丰", "SF900", "carrier"),
    ("www.jf-10086.cn", "SF900", "carrier"),
    ("https://jf-10086", "SF900", "carrier"),
    ("顺丰 jf-10086.cn", "SF900", "carrier"),
    ("t.cn/abc", "SF900", "carrier"),
    ("顺丰 jf-10086．ＣＮ", "SF900", "carrier"),
], ids=["number-with-a-line-break", "number-a-web-address", "number-a-sender-tag", "carrier-with-a-line-break",
        "carrier-with-a-sender-tag", "carrier-a-web-address", "carrier-a-url", "carrier-with-a-bare-domain", "carrier-a-short-link",
        "carrier-with-a-full-width-domain"])
def test_a_carrier_or_tracking_number_holding_more_than_a_name_or_number_is_refused_and_no_text_is_sent(
    api, supplier_staff, dropship_shipment, carrier, tracking_number, attr
):
    response = api(supplier_staff).post(
        f"/api/v1/shipments/{dropship_shipment.pk}/ship/", {"carrier": carrier, "tracking_number": tracking_number}, format="json"
    )

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [attr]
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created"
    assert not Notification.objects.filter(kind="shipped").exists()


def test_a_shipment_missing_its_carrier_and_holding_a_bad_tracking_number_is_refused_naming_both(api, supplier_staff, dropship_shipment):
    response = api(supplier_staff).post(
        f"/api/v1/shipments/{dropship_shipment.pk}/ship/", {"carrier": " ", "tracking_number": "www.jf-10086.cn"}, format="json"
    )

    assert response.status_code == 400
    assert [(error["attr"], error["detail"]) for error in response.json()["errors"]] == [
        ("carrier", "请填写承运商"), ("tracking_number", response.json()["errors"][1]["detail"])]
    assert "运单号" in response.json()["errors"][1]["detail"]
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created"


def test_a_carrier_named_with_letters_digits_and_ampersand_ships_and_its_number_may_hold_hyphens(api, supplier_staff, dropship_shipment):
    response = api(supplier_staff).post(
        f"/api/v1/shipments/{dropship_shipment.pk}/ship/", {"carrier": "J&T Express (极兔)", "tracking_number": "jt-0042"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["carrier"], response.json()["tracking_number"]) == ("J&T Express (极兔)", "JT-0042")


@pytest.mark.parametrize("carrier", ["S.F. Express", "Deppon Logistics Co., Ltd.", "La Poste – Colissimo", "Hermes/Evri", "J＆T／极兔"])
def test_a_carrier_written_with_dots_commas_slashes_or_dashes_as_carriers_write_theirs_ships(api, supplier_staff, dropship_shipment, carrier):
    response = api(supplier_staff).post(
        f"/api/v1/shipments/{dropship_shipment.pk}/ship/", {"carrier": carrier, "tracking_number": "SF902"}, format="json"
    )

    assert response.status_code == 200
    assert Shipment.objects.get(pk=dropship_shipment.pk).carrier == carrier


@pytest.mark.parametrize("space", ["\u00a0", "\t", "\u2002", "\u3000"], ids=["no-break-space", "tab", "en-space", "ideographic-space"])
def test_a_carrier_typed_with_another_kind_of_space_ships_under_its_name_with_a_plain_space(
    api, supplier_staff, dropship_shipment, space
):
    response = api(supplier_staff).post(
        f"/api/v1/shipments/{dropship_shipment.pk}/ship/", {"carrier": f"顺丰{space}速运", "tracking_number": "SF901"}, format="json"
    )

    assert response.status_code == 200
    assert Shipment.objects.get(pk=dropship_shipment.pk).carrier == "顺丰 速运"


def test_shipping_under_a_tracking_number_the_carrier_already_uses_is_400_whatever_the_carriers_spelling(
    api, supplier_staff, dropship_shipment, warehouse_shipment, logistics, now
):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="中通", tracking_number="ZT903")

    response = api(supplier_staff).post(
        f"/api/v1/shipments/{dropship_shipment.pk}/ship/", {"carrier": " zto Express", "tracking_number": "ZT903"}, format="json"
    )

    assert (response.status_code, response.json()["errors"][0]["attr"]) == (400, "tracking_number")
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created"


@pytest.mark.parametrize(("taken", "new", "search"), [
    (" sf9990001112 ", " sf9990001113 ", "sf9990001113"),
    ("ＳＦ９９９０００１１１２", "ｓｆ９９９０００１１１３", "ＳＦ９９９０００１１１３"),
], ids=["lower-case", "full-width"])
def test_a_tracking_number_in_use_is_refused_however_typed_and_one_shipped_is_stored_upper_case_in_plain_form(
    api, supplier_staff, dropship_shipment, warehouse_shipment, logistics, now, taken, new, search
):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF9990001112")
    client = api(supplier_staff)
    url = f"/api/v1/shipments/{dropship_shipment.pk}/ship/"

    refused = client.post(url, {"carrier": "顺丰", "tracking_number": taken}, format="json")
    shipped = client.post(url, {"carrier": "顺丰", "tracking_number": new}, format="json")

    assert (refused.status_code, refused.json()["errors"][0]["attr"]) == (400, "tracking_number")
    assert (shipped.status_code, shipped.json()["tracking_number"]) == (200, "SF9990001113")
    assert Shipment.objects.get(pk=dropship_shipment.pk).tracking_number == "SF9990001113"
    assert [row["id"] for row in client.get("/api/v1/shipments/", {"tracking_number": search}).json()["results"]] == [dropship_shipment.pk]


def test_a_dropship_shipments_history_and_page_name_its_first_state_waiting_to_be_sent_not_picked(
    api, client, supplier_staff, dropship_shipment, warehouse_shipment, logistics, now
):
    api(supplier_staff).post(f"/api/v1/shipments/{dropship_shipment.pk}/ship/", {"carrier": "中通", "tracking_number": "ZT901"}, format="json")
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="中通", tracking_number="ZT902")

    dropship = api(supplier_staff).get(f"/api/v1/shipments/{dropship_shipment.pk}/history/").json()
    warehouse = api(logistics).get(f"/api/v1/shipments/{warehouse_shipment.pk}/history/").json()
    client.force_login(supplier_staff)
    page = client.get(f"/logistics/shipments/{dropship_shipment.pk}/").content.decode()

    assert [(row["source_label"], row["target_label"]) for row in dropship] == [("", "待发货"), ("待发货", "已发货")]
    assert [(row["source_label"], row["target_label"]) for row in warehouse] == [("", "待拣货"), ("待拣货", "已拣货"), ("已拣货", "已发货")]
    assert "待发货" in page and "待拣货" not in page


def test_an_illegal_step_of_a_dropship_shipment_names_its_state_as_the_supplier_knows_it(dropship_shipment, supplier_admin, now):
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(dropship_shipment, "deliver", actor=supplier_admin, at=now, signer="刘洋")

    assert "待发货" in refused.value.detail and "待拣货" not in refused.value.detail


@pytest.mark.parametrize(("action", "body"), [("deliver", {"signer": "刘洋"}), ("fail", {"reason": "拒收"}), ("pick", {})])
def test_a_dropship_supplier_never_picks_delivers_or_fails_its_shipment(api, supplier_admin, dropship_shipment, now, action, body):
    picked_and_shipped(shipment=dropship_shipment, actor=supplier_admin, now=now, carrier="中通", tracking_number="ZT1")

    response = api(supplier_admin).post(f"/api/v1/shipments/{dropship_shipment.pk}/{action}/", body, format="json")

    assert response.status_code == 403
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "shipped"


@pytest.mark.parametrize("action", ["pick", "deliver", "fail"])
def test_logistics_does_not_drive_a_dropship_shipment_by_hand(api, logistics, dropship_shipment, action):
    response = api(logistics).post(f"/api/v1/shipments/{dropship_shipment.pk}/{action}/", {"signer": "x", "reason": "x"}, format="json")

    assert response.status_code == 403
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created"


def test_a_supplier_cannot_ship_a_warehouse_shipment(api, supplier_staff, warehouse_shipment):
    response = api(supplier_staff).post(f"/api/v1/shipments/{warehouse_shipment.pk}/ship/", {"carrier": "中通", "tracking_number": "ZT2"}, format="json")

    assert response.status_code == 403
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "created"


def test_another_supplier_gets_404_for_the_shipment_and_sees_none_listed(api, other_supplier_admin, dropship_shipment):
    client = api(other_supplier_admin)

    detail = client.get(f"/api/v1/shipments/{dropship_shipment.pk}/")
    ship = client.post(f"/api/v1/shipments/{dropship_shipment.pk}/ship/", {"carrier": "中通", "tracking_number": "ZT3"}, format="json")

    assert (detail.status_code, ship.status_code) == (404, 404)
    assert client.get("/api/v1/shipments/").json()["results"] == []


def test_the_member_confirms_receipt_and_another_member_gets_404(api, rich_member, warehouse_shipment, logistics, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF7")
    stranger = MemberFactory(user=UserFactory(username="stranger", role="member"))

    theirs = api(stranger.user).post(f"/api/v1/shipments/{warehouse_shipment.pk}/confirm-receipt/", {}, format="json")
    own = api(rich_member.user).post(f"/api/v1/shipments/{warehouse_shipment.pk}/confirm-receipt/", {}, format="json")

    assert (theirs.status_code, own.status_code) == (404, 200)
    assert (own.json()["state"], own.json()["signer"]) == ("delivered", ADDRESS["recipient_name"])
    assert RedemptionOrder.objects.get(pk=warehouse_shipment.order_id).state == "delivered"


def test_confirming_receipt_before_shipping_is_409(api, rich_member, warehouse_shipment):
    response = api(rich_member.user).post(f"/api/v1/shipments/{warehouse_shipment.pk}/confirm-receipt/", {}, format="json")

    assert response.status_code == 409


def test_logistics_reads_a_warehouse_recipient_unmasked_on_the_detail_only_and_the_read_is_logged(api, logistics, warehouse_shipment):
    client = api(logistics)

    listed_row = client.get("/api/v1/shipments/").json()["results"][0]
    detail = client.get(f"/api/v1/shipments/{warehouse_shipment.pk}/").json()

    assert listed_row["recipient_phone"] == "138****8000" and listed_row["recipient_name"] == "刘*"
    assert (detail["recipient_name"], detail["recipient_phone"], detail["address"]) == tuple(ADDRESS.values())
    log = AccessLog.objects.get()
    assert (log.actor, log.subject_id, log.fields) == (logistics, str(warehouse_shipment.order_id), "recipient_name,recipient_phone,address")


def test_each_step_logistics_takes_answers_the_shipment_as_its_detail_reads_it_and_logs_the_read(api, logistics, warehouse_shipment):
    client = api(logistics)
    url = f"/api/v1/shipments/{warehouse_shipment.pk}"

    picked = client.post(f"{url}/pick/", {}, format="json")
    shipped = client.post(f"{url}/ship/", {"carrier": "顺丰", "tracking_number": "SF-STEP"}, format="json")
    detail = client.get(f"{url}/")

    assert picked.status_code == shipped.status_code == 200, shipped.content
    shown = [(body["recipient_name"], body["recipient_phone"], body["address"]) for body in (picked.json(), shipped.json(), detail.json())]
    assert shown == [tuple(ADDRESS.values())] * 3
    assert list(AccessLog.objects.values_list("actor", "subject_id", "purpose")) == [
        (logistics.pk, str(warehouse_shipment.order_id), "shipment")] * 3


def test_a_dropship_supplier_reads_its_recipient_unmasked_to_ship_and_the_read_is_logged(api, supplier_staff, dropship_shipment):
    detail = api(supplier_staff).get(f"/api/v1/shipments/{dropship_shipment.pk}/").json()

    assert detail["recipient_phone"] == ADDRESS["recipient_phone"]
    assert AccessLog.objects.get().actor == supplier_staff


def test_a_dropship_supplier_reads_its_recipient_masked_from_7_days_after_delivery(api, supplier_staff, dropship_shipment, now):
    picked_and_shipped(shipment=dropship_shipment, actor=supplier_staff, now=now, carrier="中通", tracking_number="ZT4")
    shipments.deliver_shipment(shipment=dropship_shipment, actor=None, now=timezone.now() - timedelta(days=8), signer="刘洋")
    client = api(supplier_staff)

    detail = client.get(f"/api/v1/shipments/{dropship_shipment.pk}/").json()

    assert detail["recipient_phone"] == "138****8000"
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("role", ["operator", "supplier_staff"])
def test_an_operator_and_a_warehouse_supplier_see_the_recipient_masked_even_on_the_detail(api, request, warehouse_shipment, role):
    detail = api(request.getfixturevalue(role)).get(f"/api/v1/shipments/{warehouse_shipment.pk}/").json()

    assert detail["recipient_phone"] == "138****8000"
    assert not AccessLog.objects.exists()


def test_shipments_filter_by_batch_and_state(api, logistics, warehouse_shipment, dropship_shipment):
    batch = HandoffBatch.objects.get()
    client = api(logistics)

    in_batch = client.get(f"/api/v1/shipments/?batch={batch.pk}").json()["results"]
    dropship = client.get("/api/v1/shipments/?fulfilment=dropship").json()["results"]

    assert [row["id"] for row in in_batch] == [warehouse_shipment.pk]
    assert [row["id"] for row in dropship] == [dropship_shipment.pk]


def test_shipments_filter_by_warehouse_and_the_time_they_were_created(api, logistics, warehouse, warehouse_shipment, dropship_shipment, now):
    client = api(logistics)

    from_warehouse = client.get("/api/v1/shipments/", {"warehouse": warehouse.pk}).json()["results"]
    from_another = client.get("/api/v1/shipments/", {"warehouse": WarehouseFactory(code="WH-OTHER").pk}).json()["results"]
    since_now = client.get("/api/v1/shipments/", {"created_after": now.isoformat()}).json()["results"]
    before_now = client.get("/api/v1/shipments/", {"created_before": now.isoformat()}).json()["results"]

    assert [row["id"] for row in from_warehouse] == [warehouse_shipment.pk]
    assert from_another == [] and before_now == []
    assert {row["id"] for row in since_now} == {warehouse_shipment.pk, dropship_shipment.pk}


@pytest.mark.parametrize("value", ["1e30", "9223372036854775808", "-1", "1.5", "abc"])
def test_a_batch_filter_that_is_no_id_is_400_naming_it(api, logistics, value):
    response = api(logistics).get("/api/v1/shipments/", {"batch": value})

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["batch"]


def test_the_member_lists_only_its_own_shipments(api, rich_member, warehouse_shipment):
    stranger = MemberFactory(user=UserFactory(username="stranger", role="member"))

    own = api(rich_member.user).get("/api/v1/shipments/").json()["results"]
    theirs = api(stranger.user).get("/api/v1/shipments/").json()["results"]

    assert [row["id"] for row in own] == [warehouse_shipment.pk] and theirs == []
    assert own[0]["recipient_phone"] == ADDRESS["recipient_phone"]


def test_the_shipment_list_runs_the_same_queries_for_1_and_50(api, logistics, operator, rich_member, now):
    warehouse = WarehouseFactory(code="WH-MANY")
    gift = published(GiftFactory(), actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=warehouse, quantity=60, at=now)
    ledger.earn_points(member=rich_member, points=100_000, source=ledger.Source("batch", "MORE"), at=now)

    def make(n):
        for _ in range(n):
            orders.place_order(member=rich_member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)
        shipments.hand_over_warehouse_orders(key=f"K{HandoffBatch.objects.count()}", actor=logistics, now=now)

    assert_list_queries_constant(api(logistics), "/api/v1/shipments/", make)


def test_a_mistyped_tracking_number_is_corrected_while_shipped_with_a_reason_kept_in_the_history(
    logistics, warehouse_shipment, now
):
    from core.fsm import history_of
    from core.models import Notification
    from logistics.services import shipments as service

    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1O0")

    with pytest.raises(ValidationFailed) as no_reason:
        service.correct_tracking(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF100", reason=" ")
    with pytest.raises(ValidationFailed) as same:
        service.correct_tracking(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1O0", reason="录错")
    service.correct_tracking(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF100", reason="O 错录为 0")

    warehouse_shipment.refresh_from_db()
    last = list(history_of(warehouse_shipment))[-1]
    texted = Notification.objects.filter(kind="shipped").order_by("id").last()
    assert (no_reason.value.field, same.value.field) == ("reason", "tracking_number")
    assert (warehouse_shipment.state, warehouse_shipment.tracking_number) == ("shipped", "SF100")
    assert (last.transition, last.actor) == ("correct_tracking", logistics) and "SF1O0 → 顺丰 SF100：O 错录为 0" in last.reason_text
    with translation.override("en"):
        assert last.reason_label.endswith("SF1O0 → 顺丰 SF100: O 错录为 0")
    assert "SF100" in texted.body


def test_a_tracking_number_is_corrected_only_while_shipped_and_never_to_another_parcels(
    logistics, warehouse_shipment, dropship_shipment, now
):
    from logistics.services import shipments as service

    with pytest.raises(InvalidTransition):
        service.correct_tracking(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF9", reason="录错")
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF8")
    Shipment.objects.filter(pk=dropship_shipment.pk).update(carrier="顺丰", carrier_key="SF", tracking_number="SF-TAKEN")

    with pytest.raises(ValidationFailed) as taken:
        service.correct_tracking(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-TAKEN",
                                 reason="录错")

    warehouse_shipment.refresh_from_db()
    assert taken.value.field == "tracking_number" and warehouse_shipment.tracking_number == "SF8"


def test_the_api_and_the_portal_correct_a_tracking_number_for_whoever_may_ship_the_parcel(
    api, logistics, supplier_admin, warehouse_shipment, now
):
    from tests.portal import logged_in

    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF2O")
    url = f"/api/v1/shipments/{warehouse_shipment.pk}/correct-tracking/"
    body = {"carrier": "顺丰", "tracking_number": "SF20", "reason": "O 错录为 0"}

    by_supplier = api(supplier_admin).post(url, body, format="json")
    page = logged_in(logistics).get(f"/logistics/shipments/{warehouse_shipment.pk}/").content.decode()
    by_logistics = api(logistics).post(url, body, format="json")
    portal = logged_in(logistics).post(f"/logistics/shipments/{warehouse_shipment.pk}/correct_tracking/",
                                       {"carrier": "顺丰", "tracking_number": "SF21", "reason": "再次更正"})

    warehouse_shipment.refresh_from_db()
    assert by_supplier.status_code == 403 and 'data-action="correct_tracking"' in page
    assert by_logistics.status_code == 200 and by_logistics.json()["tracking_number"] == "SF20"
    assert portal.status_code == 302 and warehouse_shipment.tracking_number == "SF21"


@pytest.mark.parametrize(("body", "field"), [
    ({"carrier": "顺丰", "tracking_number": "SF30"}, "reason"),
    ({"carrier": "顺丰", "tracking_number": "", "reason": "录错"}, "tracking_number"),
    ({"carrier": "", "tracking_number": "SF30", "reason": "录错"}, "carrier"),
])
def test_a_bad_tracking_correction_is_400_naming_the_field_and_changes_nothing(api, logistics, warehouse_shipment, now, body, field):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF3O")

    response = api(logistics).post(f"/api/v1/shipments/{warehouse_shipment.pk}/correct-tracking/", body, format="json")

    warehouse_shipment.refresh_from_db()
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == field
    assert warehouse_shipment.tracking_number == "SF3O"


def test_a_second_announcement_of_a_replenishment_request_is_409_and_writes_nothing(api, supplier_staff, stocked_gift, warehouse, now):
    inventory.set_safety_stock(gift=stocked_gift, location=warehouse, safety_stock=30, at=now)
    request = ReplenishmentRequest.objects.get(gift=stocked_gift)
    client = api(supplier_staff)

    first = client.post("/api/v1/inbound-shipments/", announcement(stocked_gift, replenishment_request=request.pk), format="json", **fresh_key())
    second = client.post("/api/v1/inbound-shipments/", announcement(stocked_gift, replenishment_request=request.pk), format="json", **fresh_key())

    error = second.json()["errors"][0]
    assert (first.status_code, second.status_code) == (201, 409)
    assert (error["code"], error["attr"]) == ("replenishment_already_announced", "replenishment_request")
    assert first.json()["number"] in error["detail"]
    assert InboundShipment.objects.count() == 1


def test_the_supplier_withdraws_its_announcement_with_a_reason_and_others_may_not(api, supplier_staff, other_supplier_admin, logistics, announced):
    url = f"/api/v1/inbound-shipments/{announced.pk}/withdraw/"

    by_logistics = api(logistics).post(url, {"reason": "x"}, format="json")
    by_other = api(other_supplier_admin).post(url, {"reason": "x"}, format="json")
    without_reason = api(supplier_staff).post(url, {}, format="json")
    withdrawn = api(supplier_staff).post(url, {"reason": "货物未备齐"}, format="json")
    again = api(supplier_staff).post(url, {"reason": "货物未备齐"}, format="json")

    assert (by_logistics.status_code, by_other.status_code, without_reason.status_code) == (403, 404, 400)
    assert (withdrawn.status_code, withdrawn.json()["state"], again.status_code) == (200, "cancelled", 409)
    assert withdrawn.json()["cancelled_at"] is not None
    history = api(supplier_staff).get(f"/api/v1/inbound-shipments/{announced.pk}/history/").json()
    assert (history[-1]["transition"], history[-1]["reason"]) == ("withdraw", "货物未备齐")


@pytest.mark.parametrize(("name", "value"), [("warehouse", "abc"), ("warehouse", "1e30"), ("created_after", "last week"),
                                             ("created_before", "2026-13-40")])
def test_a_bad_warehouse_or_time_filter_of_shipments_is_400_naming_it(api, logistics, name, value):
    response = api(logistics).get("/api/v1/shipments/", {name: value})

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [name]


def test_a_put_away_through_the_api_keeps_the_shelf_location_in_the_history_and_a_long_one_is_400(api, logistics, announced):
    client = api(logistics)
    client.post(f"/api/v1/inbound-shipments/{announced.pk}/receive/", {"counted_quantity": 10}, format="json")

    too_long = client.post(f"/api/v1/inbound-shipments/{announced.pk}/put-away/", {"shelf": "A" * 41}, format="json")
    put_away = client.post(f"/api/v1/inbound-shipments/{announced.pk}/put-away/", {"shelf": "B-07", "reason": "整托"}, format="json")
    history = client.get(f"/api/v1/inbound-shipments/{announced.pk}/history/")

    assert too_long.status_code == 400 and "shelf" in str(too_long.json())
    assert put_away.status_code == 200 and put_away.json()["state"] == "put_away"
    assert history.json()[-1]["reason"] == "货位 B-07：整托"
