"""The home page's settlement panels: finance's statements to issue and payments awaited or overdue, with their
amounts; a supplier's latest statement it may see; the payables by month once a statement is issued."""
from datetime import date, datetime, timedelta

import pytest

from settlement.models import Statement
from settlement.services import generation, statements
from tests.factories import SHANGHAI
from tests.portal import logged_in, shown
from tests.settlement.conftest import LATER, booked_order, paying_account

pytestmark = pytest.mark.django_db
AFTER_DUE = datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI)  # invoiced 2026-11-02 under a 30-day term: due 2026-12-02


@pytest.fixture
def invoiced(issued, supplier_admin) -> Statement:
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    return statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")


def test_finance_sees_a_draft_to_issue_and_a_payment_awaited_that_became_overdue(invoiced, other_supplier, finance, time_machine):
    paying_account(other_supplier)
    booked_order(other_supplier, "80.00", recorded_at=datetime(2026, 10, 5, tzinfo=SHANGHAI))
    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=LATER)  # other_supplier's October: a draft
    time_machine.move_to(AFTER_DUE - timedelta(days=1), tick=False)

    before = logged_in(finance).get("/")
    time_machine.move_to(AFTER_DUE, tick=False)
    after = logged_in(finance).get("/")

    assert [shown(before, name) for name in ("home-drafts", "home-awaiting", "home-overdue")] == ["1", "1", "0"]
    assert [shown(after, name) for name in ("home-drafts", "home-awaiting", "home-overdue")] == ["1", "1", "1"]
    assert "¥300.00" in after.content.decode()
    assert 'href="/settlement/statements/?overdue=on"' in after.content.decode()


def test_a_supplier_sees_its_latest_issued_statement_never_a_draft_nor_another_suppliers(issued, supplier_admin, other_supplier_admin):
    response = logged_in(supplier_admin).get("/")

    assert (shown(response, "home-statement"), shown(response, "home-statement-state")) == ("2026-10", "已下发")
    assert "请在" in response.content.decode()  # when to confirm or dispute by
    assert "暂无已下发的结算单" in logged_in(other_supplier_admin).get("/").content.decode()


def test_a_draft_is_not_shown_to_its_supplier(draft, supplier_admin):
    response = logged_in(supplier_admin).get("/")

    assert "暂无已下发的结算单" in response.content.decode()
    assert "各月应付金额" not in [panel["title"] for panel in response.context["panels"]]


def test_the_payables_chart_shows_each_month_issued_to_this_one(issued, finance, supplier_admin, time_machine):
    time_machine.move_to(datetime(2027, 1, 5, 10, tzinfo=SHANGHAI), tick=False)
    for user in (finance, supplier_admin):
        page = logged_in(user).get("/").content.decode()

        assert 'data-testid="home-payables-chart"' in page
        assert '<g data-label="2026-10" data-value="300.00">' in page
        assert '<g data-label="2027-01" data-value="0.00">' in page  # this month: nothing issued yet
