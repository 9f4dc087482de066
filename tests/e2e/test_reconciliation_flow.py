"""A statement reconciled in the browser: the supplier's admin uploads its own figures for last month's issued statement
and sees each line matched or not, then finance resolves every discrepancy — one by an adjustment the checker will
review, one written off — and the statement's reconciliation reads as settled."""
import pytest
from playwright.sync_api import Page, expect

from settlement.models import Adjustment, Statement
from tests.e2e.helpers import click, issued_statement, login, logout

PASSWORD = "pass12345"  # what UserFactory sets


@pytest.fixture
def statement():
    """Last month's statement of two deliveries (180.00 and 99.00), issued by `e2e_recon_finance`."""
    return issued_statement(supplier_name="端到端对账礼品商", admin="e2e_recon_admin", finance="e2e_recon_finance", amounts=["180.00", "99.00"])


def supplier_file(statement: Statement) -> bytes:
    """The supplier's figures: the first order as ours, the second at 98.00, and a parcel we never booked."""
    first, second = statement.lines.order_by("order_number").values_list("order_number", "sku")
    rows = [["订单号", "SKU", "类型", "数量", "金额"], [*first, "配送", "1", "180.00"], [*second, "配送", "1", "98.00"],
            ["RO999999999999", "SKU-NONE", "配送", "1", "10.00"]]
    return "\r\n".join(",".join(row) for row in rows).encode("utf-8")


def resolve(page: Page, category: str, resolution: str, note: str) -> None:
    row = page.get_by_test_id("reconciliation-lines").locator(f"tr[data-category={category}]")
    row.get_by_test_id("resolve").locator("summary").click()  # the form is folded under its line until opened
    row.locator("select[name=resolution]").select_option(resolution)
    row.locator("[name=note]").fill(note)
    click(page, row.locator("button[data-action=resolve]"))
    expect(page.get_by_test_id("reconciliation-lines").locator(f"tr[data-category={category}]").get_by_test_id("resolution")).to_be_visible()


def test_the_supplier_uploads_its_figures_and_finance_resolves_every_difference(browser_page: Page, live_server, statement):
    page, month_text = browser_page, f"{statement.month:%Y-%m}"
    login(page, live_server.url, "e2e_recon_admin", PASSWORD)
    with page.expect_navigation():
        page.get_by_test_id("nav").get_by_role("link", name="结算单", exact=True).click()
    click(page, page.get_by_test_id("statements").locator(f"tr[data-month='{month_text}'] a"))
    click(page, page.get_by_test_id("upload-link"))
    form = page.get_by_test_id("reconciliation-form")
    form.locator("input[type=file]").set_input_files(files=[{"name": "我方对账.csv", "mimeType": "text/csv", "buffer": supplier_file(statement)}])
    click(page, form.locator("button[type=submit]"))

    summary = page.get_by_test_id("summary")
    for category in ("matched", "amount_mismatch", "missing_in_ours"):
        expect(summary.locator(f"tr[data-category={category}]").get_by_test_id("count")).to_have_text("1")
    expect(page.get_by_test_id("reconciliation-lines").locator("form")).to_have_count(0)  # the supplier cannot resolve
    expect(page.get_by_test_id("reconciliation-lines").locator("tr[data-category=amount_mismatch]")).to_contain_text("待财务处理")
    logout(page)

    login(page, live_server.url, "e2e_recon_finance", PASSWORD)
    with page.expect_navigation():
        page.get_by_test_id("nav").get_by_role("link", name="对账", exact=True).click()
    listed = page.get_by_test_id("reconciliations").locator("tr[data-reconciliation]")
    expect(listed.get_by_test_id("reconciliation-status")).to_have_text("有待处理差异")
    click(page, listed.locator("a").first)
    resolve(page, "amount_mismatch", "accept_theirs", "礼品商开票金额为准")
    resolve(page, "missing_in_ours", "write_off", "非本期订单，核销")

    mismatch = page.get_by_test_id("reconciliation-lines").locator("tr[data-category=amount_mismatch]")
    expect(mismatch).to_contain_text("以礼品商为准（调账）")
    expect(mismatch).to_contain_text("待审批")
    adjustment = Adjustment.objects.get(source_kind="reconciliation")
    assert (adjustment.amount, adjustment.state, adjustment.supplier_id) == (-1, Adjustment.State.PROPOSED, statement.supplier_id)
    click(page, page.get_by_role("link", name="返回结算单"))
    expect(page.get_by_test_id("statement-reconciliations").get_by_test_id("reconciliation-status")).to_have_text("已处理")
