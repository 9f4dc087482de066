"""Portal pages of returns, extra costs and claims: the member's 退换货 list and request form, the queues of
operators, logistics staff and suppliers, the extra-cost and tariff page, and the claims page of finance."""
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logistics.models import ExtraCost, LeftoverLot, LogisticsClaim, ReturnRequest, Shipment
from logistics.services import claims, costs, returns, shipments
from tests.factories import FIXED_NOW, SHANGHAI, SupplierUserFactory
from tests.logistics.builders import charge, received, request
from tests.portal import field_errors, logged_in, nav, page_in
from tests.helpers import picked_and_shipped


pytestmark = pytest.mark.django_db
DAYS_AFTER_THE_DEADLINE = datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)  # the `lot` below is due 2026-11-14: storage accrues


@pytest.fixture(autouse=True)
def _clock(time_machine):
    """The pages read the clock: hold it at the fixed `now` the orders were delivered at."""
    time_machine.move_to(FIXED_NOW, tick=False)


@pytest.fixture
def own_supplier_staff(delivered_order):
    return SupplierUserFactory(username="gift_supplier_staff", role="supplier_staff", supplier=delivered_order.supplier)


# --- member --------------------------------------------------------------------------------------------------------

def test_the_member_sees_its_returnable_order_and_requests_a_return(delivered_order):
    client = logged_in(delivered_order.member.user)

    page = client.get("/logistics/my-returns/").content.decode()
    response = client.post(
        f"/logistics/my-returns/new/{delivered_order.pk}/", {"quantity": 1, "reason": "unused", "remedy": "refund", "token": "r1"}
    )

    assert delivered_order.number in page and f"/logistics/my-returns/new/{delivered_order.pk}/" in page
    return_request = ReturnRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/logistics/returns/{return_request.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert return_request.number in detail and "冲减结算金额" not in detail


def test_sending_the_same_return_request_twice_opens_one_return(delivered_order):
    client = logged_in(delivered_order.member.user)
    body = {"quantity": 1, "reason": "unused", "remedy": "refund", "token": "twice"}

    first, again = (client.post(f"/logistics/my-returns/new/{delivered_order.pk}/", body) for _ in range(2))

    return_request = ReturnRequest.objects.get()
    assert first["Location"] == again["Location"] == f"/logistics/returns/{return_request.pk}/"


def test_the_request_page_of_an_order_with_nothing_left_to_return_goes_back_to_the_order_saying_why(delivered_order, now):
    request(delivered_order, now=now, quantity=2)
    client = logged_in(delivered_order.member.user)

    response = client.get(f"/logistics/my-returns/new/{delivered_order.pk}/", follow=True)

    assert response.redirect_chain == [(f"/member/orders/{delivered_order.pk}/", 302)]
    assert "该订单已无可退数量（已有退换货申请）" in response.content.decode()


def order_returns(client, order) -> str:
    """The returns section of the member's order page."""
    html = client.get(f"/member/orders/{order.pk}/").content.decode()
    return html.split('data-testid="order-returns"', 1)[1].split("</section>", 1)[0]


def test_the_order_page_shows_its_returns_what_is_left_to_return_and_a_way_to_complain(delivered_order, operator, logistics, now):
    client = logged_in(delivered_order.member.user)
    before = order_returns(client, delivered_order)
    refunded = received(delivered_order, operator=operator, handler=logistics, now=now)
    returns.inspect_return(return_request=refunded, actor=logistics, now=now, outcome="resellable")
    open_one = request(delivered_order, now=now)

    after = order_returns(client, delivered_order)

    assert f"/logistics/my-returns/new/{delivered_order.pk}/" in before and "可退 2 件" in before
    assert f'href="/member/complaints/new/?order={delivered_order.pk}"' in before and "投诉" in before
    rows = dict(re.findall(r'data-number="(RR[^"]+)">.*?data-testid="refunded-points">([^<]*)<', after, re.S))
    assert rows == {refunded.number: "1,500", open_one.number: "—"}
    assert "已退货 1 件" in after and "已退款" in after and "request-return" not in after  # nothing left: no button
    assert f'href="/member/complaints/new/?order={delivered_order.pk}"' in after


def test_an_exchange_shows_that_it_gives_no_points_back(exchange, operator, logistics, now):
    client = logged_in(exchange.order.member.user)

    detail = client.get(f"/logistics/returns/{exchange.pk}/").content.decode()
    listed = client.get("/logistics/my-returns/").content.decode()

    assert 'data-testid="refunded-points">换货（不退积分）<' in detail and "换货（不退积分）" in listed


def test_the_order_page_labels_a_replacement_and_a_send_back_parcel_with_their_return(exchange, operator, logistics, now):
    order = exchange.order
    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")
    refused = received(order, operator=operator, handler=logistics, now=now)
    returns.inspect_return(return_request=refused, actor=logistics, now=now, outcome="used")

    html = logged_in(order.member.user).get(f"/member/orders/{order.pk}/").content.decode()

    purposes = re.findall(r'data-testid="parcel-purpose">(.*?)</td>', html.split('data-testid="order-parcels"', 1)[1], re.S)
    assert purposes[0] == "订单发货"
    assert purposes[1] == f'换货发货 <a href="/logistics/returns/{exchange.pk}/">{exchange.number}</a>'
    assert purposes[2] == f'退回会员 <a href="/logistics/returns/{refused.pk}/">{refused.number}</a>'


def test_a_bad_request_shows_the_error_next_to_its_field_and_writes_nothing(delivered_order):
    client = logged_in(delivered_order.member.user)

    response = client.post(
        f"/logistics/my-returns/new/{delivered_order.pk}/", {"quantity": 1, "reason": "unused", "remedy": "exchange", "token": "r1"}
    )

    assert response.status_code == 200 and "remedy" in field_errors(response)
    assert not ReturnRequest.objects.exists()


def test_every_error_of_a_return_request_is_shown_at_once_next_to_its_field(delivered_order):
    client = logged_in(delivered_order.member.user)

    response = client.post(
        f"/logistics/my-returns/new/{delivered_order.pk}/", {"quantity": "", "reason": "unused", "remedy": "exchange", "token": "r2"}
    )

    assert response.status_code == 200 and set(field_errors(response)) == {"quantity", "remedy"}
    assert not ReturnRequest.objects.exists()


def test_another_members_order_and_return_are_not_found(delivered_order, other_member, now):
    return_request = request(delivered_order, now=now)
    client = logged_in(other_member.user)

    assert client.get(f"/logistics/my-returns/new/{delivered_order.pk}/").status_code == 404
    assert client.get(f"/logistics/returns/{return_request.pk}/").status_code == 404


def test_staff_pages_are_forbidden_to_members(member):
    client = logged_in(member.user)

    assert client.get("/logistics/returns/").status_code == 403
    assert client.get("/logistics/claims/").status_code == 403


# --- the returns desk ----------------------------------------------------------------------------------------------

def test_the_operator_approves_from_the_list(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)
    client = logged_in(operator)

    page = client.get("/logistics/returns/?state=requested").content.decode()
    response = client.post(f"/logistics/returns/{return_request.pk}/approve/", {"reason": "", "next": "/logistics/returns/"})

    assert 'data-action="approve"' in page and 'data-action="reject"' in page and 'data-action="inspect"' not in page
    assert response["Location"] == "/logistics/returns/"
    assert ReturnRequest.objects.get().state == "approved"


def test_a_requested_return_reads_requested_in_english(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)

    english = page_in(operator, f"/logistics/returns/{return_request.pk}/", "en")

    assert 'data-testid="state">Requested</span>' in english and "Applied" not in english


def test_a_rejection_without_a_reason_is_shown_next_to_its_field_on_the_returns_page(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)

    response = logged_in(operator).post(f"/logistics/returns/{return_request.pk}/reject/", {"reason": " ", "next": "/logistics/returns/"})

    assert response.status_code == 400 and list(field_errors(response)) == ["reason"]
    assert 'name="next" value="/logistics/returns/"' in response.content.decode()
    assert ReturnRequest.objects.get().state == "requested"


def test_a_refused_rejection_is_named_by_its_input_and_the_next_visit_of_the_list_shows_no_error(delivered_order, operator, now):
    return_request = request(delivered_order, now=now)
    client = logged_in(operator)

    refused = client.post(f"/logistics/returns/{return_request.pk}/reject/", {"reason": " ", "next": "/logistics/returns/"})
    later = client.get("/logistics/returns/")

    html = refused.content.decode()
    assert 'id="id_reject_reason"' in html and 'aria-invalid="true"' in html and "autofocus" in html
    assert 'aria-describedby="id_reject_reason_error"' in html and '<span id="id_reject_reason_error"' in html
    assert field_errors(later) == {} and "aria-invalid" not in later.content.decode()


def test_an_inspection_refused_keeps_the_note_entered(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective")

    response = logged_in(logistics).post(f"/logistics/returns/{return_request.pk}/inspect/", {"outcome": "", "reason": "外壳裂纹"})

    assert response.status_code == 400 and "outcome" in field_errors(response)
    assert 'value="外壳裂纹"' in response.content.decode()
    assert ReturnRequest.objects.get().state == "received"


def test_the_inspection_starts_with_no_outcome_chosen_and_one_must_be_picked(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective")
    client = logged_in(logistics)

    page = client.get(f"/logistics/returns/{return_request.pk}/").content.decode()
    unsent = client.post(f"/logistics/returns/{return_request.pk}/inspect/", {"reason": "外壳裂纹"})

    select = page[page.index('name="outcome"'):].split("</select>", 1)[0]
    first = re.search(r"<option[^>]*>[^<]*</option>", select).group(0)
    assert first == '<option value="" selected>请选择…</option>'
    assert "selected" not in select.replace(first, "")
    assert unsent.status_code == 400 and field_errors(unsent)["outcome"] == "该字段是必填项。"
    assert ReturnRequest.objects.get().state == "received"


def test_logistics_inspects_a_received_return_from_its_page(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective")
    client = logged_in(logistics)

    page = client.get(f"/logistics/returns/{return_request.pk}/").content.decode()
    client.post(f"/logistics/returns/{return_request.pk}/inspect/", {"outcome": "defective", "reason": "屏幕坏点"})

    assert 'data-action="inspect"' in page
    return_request.refresh_from_db()
    assert (return_request.state, return_request.settlement_amount) == ("refunded", Decimal("-180.00"))
    detail = client.get(f"/logistics/returns/{return_request.pk}/").content.decode()
    assert "退货运费" in detail


def test_the_operator_is_not_offered_the_inspection_of_a_warehouse_return(delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)
    client = logged_in(operator)

    page = client.get(f"/logistics/returns/{return_request.pk}/").content.decode()
    client.post(f"/logistics/returns/{return_request.pk}/inspect/", {"outcome": "resellable"})

    assert 'data-action="inspect"' not in page
    assert ReturnRequest.objects.get().state == "received"


def test_a_supplier_sees_its_returns_and_not_another_suppliers(delivered_order, own_supplier_staff, other_supplier_admin, now):
    return_request = request(delivered_order, now=now)

    own = logged_in(own_supplier_staff).get("/logistics/returns/").content.decode()
    other = logged_in(other_supplier_admin)

    assert return_request.number in own
    assert return_request.number not in other.get("/logistics/returns/").content.decode()
    assert other.get(f"/logistics/returns/{return_request.pk}/").status_code == 404


def test_the_supplier_records_receipt_of_a_dropship_return(dropship_order, supplier_staff, operator, now):
    return_request = request(dropship_order, now=now)
    returns.approve_return(return_request=return_request, actor=operator, now=now)

    logged_in(supplier_staff).post(f"/logistics/returns/{return_request.pk}/receive/", {"reason": ""})

    assert ReturnRequest.objects.get().state == "received"


def test_the_returns_list_runs_a_constant_number_of_queries(delivered_order, operator, now):
    client = logged_in(operator)
    request(delivered_order, now=now)
    with CaptureQueriesContext(connection) as one:
        client.get("/logistics/returns/")
    request(delivered_order, now=now)

    with CaptureQueriesContext(connection) as two:
        client.get("/logistics/returns/")

    assert len(one.captured_queries) == len(two.captured_queries)


# --- extra costs and tariffs ---------------------------------------------------------------------------------------

def test_logistics_records_an_extra_cost_by_order_number_said_once_and_goes_to_it_both_times(delivered_order, logistics):
    client = logged_in(logistics)
    body = {"kind": "return_freight", "payer": "supplier", "order_number": delivered_order.number, "quantity": 1,
            "description": "退货运费", "token": "form-1"}
    response = client.post("/logistics/extra-costs/new/", body, follow=True)

    resent = client.post("/logistics/extra-costs/new/", body, follow=True)  # a double click: the same form, the same token

    cost = ExtraCost.objects.get()
    new_form = client.get("/logistics/extra-costs/new/").content.decode()
    assert cost.amount == Decimal("12.00")
    assert response.redirect_chain == resent.redirect_chain == [(f"/logistics/extra-costs/{cost.pk}/", 302)]
    assert "已记录额外费用 ¥12.00" in response.content.decode() and "已记录额外费用" not in resent.content.decode()
    assert 'name="token"' in new_form and 'value="form-1"' not in new_form


def test_a_redelivery_fee_before_any_re_delivery_shows_the_error_next_to_the_order_and_an_empty_description_next_to_it(
    shipped, logistics, now
):
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now, reason="收件人不在")
    body = {"kind": "redelivery", "payer": "supplier", "order_number": shipped.order.number, "quantity": 1, "token": "t"}
    client = logged_in(logistics)

    no_description = client.post("/logistics/extra-costs/new/", body)
    not_redelivered = client.post("/logistics/extra-costs/new/", body | {"description": "电话有误", "token": "t2"})

    assert no_description.status_code == 400 and "description" in field_errors(no_description)
    assert not_redelivered.status_code == 400 and "尚未重新配送" in field_errors(not_redelivered)["order_number"]
    assert not ExtraCost.objects.exists()


def test_an_extra_cost_naming_nothing_known_shows_the_error_next_to_the_field(delivered_order, logistics):
    response = logged_in(logistics).post(
        "/logistics/extra-costs/new/", {"kind": "redelivery", "payer": "supplier", "order_number": "RO-NONE", "quantity": 1, "token": "t",
                                        "description": "二次配送"}
    )

    assert response.status_code == 400 and "order_number" in field_errors(response)
    assert not ExtraCost.objects.exists()


def test_a_redelivery_fee_for_a_parcel_reported_lost_shows_the_error_next_to_the_order_and_records_nothing(
    confirmed_order, logistics, now
):
    shipments.hand_over_warehouse_orders(key="LOST-FORM", actor=logistics, now=now)
    shipment = picked_and_shipped(shipment=Shipment.objects.get(order=confirmed_order), actor=logistics, now=now, carrier="顺丰",
                                  tracking_number="SF-LOST-FORM")
    claims.report_lost_parcel(shipment=shipment, actor=logistics, now=now)
    body = {"kind": "redelivery", "payer": "supplier", "order_number": confirmed_order.number, "quantity": 1, "token": "t",
            "description": "二次配送"}

    response = logged_in(logistics).post("/logistics/extra-costs/new/", body)

    assert response.status_code == 400 and "丢失" in field_errors(response)["order_number"]
    assert not ExtraCost.objects.exists()


def test_every_error_of_an_extra_cost_is_shown_at_once(delivered_order, logistics):
    client = logged_in(logistics)

    nothing_named = client.post("/logistics/extra-costs/new/", {"kind": "handling", "payer": "supplier", "quantity": 0, "token": "t1"})
    too_many = client.post(
        "/logistics/extra-costs/new/",
        {"kind": "handling", "payer": "supplier", "order_number": delivered_order.number, "quantity": 10_001, "fee_date": "1999-01-01",
         "token": "t2"},
    )

    assert set(field_errors(nothing_named)) == {"quantity", "order_number", "description"}
    assert set(field_errors(too_many)) == {"quantity", "fee_date", "description"}
    assert not ExtraCost.objects.exists()


@pytest.fixture
def lot(delivered_order):
    return LeftoverLot.objects.create(supplier=delivered_order.supplier, gift=delivered_order.gift, location=delivered_order.location,
                                      quantity=3, created_at=FIXED_NOW, collect_by=date(2026, 11, 14))


def test_a_storage_fee_for_a_lot_and_day_already_charged_is_refused_next_to_the_fee_date_and_charged_once(lot, logistics, time_machine):
    time_machine.move_to(DAYS_AFTER_THE_DEADLINE, tick=False)
    charged = costs.record_extra_cost(kind="storage", payer="supplier", supplier=lot.supplier, lot=lot, fee_date=date(2026, 11, 15),
                                      description="遗留礼品仓储费 2026-11-15", actor=None, now=DAYS_AFTER_THE_DEADLINE)
    body = {"kind": "storage", "payer": "supplier", "lot": lot.pk, "quantity": 1, "fee_date": "2026-11-15", "token": "again",
            "description": "逾期仓储"}

    response = logged_in(logistics).post("/logistics/extra-costs/new/", body)

    assert response.status_code == 400
    assert field_errors(response)["fee_date"] == (f"遗留批次 #{lot.pk} 2026-11-15 的仓储费已记录（#{charged.pk}，¥2.00），未重复收费")
    assert "已记录额外费用" not in response.content.decode()
    assert list(ExtraCost.objects.all()) == [charged]


def test_after_a_refused_repeat_the_same_form_records_another_day(lot, logistics, time_machine):
    time_machine.move_to(DAYS_AFTER_THE_DEADLINE, tick=False)
    costs.record_extra_cost(kind="storage", payer="supplier", supplier=lot.supplier, lot=lot, fee_date=date(2026, 11, 15),
                            description="", actor=None, now=DAYS_AFTER_THE_DEADLINE)
    client = logged_in(logistics)
    body = {"kind": "storage", "payer": "supplier", "lot": lot.pk, "quantity": 1, "fee_date": "2026-11-15", "token": "retyped",
            "description": "逾期仓储"}
    client.post("/logistics/extra-costs/new/", body)

    response = client.post("/logistics/extra-costs/new/", body | {"fee_date": "2026-11-16"})

    assert response.status_code == 302
    assert sorted(ExtraCost.objects.values_list("fee_date", flat=True)) == [date(2026, 11, 15), date(2026, 11, 16)]


def test_the_service_refusal_of_an_operator_on_a_warehouse_order_is_shown(delivered_order, operator):
    body = {"kind": "redelivery", "payer": "supplier", "order_number": delivered_order.number, "quantity": 1, "token": "t",
            "description": "二次配送"}

    response = logged_in(operator).post("/logistics/extra-costs/new/", body)

    assert response.status_code == 400 and "直发订单的额外费用由运营记录" in response.content.decode()
    assert not ExtraCost.objects.exists()


def test_the_costs_list_names_who_recorded_each_cost_and_leaves_a_voided_one_out_of_the_total(delivered_order, logistics, now):
    charge(delivered_order, actor=logistics, now=now, kind="handling")
    costs.void_extra_cost(cost=charge(delivered_order, actor=logistics, now=now), actor=logistics, now=now, reason="重复录入")

    page = logged_in(logistics).get("/logistics/extra-costs/").content.decode()

    assert page.count('<td data-testid="recorded-by">logistics</td>') == 2
    assert page.count('data-testid="voided" title="重复录入"') == 1
    assert 'data-testid="costs-total">合计金额：¥1.50<' in page


def test_a_supplier_sees_only_the_costs_it_bears(delivered_order, own_supplier_staff, logistics, now):
    charge(delivered_order, actor=logistics, now=now, description="礼品商承担的费用")
    charge(delivered_order, actor=logistics, now=now, kind="handling", payer="logistics", description="物流商承担的费用")

    page = logged_in(own_supplier_staff).get("/logistics/extra-costs/").content.decode()

    assert "礼品商承担的费用" in page and "物流商承担的费用" not in page
    assert 'data-testid="record-cost"' not in page and 'data-action="update-tariff"' not in page


# --- claims --------------------------------------------------------------------------------------------------------

def test_finance_accepts_and_settles_a_claim_from_the_claims_page(delivered_order, finance, now):
    claim = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)
    client = logged_in(finance)

    page = client.get("/logistics/claims/?state=open").content.decode()
    client.post(f"/logistics/claims/{claim.pk}/accept/", {})
    client.post(f"/logistics/claims/{claim.pk}/settle/", {"settlement_reference": "PAY-88", "received_amount": "180.00"})

    assert delivered_order.number in page and 'data-action="accept"' in page and "¥180.00" in page
    assert 'data-testid="claims-total">应赔合计（不含已驳回，已结清的按实收）：¥180.00<' in page
    claim.refresh_from_db()
    assert (claim.state, claim.settlement_reference) == ("settled", "PAY-88")


def test_an_accepted_claim_reads_accepted_in_english_as_its_button_said(delivered_order, finance, now):
    claim = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)
    before = page_in(finance, "/logistics/claims/", "en")
    logged_in(finance).post(f"/logistics/claims/{claim.pk}/accept/", {})

    after = page_in(finance, "/logistics/claims/", "en")

    assert 'data-action="accept">Accept claim</button>' in before
    assert 'data-testid="state">Accepted</span>' in after and 'data-testid="state">Confirmed</span>' not in after


def test_logistics_reports_a_lost_parcel_by_its_tracking_number(confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="LOST", actor=logistics, now=now)
    picked_and_shipped(
        shipment=Shipment.objects.get(), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-LOST-1"
    )
    client = logged_in(logistics)

    page = client.get("/logistics/claims/").content.decode()
    client.post("/logistics/claims/lost-parcel/", {"tracking_number": "SF-LOST-1"})

    assert 'data-testid="lost-parcel-form"' in page and 'data-action="accept"' not in page
    assert LogisticsClaim.objects.get().cause == "lost_parcel"


def test_a_lost_parcel_report_naming_an_unknown_tracking_number_is_shown_next_to_it(confirmed_order, logistics):
    unknown = logged_in(logistics).post("/logistics/claims/lost-parcel/", {"tracking_number": "SF-NONE"})

    assert unknown.status_code == 400 and list(field_errors(unknown)) == ["tracking_number"]
    assert 'value="SF-NONE"' in unknown.content.decode()
    assert not LogisticsClaim.objects.exists()


def test_a_second_lost_parcel_report_is_refused_next_to_the_tracking_number(confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="LOST", actor=logistics, now=now)
    picked_and_shipped(shipment=Shipment.objects.get(), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-LOST-2")
    client = logged_in(logistics)
    client.post("/logistics/claims/lost-parcel/", {"tracking_number": "SF-LOST-2"})

    again = client.post("/logistics/claims/lost-parcel/", {"tracking_number": "SF-LOST-2"})

    assert again.status_code == 400 and list(field_errors(again)) == ["tracking_number"]
    assert 'value="SF-LOST-2"' in again.content.decode()
    assert LogisticsClaim.objects.count() == 1


def test_the_claim_page_shows_its_history_and_a_settlement_without_reference_next_to_its_field(delivered_order, finance, now):
    claim = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)
    client = logged_in(finance)
    assert f'href="/logistics/claims/{claim.pk}/"' in client.get("/logistics/claims/").content.decode()
    client.post(f"/logistics/claims/{claim.pk}/accept/", {"reason": "照片确认破损"})

    refused = client.post(f"/logistics/claims/{claim.pk}/settle/", {"settlement_reference": "  ", "received_amount": "180.00"})
    client.post(f"/logistics/claims/{claim.pk}/settle/", {"settlement_reference": "PAY-9", "received_amount": "180.00"})
    html = client.get(f"/logistics/claims/{claim.pk}/").content.decode()

    assert refused.status_code == 400 and list(field_errors(refused)) == ["settlement_reference"]
    history = html.split('data-testid="history"', 1)[1]
    assert "照片确认破损" in history and "PAY-9" in history and finance.username in history


def test_the_claim_page_names_who_reported_a_lost_parcel(shipped, logistics, finance, now):
    claim = claims.report_lost_parcel(shipment=shipped, actor=logistics, now=now)

    html = logged_in(finance).get(f"/logistics/claims/{claim.pk}/").content.decode()

    assert re.search(rf'data-testid="reported-by">{logistics.username}<', html)


def test_the_claim_page_shows_the_system_opened_a_claim_from_an_inspection(delivered_order, finance, now):
    claim = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)

    html = logged_in(finance).get(f"/logistics/claims/{claim.pk}/").content.decode()

    assert 'data-testid="reported-by">系统<' in html


def test_the_claim_page_is_for_claim_staff_only(delivered_order, logistics, supplier_admin, member, now):
    claim = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)
    url = f"/logistics/claims/{claim.pk}/"

    html = logged_in(logistics).get(url).content.decode()

    assert "¥180.00" in html and 'data-action="settle"' not in html
    assert logged_in(supplier_admin).get(url).status_code == 403
    assert logged_in(member.user).get(url).status_code == 403
    assert logged_in(logistics).get("/logistics/claims/999999/").status_code == 404


@pytest.fixture
def two_carriers_one_number(two_handed_over, logistics, now) -> tuple[Shipment, Shipment]:
    """Two warehouse parcels on their way under the same tracking number: SF Express's and ZTO's."""
    first, second = two_handed_over
    picked_and_shipped(shipment=first, actor=logistics, now=now, carrier="顺丰", tracking_number="DUP-1")
    picked_and_shipped(shipment=second, actor=logistics, now=now, carrier="中通", tracking_number="DUP-1")
    return first, second


def test_a_tracking_number_two_carriers_use_asks_for_the_carrier_and_reports_nothing(two_carriers_one_number, logistics):
    response = logged_in(logistics).post("/logistics/claims/lost-parcel/", {"tracking_number": "DUP-1"}, follow=True)

    assert "多个承运商使用此运单号，请注明承运商" in response.content.decode()
    assert not LogisticsClaim.objects.exists() and set(Shipment.objects.values_list("state", flat=True)) == {"shipped"}


def test_the_carrier_named_however_spelt_picks_which_parcel_is_reported_lost(two_carriers_one_number, logistics):
    first, second = two_carriers_one_number

    logged_in(logistics).post("/logistics/claims/lost-parcel/", {"tracking_number": "DUP-1", "carrier": "ZTO"})

    assert LogisticsClaim.objects.get().order_id == second.order_id
    assert (Shipment.objects.get(pk=first.pk).state, Shipment.objects.get(pk=second.pk).state) == ("shipped", "failed")


def test_suppliers_do_not_open_the_claims_page(supplier_admin):
    assert logged_in(supplier_admin).get("/logistics/claims/").status_code == 403


# --- navigation ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("role_fixture", "visible", "hidden"),
    [
        ("member", ["退换货"], ["额外费用", "物流索赔"]),
        ("operator", ["退换货", "额外费用", "物流索赔"], []),
        ("logistics", ["退换货", "额外费用", "物流索赔"], []),
        ("finance", ["额外费用", "物流索赔"], ["退换货"]),
        ("supplier_admin", ["退换货", "额外费用"], ["物流索赔"]),
    ],
)
def test_each_role_finds_its_returns_pages_in_the_navigation(request, role_fixture, visible, hidden):
    user = request.getfixturevalue(role_fixture)
    entries = nav(logged_in(getattr(user, "user", user)).get("/"))

    assert all(label in entries for label in visible)
    assert not any(label in entries for label in hidden)


# --- the extra-costs list: filters and total ---------------------------------------------------------------------

COST_ROW = re.compile(r'<tr data-cost="(\d+)">')


def booked_cost(supplier, amount: str, *, day: int, description: str = "") -> ExtraCost:
    return ExtraCost.objects.create(kind="storage", payer="supplier", supplier=supplier, amount=Decimal(amount), description=description,
                                    recorded_at=datetime(2026, 10, day, 12, 0, tzinfo=SHANGHAI))


def listed_costs(page: str) -> set[int]:
    return {int(pk) for pk in COST_ROW.findall(page)}


def test_finance_filters_extra_costs_by_supplier_and_recorded_days_and_sees_the_total_of_all_filtered_rows(
    supplier, other_supplier, finance,
):
    for _ in range(3):
        booked_cost(supplier, "1.10", day=1)
    within = [booked_cost(supplier, "2.00", day=day) for day in range(2, 27)]  # 25 rows: more than one page
    others = booked_cost(other_supplier, "99.00", day=10)
    client = logged_in(finance)

    first = client.get("/logistics/extra-costs/", {"supplier": supplier.pk, "recorded_from": "2026-10-02",
                                                   "recorded_to": "2026-10-26"}).content.decode()
    second = client.get("/logistics/extra-costs/", {"supplier": supplier.pk, "recorded_from": "2026-10-02",
                                                    "recorded_to": "2026-10-26", "page": 2}).content.decode()
    everything = client.get("/logistics/extra-costs/").content.decode()
    the_others = client.get("/logistics/extra-costs/", {"supplier": other_supplier.pk}).content.decode()

    assert listed_costs(first) | listed_costs(second) == {cost.pk for cost in within}
    assert not listed_costs(first) & listed_costs(second)
    assert "合计金额：¥50.00" in first and "合计金额：¥50.00" in second
    assert "recorded_from=2026-10-02" in first  # the next page keeps the filters
    assert "合计金额：¥152.30" in everything
    assert listed_costs(the_others) == {others.pk} and "合计金额：¥99.00" in the_others


def test_a_recorded_range_ending_before_it_starts_is_shown_next_to_the_field_and_totals_nothing(supplier, finance):
    booked_cost(supplier, "2.00", day=5)
    booked_cost(supplier, "3.00", day=12)

    response = logged_in(finance).get("/logistics/extra-costs/", {"recorded_from": "2026-10-09", "recorded_to": "2026-10-01"})

    assert response.status_code == 400
    assert field_errors(response) == {"recorded_to": "结束日期不能早于开始日期"}
    assert "合计金额：¥3.00" not in response.content.decode()  # not the costs since the start, which would pass for the range


def test_a_supplier_has_no_supplier_filter_and_naming_another_supplier_shows_only_its_own_costs(
    supplier, other_supplier, supplier_admin,
):
    own = booked_cost(supplier, "3.00", day=3)
    booked_cost(other_supplier, "99.00", day=3)

    page = logged_in(supplier_admin).get("/logistics/extra-costs/", {"supplier": other_supplier.pk}).content.decode()

    assert listed_costs(page) == {own.pk}
    assert 'name="supplier"' not in page and "合计金额：¥3.00" in page


def test_a_claims_filter_ending_before_it_starts_is_an_error_next_to_its_end(logistics):
    response = logged_in(logistics).get("/logistics/claims/", {"opened_from": "2026-10-09", "opened_to": "2026-10-01"})

    assert response.status_code == 400
    assert field_errors(response) == {"opened_to": "结束日期不能早于开始日期"}


def test_a_cost_that_does_not_fit_what_it_is_put_on_is_refused_next_to_the_field_it_is_about(delivered_order, logistics):
    client = logged_in(logistics)
    base = {"payer": "supplier", "order_number": delivered_order.number, "quantity": 1, "description": "费用说明"}

    storage = client.post("/logistics/extra-costs/new/", base | {"kind": "storage", "fee_date": "2026-10-15", "token": "s"})
    future = client.post("/logistics/extra-costs/new/", base | {"kind": "handling", "quantity": 3, "fee_date": "2026-10-16", "token": "f"})

    assert field_errors(storage) == {"order_number": "仓储费不能记在订单上，只能记在遗留礼品批次上"}
    assert field_errors(future) == {"quantity": "装卸处理费按件计费，数量不能超过该订单的 2 件", "fee_date": "计费日期不能晚于今天"}
    assert not ExtraCost.objects.exists()


def test_the_return_page_shows_the_exchange_before_the_replacement_parcel_it_made(exchange, logistics, now):
    returns.inspect_return(return_request=exchange, actor=logistics, now=now, outcome="defective")

    html = logged_in(logistics).get(f"/logistics/returns/{exchange.pk}/").content.decode()

    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", html.split('data-testid="history"', 1)[1])
    assert rows[-3:] == ["检验", "换货", "创建"]
