"""A gift's way to the shelf in the browser: the supplier creates and submits it, an operator approves and publishes it."""
import pytest
from playwright.sync_api import Page, expect

from core.roles import Role
from suppliers.services.gift_images import demo_picture
from tests.e2e.helpers import login, logout, open_nav
from tests.factories import CategoryFactory, QualificationFactory, SupplierFactory, SupplierUserFactory, UserFactory

PASSWORD = "pass12345"  # what UserFactory sets
SKU = "E2E-TEA-01"


@pytest.fixture
def people():
    supplier = SupplierFactory()
    QualificationFactory(supplier=supplier)  # a valid business licence: submissions are allowed
    CategoryFactory(code="tea", name="茶叶")
    SupplierUserFactory(username="e2e_supplier", role=Role.SUPPLIER_STAFF, supplier=supplier)
    UserFactory(username="e2e_operator", role=Role.OPERATOR)
    return supplier


def press(page: Page, scope, action: str) -> None:
    """Press an action button (each posts its own form) and wait for the page it leads to."""
    with page.expect_navigation():
        scope.locator(f"button[data-action={action}]").click()


def create_gift(page: Page, picture) -> None:
    open_nav(page, "我的礼品")
    with page.expect_navigation():
        page.get_by_test_id("new-gift").click()
    form = page.get_by_test_id("gift-form")
    form.locator("input[name=upload]").set_input_files(str(picture))
    fields = {
        "sku": SKU, "name": "端到端龙井礼盒", "description": "明前春茶",
        "specification": "250g × 2", "warranty_text": "质量问题15天包换", "market_price": "298.00", "settlement_price": "180.00",
        "discount_gold": "5", "points_gotone": "1500", "points_mzone": "1200",
    }
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("select[name=category]").select_option(label="茶叶")
    form.locator("select[name=fulfilment]").select_option("warehouse")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_a_gift_goes_from_the_suppliers_draft_to_online(browser_page: Page, live_server, people, tmp_path):
    page = browser_page
    picture = tmp_path / "longjing.png"
    picture.write_bytes(demo_picture("longjing"))

    login(page, live_server.url, "e2e_supplier", PASSWORD)
    create_gift(page, picture)
    expect(page.get_by_test_id("state")).to_have_text("草稿")
    shown = page.get_by_test_id("gift-images").locator("img")
    expect(shown).to_have_count(1)
    page.wait_for_function("img => img.complete && img.naturalWidth === 480", arg=shown.element_handle())  # the upload, served back
    expect(page.get_by_test_id("gift-prices")).to_contain_text("1,500")
    press(page, page.get_by_test_id("actions"), "submit")
    expect(page.get_by_test_id("state")).to_have_text("待审核")
    expect(page.get_by_test_id("history")).to_contain_text("提交")
    logout(page)

    login(page, live_server.url, "e2e_operator", PASSWORD)
    open_nav(page, "礼品审核")
    row = page.get_by_test_id("review-gifts").locator(f"tr[data-sku='{SKU}']")
    press(page, row, "reject")  # without its reason: refused next to the reason, which takes the focus
    expect(row.locator(".field-error[data-field=reason]")).to_have_text("请填写驳回原因")
    expect(row.locator("input[name=reason]")).to_be_focused()
    row.locator("input[name=reason]").fill("资料齐全")
    press(page, row, "approve")
    expect(page.locator(".messages li.success")).to_contain_text(SKU)
    expect(page.get_by_test_id("review-gifts").locator(f"tr[data-sku='{SKU}']")).to_have_count(0)
    open_nav(page, "礼品管理")
    row = page.get_by_test_id("gifts").locator(f"tr[data-sku='{SKU}']")
    expect(row.get_by_test_id("state")).to_have_text("已审核")
    press(page, row, "publish")
    expect(page.get_by_test_id("gifts").locator(f"tr[data-sku='{SKU}']").get_by_test_id("state")).to_have_text("已上线")
    logout(page)

    login(page, live_server.url, "e2e_supplier", PASSWORD)
    open_nav(page, "我的礼品")
    with page.expect_navigation():
        page.get_by_test_id("gifts").get_by_role("link", name="端到端龙井礼盒").click()
    expect(page.get_by_test_id("state")).to_have_text("已上线")
    expect(page.get_by_test_id("history")).to_contain_text("上线")
    expect(page.get_by_test_id("actions").locator("button[data-action=request_delisting]")).to_be_visible()
