"""The settlement lists sort by a column's heading (`?ordering=amount`, `-amount` descending; core.forms.ListFilter.sorts):
adjustments, reconciliations and a reconciliation's lines, a statement version's lines (within their sections),
assessments, penalty and suspension proposals, rectification cases and re-evaluations, each as the role reading it.
A supplier sorting its list sees its own rows only."""
# ruff: noqa: F811  (the statement fixtures are imported from test_portal and requested by name)
from datetime import date

import pytest

from tests.factories import FIXED_NOW, SupplierFactory, contracted
from tests.portal import downloaded, listed_in_order, logged_in, sort_headings
from tests.settlement.test_portal import compensate, draft, issued, upload  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2026, 9, 1)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def three_suppliers() -> list:
    return [contracted(SupplierFactory(contract=None)) for _ in range(3)]


# --- adjustments ---------------------------------------------------------------------------------------------------

def test_finance_sorts_the_adjustments_by_amount_and_the_download_follows(finance, finance_checker):
    dear, cheap, middle = (compensate(supplier, amount, maker=finance, checker=finance_checker)
                           for supplier, amount in zip(three_suppliers(), ("300.00", "-100.00", "200.00")))
    client = logged_in(finance)

    ascending = listed_in_order(finance, "/settlement/adjustments/", ordering="amount")
    descending = listed_in_order(finance, "/settlement/adjustments/", ordering="-amount")
    rows = downloaded(client.get("/settlement/adjustments/export.csv", {"ordering": "-amount"}))

    assert ascending == [cheap.pk, middle.pk, dear.pk] and descending == [dear.pk, middle.pk, cheap.pk]
    number = rows[0].index("调账单号")
    assert [row[number] for row in rows[1:]] == [dear.number, middle.number, cheap.number]
    assert set(sort_headings(client.get("/settlement/adjustments/").content.decode())) == {
        "number", "supplier", "amount", "created_at", "decided_at"}


def test_a_supplier_sorting_its_adjustments_sees_only_its_own(supplier, other_supplier, supplier_staff, finance, finance_checker):
    small, large = (compensate(supplier, amount, maker=finance, checker=finance_checker) for amount in ("100.00", "300.00"))
    compensate(other_supplier, "200.00", maker=finance, checker=finance_checker)

    assert listed_in_order(supplier_staff, "/settlement/adjustments/", ordering="amount") == [small.pk, large.pk]
    assert listed_in_order(supplier_staff, "/settlement/adjustments/", ordering="-amount") == [large.pk, small.pk]


def test_an_adjustments_own_page_lists_it_under_headings_that_do_not_sort(finance, supplier, finance_checker):
    compensate(supplier, "100.00", maker=finance, checker=finance_checker)

    page = logged_in(finance).get(f"/settlement/adjustments/{supplier.adjustments.first().pk}/")

    assert page.status_code == 200 and sort_headings(page.content.decode()) == {}

