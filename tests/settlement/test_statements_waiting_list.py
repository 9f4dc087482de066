"""The statements waiting for their reader's step (待我处理): the navigation badge, the home page's to-do entry and
payment figures link to the list of exactly what they count; under maker-checker, what one finance user issued or
approved waits for the other."""
from datetime import date, datetime

import pytest

from settlement.models import Statement
from settlement.services import generation, statements
from tests.factories import SHANGHAI, SupplierFactory
from tests.portal import badge_links, listed, logged_in, rows_at
from tests.settlement.conftest import LATER, booked_order, contracted, paying_account

pytestmark = pytest.mark.django_db
STATEMENTS = "/settlement/statements/"


@pytest.fixture
def invoiced(issued, supplier_admin) -> Statement:
    """Issued by finance, invoiced: its payment is finance2's to approve."""
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    return statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")


@pytest.fixture
def disputed(other_issued, other_supplier_admin) -> Statement:
    """Disputed by its supplier: any finance user answers it."""
    return statements.dispute_statement(statement=other_issued, actor=other_supplier_admin, now=datetime(2026, 10, 2, tzinfo=SHANGHAI),
                                        reason="少算一笔")


def test_each_finance_users_statement_badge_links_to_the_statements_waiting_for_that_user(invoiced, disputed, finance, finance_checker):
    maker, checker = (badge_links(user, "settlement-statements") for user in (finance, finance_checker))

    assert {where: count for where, (_path, count) in maker.items()} == {"home": 1, "nav": 1}
    assert {where: count for where, (_path, count) in checker.items()} == {"home": 2, "nav": 2}
    assert all(rows_at(finance, path) == count for path, count in maker.values())
    assert all(rows_at(finance_checker, path) == count for path, count in checker.values())
    assert listed(finance, STATEMENTS, waiting="1") == [disputed.pk]  # not what it issued: its payment is another's to approve
    assert listed(finance_checker, STATEMENTS, waiting="1") == sorted([invoiced.pk, disputed.pk])


def test_the_api_says_where_the_statements_waiting_are_listed(invoiced, finance_checker, api):
    waiting = api(finance_checker).get("/api/v1/me/").json()["waiting"]

    assert {"page": "/settlement/statements/?waiting=1", "label": "结算单", "count": 1} in waiting


def test_the_approver_is_not_waited_for_to_pay_and_the_issuer_is(invoiced, finance, finance_checker):
    statements.approve_payment(statement=invoiced, actor=finance_checker, now=LATER)

    assert listed(finance, STATEMENTS, waiting="1") == [invoiced.pk]
    assert listed(finance_checker, STATEMENTS, waiting="1") == []
    assert listed(finance_checker, STATEMENTS, waiting="false") == [invoiced.pk]  # the others


def test_the_supplier_admins_badge_links_to_the_statements_waiting_for_its_answer(issued, supplier_admin):
    links = badge_links(supplier_admin, "settlement-statements")

    assert {where: count for where, (_path, count) in links.items()} == {"home": 1, "nav": 1}
    assert all(rows_at(supplier_admin, path) == 1 for path, _count in links.values())


def test_the_filter_is_offered_only_to_whom_statements_wait_for(issued, finance, operator):
    assert 'name="waiting"' in logged_in(finance).get(STATEMENTS).content.decode()
    assert 'name="waiting"' not in logged_in(operator).get(STATEMENTS).content.decode()


def test_the_home_payment_figures_link_to_the_statements_they_count(invoiced, other_issued, finance):
    page = logged_in(finance).get("/").content.decode()

    assert 'data-testid="home-awaiting"><a href="/settlement/statements/?awaiting_payment=1">1</a>' in page
    assert listed(finance, STATEMENTS, awaiting_payment="1") == [invoiced.pk]


def test_the_statements_waiting_are_paginated_with_the_filter_kept(finance, finance_checker):
    suppliers = [contracted(SupplierFactory()) for _ in range(22)]
    for supplier in suppliers:
        paying_account(supplier)
        booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, tzinfo=SHANGHAI))
    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=datetime(2026, 11, 1, 2, tzinfo=SHANGHAI))
    Statement.objects.update(state=Statement.State.DISPUTED)  # rows only: 21 disputes for finance to answer
    confirmed = Statement.objects.get(supplier=suppliers[0])
    Statement.objects.filter(pk=confirmed.pk).update(state=Statement.State.CONFIRMED)  # and one waiting for its supplier

    first = logged_in(finance_checker).get(STATEMENTS, {"waiting": "1"})
    second = logged_in(finance_checker).get(STATEMENTS, {"waiting": "1", "page": "2"})

    assert (first.context["page_obj"].paginator.count, len(first.context["page_obj"]), len(second.context["page_obj"])) == (21, 20, 1)
    shown = [row.pk for page in (first, second) for row in page.context["page_obj"]]
    assert confirmed.pk not in shown and len(set(shown)) == 21
    assert "waiting=1&amp;page=2" in first.content.decode()


def test_the_api_lists_the_statements_waiting_for_the_callers_step_and_those_awaiting_payment(invoiced, disputed, finance, finance_checker, api):
    def ids(user, **query) -> list[int]:
        response = api(user).get("/api/v1/statements/", query)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert ids(finance, waiting="true") == [disputed.pk]  # as its badge: not what it issued, whose payment another approves
    assert ids(finance_checker, waiting="true") == sorted([invoiced.pk, disputed.pk])
    assert ids(finance, waiting="false") == [invoiced.pk]
    assert ids(finance, awaiting_payment="true") == [invoiced.pk]
    assert ids(finance, awaiting_payment="false") == [disputed.pk]


@pytest.mark.parametrize(("path", "name"), [("/api/v1/statements/", "waiting"), ("/api/v1/statements/", "awaiting_payment"),
                                            ("/api/v1/complaints/", "waiting")])
def test_a_bad_waiting_or_awaiting_payment_value_is_a_400_naming_it(api, finance, path, name):
    response = api(finance).get(path, {name: "maybe"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == name
