"""A failed exchange replacement through the API and the portal: the operator re-ships it or refunds the points instead,
each with a reason; other roles are refused (403) and another tenant does not find the return (404); the return's page
and the returns list show the failure and its reason, the member's page what became of it."""
import re

import pytest

from core.errors import ValidationFailed
from core.fsm import history_of
from core.masking import mask_address, mask_phone
from logistics.models import ReturnRequest, Shipment
from logistics.services import claims, returns, shipments
from suppliers.services import inventory
from tests.factories import SupplierUserFactory
from tests.helpers import picked_and_shipped
from tests.portal import field_errors, logged_in, nav

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
REASON = {"reason": "会员已更正地址"}


@pytest.fixture
def failed_exchange(exchange, logistics, now) -> ReturnRequest:
    """One defective unit exchanged; its replacement shipped and failed (nobody at the address)."""
    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")
    parcel = picked_and_shipped(
        shipment=Shipment.objects.get(replacement_for=exchange), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-REPL"
    )
    shipments.fail_shipment(shipment=parcel, actor=logistics, now=now, reason="地址错误，无人签收")
    return ReturnRequest.objects.get(pk=exchange.pk)


def url(return_request, action: str) -> str:
    return f"/api/v1/returns/{return_request.pk}/{action}/"


def replacement_states(return_request) -> list[str]:
    return list(Shipment.objects.filter(replacement_for=return_request).order_by("pk").values_list("state", flat=True))


# --- API -------------------------------------------------------------------------------------------------------------

def test_the_api_shows_the_failed_replacement_with_its_reason(api, failed_exchange, delivered_order):
    body = api(delivered_order.member.user).get(f"/api/v1/returns/{failed_exchange.pk}/").json()

    assert [(parcel["state"], parcel["failure_reason"]) for parcel in body["replacements"]] == [("failed", "地址错误，无人签收")]


def test_the_operator_re_ships_the_replacement_through_the_api(api, failed_exchange, operator):
    response = api(operator).post(url(failed_exchange, "reship-replacement"), REASON, format="json")
    again = api(operator).post(url(failed_exchange, "reship-replacement"), REASON, format="json")

    assert response.status_code == 200, response.content
    assert [parcel["state"] for parcel in response.json()["replacements"]] == ["created", "failed"]  # newest first
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "invalid_transition"
    history = api(operator).get(f"/api/v1/returns/{failed_exchange.pk}/history/").json()
    assert [(step["transition"], step["reason"]) for step in history][-2:] == [
        ("reship_replacement", "会员已更正地址"), ("create", f"退换货 {failed_exchange.number} 的换货")]


def test_the_operator_refunds_instead_through_the_api(api, failed_exchange, operator):
    response = api(operator).post(url(failed_exchange, "refund-instead"), {"reason": "会员要求退积分"}, format="json")
    again = api(operator).post(url(failed_exchange, "refund-instead"), {"reason": "再退一次"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["refunded_points"]) == ("refunded", 1500)
    assert again.status_code == 409


def test_re_shipping_a_lost_replacement_without_stock_is_a_409_out_of_stock(api, exchange, delivered_order, logistics, operator, now):
    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")
    parcel = picked_and_shipped(
        shipment=Shipment.objects.get(replacement_for=exchange), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-REPL"
    )
    claims.report_lost_parcel(shipment=parcel, actor=logistics, now=now)
    inventory.write_off_stock(gift=delivered_order.gift, location=delivered_order.location, quantity=7, at=now)

    response = api(operator).post(url(exchange, "reship-replacement"), REASON, format="json")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "out_of_stock" and replacement_states(exchange) == ["failed"]


@pytest.mark.parametrize("action", ["reship-replacement", "refund-instead"])
def test_only_the_operator_decides_through_the_api(api, failed_exchange, delivered_order, logistics, action):
    own_supplier = SupplierUserFactory(role="supplier_admin", supplier=delivered_order.supplier)

    statuses = [api(user).post(url(failed_exchange, action), REASON, format="json").status_code
                for user in (delivered_order.member.user, own_supplier, logistics)]
    no_reason = api(logistics).post(url(failed_exchange, action), {}, format="json").status_code

    assert statuses == [403, 403, 403] and no_reason == 403
    assert replacement_states(failed_exchange) == ["failed"] and ReturnRequest.objects.get().state == "exchanged"


@pytest.mark.parametrize("action", ["reship-replacement", "refund-instead"])
def test_another_tenant_does_not_find_the_return(api, failed_exchange, other_member, other_supplier_admin, action):
    statuses = [api(user).post(url(failed_exchange, action), REASON, format="json").status_code
                for user in (other_member.user, other_supplier_admin)]

    assert statuses == [404, 404] and replacement_states(failed_exchange) == ["failed"]


def test_a_decision_without_a_reason_is_a_400_naming_it(api, failed_exchange, operator):
    response = api(operator).post(url(failed_exchange, "refund-instead"), {"reason": ""}, format="json")

    assert response.status_code == 400 and [error["attr"] for error in response.json()["errors"]] == ["reason"]
    assert ReturnRequest.objects.get().state == "exchanged"


# --- portal ----------------------------------------------------------------------------------------------------------

def test_the_operators_return_page_shows_the_failure_and_offers_both_decisions_with_a_reason_and_a_confirmation(
    failed_exchange, delivered_order, operator, logistics
):
    page = logged_in(operator).get(f"/logistics/returns/{failed_exchange.pk}/").content.decode()
    as_logistics = logged_in(logistics).get(f"/logistics/returns/{failed_exchange.pk}/").content.decode()
    as_member = logged_in(delivered_order.member.user).get(f"/logistics/returns/{failed_exchange.pk}/").content.decode()

    assert 'data-testid="replacement-failed"' in page and "失败原因：地址错误，无人签收" in page
    for action in ("reship_replacement", "refund_instead"):
        assert f'data-action="{action}"' in page and f'data-action="{action}"' not in as_logistics + as_member
    assert page.count("onclick=\"return confirm(") == 2 and 'name="reason"' in page
    assert "客服将为您重新发出，或改为退还积分" in as_member and "失败原因：地址错误，无人签收" in as_member


def test_the_operator_re_ships_from_the_return_page_and_a_missing_reason_is_shown_next_to_its_field(failed_exchange, operator):
    client = logged_in(operator)

    refused = client.post(f"/logistics/returns/{failed_exchange.pk}/reship_replacement/", {"reason": ""})
    client.post(f"/logistics/returns/{failed_exchange.pk}/reship_replacement/", REASON)

    assert refused.status_code == 400 and list(field_errors(refused)) == ["reason"]
    assert replacement_states(failed_exchange) == ["failed", "created"]
    after = client.get(f"/logistics/returns/{failed_exchange.pk}/").content.decode()
    assert 'data-action="reship_replacement"' not in after and 'data-testid="replacement-failed"' not in after
    assert "重新发出换货" in after and "会员已更正地址" in after  # in the history, with its reason


def test_the_member_sees_the_points_refunded_instead(failed_exchange, delivered_order, operator):
    logged_in(operator).post(f"/logistics/returns/{failed_exchange.pk}/refund_instead/", {"reason": "会员要求退积分"})

    page = logged_in(delivered_order.member.user).get(f"/logistics/returns/{failed_exchange.pk}/").content.decode()
    listed = logged_in(delivered_order.member.user).get("/logistics/my-returns/").content.decode()

    assert ReturnRequest.objects.get().state == "refunded"
    assert 'data-testid="refunded-instead"' in page and 'data-testid="refunded-points">1,500' in page
    assert 'data-testid="refunded-points">1,500' in listed and "换货（不退积分）" not in listed


def test_the_returns_list_shows_the_failure_filters_it_or_the_others_and_counts_it_in_the_operators_badge(failed_exchange, delivered_order, operator, now):
    from tests.logistics.builders import request

    other = request(delivered_order, now=now)  # requested: waits for the operator too, without a failed replacement
    client = logged_in(operator)

    listed = client.get("/logistics/returns/")
    filtered = client.get("/logistics/returns/", {"replacement_failed": "on"}).content.decode()
    others = client.get("/logistics/returns/", {"replacement_failed": "false"}).content.decode()

    row = listed.content.decode().split(f'data-number="{failed_exchange.number}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="replacement-failed"' in row and "失败原因：地址错误，无人签收" in row
    assert 'data-action="reship_replacement"' in row and 'data-action="refund_instead"' in row
    assert failed_exchange.number in filtered and other.number not in filtered
    assert other.number in others and failed_exchange.number not in others
    assert returns.returns_waiting(operator) == 2 and '<span class="badge' in nav(listed)


# --- correcting whom the replacement goes to -------------------------------------------------------------------------

CORRECTED = "上海市浦东新区世纪大道200号"


def newest_replacement(return_request) -> Shipment:
    return Shipment.objects.filter(replacement_for=return_request).order_by("pk").last()


def reshipped(return_request) -> list[tuple[int, str]]:
    """Who shipped the replacement again and why, each time, as the return's history says."""
    return [(log.actor_id, log.reason_text) for log in history_of(return_request) if log.transition == "reship_replacement"]


def test_a_replacement_shipped_again_goes_to_the_corrected_address_and_the_history_names_the_field(failed_exchange, operator, now):
    returns.reship_replacement(return_request=failed_exchange, actor=operator, now=now, reason="会员已更正地址", address=f" {CORRECTED} ")

    new = newest_replacement(failed_exchange)
    assert (new.state, new.recipient_name, new.recipient_phone, new.address) == ("created", "刘洋", "13800138000", CORRECTED)
    assert reshipped(failed_exchange) == [(operator.pk, "会员已更正地址（更正收件信息：收货地址）")]


def test_a_replacement_shipped_again_without_corrections_goes_where_the_failed_one_went(failed_exchange, operator, logistics, now):
    returns.reship_replacement(return_request=failed_exchange, actor=operator, now=now, reason="会员已更正地址", address=CORRECTED)
    again = picked_and_shipped(shipment=newest_replacement(failed_exchange), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-2")
    shipments.fail_shipment(shipment=again, actor=logistics, now=now, reason="无人签收")

    returns.reship_replacement(return_request=ReturnRequest.objects.get(), actor=operator, now=now, reason="再试一次")

    assert newest_replacement(failed_exchange).address == CORRECTED
    assert [reason for _actor, reason in reshipped(failed_exchange)] == ["会员已更正地址（更正收件信息：收货地址）", "再试一次"]


def test_the_member_confirming_a_corrected_replacement_is_recorded_as_received_by_its_corrected_recipient(
        failed_exchange, delivered_order, operator, logistics, now):
    returns.reship_replacement(return_request=failed_exchange, actor=operator, now=now, reason="收件人改为家人", recipient_name="刘芳")
    parcel = picked_and_shipped(shipment=newest_replacement(failed_exchange), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-3")

    received = shipments.confirm_shipment_receipt(shipment=parcel, actor=delivered_order.member.user, now=now)

    assert (received.state, received.signer) == ("delivered", "刘芳")


def test_a_replacement_shipped_again_as_it_was_is_not_held_to_rules_its_recipient_was_never_checked_by(failed_exchange, operator, now):
    Shipment.objects.filter(replacement_for=failed_exchange).update(recipient_phone="010-12345678")  # no mobile number

    returns.reship_replacement(return_request=failed_exchange, actor=operator, now=now, reason="再试一次")

    assert newest_replacement(failed_exchange).recipient_phone == "010-12345678"


def test_a_corrected_phone_that_is_no_mobile_number_is_refused_naming_it_and_nothing_changes(failed_exchange, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        returns.reship_replacement(return_request=failed_exchange, actor=operator, now=now, reason="会员换了号码", recipient_phone="12345")

    assert [error[0] for error in refused.value.errors] == ["recipient_phone"]
    assert replacement_states(failed_exchange) == ["failed"] and ReturnRequest.objects.get().failed_replacement() is not None


def test_the_api_re_ships_to_a_corrected_recipient_and_refuses_a_bad_one_naming_the_field(api, failed_exchange, operator):
    refused = api(operator).post(url(failed_exchange, "reship-replacement"), {**REASON, "recipient_phone": "12345"}, format="json")
    response = api(operator).post(url(failed_exchange, "reship-replacement"),
                                  {**REASON, "recipient_name": "王芳", "address": CORRECTED}, format="json")

    assert refused.status_code == 400 and [error["attr"] for error in refused.json()["errors"]] == ["recipient_phone"]
    assert response.status_code == 200, response.content
    new = newest_replacement(failed_exchange)
    assert (new.recipient_name, new.recipient_phone, new.address) == ("王芳", "13800138000", CORRECTED)
    history = api(operator).get(f"/api/v1/returns/{failed_exchange.pk}/history/").json()
    assert [step["reason"] for step in history if step["transition"] == "reship_replacement"] == [
        "会员已更正地址（更正收件信息：收件人、收货地址）"]


def test_the_return_page_offers_the_corrections_showing_the_current_recipient_masked(failed_exchange, operator):
    page = logged_in(operator).get(f"/logistics/returns/{failed_exchange.pk}/").content.decode()

    form = next(form for form in re.findall(r"<form.*?</form>", page, re.S) if 'data-action="reship_replacement"' in form)
    for field in ("recipient_name", "recipient_phone", "address"):
        assert f'name="{field}"' in form
    assert mask_phone("13800138000") in form and mask_address("浙江省杭州市西湖区文三路100号") in form
    assert "13800138000" not in page and "文三路100号" not in page  # the operator never reads the contact whole


def test_the_operator_corrects_the_address_on_the_return_page_and_a_bad_phone_is_shown_next_to_its_field(failed_exchange, operator):
    client = logged_in(operator)

    refused = client.post(f"/logistics/returns/{failed_exchange.pk}/reship_replacement/", {**REASON, "recipient_phone": "12345"})
    client.post(f"/logistics/returns/{failed_exchange.pk}/reship_replacement/", {**REASON, "address": CORRECTED})

    assert refused.status_code == 400 and list(field_errors(refused)) == ["recipient_phone"]
    assert replacement_states(failed_exchange) == ["failed", "created"] and newest_replacement(failed_exchange).address == CORRECTED


def test_the_members_returns_list_marks_the_failed_replacement_as_the_staff_list_does(failed_exchange, delivered_order, operator, now):
    client = logged_in(delivered_order.member.user)
    failed_row = client.get("/logistics/my-returns/").content.decode().split(f'data-number="{failed_exchange.number}"', 1)[1].split("</tr>", 1)[0]

    returns.reship_replacement(return_request=failed_exchange, actor=operator, now=now, reason="会员已更正地址")
    reshipped_row = client.get("/logistics/my-returns/").content.decode().split(f'data-number="{failed_exchange.number}"', 1)[1].split("</tr>", 1)[0]

    assert 'data-testid="replacement-failed">换货配送失败' in failed_row and "失败原因：地址错误，无人签收" in failed_row
    assert 'data-testid="replacement-failed"' not in reshipped_row
