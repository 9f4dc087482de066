"""A statement paid in the browser: the supplier's admin confirms last month's statement and enters its invoice (a
wrong amount is refused next to the field), a finance user other than the issuer approves the payment, and one other
than the approver records it; each step says who may not take it."""
import pytest
from playwright.sync_api import Page, expect

from settlement.models import Statement
from tests.e2e.helpers import click, issued_statement, login, logout
from tests.factories import UserFactory

PASSWORD = "pass12345"  # what UserFactory sets


@pytest.fixture
def statement():
    """Last month's statement of one 280.00 delivery, issued by `e2e_pay_issuer`; `e2e_pay_approver` is finance too."""
    UserFactory(username="e2e_pay_approver", role="finance")
    return issued_statement(supplier_name="端到端付款礼品商", admin="e2e_pay_admin", finance="e2e_pay_issuer", amounts=["280.00"])


def open_statement(page: Page, url: str, username: str, statement: Statement) -> None:
    login(page, url, username, PASSWORD)
    with page.expect_navigation():
        page.get_by_test_id("nav").get_by_role("link", name="结算单", exact=True).click()
    click(page, page.get_by_test_id("statements").locator(f"tr[data-statement='{statement.pk}'] a"))


def expect_state(page: Page, text: str) -> None:
    expect(page.locator("h1").get_by_test_id("state")).to_have_text(text)


def history_row(page: Page, step: str):
    """The row of the statement's history whose step is named exactly `step`."""
    return page.get_by_test_id("history").locator("tr").filter(has=page.get_by_role("cell", name=step, exact=True))


def test_a_statement_is_confirmed_invoiced_approved_and_paid_by_different_people(browser_page: Page, live_server, statement):
    page, url = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())  # confirming, approving and paying ask first
    open_statement(page, url, "e2e_pay_admin", statement)
    click(page, page.locator("button[data-action=confirm]"))
    expect_state(page, "已确认")
    invoice = page.get_by_test_id("action-invoice")
    invoice.locator("[name=number]").fill("33018765")
    invoice.locator("[name=amount]").fill("208.00")
    click(page, invoice.locator("button[data-action=invoice]"))
    expect(page.get_by_test_id("action-invoice").locator(".field-error[data-field=amount]")).to_have_text("发票金额 ¥208.00 与应付金额 ¥280.00 不一致")
    expect_state(page, "已确认")
    invoice = page.get_by_test_id("action-invoice")
    invoice.locator("[name=number]").fill("33018765")
    invoice.locator("[name=amount]").fill("280.00")
    click(page, invoice.locator("button[data-action=invoice]"))
    expect_state(page, "已开票")
    expect(page.get_by_test_id("invoice")).to_have_text("33018765 · ¥280.00")
    logout(page)

    open_statement(page, url, "e2e_pay_issuer", statement)
    expect(page.get_by_test_id("needs-other-approve_payment")).to_contain_text("付款审批需由下发人以外的财务人员进行")
    expect(page.locator("button[data-action=approve_payment]")).to_have_count(0)
    logout(page)

    open_statement(page, url, "e2e_pay_approver", statement)
    click(page, page.locator("button[data-action=approve_payment]"))
    expect_state(page, "已审批付款")
    expect(page.get_by_test_id("needs-other-pay")).to_contain_text("登记付款需由付款审批人以外的财务人员进行")
    logout(page)

    open_statement(page, url, "e2e_pay_issuer", statement)
    pay = page.get_by_test_id("action-pay")
    pay.locator("[name=reference]").fill("BOC-20261205-001")
    click(page, pay.locator("button[data-action=pay]"))
    expect_state(page, "已付款")
    expect(page.get_by_test_id("payment")).to_contain_text("BOC-20261205-001")
    expect(history_row(page, "批准付款")).to_contain_text("e2e_pay_approver")
    expect(history_row(page, "付款")).to_contain_text("e2e_pay_issuer")
    expect(history_row(page, "开票")).to_contain_text("33018765")
