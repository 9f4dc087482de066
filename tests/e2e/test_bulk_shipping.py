"""Shipping by file in the browser: logistics downloads the template of the parcels waiting, fills in carrier and
tracking number, uploads it, and every parcel ships; a file with a bad row ships nothing and names the row."""
import csv
import io

from django.utils import timezone
from playwright.sync_api import Page, expect

from core.roles import Role
from logistics.models import Shipment
from logistics.services import shipments
from points.services import ledger, orders
from suppliers.services import inventory
from tests.e2e.helpers import login
from tests.e2e.test_catalog_flow import open_nav
from tests.factories import ADDRESS, GiftFactory, MemberFactory, UserFactory, WarehouseFactory
from tests.helpers import published

PASSWORD = "pass12345"  # what UserFactory sets


def handed_over_parcels(count: int) -> None:
    """`count` members' orders of one warehouse gift, each a parcel handed over to logistics and waiting to ship."""
    now = timezone.now()
    operator = UserFactory(username="e2e_operator", role=Role.OPERATOR)
    gift = GiftFactory(name="端到端批量发货礼品")
    published(gift, actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-E2E-BULK"), quantity=count, at=now)
    for n in range(count):
        member = MemberFactory()
        ledger.earn_points(member=member, points=5_000, source=ledger.Source("batch", f"E2E-{n}"), at=now)
        orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)
    logistics = UserFactory(username="e2e_logistics", role=Role.LOGISTICS)
    shipments.hand_over_warehouse_orders(key="E2E-BULK", actor=logistics, now=now)


def filled(template: bytes, *, tracking: list[str]) -> bytes:
    rows = list(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    carrier, number = header.index("承运商"), header.index("运单号")
    for row, tracking_number in zip(body, tracking, strict=True):
        row[carrier], row[number] = "顺丰", tracking_number
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    return out.getvalue().encode("utf-8")


def test_logistics_ships_the_waiting_parcels_from_the_filled_in_template(browser_page: Page, live_server, tmp_path):
    page = browser_page
    handed_over_parcels(2)

    login(page, live_server.url, "e2e_logistics", PASSWORD)
    open_nav(page, "批量发货")
    with page.expect_download() as download:
        page.get_by_test_id("shipping-template").locator("a[data-format=csv]").click()
    template = download.value.path().read_bytes()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(filled(template, tracking=["SF-E2E-1", "SF-E2E-1"]))  # the same tracking number twice
    page.get_by_test_id("shipping-file-form").locator("[name=file]").set_input_files(str(bad))
    with page.expect_navigation():
        page.get_by_test_id("shipping-file-form").locator("button[type=submit]").click()
    expect(page.locator("[data-testid=problems] tr[data-row='3'][data-column=tracking_number]")).to_have_count(1)  # the repeat
    assert set(Shipment.objects.values_list("state", flat=True)) == {"created"}

    good = tmp_path / "good.csv"
    good.write_bytes(filled(template, tracking=["SF-E2E-1", "SF-E2E-2"]))
    page.get_by_test_id("shipping-file-form").locator("[name=file]").set_input_files(str(good))
    with page.expect_navigation():
        page.get_by_test_id("shipping-file-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("shipped")).to_be_visible(timeout=15_000)
    assert sorted(Shipment.objects.values_list("state", "tracking_number")) == [("shipped", "SF-E2E-1"), ("shipped", "SF-E2E-2")]
