"""A supplier's users read the platform's staff by role (财务人员, 运营人员), never by login name, wherever settlement
and extra costs name who acted — statements, adjustments, on the pages and in the API; staff read login names."""
import pytest

from settlement.models import Adjustment
from settlement.services import adjustments, statements
from tests.portal import logged_in
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(issued, supplier, supplier_admin, finance, finance_checker):
    adjustments.approve_adjustment(
        adjustment=adjustments.propose_adjustment(supplier=supplier, kind="other", amount="-5.00", reason="包装补偿", actor=finance, now=LATER),
        actor=finance_checker, now=LATER)
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")
    statements.approve_payment(statement=issued, actor=finance_checker, now=LATER)
    return statements.pay_statement(statement=issued, actor=finance, now=LATER, reference="HX1")


def test_a_supplier_reads_finance_by_role_in_the_statement_and_adjustment_api(paid, api, supplier_admin, finance, finance_checker):
    statement = api(supplier_admin).get(f"/api/v1/statements/{paid.pk}/").json()
    adjustment = api(supplier_admin).get("/api/v1/adjustments/").json()["results"][0]

    assert (statement["issued_by"], statement["payment_approved_by"], statement["paid_by"]) == ("财务人员",) * 3
    assert (adjustment["created_by"], adjustment["decided_by"]) == ("财务人员", "财务人员")
    assert finance.username not in str(statement) + str(adjustment) and finance_checker.username not in str(adjustment)


def test_staff_still_read_login_names_and_the_system_is_null(paid, api, finance, finance_checker):
    statement = api(finance).get(f"/api/v1/statements/{paid.pk}/").json()

    assert (statement["issued_by"], statement["payment_approved_by"], statement["paid_by"], statement["collected_by"]) == (
        finance.username, finance_checker.username, finance.username, None)


def test_the_suppliers_adjustment_and_statement_pages_name_no_finance_user(paid, supplier_admin, finance, finance_checker):
    adjustment = Adjustment.objects.get()
    pages = [logged_in(supplier_admin).get(url).content.decode()
             for url in ("/settlement/adjustments/", f"/settlement/adjustments/{adjustment.pk}/", f"/settlement/statements/{paid.pk}/")]

    assert all("财务人员" in page for page in pages)
    assert not any(f">{finance.username}<" in page or f"{finance_checker.username} ·" in page or f"· {finance.username}" in page
                   for page in pages)
