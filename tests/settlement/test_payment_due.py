"""A statement's payment falls due the contract's payment term (付款账期) after the supplier's invoice: the term is
kept on the statement when the invoice is entered, finance lists what is past due, and both sides see the due day."""
from datetime import date, datetime, timedelta

import pytest

from settlement.models import Statement
from settlement.services import statements
from suppliers.services import contracts
from tests.factories import SHANGHAI, ApplicantFactory, ContractFactory
from tests.portal import downloaded, field_errors, listed, logged_in
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db
DUE = date(2026, 12, 2)  # invoiced on 2026-11-02 (Shanghai) under a 30-day term


@pytest.fixture
def invoiced(issued, supplier_admin) -> Statement:
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    return statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")


def test_the_invoice_keeps_the_contracts_term_and_the_day_the_payment_falls_due(invoiced):
    invoiced.refresh_from_db()

    assert (invoiced.payment_days, invoiced.payment_due_on) == (30, DUE)


def test_the_term_is_the_contract_in_force_on_the_invoice_day_else_the_last_one_that_started(supplier, operator):
    newer_terms = {"start_date": date(2026, 11, 1), "end_date": date(2028, 10, 31), "payment_days": 45}
    rejected = ContractFactory(supplier=supplier, number="HT-REJ", **newer_terms)
    contracts.reject_contract(contract=rejected, actor=operator, now=LATER, reason="账期与报价不符")
    assert contracts.payment_term(supplier=supplier, on=date(2026, 11, 2)) == 30  # a rejected contract's term never counts
    newer = ContractFactory(supplier=supplier, number="HT-NEW", **newer_terms)
    contracts.approve_contract(contract=newer, actor=operator, now=LATER)

    assert contracts.payment_term(supplier=supplier, on=date(2026, 11, 2)) == 45
    assert contracts.payment_term(supplier=supplier, on=date(2029, 1, 5)) == 45  # ended: its term still holds
    assert contracts.payment_term(supplier=supplier, on=date(2025, 6, 1)) is None  # before any contract
    assert contracts.payment_term(supplier=ApplicantFactory(), on=date(2026, 11, 2)) is None


def test_finance_lists_the_payments_past_their_due_day_until_paid(invoiced, finance, finance_checker):
    def overdue(today):
        return list(statements.list_statements(actor=finance, overdue=True, today=today))

    assert overdue(DUE) == []
    assert overdue(DUE + timedelta(days=1)) == [invoiced]
    statements.approve_payment(statement=invoiced, actor=finance_checker, now=LATER)
    assert overdue(DUE + timedelta(days=1)) == [invoiced]
    statements.pay_statement(statement=invoiced, actor=finance, now=LATER, reference="HX1")
    assert overdue(DUE + timedelta(days=1)) == []


def test_the_pages_show_the_due_day_and_flag_a_late_payment(invoiced, finance, supplier_admin, time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI), tick=False)

    listed = logged_in(finance).get("/settlement/statements/?overdue=on").content.decode()
    page = logged_in(supplier_admin).get(f"/settlement/statements/{invoiced.pk}/").content.decode()

    assert f'data-statement="{invoiced.pk}"' in listed and 'data-testid="overdue"' in listed and "2026-12-02" in listed
    assert 'data-testid="payment-due"' in page and "2026-12-02" in page and "开票后 30 天" in page and 'data-testid="overdue"' in page


def test_the_statements_download_flags_a_late_payment_as_the_page_does(invoiced, other_issued, finance, time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI), tick=False)

    rows = downloaded(logged_in(finance).get("/settlement/statements/export.csv"))
    flagged = {row[rows[0].index("礼品商")]: row[rows[0].index("逾期未付")] for row in rows[1:]}
    respond_by = {row[rows[0].index("礼品商")]: row[rows[0].index("答复期限")] for row in rows[1:]}

    assert flagged == {invoiced.supplier.name: "逾期未付", other_issued.supplier.name: ""}
    assert respond_by[invoiced.supplier.name] == ""  # answered: nothing to respond by
    assert respond_by[other_issued.supplier.name] == "2026-10-11 10:00"  # issued 2026-10-01 10:00, + 10 days


def test_a_statement_not_yet_due_is_not_flagged_nor_listed_as_overdue(invoiced, finance, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI), tick=False)

    listed = logged_in(finance).get("/settlement/statements/?overdue=on").content.decode()
    everything = logged_in(finance).get("/settlement/statements/").content.decode()

    assert f'data-statement="{invoiced.pk}"' not in listed
    assert f'data-statement="{invoiced.pk}"' in everything and 'data-testid="overdue"' not in everything


def test_the_api_gives_the_term_the_due_day_and_filters_the_overdue(invoiced, api, finance, time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI), tick=False)

    detail = api(finance).get(f"/api/v1/statements/{invoiced.pk}/").json()
    overdue = api(finance).get("/api/v1/statements/?overdue=true").json()["results"]
    on_time = api(finance).get("/api/v1/statements/?overdue=false").json()["results"]

    assert (detail["payment_days"], detail["payment_due_on"], detail["payment_overdue"]) == (30, "2026-12-02", True)
    assert [row["id"] for row in overdue] == [invoiced.pk] and invoiced.pk not in [row["id"] for row in on_time]


def test_the_statements_page_and_the_api_list_the_same_statements_for_overdue_yes_and_no(invoiced, other_issued, finance,
                                                                                          time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI), tick=False)

    page = {word: listed(finance, "/settlement/statements/", overdue=word) for word in ("true", "false", "")}
    api = {word: listed(finance, "/api/v1/statements/", overdue=word) for word in ("true", "false", "")}

    # false: only those not overdue (here the one not even invoiced); empty: no filter
    assert page == api == {"true": [invoiced.pk], "false": [other_issued.pk], "": sorted([invoiced.pk, other_issued.pk])}


def test_a_bad_overdue_filter_is_a_400_naming_it(invoiced, api, finance):
    response = api(finance).get("/api/v1/statements/?overdue=maybe")

    assert response.status_code == 400 and "overdue" in str(response.json())


def test_an_action_answers_with_the_overdue_flag_the_list_and_the_page_give(invoiced, api, finance, finance_checker, time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI), tick=False)

    approved = api(finance_checker).post(f"/api/v1/statements/{invoiced.pk}/approve-payment/").json()
    listed = api(finance).get("/api/v1/statements/?overdue=true").json()["results"]
    paid = api(finance).post(f"/api/v1/statements/{invoiced.pk}/pay/", {"payment_reference": "HX1"}).json()
    page = logged_in(finance).get(f"/settlement/statements/{invoiced.pk}/").content.decode()

    assert approved["payment_overdue"] is True and [row["id"] for row in listed] == [invoiced.pk]
    assert paid["payment_overdue"] is False and 'data-testid="overdue"' not in page


def test_a_bad_overdue_word_on_the_page_is_named_next_to_its_filter_in_the_apis_words_and_lists_nothing(invoiced, api, finance):
    page = logged_in(finance).get("/settlement/statements/?overdue=maybe")
    [api_error] = api(finance).get("/api/v1/statements/?overdue=maybe").json()["errors"]

    assert page.status_code == 400 and api_error["attr"] == "overdue"
    assert field_errors(page) == {"overdue": api_error["detail"]} == {"overdue": "须为 true 或 false"}
    assert f'data-statement="{invoiced.pk}"' not in page.content.decode()
