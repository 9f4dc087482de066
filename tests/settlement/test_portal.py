"""Portal pages of settlement: finance's months, statements, adjustments and reconciliations; the supplier's
statements with confirm, dispute, invoice and its own reconciliation file; PDFs scoped to the supplier; operators
reading every statement without acting on it."""
import hashlib
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.core.files.uploadedfile import SimpleUploadedFile

from settlement.models import Adjustment, GenerationRun, Reconciliation, Statement
from settlement.services import adjustments, generation, statements
from settlement.services.reconciliation import resolve_line, upload_reconciliation
from suppliers.models import BankAccount
from tests.factories import FIXED_NOW, SHANGHAI, ApplicantFactory, SupplierFactory
from tests.portal import field_errors, listed, logged_in, nav, page_in, seen_by

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2026, 9, 1)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    """The pages read the clock: hold it at the fixed `now` (mid-October, September has ended)."""
    time_machine.move_to(FIXED_NOW, tick=False)


def compensate(supplier, amount: str, *, maker, checker) -> Adjustment:
    """An adjustment approved in September, which September's statement books (a negative amount: a penalty)."""
    kind = "penalty" if amount.startswith("-") else "compensation"
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind=kind, amount=amount, reason="活动补偿",
                                                actor=maker, now=datetime(2026, 9, 10, 9, tzinfo=SHANGHAI))
    return adjustments.approve_adjustment(adjustment=adjustment, actor=checker, now=datetime(2026, 9, 10, 15, tzinfo=SHANGHAI))


@pytest.fixture
def draft(supplier, other_supplier, finance, finance_checker) -> Statement:
    """September generated for both suppliers (each with a bank account approved in January); the supplier's draft."""
    for owner, amount in ((supplier, "500.00"), (other_supplier, "80.00")):
        BankAccount.objects.create(supplier=owner, bank_name="中国工商银行杭州分行", account_name=owner.name,
                                   account_number=f"622202123456{owner.pk:04d}", approved_at=datetime(2026, 1, 5, tzinfo=SHANGHAI))
        compensate(owner, amount, maker=finance, checker=finance_checker)
    generation.generate_now(month=SEPTEMBER, actor=finance, now=datetime(2026, 10, 1, 2, tzinfo=SHANGHAI))
    return Statement.objects.get(supplier=supplier)


@pytest.fixture
def issued(draft, finance) -> Statement:
    return statements.issue_statement(statement=draft, actor=finance, now=FIXED_NOW)


@pytest.fixture
def disputed(issued, supplier_admin) -> Statement:
    return statements.dispute_statement(statement=issued, actor=supplier_admin, now=FIXED_NOW, reason="少计一笔补偿")


def act(client, statement, name: str, data: dict | None = None):
    return client.post(f"/settlement/statements/{statement.pk}/{name}/", data or {})


# --- navigation and roles ------------------------------------------------------------------------------------------

def test_finance_and_suppliers_see_the_settlement_pages_in_the_navigation(finance, supplier_staff):
    finance_nav = nav(logged_in(finance).get("/"))
    supplier_nav = nav(logged_in(supplier_staff).get("/"))

    assert all(label in finance_nav for label in ("结算月份", "结算单", "调账", "对账", "物流索赔"))
    assert all(label in supplier_nav for label in ("结算单", "调账", "对账")) and "结算月份" not in supplier_nav


def test_each_page_renders_for_its_roles(issued, finance, supplier_admin, supplier_staff):
    finance_pages = ["/settlement/months/", "/settlement/statements/", "/settlement/adjustments/", "/settlement/adjustments/new/",
                     "/settlement/reconciliations/", f"/settlement/statements/{issued.pk}/"]
    supplier_pages = ["/settlement/statements/", "/settlement/adjustments/", "/settlement/reconciliations/",
                      f"/settlement/statements/{issued.pk}/"]

    assert [logged_in(finance).get(url).status_code for url in finance_pages] == [200] * len(finance_pages)
    for user in (supplier_admin, supplier_staff):
        assert [logged_in(user).get(url).status_code for url in supplier_pages] == [200] * len(supplier_pages)
    assert logged_in(supplier_admin).get("/settlement/months/").status_code == 403
    assert logged_in(supplier_admin).get("/settlement/adjustments/new/").status_code == 403


@pytest.mark.parametrize("role", ["member", "logistics"])
def test_members_and_logistics_may_not_open_the_statements(issued, role, request):
    user = request.getfixturevalue(role)
    client = logged_in(getattr(user, "user", user))

    assert client.get("/settlement/statements/").status_code == 403
    assert client.get(f"/settlement/statements/{issued.pk}/").status_code == 403
    assert client.get(f"/settlement/statements/{issued.pk}/versions/1/pdf/").status_code == 403
    assert "结算单" not in nav(client.get("/"))


# --- operators read the statements ---------------------------------------------------------------------------------

def test_an_operator_finds_every_statement_in_the_navigation_and_filters_them(draft, other_supplier, operator):
    client = logged_in(operator)

    everything = client.get("/settlement/statements/").content.decode()
    by_supplier = client.get(f"/settlement/statements/?supplier={other_supplier.pk}").content.decode()
    by_state = client.get("/settlement/statements/?state=issued").content.decode()

    assert "结算单" in nav(client.get("/")) and "结算月份" not in nav(client.get("/"))
    assert everything.count("data-statement=") == 2 and 'name="supplier"' in everything
    assert by_supplier.count("data-statement=") == 1 and f'data-statement="{draft.pk}"' not in by_supplier
    assert by_state.count("data-statement=") == 0


def test_the_operators_statement_list_is_paginated_by_twenty(operator):
    for _ in range(21):
        Statement.objects.create(supplier=SupplierFactory(), month=SEPTEMBER, generated_at=FIXED_NOW)
    client = logged_in(operator)

    first = client.get("/settlement/statements/").content.decode()
    second = client.get("/settlement/statements/?page=2").content.decode()

    assert first.count("data-statement=") == 20 and "第 1 / 2 页" in first
    assert second.count("data-statement=") == 1


def test_the_statement_list_jumps_to_its_first_last_or_any_page_keeping_the_filters(operator):
    for month, count in ((SEPTEMBER, 41), (date(2026, 8, 1), 3)):
        for _ in range(count):
            Statement.objects.create(supplier=SupplierFactory(), month=month, generated_at=FIXED_NOW)
    client = logged_in(operator)

    def opened(query: str) -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/settlement/statements/?{query}").content.decode()
        return page, len(queries.captured_queries)

    (first, first_queries), (middle, _queries) = opened("month=2026-09"), opened("month=2026-09&page=2")
    jump = first.split('data-testid="page-jump"', 1)[1].split("</form>", 1)[0]
    last, last_queries = opened("month=2026-09&page=3")  # the page the jump form sends with 3 in its box

    assert "第 1 / 3 页" in first and 'href="?month=2026-09&amp;page=3" data-page="last"' in first
    assert 'data-page="first"' not in first and 'data-page="previous"' not in first
    assert 'type="hidden" name="month" value="2026-09"' in jump and 'name="page"' in jump and 'max="3"' in jump
    assert 'href="?month=2026-09&amp;page=1" data-page="first"' in middle and 'href="?month=2026-09&amp;page=3" data-page="last"' in middle
    assert last.count("data-statement=") == 1 and 'data-page="last"' not in last and 'data-page="first"' in last
    assert first_queries == last_queries


def test_the_statement_list_page_runs_the_same_queries_for_1_and_20_rows(operator):
    client = logged_in(operator)

    def page_with(rows: int) -> int:
        while Statement.objects.count() < rows:
            Statement.objects.create(supplier=SupplierFactory(), month=SEPTEMBER, generated_at=FIXED_NOW)
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/settlement/statements/").content.decode()
        assert page.count("data-statement=") == rows
        return len(queries.captured_queries)

    assert page_with(1) == page_with(20)


def test_supplier_staff_on_an_issued_statement_are_told_their_admin_confirms_or_disputes_it(issued, supplier_admin, supplier_staff):
    url = f"/settlement/statements/{issued.pk}/"

    chinese, english = page_in(supplier_staff, url, "zh-hans"), page_in(supplier_staff, url, "en")

    assert f"结算单由礼品商管理员（{supplier_admin.username}）确认或提出异议；员工账号只能查看。" in chinese
    assert f"Your supplier admin ({supplier_admin.username}) confirms this statement or disputes it" in english
    assert "无需您处理" not in chinese and 'data-action="confirm"' in page_in(supplier_admin, url, "zh-hans")


def test_supplier_staff_on_a_confirmed_statement_are_told_their_admin_enters_the_invoice(issued, supplier_admin, supplier_staff):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=FIXED_NOW)
    url = f"/settlement/statements/{issued.pk}/"

    chinese, english = page_in(supplier_staff, url, "zh-hans"), page_in(supplier_staff, url, "en")

    assert f"结算单已确认，由礼品商管理员（{supplier_admin.username}）登记发票；员工账号只能查看。" in chinese
    assert f"your supplier admin ({supplier_admin.username}) enters its invoice" in english
    assert "无需您处理" not in chinese and 'data-action="invoice"' in page_in(supplier_admin, url, "zh-hans")


@pytest.mark.parametrize("step", ["confirm", "reconcile"])
@pytest.mark.parametrize(("language", "hint", "not_hint"), [
    ("zh-hans", "如需权限，请联系贵司管理员。", "平台运营"),
    ("en", "Ask your company's administrator if you need access.", "operators"),
])
def test_supplier_staff_refused_an_admins_step_are_sent_to_their_own_admin_not_the_operators(
        issued, supplier_staff, step, language, hint, not_hint):
    response = logged_in(supplier_staff).post(f"/settlement/statements/{issued.pk}/{step}/", HTTP_ACCEPT_LANGUAGE=language)

    html = response.content.decode()
    assert response.status_code == 403 and 'data-testid="error-403"' in html
    assert hint in html and not_hint not in html


def test_a_supplier_admin_refused_a_page_is_still_sent_to_the_operators(issued, supplier_admin):
    response = logged_in(supplier_admin).get("/settlement/months/")

    html = response.content.decode()
    assert response.status_code == 403 and "如需权限，请联系平台运营。" in html and "贵司管理员" not in html


def test_an_operator_reads_a_statement_with_its_lines_versions_and_history_but_takes_no_step(issued, operator):
    version = statements.current_version(issued)

    page = logged_in(operator).get(f"/settlement/statements/{issued.pk}/").content.decode()

    assert 'data-testid="versions"' in page and 'data-version="1"' in page
    assert 'data-testid="section-adjustment"' in page and "合计 ¥500.00" in page
    adjustment_rows = page.split('data-testid="section-adjustment"', 1)[1].split("</table>", 1)[0]
    assert '<td class="num"></td>' in adjustment_rows and '<td class="num">0</td>' not in adjustment_rows
    assert 'data-testid="history"' in page and 'data-testid="no-actions"' in page
    assert version.pdf_sha256 in page and 'data-testid="pdf-link"' not in page


def test_an_operator_sees_the_bank_account_number_masked_and_cannot_download_the_pdf(issued, operator):
    version = statements.current_version(issued)
    client = logged_in(operator)

    page = client.get(f"/settlement/statements/{issued.pk}/").content.decode()

    assert version.account_number not in page and version.account_number[-4:] in page
    assert client.get(f"/settlement/statements/{issued.pk}/versions/1/pdf/").status_code == 403


def test_an_operator_may_not_act_on_a_statement_and_it_stays_as_it_was(issued, operator):
    response = act(logged_in(operator), issued, "confirm")

    issued.refresh_from_db()
    assert response.status_code == 403 and issued.state == "issued"


def test_a_supplier_still_lists_only_its_own_statements(issued, supplier_staff):
    page = logged_in(supplier_staff).get("/settlement/statements/").content.decode()

    assert page.count("data-statement=") == 1 and f'data-statement="{issued.pk}"' in page


# --- months --------------------------------------------------------------------------------------------------------

def test_finance_generates_a_month_and_sees_the_run_and_the_payables_chart(supplier, finance, finance_checker,
                                                                            django_capture_on_commit_callbacks):
    compensate(supplier, "500.00", maker=finance, checker=finance_checker)
    client = logged_in(finance)

    with django_capture_on_commit_callbacks(execute=True):  # the generation task runs eagerly after commit
        response = client.post("/settlement/months/", {"month": "2026-09"})

    assert response.status_code == 302
    run = GenerationRun.objects.get()
    assert (run.status, run.percent, run.statements_created) == ("finished", 100, 1)
    page = client.get("/settlement/months/").content.decode()
    assert 'data-month="2026-09"' in page and 'value="100"' in page
    assert 'data-label="2026-09"' not in page  # a draft is not charted
    BankAccount.objects.create(supplier=supplier, bank_name="中国银行", account_name=supplier.name, account_number="6216600000001234",
                               approved_at=datetime(2026, 1, 5, tzinfo=SHANGHAI))
    statements.issue_statement(statement=Statement.objects.get(), actor=finance, now=FIXED_NOW)
    page = client.get("/settlement/months/").content.decode()
    assert '<svg class="chart"' in page and 'data-label="2026-09" data-value="500.00"' in page
    assert 'data-testid="chart-caption"' in page
    assert '<td>2026-09</td><td class="num">¥500.00</td><td class="num" data-testid="carried">¥0.00</td>' in page  # as money is shown elsewhere


def test_every_generation_run_is_on_a_page_of_the_months_page_and_one_running_on_a_later_page_still_reloads_it(finance):
    for n in range(25):  # the oldest still running
        GenerationRun.objects.create(month=date(2024 + n // 12, n % 12 + 1, 1), started_at=FIXED_NOW - timedelta(days=25 - n),
                                     status="running" if n == 0 else "finished", finished_at=None if n == 0 else FIXED_NOW)
    client = logged_in(finance)

    first, second = (client.get("/settlement/months/", {"page": page}) for page in (1, 2))

    shown = [run.month for page in (first, second) for run in page.context["page_obj"]]
    assert len(shown) == 25 == len(set(shown)) and 'data-month="2024-01"' in second.content.decode()
    assert 'data-testid="pagination"' in first.content.decode() and "window.location.reload" in first.content.decode()


def test_a_run_the_beat_started_names_the_system_in_the_readers_language(finance):
    generation.generate_now(month=date(2026, 9, 1), actor=None, now=FIXED_NOW)
    client = logged_in(finance)

    chinese = client.get("/settlement/months/").content.decode().split('data-testid="runs"', 1)[1]
    english = client.get("/settlement/months/", HTTP_ACCEPT_LANGUAGE="en").content.decode().split('data-testid="runs"', 1)[1]

    assert "<td>系统</td>" in chinese and "<td>System</td>" in english and "system" not in chinese


@pytest.mark.parametrize("month", ["2026-13", "2026-10", ""])
def test_a_malformed_or_unfinished_month_is_refused_next_to_the_field(finance, month):
    response = logged_in(finance).post("/settlement/months/", {"month": month})

    assert response.status_code == 200 and "month" in field_errors(response)
    assert not GenerationRun.objects.exists()


# --- statements ----------------------------------------------------------------------------------------------------

def test_finance_filters_statements_by_month_state_and_supplier(draft, other_supplier, finance):
    client = logged_in(finance)

    everything = client.get("/settlement/statements/").content.decode()
    by_supplier = client.get(f"/settlement/statements/?supplier={other_supplier.pk}").content.decode()
    by_state = client.get("/settlement/statements/?state=issued").content.decode()
    by_month = client.get("/settlement/statements/?month=2026-08").content.decode()

    assert everything.count("data-statement=") == 2
    assert by_supplier.count("data-statement=") == 1 and f'data-statement="{draft.pk}"' not in by_supplier
    assert by_state.count("data-statement=") == 0 and by_month.count("data-statement=") == 0


def test_another_suppliers_statement_pdf_and_reconciliation_are_not_found(issued, other_supplier_admin, supplier_admin):
    reconciliation = upload(logged_in(supplier_admin), issued)
    client = logged_in(other_supplier_admin)

    listing = client.get("/settlement/statements/").content.decode()

    assert f'data-statement="{issued.pk}"' not in listing
    assert client.get(f"/settlement/statements/{issued.pk}/").status_code == 404
    assert client.get(f"/settlement/statements/{issued.pk}/versions/1/pdf/").status_code == 404
    assert client.get(f"/settlement/reconciliations/{reconciliation.pk}/").status_code == 404
    assert client.post(f"/settlement/statements/{issued.pk}/confirm/").status_code == 404
    issued.refresh_from_db()
    assert issued.state == "issued"


def test_finance_issues_a_draft_and_the_version_shows_its_account_and_pdf_checksum(draft, finance, supplier_staff):
    response = act(logged_in(finance), draft, "issue", {"reason": "9月结算"})

    draft.refresh_from_db()
    version = statements.current_version(draft)
    assert response.status_code == 302 and draft.state == "issued"
    page = logged_in(supplier_staff).get(f"/settlement/statements/{draft.pk}/").content.decode()
    assert version.account_number in page and version.pdf_sha256 in page
    download = logged_in(supplier_staff).get(f"/settlement/statements/{draft.pk}/versions/1/pdf/")
    body = b"".join(download.streaming_content)
    assert download["Content-Disposition"].startswith("attachment") and hashlib.sha256(body).hexdigest() == version.pdf_sha256


def test_the_lines_of_a_version_are_grouped_by_section_with_its_total(issued, finance):
    page = logged_in(finance).get(f"/settlement/statements/{issued.pk}/?version=1").content.decode()

    assert 'data-testid="section-adjustment"' in page and "合计 ¥500.00" in page
    adjustment_rows = page.split('data-testid="section-adjustment"', 1)[1].split("</table>", 1)[0]
    assert '<td class="num"></td>' in adjustment_rows and '<td class="num">0</td>' not in adjustment_rows
    assert "9月结算" not in page and 'data-testid="history"' in page


def test_a_statements_versions_lines_adjustments_and_reconciliation_show_their_money_with_the_yuan_mark(issued, supplier_admin, finance):
    reconciliation = upload(logged_in(supplier_admin), issued)

    statement = page_in(finance, f"/settlement/statements/{issued.pk}/?version=1", "zh-hans")
    adjustment_list = page_in(finance, "/settlement/adjustments/", "zh-hans")
    reconciled = page_in(finance, f"/settlement/reconciliations/{reconciliation.pk}/", "en")

    version = re.search(r'<tr data-version="1".*?</tr>', statement, re.S).group(0)
    assert re.findall(r'<td class="num">(?:<strong>)?([^<]*)', version) == ["¥0.00", "¥0.00", "¥0.00", "¥500.00", "¥0.00", "¥500.00"]
    assert '<td class="num">¥500.00</td>' in statement.split('data-testid="section-adjustment"', 1)[1].split("</table>", 1)[0]
    assert '<td class="num">¥500.00</td>' in adjustment_list
    summary = reconciled.split('data-testid="summary"', 1)[1].split("</table>", 1)[0]
    assert '<td class="num" data-testid="theirs-gross">¥180.00</td>' in summary
    line = re.search(r'<tr data-line=.*?</tr>', reconciled, re.S).group(0)
    assert '<td class="num">¥180.00</td><td class="num">—</td>' in line


def test_issuing_is_called_下发_on_the_buttons_in_the_history_and_over_the_issue_dates(draft, finance):
    client = logged_in(finance)
    before = client.get(f"/settlement/statements/{draft.pk}/").content.decode()
    act(client, draft, "issue")

    after = client.get(f"/settlement/statements/{draft.pk}/").content.decode()
    english = client.get(f"/settlement/statements/{draft.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    history = after.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert re.search(r'data-action="issue"\s+onclick="return confirm\(\'下发后本版本内容不可更改[^"]*确定下发？\'\)">下发<', before)  # asked first
    assert re.search(r"<td>下发</td><td>草稿</td><td>已下发</td>", history)
    assert "出具" not in after
    versions = english.split('data-testid="versions"', 1)[1].split("</thead>", 1)[0]
    assert "<th>Issued at</th>" in versions and "<th>Issue</th>" not in versions
    assert "<title>Statement 2026-09" in english and "<h1>Statement 2026-09 ·" in english


def test_the_supplier_sees_by_when_to_answer_an_issued_statement_on_its_page_and_in_the_list(issued, supplier_admin):
    client = logged_in(supplier_admin)

    page = client.get(f"/settlement/statements/{issued.pk}/").content.decode()
    listing = client.get("/settlement/statements/").content.decode()

    deadline = f"{timezone.localtime(issued.issued_at + timedelta(days=10)):%Y-%m-%d %H:%M}"
    assert f'data-testid="respond-by">{deadline}' in page and f'data-testid="respond-by">{deadline}' in listing


def test_finance_filters_the_receivables_and_records_a_collection_on_the_page(receivable, finance):
    client = logged_in(finance)

    listed = client.get("/settlement/statements/?receivable=on").content.decode()
    missing = act(client, receivable, "record_collection", {"reference": "", "amount": "30.00", "collected_on": "2026-10-14"})
    act(client, receivable, "record_collection", {"reference": "CMB-IN-7", "amount": "30.00", "collected_on": "2026-10-14"})

    receivable.refresh_from_db()
    page = client.get(f"/settlement/statements/{receivable.pk}/").content.decode()
    assert f'data-statement="{receivable.pk}"' in listed and listed.count("data-statement=") == 1
    assert missing.status_code == 400 and "reference" in field_errors(missing)
    assert (receivable.state, receivable.collection_reference, receivable.collected_by) == ("collected", "CMB-IN-7", finance)
    assert 'data-testid="collection">CMB-IN-7 · 2026-10-14 · finance' in page


def test_the_statements_page_and_the_api_list_the_same_statements_for_receivable_yes_and_no(receivable, other_issued, finance):
    page = {word: listed(finance, "/settlement/statements/", receivable=word) for word in ("true", "false")}
    api = {word: listed(finance, "/api/v1/statements/", receivable=word) for word in ("true", "false")}

    assert page == api == {"true": [receivable.pk], "false": [other_issued.pk]}


def test_supplier_staff_read_but_only_the_admin_answers(issued, supplier_staff):
    client = logged_in(supplier_staff)

    page = client.get(f"/settlement/statements/{issued.pk}/").content.decode()
    response = act(client, issued, "confirm")

    assert 'data-action="confirm"' not in page and response.status_code == 403
    issued.refresh_from_db()
    assert issued.state == "issued"


def test_reissuing_an_unchanged_version_needs_a_reason_next_to_the_field(disputed, finance):
    client = logged_in(finance)
    page = client.get(f"/settlement/statements/{disputed.pk}/").content.decode()

    response = act(client, disputed, "reissue", {"reason": ""})

    disputed.refresh_from_db()
    assert 'data-testid="pending-unchanged"' in page and 'data-testid="pending-payable"><strong>¥500.00</strong>' in page
    assert response.status_code == 400 and "reason" in field_errors(response) and disputed.state == "disputed"


def test_a_dispute_without_a_reason_shows_the_error_next_to_the_field(issued, supplier_admin):
    response = act(logged_in(supplier_admin), issued, "dispute", {"reason": ""})

    assert response.status_code == 400 and "reason" in field_errors(response)
    issued.refresh_from_db()
    assert issued.state == "issued"


def test_once_the_time_to_answer_is_over_the_statement_page_offers_no_dispute_and_refuses_one_posted(issued, supplier_admin,
                                                                                                     time_machine):
    url = f"/settlement/statements/{issued.pk}/"
    time_machine.move_to(FIXED_NOW + timedelta(days=10) - timedelta(minutes=1), tick=False)
    in_time = page_in(supplier_admin, url, "zh-hans")
    time_machine.move_to(FIXED_NOW + timedelta(days=10), tick=False)

    chinese, english = page_in(supplier_admin, url, "zh-hans"), page_in(supplier_admin, url, "en")
    response = act(logged_in(supplier_admin), issued, "dispute", {"reason": "金额不对"})

    assert 'data-action="dispute"' in in_time and 'data-testid="answer-time-over"' not in in_time
    assert 'data-action="dispute"' not in chinese and 'data-action="confirm"' in chinese
    assert "提出异议：答复期限 2026-10-25 10:00 已过，视同确认，不能再提出异议" in chinese
    assert 'data-testid="answer-time-over"' in chinese and "此后上传的对账文件仍会比对，但不再延长期限" in chinese
    assert "The time to answer ended at 2026-10-25 10:00: the statement is deemed confirmed and can no longer be disputed" in english
    assert response.status_code == 409 and "视同确认，不能再提出异议" in response.content.decode()
    issued.refresh_from_db()
    assert (issued.state, issued.dispute_reason) == ("issued", "")


def test_the_statement_page_reads_the_time_to_answer_once_for_its_deadline_its_warning_and_the_refused_dispute(
    issued, supplier_admin, time_machine, monkeypatch
):
    time_machine.move_to(FIXED_NOW + timedelta(days=10), tick=False)
    real, calls = statements.respond_by, []
    monkeypatch.setattr(statements, "respond_by", lambda statement: calls.append(statement.pk) or real(statement))

    page = page_in(supplier_admin, f"/settlement/statements/{issued.pk}/", "zh-hans")

    assert calls == [issued.pk]
    assert 'data-testid="respond-by">2026-10-25 10:00' in page and 'data-testid="answer-time-over"' in page
    assert "提出异议：答复期限 2026-10-25 10:00 已过，视同确认，不能再提出异议" in page


def test_a_file_uploaded_once_the_time_to_answer_is_over_is_matched_and_the_page_says_it_extends_nothing(issued, supplier_admin,
                                                                                                         time_machine):
    client = logged_in(supplier_admin)
    time_machine.move_to(FIXED_NOW + timedelta(days=10, hours=1), tick=False)

    page = client.get(f"/settlement/statements/{issued.pk}/reconcile/").content.decode()
    found = upload(client, issued)

    assert 'data-testid="answer-time-over"' in page and "答复期限 2026-10-25 10:00 已过，结算单视同确认" in page
    assert found is not None and found.row_count == 1
    assert statements.respond_by(issued) == FIXED_NOW + timedelta(days=10)


def test_a_dispute_is_answered_by_an_adjustment_of_one_finance_user_approved_by_another_and_a_new_version(
    disputed, finance, finance_checker, supplier_admin,
):
    maker, checker = logged_in(finance), logged_in(finance_checker)

    form_page = maker.get(f"/settlement/statements/{disputed.pk}/adjustments/new/").content.decode()
    created = maker.post(f"/settlement/statements/{disputed.pk}/adjustments/new/",
                         {"kind": "dispute", "amount": "120.00", "reason": "补计补偿", "source_kind": "other", "source_id": "",
                          "token": "dispute-1"})
    adjustment = Adjustment.objects.get(statement=disputed)
    own_view = maker.get("/settlement/adjustments/?state=proposed").content.decode()
    maker_try = maker.post(f"/settlement/adjustments/{adjustment.pk}/approve/", {})
    adjustment.refresh_from_db()
    assert "少计一笔补偿" in form_page and created.status_code == 302
    assert 'data-testid="awaiting-checker"' in own_view and 'data-action="approve"' not in own_view
    assert maker_try.status_code == 403 and adjustment.state == "proposed"

    checker.post(f"/settlement/adjustments/{adjustment.pk}/approve/", {"note": "核对无误"})
    before = maker.get(f"/settlement/statements/{disputed.pk}/").content.decode()
    assert 'data-testid="pending-payable"><strong>¥620.00</strong>' in before and 'data-testid="pending-unchanged"' not in before
    reissued = act(maker, disputed, "reissue", {"reason": "按异议补计"})

    disputed.refresh_from_db()
    assert reissued.status_code == 302 and (disputed.state, disputed.version, disputed.payable) == ("issued", 2, 620)
    page = logged_in(supplier_admin).get(f"/settlement/statements/{disputed.pk}/").content.decode()
    assert 'data-version="1"' in page and 'data-version="2"' in page and "按异议补计" in page


def test_an_invoice_must_equal_the_payable_then_finance_approves_and_pays(issued, supplier_admin, finance, finance_checker):
    supplier, money, checker = logged_in(supplier_admin), logged_in(finance), logged_in(finance_checker)
    act(supplier, issued, "confirm")

    wrong = act(supplier, issued, "invoice", {"number": "33012345", "amount": "499.00"})
    issued.refresh_from_db()
    assert wrong.status_code == 400 and "amount" in field_errors(wrong) and issued.state == "confirmed"

    act(supplier, issued, "invoice", {"number": "33012345", "amount": "500.00"})
    page = money.get(f"/settlement/statements/{issued.pk}/").content.decode()
    assert 'data-testid="needs-other-approve_payment"' in page and 'data-action="approve_payment"' not in page
    act(checker, issued, "approve_payment")
    page = checker.get(f"/settlement/statements/{issued.pk}/").content.decode()
    assert 'data-testid="needs-other-pay"' in page and 'data-action="pay"' not in page
    no_reference = act(money, issued, "pay", {"reference": "", "paid_on": "2026-10-15"})
    future = act(money, issued, "pay", {"reference": "PAY-1", "paid_on": "2026-10-20"})
    assert "reference" in field_errors(no_reference) and "paid_on" in field_errors(future)
    act(money, issued, "pay", {"reference": "PAY-1", "paid_on": "2026-10-15"})

    issued.refresh_from_db()
    assert (issued.state, issued.invoice_number, issued.payment_reference) == ("paid", "33012345", "PAY-1")


def test_the_invoice_number_field_says_its_rule_before_any_submit_in_the_readers_language(issued, supplier_admin):
    supplier = logged_in(supplier_admin)
    act(supplier, issued, "confirm")

    page = supplier.get(f"/settlement/statements/{issued.pk}/").content.decode()
    form = re.search(r'<form[^>]*data-testid="action-invoice".*?</form>', page, re.S).group(0)
    assert re.search(r'<input[^>]*name="number"[^>]*></label><small class="help">8位（增值税发票）或20位（全电发票）数字</small>', form)
    english = supplier.get(f"/settlement/statements/{issued.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "8 digits (VAT invoice) or 20 digits (fully digital e-invoice)" in english

    wrong = act(supplier, issued, "invoice", {"number": "3301234", "amount": "500.00"})
    assert "发票号码 3301234 无效：应为8位（增值税发票）或20位（全电发票）数字" in field_errors(wrong).values()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_a_payment_day_outside_the_business_years_is_shown_next_to_it_and_pays_nothing(issued, supplier_admin, finance,
                                                                                         finance_checker, day):
    act(logged_in(supplier_admin), issued, "confirm")
    act(logged_in(supplier_admin), issued, "invoice", {"number": "33012345", "amount": "500.00"})
    act(logged_in(finance_checker), issued, "approve_payment")

    response = act(logged_in(finance), issued, "pay", {"reference": "PAY-1", "paid_on": day})

    issued.refresh_from_db()
    assert response.status_code == 400 and field_errors(response) == {"paid_on": "日期须在 2000–2099 年"}
    assert (issued.state, issued.payment_reference, issued.payment_date) == ("approved", "", None)


def stale_refusal(response) -> str:
    said = [str(m) for m in response.context["messages"]]
    assert response.status_code == 409 and len(said) == 1, (response.status_code, said)
    assert said[0].startswith("结算单在您打开页面后已有变动（") and said[0].endswith("请查看后再操作"), said
    return said[0]


def test_a_statement_issued_anew_since_its_page_was_opened_is_not_confirmed_from_it(issued, supplier_admin, finance):
    client, confirm = logged_in(supplier_admin), f"/settlement/statements/{issued.pk}/confirm/"
    seen = seen_by(client.get(f"/settlement/statements/{issued.pk}/").content.decode(), confirm)
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=FIXED_NOW, reason="少计一笔补偿")
    statements.reissue_statement(statement=issued, actor=finance, now=FIXED_NOW, reason="核对后重发")

    stale = act(client, issued, "confirm", {"seen": seen})
    issued.refresh_from_db()
    assert "下发新版本" in stale_refusal(stale) and (issued.state, issued.version) == ("issued", 2)

    fresh = act(client, issued, "confirm", {"seen": seen_by(stale.content.decode(), confirm)})
    issued.refresh_from_db()
    assert fresh.status_code == 302 and issued.state == "confirmed"


def test_an_invoice_number_corrected_since_the_page_was_opened_is_not_approved_for_payment_from_it(
    issued, supplier_admin, finance, finance_checker,
):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=FIXED_NOW)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=FIXED_NOW, number="33012345", amount="500.00")
    client, approve = logged_in(finance_checker), f"/settlement/statements/{issued.pk}/approve_payment/"
    seen = seen_by(client.get(f"/settlement/statements/{issued.pk}/").content.decode(), approve)
    statements.correct_invoice_number(statement=issued, actor=supplier_admin, now=FIXED_NOW, number="33099999")

    stale = act(client, issued, "approve_payment", {"seen": seen})
    issued.refresh_from_db()
    assert "更正发票号码" in stale_refusal(stale) and issued.state == "invoiced"

    fresh = act(client, issued, "approve_payment", {"seen": seen_by(stale.content.decode(), approve)})
    issued.refresh_from_db()
    assert fresh.status_code == 302 and issued.state == "approved"


def test_a_step_posted_without_what_the_page_saw_is_judged_by_the_state_alone(issued, supplier_admin, finance):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=FIXED_NOW, reason="少计一笔补偿")
    statements.reissue_statement(statement=issued, actor=finance, now=FIXED_NOW, reason="核对后重发")

    confirmed = act(logged_in(supplier_admin), issued, "confirm")

    issued.refresh_from_db()
    assert confirmed.status_code == 302 and issued.state == "confirmed"


def test_an_action_the_state_does_not_allow_is_409_on_the_page_with_an_error_message_and_changes_nothing(draft, finance):
    client = logged_in(finance)

    response = act(client, draft, "pay", {"reference": "PAY-1"})

    draft.refresh_from_db()
    assert response.status_code == 409 and draft.state == "draft"
    assert 'class="error"' in response.content.decode() and 'data-testid="statement-data"' in response.content.decode()


# --- adjustments ---------------------------------------------------------------------------------------------------

def test_a_bad_adjustment_shows_each_error_next_to_its_field(supplier, finance):
    client = logged_in(finance)

    bad_amount = client.post("/settlement/adjustments/new/", {"supplier": supplier.pk, "kind": "penalty", "amount": "abc",
                                                              "reason": "超时", "source_kind": "other", "token": "bad-1"})
    no_order = client.post("/settlement/adjustments/new/", {"supplier": supplier.pk, "kind": "penalty", "amount": "-10.00",
                                                            "reason": "超时", "source_kind": "order", "source_id": "RO-404",
                                                            "token": "bad-2"})

    assert "amount" in field_errors(bad_amount) and "source_id" in field_errors(no_order)
    assert not Adjustment.objects.exists()


def test_a_positive_penalty_on_the_form_is_refused_next_to_the_amount(supplier, finance):
    response = logged_in(finance).post("/settlement/adjustments/new/", {
        "supplier": supplier.pk, "kind": "penalty", "amount": "1000.00", "reason": "超时", "source_kind": "other", "token": "sign-1"})

    assert response.status_code == 200
    assert "须为负数" in field_errors(response)["amount"]
    assert not Adjustment.objects.exists()


def test_the_adjustment_form_offers_only_the_kinds_finance_makes_by_hand_and_a_dispute_only_on_a_disputed_statement(
    disputed, supplier, finance,
):
    client = logged_in(finance)

    general = client.get("/settlement/adjustments/new/").context["form"].fields["kind"].choices
    on_dispute = client.get(f"/settlement/statements/{disputed.pk}/adjustments/new/").context["form"].fields["kind"].choices
    forged = client.post("/settlement/adjustments/new/", {"supplier": supplier.pk, "kind": "carry_correction", "amount": "-10.00",
                                                          "reason": "手工结转", "source_kind": "other", "token": "forged-1"})

    assert [kind for kind, _label in general] == ["penalty", "reconciliation", "compensation", "other"]
    assert [kind for kind, _label in on_dispute] == ["penalty", "reconciliation", "dispute", "compensation", "other"]
    assert "carry_correction" in field_errors(forged)["kind"]
    assert not Adjustment.objects.filter(kind="carry_correction").exists()


def test_an_adjustment_beyond_ten_million_shows_the_limit_next_to_the_amount(supplier, finance):
    response = logged_in(finance).post("/settlement/adjustments/new/", {
        "supplier": supplier.pk, "kind": "compensation", "amount": "10000000.01", "reason": "补偿", "source_kind": "other", "token": "cap-1"})

    assert response.status_code == 200 and "10,000,000" in field_errors(response)["amount"]
    assert not Adjustment.objects.exists()


def test_an_invoice_number_of_the_wrong_length_shows_next_to_the_number_and_changes_nothing(issued, supplier_admin):
    supplier = logged_in(supplier_admin)
    act(supplier, issued, "confirm")

    response = act(supplier, issued, "invoice", {"number": "3301234", "amount": "500.00"})

    issued.refresh_from_db()
    assert response.status_code == 400 and "3301234" in field_errors(response)["number"]
    assert (issued.state, issued.invoice_number) == ("confirmed", "")


def test_an_unreadable_invoice_amount_is_shown_next_to_the_amount_with_a_positive_example_and_changes_nothing(issued, supplier_admin):
    supplier = logged_in(supplier_admin)
    act(supplier, issued, "confirm")

    response = act(supplier, issued, "invoice", {"number": "33012345", "amount": "五百元"})

    issued.refresh_from_db()
    assert response.status_code == 400 and field_errors(response)["amount"] == "金额格式不正确，应为数字，最多两位小数，如 1280.00"
    assert (issued.state, issued.invoice_number) == ("confirmed", "")


def test_the_checker_rejects_with_a_reason_and_suppliers_see_their_approved_adjustments_only(supplier, other_supplier, finance,
                                                                                      finance_checker, supplier_staff):
    logged_in(finance).post("/settlement/adjustments/new/", {"supplier": supplier.pk, "kind": "penalty", "amount": "-10.00",
                                                             "reason": "超时", "source_kind": "other", "token": "reject-1"})
    adjustments.propose_adjustment(supplier=other_supplier, kind="penalty", amount="-5.00", reason="别家", actor=finance, now=FIXED_NOW)
    adjustment = Adjustment.objects.get(supplier=supplier)
    checker = logged_in(finance_checker)

    checker.post(f"/settlement/adjustments/{adjustment.pk}/reject/", {"note": ""})
    adjustment.refresh_from_db()
    assert adjustment.state == "proposed"
    checker.post(f"/settlement/adjustments/{adjustment.pk}/reject/", {"note": "依据不足"})

    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.decided_by) == ("rejected", finance_checker)
    approved = adjustments.propose_adjustment(supplier=supplier, kind="other", amount="8.00", reason="补差", actor=finance, now=FIXED_NOW)
    adjustments.approve_adjustment(adjustment=approved, actor=finance_checker, now=FIXED_NOW)
    mine = logged_in(supplier_staff).get("/settlement/adjustments/").content.decode()
    assert approved.number in mine and adjustment.number not in mine and "别家" not in mine and 'data-action="approve"' not in mine


def test_a_refused_rejection_comes_back_next_to_its_note_with_the_text_typed_once(supplier, finance, finance_checker):
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-10.00", reason="超时", actor=finance, now=FIXED_NOW)
    checker = logged_in(finance_checker)

    empty = checker.post(f"/settlement/adjustments/{adjustment.pk}/reject/", {"note": " ", "next": "/settlement/adjustments/"})
    page = checker.get(empty["Location"])
    checker.post(f"/settlement/adjustments/{adjustment.pk}/reject/", {"note": "超" * 2001, "next": "/settlement/adjustments/"})
    typed = checker.get("/settlement/adjustments/")
    later = checker.get("/settlement/adjustments/")

    html, typed_html = page.content.decode(), typed.content.decode()
    adjustment.refresh_from_db()
    assert empty["Location"] == "/settlement/adjustments/" and field_errors(page) == {"note": "请填写驳回原因"}
    assert 'id="id_reject_note_error"' in html and 'aria-describedby="id_reject_note_error"' in html
    assert list(field_errors(typed)) == ["note"] and "2000" in field_errors(typed)["note"] and 'value="' + "超" * 2001 + '"' in typed_html
    assert field_errors(later) == {} and "aria-invalid" not in later.content.decode() and 'placeholder="驳回原因"' in later.content.decode()
    assert adjustment.state == "proposed"


def test_withdrawing_without_a_reason_is_refused_next_to_the_note_on_the_adjustment_page(supplier, finance):
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-10.00", reason="超时", actor=finance, now=FIXED_NOW)
    maker = logged_in(finance)
    at = f"/settlement/adjustments/{adjustment.pk}/"

    posted = maker.post(f"{at}withdraw/", {"note": "", "next": at})
    page = maker.get(posted["Location"])

    html = page.content.decode()
    adjustment.refresh_from_db()
    assert posted["Location"] == at and list(field_errors(page)) == ["note"]
    assert 'aria-describedby="id_withdraw_note_error"' in html and 'id="id_withdraw_note_error"' in html
    assert adjustment.state == "proposed" and field_errors(maker.get(at)) == {}


# --- reconciliation ------------------------------------------------------------------------------------------------

def upload(client, statement, rows=None) -> Reconciliation | None:
    lines = rows or ["订单号,SKU,类型,数量,金额", "RO-1,SKU-A,配送,1,180.00"]
    content = ("\n".join(lines)).encode()
    client.post(f"/settlement/statements/{statement.pk}/reconcile/", {"file": SimpleUploadedFile("ours.csv", content)})
    return Reconciliation.objects.filter(statement=statement).first()


def test_the_resolve_button_reads_as_a_verb_in_english_under_the_actions_heading(issued, supplier_admin, finance):
    reconciliation = upload(logged_in(supplier_admin), issued)

    english = page_in(finance, f"/settlement/reconciliations/{reconciliation.pk}/", "en")
    chinese = page_in(finance, f"/settlement/reconciliations/{reconciliation.pk}/", "zh-hans")

    assert '<th>Actions</th></tr></thead>' in english and 'data-action="resolve">Resolve</button>' in english
    assert '<th>处理</th></tr></thead>' in chinese and 'data-action="resolve">处理</button>' in chinese


def test_each_input_of_a_lines_resolve_form_is_labelled_apart_from_its_button_and_folded_under_its_line(issued, supplier_admin, finance):
    reconciliation = upload(logged_in(supplier_admin), issued)
    url = f"/settlement/reconciliations/{reconciliation.pk}/"

    chinese = page_in(finance, url, "zh-hans")
    english = page_in(finance, url, "en")

    form = chinese.split('data-testid="resolve"', 1)[1].split("</details>", 1)[0]
    assert re.search(r'<label><span class="sr-only">处理方式</span><select name="resolution"', form)
    assert re.search(r'<label><span class="sr-only">处理说明（以平台为准、核销时必填）</span><input type="text" name="note"', form)
    assert "<summary>处理此差异</summary>" in form and 'data-action="resolve">处理</button>' in form
    english_form = english.split('data-testid="resolve"', 1)[1].split("</details>", 1)[0]
    assert '<span class="sr-only">Resolution</span>' in english_form and "<summary>Resolve this line</summary>" in english_form


def test_a_rejected_file_lists_every_bad_row_and_stores_nothing(issued, supplier_admin):
    content = "订单号,SKU,类型,数量,金额\nRO-1,SKU-A,赠送,1,180.00\nRO-2,SKU-A,配送,x,1.234\n".encode()
    response = logged_in(supplier_admin).post(f"/settlement/statements/{issued.pk}/reconcile/",
                                              {"file": SimpleUploadedFile("ours.csv", content)})

    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="upload-problems"' in page
    assert "第2行" in page and "第3行" in page
    assert not Reconciliation.objects.exists()


@pytest.mark.parametrize(("header", "order_column", "quantity_column"), [
    ("订单号,SKU,类型,数量,金额", "订单号", "数量"),
    ("order number,sku,type,qty,amount", "order number", "qty"),
])
def test_upload_problems_name_each_column_as_the_files_header_does(issued, supplier_admin, header, order_column, quantity_column):
    content = f"{header}\n,SKU-A,配送,x,180.00\n".encode()

    response = logged_in(supplier_admin).post(f"/settlement/statements/{issued.pk}/reconcile/",
                                              {"file": SimpleUploadedFile("ours.csv", content)})

    problems = response.content.decode().split('data-testid="upload-problems"', 1)[1].split("</section>", 1)[0]
    assert f"第2行：{order_column} 不能为空" in problems
    assert f"<td>{order_column}</td>" in problems and f"<td>{quantity_column}</td>" in problems
    shown = re.sub(r"<[^>]*>", " ", problems)  # what the user reads (the rows keep the column's name for scripts)
    assert "order_number" not in shown and "quantity" not in shown


def test_the_adjustments_table_names_each_source_by_its_kinds_label_and_reference(draft, supplier, finance):
    for kind, reference in (("other", ""), ("statement", str(draft.pk))):
        adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-5.00", reason="超时", source_kind=kind,
                                       source_id=reference, actor=finance, now=FIXED_NOW)

    page = logged_in(finance).get("/settlement/adjustments/").content.decode()

    sources = [re.sub(r"<[^>]+>", "", cell.split("<br>", 1)[0])  # the source's text, linked or not, before what follows it
               for cell in re.findall(r'<td data-testid="source">(.*?)</td>', page, re.S)]
    assert sorted(sources) == ["其他", "其他", "其他", f"结算单 {draft.pk}"]  # the draft's two compensations name none
    assert "statement " not in page and ">other" not in page


def test_finance_reads_the_categories_filters_them_and_resolves_a_discrepancy(issued, supplier_admin, supplier_staff, finance):
    reconciliation = upload(logged_in(supplier_admin), issued)
    client = logged_in(finance)

    summary = client.get(f"/settlement/reconciliations/{reconciliation.pk}/").content.decode()
    missing = client.get(f"/settlement/reconciliations/{reconciliation.pk}/?category=missing_in_ours").content.decode()
    line = reconciliation.lines.get(category="missing_in_ours")
    response = client.post(f"/settlement/reconciliations/lines/{line.pk}/resolve/", {"resolution": "write_off", "note": "对方多报"})

    line.refresh_from_db()
    assert re.search(r'data-category="missing_in_ours">.*?data-testid="count">1<', summary, re.S)
    assert missing.count("data-line=") == 1 and 'data-action="resolve"' in missing
    assert response.status_code == 302 and (line.resolution, line.resolved_by) == ("write_off", finance)
    staff_view = logged_in(supplier_staff).get(f"/settlement/reconciliations/{reconciliation.pk}/").content.decode()
    assert "核销" in staff_view and 'data-action="resolve"' not in staff_view
    assert logged_in(supplier_staff).post(f"/settlement/reconciliations/lines/{line.pk}/resolve/", {"resolution": "write_off"}).status_code == 403


def test_the_reconciliation_page_names_each_figure_by_its_party_platform_or_supplier(issued, supplier_admin, finance):
    reconciliation = upload(logged_in(supplier_admin), issued)
    url = f"/settlement/reconciliations/{reconciliation.pk}/"

    pages = {who: logged_in(user).get(url).content.decode() for who, user in (("finance", finance), ("supplier", supplier_admin))}
    english = logged_in(finance).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for page in pages.values():
        assert {"平台金额", "礼品商金额", "平台数量", "礼品商数量"} <= set(headings(page)) and "平台无此记录" in page
        assert "我方" not in page and "对方" not in page
    assert ">以平台为准<" in pages["finance"] and ">以礼品商为准（调账）<" in pages["finance"]
    assert {"Platform amount", "Supplier amount", "Platform quantity", "Supplier quantity"} <= set(headings(english))
    assert "Platform&#x27;s figure stands" in english and "Not in the platform&#x27;s records" in english
    assert "Our amount" not in english and "Their amount" not in english


def headings(page: str) -> list[str]:
    """The text of a page's table headings, a sorting heading's (a link) as a plain one's."""
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", page, re.S)]


def test_a_refused_resolution_comes_back_on_its_line_with_the_note_and_choice_typed_once(issued, supplier_admin, finance):
    reconciliation = upload(logged_in(supplier_admin), issued)
    client = logged_in(finance)
    line = reconciliation.lines.get(category="missing_in_ours")
    at = f"/settlement/reconciliations/{reconciliation.pk}/?category=missing_in_ours"

    posted = client.post(f"/settlement/reconciliations/lines/{line.pk}/resolve/", {"resolution": "write_off", "note": "多" * 301, "next": at})
    page = client.get(posted["Location"])
    later = client.get(at)

    html = page.content.decode()
    form = html.split(f'data-line="{line.pk}"', 1)[1].split("</tr>", 1)[0]
    line.refresh_from_db()
    assert posted["Location"] == at and list(field_errors(page)) == ["note"] and "300" in field_errors(page)["note"]
    assert 'id="id_resolve_note_error"' in form and 'aria-describedby="id_resolve_note_error"' in form
    assert 'value="' + "多" * 301 + '"' in form and '<option value="write_off" selected>' in form
    assert field_errors(later) == {} and "aria-invalid" not in later.content.decode() and line.resolution == ""


def test_a_duplicate_line_is_offered_no_adjusting_resolution_and_refused_one_next_to_the_choice(issued, supplier_admin, finance):
    reconciliation = upload(logged_in(supplier_admin), issued, rows=["订单号,SKU,类型,数量,金额", "RO-1,SKU-A,配送,1,180.00", "RO-1,SKU-A,配送,1,180.00"])
    client = logged_in(finance)
    duplicate = reconciliation.lines.get(category="duplicate")
    adjustments_before = Adjustment.objects.count()

    page = client.get(f"/settlement/reconciliations/{reconciliation.pk}/?category=duplicate").content.decode()
    refused = client.post(f"/settlement/reconciliations/lines/{duplicate.pk}/resolve/", {"resolution": "accept_theirs"}, follow=True)

    form = page.split(f'data-line="{duplicate.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'value="write_off"' in form and 'value="accept_theirs"' not in form and 'value="carry_forward"' not in form
    assert "<td>配送</td>" in form  # the line's kind by its name
    assert list(field_errors(refused)) == ["resolution"] and "不能调账" in field_errors(refused)["resolution"]
    duplicate.refresh_from_db()
    assert duplicate.resolution == "" and Adjustment.objects.count() == adjustments_before


def test_a_reconciliation_of_a_superseded_version_says_so_and_offers_no_resolution(issued, supplier_admin, finance):
    from django.db.models import F

    reconciliation = upload(logged_in(supplier_admin), issued)
    Statement.objects.filter(pk=issued.pk).update(version=F("version") + 1)  # reissued since

    page = logged_in(finance).get(f"/settlement/reconciliations/{reconciliation.pk}/").content.decode()

    assert 'data-testid="superseded"' in page and "第 1 版" in page and 'data-action="resolve"' not in page


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_supplier_downloads_our_figures_and_uploading_them_back_matches_every_line(
    supplier, supplier_admin, other_supplier_admin, finance, file_format
):
    from tests.settlement.conftest import booked_order, paying_account

    paying_account(supplier)
    for day, amount in ((3, "100.00"), (9, "200.00")):
        booked_order(supplier, amount, recorded_at=datetime(2026, 9, day, 10, tzinfo=SHANGHAI))
    generation.generate_now(month=SEPTEMBER, actor=finance, now=datetime(2026, 10, 1, 2, tzinfo=SHANGHAI))
    issued = statements.issue_statement(statement=Statement.objects.get(supplier=supplier), actor=finance, now=FIXED_NOW)
    client = logged_in(supplier_admin)
    url = f"/settlement/statements/{issued.pk}/versions/1/figures.{file_format}"

    page = client.get(f"/settlement/statements/{issued.pk}/").content.decode()
    download = client.get(url)
    client.post(f"/settlement/statements/{issued.pk}/reconcile/", {"file": SimpleUploadedFile(f"ours.{file_format}", download.content)})

    reconciliation = Reconciliation.objects.get(statement=issued)
    assert url in page and download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert set(reconciliation.lines.values_list("category", flat=True)) == {"matched"} and reconciliation.lines.count() == 2
    assert logged_in(other_supplier_admin).get(url).status_code == 404
    assert client.get(f"/settlement/statements/{issued.pk}/versions/1/figures.pdf").status_code == 404


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_upload_page_lists_the_files_columns_and_its_template_uploaded_untouched_matches_every_line(
    supplier, supplier_admin, finance, file_format
):
    from tests.settlement.conftest import booked_order, paying_account

    paying_account(supplier)
    for day, amount in ((3, "100.00"), (9, "200.00")):
        booked_order(supplier, amount, recorded_at=datetime(2026, 9, day, 10, tzinfo=SHANGHAI))
    generation.generate_now(month=SEPTEMBER, actor=finance, now=datetime(2026, 10, 1, 2, tzinfo=SHANGHAI))
    issued = statements.issue_statement(statement=Statement.objects.get(supplier=supplier), actor=finance, now=FIXED_NOW)
    client, upload_url = logged_in(supplier_admin), f"/settlement/statements/{issued.pk}/reconcile/"

    page = client.get(upload_url).content.decode()
    english = client.get(upload_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    links = page.split('data-testid="template-links"', 1)[1].split("</p>", 1)[0]
    template_url = re.search(rf'href="([^"]+\.{file_format})"', links).group(1)
    template = client.get(template_url)
    client.post(upload_url, {"file": SimpleUploadedFile(f"template.{file_format}", template.content)})

    assert "下载模板" in page and template_url == f"/settlement/statements/{issued.pk}/versions/1/figures.{file_format}"
    assert re.findall(r'data-column="([^"]+)"', page) == ["订单号", "SKU", "类型", "数量", "金额"]
    kinds = page.split('data-column="类型"', 1)[1].split("</tr>", 1)[0]
    assert all(word in kinds for word in ("配送 / delivery", "退货 / return", "换货 / replacement"))
    assert "退货为负数" in page and "180.00" in page and "订单编号" in page  # signed figures, two places, other headers
    assert "Download the template" in english and "negative for a return" in english
    assert set(Reconciliation.objects.get(statement=issued).lines.values_list("category", flat=True)) == {"matched"}


def test_the_reconciliation_list_filters_by_month_supplier_and_open_differences(issued, supplier_admin, finance):
    reconciliation = upload(logged_in(supplier_admin), issued)
    client = logged_in(finance)

    def shown(query: str) -> bool:
        return f'data-reconciliation="{reconciliation.pk}"' in client.get(f"/settlement/reconciliations/?{query}").content.decode()

    assert shown(f"month={issued.month:%Y-%m}") and not shown("month=2026-01")
    assert shown(f"supplier={issued.supplier_id}") and shown("open_only=on")
    for line in reconciliation.lines.exclude(category="matched"):
        client.post(f"/settlement/reconciliations/lines/{line.pk}/resolve/", {"resolution": "write_off", "note": "核销"})
    assert not shown("open_only=on") and shown("")
    assert 'data-field="month"' in client.get("/settlement/reconciliations/?month=2026-13").content.decode()


def test_a_reconciliations_lines_filter_to_those_still_to_resolve_and_a_bad_word_lists_none(issued, supplier_admin, finance):
    content = "订单号,SKU,类型,数量,金额\r\nRO-9,SKU-9,配送,1,10.00\r\nRO-8,SKU-8,配送,1,8.00".encode()  # two orders we never booked
    found = upload_reconciliation(statement=issued, file_name="ours.csv", content=content, actor=supplier_admin, now=FIXED_NOW)
    written_off, still_open = found.lines.order_by("row")
    resolve_line(line=written_off, resolution="write_off", actor=finance, now=FIXED_NOW, note="对方多报")
    client, url = logged_in(finance), f"/settlement/reconciliations/{found.pk}/"

    def listed(response) -> list[int]:
        return [int(pk) for pk in re.findall(r'data-line="(\d+)"', response.content.decode())]

    unresolved, every, bad = client.get(f"{url}?unresolved=1"), client.get(url), client.get(f"{url}?unresolved=maybe")

    assert (unresolved.status_code, listed(unresolved)) == (200, [still_open.pk])
    assert (every.status_code, listed(every)) == (200, [written_off.pk, still_open.pk])
    assert (bad.status_code, field_errors(bad), listed(bad)) == (400, {"unresolved": "须为 true 或 false"}, [])
    assert "筛选条件有误，未列出结果" in bad.content.decode()


def test_a_carried_payable_shows_where_it_went_and_its_correction_after_a_new_version(supplier, finance, finance_checker,
                                                                                       supplier_admin):
    compensate(supplier, "-50.00", maker=finance, checker=finance_checker)
    generation.generate_now(month=SEPTEMBER, actor=finance, now=datetime(2026, 10, 1, 2, tzinfo=SHANGHAI))
    september = statements.issue_statement(statement=Statement.objects.get(month=SEPTEMBER), actor=finance, now=FIXED_NOW)
    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=datetime(2026, 11, 1, 2, tzinfo=SHANGHAI))
    october = Statement.objects.get(month=date(2026, 10, 1))
    statements.dispute_statement(statement=september, actor=supplier_admin, now=FIXED_NOW, reason="补偿多扣")
    answer = adjustments.propose_adjustment(supplier=supplier, kind="dispute", amount="20.00", reason="退回多扣", statement=september,
                                            actor=finance, now=FIXED_NOW)
    adjustments.approve_adjustment(adjustment=answer, actor=finance_checker, now=FIXED_NOW)
    statements.reissue_statement(statement=september, actor=finance, now=FIXED_NOW)
    correction = Adjustment.objects.get(kind="carry_correction")
    statements.issue_statement(statement=october, actor=finance, now=FIXED_NOW)  # a supplier sees a statement once issued

    finance_page = logged_in(finance).get(f"/settlement/statements/{september.pk}/").content.decode()
    supplier_page = logged_in(supplier_admin).get(f"/settlement/statements/{september.pk}/").content.decode()
    later_page = logged_in(supplier_admin).get(f"/settlement/statements/{october.pk}/").content.decode()
    carried_into = re.search(r'data-testid="carried-into">(.*?)</td>', finance_page, re.S)[1]
    assert f"/settlement/statements/{october.pk}/" in carried_into and "2026-10" in carried_into and "-¥50.00" in carried_into
    corrections = finance_page.split("<h2>结转更正</h2>")[1].split("<h2>")[0]
    assert correction.number in corrections and "20.00" in corrections and str(correction.amount) == "20.00"
    assert correction.number not in supplier_page  # a proposal is finance's own work until the checker approves it
    assert "-¥50.00" in later_page


def test_a_double_submitted_adjustment_form_proposes_one_adjustment(supplier, finance):
    client = logged_in(finance)
    form = client.get("/settlement/adjustments/new/").content.decode()
    body = {"supplier": supplier.pk, "kind": "penalty", "amount": "-10.00", "reason": "超时", "source_kind": "other", "token": "twice"}

    first = client.post("/settlement/adjustments/new/", body)
    second = client.post("/settlement/adjustments/new/", body)

    assert 'name="token"' in form
    assert first.status_code == second.status_code == 302 and Adjustment.objects.filter(supplier=supplier).count() == 1


def test_an_adjustment_form_sent_again_says_created_once_and_sent_back_changed_creates_nothing_and_links_the_first(supplier, finance):
    client = logged_in(finance)
    body = {"supplier": supplier.pk, "kind": "penalty", "amount": "-180.00", "reason": "延迟发货", "source_kind": "other", "token": "back"}

    first = client.post("/settlement/adjustments/new/", body)
    after_first = client.get(first["Location"]).content.decode()
    again = client.post("/settlement/adjustments/new/", body)  # re-sent as it was: lands where the first did
    after_again = client.get(again["Location"]).content.decode()
    changed = client.post("/settlement/adjustments/new/", body | {"amount": "-200.00"})  # back, corrected, sent again

    adjustment = Adjustment.objects.get(supplier=supplier)
    assert "已创建" in after_first and again.status_code == 302 and "已创建" not in after_again
    assert changed.status_code == 409 and adjustment.amount == Decimal("-180.00")
    refusal = re.search(r'<ul class="errorlist nonfield"><li>(.*?)</li>', changed.content.decode(), re.S)[1]
    assert f'<a href="/settlement/adjustments/{adjustment.pk}/">调账 {adjustment.number}</a>' in refusal and "未再创建" in refusal


# --- a difference is paid once; withdrawing; who may be adjusted -----------------------------------------------------

def test_a_second_upload_shows_the_first_as_superseded_and_finance_s_badge_counts_the_open_lines(issued, supplier_admin, finance):
    import re as regex

    supplier_client, client = logged_in(supplier_admin), logged_in(finance)
    first = upload(supplier_client, issued, ["订单号,SKU,类型,数量,金额", "RO-9,SKU-9,配送,1,10.00"])
    upload(supplier_client, issued, ["订单号,SKU,类型,数量,金额", "RO-9,SKU-9,配送,1,10.00", "RO-8,SKU-8,配送,1,8.00"])
    latest = Reconciliation.objects.exclude(pk=first.pk).get()

    old_page = client.get(f"/settlement/reconciliations/{first.pk}/").content.decode()
    listing = client.get("/settlement/reconciliations/").content.decode()
    open_only = client.get("/settlement/reconciliations/?open_only=on").content.decode()

    assert 'data-testid="superseded"' in old_page and "重新上传" in old_page and 'data-action="resolve"' not in old_page
    assert f'href="/settlement/reconciliations/{latest.pk}/"' in old_page.split('data-testid="superseded"', 1)[1]
    statuses = regex.findall(r'data-reconciliation="(\d+)".*?data-testid="reconciliation-status">(.*?)</td>', listing, regex.S)
    assert [(int(pk), "已过期" in status) for pk, status in statuses] == [(latest.pk, False), (first.pk, True)]
    assert f'data-reconciliation="{first.pk}"' not in open_only and f'data-reconciliation="{latest.pk}"' in open_only
    assert listed(finance, "/settlement/reconciliations/", open_only="false") == [first.pk]  # superseded: nothing open
    # RO-9 and RO-8, which we never booked: two lines to resolve; the old file's RO-9 is not counted again
    assert regex.search(r'data-testid="nav-badge-settlement-reconciliations"[^>]*>2<', nav(client.get("/")))
    assert "nav-badge-settlement-reconciliations" not in nav(supplier_client.get("/"))
    statement_page = supplier_client.get(f"/settlement/statements/{issued.pk}/").content.decode()
    assert [("已过期" in status) for status in regex.findall(r'data-testid="reconciliation-status">(.*?)</td>', statement_page, regex.S)] == [
        False, True]


def test_the_maker_withdraws_its_proposal_with_a_reason_and_the_history_shows_who_when_why(supplier, finance, finance_checker):
    maker, checker = logged_in(finance), logged_in(finance_checker)
    proposed = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-10.00", reason="超时", actor=finance,
                                              now=datetime(2026, 10, 14, 9, tzinfo=SHANGHAI))
    own_view, checker_view = maker.get("/settlement/adjustments/").content.decode(), checker.get("/settlement/adjustments/").content.decode()

    refused = checker.post(f"/settlement/adjustments/{proposed.pk}/withdraw/", {"note": "不是我的"}, follow=True)
    no_reason = maker.post(f"/settlement/adjustments/{proposed.pk}/withdraw/", {"note": ""}, follow=True)
    proposed.refresh_from_db()
    assert proposed.state == "proposed" and refused.status_code == 403 and "撤回原因" in no_reason.content.decode()
    maker.post(f"/settlement/adjustments/{proposed.pk}/withdraw/", {"note": "金额有误"})
    detail = checker.get(f"/settlement/adjustments/{proposed.pk}/").content.decode()

    proposed.refresh_from_db()
    assert 'data-action="withdraw"' in own_view and 'data-action="withdraw"' not in checker_view
    assert proposed.state == "withdrawn"
    history = detail.split('data-testid="history"', 1)[1]
    assert "金额有误" in history and "finance" in history and "2026-10-15" in history
    assert 'data-action="approve"' not in detail


def test_an_approved_adjustment_links_to_the_statement_that_booked_it(draft, finance):
    page = logged_in(finance).get("/settlement/adjustments/").content.decode()

    assert f'<a href="/settlement/statements/{draft.pk}/" data-testid="booked-statement">' in page


def test_each_link_to_the_statement_booking_an_adjustment_names_the_adjustment_to_screen_readers(draft, finance):
    booked = Adjustment.objects.get(supplier=draft.supplier)

    chinese = page_in(finance, "/settlement/adjustments/", "zh-hans")
    english = page_in(finance, "/settlement/adjustments/", "en")

    assert (f'data-testid="booked-statement">计入的结算单：2026-09 v1（待出具）<span class="sr-only"> （调账 {booked.number}）</span></a>'
            in chinese)
    assert (f'data-testid="booked-statement">Booked on statement 2026-09 v1 (not issued yet)<span class="sr-only"> (adjustment '
            f'{booked.number})</span></a>' in english)


def test_a_dispute_adjustment_offers_the_open_reconciliation_lines_and_resolves_those_ticked(issued, supplier_admin, finance):
    upload(logged_in(supplier_admin), issued, ["订单号,SKU,类型,数量,金额", "RO-9,SKU-9,配送,1,10.00", "RO-9,SKU-9,配送,1,10.00"])
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=FIXED_NOW, reason="少算一单")
    found = Reconciliation.objects.get()
    claim, duplicate = found.lines.get(category="missing_in_ours"), found.lines.get(category="duplicate")
    client = logged_in(finance)

    form = client.get(f"/settlement/statements/{issued.pk}/adjustments/new/").content.decode()
    client.post(f"/settlement/statements/{issued.pk}/adjustments/new/", {
        "kind": "dispute", "amount": "10.00", "reason": "补记", "source_kind": "other", "reconciliation_lines": [claim.pk], "token": "d-1"})

    claim.refresh_from_db()
    assert f'value="{claim.pk}"' in form and f'value="{duplicate.pk}"' not in form and "RO-9 SKU-9 配送" in form
    assert claim.adjustment == Adjustment.objects.get(kind="dispute") and not claim.open


def test_the_adjustment_form_offers_no_applicant_and_refuses_one(supplier, finance):
    applicant = ApplicantFactory(name="申请中礼品商")
    client = logged_in(finance)

    form = client.get("/settlement/adjustments/new/").content.decode()
    response = client.post("/settlement/adjustments/new/", {"supplier": applicant.pk, "kind": "other", "amount": "1.00", "reason": "x",
                                                            "source_kind": "other", "token": "a-1"})

    assert supplier.name in form and "申请中礼品商" not in form
    assert "supplier" in field_errors(response) and not Adjustment.objects.exists()


def test_a_supplier_reads_an_adjustment_booked_on_a_draft_as_the_next_statement_without_a_link_finance_gets_the_link(
    draft, supplier_admin, finance,
):
    adjustment = Adjustment.objects.get(supplier=draft.supplier)

    supplier_row = logged_in(supplier_admin).get(f"/settlement/adjustments/{adjustment.pk}/").content.decode()
    finance_row = logged_in(finance).get(f"/settlement/adjustments/{adjustment.pk}/").content.decode()

    assert 'data-testid="booked-on-draft">下期结算单（编制中）' in supplier_row and f"/settlement/statements/{draft.pk}/" not in supplier_row
    assert f'href="/settlement/statements/{draft.pk}/" data-testid="booked-statement"' in finance_row


def test_once_the_statement_is_issued_the_supplier_follows_the_adjustment_to_it(issued, supplier_admin):
    adjustment = Adjustment.objects.get(supplier=issued.supplier)

    row = logged_in(supplier_admin).get(f"/settlement/adjustments/{adjustment.pk}/").content.decode()

    assert f'href="/settlement/statements/{issued.pk}/" data-testid="booked-statement"' in row and "booked-on-draft" not in row
    assert logged_in(supplier_admin).get(f"/settlement/statements/{issued.pk}/").status_code == 200


def test_the_dispute_reason_is_current_while_disputed_and_labelled_as_the_earlier_versions_once_reissued(
    disputed, finance, finance_checker, supplier_admin,
):
    client = logged_in(supplier_admin)
    while_disputed = client.get(f"/settlement/statements/{disputed.pk}/").content.decode()
    compensate(disputed.supplier, "120.00", maker=finance, checker=finance_checker)
    statements.reissue_statement(statement=disputed, actor=finance, now=FIXED_NOW, reason="按异议补计")

    english = client.get(f"/settlement/statements/{disputed.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    reissued = client.get(f"/settlement/statements/{disputed.pk}/").content.decode()

    assert 'data-testid="dispute-reason">少计一笔补偿' in while_disputed
    assert 'data-testid="dispute-reason"' not in reissued and "第1版的异议（已在第2版处理）" in reissued
    assert 'data-testid="earlier-dispute-reason">少计一笔补偿' in reissued
    assert "Dispute of version 1 (answered in version 2)" in english


def test_the_status_filter_offers_a_supplier_no_draft_and_finance_every_state(issued, supplier_admin, finance):
    def offered(user) -> list[str]:
        form = logged_in(user).get("/settlement/statements/").context["filters"]
        return [value for value, _label in form.fields["state"].choices]

    assert "draft" not in offered(supplier_admin) and {"", "issued", "disputed", "paid"} <= set(offered(supplier_admin))
    assert "draft" in offered(finance)


def test_the_supplier_admin_corrects_the_invoice_number_on_the_page_until_the_payment_is_approved(
    issued, supplier_admin, finance_checker,
):
    supplier = logged_in(supplier_admin)
    act(supplier, issued, "confirm")
    act(supplier, issued, "invoice", {"number": "33012345", "amount": "500.00"})
    offered = supplier.get(f"/settlement/statements/{issued.pk}/").content.decode()

    empty = act(supplier, issued, "correct_invoice", {"number": ""})
    corrected = act(supplier, issued, "correct_invoice", {"number": "33012346", "reason": "少录一位"})
    act(logged_in(finance_checker), issued, "approve_payment")
    too_late = act(supplier, issued, "correct_invoice", {"number": "33012347"})

    issued.refresh_from_db()
    assert 'data-action="correct_invoice"' in offered
    assert "number" in field_errors(empty) and corrected.status_code == 302
    assert too_late.status_code == 409 and 'data-action="correct_invoice"' not in too_late.content.decode()
    assert issued.invoice_number == "33012346"
    assert "33012345 → 33012346：少录一位" in supplier.get(f"/settlement/statements/{issued.pk}/").content.decode()


@pytest.mark.parametrize("note", ["核对\x00无误", "长" * 2001], ids=["NUL byte", "too long"])
def test_an_approval_note_that_cannot_be_kept_is_refused_next_to_the_note_and_nothing_is_approved(supplier, finance, finance_checker, note):
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind=Adjustment.Kind.OTHER, amount="10.00", reason="补差",
                                                actor=finance, now=timezone.now())

    response = logged_in(finance_checker).post(f"/settlement/adjustments/{adjustment.pk}/approve/", {"note": note}, follow=True)

    adjustment.refresh_from_db()
    errors = [str(message) for message in response.context["messages"] if message.level_tag == "error"]
    assert adjustment.state == "proposed" and errors == ["请修正下方标出的错误"]
    assert list(field_errors(response)) == ["note"] and 'aria-describedby="id_approve_note_error"' in response.content.decode()


def test_the_invoice_form_labels_each_field_visibly_and_names_its_errors_by_id(issued, supplier_admin):
    supplier = logged_in(supplier_admin)
    act(supplier, issued, "confirm")

    invoice_page = supplier.get(f"/settlement/statements/{issued.pk}/").content.decode()
    invoice = re.search(r'data-testid="action-invoice".*?</form>', invoice_page, re.S).group(0)
    refused = act(supplier, issued, "invoice", {"number": "", "amount": "500.00"}).content.decode()

    assert re.search(r"<label>发票号码 <input[^>]*name=\"number\"", invoice) and re.search(r"<label>发票金额 <input[^>]*name=\"amount\"", invoice)
    assert '<label for="id_invoice_number">发票号码 <input' in refused and 'value="500.00"' in refused
    assert 'aria-describedby="id_invoice_number_helptext id_invoice_number_error"' in refused and '<span id="id_invoice_number_error"' in refused
    assert '<small class="help" id="id_invoice_number_helptext">' in refused
