"""A member in the browser: browses the catalog, redeems a gift above the SMS threshold, confirms with the
texted code, cancels, and finds the points back."""
import os

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.models import Notification
from core.roles import Role
from points.services import ledger, orders
from suppliers.models import Gift
from suppliers.services import inventory
from tests.e2e.helpers import login, open_nav
from tests.factories import ADDRESS as RECIPIENT
from tests.factories import GiftFactory, MemberFactory, UserFactory, WarehouseFactory
from tests.helpers import published

PASSWORD = "pass12345"  # what UserFactory sets
GIFT = "端到端紫砂壶"
ADDRESS = "上海市浦东新区世纪大道100号"
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder to keep screenshots of each step in, for a look


@pytest.fixture
def member_with_points():
    """A gold GoTone member with 20 000 points and, in the catalog, a 12 000-point gift (above GoTone's 10 000 threshold)."""
    now = timezone.now()
    operator = UserFactory(username="e2e_operator", role=Role.OPERATOR)
    gift = GiftFactory(name=GIFT, points={"gotone": 12_000, "mzone": 9_000})
    published(gift, actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-E2E"), quantity=5, at=now)
    member = MemberFactory(user=UserFactory(username="e2e_member", role=Role.MEMBER))
    ledger.earn_points(member=member, points=20_000, source=ledger.Source("batch", "E2E"), at=now)
    return member


def submit(page: Page, form) -> None:
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"member-{name}.png"), full_page=True)


def texted_code(phone: str) -> str:
    return Notification.objects.filter(kind="confirmation_code", phone=phone).latest("id").body.split("验证码为 ")[1][:6]


def test_a_member_redeems_with_the_sms_code_cancels_and_gets_the_points_back(browser_page: Page, live_server, member_with_points):
    page, member = browser_page, member_with_points
    page.on("dialog", lambda dialog: dialog.accept())  # the cancel button asks for confirmation
    login(page, live_server.url, "e2e_member", PASSWORD)

    open_nav(page, "礼品目录")
    card = page.get_by_test_id("catalog").get_by_test_id("gift").filter(has_text=GIFT)
    expect(card.get_by_test_id("points-price")).to_have_text("12,000 积分")
    expect(card.get_by_test_id("sold-out")).to_have_count(0)
    snap(page, "catalog")
    with page.expect_navigation():
        card.get_by_role("link", name=GIFT).click()

    form = page.get_by_test_id("redeem-form")
    expect(form.locator("[name=recipient_name]")).to_have_value(member.name)
    expect(form.locator("[name=recipient_phone]")).to_have_value(member.phone)
    form.locator("[name=address]").fill(ADDRESS)
    submit(page, form)

    expect(page.get_by_test_id("points-cost")).to_have_text("12,000")
    form = page.get_by_test_id("confirm-form")
    code = texted_code(member.phone)
    form.locator("[name=code]").fill("000000" if code != "000000" else "111111")
    submit(page, form)
    expect(page.locator(".field-error[data-field=code]")).to_contain_text("还可尝试 4 次")
    snap(page, "wrong-code")
    form.locator("[name=code]").fill(code)
    submit(page, form)

    expect(page.get_by_test_id("state")).to_have_text("已确认")
    expect(page.locator(".messages li.success")).to_contain_text("已扣除 12,000 积分")
    open_nav(page, "我的积分")
    expect(page.get_by_test_id("balance")).to_have_text("8,000")

    open_nav(page, "我的订单")
    with page.expect_navigation():
        page.get_by_test_id("orders").locator("tbody").get_by_role("link").first.click()  # not a heading, which sorts
    expect(page.get_by_test_id("recipient")).to_contain_text(ADDRESS)
    snap(page, "order")
    form = page.get_by_test_id("cancel-form")
    form.locator("[name=reason]").fill("选错了")
    submit(page, form)

    expect(page.get_by_test_id("state")).to_have_text("已取消")
    expect(page.get_by_test_id("history")).to_contain_text("选错了")
    open_nav(page, "我的积分")
    expect(page.get_by_test_id("balance")).to_have_text("20,000")
    expect(page.get_by_test_id("ledger").locator("tbody tr").first).to_contain_text("订单取消退还")
    expect(page.get_by_test_id("expiries")).to_contain_text("20,000")
    snap(page, "points")

    with page.expect_navigation():  # the home page tells the same at a glance, the cancelled order first
        page.get_by_role("link", name="积分礼品供应商平台").click()
    expect(page.get_by_test_id("home-balance")).to_have_text("20,000")
    expect(page.get_by_test_id("home-orders").locator("li").first).to_contain_text(f"{GIFT} × 1 · 已取消")


def test_on_a_390_px_phone_the_order_list_shows_each_orders_state_without_scrolling(e2e_browser, live_server, member_with_points):
    gift = Gift.objects.get(name=GIFT)
    orders.place_order(member=member_with_points, gift_id=gift.pk, quantity=1, now=timezone.now(), **RECIPIENT)
    context = e2e_browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        login(page, live_server.url, "e2e_member", PASSWORD)
        page.goto(live_server.url + "/member/orders/")

        state = page.get_by_test_id("orders").get_by_test_id("state").first
        expect(state).to_have_text("待确认")
        box = state.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    finally:
        context.close()
