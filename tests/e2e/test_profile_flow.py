"""A supplier admin changes its address in the browser: the change form shows only the fields of the change chosen
(the bank account's three and its evidence at first, the address alone once 地址 is chosen), and the new address applies at once."""
from playwright.sync_api import Page, expect

from core.roles import Role
from suppliers.models import ProfileChange, Supplier
from tests.e2e.helpers import login
from tests.factories import SupplierFactory, SupplierUserFactory

PASSWORD = "pass12345"  # what UserFactory sets


def test_the_change_form_shows_the_chosen_changes_fields_and_the_address_applies_at_once(browser_page: Page, live_server):
    page = browser_page
    supplier = SupplierFactory(address="浙江省杭州市西湖区文三路 100 号")
    SupplierUserFactory(username="e2e_profile_admin", role=Role.SUPPLIER_ADMIN, supplier=supplier)

    login(page, live_server.url, "e2e_profile_admin", PASSWORD)
    with page.expect_navigation():
        page.get_by_test_id("nav").get_by_role("link", name="资料信息", exact=True).click()
    form = page.get_by_test_id("change-form")
    expect(form.locator("[name=bank_name]")).to_be_visible()
    expect(form.locator("[name=evidence]")).to_be_visible()  # the permit goes with a bank account change
    expect(form.locator("[name=address]")).to_be_hidden()

    form.locator("[name=field]").select_option(ProfileChange.Field.ADDRESS)
    expect(form.locator("[name=address]")).to_be_visible()
    for other in ("bank_name", "account_number", "legal_name", "credit_code", "contact_name", "evidence"):
        expect(form.locator(f"[name={other}]")).to_be_hidden()
    form.locator("[name=address]").fill("浙江省杭州市滨江区长河路 1 号")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    expect(page.get_by_text("浙江省杭州市滨江区长河路 1 号").first).to_be_visible()
    assert Supplier.objects.get(pk=supplier.pk).address == "浙江省杭州市滨江区长河路 1 号"
