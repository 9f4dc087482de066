"""A new gift's problems are said all at once: a SKU the supplier already has comes with the other bad fields in one
answer, not a round before them — in the service, on the page and in the API."""

import pytest

from core.errors import ValidationFailed
from suppliers.models import Gift
from suppliers.services import catalog
from tests.factories import CategoryFactory, GiftFactory
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db

NEW_GIFT = {
    "sku": "TEA-NEW",
    "name": "碧螺春礼盒",
    "category": "tea",
    "market_price": "199.00",
    "settlement_price": "120.00",
    "points_prices": {"gotone": 1000},
    "images": ["gifts/blc.jpg"],
    "fulfilment": "dropship",
}
THREE_BAD = {"settlement_price": "250.00", "images": ["ftp://example.com/tea.jpg"]}  # with the SKU taken


@pytest.fixture(autouse=True)
def tea():
    return CategoryFactory(code="tea")


@pytest.fixture
def taken_sku(supplier):
    return GiftFactory(supplier=supplier, sku="TEA-NEW")


def test_a_taken_sku_is_refused_with_the_other_bad_fields_in_one_refusal(supplier, supplier_staff, now, taken_sku):
    with pytest.raises(ValidationFailed) as refused:
        catalog.create_gift(supplier=supplier, actor=supplier_staff, now=now, **NEW_GIFT | THREE_BAD)

    assert [field for field, _code, _detail in refused.value.errors] == ["sku", "settlement_price", "images"]
    assert Gift.objects.count() == 1


def test_a_taken_sku_alone_is_still_refused(supplier, supplier_staff, now, taken_sku):
    with pytest.raises(ValidationFailed) as refused:
        catalog.create_gift(supplier=supplier, actor=supplier_staff, now=now, **NEW_GIFT)

    assert [field for field, _code, _detail in refused.value.errors] == ["sku"]
    assert Gift.objects.count() == 1


def test_the_new_gift_page_shows_a_taken_sku_and_the_other_bad_fields_at_once(supplier_admin, licensed_supplier):
    GiftFactory(supplier=licensed_supplier, sku="TEA-NEW-01")
    form = {
        "sku": "TEA-NEW-01",
        "name": "新茶礼盒",
        "description": "春茶",
        "category": CategoryFactory().pk,
        "images": "ftp://example.com/tea.jpg",
        "specification": "100g × 3",
        "warranty_text": "七天无理由",
        "market_price": "199.00",
        "settlement_price": "250.00",
        "fulfilment": "warehouse",
        "min_tier": "standard",
        "discount_silver": "",
        "discount_gold": "",
        "discount_diamond": "",
        "points_gotone": "1200",
        "points_mzone": "",
    }

    response = logged_in(supplier_admin).post("/supplier/gifts/new/", form)

    assert response.status_code == 200
    assert set(field_errors(response)) == {"sku", "settlement_price", "images"}
    assert Gift.objects.count() == 1


def test_the_api_answers_a_taken_sku_and_the_other_bad_fields_at_once(api, supplier_staff, taken_sku):
    response = api(supplier_staff).post("/api/v1/gifts/", NEW_GIFT | THREE_BAD)

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["sku", "settlement_price", "images"]
    assert Gift.objects.count() == 1
