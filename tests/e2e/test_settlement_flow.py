"""A month settled in the browser: finance generates and issues the statement, the supplier disputes it, one finance
user answers with an adjustment that another approves, version 2 is issued, and the supplier confirms it and downloads
its PDF."""
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from settlement.services import adjustments
from settlement.services.generation import cutoff_of, last_closed_month
from suppliers.models import BankAccount
from tests.e2e.helpers import click, login, logout, open_nav
from tests.factories import SupplierFactory, SupplierUserFactory, UserFactory, contracted

PASSWORD = "pass12345"  # what UserFactory sets


@pytest.fixture
def month():
    """Last month, with a compensation for the supplier approved in it and a bank account approved long before."""
    month = last_closed_month(timezone.now())
    supplier = contracted(SupplierFactory(name="端到端结算礼品商"))
    SupplierUserFactory(username="e2e_supplier_admin", role="supplier_admin", supplier=supplier)
    maker = UserFactory(username="e2e_finance_a", role="finance")
    checker = UserFactory(username="e2e_finance_b", role="finance")
    BankAccount.objects.create(supplier=supplier, bank_name="中国工商银行杭州分行", account_name=supplier.name,
                               account_number="6222021234567890", approved_at=cutoff_of(month) - timedelta(days=60))
    approved_at = cutoff_of(month) - timedelta(days=5)
    compensation = adjustments.propose_adjustment(supplier=supplier, kind="compensation", amount="500.00", reason="活动补偿",
                                                  actor=maker, now=approved_at - timedelta(hours=3))
    adjustments.approve_adjustment(adjustment=compensation, actor=checker, now=approved_at)
    return month


def open_statement(page: Page, url: str, username: str, month_text: str) -> None:
    login(page, url, username, PASSWORD)
    open_nav(page, "结算单")
    click(page, page.get_by_test_id("statements").locator(f"tr[data-month='{month_text}'] a"))


def test_a_disputed_statement_is_answered_with_an_approved_adjustment_and_confirmed(browser_page: Page, live_server, month):
    page, url, month_text = browser_page, live_server.url, f"{month:%Y-%m}"
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))  # issuing and confirming ask first
    login(page, url, "e2e_finance_a", PASSWORD)
    open_nav(page, "结算月份")
    page.get_by_test_id("generate-form").locator("[name=month]").fill(month_text)
    click(page, page.get_by_test_id("generate-form").locator("button[type=submit]"))
    expect(page.get_by_test_id("runs").locator(f"tr[data-month='{month_text}'] [data-testid=run-status]")).to_have_text("已完成")
    open_nav(page, "结算单")
    click(page, page.get_by_test_id("statements").locator(f"tr[data-month='{month_text}'] a"))
    click(page, page.locator("button[data-action=issue]"))
    expect(page.locator("h1").get_by_test_id("state")).to_have_text("已下发")
    logout(page)

    open_statement(page, url, "e2e_supplier_admin", month_text)
    page.get_by_test_id("action-dispute").locator("[name=reason]").fill("少计一笔补偿 120 元")
    click(page, page.locator("button[data-action=dispute]"))
    expect(page.locator("h1").get_by_test_id("state")).to_have_text("有异议")
    logout(page)

    open_statement(page, url, "e2e_finance_a", month_text)
    click(page, page.get_by_test_id("new-dispute-adjustment"))
    form = page.get_by_test_id("adjustment-form")
    form.locator("[name=amount]").fill("120.00")
    form.locator("[name=reason]").fill("核实后补计补偿")
    click(page, form.locator("button[type=submit]"))
    expect(page.get_by_test_id("adjustments").get_by_test_id("awaiting-checker")).to_be_visible()
    logout(page)

    login(page, url, "e2e_finance_b", PASSWORD)
    open_nav(page, "调账")
    proposed = page.get_by_test_id("adjustments").locator("tr[data-number]").filter(has_text="核实后补计补偿")
    click(page, proposed.locator("button[data-action=approve]"))
    expect(proposed.get_by_test_id("state")).to_have_text("已审批")
    logout(page)

    open_statement(page, url, "e2e_finance_a", month_text)
    page.get_by_test_id("action-reissue").locator("[name=reason]").fill("按异议补计 120 元")
    click(page, page.locator("button[data-action=reissue]"))
    expect(page.get_by_test_id("version")).to_have_text("v2")
    expect(page.get_by_test_id("payable")).to_have_text("¥620.00")
    logout(page)

    open_statement(page, url, "e2e_supplier_admin", month_text)
    click(page, page.locator("button[data-action=confirm]"))
    expect(page.locator("h1").get_by_test_id("state")).to_have_text("已确认")
    assert [question[:4] for question in questions] == ["下发后本", "下发后新", "确认后不"]  # issue, reissue, confirm each asked
    with page.expect_download() as download_info:
        page.get_by_test_id("versions").locator("tr[data-version='2']").get_by_test_id("pdf-link").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-v2.pdf")
    assert open(download.path(), "rb").read(5) == b"%PDF-"
