"""A complaint in the browser: a member complains about an order, an operator triages it to the supplier, the
supplier answers before the deadline and the member reads the answer."""
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from points.services import ledger, orders
from suppliers.services import inventory
from tests.e2e.helpers import login, logout, open_nav
from tests.factories import GiftFactory, MemberFactory, SupplierUserFactory, UserFactory, WarehouseFactory
from tests.helpers import published

PASSWORD = "pass12345"  # what UserFactory sets
ANSWER = "已为您补发一盒新茶，今日发出"


@pytest.fixture
def placed_order():
    """The member's confirmed order of one gift of the supplier whose staff user is e2e_supplier."""
    now = timezone.now()
    operator = UserFactory(username="e2e_operator", role=Role.OPERATOR)
    gift = GiftFactory(name="端到端龙井茶")
    published(gift, actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-E2E-CS"), quantity=5, at=now)
    SupplierUserFactory(username="e2e_supplier", role=Role.SUPPLIER_STAFF, supplier=gift.supplier)
    member = MemberFactory(user=UserFactory(username="e2e_member", role=Role.MEMBER))
    ledger.earn_points(member=member, points=20_000, source=ledger.Source("batch", "E2E-CS"), at=now)
    return orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=now, recipient_name=member.name,
                              recipient_phone=member.phone, address="上海市浦东新区世纪大道100号")


def open_complaint(page: Page, number: str) -> None:
    with page.expect_navigation():
        page.get_by_test_id("complaints").locator(f"tr[data-number={number}] a").first.click()


def submit(page: Page, form) -> None:
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_a_member_complaint_is_triaged_answered_by_the_supplier_and_read_by_the_member(
    browser_page: Page, live_server, placed_order
):
    page, url = browser_page, live_server.url
    login(page, url, "e2e_member", PASSWORD)
    open_nav(page, "我的投诉")
    with page.expect_navigation():
        page.get_by_test_id("new-complaint").click()
    form = page.get_by_test_id("complaint-form")
    form.locator("[name=order]").select_option(str(placed_order.pk))
    form.locator("[name=title]").fill("茶叶包装破损")
    form.locator("[name=description]").fill("外包装破损，茶叶洒出")
    submit(page, form)
    expect(page.get_by_test_id("state")).to_have_text("待分派")
    number = page.locator("h1").inner_text().split()[1]
    logout(page)

    login(page, url, "e2e_operator", PASSWORD)
    expect(page.get_by_test_id("home-badge-complaint-desk")).to_have_text("1")  # the home page says what waits
    open_nav(page, "投诉处理")
    open_complaint(page, number)
    triage = page.get_by_test_id("action-triage")
    triage.locator("[name=responsible]").select_option("supplier")
    submit(page, triage)
    expect(page.get_by_test_id("state")).to_have_text("处理中")
    expect(page.get_by_test_id("responsible")).to_have_text("礼品商")
    logout(page)

    login(page, url, "e2e_supplier", PASSWORD)
    expect(page.get_by_test_id("nav-badge-complaint-desk")).to_have_text("1")
    open_nav(page, "投诉处理")
    expect(page.get_by_test_id("complaints").locator(f"tr[data-number={number}] [data-testid=deadline]")).not_to_have_text("—")
    open_complaint(page, number)
    respond = page.get_by_test_id("action-respond")
    respond.locator("[name=response]").fill(ANSWER)
    submit(page, respond)
    expect(page.get_by_test_id("state")).to_have_text("已答复")
    expect(page.get_by_test_id("overdue")).to_have_count(0)
    logout(page)

    login(page, url, "e2e_member", PASSWORD)
    open_nav(page, "我的投诉")
    open_complaint(page, number)
    expect(page.get_by_test_id("response")).to_have_text(ANSWER)
    expect(page.locator("button[data-action=resolve]")).to_be_visible()
