"""A supplier's contract names the points programs it serves (SPEC §4.1): its gifts are priced only in those, when
created, edited (in place or by revision), imported and submitted; a supplier with no contract in force yet (an
applicant) is not held to one."""
from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from suppliers.errors import ProgramNotContracted
from suppliers.models import Gift, GiftRevision
from suppliers.services import catalog, catalog_io, contracts, revisions
from tests.factories import SHANGHAI, CategoryFactory, ContractFactory, GiftFactory, QualificationFactory
from tests.helpers import published
from tests.suppliers.builders import ROW, csv_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(contract=None)]  # `supplier`: active, holding only the contracts each test gives it


@pytest.fixture
def tea():
    return CategoryFactory(code="tea")


@pytest.fixture
def gotone_only(supplier, now):
    """The supplier's approved contract in force serves GoTone only."""
    contract = contracts.approve_contract(contract=ContractFactory(supplier=supplier, number="HT-GOTONE", programs=["gotone"]),
                                          actor=None, now=now)
    QualificationFactory(supplier=supplier)
    return contract


def create(supplier, actor, now, tea, prices):
    return catalog.create_gift(supplier=supplier, actor=actor, now=now, sku="TEA-1", name="龙井", category=tea,
                               market_price=Decimal("100.00"), settlement_price=Decimal("60.00"), points_prices=prices,
                               images=["gifts/a.jpg"], specification="250g", warranty_text="七天")


def test_a_gift_priced_in_a_program_the_contract_leaves_out_is_refused_naming_it(gotone_only, supplier, supplier_staff, now, tea):
    with pytest.raises(ProgramNotContracted) as refused:
        create(supplier, supplier_staff, now, tea, {"gotone": 1500, "mzone": 1200})

    assert refused.value.field == "points_prices" and "HT-GOTONE" in str(refused.value.detail) and "动感地带" in str(refused.value.detail)
    assert not Gift.objects.exists()
    assert create(supplier, supplier_staff, now, tea, {"gotone": 1500}).prices.count() == 1


def test_the_refusal_names_the_program_left_out_in_the_readers_language(gotone_only, supplier, supplier_staff, now, tea):
    with translation.override("en"), pytest.raises(ProgramNotContracted) as refused:
        create(supplier, supplier_staff, now, tea, {"gotone": 1500, "mzone": 1200})

    assert 'points program "M-Zone Points Program"' in str(refused.value.detail)


def test_an_applicant_with_no_contract_in_force_prices_in_any_program(supplier, supplier_staff, now, tea):
    gift = create(supplier, supplier_staff, now, tea, {"gotone": 1500, "mzone": 1200})

    assert set(gift.prices.values_list("program__code", flat=True)) == {"gotone", "mzone"}


def test_a_draft_priced_before_the_contract_is_not_submitted_until_repriced(supplier, supplier_staff, now, tea):
    gift = create(supplier, supplier_staff, now, tea, {"gotone": 1500, "mzone": 1200})
    contracts.approve_contract(contract=ContractFactory(supplier=supplier, programs=["gotone"]), actor=None, now=now)
    QualificationFactory(supplier=supplier)

    with pytest.raises(ProgramNotContracted):
        catalog.submit_gift(gift=gift, actor=supplier_staff, now=now)
    assert Gift.objects.get().state == "draft"

    revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"points_prices": {"gotone": 1500}})
    catalog.submit_gift(gift=gift, actor=supplier_staff, now=now)
    assert Gift.objects.get().state == "submitted"


def test_a_listed_gifts_revision_may_not_add_an_uncontracted_program(gotone_only, supplier, supplier_staff, operator, now):
    gift = published(GiftFactory(supplier=supplier, points={"gotone": 1500}), actor=operator, at=now)

    with pytest.raises(ProgramNotContracted):
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"points_prices": {"gotone": 1500, "mzone": 900}})

    assert not GiftRevision.objects.exists()


def test_the_api_answers_400_with_the_code_and_field(gotone_only, api, supplier_staff, tea):
    response = api(supplier_staff).post("/api/v1/gifts/", {
        "sku": "TEA-NEW", "name": "碧螺春礼盒", "category": "tea", "market_price": "199.00", "settlement_price": "120.00",
        "points_prices": {"gotone": 1000, "mzone": 900}, "images": ["gifts/blc.jpg"],
    })

    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [("program_not_contracted", "points_prices")]
    assert not Gift.objects.exists()


def test_an_import_row_priced_in_an_uncontracted_program_rejects_the_file(gotone_only, supplier, supplier_staff, now, tea):
    content = csv_bytes(ROW | {"sku": "TEA-A", "points_mzone": ""}, ROW | {"sku": "TEA-B"})

    with pytest.raises(catalog_io.ImportRejected) as refused:
        catalog_io.import_catalog(supplier=supplier, actor=supplier_staff, now=now, file_name="gifts.csv", content=content)

    assert not Gift.objects.exists()
    assert [(problem.row, problem.code) for problem in refused.value.problems] == [(3, "program_not_contracted")]


def test_a_lapsed_contract_still_names_the_programs_until_a_new_one_is_approved(gotone_only, supplier, supplier_staff, tea):
    after_it_ended = datetime(2028, 3, 1, 10, 0, tzinfo=SHANGHAI)  # the contract ran to 2027-12-31

    with pytest.raises(ProgramNotContracted):
        create(supplier, supplier_staff, after_it_ended, tea, {"gotone": 1500, "mzone": 1200})

    assert create(supplier, supplier_staff, after_it_ended, tea, {"gotone": 1500}).prices.count() == 1
