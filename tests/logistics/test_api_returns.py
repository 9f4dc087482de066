"""The returns, extra-cost, tariff and claim API: who may do what, bad input named by field with nothing written,
tenant isolation, and lists that run a constant number of queries."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.fsm import history_of
from logistics.models import ExtraCost, LeftoverLot, LogisticsClaim, ReturnRequest, Shipment, Tariff
from logistics.services import claims, returns, shipments
from tests.factories import FIXED_NOW, SupplierUserFactory
from tests.helpers import assert_list_queries_constant, fresh_key, picked_and_shipped
from tests.logistics.builders import charge, request


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine):
    """The API reads the clock: hold it at the fixed `now` the orders were delivered at."""
    time_machine.move_to(FIXED_NOW, tick=False)


@pytest.fixture
def own_supplier_admin(delivered_order):
    """An admin of the supplier of the delivered order's gift."""
    return SupplierUserFactory(username="gift_supplier_admin", role="supplier_admin", supplier=delivered_order.supplier)


def errors(response) -> list[tuple[str, str]]:
    return [(error["attr"], error["code"]) for error in response.json()["errors"]]


def ask(api, order, **body):
    return api(order.member.user).post(f"/api/v1/orders/{order.pk}/returns/", {"quantity": 1, "reason": "unused"} | body)


# --- requesting ----------------------------------------------------------------------------------------------------

def test_a_member_asks_to_return_units_of_its_delivered_order(api, delivered_order):
    response = ask(api, delivered_order, description="尺寸不合适")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["quantity"], body["refunded_points"]) == ("requested", 1, 0)
    assert body["order_number"] == delivered_order.number
    assert "settlement_amount" not in body


def test_another_member_is_told_the_order_does_not_exist(api, delivered_order, other_member):
    response = api(other_member.user).post(f"/api/v1/orders/{delivered_order.pk}/returns/", {"quantity": 1, "reason": "unused"})

    assert response.status_code == 404
    assert not ReturnRequest.objects.exists()


def test_a_supplier_may_not_ask_for_a_return(api, delivered_order, own_supplier_admin):
    response = api(own_supplier_admin).post(f"/api/v1/orders/{delivered_order.pk}/returns/", {"quantity": 1, "reason": "unused"})

    assert response.status_code == 403
    assert not ReturnRequest.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 3}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"reason": "bored"}, "reason"),
        ({"remedy": "exchange"}, "remedy"),
    ],
)
def test_a_bad_request_is_400_naming_the_field_and_writes_nothing(api, delivered_order, body, field):
    response = ask(api, delivered_order, **body)

    assert response.status_code == 400
    assert [attr for attr, _ in errors(response)] == [field]
    assert not ReturnRequest.objects.exists()


# --- the workflow through the API ----------------------------------------------------------------------------------

def test_approved_received_and_inspected_as_resellable_the_member_sees_its_points_back(api, delivered_order, operator, logistics):
    number = ask(api, delivered_order).json()["id"]

    assert api(operator).post(f"/api/v1/returns/{number}/approve/", {}).status_code == 200
    assert api(logistics).post(f"/api/v1/returns/{number}/receive/", {}).status_code == 200
    inspected = api(logistics).post(f"/api/v1/returns/{number}/inspect/", {"outcome": "resellable", "reason": "未拆封"})

    assert inspected.status_code == 200, inspected.content
    assert inspected.json()["state"] == "refunded"
    assert api(operator).get(f"/api/v1/returns/{number}/").json()["settlement_amount"] == "-180.00"
    seen = api(delivered_order.member.user).get(f"/api/v1/returns/{number}/").json()
    assert (seen["state"], seen["refunded_points"]) == ("refunded", 1500)
    history = api(delivered_order.member.user).get(f"/api/v1/returns/{number}/history/").json()
    assert [step["target_state"] for step in history] == ["requested", "approved", "received", "inspected", "refunded"]


def test_an_unknown_outcome_is_400_naming_the_field_and_changes_nothing(api, delivered_order, operator, logistics, now):
    return_request = request(delivered_order, now=now)
    returns.approve_return(return_request=return_request, actor=operator, now=now)
    returns.receive_return(return_request=return_request, actor=logistics, now=now)

    response = api(logistics).post(f"/api/v1/returns/{return_request.pk}/inspect/", {"outcome": "smelly"})

    assert response.status_code == 400 and errors(response) == [("outcome", "invalid_choice")]
    assert ReturnRequest.objects.get().state == "received"


def test_an_illegal_step_is_409_and_changes_nothing(api, delivered_order, logistics, now):
    return_request = request(delivered_order, now=now)

    response = api(logistics).post(f"/api/v1/returns/{return_request.pk}/receive/", {})

    assert response.status_code == 409 and errors(response) == [(None, "invalid_transition")]
    assert ReturnRequest.objects.get().state == "requested"
    assert [log.transition for log in history_of(return_request)] == ["request"]


def test_a_rejection_without_a_reason_is_400(api, delivered_order, operator, now):
    return_request = request(delivered_order, now=now)

    response = api(operator).post(f"/api/v1/returns/{return_request.pk}/reject/", {})

    assert response.status_code == 400 and errors(response) == [("reason", "required")]
    assert ReturnRequest.objects.get().state == "requested"


def test_the_supplier_records_receipt_of_its_dropship_return(api, dropship_order, supplier_staff, operator, now):
    return_request = request(dropship_order, now=now)
    returns.approve_return(return_request=return_request, actor=operator, now=now)

    response = api(supplier_staff).post(f"/api/v1/returns/{return_request.pk}/receive/", {"reason": "快递已签收"})

    assert response.status_code == 200 and response.json()["state"] == "received"


# --- tenancy -------------------------------------------------------------------------------------------------------

def test_a_supplier_sees_its_returns_and_another_supplier_is_told_they_do_not_exist(
    api, delivered_order, own_supplier_admin, other_supplier_admin, now
):
    return_request = request(delivered_order, now=now)

    own = api(own_supplier_admin).get("/api/v1/returns/").json()["results"]
    other = api(other_supplier_admin).get(f"/api/v1/returns/{return_request.pk}/")

    assert [row["number"] for row in own] == [return_request.number] and own[0]["settlement_amount"] == "0.00"
    assert other.status_code == 404
    assert api(other_supplier_admin).get("/api/v1/returns/").json()["results"] == []


def test_a_member_sees_only_its_own_returns(api, delivered_order, other_member, now):
    return_request = request(delivered_order, now=now)

    assert api(other_member.user).get("/api/v1/returns/").json()["results"] == []
    assert api(other_member.user).get(f"/api/v1/returns/{return_request.pk}/").status_code == 404


# --- extra costs and tariffs ---------------------------------------------------------------------------------------

def test_logistics_records_an_extra_cost_of_a_warehouse_order(api, delivered_order, logistics):
    body = {"kind": "handling", "payer": "supplier", "order": delivered_order.pk, "quantity": 2, "description": "二次包装"}

    response = api(logistics).post("/api/v1/extra-costs/", body, **fresh_key())

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["supplier"], body["recorded_by"]) == ("3.00", delivered_order.supplier_id, "logistics")


def test_an_operator_may_not_record_an_extra_cost_of_a_warehouse_order(api, delivered_order, operator):
    body = {"kind": "handling", "payer": "supplier", "order": delivered_order.pk}

    response = api(operator).post("/api/v1/extra-costs/", body, **fresh_key())

    assert response.status_code == 403
    assert not ExtraCost.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "order"), ({"kind": "parking"}, "kind"), ({"quantity": 0}, "quantity"), ({"fee_date": "1999-12-31"}, "fee_date")],
)
def test_a_bad_extra_cost_is_400_naming_the_field(api, delivered_order, logistics, body, field):
    owner = {"order": delivered_order.pk} if body and "order" not in body else {}
    values = {"kind": "handling", "payer": "supplier", "description": "二次包装"} | owner | body

    response = api(logistics).post("/api/v1/extra-costs/", values, **fresh_key())

    assert response.status_code == 400 and field in [attr for attr, _ in errors(response)]
    assert not ExtraCost.objects.exists()


def test_an_extra_cost_naming_an_order_that_does_not_exist_is_404_naming_it(api, delivered_order, logistics):
    body = {"kind": "handling", "payer": "supplier", "order": 999_999, "description": "二次包装"}

    response = api(logistics).post("/api/v1/extra-costs/", body, **fresh_key())

    assert response.status_code == 404 and errors(response) == [("order", "not_found")]
    assert not ExtraCost.objects.exists()


def test_a_supplier_sees_only_the_costs_it_bears_and_never_another_suppliers(
    api, delivered_order, own_supplier_admin, other_supplier_admin, logistics, now
):
    borne = charge(delivered_order, actor=logistics, now=now)
    not_borne = charge(delivered_order, actor=logistics, now=now, kind="handling", payer="logistics")

    listed = api(own_supplier_admin).get("/api/v1/extra-costs/").json()["results"]

    assert [row["id"] for row in listed] == [borne.pk]
    assert api(own_supplier_admin).get(f"/api/v1/extra-costs/{not_borne.pk}/").status_code == 404
    assert api(other_supplier_admin).get(f"/api/v1/extra-costs/{borne.pk}/").status_code == 404
    assert api(logistics).get("/api/v1/extra-costs/").json()["count"] == 2


def test_a_redelivery_fee_for_an_order_never_failed_is_400_naming_the_order(api, delivered_order, logistics):
    body = {"kind": "redelivery", "payer": "supplier", "order": delivered_order.pk, "description": "二次配送"}

    response = api(logistics).post("/api/v1/extra-costs/", body, **fresh_key())

    assert response.status_code == 400 and errors(response) == [("order", "invalid")]
    assert not ExtraCost.objects.exists()


def test_a_redelivery_fee_for_an_order_whose_parcel_was_reported_lost_is_400_naming_the_order(api, confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="LOST-FEE", actor=logistics, now=now)
    shipment = picked_and_shipped(shipment=Shipment.objects.get(order=confirmed_order), actor=logistics, now=now, carrier="顺丰",
                                  tracking_number="SF-LOST-FEE")
    claims.report_lost_parcel(shipment=shipment, actor=logistics, now=now)
    body = {"kind": "redelivery", "payer": "supplier", "order": confirmed_order.pk, "description": "二次配送"}

    response = api(logistics).post("/api/v1/extra-costs/", body, **fresh_key())

    assert response.status_code == 400 and errors(response) == [("order", "invalid")]
    assert not ExtraCost.objects.exists()


def test_logistics_voids_a_cost_recorded_in_error_and_the_list_shows_who_recorded_and_voided_it(
    api, delivered_order, own_supplier_admin, logistics, now
):
    cost = charge(delivered_order, actor=logistics, now=now)

    response = api(logistics).post(f"/api/v1/extra-costs/{cost.pk}/void/", {"reason": "重复录入"})

    assert response.status_code == 200
    row = api(own_supplier_admin).get("/api/v1/extra-costs/").json()["results"][0]
    assert (row["state"], row["recorded_by"], row["voided_by"], row["void_reason"]) == ("voided", "物流人员", "物流人员", "重复录入")  # staff by role for a supplier
    assert row["voided_at"] is not None
    history = api(logistics).get(f"/api/v1/extra-costs/{cost.pk}/history/").json()
    assert [(h["transition"], h["actor"], h["reason"]) for h in history] == [("record", "logistics", ""), ("void", "logistics", "重复录入")]
    assert api(logistics).get("/api/v1/extra-costs/?state=recorded").json()["count"] == 0


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}], ids=["missing", "empty", "blank"])
def test_voiding_without_a_reason_is_400_and_changes_nothing(api, delivered_order, logistics, now, body):
    cost = charge(delivered_order, actor=logistics, now=now)

    response = api(logistics).post(f"/api/v1/extra-costs/{cost.pk}/void/", body)

    assert response.status_code == 400 and errors(response) == [("reason", "required")]
    assert ExtraCost.objects.get(pk=cost.pk).state == "recorded"


def test_voiding_is_refused_to_suppliers_finance_and_another_supplier(
    api, delivered_order, own_supplier_admin, other_supplier_admin, finance, logistics, now
):
    cost = charge(delivered_order, actor=logistics, now=now)
    url = f"/api/v1/extra-costs/{cost.pk}/void/"

    statuses = [api(user).post(url, {"reason": "x"}).status_code for user in (own_supplier_admin, finance, other_supplier_admin)]

    assert statuses == [403, 403, 404] and ExtraCost.objects.get(pk=cost.pk).state == "recorded"


def test_voiding_a_voided_cost_is_a_conflict(api, delivered_order, logistics, now):
    cost = charge(delivered_order, actor=logistics, now=now)
    api(logistics).post(f"/api/v1/extra-costs/{cost.pk}/void/", {"reason": "录错"})

    response = api(logistics).post(f"/api/v1/extra-costs/{cost.pk}/void/", {"reason": "再次"})

    assert response.status_code == 409 and errors(response)[0][1] == "invalid_transition"


def test_an_operator_changes_a_tariff_and_a_supplier_may_not(api, operator, supplier_admin):
    changed = api(operator).patch("/api/v1/tariffs/return_freight/", {"amount": "15.50", "reason": "快递涨价"})
    refused = api(supplier_admin).patch("/api/v1/tariffs/return_freight/", {"amount": "0.00", "reason": "快递涨价"})
    negative = api(operator).patch("/api/v1/tariffs/return_freight/", {"amount": "-1.00", "reason": "快递涨价"})

    assert changed.status_code == 200 and changed.json() == {"kind": "return_freight", "amount": "15.50", "unit": "order", "unit_label": "每单"}
    assert refused.status_code == 403
    assert negative.status_code == 400 and errors(negative)[0][0] == "amount"
    assert Tariff.objects.get(kind="return_freight").amount == Decimal("15.50")


def test_members_do_not_read_tariffs(api, member):
    assert api(member.user).get("/api/v1/tariffs/").status_code == 403


# --- claims --------------------------------------------------------------------------------------------------------

def test_finance_filters_claims_and_accepts_and_settles_one(api, delivered_order, finance, now):
    damage = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)
    claims.open_claim(order=delivered_order, cause="lost_parcel", quantity=2, now=now)
    client = api(finance)

    query = f"cause=transit_damage&supplier={delivered_order.supplier_id}"
    listed = client.get(f"/api/v1/logistics-claims/?{query}").json()["results"]
    accepted = client.post(f"/api/v1/logistics-claims/{damage.pk}/accept/", {})
    settled = client.post(f"/api/v1/logistics-claims/{damage.pk}/settle/", {"settlement_reference": "PAY-0001"})

    assert [(row["id"], row["amount"]) for row in listed] == [(damage.pk, "180.00")]
    assert accepted.status_code == 200 and settled.status_code == 200
    assert (settled.json()["state"], settled.json()["settlement_reference"]) == ("settled", "PAY-0001")
    assert client.get("/api/v1/logistics-claims/?state=open").json()["count"] == 1


@pytest.mark.parametrize("value", ["1e30", "9223372036854775808", "0"])
def test_a_claims_supplier_filter_that_is_no_id_is_400_naming_it(api, finance, value):
    response = api(finance).get("/api/v1/logistics-claims/", {"supplier": value})

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["supplier"]


def test_settling_without_a_reference_is_400(api, delivered_order, finance, now):
    claim = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)
    claims.accept_claim(claim=claim, actor=finance, now=now)

    response = api(finance).post(f"/api/v1/logistics-claims/{claim.pk}/settle/", {"settlement_reference": ""})

    assert response.status_code == 400 and errors(response)[0][0] == "settlement_reference"
    assert LogisticsClaim.objects.get().state == "accepted"


def test_logistics_reports_a_shipped_parcel_lost(api, confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="LOST", actor=logistics, now=now)
    shipment = picked_and_shipped(
        shipment=Shipment.objects.get(), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-L"
    )

    response = api(logistics).post("/api/v1/logistics-claims/report-lost-parcel/", {"shipment": shipment.pk})

    assert response.status_code == 201, response.content
    assert (response.json()["cause"], response.json()["amount"], response.json()["reported_by"]) == ("lost_parcel", "360.00", "logistics")
    assert api(logistics).get(f"/api/v1/logistics-claims/{response.json()['id']}/").json()["reported_by"] == "logistics"


def test_reporting_a_parcel_lost_twice_is_409_parcel_already_claimed_naming_the_shipment(api, confirmed_order, logistics,
                                                                                          operator, now):
    shipments.hand_over_warehouse_orders(key="LOST", actor=logistics, now=now)
    shipment = picked_and_shipped(shipment=Shipment.objects.get(), actor=logistics, now=now, carrier="顺丰", tracking_number="SF-L")
    claims.report_lost_parcel(shipment=shipment, actor=logistics, now=now)

    again = api(operator).post("/api/v1/logistics-claims/report-lost-parcel/", {"shipment": shipment.pk})

    assert again.status_code == 409 and errors(again) == [("shipment", "parcel_already_claimed")]
    assert LogisticsClaim.objects.count() == 1


def test_a_claim_the_system_opened_reads_with_no_reporter(api, delivered_order, finance, now):
    claim = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)

    assert api(finance).get(f"/api/v1/logistics-claims/{claim.pk}/").json()["reported_by"] is None


def test_reporting_a_dropship_parcel_lost_is_400_naming_the_shipment_and_opens_no_claim(api, dropship_shipped, logistics, operator):
    shipment = dropship_shipped

    responses = [api(user).post("/api/v1/logistics-claims/report-lost-parcel/", {"shipment": shipment.pk}) for user in (logistics, operator)]

    assert [(r.status_code, r.json()["errors"][0]["attr"]) for r in responses] == [(400, "shipment"), (400, "shipment")]
    assert not LogisticsClaim.objects.exists() and Shipment.objects.get(pk=shipment.pk).state == "shipped"


def test_reporting_a_parcel_not_in_transit_lost_is_a_conflict(api, confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="NOT-SHIPPED", actor=logistics, now=now)

    response = api(logistics).post("/api/v1/logistics-claims/report-lost-parcel/", {"shipment": Shipment.objects.get().pk})

    assert (response.status_code, response.json()["errors"][0]["attr"]) == (409, "shipment")
    assert not LogisticsClaim.objects.exists()


def test_suppliers_and_members_do_not_see_claims(api, delivered_order, own_supplier_admin, now):
    claim = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)

    assert api(own_supplier_admin).get(f"/api/v1/logistics-claims/{claim.pk}/").status_code == 404
    assert api(delivered_order.member.user).get("/api/v1/logistics-claims/").json()["results"] == []


# --- lists run a constant number of queries ------------------------------------------------------------------------

def _returns_of(order, n: int, now) -> None:
    start = ReturnRequest.objects.count()
    ReturnRequest.objects.bulk_create(
        ReturnRequest(
            number=f"RRQ{start + i:06d}", order=order, supplier_id=order.supplier_id, quantity=1, reason="unused",
            requested_at=now,
        )
        for i in range(n)
    )


def test_the_returns_list_runs_a_constant_number_of_queries(api, delivered_order, operator, logistics, now):
    refunded = request(delivered_order, now=now)
    returns.approve_return(return_request=refunded, actor=operator, now=now)
    returns.receive_return(return_request=refunded, actor=logistics, now=now)
    returns.inspect_return(return_request=refunded, actor=logistics, now=now, outcome="resellable")

    assert_list_queries_constant(api(operator), "/api/v1/returns/", lambda n: _returns_of(delivered_order, n, now))


def test_the_extra_cost_list_runs_a_constant_number_of_queries(api, delivered_order, logistics, now):
    def make(n):
        for _ in range(n):
            charge(delivered_order, actor=logistics, now=now)

    assert_list_queries_constant(api(logistics), "/api/v1/extra-costs/", make)


def test_the_claim_list_runs_a_constant_number_of_queries(api, delivered_order, finance, now):
    def make(n):
        for _ in range(n):
            claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)

    assert_list_queries_constant(api(finance), "/api/v1/logistics-claims/", make)


def test_a_retried_extra_cost_is_recorded_once(api, logistics, delivered_order):
    body = {"kind": "handling", "payer": "supplier", "order": delivered_order.pk, "quantity": 1, "description": "二次包装"}
    key = fresh_key()

    first = api(logistics).post("/api/v1/extra-costs/", body, **key)
    retried = api(logistics).post("/api/v1/extra-costs/", body, **key)
    missing = api(logistics).post("/api/v1/extra-costs/", body)

    assert first.status_code == retried.status_code == 201 and retried.json()["id"] == first.json()["id"]
    assert ExtraCost.objects.filter(order=delivered_order).count() == 1 and missing.status_code == 400


def test_a_lot_fee_for_a_day_already_recorded_is_409_naming_the_recorded_cost_and_charges_nothing(
    api, logistics, delivered_order, now, time_machine
):
    lot = LeftoverLot.objects.create(supplier=delivered_order.supplier, gift=delivered_order.gift, location=delivered_order.location,
                                     quantity=3, created_at=now, collect_by=date(2026, 11, 14))
    body = {"kind": "storage", "payer": "supplier", "lot": lot.pk, "fee_date": "2026-11-15", "description": "逾期仓储"}
    time_machine.move_to(now + timedelta(days=31), tick=False)
    first = api(logistics).post("/api/v1/extra-costs/", body, **fresh_key())

    again = api(logistics).post("/api/v1/extra-costs/", body, **fresh_key())

    assert first.status_code == 201
    assert again.status_code == 409
    error = again.json()["errors"][0]
    assert (error["code"], error["attr"]) == ("fee_already_recorded", "fee_date")
    assert f"（#{first.json()['id']}，¥2.00）" in error["detail"]
    assert ExtraCost.objects.filter(lot=lot).count() == 1


def test_an_extra_cost_without_saying_what_for_is_400_required_naming_the_description(api, delivered_order, logistics):
    body = {"kind": "handling", "payer": "supplier", "order": delivered_order.pk, "description": "  "}

    response = api(logistics).post("/api/v1/extra-costs/", body, **fresh_key())

    assert response.status_code == 400 and errors(response) == [("description", "required")]
    assert not ExtraCost.objects.exists()


def test_an_extra_cost_dated_after_today_is_400_naming_the_fee_date(api, delivered_order, logistics):
    body = {"kind": "return_freight", "payer": "supplier", "order": delivered_order.pk, "fee_date": "2026-10-16", "description": "运费"}

    response = api(logistics).post("/api/v1/extra-costs/", body, **fresh_key())

    error = response.json()["errors"][0]
    assert (response.status_code, error["code"], error["attr"], error["detail"]) == (400, "invalid", "fee_date", "计费日期不能晚于今天")
    assert not ExtraCost.objects.exists()


def test_an_exchanges_history_reads_the_exchange_before_the_replacement_parcel_it_made(api, exchange, logistics, now):
    inspected = api(logistics).post(f"/api/v1/returns/{exchange.pk}/inspect/", {"outcome": "defective", "reason": "无法开机"})

    history = api(exchange.order.member.user).get(f"/api/v1/returns/{exchange.pk}/history/").json()

    assert inspected.json()["state"] == "exchanged"
    assert [step["transition"] for step in history][-3:] == ["inspect", "exchange", "create"]
