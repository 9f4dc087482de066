"""The operator's steps on an order whose delivery went wrong or must be stopped (SPEC §4.5): cancelling before
picking and giving up a failed delivery say why, the reason kept in the order's history; a blank one is refused next
to its field on the order's page and as a field error by the API, and changes nothing."""
from datetime import timedelta

import pytest

from core.errors import ValidationFailed
from core.fsm import history_of
from logistics.models import Shipment
from logistics.services import claims, shipments
from points.models import PointsAccount, RedemptionOrder
from points.services import orders
from suppliers.models import StockRecord
from suppliers.services import inventory
from tests.factories import ADDRESS
from tests.helpers import picked_and_shipped
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(shipped, logistics, now) -> RedemptionOrder:
    """The shipped warehouse order whose delivery failed an hour later: it waits for the operator."""
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now + timedelta(hours=1), reason="收件人不在")
    return RedemptionOrder.objects.get(pk=shipped.order_id)


@pytest.fixture
def unpicked(handed_over) -> RedemptionOrder:
    """The handed-over warehouse order whose shipment waits for picking."""
    return handed_over.order


def balance(order) -> int:
    return PointsAccount.objects.get(member=order.member).balance


def last_step(order) -> tuple[str, str, str]:
    log = list(history_of(order))[-1]
    return log.transition, log.target_state, log.reason_text


@pytest.mark.parametrize("reason", ["", "   "])
def test_giving_up_without_a_reason_is_refused_naming_it_and_changes_nothing(failed, operator, now, reason):
    before = balance(failed)

    with pytest.raises(ValidationFailed) as refused:
        orders.give_up_order(order=failed, actor=operator, now=now + timedelta(hours=2), reason=reason)

    failed.refresh_from_db()
    assert (refused.value.field, refused.value.detail) == ("reason", "请填写原因")
    assert (failed.state, balance(failed), last_step(failed)[0]) == ("delivery_failed", before, "fail_delivery")


def test_the_give_up_button_of_a_lost_parcels_order_says_no_stock_comes_back(shipped, logistics, operator, now):
    claims.report_lost_parcel(shipment=shipped, actor=logistics, now=now + timedelta(hours=1))

    page = logged_in(operator).get(f"/member/order-admin/{shipped.order_id}/").content.decode()

    assert "放弃配送（包裹已丢失：退积分，无库存退回）" in page and "退回库存" not in page


def test_the_give_up_button_of_an_undelivered_parcels_order_says_the_stock_comes_back(failed, operator):
    page = logged_in(operator).get(f"/member/order-admin/{failed.pk}/").content.decode()

    assert "放弃配送（退积分、退回库存）" in page and "包裹已丢失" not in page


def test_giving_up_with_a_reason_keeps_it_in_the_orders_history(failed, operator, now):
    orders.give_up_order(order=failed, actor=operator, now=now + timedelta(hours=2), reason="  会员拒收，联系不上  ")

    assert last_step(failed) == ("give_up", "cancelled", "会员拒收，联系不上")


def test_cancelling_before_picking_without_a_reason_is_refused_and_the_shipment_waits(handed_over, operator, now):
    order = handed_over.order

    with pytest.raises(ValidationFailed) as refused:
        orders.cancel_before_picking(order=order, actor=operator, now=now, reason="")

    order.refresh_from_db()
    assert refused.value.field == "reason"
    assert (order.state, Shipment.objects.get().state) == ("handed_over", "created")


def test_cancelling_before_picking_keeps_the_reason_in_the_orders_history(handed_over, operator, now):
    orders.cancel_before_picking(order=handed_over.order, actor=operator, now=now, reason="会员来电取消")

    assert last_step(handed_over.order) == ("cancel_before_picking", "cancelled", "会员来电取消")


def test_a_reason_longer_than_the_form_takes_is_refused_naming_it(failed, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        orders.give_up_order(order=failed, actor=operator, now=now, reason="因" * 201)

    assert refused.value.field == "reason"


# --- the order's page and the API ---------------------------------------------------------------------------------
def test_giving_up_on_the_page_without_a_reason_shows_the_error_next_to_the_reason(failed, operator):
    response = logged_in(operator).post(f"/member/order-admin/{failed.pk}/give_up/", {"reason": ""})

    failed.refresh_from_db()
    assert response.status_code == 400 and field_errors(response) == {"reason": "请填写原因"}
    assert 'data-action-form="give_up"' in response.content.decode()
    assert failed.state == "delivery_failed"


def test_cancelling_before_picking_on_the_page_with_a_reason_shows_it_in_the_history(handed_over, operator):
    client = logged_in(operator)
    order = handed_over.order

    response = client.post(f"/member/order-admin/{order.pk}/cancel_before_picking/", {"reason": "会员来电取消"})

    assert response.status_code == 302
    page = client.get(f"/member/order-admin/{order.pk}/").content.decode()
    assert "会员来电取消" in page and RedemptionOrder.objects.get(pk=order.pk).state == "cancelled"


@pytest.mark.parametrize(("action", "waiting"), [("give-up", "failed"), ("cancel-before-picking", "unpicked")])
def test_the_api_refuses_a_step_without_a_reason_with_a_field_error(request, api, operator, action, waiting):
    order = request.getfixturevalue(waiting)

    response = api(operator).post(f"/api/v1/orders/{order.pk}/{action}/", {}, format="json")

    error = response.json()["errors"][0]
    assert (response.status_code, error["code"], error["attr"]) == (400, "required", "reason")
    assert RedemptionOrder.objects.get(pk=order.pk).state == order.state


# --- re-delivery to a corrected recipient -------------------------------------------------------------------------
NEW_ADDRESS = "浙江省杭州市滨江区江南大道200号"


def test_a_redelivery_goes_to_the_corrected_recipient_recorded_on_the_new_attempt(failed, shipped, operator, now):
    orders.redeliver_order(order=failed, actor=operator, now=now + timedelta(hours=2), reason="会员改了地址",
                           recipient_phone=" 13900139000 ", address=NEW_ADDRESS)

    failed.refresh_from_db()
    shipped.refresh_from_db()
    attempt = shipments.active_shipment(failed)
    assert attempt.pk != shipped.pk and attempt.state == "created"
    assert (attempt.recipient_name, attempt.recipient_phone, attempt.address) == ("刘洋", "13900139000", NEW_ADDRESS)
    assert (failed.state, failed.recipient_phone, failed.address) == ("handed_over", "13900139000", NEW_ADDRESS)
    assert (shipped.recipient_phone, shipped.address) == ("13800138000", "浙江省杭州市西湖区文三路100号")
    transition, _state, reason = last_step(failed)
    assert (transition, reason) == ("redeliver", "会员改了地址（更正收件信息：收件电话、收货地址）")


@pytest.mark.parametrize("typed", ["+86 139-0000-1234", "139 0000 1234", "１３９００００１２３４"])
def test_a_corrected_phone_typed_as_people_do_is_taken_as_its_eleven_digits(failed, operator, now, typed):
    orders.redeliver_order(order=failed, actor=operator, now=now + timedelta(hours=2), reason="会员换了号码", recipient_phone=typed)

    failed.refresh_from_db()
    assert (failed.state, failed.recipient_phone, shipments.active_shipment(failed).recipient_phone) == (
        "handed_over", "13900001234", "13900001234")
    assert last_step(failed)[2] == "会员换了号码（更正收件信息：收件电话）"


def test_the_order_page_takes_a_corrected_phone_with_country_code_and_hyphens(failed, operator):
    response = logged_in(operator).post(f"/member/order-admin/{failed.pk}/redeliver/",
                                        {"reason": "", "recipient_name": "", "recipient_phone": "+86 139-0000-1234", "address": ""})

    assert response.status_code == 302
    assert RedemptionOrder.objects.get(pk=failed.pk).recipient_phone == "13900001234"


def test_a_redelivery_without_corrections_goes_to_the_same_recipient(failed, operator, now):
    orders.redeliver_order(order=failed, actor=operator, now=now + timedelta(hours=2), reason="再试一次")

    attempt = shipments.active_shipment(failed)
    assert (attempt.recipient_name, attempt.recipient_phone, attempt.address) == ("刘洋", "13800138000", "浙江省杭州市西湖区文三路100号")
    assert last_step(failed)[2] == "再试一次"


def test_bad_corrections_are_refused_each_naming_its_field_and_change_nothing(failed, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        orders.redeliver_order(order=failed, actor=operator, now=now, recipient_name="名" * 51, recipient_phone="12345",
                               address="杭州")

    failed.refresh_from_db()
    assert [field for field, _code, _detail in refused.value.errors] == ["recipient_name", "recipient_phone", "address"]
    assert (failed.state, failed.address, Shipment.objects.filter(order=failed).count()) == (
        "delivery_failed", "浙江省杭州市西湖区文三路100号", 1)


def test_the_operator_corrects_the_recipient_on_the_order_page_and_logistics_sees_it_on_the_new_shipment(failed, operator, logistics):
    response = logged_in(operator).post(f"/member/order-admin/{failed.pk}/redeliver/",
                                        {"reason": "", "recipient_name": "", "recipient_phone": "", "address": NEW_ADDRESS})

    assert response.status_code == 302
    attempt = shipments.active_shipment(RedemptionOrder.objects.get(pk=failed.pk))
    page = logged_in(logistics).get(f"/logistics/shipments/{attempt.pk}/").content.decode()
    recipient = page.split('data-testid="recipient"', 1)[1].split("</table>", 1)[0]
    assert NEW_ADDRESS in recipient and "13800138000" in recipient


def test_a_bad_correction_on_the_order_page_is_shown_next_to_its_field_with_the_values_kept(failed, operator):
    response = logged_in(operator).post(f"/member/order-admin/{failed.pk}/redeliver/",
                                        {"reason": "改地址", "recipient_name": "", "recipient_phone": "12345", "address": "杭州"})

    html = response.content.decode()
    assert response.status_code == 400 and set(field_errors(response)) == {"recipient_phone", "address"}
    assert 'value="12345"' in html and 'value="改地址"' in html
    assert RedemptionOrder.objects.get(pk=failed.pk).state == "delivery_failed"


def test_the_api_redelivers_to_a_corrected_recipient_and_names_a_bad_field(api, failed, operator):
    client = api(operator)

    refused = client.post(f"/api/v1/orders/{failed.pk}/redeliver/", {"recipient_phone": "12345"}, format="json")
    accepted = client.post(f"/api/v1/orders/{failed.pk}/redeliver/", {"recipient_name": "王芳"}, format="json")

    error = refused.json()["errors"][0]
    assert (refused.status_code, error["attr"]) == (400, "recipient_phone")
    assert (accepted.status_code, accepted.json()["state"]) == (200, "handed_over")
    assert shipments.active_shipment(failed).recipient_name == "王芳"


# --- cancelling a re-delivery before picking ----------------------------------------------------------------------
def redelivered(order, *, operator, now) -> RedemptionOrder:
    """`order`, its delivery failed, handed over again for a new attempt: the goods are back, reserved for nobody."""
    orders.redeliver_order(order=order, actor=operator, now=now + timedelta(hours=2), reason="再试一次")
    return order


def stock_of(order) -> tuple[int, int]:
    record = StockRecord.objects.get(gift=order.gift, location=order.location)
    return record.on_hand, record.reserved


def test_cancelling_a_warehouse_redelivery_puts_its_goods_back_and_leaves_another_orders_reservation(
        failed, operator, rich_member, now):
    order = redelivered(failed, operator=operator, now=now)
    other = orders.place_order(member=rich_member, gift_id=order.gift_id, quantity=2, now=now, **ADDRESS)
    assert stock_of(order) == (8, 2)  # the first parcel's two units left; the other order holds two of the eight

    orders.cancel_before_picking(order=order, actor=operator, now=now + timedelta(hours=3), reason="会员来电取消")

    order.refresh_from_db()
    assert (order.state, shipments.active_shipment(order).state) == ("cancelled", "cancelled")
    assert stock_of(order) == (10, 2) == inventory.rebuild_stock(gift=order.gift, location=order.location)
    assert balance(order) == 50_000 - other.points_cost  # the cancelled order's 3000 points came back
    assert orders.points_refunded_on_close(order) == order.points_cost


def test_cancelling_a_redelivery_succeeds_while_another_order_holds_the_only_reserved_unit(failed, operator, rich_member, now):
    order = redelivered(failed, operator=operator, now=now)
    orders.place_order(member=rich_member, gift_id=order.gift_id, quantity=1, now=now, **ADDRESS)

    orders.cancel_before_picking(order=order, actor=operator, now=now + timedelta(hours=3), reason="会员来电取消")

    assert stock_of(order) == (10, 1)


def test_cancelling_a_dropship_redelivery_puts_its_goods_back_into_the_suppliers_stock(
        dropship_shipped, operator, rich_member, now):
    shipments.fail_shipment(shipment=dropship_shipped, actor=None, now=now + timedelta(hours=1), reason="收件人不在")
    order = redelivered(RedemptionOrder.objects.get(pk=dropship_shipped.order_id), operator=operator, now=now)
    orders.place_order(member=rich_member, gift_id=order.gift_id, quantity=1, now=now, **ADDRESS)
    assert stock_of(order) == (3, 1)

    orders.cancel_before_picking(order=order, actor=operator, now=now + timedelta(hours=3), reason="会员来电取消")

    order.refresh_from_db()
    assert order.state == "cancelled" and shipments.active_shipment(order).state == "cancelled"
    assert stock_of(order) == (5, 1) == inventory.rebuild_stock(gift=order.gift, location=order.location)
    assert orders.points_refunded_on_close(order) == order.points_cost


def test_cancelling_an_order_never_shipped_before_picking_still_releases_its_reservation(unpicked, operator, now):
    orders.cancel_before_picking(order=unpicked, actor=operator, now=now, reason="会员来电取消")

    assert stock_of(unpicked) == (10, 0)


def test_cancelling_a_redelivery_from_a_copy_read_before_its_first_shipment_still_leaves_another_orders_reservation(
        handed_over, logistics, operator, rich_member, now):
    read_before_shipping = RedemptionOrder.objects.get(pk=handed_over.order_id)
    shipped = picked_and_shipped(shipment=handed_over, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1001")
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now + timedelta(hours=1), reason="收件人不在")
    redelivered(RedemptionOrder.objects.get(pk=handed_over.order_id), operator=operator, now=now)
    orders.place_order(member=rich_member, gift_id=read_before_shipping.gift_id, quantity=2, now=now, **ADDRESS)

    orders.cancel_before_picking(order=read_before_shipping, actor=operator, now=now + timedelta(hours=3), reason="会员来电取消")

    assert stock_of(read_before_shipping) == (10, 2) == inventory.rebuild_stock(
        gift=read_before_shipping.gift, location=read_before_shipping.location)
