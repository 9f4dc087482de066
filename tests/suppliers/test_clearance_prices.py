"""Clearance prices (SPEC §4.2): below the normal price and above zero, wherever either side is set."""
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from suppliers.models import GiftRevision
from suppliers.services import catalog, revisions
from suppliers.services.catalog_io import ImportRejected, import_catalog
from tests.factories import licensed
from tests.helpers import gift_in_state, stocked_to_clear
from tests.suppliers.builders import ROW, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(supplier):
    """The shared `supplier` (that of `supplier_staff`), holding a valid business licence: its gifts go through review."""
    return licensed(supplier)


def offline_to_clear(**fields):
    """An offline gift (delisted for low sales) with a unit on hand to sell off."""
    return stocked_to_clear(gift_in_state("offline", **fields))


def fields_of(error: ValidationFailed) -> set[str]:
    return {field for field, _code, _detail in error.errors}


@pytest.mark.parametrize(
    ("points_price", "settlement_price", "field"),
    [
        (1200, Decimal("90.00"), "points_price"),  # equal to the lower program price (M-Zone)
        (1300, Decimal("90.00"), "points_price"),  # below GoTone but not M-Zone
        (800, Decimal("180.00"), "settlement_price"),
        (800, Decimal("200.00"), "settlement_price"),
        (800, Decimal("0.00"), "settlement_price"),
    ],
)
def test_a_clearance_price_not_below_the_normal_one_or_not_above_zero_is_refused_naming_it(
    operator, now, points_price, settlement_price, field
):
    gift = offline_to_clear()  # GoTone 1500 / M-Zone 1200 points, settlement 180.00

    with pytest.raises(ValidationFailed) as refused:
        catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=points_price, settlement_price=settlement_price)

    assert fields_of(refused.value) == {field}
    gift.refresh_from_db()
    assert (gift.state, gift.clearance_points_price, gift.clearance_settlement_price) == ("offline", None, None)


def test_both_clearance_prices_wrong_are_named_together(operator, now):
    gift = offline_to_clear()

    with pytest.raises(ValidationFailed) as refused:
        catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=5000, settlement_price=Decimal("500"))

    assert fields_of(refused.value) == {"points_price", "settlement_price"}


def test_a_clearance_just_below_the_normal_prices_starts(operator, now):
    gift = offline_to_clear()

    catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=1199, settlement_price=Decimal("179.99"))

    gift.refresh_from_db()
    assert (gift.state, gift.clearance_points_price, gift.clearance_settlement_price) == ("clearance", 1199, Decimal("179.99"))


def test_clearing_a_retired_gifts_leftovers_above_its_normal_price_is_refused(operator, now):
    gift = offline_to_clear()
    catalog.retire_gift(gift=gift, actor=operator, now=now, reason="停产")

    with pytest.raises(ValidationFailed) as refused:
        catalog.clear_retired_gift(gift=gift, actor=operator, now=now, points_price=800, settlement_price=Decimal("181.00"))

    assert fields_of(refused.value) == {"settlement_price"}
    gift.refresh_from_db()
    assert gift.state == "retired"


def test_a_revision_lowering_a_clearance_gifts_settlement_price_to_its_clearance_price_is_refused(supplier_staff, now):
    gift = gift_in_state("clearance", supplier=supplier_staff.supplier_membership.supplier)  # clearance 500 points / 50.00

    with pytest.raises(ValidationFailed) as refused:
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"settlement_price": Decimal("50.00")})

    assert fields_of(refused.value) == {"settlement_price"}
    assert not GiftRevision.objects.filter(gift=gift).exists()


def test_a_revision_lowering_a_clearance_gifts_points_price_below_its_clearance_price_is_refused(supplier_staff, now):
    gift = gift_in_state("clearance", supplier=supplier_staff.supplier_membership.supplier)

    with pytest.raises(ValidationFailed) as refused:
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"points_prices": {"gotone": 400}})

    assert fields_of(refused.value) == {"points_prices"}


def test_a_revision_keeping_the_normal_prices_above_the_clearance_ones_goes_to_review(supplier_staff, now):
    gift = gift_in_state("clearance", supplier=supplier_staff.supplier_membership.supplier)

    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"settlement_price": Decimal("50.01")})

    assert isinstance(revision, GiftRevision) and revision.state == "pending"


def test_a_revision_asked_before_the_clearance_started_is_refused_at_approval(supplier_staff, operator, now):
    gift = offline_to_clear(supplier=supplier_staff.supplier_membership.supplier)
    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"settlement_price": Decimal("40.00")})
    catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=800, settlement_price=Decimal("50.00"))

    with pytest.raises(ValidationFailed) as refused:
        revisions.approve_revision(revision=revision, actor=operator, now=now)

    assert fields_of(refused.value) == {"settlement_price"}
    revision.refresh_from_db()
    gift.refresh_from_db()
    assert (revision.state, gift.settlement_price) == ("pending", Decimal("180.00"))


def test_the_api_refuses_a_clearance_price_above_the_normal_one_naming_the_field(api, operator, now):
    gift = offline_to_clear()

    response = api(operator).post(f"/api/v1/gifts/{gift.pk}/start-clearance/", {"points_price": 800, "settlement_price": "190.00"})

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"settlement_price"}
    gift.refresh_from_db()
    assert gift.state == "offline"


def test_the_api_refuses_a_revision_lowering_the_normal_price_under_clearance(api, supplier_staff, now):
    gift = gift_in_state("clearance", supplier=supplier_staff.supplier_membership.supplier)

    response = api(supplier_staff).patch(f"/api/v1/gifts/{gift.pk}/", {"settlement_price": "30.00"}, format="json")

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"settlement_price"}
    assert not GiftRevision.objects.filter(gift=gift).exists()


def test_another_suppliers_clearance_gift_is_not_found_through_the_api(api, other_supplier_admin, now):
    gift = gift_in_state("clearance")

    response = api(other_supplier_admin).patch(f"/api/v1/gifts/{gift.pk}/", {"settlement_price": "30.00"}, format="json")

    assert response.status_code == 404


def test_a_catalog_import_lowering_a_clearance_gifts_settlement_price_is_refused_on_its_row(supplier_staff, now):
    gift = gift_in_state("clearance", supplier=supplier_staff.supplier_membership.supplier)
    row = ROW | {"sku": gift.sku, "category": gift.category.code, "fulfilment": gift.fulfilment, "settlement_price": "40.00"}

    with pytest.raises(ImportRejected) as refused:
        import_catalog(supplier=gift.supplier, actor=supplier_staff, now=now, file_name="gifts.csv", content=csv_bytes(row))

    assert any("settlement_price" in str(attr) for attr, _code, _detail in refused.value.errors)
    assert not GiftRevision.objects.filter(gift=gift).exists()
