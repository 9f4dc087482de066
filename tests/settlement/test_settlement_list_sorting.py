"""The settlement lists sort by a column's heading (`?ordering=amount`, `-amount` descending; core.forms.ListFilter.sorts):
adjustments, reconciliations and a reconciliation's lines, a statement version's lines (within their sections),
assessments, penalty and suspension proposals, rectification cases and re-evaluations, each as the role reading it.
A supplier sorting its list sees its own rows only."""
# ruff: noqa: F811  (the statement fixtures are imported from test_portal and requested by name)
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from settlement.models import (
    Assessment, Kpi, PenaltyProposal, PenaltyRule, ReEvaluation, RectificationCase, Reconciliation, Section, Statement,
    StatementLine, SuspensionProposal,
)
from settlement.services import statements
from tests.factories import FIXED_NOW, SHANGHAI, SupplierFactory, contracted
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


# --- reconciliations -----------------------------------------------------------------------------------------------

def reconciled(supplier, *, rows: int, uploaded_on: int) -> Reconciliation:
    statement = Statement.objects.create(supplier=supplier, month=SEPTEMBER, generated_at=FIXED_NOW)
    version = statement.versions.create(number=1, created_at=FIXED_NOW)
    return Reconciliation.objects.create(statement=statement, version=version, supplier=supplier, file_name="ours.csv",
                                         uploaded_at=datetime(2026, 10, uploaded_on, 9, tzinfo=SHANGHAI), row_count=rows)


def test_finance_sorts_the_reconciliations_by_their_files_rows_and_by_when_they_came(finance):
    many, few, some = (reconciled(supplier, rows=rows, uploaded_on=day)
                       for supplier, rows, day in zip(three_suppliers(), (30, 10, 20), (1, 3, 2)))

    assert listed_in_order(finance, "/settlement/reconciliations/", ordering="row_count") == [few.pk, some.pk, many.pk]
    assert listed_in_order(finance, "/settlement/reconciliations/", ordering="-row_count") == [many.pk, some.pk, few.pk]
    assert listed_in_order(finance, "/settlement/reconciliations/", ordering="uploaded_at") == [many.pk, some.pk, few.pk]


def test_an_order_of_the_statements_list_is_refused_on_the_reconciliations_naming_theirs(finance):
    response = logged_in(finance).get("/settlement/reconciliations/", {"ordering": "payable"})

    assert response.status_code == 400
    assert "不能按 payable 排序；可用：month、row_count、supplier、uploaded_at、version" in response.content.decode()


def test_finance_sorts_a_reconciliations_lines_by_the_suppliers_amount(issued, supplier_admin, finance):
    found = upload(logged_in(supplier_admin), issued, ["订单号,SKU,类型,数量,金额", "RO-1,SKU-A,配送,1,180.00",
                                                       "RO-2,SKU-B,配送,3,50.00", "RO-3,SKU-C,配送,2,90.00"])
    at_180, at_50, at_90 = found.lines.order_by("row").values_list("pk", flat=True)
    url = f"/settlement/reconciliations/{found.pk}/"

    assert listed_in_order(finance, url, ordering="amount") == [at_50, at_90, at_180]
    assert listed_in_order(finance, url, ordering="-amount") == [at_180, at_90, at_50]
    assert listed_in_order(supplier_admin, url, ordering="-row") == [at_90, at_50, at_180]


# --- a statement version's lines -----------------------------------------------------------------------------------

def test_a_statements_lines_sort_by_amount_within_each_section_the_sections_keeping_their_order(issued, finance):
    adjustment_lines = list(issued.lines.filter(section=Section.ADJUSTMENT).values_list("pk", flat=True))
    dear, cheap, middle = (StatementLine.objects.create(
        statement=issued, section=Section.DELIVERY, source_kind="order", source_id=90_000 + n, order_number=f"RO-{n}",
        sku="SKU-A", quantity=1, amount=Decimal(amount), recorded_at=FIXED_NOW - timedelta(days=n))
        for n, amount in enumerate(("300.00", "100.00", "200.00")))
    url = f"/settlement/statements/{issued.pk}/"

    ascending = listed_in_order(finance, url, ordering="amount")
    descending = listed_in_order(finance, url, ordering="-amount")
    page = logged_in(finance).get(url, {"ordering": "-amount"}).content.decode()

    assert adjustment_lines and ascending == [cheap.pk, middle.pk, dear.pk, *adjustment_lines]
    assert descending == [dear.pk, middle.pk, cheap.pk, *adjustment_lines]
    assert page.index('data-testid="section-delivery"') < page.index('data-testid="section-adjustment"')
    assert list(statements.version_lines(statements.current_version(issued))) == [middle, cheap, dear, *issued.lines.filter(
        section=Section.ADJUSTMENT)]  # the PDF's and the download's order: by the time recorded


def test_a_statement_pages_sorting_heading_keeps_the_version_shown_and_leads_to_the_page(issued, finance):
    url = f"/settlement/statements/{issued.pk}/"

    link = sort_headings(logged_in(finance).get(url, {"version": "1", "page": "1"}).content.decode())["amount"][0]

    assert link == f"{url}?version=1&ordering=amount"


# --- assessments and proposals -------------------------------------------------------------------------------------

def assessed(scores) -> list[Assessment]:
    return [Assessment.objects.create(supplier=supplier, month=SEPTEMBER, score=score, computed_at=FIXED_NOW)
            for supplier, score in zip(three_suppliers(), scores)]


def test_operators_sort_the_assessments_by_score_those_without_one_last(operator):
    high, unscored, low = assessed([Decimal("92.50"), None, Decimal("61.00")])

    assert listed_in_order(operator, "/settlement/assessments/", ordering="score") == [low.pk, high.pk, unscored.pk]
    assert listed_in_order(operator, "/settlement/assessments/", ordering="-score") == [high.pk, low.pk, unscored.pk]


def test_finance_sorts_the_penalty_proposals_by_amount(finance):
    rule = PenaltyRule.objects.create(kpi=Kpi.choices[0][0], threshold=Decimal("0.9"), amount=Decimal("100"), description="低于目标")
    dear, cheap, middle = (PenaltyProposal.objects.create(assessment=found, rule=rule, supplier=found.supplier, value=Decimal("0.5"),
                                                          amount=Decimal(amount), created_at=FIXED_NOW)
                           for found, amount in zip(assessed([Decimal("50")] * 3), ("300.00", "100.00", "200.00")))

    assert listed_in_order(finance, "/settlement/assessments/penalties/", ordering="amount") == [cheap.pk, middle.pk, dear.pk]
    assert listed_in_order(finance, "/settlement/assessments/penalties/", ordering="-amount") == [dear.pk, middle.pk, cheap.pk]


def test_operators_sort_the_suspension_proposals_by_the_score_that_proposed_them(operator):
    higher, lowest, low = (SuspensionProposal.objects.create(supplier=found.supplier, assessment=found, created_at=FIXED_NOW)
                           for found in assessed([Decimal("58.00"), Decimal("40.00"), Decimal("50.00")]))

    assert listed_in_order(operator, "/settlement/assessments/suspensions/", ordering="score") == [lowest.pk, low.pk, higher.pk]
    assert listed_in_order(operator, "/settlement/assessments/suspensions/", ordering="-score") == [higher.pk, low.pk, lowest.pk]


# --- cases and re-evaluations --------------------------------------------------------------------------------------

def test_operators_sort_the_cases_by_deadline_the_overdue_one_no_longer_first(operator):
    late, overdue, soon = (RectificationCase.objects.create(
        number=f"RC-{n}", supplier=supplier, kind=RectificationCase.Kind.WARNING, reason="迟发", deadline=deadline,
        opened_at=FIXED_NOW) for n, (supplier, deadline) in enumerate(zip(three_suppliers(), (
            date(2026, 11, 30), date(2026, 10, 1), date(2026, 10, 20)))))

    assert listed_in_order(operator, "/settlement/cases/") == [overdue.pk, soon.pk, late.pk]
    assert listed_in_order(operator, "/settlement/cases/", ordering="-deadline") == [late.pk, soon.pk, overdue.pk]
    assert listed_in_order(operator, "/settlement/cases/", ordering="number") == [late.pk, overdue.pk, soon.pk]


def test_operators_sort_the_re_evaluations_by_average_score_those_without_one_last(operator):
    good, unscored, poor = (ReEvaluation.objects.create(supplier=supplier, due_on=date(2026, 12, 1), created_at=FIXED_NOW,
                                                       average_score=score)
                            for supplier, score in zip(three_suppliers(), (Decimal("88.00"), None, Decimal("55.00"))))

    assert listed_in_order(operator, "/settlement/re-evaluations/", ordering="average_score") == [poor.pk, good.pk, unscored.pk]
    assert listed_in_order(operator, "/settlement/re-evaluations/", ordering="-average_score") == [good.pk, poor.pk, unscored.pk]
