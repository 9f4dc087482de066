"""A licence renewal in the browser: the supplier uploads it on its paperwork page, where it waits for review; an
operator finds it in the 资质审核 queue from the navigation and approves it; the supplier then reads it approved."""
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from suppliers.models import Qualification
from tests.e2e.helpers import login, logout
from tests.factories import QualificationFactory, SupplierFactory, SupplierUserFactory, UserFactory

PASSWORD = "pass12345"  # what UserFactory sets


def test_a_supplier_uploads_a_licence_renewal_that_an_operator_approves(browser_page: Page, live_server, tmp_path):
    page = browser_page
    supplier = SupplierFactory(licence=None)  # its only licence the old one below
    QualificationFactory(supplier=supplier, number="LIC-OLD")  # recorded before a licence's number had to be its credit code
    SupplierUserFactory(username="e2e_supplier_admin", role=Role.SUPPLIER_ADMIN, supplier=supplier)
    UserFactory(username="e2e_operator", role=Role.OPERATOR)
    scan = tmp_path / "licence.pdf"
    scan.write_bytes(b"%PDF-1.4 licence scan")
    today = timezone.localdate()

    login(page, live_server.url, "e2e_supplier_admin", PASSWORD)
    with page.expect_navigation():
        page.get_by_test_id("nav").get_by_role("link", name="合同与资质", exact=True).click()
    form = page.get_by_test_id("qualification-form")
    form.locator("[name=qualification-kind]").select_option(Qualification.Kind.BUSINESS_LICENCE)
    form.locator("[name=qualification-number]").fill(supplier.credit_code)
    form.locator("[name=qualification-issued_on]").fill(f"{today:%Y-%m-%d}")
    form.locator("[name=qualification-expires_on]").fill(f"{today + timedelta(days=730):%Y-%m-%d}")
    form.locator("[name=qualification-file]").set_input_files(str(scan))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    renewal = Qualification.objects.get(number=supplier.credit_code)
    expect(page.get_by_test_id(f"review-{renewal.pk}")).to_have_text("待审核")
    logout(page)

    login(page, live_server.url, "e2e_operator", PASSWORD)
    with page.expect_navigation():
        page.get_by_test_id("nav").get_by_role("link", name="资质审核", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name=supplier.credit_code, exact=True).click()
    expect(page.get_by_test_id("replaced")).to_contain_text("LIC-OLD")
    with page.expect_navigation():
        page.locator("button[data-action=approve]").click()
    logout(page)

    login(page, live_server.url, "e2e_supplier_admin", PASSWORD)
    page.goto(f"{live_server.url}/supplier/paperwork/")
    expect(page.get_by_test_id(f"review-{renewal.pk}")).to_have_text("已通过")
