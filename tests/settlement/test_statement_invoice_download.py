"""The statements download carries each statement's invoice (发票号码, 发票金额), for finance matching its payment run
and for the supplier reading back its own invoices; a statement not invoiced leaves them empty."""
import pytest

from settlement.services import statements
from tests.portal import downloaded, logged_in
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoiced(issued, supplier_admin):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    return statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")


def by_supplier(user, file_format: str) -> dict[str, dict[str, str]]:
    rows = downloaded(logged_in(user).get(f"/settlement/statements/export.{file_format}"))
    return {row["礼品商"]: row for row in (dict(zip(rows[0], row)) for row in rows[1:])}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_finance_downloads_each_statements_invoice_number_and_amount(invoiced, other_issued, finance, file_format):
    rows = by_supplier(finance, file_format)

    ours, other = rows[invoiced.supplier.name], rows[other_issued.supplier.name]
    assert ours["发票号码"] == "04412345" and ours["发票金额"] in ("300.00", "300")  # a number in a workbook
    assert (other["发票号码"], other["发票金额"]) == ("", "")


def test_a_supplier_downloads_its_own_invoice(invoiced, supplier_staff):
    rows = by_supplier(supplier_staff, "csv")

    assert list(rows) == [invoiced.supplier.name]
    assert (rows[invoiced.supplier.name]["发票号码"], rows[invoiced.supplier.name]["发票金额"]) == ("04412345", "300.00")
