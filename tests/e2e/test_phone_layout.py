"""A member on a 375 px phone: the catalog, an order and the points fit the screen's width (nothing to scroll sideways,
neither the page nor its content), and the navigation and the account, folded behind the menu button, open and take a
finger."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.roles import Role
from points.services import ledger, orders
from suppliers.services import inventory
from tests.e2e.helpers import login, open_nav
from tests.factories import ADDRESS as RECIPIENT
from tests.factories import GiftFactory, MemberFactory, UserFactory, WarehouseFactory
from tests.helpers import published

PASSWORD = "pass12345"  # what UserFactory sets
PHONE = {"width": 375, "height": 740}
FINGER_PX = 40

# the page's width and, in it, the width of the main content: neither may be wider than the screen
WIDTHS = """() => ({screen: window.innerWidth, page: document.documentElement.scrollWidth,
                    main: document.querySelector('main').scrollWidth, mainBox: document.querySelector('main').clientWidth})"""


@pytest.fixture
def member_with_an_order():
    now = timezone.now()
    operator = UserFactory(username="phone_operator", role=Role.OPERATOR)
    gift = GiftFactory(name="手机端保温杯", points={"gotone": 400, "mzone": 300})
    published(gift, actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-PHONE"), quantity=5, at=now)
    member = MemberFactory(user=UserFactory(username="phone_member", role=Role.MEMBER))
    ledger.earn_points(member=member, points=5_000, source=ledger.Source("batch", "PHONE"), at=now)
    return orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=now, **RECIPIENT)


def assert_fits_the_screen(page, what: str) -> None:
    widths = page.evaluate(WIDTHS)
    assert widths["page"] <= widths["screen"], f"{what}: the page scrolls sideways {widths}"
    assert widths["main"] <= widths["mainBox"], f"{what}: the content is wider than the screen {widths}"


def test_on_a_375_px_phone_member_pages_fit_the_screen_and_the_menu_opens_the_navigation(e2e_browser, live_server, member_with_an_order):
    context = e2e_browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE)
    try:
        page = context.new_page()
        login(page, live_server.url, "phone_member", PASSWORD)
        for what, path in [("catalog", "/member/catalog/"), ("order", f"/member/orders/{member_with_an_order.pk}/"), ("points", "/member/points/")]:
            page.goto(live_server.url + path)
            assert_fits_the_screen(page, what)

        nav, toggle = page.get_by_test_id("nav"), page.get_by_test_id("nav-toggle")
        expect(nav).to_be_hidden()  # folded: the page's content comes first, under a header of one line
        expect(page.get_by_test_id("logout")).to_be_hidden()  # the account and the language are in the menu too
        assert page.locator("header").bounding_box()["height"] < 2 * FINGER_PX
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.get_by_test_id("logout")).to_be_visible()
        expect(page.get_by_test_id("switch-language")).to_be_visible()
        link = nav.get_by_role("link", name="礼品目录", exact=True)
        expect(link).to_be_visible()
        assert link.bounding_box()["height"] >= FINGER_PX
        assert toggle.bounding_box()["height"] >= FINGER_PX
        lefts = page.evaluate("() => Array.from(document.querySelectorAll('#nav .nav-item > a:first-child'), a => a.getBoundingClientRect().left)")
        assert len(lefts) > 1 and len({round(left) for left in lefts}) == 1, f"the menu's entries are not one column: {lefts}"
        assert_fits_the_screen(page, "open navigation")

        open_nav(page, "我的订单")
        expect(page.get_by_test_id("orders")).to_contain_text(member_with_an_order.number)
    finally:
        context.close()


# each list shown as cards: (its width, the width it is shown in, the labels of its first row's cells)
CARDS = """() => Array.from(document.querySelectorAll('table.cards')).map(t => ({
    width: t.scrollWidth, box: t.clientWidth, labelled: t.classList.contains('labelled'),
    labels: Array.from(t.querySelectorAll('tbody tr:first-child td')).map(td => td.getAttribute('data-label'))}))"""


def test_on_a_375_px_phone_a_members_lists_are_cards_with_each_value_under_its_columns_name(e2e_browser, live_server, member_with_an_order):
    context = e2e_browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE)
    try:
        page = context.new_page()
        login(page, live_server.url, "phone_member", PASSWORD)
        for what, path in [("orders", "/member/orders/"), ("points", "/member/points/"), ("returns", "/logistics/my-returns/"),
                           ("an order's history", f"/member/orders/{member_with_an_order.pk}/")]:
            page.goto(live_server.url + path)
            assert_fits_the_screen(page, what)
            tables = page.evaluate(CARDS)
            assert tables and all(t["labelled"] and t["width"] <= t["box"] for t in tables), f"{what}: {tables}"
        page.goto(live_server.url + "/member/orders/")
        assert page.evaluate(CARDS)[0]["labels"] == ["订单号", "状态", "礼品", "数量", "积分", "下单时间"]
        number = page.get_by_test_id("orders").locator("td", has_text=member_with_an_order.number)
        assert number.bounding_box()["width"] <= PHONE["width"]
    finally:
        context.close()
