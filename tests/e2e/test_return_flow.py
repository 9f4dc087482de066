"""A return in the browser: the member asks to return a delivered gift, an operator approves, logistics staff
receive it and inspect it as resellable, and the member finds the points back."""
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from logistics.services import shipments
from points.services import ledger, orders
from suppliers.services import inventory
from tests.e2e.helpers import login, logout, open_nav
from tests.factories import GiftFactory, MemberFactory, UserFactory, WarehouseFactory
from tests.helpers import picked_and_shipped, published

PASSWORD = "pass12345"  # what UserFactory sets
GIFT = "端到端保温杯"


@pytest.fixture
def delivered_order():
    """The member's order of one 1500-point gift (of 20 000 points), handed over, shipped and delivered just now."""
    now = timezone.now()
    operator = UserFactory(username="e2e_operator", role=Role.OPERATOR)
    logistics = UserFactory(username="e2e_logistics", role=Role.LOGISTICS)
    gift = GiftFactory(name=GIFT)
    published(gift, actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-E2E-RET"), quantity=5, at=now)
    member = MemberFactory(user=UserFactory(username="e2e_member", role=Role.MEMBER))
    ledger.earn_points(member=member, points=20_000, source=ledger.Source("batch", "E2E"), at=now)
    order = orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=now, recipient_name=member.name,
                               recipient_phone=member.phone, address="上海市浦东新区世纪大道100号")
    shipments.hand_over_warehouse_orders(key="E2E-RET", actor=logistics, now=now)
    order.refresh_from_db()
    shipment = shipments.active_shipment(order)
    picked_and_shipped(shipment=shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-E2E-RET")
    shipments.deliver_shipment(shipment=shipment, actor=logistics, now=now, signer=member.name)
    return order


def returns_row(page: Page, url: str, username: str, number: str):
    """Log in as `username`, open the 退换货 page and give the row of return `number`."""
    login(page, url, username, PASSWORD)
    open_nav(page, "退换货")
    return page.get_by_test_id("returns").locator(f"tr[data-number={number}]")


def press(page: Page, row, action: str) -> None:
    with page.expect_navigation():
        row.locator(f"button[data-action={action}]").click()


def test_a_member_returns_an_unused_gift_and_gets_the_points_back(browser_page: Page, live_server, delivered_order):
    page, url = browser_page, live_server.url
    login(page, url, "e2e_member", PASSWORD)
    open_nav(page, "我的积分")
    expect(page.get_by_test_id("balance")).to_have_text("18,500")

    open_nav(page, "退换货")
    returnable = page.get_by_test_id("returnable-orders").locator(f"tr[data-number={delivered_order.number}]")
    with page.expect_navigation():
        returnable.get_by_test_id("request-return").click()
    form = page.get_by_test_id("return-form")
    form.locator("[name=quantity]").fill("1")
    form.locator("[name=reason]").select_option("unused")
    form.locator("[name=remedy]").select_option("refund")
    form.locator("[name=description]").fill("未拆封，不需要了")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("state")).to_have_text("已申请")
    number = page.locator("h1").inner_text().split()[1]
    logout(page)

    row = returns_row(page, url, "e2e_operator", number)
    press(page, row, "approve")
    expect(row.get_by_test_id("state")).to_have_text("已同意")
    logout(page)

    row = returns_row(page, url, "e2e_logistics", number)
    press(page, row, "receive")
    expect(row.get_by_test_id("state")).to_have_text("已收货")
    row.locator("select[name=outcome]").select_option("resellable")
    row.locator("input[name=reason]").fill("包装完好，可再售")
    press(page, row, "inspect")
    expect(row.get_by_test_id("state")).to_have_text("已退款")
    logout(page)

    mine = returns_row(page, url, "e2e_member", number)
    expect(mine.get_by_test_id("state")).to_have_text("已退款")
    expect(mine.get_by_test_id("refunded-points")).to_have_text("1,500")
    open_nav(page, "我的积分")
    expect(page.get_by_test_id("balance")).to_have_text("20,000")
    expect(page.get_by_test_id("ledger").locator("tbody tr").first).to_contain_text("1,500")
