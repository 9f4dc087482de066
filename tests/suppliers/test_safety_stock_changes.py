"""A change of a safety stock level is kept with who set it and when, from what level to what (SPEC §4.3), as a
setting's change is: the gift's page lists its latest changes (a supplier's users read the platform's staff by role)
and `GET /api/v1/safety-stock-changes/` lists them all, a supplier's users only their own gifts'."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suppliers.models import SafetyStockChange
from suppliers.services import inventory
from suppliers.views_catalog import RECENT_SAFETY_STOCK_CHANGES
from tests.factories import GiftFactory, UserFactory, WarehouseFactory
from tests.portal import logged_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/safety-stock-changes/"


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="WH-HZ", name="杭州仓")


@pytest.fixture
def named_logistics(db):
    return UserFactory(username="li.na", role="logistics")


@pytest.fixture
def gift(supplier):
    return GiftFactory(supplier=supplier)


@pytest.fixture
def changed(gift, warehouse, named_logistics, now):
    """The gift's warehouse level set to 5 by logistics, then to 8 an hour later by the system."""
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=now, actor=named_logistics)
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=8, at=now + timedelta(hours=1))
    return gift


def kept(gift) -> list[tuple]:
    return list(SafetyStockChange.objects.filter(record__gift=gift).values_list(
        "record__location__code", "previous_safety_stock", "safety_stock", "changed_by__username", "reason"))


def test_a_change_of_the_level_is_kept_once_with_who_and_when_newest_first(changed, now):
    assert kept(changed) == [("WH-HZ", 5, 8, None, ""), ("WH-HZ", 0, 5, "li.na", "")]
    assert [c.changed_at for c in SafetyStockChange.objects.all()] == [now + timedelta(hours=1), now]


def test_the_same_level_again_keeps_nothing(changed, warehouse, operator, now):
    inventory.set_safety_stock(gift=changed, location=warehouse, safety_stock=8, at=now + timedelta(hours=2), actor=operator)

    assert len(kept(changed)) == 2


def test_a_dropship_supplier_setting_its_own_level_is_kept_under_its_user(supplier, supplier_staff, now):
    gift = GiftFactory(supplier=supplier, fulfilment="dropship")

    inventory.set_own_safety_stock(gift=gift, safety_stock=4, actor=supplier_staff, now=now)

    assert [row[1:4] for row in kept(gift)] == [(0, 4, "supplier_staff")]


def test_the_gift_page_lists_the_changes_to_the_supplier_with_staff_by_role(changed, supplier_staff):
    page = logged_in(supplier_staff).get(f"/supplier/gifts/{changed.pk}/").content.decode()

    table = page.split('data-testid="safety-stock-changes"', 1)[1].split("</table>", 1)[0]
    assert "安全库存调整记录" in page
    assert table.index("5 → 8") < table.index("0 → 5")
    assert "物流人员" in table and "系统" in table and "li.na" not in page


def test_the_operator_reads_the_login_name_and_the_page_shows_the_latest_with_the_count(changed, warehouse, operator, now):
    for level in range(10, 10 + RECENT_SAFETY_STOCK_CHANGES):
        inventory.set_safety_stock(gift=changed, location=warehouse, safety_stock=level, at=now + timedelta(days=1), actor=operator)

    page = logged_in(operator).get(f"/supplier/gifts/{changed.pk}/").content.decode()

    table = page.split('data-testid="safety-stock-changes"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + RECENT_SAFETY_STOCK_CHANGES and "li.na" not in table
    assert f"最近 {RECENT_SAFETY_STOCK_CHANGES} 条，共 {RECENT_SAFETY_STOCK_CHANGES + 2} 条" in page


def test_the_api_lists_a_gifts_changes_to_staff_and_its_supplier(api, changed, supplier_admin, operator, logistics, finance):
    rows = api(supplier_admin).get(URL, {"gift": changed.pk}).json()["results"]

    assert [(r["gift"], r["location_code"], r["previous_safety_stock"], r["safety_stock"], r["changed_by"]) for r in rows] == [
        (changed.pk, "WH-HZ", 5, 8, None), (changed.pk, "WH-HZ", 0, 5, "物流人员"),
    ]
    for staff in (operator, logistics, finance):
        assert [r["changed_by"] for r in api(staff).get(URL, {"gift": changed.pk}).json()["results"]] == [None, "li.na"]


def test_another_supplier_gets_an_empty_list_and_a_member_is_refused(api, changed, other_supplier_admin, member):
    assert api(other_supplier_admin).get(URL, {"gift": changed.pk}).json()["results"] == []
    assert api(other_supplier_admin).get(URL).json()["results"] == []
    assert api(member.user).get(URL).status_code == 403


@pytest.mark.parametrize("value", ["abc", "0", str(2**63)])
def test_a_gift_that_is_no_id_is_a_400_naming_it(api, operator, value):
    response = api(operator).get(URL, {"gift": value})

    assert response.status_code == 400 and "gift" in str(response.json())


def test_the_list_reads_in_the_same_number_of_queries_for_more_changes(api, changed, warehouse, operator, now):
    client = api(operator)
    with CaptureQueriesContext(connection) as two:
        client.get(URL, {"page_size": 50})
    for level in range(20, 40):
        gift = GiftFactory(supplier=changed.supplier)
        inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=level, at=now, actor=UserFactory(role="operator"))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(URL, {"page_size": 50}).json()["results"]) == 22

    assert len(many.captured_queries) == len(two.captured_queries)
