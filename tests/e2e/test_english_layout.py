"""English pages fit the screen as the Chinese ones do: on a 1280 px desktop, the long English headings and state names
of a table wrap between their words and no hidden label widens the page; on a 390 px phone, a chart's figures for
screen readers do not widen the page either, nor does the box a supplier types its response to a complaint in."""
from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from logistics.services import inbound
from suppliers.services import inventory
from tests.e2e.helpers import login
from tests.factories import GiftFactory, SupplierUserFactory, UserFactory, WarehouseFactory
from tests.helpers import published
from tests.settlement.kpi_facts import complaint

PASSWORD = "pass12345"  # what UserFactory sets
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 800}
WIDTHS = "() => ({screen: window.innerWidth, page: document.documentElement.scrollWidth})"
#: how a table's heading and a state's badge in it end their lines: "normal" between words, "nowrap" never
WRAPS = """() => [document.querySelector('[data-testid=inbound] th'), document.querySelector('[data-testid=inbound] .badge')]
                  .map(element => getComputedStyle(element).whiteSpace)"""


@pytest.fixture
def announced():
    """Stock on hand at a warehouse and more announced on its way there (a row logistics receives with a form)."""
    now = timezone.now()
    gift = GiftFactory(name="英文页面保温杯")
    published(gift, actor=UserFactory(username="en_operator", role=Role.OPERATOR), at=now)
    warehouse = WarehouseFactory(code="WH-EN")
    inventory.receive_stock(gift=gift, location=warehouse, quantity=5, at=now)
    SupplierUserFactory(username="en_supplier", role=Role.SUPPLIER_STAFF, supplier=gift.supplier)
    UserFactory(username="en_logistics", role=Role.LOGISTICS)
    return inbound.announce_inbound(supplier=gift.supplier, gift_id=gift.pk, location_id=warehouse.pk, quantity=10,
                                    expected_on=timezone.localdate() + timedelta(days=2), actor=None, now=now)


def opened(e2e_browser, live_server, viewport, username, language, path):
    context = e2e_browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    login(page, live_server.url, username, PASSWORD)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + path)
    return context, page


def test_on_a_desktop_english_headings_and_badges_wrap_and_the_page_does_not_scroll_sideways(e2e_browser, live_server, announced):
    for language, wraps in (("en", "normal"), ("zh-hans", "nowrap")):
        context, page = opened(e2e_browser, live_server, DESKTOP, "en_logistics", language, "/logistics/inbound/")
        try:
            widths = page.evaluate(WIDTHS)
            assert page.evaluate(WRAPS) == [wraps, wraps]
            assert widths["page"] <= widths["screen"], f"{language}: the page scrolls sideways {widths}"
        finally:
            context.close()


def test_on_a_phone_a_charts_hidden_figures_do_not_widen_the_english_page(e2e_browser, live_server, announced):
    context, page = opened(e2e_browser, live_server, PHONE, "en_supplier", "en", "/supplier/stock/movements/")
    try:
        widths = page.evaluate(WIDTHS)
        assert page.get_by_test_id("chart-data").count() == 1
        assert widths["page"] <= widths["screen"], f"the page scrolls sideways {widths}"
    finally:
        context.close()


def test_on_a_phone_the_box_for_a_complaints_response_fits_the_screen(e2e_browser, live_server, announced):
    complained = complaint(announced.supplier, opened_at=timezone.now())
    context, page = opened(e2e_browser, live_server, PHONE, "en_supplier", "en", f"/complaints/{complained.pk}/")
    try:
        widths = page.evaluate(WIDTHS)
        box = page.get_by_test_id("action-respond").locator("textarea").bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"]
        assert widths["page"] <= widths["screen"], f"the page scrolls sideways {widths}"
    finally:
        context.close()
