"""The catalog API: creating and editing gifts, revisions, stock, movements and replenishment requests."""
import pytest

from suppliers.models import Gift, GiftRevision
from suppliers.services import inventory
from tests.factories import CategoryFactory, GiftFactory, WarehouseFactory
from tests.helpers import assert_list_queries_constant, published

pytestmark = pytest.mark.django_db

NEW_GIFT = {
    "sku": "TEA-NEW", "name": "碧螺春礼盒", "category": "tea", "market_price": "199.00", "settlement_price": "120.00",
    "points_prices": {"gotone": 1000, "mzone": 900}, "images": ["gifts/blc.jpg"], "tier_discounts": {"diamond": 10},
    "fulfilment": "dropship",
}


@pytest.fixture(autouse=True)
def tea():
    return CategoryFactory()


def test_a_supplier_creates_a_draft_gift_in_its_own_catalog(api, supplier_staff, supplier):
    response = api(supplier_staff).post("/api/v1/gifts/", NEW_GIFT)

    assert response.status_code == 201
    gift = Gift.objects.get(pk=response.json()["id"])
    assert (gift.supplier, gift.state, gift.fulfilment, gift.tier_discounts) == (supplier, "draft", "dropship", {"diamond": 10})
    assert dict(gift.prices.values_list("program__code", "points_price")) == {"gotone": 1000, "mzone": 900}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"settlement_price": "-1"}, "settlement_price"),
        ({"settlement_price": "1234567890123.00"}, "settlement_price"),
        ({"points_prices": {"gotone": 0}}, "points_prices"),
        ({"points_prices": {"unicom": 10}}, "points_prices"),
        ({"points_prices": {"gotone": 2**31}}, "points_prices"),
        ({"points_prices": {"gotone": 2**63}}, "points_prices"),
        ({"category": "cars"}, "category"),
        ({"fulfilment": "teleport"}, "fulfilment"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_gift_input_is_400_naming_the_field_and_writes_nothing(api, supplier_staff, changes, field):
    response = api(supplier_staff).post("/api/v1/gifts/", NEW_GIFT | changes)

    assert response.status_code == 400
    assert field in {e["attr"].split(".")[0] for e in response.json()["errors"]}
    assert not Gift.objects.exists()


def test_a_duplicate_sku_is_refused(api, supplier_staff, supplier):
    GiftFactory(supplier=supplier, sku="TEA-NEW")

    response = api(supplier_staff).post("/api/v1/gifts/", NEW_GIFT)

    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "sku"
    assert Gift.objects.count() == 1


def test_editing_a_listed_gift_returns_a_pending_revision_an_operator_approves(
    api, supplier_staff, licensed_supplier, operator, now,
):
    gift = GiftFactory(supplier=licensed_supplier)
    published(gift, actor=operator, at=now)

    proposed = api(supplier_staff).patch(f"/api/v1/gifts/{gift.pk}/", {"name": "新版龙井"})
    listed_name = api(supplier_staff).get(f"/api/v1/gifts/{gift.pk}/").json()["name"]
    approved = api(operator).post(f"/api/v1/gift-revisions/{proposed.json()['id']}/approve/", {})

    assert proposed.status_code == 202 and proposed.json()["state"] == "pending"
    assert listed_name == gift.name
    assert approved.json()["state"] == "approved"
    assert api(supplier_staff).get(f"/api/v1/gifts/{gift.pk}/").json()["name"] == "新版龙井"


def test_editing_a_draft_changes_it_at_once(api, supplier_staff, supplier):
    gift = GiftFactory(supplier=supplier)

    response = api(supplier_staff).patch(f"/api/v1/gifts/{gift.pk}/", {"points_prices": {"gotone": 2222}})

    assert response.status_code == 200
    assert [p["points_price"] for p in response.json()["prices"]] == [2222]
    assert not GiftRevision.objects.exists()


def test_stock_movements_and_replenishment_are_listed_for_the_owner_only(api, supplier_admin, other_supplier_admin, supplier, now):
    gift = GiftFactory(supplier=supplier)
    warehouse = WarehouseFactory()
    inventory.receive_stock(gift=gift, location=warehouse, quantity=2, at=now)
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=now)

    own = api(supplier_admin).get("/api/v1/stock/").json()["results"]
    theirs = api(other_supplier_admin).get("/api/v1/stock/").json()["results"]
    requests = api(supplier_admin).get("/api/v1/replenishment-requests/?state=open").json()["results"]

    assert [(s["on_hand"], s["available"], s["safety_stock"]) for s in own] == [(2, 2, 5)]
    assert theirs == []
    assert [r["quantity"] for r in requests] == [8]


def test_the_stock_list_is_searched_by_gift_code_or_name_as_the_stock_page_is(api, logistics, supplier, other_supplier_admin, now):
    from tests.portal import logged_in

    warehouse = WarehouseFactory()
    kettle = GiftFactory(supplier=supplier, sku="KT-100", name="电热水壶")
    GiftFactory(supplier=supplier, sku="TW-200", name="毛巾")
    for gift in Gift.objects.filter(supplier=supplier):
        inventory.receive_stock(gift=gift, location=warehouse, quantity=1, at=now)

    by_code = api(logistics).get("/api/v1/stock/?search=kt-1").json()["results"]
    by_name = api(logistics).get("/api/v1/stock/?search=热水").json()["results"]
    theirs = api(other_supplier_admin).get("/api/v1/stock/?search=KT-100").json()["results"]
    page = logged_in(logistics).get("/supplier/stock/?q=热水").content.decode()

    assert [row["gift"] for row in by_code] == [row["gift"] for row in by_name] == [kettle.pk]
    assert theirs == []
    assert "KT-100" in page and "TW-200" not in page


def test_logistics_sets_safety_stock_and_a_bad_value_is_refused(api, logistics, supplier, now):
    gift = GiftFactory(supplier=supplier)
    record = inventory.receive_stock(gift=gift, location=WarehouseFactory(), quantity=9, at=now)

    bad = api(logistics).post(f"/api/v1/stock/{record.pk}/safety-stock/", {"safety_stock": -1})
    good = api(logistics).post(f"/api/v1/stock/{record.pk}/safety-stock/", {"safety_stock": 4})

    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "safety_stock"
    assert good.json()["safety_stock"] == 4


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/stock/", lambda supplier, now, n: [inventory.receive_stock(gift=GiftFactory(supplier=supplier), location=WarehouseFactory(code="WH-Q"), quantity=1, at=now) for _ in range(n)]),
        ("/api/v1/stock-movements/", lambda supplier, now, n: [inventory.receive_stock(gift=GiftFactory(supplier=supplier), location=WarehouseFactory(code="WH-Q"), quantity=1, at=now) for _ in range(n)]),
        ("/api/v1/gift-revisions/", lambda supplier, now, n: [GiftRevision.objects.create(gift=GiftFactory(supplier=supplier), changes={"name": "x"}, requested_at=now) for _ in range(n)]),
    ],
)
def test_catalog_lists_run_a_constant_number_of_queries(api, operator, supplier, now, url, make):
    assert_list_queries_constant(api(operator), url, lambda n: make(supplier, now, n))


@pytest.mark.parametrize("body", [{}, {"reason": "  "}])
def test_retiring_a_gift_through_the_api_without_a_reason_is_400_required_naming_it(api, operator, now, body):
    from tests.helpers import gift_in_state

    gift = gift_in_state("offline", actor=operator, at=now)

    response = api(operator).post(f"/api/v1/gifts/{gift.pk}/retire/", body, format="json")

    assert response.status_code == 400
    assert [(error["attr"], error["code"]) for error in response.json()["errors"]] == [("reason", "required")]
    assert Gift.objects.get(pk=gift.pk).state == "offline"


def test_the_system_retiring_a_gift_keeps_its_own_text_and_a_person_must_give_one(operator, now):
    from core.errors import ValidationFailed
    from suppliers.services import catalog
    from suppliers.services.inventory import CLEARANCE_STOCK_USED_UP
    from tests.helpers import gift_in_state

    gift = gift_in_state("offline", actor=operator, at=now)
    with pytest.raises(ValidationFailed) as refused:
        catalog.retire_gift(gift=gift, actor=operator, now=now, reason="")
    catalog.retire_gift(gift=gift, actor=None, now=now, reason=CLEARANCE_STOCK_USED_UP)

    assert refused.value.errors[0][:2] == ("reason", "required")
    assert Gift.objects.get(pk=gift.pk).state == "retired"
