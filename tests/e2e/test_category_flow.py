"""Gift categories in the browser: an operator adds one from the navigation (a bad code comes back next to its field),
and a supplier finds it among the categories of the gift form."""
from playwright.sync_api import Page, expect

from core.roles import Role
from tests.e2e.helpers import login, logout
from tests.factories import SupplierFactory, SupplierUserFactory, UserFactory

PASSWORD = "pass12345"  # what UserFactory sets


def test_an_operator_adds_a_category_that_a_supplier_then_chooses_for_a_gift(browser_page: Page, live_server):
    page = browser_page
    UserFactory(username="e2e_operator", role=Role.OPERATOR)
    SupplierUserFactory(username="e2e_supplier", role=Role.SUPPLIER_STAFF, supplier=SupplierFactory())

    login(page, live_server.url, "e2e_operator", PASSWORD)
    with page.expect_navigation():
        page.get_by_test_id("nav").get_by_role("link", name="礼品类别", exact=True).click()
    form = page.get_by_test_id("new-category")
    form.locator("[name=code]").fill("Home Goods")  # not a code: refused next to the field
    form.locator("[name=name]").fill("家居用品")
    form.locator("[name=name_en]").fill("Home goods")
    form.locator("[name=required_certificates]").fill("3C")
    with page.expect_navigation():
        form.locator("button[data-action=add]").click()
    expect(page.get_by_test_id("new-category")).to_contain_text("代码须为小写字母")
    page.get_by_test_id("new-category").locator("[name=code]").fill("home")
    with page.expect_navigation():
        page.get_by_test_id("new-category").locator("button[data-action=add]").click()
    expect(page.locator("tr[data-category=home]")).to_contain_text("家居用品")
    expect(page.locator("tr[data-category=home] [data-testid=certificates]")).to_have_text("3C")
    logout(page)

    login(page, live_server.url, "e2e_supplier", PASSWORD)
    page.goto(f"{live_server.url}/supplier/gifts/new/")
    expect(page.locator("select[name=category] option", has_text="家居用品")).to_have_count(1)
