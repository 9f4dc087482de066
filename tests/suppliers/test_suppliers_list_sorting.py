"""The supplier app's portal lists sort by their columns' headings (core.forms.ListFilter.sorts), ascending then
descending, as the role that reads each list: the suppliers, the notices, the gifts, the paperwork under review, the
stock, its movements and the replenishment requests; a supplier sorting its lists still sees only its own rows."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from suppliers.models import GiftRevision, ReplenishmentRequest, StockRecord
from suppliers.services import inventory
from tests.factories import (
    FIXED_NOW, ApplicantFactory, ContractFactory, GiftFactory, NoticeFactory, QualificationFactory, SupplierFactory, WarehouseFactory,
)
from tests.helpers import gift_in_state
from tests.portal import downloaded
from tests.suppliers.profile_factories import ProfileChangeFactory
from tests.portal import listed_in_order, logged_in, sort_headings

pytestmark = pytest.mark.django_db


def days_ago(days: int):
    return FIXED_NOW - timedelta(days=days)


def test_the_operator_sorts_the_suppliers_by_when_they_applied_and_by_name(operator):
    middle = ApplicantFactory(name="乙礼品商", applied_at=days_ago(2))
    newest = ApplicantFactory(name="丙礼品商", applied_at=days_ago(1))
    oldest = ApplicantFactory(name="甲礼品商", applied_at=days_ago(3))

    assert listed_in_order(operator, "/supplier/review/", ordering="applied_at") == [oldest.pk, middle.pk, newest.pk]
    assert listed_in_order(operator, "/supplier/review/", ordering="-applied_at") == [newest.pk, middle.pk, oldest.pk]
    assert listed_in_order(operator, "/supplier/review/", ordering="-id") == [oldest.pk, newest.pk, middle.pk]


def test_a_supplier_sorts_its_inbox_by_time_and_sees_only_its_own_notices(supplier, other_supplier, supplier_staff):
    middle = NoticeFactory(supplier=supplier, created_at=days_ago(2))
    newest = NoticeFactory(supplier=supplier, created_at=days_ago(1))
    oldest = NoticeFactory(supplier=supplier, created_at=days_ago(3))
    NoticeFactory(supplier=other_supplier, created_at=days_ago(4))
    NoticeFactory(supplier=other_supplier, created_at=FIXED_NOW)

    assert listed_in_order(supplier_staff, "/supplier/notices/", ordering="created_at") == [oldest.pk, middle.pk, newest.pk]
    assert listed_in_order(supplier_staff, "/supplier/notices/", ordering="-created_at") == [newest.pk, middle.pk, oldest.pk]


def test_the_operator_sorts_every_inbox_by_supplier(operator):
    second = NoticeFactory(supplier=SupplierFactory(name="B 礼品商"))
    first = NoticeFactory(supplier=SupplierFactory(name="A 礼品商"))
    third = NoticeFactory(supplier=SupplierFactory(name="C 礼品商"))
    by_name = [first, second, third]

    page = logged_in(operator).get("/supplier/notices/").content.decode()

    assert set(sort_headings(page)) == {"created_at", "supplier"}
    assert listed_in_order(operator, "/supplier/notices/", ordering="supplier") == [notice.pk for notice in by_name]
    assert listed_in_order(operator, "/supplier/notices/", ordering="-supplier") == [notice.pk for notice in by_name[::-1]]


def test_a_supplier_has_no_supplier_heading_in_its_inbox(supplier, supplier_staff):
    NoticeFactory(supplier=supplier)

    page = logged_in(supplier_staff).get("/supplier/notices/").content.decode()

    assert set(sort_headings(page)) == {"created_at"}


def priced(supplier, *prices: str) -> list:
    """Gifts of the supplier at these settlement prices, in this order."""
    return [GiftFactory(supplier=supplier, settlement_price=Decimal(price)) for price in prices]


def test_a_supplier_sorts_its_gifts_by_settlement_price_and_sees_only_its_own(supplier, other_supplier, supplier_staff):
    dear, cheap, middle = priced(supplier, "300.00", "100.00", "200.00")
    priced(other_supplier, "50.00", "900.00")

    assert listed_in_order(supplier_staff, "/supplier/gifts/", ordering="settlement_price") == [cheap.pk, middle.pk, dear.pk]
    assert listed_in_order(supplier_staff, "/supplier/gifts/", ordering="-settlement_price") == [dear.pk, middle.pk, cheap.pk]


def test_the_operator_sorts_every_suppliers_gifts_by_price_and_by_supplier(operator):
    dear, cheap, middle = (priced(SupplierFactory(name=name), price)[0] for name, price in
                           (("A 礼品商", "300.00"), ("C 礼品商", "100.00"), ("B 礼品商", "200.00")))

    assert listed_in_order(operator, "/supplier/gift-admin/", ordering="settlement_price") == [cheap.pk, middle.pk, dear.pk]
    assert listed_in_order(operator, "/supplier/gift-admin/", ordering="-settlement_price") == [dear.pk, middle.pk, cheap.pk]
    assert listed_in_order(operator, "/supplier/gift-admin/", ordering="supplier") == [dear.pk, middle.pk, cheap.pk]


def test_the_operator_sorts_the_gifts_waiting_for_review_by_settlement_price(operator):
    dear, cheap, middle = (gift_in_state("submitted", settlement_price=Decimal(price)) for price in ("300.00", "100.00", "200.00"))

    assert listed_in_order(operator, "/supplier/gift-review/", queue="gifts", ordering="settlement_price") == [cheap.pk, middle.pk, dear.pk]
    assert listed_in_order(operator, "/supplier/gift-review/", queue="gifts", ordering="-settlement_price") == [dear.pk, middle.pk, cheap.pk]


def test_the_operator_sorts_the_changes_waiting_for_review_by_when_they_were_asked(operator):
    middle, newest, oldest = (GiftRevision.objects.create(gift=gift_in_state("approved"), changes={"name": "新名"}, requested_at=days_ago(days))
                              for days in (2, 1, 3))

    assert listed_in_order(operator, "/supplier/gift-review/", queue="revisions") == [oldest.pk, middle.pk, newest.pk]
    assert listed_in_order(operator, "/supplier/gift-review/", queue="revisions", ordering="-requested_at") == [newest.pk, middle.pk, oldest.pk]


def test_a_review_tab_refuses_the_order_of_another_tab(operator):
    gift_in_state("submitted")

    response = logged_in(operator).get("/supplier/gift-review/", {"queue": "revisions", "ordering": "settlement_price"})

    assert response.status_code == 400 and list(response.context["page_obj"]) == []
    assert 'data-testid="error-ordering"' in response.content.decode()


def test_a_search_of_the_review_page_keeps_the_order_asked(operator):
    page = logged_in(operator).get("/supplier/gift-review/", {"queue": "gifts", "ordering": "-sku"}).content.decode()

    assert 'name="ordering" value="-sku"' in page


def test_finance_sorts_the_contracts_by_their_term(finance):
    middle, latest, earliest = (ContractFactory(start_date=date(2026, month, 1), end_date=date(2027, month, 1)) for month in (2, 3, 1))

    assert listed_in_order(finance, "/supplier/contracts/review/", ordering="start_date") == [earliest.pk, middle.pk, latest.pk]
    assert listed_in_order(finance, "/supplier/contracts/review/", ordering="-start_date") == [latest.pk, middle.pk, earliest.pk]


def test_the_operator_sorts_the_profile_changes_by_when_they_were_asked(operator):
    middle, newest, oldest = (ProfileChangeFactory(requested_at=days_ago(days)) for days in (2, 1, 3))

    assert listed_in_order(operator, "/supplier/profile-changes/review/", ordering="requested_at") == [oldest.pk, middle.pk, newest.pk]
    assert listed_in_order(operator, "/supplier/profile-changes/review/", ordering="-requested_at") == [newest.pk, middle.pk, oldest.pk]


def test_the_qualifications_sort_by_expiry_instead_of_waiting_first(operator):
    middle = QualificationFactory(expires_on=date(2027, 6, 30))
    latest = QualificationFactory(expires_on=date(2028, 6, 30), state="pending")  # listed first unless sorted
    earliest = QualificationFactory(expires_on=date(2026, 12, 31))

    assert listed_in_order(operator, "/supplier/qualifications/review/")[0] == latest.pk
    assert listed_in_order(operator, "/supplier/qualifications/review/", ordering="expires_on") == [earliest.pk, middle.pk, latest.pk]
    assert listed_in_order(operator, "/supplier/qualifications/review/", ordering="-expires_on") == [latest.pk, middle.pk, earliest.pk]


def test_a_supplier_sorts_its_stock_by_units_available_and_sees_only_its_own(supplier, other_supplier, supplier_staff):
    warehouse = WarehouseFactory()
    least, most, middle = (StockRecord.objects.create(gift=GiftFactory(supplier=supplier), location=warehouse, on_hand=on_hand,
                                                      reserved=reserved) for on_hand, reserved in ((30, 25), (10, 0), (20, 13)))
    for on_hand in (1, 99):
        StockRecord.objects.create(gift=GiftFactory(supplier=other_supplier), location=warehouse, on_hand=on_hand)

    assert listed_in_order(supplier_staff, "/supplier/stock/", ordering="available") == [least.pk, middle.pk, most.pk]
    assert listed_in_order(supplier_staff, "/supplier/stock/", ordering="-available") == [most.pk, middle.pk, least.pk]
    assert listed_in_order(supplier_staff, "/supplier/stock/", ordering="-on_hand") == [least.pk, middle.pk, most.pk]


@pytest.fixture
def three_receipts(supplier) -> list:
    """Units received at a warehouse: 5 three days ago, 9 two days ago, 7 a day ago (their movements, in that order)."""
    warehouse = WarehouseFactory()
    gift = GiftFactory(supplier=supplier)
    for quantity, days in ((5, 3), (9, 2), (7, 1)):
        inventory.receive_stock(gift=gift, location=warehouse, quantity=quantity, at=days_ago(days))
    return list(gift.stock_movements.order_by("at"))


def test_the_stock_movements_sort_by_time_and_by_units(logistics, three_receipts):
    oldest, middle, newest = three_receipts

    assert listed_in_order(logistics, "/supplier/stock/movements/", ordering="at") == [oldest.pk, middle.pk, newest.pk]
    assert listed_in_order(logistics, "/supplier/stock/movements/", ordering="-at") == [newest.pk, middle.pk, oldest.pk]
    assert listed_in_order(logistics, "/supplier/stock/movements/", ordering="on_hand_delta") == [oldest.pk, newest.pk, middle.pk]


def test_the_movements_download_lists_them_in_the_order_shown(logistics, three_receipts):
    rows = downloaded(logged_in(logistics).get("/supplier/stock/movements/export.csv", {"ordering": "-on_hand_delta"}))
    units = rows[0].index("在库变化")

    assert [row[units] for row in rows[1:]] == ["9", "7", "5"]


def test_finance_sorts_the_replenishment_requests_by_due_date(finance, supplier):
    warehouse = WarehouseFactory()
    middle, latest, earliest = (
        ReplenishmentRequest.objects.create(gift=GiftFactory(supplier=supplier), location=warehouse, quantity=quantity,
                                            raised_at=FIXED_NOW, due_date=FIXED_NOW.date() + timedelta(days=days))
        for quantity, days in ((4, 2), (6, 3), (8, 1)))

    assert listed_in_order(finance, "/supplier/stock/replenishments/", ordering="due_date") == [earliest.pk, middle.pk, latest.pk]
    assert listed_in_order(finance, "/supplier/stock/replenishments/", ordering="-due_date") == [latest.pk, middle.pk, earliest.pk]
    assert listed_in_order(finance, "/supplier/stock/replenishments/", ordering="-quantity") == [earliest.pk, latest.pk, middle.pk]


def test_each_replenishment_request_s_link_names_its_gift_to_screen_readers_under_an_actions_heading(finance, supplier):
    gift = GiftFactory(supplier=supplier, name="明前龙井")
    request = ReplenishmentRequest.objects.create(gift=gift, location=WarehouseFactory(), quantity=4, raised_at=FIXED_NOW,
                                                  due_date=FIXED_NOW.date() + timedelta(days=2))

    page = logged_in(finance).get("/supplier/stock/replenishments/").content.decode()

    table = page.split('data-testid="replenishment-list"', 1)[1].split("</table>", 1)[0]
    assert "<th>操作</th></tr></thead>" in table and "<th></th>" not in table
    assert f'<a href="/supplier/stock/replenishments/{request.pk}/">查看<span class="sr-only"> 明前龙井</span></a>' in table
