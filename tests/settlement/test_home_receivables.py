"""A terminated supplier's home page shows every receivable it still owes, not only its latest statement's: an older one
outstanding, followed by a later statement, is listed with its amount, what is outstanding and a link to it, and how to
pay; a collected one is not; the page reads no more rows for more receivables, and another supplier sees none of them."""
import re
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from settlement.models import Statement
from settlement.services import generation, statements
from tests.factories import SHANGHAI
from tests.portal import logged_in, shown
from tests.settlement.conftest import LATER, booked_order, paying_account

pytestmark = pytest.mark.django_db
NOVEMBER = date(2026, 11, 1)
NOVEMBER_GENERATED = datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI)
PAY_AS_TOLD = "请按财务通知付款"


def listed(response) -> list[tuple[str, str]]:
    """The home page's other outstanding receivables: (the link, the text) of each."""
    rows = re.findall(r'data-testid="home-outstanding-receivable">(.*?)</li>', response.content.decode(), re.S)
    return [(re.search(r'href="([^"]+)"', row).group(1), " ".join(re.sub(r"<[^>]+>", " ", row).split())) for row in rows]


@pytest.fixture
def followed(receivable, finance):
    """After October's receivable of 30.00, the terminated supplier's November statement, payable (a 50.00 delivery booked
    late), issued."""
    paying_account(receivable.supplier)
    booked_order(receivable.supplier, "50.00", recorded_at=datetime(2026, 11, 10, tzinfo=SHANGHAI))
    generation.generate_now(month=NOVEMBER, actor=finance, now=NOVEMBER_GENERATED)
    november = Statement.objects.get(supplier=receivable.supplier, month=NOVEMBER)
    return statements.issue_statement(statement=november, actor=finance, now=NOVEMBER_GENERATED)


def an_older_receivable(supplier, month: date, owed: str) -> Statement:
    statement = Statement.objects.create(supplier=supplier, month=month, generated_at=NOVEMBER_GENERATED)
    Statement.objects.filter(pk=statement.pk).update(state=Statement.State.CLOSED, payable=f"-{owed}", receivable=True)
    return statement


def test_an_older_receivable_still_outstanding_is_shown_under_a_later_statement_with_its_link_and_how_to_pay(
        followed, receivable, finance, supplier_admin):
    statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="CMB-IN-A", amount="12.00",
                                 collected_on=LATER.date())

    home = logged_in(supplier_admin).get("/")

    assert shown(home, "home-statement") == "2026-11"
    assert listed(home) == [(f"/settlement/statements/{receivable.pk}/", "2026-10 结算单 应收 ¥30.00，尚未收回 ¥18.00")]
    assert PAY_AS_TOLD in shown(home, "pay-to")


def test_a_collected_receivable_is_not_listed(followed, receivable, finance, supplier_admin):
    statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="CMB-IN-A", amount="30.00",
                                 collected_on=LATER.date())

    home = logged_in(supplier_admin).get("/")

    assert listed(home) == [] and 'data-testid="pay-to"' not in home.content.decode()


def test_the_latest_statements_receivable_is_shown_once_with_the_older_ones_listed_apart(receivable, supplier_admin):
    older = an_older_receivable(receivable.supplier, date(2026, 9, 1), "45.00")

    home = logged_in(supplier_admin).get("/")

    assert shown(home, "home-statement") == "2026-10" and shown(home, "receivable") == "应收 ¥30.00，尚未收回 ¥30.00"
    assert listed(home) == [(f"/settlement/statements/{older.pk}/", "2026-09 结算单 应收 ¥45.00，尚未收回 ¥45.00")]
    assert home.content.decode().count('data-testid="pay-to"') == 1


def test_the_home_page_reads_as_many_rows_for_three_older_receivables_as_for_one(followed, receivable, supplier_admin):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert logged_in(supplier_admin).get("/").status_code == 200
        return len(context)

    one = queries()
    for month in (date(2026, 8, 1), date(2026, 9, 1)):
        an_older_receivable(receivable.supplier, month, "10.00")

    assert queries() == one
    assert len(listed(logged_in(supplier_admin).get("/"))) == 3


def test_another_supplier_sees_none_of_them(followed, other_supplier_admin):
    home = logged_in(other_supplier_admin).get("/")

    assert listed(home) == [] and "¥30.00" not in home.content.decode()
