"""Downloads of the settlement lists as filtered (CSV and XLSX): every row the reader's page would list, in Chinese
columns, money with 2 places, the account a statement pays masked as the page masks it."""
# ruff: noqa: F811  (the statement fixtures are imported from test_portal and requested by name)
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from settlement.models import Adjustment, Statement
from settlement.services import adjustments
from suppliers.models import Supplier
from tests.factories import FIXED_NOW, SHANGHAI, SupplierFactory
from settlement.services.reconciliation import resolve_line
from tests.portal import downloaded, field_errors, logged_in
from tests.settlement.test_portal import compensate, draft, issued, upload  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2026, 9, 1)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def as_read(file_format: str, amount: str) -> str:
    """A whole amount as the download holds it: exactly its text with two places in a CSV; a number in a workbook,
    read back as the whole number (its 0.00 format is tested in tests/core/test_tabular.py)."""
    return amount if file_format == "csv" else str(int(Decimal(amount)))


def by_column(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_finance_downloads_every_statement_of_the_filter_with_the_account_it_pays(issued, other_supplier, finance, file_format):
    response = logged_in(finance).get(f"/settlement/statements/export.{file_format}")

    rows = by_column(downloaded(response))
    ours = next(row for row in rows if row["礼品商"] == issued.supplier.name)
    assert len(rows) == 2 and {row["礼品商"] for row in rows} == {issued.supplier.name, other_supplier.name}
    assert ours["结算月份"] == "2026-09" and ours["当前版本"] == "v1" and ours["状态"] == "已下发"
    assert ours["应付金额"] == as_read(file_format, "500.00") and ours["下发时间"] == f"{FIXED_NOW:%Y-%m-%d %H:%M}"
    # issued, not answered yet: it is deemed confirmed 10 days after it was issued, as the page says; not overdue
    assert ours["答复期限"] == f"{FIXED_NOW + timedelta(days=10):%Y-%m-%d %H:%M}" and ours["逾期未付"] == ""
    assert ours["开户银行"] == "中国工商银行杭州分行" and ours["银行账号"] == f"622202123456{issued.supplier.pk:04d}"
    assert f"statements-{FIXED_NOW:%Y%m%d}.{file_format}" in response["Content-Disposition"]


def test_the_download_applies_the_pages_filter(issued, other_supplier, finance):
    client = logged_in(finance)

    by_supplier = by_column(downloaded(client.get(f"/settlement/statements/export.csv?supplier={other_supplier.pk}&page=2")))
    by_state = by_column(downloaded(client.get("/settlement/statements/export.csv?state=issued")))

    assert [row["礼品商"] for row in by_supplier] == [other_supplier.name]
    assert [row["礼品商"] for row in by_state] == [issued.supplier.name]


def test_a_supplier_downloads_only_its_own_issued_statements(issued, supplier_staff, other_supplier_admin):
    own = by_column(downloaded(logged_in(supplier_staff).get("/settlement/statements/export.xlsx")))
    others = by_column(downloaded(logged_in(other_supplier_admin).get("/settlement/statements/export.csv")))

    assert [row["礼品商"] for row in own] == [issued.supplier.name]
    assert others == []  # its statement is still a draft: finance's work, not on its page either


def test_an_operator_downloads_the_account_number_masked_as_the_page_shows_it(issued, operator):
    rows = by_column(downloaded(logged_in(operator).get("/settlement/statements/export.csv")))

    shown = next(row for row in rows if row["礼品商"] == issued.supplier.name)["银行账号"]
    assert shown == "************" + f"{issued.supplier.pk:04d}"


def test_formula_like_cells_are_written_as_text(issued, finance):
    Supplier.objects.filter(pk=issued.supplier_id).update(name='=HYPERLINK("http://evil","x")')

    csv_rows = downloaded(logged_in(finance).get("/settlement/statements/export.csv"))
    xlsx_rows = downloaded(logged_in(finance).get("/settlement/statements/export.xlsx"))

    assert "'=HYPERLINK(\"http://evil\",\"x\")" in [row[0] for row in csv_rows]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in [row[0] for row in xlsx_rows]


def test_a_wrong_filter_is_a_400_naming_it_and_an_unknown_format_a_404(finance, member):
    client = logged_in(finance)

    wrong = client.get("/settlement/statements/export.csv?month=2026-13")

    assert wrong.status_code == 400 and "结算月份" in wrong.content.decode()
    assert client.get("/settlement/statements/export.pdf").status_code == 404
    assert logged_in(member.user).get("/settlement/statements/export.csv").status_code == 403


def test_the_list_page_links_its_downloads_with_the_current_filter(issued, finance):
    page = logged_in(finance).get("/settlement/statements/?state=issued").content.decode()

    assert 'href="/settlement/statements/export.csv?state=issued"' in page
    assert 'href="/settlement/statements/export.xlsx?state=issued"' in page


def test_the_statements_download_runs_the_same_queries_for_1_and_30_rows(operator, django_assert_num_queries):
    client = logged_in(operator)
    Statement.objects.create(supplier=SupplierFactory(), month=SEPTEMBER, generated_at=FIXED_NOW)
    with CaptureQueriesContext(connection) as one_row:
        assert len(downloaded(client.get("/settlement/statements/export.xlsx"))) == 2
    for _ in range(29):
        Statement.objects.create(supplier=SupplierFactory(), month=SEPTEMBER, generated_at=FIXED_NOW)

    with django_assert_num_queries(len(one_row.captured_queries)):
        rows = downloaded(client.get("/settlement/statements/export.xlsx"))

    assert len(rows) == 31


# --- adjustments ---------------------------------------------------------------------------------------------------

@pytest.fixture
def three_adjustments(supplier, other_supplier, finance, finance_checker) -> dict:
    """The supplier's approved compensation and pending penalty, the other supplier's approved compensation."""
    pending = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-30", reason="=1+1 迟发",
                                             actor=finance, now=FIXED_NOW)
    return {"approved": compensate(supplier, "500.00", maker=finance, checker=finance_checker), "pending": pending,
            "other": compensate(other_supplier, "80.00", maker=finance, checker=finance_checker)}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_finance_downloads_every_adjustment_of_the_filter(three_adjustments, finance, finance_checker, file_format):
    client = logged_in(finance)

    everything = by_column(downloaded(client.get(f"/settlement/adjustments/export.{file_format}")))
    pending = by_column(downloaded(client.get(f"/settlement/adjustments/export.{file_format}?state=proposed")))

    assert {row["调账单号"] for row in everything} == {a.number for a in three_adjustments.values()}
    approved = next(row for row in everything if row["调账单号"] == three_adjustments["approved"].number)
    assert (approved["类型"], approved["状态"], approved["原因"]) == ("补偿", "已审批", "活动补偿")
    assert approved["金额"] == as_read(file_format, "500.00") and approved["审批人"] == finance_checker.username
    assert approved["审批时间"] == "2026-09-10 15:00" and approved["创建时间"] == "2026-09-10 09:00"
    assert [row["调账单号"] for row in pending] == [three_adjustments["pending"].number]
    assert pending[0]["金额"] == as_read(file_format, "-30.00") and pending[0]["原因"] == "'=1+1 迟发"


@pytest.mark.parametrize(("query", "listed"), [
    ({"date_from": "2026-10-01", "date_to": "2026-10-31"}, ["other"]),
    ({"date_from": "2026-09-10", "date_to": "2026-09-10"}, ["approved"]),
    ({"source_kind": "complaint"}, ["pending"]),
    ({"source_kind": "other", "date_to": "2026-09-30"}, ["approved"]),
])
def test_finance_lists_and_downloads_the_adjustments_approved_on_some_days_and_of_a_source(three_adjustments, finance, query, listed):
    Adjustment.objects.filter(pk=three_adjustments["other"].pk).update(decided_at=datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI))
    Adjustment.objects.filter(pk=three_adjustments["pending"].pk).update(source_kind="complaint", source_id="CP-1")
    client = logged_in(finance)

    page = client.get("/settlement/adjustments/", query)
    rows = by_column(downloaded(client.get("/settlement/adjustments/export.csv", query)))

    expected = sorted(three_adjustments[name].number for name in listed)
    assert sorted(a.number for a in page.context["page_obj"]) == expected == sorted(row["调账单号"] for row in rows)


@pytest.mark.parametrize(("query", "listed"), [
    ({"decided_after": "2026-10-01T00:00:00+08:00", "decided_before": "2026-11-01T00:00:00+08:00"}, ["other"]),
    ({"decided_after": "2026-09-10T00:00:00+08:00", "decided_before": "2026-09-11T00:00:00+08:00"}, ["approved"]),
    ({"source_kind": "complaint"}, ["pending"]),
    ({"source_kind": "other", "decided_before": "2026-10-01T00:00:00+08:00"}, ["approved"]),
])
def test_the_adjustments_api_filters_by_source_and_the_time_decided_as_the_page_does(three_adjustments, finance, api, query, listed):
    Adjustment.objects.filter(pk=three_adjustments["other"].pk).update(decided_at=datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI))
    Adjustment.objects.filter(pk=three_adjustments["pending"].pk).update(source_kind="complaint", source_id="CP-1")

    response = api(finance).get("/api/v1/adjustments/", query)

    assert response.status_code == 200, response.content
    assert sorted(row["number"] for row in response.json()["results"]) == sorted(three_adjustments[name].number for name in listed)


@pytest.mark.parametrize(("name", "value"), [("source_kind", "nope"), ("decided_after", "yesterday"), ("decided_before", "9999-12-31T23:59:59")])
def test_a_bad_adjustments_filter_is_a_400_naming_it(finance, api, name, value):
    response = api(finance).get("/api/v1/adjustments/", {name: value})

    assert response.status_code == 400 and [error["attr"] for error in response.json()["errors"]] == [name]


def test_a_decided_range_the_wrong_way_round_is_named_on_the_adjustments_page(finance):
    response = logged_in(finance).get("/settlement/adjustments/", {"date_from": "2026-10-02", "date_to": "2026-10-01"})

    assert response.status_code == 400 and field_errors(response) == {"date_to": "结束日期不能早于开始日期"}


def test_a_supplier_downloads_only_its_own_approved_adjustments(three_adjustments, supplier_staff, finance):
    rows = by_column(downloaded(logged_in(supplier_staff).get("/settlement/adjustments/export.csv")))

    assert [row["调账单号"] for row in rows] == [three_adjustments["approved"].number]
    assert rows[0]["创建人"] != finance.username  # finance by its role, as on the supplier's list


def test_the_adjustments_page_links_its_downloads_and_a_wrong_filter_is_a_400(finance):
    client = logged_in(finance)

    page = client.get("/settlement/adjustments/?state=approved").content.decode()

    assert 'href="/settlement/adjustments/export.xlsx?state=approved"' in page
    assert client.get("/settlement/adjustments/export.csv?state=lost").status_code == 400
    assert client.get("/settlement/adjustments/export.txt").status_code == 404


def test_the_adjustments_download_runs_the_same_queries_for_1_and_20_rows(supplier, finance, django_assert_num_queries):
    client = logged_in(finance)

    def propose():
        adjustments.propose_adjustment(supplier=supplier, kind="compensation", amount="5", reason="补偿", actor=finance, now=FIXED_NOW)

    propose()
    with CaptureQueriesContext(connection) as one_row:
        downloaded(client.get("/settlement/adjustments/export.csv"))
    for _ in range(19):
        propose()

    with django_assert_num_queries(len(one_row.captured_queries)):
        rows = downloaded(client.get("/settlement/adjustments/export.csv"))

    assert len(rows) == 21


def test_a_download_of_more_rows_than_the_cap_asks_to_narrow_the_filter(operator, monkeypatch):
    for _ in range(3):
        Statement.objects.create(supplier=SupplierFactory(), month=SEPTEMBER, generated_at=FIXED_NOW)
    monkeypatch.setattr("core.exports.MAX_ROWS", 2)

    response = logged_in(operator).get("/settlement/statements/export.csv")

    assert response.status_code == 400 and "请缩小筛选范围" in response.content.decode()


def test_an_english_reader_downloads_english_headings_and_state_labels(issued, finance):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(finance)

    rows = by_column(downloaded(client.get("/settlement/statements/export.csv?state=issued")))

    assert [(row["Supplier"], row["Payable"], row["Status"]) for row in rows] == [(issued.supplier.name, "500.00", "Issued")]


def links_both_formats(page: str, path: str, query: str = "") -> bool:
    """Whether the page links the download at `path` as CSV and as XLSX, with the page's filter `query`."""
    return all(f'href="{path}.{file_format}{query}"' in page for file_format in ("csv", "xlsx"))


@pytest.fixture
def reconciled(issued, supplier_admin, finance):
    """The supplier's file: two orders we never booked, RO-1 still to resolve and RO-9 written off by finance."""
    found = upload(logged_in(supplier_admin), issued, ["订单号,SKU,类型,数量,金额", "RO-1,SKU-A,配送,1,180.00", "RO-9,SKU-9,配送,1,10.00"])
    resolve_line(line=found.lines.get(order_number="RO-9"), resolution="write_off", actor=finance, now=FIXED_NOW, note="对方多报")
    return found


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_reconciliations_lines_download_as_its_filter_lists_them_for_those_who_may_open_it(
    reconciled, finance, supplier_admin, supplier_staff, file_format,
):
    url = f"/settlement/reconciliations/{reconciled.pk}/export.{file_format}"

    for user in (finance, supplier_admin, supplier_staff):
        client = logged_in(user)
        theirs = by_column(downloaded(client.get(f"{url}?category=missing_in_ours&page=2")))
        matched = by_column(downloaded(client.get(f"{url}?category=matched")))
        still_open = by_column(downloaded(client.get(f"{url}?unresolved=1")))

        assert [(row["文件行号"], row["订单号"], row["SKU"], row["礼品商金额"], row["平台金额"], row["结果"]) for row in theirs] == [
            ("2", "RO-1", "SKU-A", as_read(file_format, "180.00"), "", "平台无此记录"),
            ("3", "RO-9", "SKU-9", as_read(file_format, "10.00"), "", "平台无此记录")]
        assert (theirs[0]["处理"], theirs[1]["处理"], theirs[1]["处理说明"]) == ("", "核销", "对方多报")
        assert matched == [] and [row["订单号"] for row in still_open] == ["RO-1"]
    assert f"reconciliation-202609-v1-{FIXED_NOW:%Y%m%d}.{file_format}" in logged_in(finance).get(url)["Content-Disposition"]


def test_the_reconciliation_page_links_its_download_with_the_filter_it_shows(reconciled, finance):
    page = logged_in(finance).get(f"/settlement/reconciliations/{reconciled.pk}/?category=missing_in_ours").content.decode()

    assert links_both_formats(page, f"/settlement/reconciliations/{reconciled.pk}/export", "?category=missing_in_ours")


def test_a_reconciliations_download_is_not_found_for_another_supplier_and_answers_each_role_as_its_page_does(
    reconciled, other_supplier_admin, operator, logistics,
):
    url = f"/settlement/reconciliations/{reconciled.pk}/export.csv"

    assert logged_in(other_supplier_admin).get(url).status_code == 404
    assert [logged_in(user).get(url).status_code for user in (operator, logistics)] == [
        logged_in(user).get(f"/settlement/reconciliations/{reconciled.pk}/").status_code for user in (operator, logistics)] == [200, 403]
    assert logged_in(other_supplier_admin).get(f"/settlement/reconciliations/{reconciled.pk}/export.pdf").status_code == 404


def test_a_bad_filter_refuses_the_reconciliation_download_naming_it(reconciled, finance):
    response = logged_in(finance).get(f"/settlement/reconciliations/{reconciled.pk}/export.csv?category=nonsense")

    assert response.status_code == 400 and "筛选条件有误" in response.content.decode()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_versions_lines_download_holds_every_line_of_the_version_section_by_section_for_the_statements_readers(
    negative, finance, operator, supplier_admin, supplier_staff, file_format,
):
    url = f"/settlement/statements/{negative.pk}/versions/1/lines.{file_format}"

    for user in (finance, operator, supplier_admin, supplier_staff):
        rows = by_column(downloaded(logged_in(user).get(url)))

        assert [(row["部分"], row["金额"], row["首次出现的版本"]) for row in rows] == [
            ("配送结算", as_read(file_format, "50.00"), "v1"), ("调账", as_read(file_format, "-80.00"), "v1")]
        assert "延迟发货" in rows[1]["说明"]
    assert f"statement-202610-v1-lines-{FIXED_NOW:%Y%m%d}.{file_format}" in logged_in(finance).get(url)["Content-Disposition"]


def test_the_statement_page_links_each_versions_lines_download(negative, supplier_admin):
    page = logged_in(supplier_admin).get(f"/settlement/statements/{negative.pk}/").content.decode()

    assert links_both_formats(page, f"/settlement/statements/{negative.pk}/versions/1/lines")


def test_a_versions_lines_download_is_not_found_for_another_supplier_or_version_and_refused_to_other_roles(
    negative, other_supplier_admin, supplier_admin, logistics,
):
    url = f"/settlement/statements/{negative.pk}/versions/1/lines.csv"

    assert logged_in(other_supplier_admin).get(url).status_code == 404
    assert logged_in(logistics).get(url).status_code == 403
    assert logged_in(supplier_admin).get(f"/settlement/statements/{negative.pk}/versions/2/lines.csv").status_code == 404
    assert logged_in(supplier_admin).get(f"/settlement/statements/{negative.pk}/versions/1/lines.pdf").status_code == 404


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_versions_lines_download_gives_quantities_as_numbers_a_spreadsheet_sums(finance, file_format):
    from tests.settlement.test_pdf import a_statement, version_1_of

    statement = a_statement(FIXED_NOW)
    version_1_of(statement, FIXED_NOW)

    response = logged_in(finance).get(f"/settlement/statements/{statement.pk}/versions/1/lines.{file_format}")

    if file_format == "csv":
        rows = by_column(downloaded(response))
        quantities = {row["部分"]: row["数量"] for row in rows if row["部分"] != "配送结算"}
        assert quantities == {"退货冲减": "-1", "额外费用": "1", "调账": ""}
    else:
        import io

        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)).active
        heading = [cell.value for cell in sheet[1]]
        section, quantity = heading.index("部分"), heading.index("数量")
        cells = {row[section]: row[quantity] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert cells == {"配送结算": 1, "退货冲减": -1, "额外费用": 1, "调账": None}
        assert sum(row[quantity] or 0 for row in sheet.iter_rows(min_row=2, values_only=True)) == 130 - 1 + 1
