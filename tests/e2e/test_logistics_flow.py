"""Goods on their way in the browser: the supplier announces stock, logistics receives it (stock goes up), hands a
member's order over in a batch, ships and delivers it, and the member sees it delivered."""
import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from points.services import ledger, orders
from suppliers.models import StockRecord
from suppliers.services import inventory
from tests.e2e.helpers import login, logout
from tests.e2e.test_catalog_flow import open_nav, press  # the portal's navigation and action-button steps
from tests.factories import GiftFactory, MemberFactory, SupplierUserFactory, UserFactory, WarehouseFactory
from tests.helpers import published

PASSWORD = "pass12345"  # what UserFactory sets
GIFT = "端到端青瓷茶具"
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")


@pytest.fixture
def world():
    """A listed warehouse gift with 2 units, its supplier's staff, logistics staff and a member with points."""
    now = timezone.now()
    operator = UserFactory(username="e2e_operator", role=Role.OPERATOR)
    gift = GiftFactory(name=GIFT)
    published(gift, actor=operator, at=now)
    warehouse = WarehouseFactory(code="WH-E2E-FLOW", name="端到端华东仓")
    inventory.receive_stock(gift=gift, location=warehouse, quantity=2, at=now)
    SupplierUserFactory(username="e2e_supplier", role=Role.SUPPLIER_STAFF, supplier=gift.supplier)
    UserFactory(username="e2e_logistics", role=Role.LOGISTICS)
    member = MemberFactory(user=UserFactory(username="e2e_member", role=Role.MEMBER), name="刘洋")
    ledger.earn_points(member=member, points=5_000, source=ledger.Source("batch", "E2E"), at=now)
    return {"gift": gift, "warehouse": warehouse, "member": member}


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"logistics-{name}.png"), full_page=True)


def on_hand(world) -> int:
    return StockRecord.objects.get(gift=world["gift"], location=world["warehouse"]).on_hand


def test_stock_comes_in_and_an_order_goes_out_to_the_member(browser_page: Page, live_server, world):
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, live_server.url, "e2e_supplier", PASSWORD)
    open_nav(page, "入库预报")
    form = page.get_by_test_id("announce-form")
    form.locator("select[name=gift]").select_option(str(world["gift"].pk))
    form.locator("select[name=location]").select_option(label="端到端华东仓")
    form.locator("[name=quantity]").fill("10")
    form.locator("[name=expected_on]").fill((timezone.localdate() + timedelta(days=2)).isoformat())
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".messages li.success")).to_contain_text("已预报入库")
    expect(page.get_by_test_id("inbound").get_by_test_id("state")).to_have_text("已预报")
    snap(page, "announced")
    logout(page)

    login(page, live_server.url, "e2e_logistics", PASSWORD)
    open_nav(page, "入库收货")
    row = page.get_by_test_id("inbound").locator("tbody tr").first
    row.locator("[name=counted_quantity]").fill("10")
    row.locator("[name=damaged_quantity]").fill("1")
    press(page, row, "receive")
    expect(page.locator(".messages li.success")).to_contain_text("收货")
    row = page.get_by_test_id("inbound").locator("tbody tr").first
    expect(row.get_by_test_id("state")).to_have_text("已收货")
    assert on_hand(world) == 2 + 9
    press(page, row, "put_away")
    expect(page.get_by_test_id("inbound").locator("tbody tr").first.get_by_test_id("state")).to_have_text("已上架")
    snap(page, "received")

    order = orders.place_order(member=world["member"], gift_id=world["gift"].pk, quantity=1, now=timezone.now(),
                               recipient_name="刘洋", recipient_phone="13800138000", address="上海市浦东新区世纪大道100号")
    open_nav(page, "交接批次")
    expect(page.get_by_test_id("waiting")).to_contain_text("1")
    press(page, page.get_by_test_id("handoff-form"), "hand_over")
    expect(page.get_by_test_id("batches").get_by_test_id("order-count").first).to_have_text("1")
    snap(page, "handoff")

    open_nav(page, "运单")
    with page.expect_navigation():
        page.get_by_test_id("shipments").get_by_role("link", name=order.number).click()
    expect(page.get_by_test_id("recipient")).to_contain_text("13800138000")
    actions = page.get_by_test_id("actions")
    press(page, actions, "pick")
    expect(page.get_by_test_id("state")).to_have_text("已拣货")
    ship = page.locator("form[data-action-form=ship]")
    ship.locator("[name=carrier]").fill("顺丰速运")
    ship.locator("[name=tracking_number]").fill("SF-E2E-001")
    press(page, ship, "ship")
    expect(page.get_by_test_id("state")).to_have_text("已发货")
    expect(page.get_by_test_id("tracking-number")).to_have_text("SF-E2E-001")
    deliver = page.locator("form[data-action-form=deliver]")
    deliver.locator("[name=signer]").fill("刘洋")
    press(page, deliver, "deliver")
    expect(page.get_by_test_id("state")).to_have_text("已签收")
    expect(page.get_by_test_id("signer")).to_have_text("刘洋")
    expect(page.get_by_test_id("history")).to_contain_text("签收")
    snap(page, "delivered")
    logout(page)

    login(page, live_server.url, "e2e_member", PASSWORD)
    open_nav(page, "物流跟踪")
    row = page.get_by_test_id("shipments").locator(f"tr[data-number='{order.number}']")
    expect(row.get_by_test_id("state")).to_have_text("已签收")
    expect(row.get_by_test_id("tracking-number")).to_have_text("SF-E2E-001")
    expect(row.locator("button[data-action=confirm_receipt]")).to_have_count(0)
    snap(page, "member")
    assert on_hand(world) == 2 + 9 - 1
