"""The statements list by the day paid, with its paid date, and the footers of the statements and adjustments lists:
how many rows the filters list and what they add up to, over all of them (not the page's), in one query."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from settlement.models import Statement
from settlement.services import adjustments
from tests.factories import FIXED_NOW, SupplierFactory
from tests.portal import downloaded, field_errors, logged_in
from tests.settlement.test_list_exports import by_column
from tests.settlement.test_portal import compensate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def a_statement(supplier, month: date, payable: str, *, paid_on: date | None = None) -> Statement:
    """A statement of `supplier` for `month`, paid on `paid_on` (rows only), else issued."""
    statement = Statement.objects.create(supplier=supplier, month=month, generated_at=FIXED_NOW, payable=Decimal(payable))
    state = Statement.State.PAID if paid_on else Statement.State.ISSUED
    Statement.objects.filter(pk=statement.pk).update(state=state, issued_at=FIXED_NOW, payment_date=paid_on,
                                                     payment_reference="HX" if paid_on else "")
    return statement


@pytest.fixture
def payment_runs(supplier, other_supplier) -> dict:
    """September's payment run of 22 statements (more than a page: 21 of other suppliers and the supplier's own), one
    paid on 31 August, one not paid yet."""
    september = [a_statement(SupplierFactory(), date(2026, 7, 1), f"{100 + n}.25", paid_on=date(2026, 9, 1 + n))
                 for n in range(21)]
    september.append(a_statement(supplier, date(2026, 8, 1), "1000.00", paid_on=date(2026, 9, 30)))
    return {"september": september,
            "august": a_statement(other_supplier, date(2026, 7, 1), "88.00", paid_on=date(2026, 8, 31)),
            "unpaid": a_statement(supplier, date(2026, 9, 1), "70.00")}


def test_finance_lists_the_statements_paid_in_a_month_with_their_paid_dates_and_their_total(payment_runs, finance):
    response = logged_in(finance).get("/settlement/statements/", {"paid_from": "2026-09-01", "paid_to": "2026-09-30"})

    html = response.content.decode()
    total = sum((statement.payable for statement in payment_runs["september"]), Decimal("0"))
    assert response.status_code == 200 and response.context["page_obj"].paginator.count == 22
    assert f"已下发 22 张 · 应付 ¥{total:,.2f} ·" in html and total == Decimal("3315.25")
    assert '<td data-testid="paid-on">2026-09-30</td>' in html and "付款日期" in html


def test_one_bound_of_the_paid_days_narrows_by_it_alone(payment_runs, finance):
    client = logged_in(finance)

    from_september = client.get("/settlement/statements/", {"paid_from": "2026-09-30"})
    up_to_august = client.get("/settlement/statements/", {"paid_to": "2026-08-31"})

    assert [s.pk for s in from_september.context["page_obj"]] == [payment_runs["september"][-1].pk]
    assert [s.pk for s in up_to_august.context["page_obj"]] == [payment_runs["august"].pk]
    assert "已下发 1 张 · 应付 ¥88.00 ·" in up_to_august.content.decode()


def test_the_unfiltered_list_still_lists_unpaid_statements_and_counts_them_in_its_total(payment_runs, finance):
    html = logged_in(finance).get("/settlement/statements/").content.decode()

    assert "已下发 24 张 · 应付 ¥3,473.25 ·" in html and '<td data-testid="paid-on">—</td>' in html


def a_month_of_every_kind(supplier) -> None:
    """September: two statements issued (700.00 and 460.00 payable), one closed as a receivable of a terminated supplier
    (-350.00), one negative payable carried forward (-40.00) and a draft (200.00)."""
    for payable in ("700.00", "460.00"):
        a_statement(SupplierFactory(), date(2026, 9, 1), payable)
    owed, carried = a_statement(supplier, date(2026, 9, 1), "-350.00"), a_statement(SupplierFactory(), date(2026, 9, 1), "-40.00")
    Statement.objects.filter(pk=owed.pk).update(state=Statement.State.CLOSED, receivable=True)
    Statement.objects.filter(pk=carried.pk).update(state=Statement.State.CLOSED)
    Statement.objects.create(supplier=SupplierFactory(), month=date(2026, 9, 1), generated_at=FIXED_NOW, payable=Decimal("200.00"))


def test_the_statements_footer_sums_a_month_as_the_months_page_does_drafts_apart(supplier, finance):
    a_month_of_every_kind(supplier)
    client = logged_in(finance)

    footer = client.get("/settlement/statements/", {"month": "2026-09"}).content.decode()
    months = client.get("/settlement/months/").content.decode()

    assert "已下发 4 张 · 应付 ¥1,160.00 · 结转下期 -¥40.00 · 转为应收 ¥350.00" in footer
    assert "（另有草稿 1 张，应付 ¥200.00，未计入）" in footer
    september = months.split('data-payable-month="2026-09"')[1].split("</tr>")[0]
    assert "¥1,160.00" in september and "-¥40.00" in september and "¥350.00" in september


def test_a_statements_footer_without_drafts_says_none_and_reads_in_english(supplier, finance):
    from tests.portal import page_in

    a_month_of_every_kind(supplier)

    html = page_in(finance, "/settlement/statements/?month=2026-09&state=closed", "en")

    assert "Issued: 2 statements · payable ¥0.00 · carried forward -¥40.00 · turned receivable ¥350.00" in html
    assert "draft" not in html.split('data-testid="statements-total"')[1].split("</p>")[0]


def test_the_total_is_one_query_whatever_the_number_of_rows(payment_runs, finance):
    with CaptureQueriesContext(connection) as captured:
        logged_in(finance).get("/settlement/statements/", {"paid_from": "2026-09-01"})

    sums = [query["sql"] for query in captured.captured_queries if "SUM(" in query["sql"].upper()]
    assert len(sums) == 1 and "COUNT(" in sums[0].upper()


def test_a_supplier_totals_its_own_paid_statements_only(payment_runs, supplier_admin):
    response = logged_in(supplier_admin).get("/settlement/statements/", {"paid_from": "2026-08-01", "paid_to": "2026-09-30"})

    assert [s.pk for s in response.context["page_obj"]] == [payment_runs["september"][-1].pk]
    assert "已下发 1 张 · 应付 ¥1,000.00 ·" in response.content.decode()


def test_paid_days_the_wrong_way_round_are_an_error_next_to_the_to_day_and_list_nothing(payment_runs, finance):
    response = logged_in(finance).get("/settlement/statements/", {"paid_from": "2026-09-30", "paid_to": "2026-09-01"})

    assert response.status_code == 400 and field_errors(response) == {"paid_to": "结束日期不能早于开始日期"}
    assert "已下发 0 张 · 应付 ¥0.00 ·" in response.content.decode()


def test_a_paid_day_that_is_no_date_is_an_error_next_to_it(finance):
    response = logged_in(finance).get("/settlement/statements/", {"paid_from": "2026-13-01"})

    assert response.status_code == 400 and set(field_errors(response)) == {"paid_from"}


def test_the_download_lists_the_statements_paid_on_the_days_asked(payment_runs, finance):
    rows = by_column(downloaded(logged_in(finance).get("/settlement/statements/export.csv", {"paid_to": "2026-08-31"})))

    assert [(row["礼品商"], row["付款日期"]) for row in rows] == [(payment_runs["august"].supplier.name, "2026-08-31")]


def test_the_paid_total_reads_in_english(payment_runs, finance):
    from tests.portal import page_in

    html = page_in(finance, "/settlement/statements/?paid_to=2026-08-31", "en")

    assert "Issued: 1 statement · payable ¥88.00" in html and "Paid from" in html


# --- adjustments ---------------------------------------------------------------------------------------------------

@pytest.fixture
def adjusted(supplier, other_supplier, finance, finance_checker) -> dict:
    """The supplier's approved 500.00, proposed -30.00 and rejected 900.00, the other supplier's approved 80.00."""
    pending = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-30", reason="迟发", actor=finance, now=FIXED_NOW)
    rejected = adjustments.propose_adjustment(supplier=supplier, kind="other", amount="900", reason="重复补偿", actor=finance, now=FIXED_NOW)
    adjustments.reject_adjustment(adjustment=rejected, actor=finance_checker, now=FIXED_NOW, note="已补偿过")
    return {"approved": compensate(supplier, "500.00", maker=finance, checker=finance_checker), "pending": pending,
            "rejected": rejected, "other": compensate(other_supplier, "80.00", maker=finance, checker=finance_checker)}


def footer_of(response) -> str:
    return " ".join(response.content.decode().split('data-testid="adjustments-total">')[1].split("</p>")[0].split())


@pytest.mark.parametrize(("query", "footer"), [
    ({}, "已审批 2 笔 · ¥580.00 <span data-testid=\"adjustments-proposed\">；待审批 1 笔 · -¥30.00（未计入）</span> "
         "<span data-testid=\"adjustments-dropped\">；已驳回或撤回 1 笔（不计入）</span>"),
    ({"state": "approved"}, "已审批 2 笔 · ¥580.00"),
    ({"kind": "penalty"}, "已审批 0 笔 · ¥0.00 <span data-testid=\"adjustments-proposed\">；待审批 1 笔 · -¥30.00（未计入）</span>"),
    ({"date_from": "2026-10-01"}, "已审批 0 笔 · ¥0.00 <span data-testid=\"adjustments-dropped\">；已驳回或撤回 1 笔（不计入）</span>"),
])
def test_the_adjustments_footer_sums_the_approved_ones_and_the_pending_ones_apart_never_the_rejected(
    adjusted, finance, query, footer,
):
    response = logged_in(finance).get("/settlement/adjustments/", query)

    assert response.status_code == 200 and footer_of(response) == footer


def test_a_supplier_totals_only_its_own_approved_adjustments(adjusted, supplier_staff):
    response = logged_in(supplier_staff).get("/settlement/adjustments/")

    assert footer_of(response) == "已审批 1 笔 · ¥500.00"


def test_a_bad_adjustments_filter_totals_nothing(adjusted, finance):
    response = logged_in(finance).get("/settlement/adjustments/", {"date_from": "2026-10-02", "date_to": "2026-10-01"})

    assert response.status_code == 400 and footer_of(response) == "已审批 0 笔 · ¥0.00"


def test_the_adjustments_footer_reads_in_english(adjusted, finance):
    from tests.portal import page_in

    html = page_in(finance, "/settlement/adjustments/", "en")

    assert "Approved: 2 adjustments · ¥580.00" in html and "awaiting approval: 1 adjustment · -¥30.00 (not counted)" in html
    assert "rejected or withdrawn: 1 adjustment (never counted)" in html
