"""Steps shared by browser tests: log in through the login form, log out through the header button, follow a link or
press a button that loads a page, open a navigation entry."""
import re

from playwright.sync_api import Page, expect

LOGIN_PATH = "/accounts/login/"
LOGIN_URL_RE = re.compile(r"/accounts/login/(\?.*)?$")


def login(page: Page, live_server_url: str, username: str, password: str, *, expect_success: bool = True) -> Page:
    """Open the login page, submit the form and (by default) wait until the portal has let us in."""
    page.goto(live_server_url.rstrip("/") + LOGIN_PATH)
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    if expect_success:
        expect(page).not_to_have_url(LOGIN_URL_RE)
        unfold_menu(page)
        expect(page.get_by_test_id("logout")).to_be_visible()
    return page


def unfold_menu(page: Page) -> None:
    """On a phone, press the menu button that folds the navigation and the account (its logout, the language)."""
    toggle = page.get_by_test_id("nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()


def logout(page: Page) -> Page:
    """Press the header's logout button (a POST form; on a phone, in the menu) and wait for the login page."""
    unfold_menu(page)
    with page.expect_navigation():
        page.get_by_test_id("logout").click()
    expect(page).to_have_url(LOGIN_URL_RE)
    return page


def click(page: Page, locator) -> None:
    """Click a link or a form's button and wait for the page it loads."""
    with page.expect_navigation():
        locator.click()


def open_nav(page: Page, label: str) -> None:
    """Open the navigation's entry named `label` (on a phone, after unfolding the navigation with the menu button)."""
    unfold_menu(page)
    click(page, page.get_by_test_id("nav").get_by_role("link", name=label, exact=True))


def issued_statement(*, supplier_name: str, admin: str, finance: str, amounts: list[str]):
    """Last month's statement of a contracted supplier (whose admin is `admin`), one delivery per amount, generated and
    issued by the finance user `finance` through the services."""
    from datetime import timedelta

    from django.utils import timezone

    from settlement.models import Statement
    from settlement.services import generation, statements
    from tests.factories import SupplierFactory, SupplierUserFactory, UserFactory, contracted
    from tests.settlement.conftest import booked_order, paying_account

    now = timezone.now()
    month = generation.last_closed_month(now)
    supplier = contracted(SupplierFactory(name=supplier_name))
    SupplierUserFactory(username=admin, role="supplier_admin", supplier=supplier)
    issuer = UserFactory(username=finance, role="finance")
    paying_account(supplier)
    for day, amount in enumerate(amounts, start=3):
        booked_order(supplier, amount, recorded_at=generation.month_start(month) + timedelta(days=day))
    generation.generate_now(month=month, actor=issuer, now=now)
    return statements.issue_statement(statement=Statement.objects.get(supplier=supplier, month=month), actor=issuer, now=now)
