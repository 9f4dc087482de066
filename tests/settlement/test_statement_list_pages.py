"""Deep pages of the statement lists (the portal's and the API's) list the rows of their window of the whole list, in
its order and with its filters, each with its own time to respond by and overdue flag, in as many queries as the
first page."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.fields import DateTimeField

from settlement.models import Reconciliation, Statement, StatementVersion
from settlement.services import statements
from tests.factories import FIXED_NOW, SupplierFactory
from tests.helpers import assert_page_read_by_ids
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


@pytest.fixture
def statements_of_every_state() -> None:
    """45 statements of nine suppliers over five months, of every state, each payable a different amount and issued
    on a different day; every other one with the supplier's reconciliation file uploaded some hours after its issue
    (its time to respond runs from the upload); the invoiced and approved ones due on different days, some of them
    past due."""
    suppliers = [SupplierFactory() for _ in range(9)]
    states = Statement.State.values
    for n in range(45):
        statement = Statement.objects.create(supplier=suppliers[n % 9], month=date(2026, 5 + n // 9, 1), generated_at=FIXED_NOW,
                                             payable=Decimal(f"{n * 37 % 101}.50"))
        issued_at = FIXED_NOW - timedelta(days=n, hours=n)
        Statement.objects.filter(pk=statement.pk).update(state=states[(2 * n + n // 9) % len(states)], issued_at=issued_at,
                                                         payment_due_on=(FIXED_NOW + timedelta(days=20 - n)).date())
        version = StatementVersion.objects.create(statement=statement, number=1, created_at=issued_at, issued_at=issued_at)
        if n % 2:
            Reconciliation.objects.create(statement=statement, version=version, supplier=statement.supplier, file_name="对账.xlsx",
                                          uploaded_at=issued_at + timedelta(hours=n))


def _window(rows, *, page: int, size: int = 20) -> list[Statement]:
    """The page's window of the list read whole, in Python."""
    return list(rows)[(page - 1) * size:page * size]


@pytest.mark.parametrize(("query", "page", "filters"), [
    ("page=2", 2, {}), ("page=3", 3, {}), ("overdue=false&page=2", 2, {"overdue": False}),
    ("month=2026-07&page=1", 1, {"month": date(2026, 7, 1)}),
])
def test_a_deep_page_of_the_statement_list_shows_the_statements_of_its_window_in_the_lists_order(
        finance, statements_of_every_state, query, page, filters):
    expected = [statement.pk for statement in _window(statements.list_statements(actor=finance, **filters), page=page)]

    with CaptureQueriesContext(connection) as captured:
        html = logged_in(finance).get(f"/settlement/statements/?{query}").content.decode()

    assert expected and [int(pk) for pk in re.findall(r'data-statement="(\d+)"', html)] == expected
    assert_page_read_by_ids(captured, "settlement_statement", rows=len(expected), skipped=(page - 1) * 20)


@pytest.mark.parametrize(("query", "page", "size", "ordering"), [
    ("page=2", 2, 20, None), ("page=3", 3, 20, None), ("page_size=7&page=4", 4, 7, None),
    ("ordering=payable&page_size=10&page=3", 3, 10, "payable"), ("ordering=-issued_at&page=2", 2, 20, "-issued_at"),
])
def test_a_deep_page_of_the_statements_api_answers_the_statements_of_its_window_each_as_the_whole_list_does(
        api, finance, statements_of_every_state, query, page, size, ordering):
    rows = statements.list_statements(actor=finance)
    expected = _window(rows.order_by(ordering) if ordering else rows, page=page, size=size)
    whole = api(finance).get(f"/api/v1/statements/?page_size=200{'&ordering=' + ordering if ordering else ''}").json()["results"]

    with CaptureQueriesContext(connection) as captured:
        answered = api(finance).get(f"/api/v1/statements/?{query}").json()["results"]

    assert [row["id"] for row in answered] == [statement.pk for statement in expected]
    assert_page_read_by_ids(captured, "settlement_statement", rows=len(expected), skipped=(page - 1) * size)
    assert [(row["respond_by"], row["payment_overdue"]) for row in answered] == [
        (statement.respond_by and DateTimeField().to_representation(statement.respond_by), statement.payment_overdue)
        for statement in expected
    ]
    assert answered == whole[(page - 1) * size:page * size]  # every field as the whole list gives it


def test_a_deep_page_of_the_statements_api_runs_as_many_queries_as_the_first(api, finance, statements_of_every_state):
    client = api(finance)
    client.get("/api/v1/statements/")

    def queries(query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/statements/?{query}").status_code == 200
        return len(captured.captured_queries)

    assert queries("page=1") == queries("page=3") == queries("page_size=7&page=5")
