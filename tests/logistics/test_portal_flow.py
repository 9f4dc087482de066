"""Portal pages of the goods flow: logistics receives inbound stock, hands orders over and drives warehouse shipments;
suppliers announce inbound stock and ship dropship orders; members track their shipments and confirm receipt."""
import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AccessLog, Notification
from logistics.models import ExtraCost, HandoffBatch, InboundShipment, Shipment
from logistics.services import costs, inbound, shipments
from points.models import RedemptionOrder
from points.services import orders
from suppliers.models import Location, ReplenishmentRequest, StockRecord
from suppliers.services import inventory
from tests.factories import GiftFactory
from tests.factories import ADDRESS
from tests.portal import field_errors
from tests.helpers import picked_and_shipped, published

pytestmark = pytest.mark.django_db



def logged_in(user) -> Client:
    client = Client()
    client.force_login(getattr(user, "user", user))
    return client


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return re.findall(r'<li class="(?:success|error)"><div role="(?:status|alert)">([^<]*)</div></li>', response.content.decode())


def on_hand(gift, location) -> int:
    return StockRecord.objects.get(gift=gift, location=location).on_hand


# logistics: inbound

def test_logistics_receives_an_announced_shipment_from_the_inbound_page_and_stock_goes_up(logistics, announced, stocked_gift, warehouse):
    client = logged_in(logistics)
    assert f'action="/logistics/inbound/{announced.pk}/receive/"' in page(client, "/logistics/inbound/")

    response = client.post(f"/logistics/inbound/{announced.pk}/receive/", {"counted_quantity": 10, "damaged_quantity": 1}, follow=True)

    announced.refresh_from_db()
    assert announced.state == "received"
    assert on_hand(stocked_gift, warehouse) == 20 + 9
    assert ExtraCost.objects.get().amount == 1.5
    assert any("收货" in message for message in messages_of(response))
    assert f'action="/logistics/inbound/{announced.pk}/put_away/"' in response.content.decode()


def test_a_bad_receipt_shows_the_error_next_to_its_field_names_the_row_and_keeps_the_values(logistics, announced, stocked_gift, warehouse):
    response = logged_in(logistics).post(f"/logistics/inbound/{announced.pk}/receive/",
                                         {"counted_quantity": 5, "damaged_quantity": 6, "reason": "箱子压扁", "next": "/logistics/inbound/"})

    announced.refresh_from_db()
    assert announced.state == "announced" and on_hand(stocked_gift, warehouse) == 20
    assert response.status_code == 400
    errors = field_errors(response)
    assert "破损数量" in errors["damaged_quantity"]
    assert announced.number in errors["__all__"] and announced.gift.sku in errors["__all__"]
    html = response.content.decode()
    assert 'value="5"' in html and 'value="6"' in html and 'value="箱子压扁"' in html
    assert 'name="next" value="/logistics/inbound/"' in html  # a corrected form goes back where it came from


def test_a_receipt_that_is_no_number_is_shown_next_to_its_field(logistics, announced):
    response = logged_in(logistics).post(f"/logistics/inbound/{announced.pk}/receive/", {"counted_quantity": "十", "damaged_quantity": 0})

    assert response.status_code == 400 and "counted_quantity" in field_errors(response)
    assert InboundShipment.objects.get(pk=announced.pk).state == "announced"


def test_the_inbound_page_shows_who_received_and_put_away_with_their_reasons(logistics, announced, now):
    client = logged_in(logistics)
    assert f'href="/logistics/inbound/{announced.pk}/"' in page(client, "/logistics/inbound/")
    client.post(f"/logistics/inbound/{announced.pk}/receive/", {"counted_quantity": 9, "damaged_quantity": 0, "reason": "少一箱"})
    client.post(f"/logistics/inbound/{announced.pk}/put_away/", {"next": f"/logistics/inbound/{announced.pk}/"})

    html = page(client, f"/logistics/inbound/{announced.pk}/")

    history = html.split('data-testid="history"', 1)[1]
    assert "少一箱" in history and logistics.username in history
    assert history.count("<tr>") == 4 and "预报" in history  # the head, announced, received, put away


def test_the_inbound_page_shows_the_units_put_away_what_became_of_the_damaged_ones_and_the_costs_each_reader_may_see(
    logistics, supplier_staff, announced, now
):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=3, actor=logistics, now=now)
    inbound.put_away_inbound(inbound=announced, actor=logistics, now=now)
    fee = ExtraCost.objects.get(inbound=announced)
    borne = costs.record_extra_cost(kind="handling", payer="logistics", inbound=announced, quantity=1, description="仓内搬运损坏",
                                    actor=logistics, now=now)
    url = f"/logistics/inbound/{announced.pk}/"

    staff, supplier = page(logged_in(logistics), url), page(logged_in(supplier_staff), url)

    for html in (staff, supplier):
        assert re.search(r'<th>上架数量</th><td data-testid="shelved">7</td>', html)
        assert re.search(r'data-testid="damaged">3 <small>到货即报废，不入库存</small>', html)
        assert f'<a href="/logistics/extra-costs/{fee.pk}/" data-cost="{fee.pk}">装卸处理费 ¥4.50</a>' in html
    assert f'data-cost="{borne.pk}"' in staff and f'data-cost="{borne.pk}"' not in supplier


def test_the_inbound_page_reads_its_costs_in_one_query_however_many(logistics, announced, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=3, actor=logistics, now=now)
    url, client = f"/logistics/inbound/{announced.pk}/", logged_in(logistics)
    with CaptureQueriesContext(connection) as one:
        page(client, url)
    for _ in range(3):
        costs.record_extra_cost(kind="handling", payer="logistics", inbound=announced, description="", actor=logistics, now=now)
    with CaptureQueriesContext(connection) as four:
        html = page(client, url)

    assert html.count("data-cost=") == 4 and len(four) == len(one)


def test_putting_away_says_what_the_inbound_now_is_in_the_readers_language(logistics, announced):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(logistics)
    received = client.post(f"/logistics/inbound/{announced.pk}/receive/", {"counted_quantity": 10, "damaged_quantity": 0}, follow=True)

    put_away = client.post(f"/logistics/inbound/{announced.pk}/put_away/", follow=True)

    assert [str(m) for m in received.context["messages"]] == [f"{announced.number} is now “Received”"]
    assert [str(m) for m in put_away.context["messages"]] == [f"{announced.number} is now “Put away”"]


def test_the_inbound_page_is_for_logistics_operators_and_its_own_supplier(operator, supplier_staff, other_supplier_admin, member, announced):
    url = f"/logistics/inbound/{announced.pk}/"

    assert 'data-action="receive"' not in page(logged_in(operator), url)
    assert announced.number in page(logged_in(supplier_staff), url)
    assert logged_in(other_supplier_admin).get(url).status_code == 404
    assert logged_in(member).get(url).status_code == 403


def test_logistics_puts_received_goods_away(logistics, announced, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=0, actor=logistics, now=now)

    logged_in(logistics).post(f"/logistics/inbound/{announced.pk}/put_away/")

    announced.refresh_from_db()
    assert announced.state == "put_away"


def test_an_operator_sees_the_inbound_page_without_buttons_and_cannot_receive(operator, announced):
    client = logged_in(operator)

    html = page(client, "/logistics/inbound/")
    refused = client.post(f"/logistics/inbound/{announced.pk}/receive/", {"counted_quantity": 10, "damaged_quantity": 0})

    assert announced.number in html and "data-action=" not in html
    assert refused.status_code == 403


def test_the_inbound_page_filters_by_state_and_text(logistics, announced):
    client = logged_in(logistics)

    assert announced.number in page(client, "/logistics/inbound/?state=announced&q=" + announced.gift.sku)
    assert announced.number not in page(client, "/logistics/inbound/?state=received")


# supplier: announcing

def test_a_supplier_announces_inbound_stock_from_the_form(supplier_staff, stocked_gift, warehouse):
    soon = (timezone.localdate() + timedelta(days=2)).isoformat()

    client = logged_in(supplier_staff)
    body = {"token": uuid.uuid4().hex, "gift": stocked_gift.pk, "location": warehouse.pk, "quantity": 30, "expected_on": soon}

    response = client.post("/logistics/announce/", body, follow=True)
    resent = client.post("/logistics/announce/", body, follow=True)  # a double click sends the same form twice
    no_token = client.post("/logistics/announce/", body | {"token": ""})

    shipment = InboundShipment.objects.get()
    assert (shipment.gift, shipment.location, shipment.announced_quantity, shipment.state) == (stocked_gift, warehouse, 30, "announced")
    assert shipment.number in response.content.decode() and shipment.number in resent.content.decode()
    assert no_token.status_code == 200 and InboundShipment.objects.count() == 1


def test_a_bad_announcement_shows_its_errors_next_to_the_fields_and_writes_nothing(supplier_staff, stocked_gift, warehouse):
    response = logged_in(supplier_staff).post(
        "/logistics/announce/", {"token": uuid.uuid4().hex, "gift": stocked_gift.pk, "location": warehouse.pk, "quantity": 0, "expected_on": "2020-01-01"}
    )

    assert response.status_code == 200
    assert "quantity" in field_errors(response)
    assert not InboundShipment.objects.exists()


def test_an_expected_date_in_the_past_is_shown_next_to_its_field(supplier_staff, stocked_gift, warehouse):
    response = logged_in(supplier_staff).post(
        "/logistics/announce/", {"token": uuid.uuid4().hex, "gift": stocked_gift.pk, "location": warehouse.pk, "quantity": 5, "expected_on": "2020-01-01"}
    )

    assert "预计到货日期" in field_errors(response)["expected_on"]
    assert not InboundShipment.objects.exists()


def test_another_suppliers_gift_is_not_offered_and_cannot_be_posted(other_supplier_admin, stocked_gift, warehouse):
    client = logged_in(other_supplier_admin)
    soon = (timezone.localdate() + timedelta(days=2)).isoformat()

    html = page(client, "/logistics/announce/")
    response = client.post("/logistics/announce/", {"token": uuid.uuid4().hex, "gift": stocked_gift.pk, "location": warehouse.pk, "quantity": 5, "expected_on": soon})

    assert stocked_gift.sku not in html
    assert "gift" in field_errors(response)
    assert not InboundShipment.objects.exists()


def test_an_open_replenishment_request_prefills_the_announcement_and_receiving_meets_it(supplier_staff, logistics, stocked_gift, warehouse):
    inventory.set_safety_stock(gift=stocked_gift, location=warehouse, safety_stock=30, at=timezone.now())
    request = ReplenishmentRequest.objects.get(gift=stocked_gift)
    client = logged_in(supplier_staff)

    html = page(client, f"/logistics/announce/?replenishment={request.pk}")
    client.post("/logistics/announce/", {"token": uuid.uuid4().hex, "gift": stocked_gift.pk, "location": warehouse.pk, "quantity": request.quantity,
                                         "expected_on": request.due_date.isoformat(), "replenishment_request": request.pk})
    shipment = InboundShipment.objects.get()
    logged_in(logistics).post(f"/logistics/inbound/{shipment.pk}/receive/", {"counted_quantity": request.quantity, "damaged_quantity": 0})

    assert f'<option value="{request.pk}" selected>' in html and f'value="{request.quantity}"' in html
    assert shipment.replenishment_request == request
    request.refresh_from_db()
    assert request.state == "met"


# handoff

def test_logistics_creates_a_handoff_batch_by_clicking_and_sees_its_order_count(logistics, stocked_gift, rich_member, now):
    order = orders.place_order(member=rich_member, gift_id=stocked_gift.pk, quantity=1, now=now, **ADDRESS)
    client = logged_in(logistics)
    html = page(client, "/logistics/handoff/")
    key = re.search(r'name="key" value="(\w+)"', html).group(1)

    client.post("/logistics/handoff/", {"key": key})
    client.post("/logistics/handoff/", {"key": key})  # a double submit
    listing = page(client, "/logistics/handoff/")

    batch = HandoffBatch.objects.get()
    assert list(batch.items.values_list("order_id", flat=True)) == [order.pk]
    assert re.search(rf'data-number="{batch.number}">.*?data-testid="order-count">1<', listing, re.S)


def test_the_handoff_pages_count_links_to_exactly_the_orders_waiting_for_handover(logistics, operator, stocked_gift, rich_member, now):
    handed = orders.place_order(member=rich_member, gift_id=stocked_gift.pk, quantity=1, now=now, **ADDRESS)
    shipments.hand_over_warehouse_orders(key="first", actor=logistics, now=now)
    waiting = [orders.place_order(member=rich_member, gift_id=stocked_gift.pk, quantity=1, now=now, **ADDRESS) for _ in range(2)]

    for user in (logistics, operator):
        client = logged_in(user)
        link = re.search(r'<a href="([^"]+)" data-testid="waiting">待交接订单：2</a>', page(client, "/logistics/handoff/")).group(1)
        listed = set(map(int, re.findall(r'href="/member/order-admin/(\d+)/"', page(client, link.replace("&amp;", "&")))))
        assert listed == {order.pk for order in waiting} == set(shipments.awaiting_handoff().values_list("pk", flat=True))
        others = set(map(int, re.findall(r'href="/member/order-admin/(\d+)/"', page(client, "/member/order-admin/?awaiting_handoff=false"))))
        assert handed.pk in others and not others & listed


def test_an_awaiting_handoff_filter_that_is_no_yes_or_no_is_refused_naming_the_field(logistics):
    response = logged_in(logistics).get("/member/order-admin/?awaiting_handoff=maybe")

    assert response.status_code == 400 and "awaiting_handoff" in field_errors(response)


def test_the_handoff_message_counts_its_orders_in_english_words(logistics, stocked_gift, rich_member, now):
    orders.place_order(member=rich_member, gift_id=stocked_gift.pk, quantity=1, now=now, **ADDRESS)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(logistics)

    done = client.post("/logistics/handoff/", {"key": "one-order"}, follow=True)

    assert [str(m) for m in done.context["messages"]] == [f"Handoff batch {HandoffBatch.objects.get().number}: 1 order"]


def test_suppliers_and_members_cannot_open_logistics_pages(supplier_staff, member):
    for user in (supplier_staff, member.user):
        client = logged_in(user)
        for url in ("/logistics/inbound/", "/logistics/handoff/", "/logistics/shipments/"):
            assert client.get(url).status_code == 403, (user, url)
    assert logged_in(member.user).get("/logistics/announce/").status_code == 403


# shipments

def test_logistics_picks_ships_and_delivers_from_the_shipment_page(logistics, warehouse_shipment):
    client, url = logged_in(logistics), f"/logistics/shipments/{warehouse_shipment.pk}/"

    client.post(f"{url}pick/")
    client.post(f"{url}ship/", {"carrier": "顺丰", "tracking_number": "SF200"})
    client.post(f"{url}deliver/", {"signer": "刘洋"})

    warehouse_shipment.refresh_from_db()
    assert (warehouse_shipment.state, warehouse_shipment.tracking_number, warehouse_shipment.signer) == ("delivered", "SF200", "刘洋")
    assert RedemptionOrder.objects.get(pk=warehouse_shipment.order_id).state == "delivered"
    assert "SF200" in page(client, url)


def test_the_delivery_form_takes_the_time_the_parcel_was_signed_for(logistics, warehouse_shipment, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-FORM")
    client, url = logged_in(logistics), f"/logistics/shipments/{warehouse_shipment.pk}/"
    assert 'name="signed_at"' in page(client, url)

    client.post(f"{url}deliver/", {"signer": "刘洋", "signed_at": "2026-10-15T18:30"})

    warehouse_shipment.refresh_from_db()
    assert (warehouse_shipment.state, timezone.localtime(warehouse_shipment.delivered_at).strftime("%m-%d %H:%M")) == ("delivered", "10-15 18:30")


def test_a_signing_time_before_shipping_is_refused_on_the_page(logistics, warehouse_shipment, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-EARLY")
    client, url = logged_in(logistics), f"/logistics/shipments/{warehouse_shipment.pk}/"

    response = client.post(f"{url}deliver/", {"signer": "刘洋", "signed_at": "2026-10-14T09:00"}, follow=True)

    assert "签收时间不能早于发货时间" in response.content.decode()
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "shipped"


def test_logistics_records_a_failure_with_its_reason_and_an_empty_reason_is_refused(logistics, warehouse_shipment, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")
    client, url = logged_in(logistics), f"/logistics/shipments/{warehouse_shipment.pk}/fail/"

    empty = client.post(url, {"reason": ""})
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "shipped"
    assert empty.status_code == 400 and "reason" in field_errors(empty)
    client.post(url, {"reason": "收件人拒收"})

    warehouse_shipment.refresh_from_db()
    assert (warehouse_shipment.state, warehouse_shipment.failure_reason) == ("failed", "收件人拒收")


def test_shipping_without_a_tracking_number_keeps_the_carrier_and_shows_the_error_by_its_field(logistics, warehouse_shipment, now):
    shipments.pick_shipment(shipment=warehouse_shipment, actor=logistics, now=now)

    response = logged_in(logistics).post(f"/logistics/shipments/{warehouse_shipment.pk}/ship/", {"carrier": "顺丰", "tracking_number": ""})

    assert response.status_code == 400 and list(field_errors(response)) == ["tracking_number"]
    assert 'value="顺丰"' in response.content.decode()
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "picked"


def test_a_dropship_supplier_shipping_under_a_web_address_sees_the_error_by_the_tracking_number(supplier_staff, dropship_shipment):
    response = logged_in(supplier_staff).post(
        f"/logistics/shipments/{dropship_shipment.pk}/ship/", {"carrier": "中通", "tracking_number": "www.jf-10086.cn"}
    )

    assert response.status_code == 400 and list(field_errors(response)) == ["tracking_number"]
    assert "运单号只能包含字母、数字和连字符（-）" in response.content.decode()
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created"


@pytest.mark.parametrize("carrier", ["顺丰 jf-10086.cn", "t.cn/abc"])
def test_a_dropship_supplier_shipping_under_a_carrier_holding_a_domain_sees_the_error_by_the_carrier(supplier_staff, dropship_shipment, carrier):
    response = logged_in(supplier_staff).post(
        f"/logistics/shipments/{dropship_shipment.pk}/ship/", {"carrier": carrier, "tracking_number": "ZT900"}
    )

    assert response.status_code == 400 and list(field_errors(response)) == ["carrier"]
    assert "承运商只能填写名称" in response.content.decode()
    assert Shipment.objects.get(pk=dropship_shipment.pk).state == "created"
    assert not Notification.objects.filter(kind="shipped").exists()


def test_a_delivery_the_shipment_cannot_take_yet_is_shown_on_its_page(logistics, warehouse_shipment):
    response = logged_in(logistics).post(f"/logistics/shipments/{warehouse_shipment.pk}/deliver/", {"signer": "刘洋"})

    assert response.status_code == 409 and 'class="error"' in response.content.decode()  # not offered in this state: a message
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "created"


def test_the_warehouse_shipment_page_shows_logistics_the_recipient_and_logs_it(logistics, warehouse_shipment):
    html = page(logged_in(logistics), f"/logistics/shipments/{warehouse_shipment.pk}/")

    assert ADDRESS["recipient_phone"] in html and ADDRESS["address"] in html
    assert AccessLog.objects.get().actor == logistics


def test_the_shipment_list_masks_the_recipient_and_filters_by_batch(logistics, warehouse_shipment, dropship_shipment):
    batch = HandoffBatch.objects.get()
    client = logged_in(logistics)

    everything = page(client, "/logistics/shipments/")
    in_batch = page(client, f"/logistics/shipments/?batch={batch.pk}")

    assert ADDRESS["address"] not in everything and "刘*" in everything
    assert dropship_shipment.order.number in everything
    assert warehouse_shipment.order.number in in_batch and dropship_shipment.order.number not in in_batch
    assert not AccessLog.objects.exists()


def test_a_dropship_supplier_ships_from_its_page_and_is_offered_no_delivery(supplier_staff, dropship_shipment):
    client = logged_in(supplier_staff)
    listing = page(client, "/logistics/dropship/")
    url = f"/logistics/shipments/{dropship_shipment.pk}/"
    before = page(client, url)

    client.post(f"{url}ship/", {"carrier": "中通", "tracking_number": "ZT500"})
    after = page(client, url)
    refused = client.post(f"{url}deliver/", {"signer": "刘洋"})

    assert dropship_shipment.order.number in listing and ADDRESS["address"] in listing
    assert ADDRESS["address"] in before and 'data-action="ship"' in before and 'data-action="pick"' not in before
    assert 'data-action="deliver"' not in after and 'data-action="fail"' not in after
    assert refused.status_code == 403
    dropship_shipment.refresh_from_db()
    assert (dropship_shipment.state, dropship_shipment.tracking_number) == ("shipped", "ZT500")
    assert AccessLog.objects.filter(actor=supplier_staff).count() == 3  # the list, the page before and after shipping


def test_a_dropship_shipment_waiting_for_its_supplier_is_shown_as_awaiting_dispatch_not_picking(
    supplier_staff, logistics, dropship_shipment, warehouse_shipment,
):
    listing = page(logged_in(supplier_staff), "/logistics/dropship/")
    detail = page(logged_in(supplier_staff), f"/logistics/shipments/{dropship_shipment.pk}/")
    staff_listing = page(logged_in(logistics), "/logistics/shipments/")

    state = re.compile(r'data-testid="state">([^<]*)<')
    assert state.findall(listing) == ["待发货"] and state.findall(detail)[0] == "待发货"
    assert sorted(state.findall(staff_listing)) == sorted(["待拣货", "待发货"])  # the warehouse one, picked next
    assert (warehouse_shipment.state, dropship_shipment.state) == ("created", "created")


def test_a_supplier_sees_a_warehouse_shipment_masked_without_buttons(supplier_staff, warehouse_shipment):
    html = page(logged_in(supplier_staff), f"/logistics/shipments/{warehouse_shipment.pk}/")

    assert ADDRESS["address"] not in html and "data-action=" not in html
    assert not AccessLog.objects.exists()


def test_another_supplier_gets_404_for_the_shipment(other_supplier_admin, dropship_shipment):
    client = logged_in(other_supplier_admin)

    assert client.get(f"/logistics/shipments/{dropship_shipment.pk}/").status_code == 404
    assert client.post(f"/logistics/shipments/{dropship_shipment.pk}/ship/", {"carrier": "x", "tracking_number": "y"}).status_code == 404
    assert dropship_shipment.order.number not in page(client, "/logistics/dropship/")


# member

def test_the_member_tracks_its_shipment_and_confirms_receipt(rich_member, warehouse_shipment, logistics, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF300")
    client = logged_in(rich_member)
    html = page(client, "/logistics/my-shipments/")

    response = client.post(f"/logistics/my-shipments/{warehouse_shipment.pk}/confirm-receipt/", follow=True)

    assert "SF300" in html and 'data-action="confirm_receipt"' in html
    warehouse_shipment.refresh_from_db()
    assert warehouse_shipment.state == "delivered"
    assert "已签收" in response.content.decode() and 'data-action="confirm_receipt"' not in response.content.decode()


def test_the_members_order_page_shows_its_parcel_and_confirms_receipt_there(rich_member, other_member, warehouse_shipment, logistics, now):
    order = warehouse_shipment.order
    handed_over = page(logged_in(rich_member), f"/member/orders/{order.pk}/")
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF302")
    client = logged_in(rich_member)
    shipped = page(client, f"/member/orders/{order.pk}/")

    response = client.post(f"/logistics/my-shipments/{warehouse_shipment.pk}/confirm-receipt/", {"next": f"/member/orders/{order.pk}/"})

    parcels = shipped.split('data-testid="order-parcels"', 1)[1].split("</section>", 1)[0]
    assert "<th>操作</th></tr></thead>" in parcels and "<th></th>" not in parcels
    assert 'data-testid="order-parcels"' in handed_over and 'data-action="confirm_receipt"' not in handed_over
    assert "已交由物流，如需取消请联系客服" in handed_over and "已交由物流" not in shipped
    ask = re.search(r'href="([^"]+)" data-testid="ask-cancel"', handed_over).group(1).replace("&amp;", "&")
    complaint_form = page(client, ask)
    assert f'<option value="{order.pk}" selected>' in complaint_form and f'value="申请取消订单 {order.number}"' in complaint_form
    assert "顺丰" in parcels and "SF302" in parcels and 'data-action="confirm_receipt"' in parcels
    assert response.status_code == 302 and response["Location"] == f"/member/orders/{order.pk}/"
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "delivered"
    assert logged_in(other_member).get(f"/member/orders/{order.pk}/").status_code == 404


def test_confirming_an_unshipped_shipment_shows_an_error(rich_member, warehouse_shipment):
    response = logged_in(rich_member).post(f"/logistics/my-shipments/{warehouse_shipment.pk}/confirm-receipt/", follow=True)

    assert 'class="error"' in response.content.decode()
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "created"


def test_another_member_cannot_confirm_receipt(other_member, warehouse_shipment, logistics, now):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF301")

    response = logged_in(other_member).post(f"/logistics/my-shipments/{warehouse_shipment.pk}/confirm-receipt/")

    assert response.status_code == 404
    assert Shipment.objects.get(pk=warehouse_shipment.pk).state == "shipped"


# constant queries

def assert_page_queries_constant(client, url: str, make) -> None:
    make(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    make(19)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url)
    assert len(response.context["page_obj"]) == 20
    assert len(one.captured_queries) == len(twenty.captured_queries), "\n".join(q["sql"] for q in twenty.captured_queries)


@pytest.fixture
def many_orders(rich_member, operator, now):
    """make(n): n more confirmed warehouse orders of one gift, handed over in a batch of their own."""
    from points.services import ledger
    from tests.factories import WarehouseFactory

    gift = published(GiftFactory(), actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-PAGES"), quantity=40, at=now)
    ledger.earn_points(member=rich_member, points=100_000, source=ledger.Source("batch", "MORE"), at=now)

    def make(n):
        for _ in range(n):
            orders.place_order(member=rich_member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)
        shipments.hand_over_warehouse_orders(key=f"K{HandoffBatch.objects.count()}", actor=None, now=now)

    return make


@pytest.mark.parametrize(("role", "url"), [("logistics", "/logistics/shipments/"), ("member", "/logistics/my-shipments/")])
def test_shipment_pages_run_the_same_queries_for_1_and_20_rows(request, many_orders, role, url):
    assert_page_queries_constant(logged_in(request.getfixturevalue(role)), url, many_orders)


def test_the_handoff_page_runs_the_same_queries_for_1_and_20_batches(logistics, now):
    def make(n):
        for _ in range(n):
            HandoffBatch.objects.create(key=f"K{HandoffBatch.objects.count()}", number=f"HB{HandoffBatch.objects.count():020d}", created_at=now)  # the list's rows

    assert_page_queries_constant(logged_in(logistics), "/logistics/handoff/", make)


@pytest.mark.parametrize(("role", "url"), [("logistics", "/logistics/inbound/"), ("supplier_staff", "/logistics/announce/")])
def test_inbound_pages_run_the_same_queries_for_1_and_20_rows(request, supplier, stocked_gift, warehouse, now, role, url):
    def make(n):
        for _ in range(n):
            inbound.announce_inbound(supplier=supplier, gift_id=stocked_gift.pk, location_id=warehouse.pk, quantity=3,
                                     expected_on=now.date(), actor=None, now=now)

    assert_page_queries_constant(logged_in(request.getfixturevalue(role)), url, make)


def test_a_handoff_with_no_order_waiting_says_so_and_makes_no_batch(logistics):
    page = logged_in(logistics).post("/logistics/handoff/", {"key": "empty-1"}, follow=True).content.decode()

    assert "没有待交接的订单" in page and not HandoffBatch.objects.exists()


def test_an_announced_replenishment_request_shows_its_announcement_instead_of_offering_another(supplier_staff, stocked_gift, warehouse):
    inventory.set_safety_stock(gift=stocked_gift, location=warehouse, safety_stock=30, at=timezone.now())
    request = ReplenishmentRequest.objects.get(gift=stocked_gift)
    client = logged_in(supplier_staff)
    body = {"gift": stocked_gift.pk, "location": warehouse.pk, "quantity": request.quantity,
            "expected_on": request.due_date.isoformat(), "replenishment_request": request.pk}
    client.post("/logistics/announce/", body | {"token": uuid.uuid4().hex})

    second = client.post("/logistics/announce/", body | {"token": uuid.uuid4().hex})

    shipment = InboundShipment.objects.get()
    assert shipment.number in field_errors(second)["replenishment_request"]
    requests_table = page(client, "/logistics/announce/").split('data-testid="replenishments"', 1)[1].split("</table>", 1)[0]
    assert shipment.number in requests_table and 'data-testid="meet"' not in requests_table


def test_the_supplier_withdraws_an_announcement_on_the_inbound_page_with_a_reason(supplier_staff, logistics, announced):
    client = logged_in(supplier_staff)
    assert f'action="/logistics/inbound/{announced.pk}/withdraw/"' in page(client, f"/logistics/inbound/{announced.pk}/")
    assert "withdraw" not in page(logged_in(logistics), f"/logistics/inbound/{announced.pk}/")

    refused = client.post(f"/logistics/inbound/{announced.pk}/withdraw/", {"reason": ""})
    response = client.post(f"/logistics/inbound/{announced.pk}/withdraw/", {"reason": "货物未备齐"}, follow=True)

    assert refused.status_code == 400 and "reason" in field_errors(refused)
    announced.refresh_from_db()
    assert announced.state == "cancelled"
    history = response.content.decode().split('data-testid="history"', 1)[1]
    assert "货物未备齐" in history
    assert logged_in(logistics).post(f"/logistics/inbound/{announced.pk}/withdraw/", {"reason": "x"}).status_code == 403


def test_the_dropship_list_shows_the_supplier_its_parcels_to_ship_in_full_and_logs_each_read(supplier_staff, dropship_shipment):
    listing = page(logged_in(supplier_staff), "/logistics/dropship/")

    row = listing.split(f'data-number="{dropship_shipment.order.number}"', 1)[1].split("</tr>", 1)[0]
    assert all(ADDRESS[field] in row for field in ("recipient_name", "recipient_phone", "address"))
    logged = AccessLog.objects.get()
    assert (logged.actor, logged.subject_id, logged.purpose) == (supplier_staff, str(dropship_shipment.order.pk), "dropship_list")


def test_the_dropship_list_masks_a_parcel_delivered_more_than_7_days_ago_and_logs_nothing(supplier_staff, dropship_shipment, now):
    picked_and_shipped(shipment=dropship_shipment, actor=supplier_staff, now=now, carrier="中通", tracking_number="ZT-OLD")
    shipments.deliver_shipment(shipment=dropship_shipment, actor=None, now=timezone.now() - timedelta(days=8), signer="刘洋")

    listing = page(logged_in(supplier_staff), "/logistics/dropship/")

    assert dropship_shipment.order.number in listing and ADDRESS["address"] not in listing and "刘*" in listing
    assert not AccessLog.objects.exists()


def test_the_dropship_list_runs_the_same_queries_for_1_and_20_rows_its_reads_logged_in_one_insert(
    supplier, supplier_staff, operator, rich_member, now,
):
    from points.services import ledger

    gift = published(GiftFactory(supplier=supplier, fulfilment="dropship"), actor=operator, at=now)
    own = Location.objects.create(code="DS-PAGES", name="自有仓", kind="dropship", supplier=supplier)
    inventory.receive_stock(gift=gift, location=own, quantity=40, at=now)
    ledger.earn_points(member=rich_member, points=100_000, source=ledger.Source("batch", "MORE"), at=now)

    def make(n):
        for _ in range(n):
            orders.place_order(member=rich_member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)
        shipments.hand_over_dropship_orders(actor=None, now=now)

    assert_page_queries_constant(logged_in(supplier_staff), "/logistics/dropship/", make)
    assert AccessLog.objects.count() == 21


@pytest.mark.parametrize(("role", "url", "offered"), [
    ("logistics", "/logistics/shipments/", True), ("operator", "/logistics/shipments/", False),
    ("supplier_staff", "/logistics/dropship/", True),
])
def test_the_shipment_lists_lead_those_who_ship_to_shipping_by_file(role, url, offered, request):
    listing = page(logged_in(request.getfixturevalue(role)), url)

    assert ('data-testid="ship-by-file"' in listing) is offered


def test_the_put_away_form_takes_a_shelf_location_and_a_note_the_inbound_page_shows_in_its_history(logistics, announced, now):
    inbound.receive_inbound(inbound=announced, counted_quantity=10, damaged_quantity=0, actor=logistics, now=now)
    client = logged_in(logistics)
    assert 'name="shelf"' in client.get(f"/logistics/inbound/{announced.pk}/").content.decode()

    client.post(f"/logistics/inbound/{announced.pk}/put_away/", {"shelf": "C-12", "reason": "靠窗"})

    history = client.get(f"/logistics/inbound/{announced.pk}/").content.decode().split('data-testid="history"', 1)[1]
    assert "货位 C-12：靠窗" in history
    assert InboundShipment.objects.get(pk=announced.pk).state == "put_away"
