"""A supplier's users read the platform's staff by role (财务人员, 运营人员), never by login name, wherever settlement
names who acted — statements, adjustments, reconciliations — on the pages, in the API and in the files they download;
staff read login names."""
import pytest

from settlement.models import Adjustment, Category, Reconciliation
from settlement.services import adjustments, reconciliation, statements
from tests.helpers import staff_usernames
from tests.portal import logged_in, rendered_text
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(issued, supplier, supplier_admin, finance, finance_checker):
    """The October statement reconciled (a line finance wrote off), confirmed, invoiced and paid, with an adjustment
    one finance user proposed and the other approved."""
    proposed = adjustments.propose_adjustment(supplier=supplier, kind="other", amount="-5.00", reason="包装补偿", actor=finance,
                                              now=LATER)
    adjustments.approve_adjustment(adjustment=proposed, actor=finance_checker, now=LATER)
    found = reconciliation.upload_reconciliation(statement=issued, file_name="ours.csv", actor=supplier_admin, now=LATER,
                                                 content="订单号,SKU,类型,数量,金额\r\nRO-X,SKU-X,配送,1,9.00".encode())
    reconciliation.resolve_line(line=found.lines.get(category=Category.MISSING_IN_OURS), resolution="write_off", actor=finance,
                                now=LATER, note="对方多报")
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")
    statements.approve_payment(statement=issued, actor=finance_checker, now=LATER)
    return statements.pay_statement(statement=issued, actor=finance, now=LATER, reference="HX1")


def pages_of(statement) -> list[str]:
    """The pages of the statement, its adjustment and its reconciliation, where who acted is named."""
    return [f"/settlement/statements/{statement.pk}/", f"/settlement/adjustments/{Adjustment.objects.get().pk}/",
            f"/settlement/reconciliations/{Reconciliation.objects.get().pk}/"]


def where_settlement_names_who_acted(statement) -> list[str]:
    """The pages, files and API reads of the statement, its adjustment and its reconciliation."""
    adjustment, found = Adjustment.objects.get(), Reconciliation.objects.get()
    line = found.lines.get(category=Category.MISSING_IN_OURS)
    return [
        *pages_of(statement), "/settlement/statements/", "/settlement/adjustments/", "/settlement/reconciliations/",
        f"/settlement/statements/{statement.pk}/versions/1/figures.csv",
        "/api/v1/statements/", f"/api/v1/statements/{statement.pk}/", f"/api/v1/statements/{statement.pk}/lines/",
        "/api/v1/adjustments/", f"/api/v1/adjustments/{adjustment.pk}/",
        "/api/v1/reconciliations/", f"/api/v1/reconciliations/{found.pk}/lines/", f"/api/v1/reconciliation-lines/{line.pk}/",
    ]


def read_by(user, urls: list[str]) -> dict[str, str]:
    """{url: the text `user` reads there}, each checked to open."""
    client = logged_in(user)
    responses = {url: client.get(url) for url in urls}
    assert {url: response.status_code for url, response in responses.items()} == dict.fromkeys(urls, 200)
    return {url: rendered_text(response) for url, response in responses.items()}


@pytest.mark.parametrize("reader", ["supplier_admin", "supplier_staff"])
def test_a_suppliers_users_read_no_staff_login_name_anywhere_in_settlement(paid, request, finance, finance_checker, reader):
    texts = read_by(request.getfixturevalue(reader), where_settlement_names_who_acted(paid))

    staff = staff_usernames()
    assert {finance.username, finance_checker.username} <= staff
    assert {url: [name for name in sorted(staff) if name in text] for url, text in texts.items()} == dict.fromkeys(texts, [])
    assert all("财务人员" in texts[url] for url in pages_of(paid))


def test_a_supplier_reads_finance_by_role_in_the_statement_and_adjustment_api(paid, api, supplier_admin):
    statement = api(supplier_admin).get(f"/api/v1/statements/{paid.pk}/").json()
    adjustment = api(supplier_admin).get("/api/v1/adjustments/").json()["results"][0]

    assert (statement["issued_by"], statement["payment_approved_by"], statement["paid_by"]) == ("财务人员",) * 3
    assert (adjustment["created_by"], adjustment["decided_by"]) == ("财务人员", "财务人员")


def test_staff_still_read_login_names_and_the_system_is_null(paid, api, finance, finance_checker):
    statement = api(finance).get(f"/api/v1/statements/{paid.pk}/").json()
    texts = read_by(finance, where_settlement_names_who_acted(paid))

    assert (statement["issued_by"], statement["payment_approved_by"], statement["paid_by"], statement["collected_by"]) == (
        finance.username, finance_checker.username, finance.username, None)
    statement_page, adjustment_page, reconciliation_page = (texts[url] for url in pages_of(paid))
    assert all(finance.username in page and finance_checker.username in page for page in (statement_page, adjustment_page))
    assert finance.username in reconciliation_page  # who wrote its line off
