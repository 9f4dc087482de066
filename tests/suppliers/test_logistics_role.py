"""The logistics provider handles the goods, never the money or the paperwork: no settlement prices, contracts or
licences (SPEC §4.13); it reads the suppliers whose goods it handles, with their contacts (the phone masked, as the API
shows it)."""
from decimal import Decimal

import pytest

from core.masking import mask_phone
from suppliers.services import revisions
from tests.factories import ApplicantFactory, ContractFactory, GiftFactory, QualificationFactory, SupplierFactory, licensed
from tests.portal import logged_in, nav
from tests.helpers import published

pytestmark = pytest.mark.django_db
SETTLEMENT_FIELDS = {"settlement_price", "clearance_settlement_price"}


def test_the_logistics_provider_reads_gifts_without_their_settlement_prices(api, logistics, operator, now):
    gift = GiftFactory()

    detail = api(logistics).get(f"/api/v1/gifts/{gift.pk}/").json()
    listed = api(logistics).get("/api/v1/gifts/").json()["results"]

    assert detail["sku"] == gift.sku and not SETTLEMENT_FIELDS & set(detail)
    assert listed and not any(SETTLEMENT_FIELDS & set(row) for row in listed)


def test_operators_and_finance_still_read_the_settlement_prices(api, operator, finance):
    gift = GiftFactory()

    for user in (operator, finance):
        assert api(user).get(f"/api/v1/gifts/{gift.pk}/").json()["settlement_price"] == "180.00"


def test_a_revisions_new_settlement_price_is_left_out_for_the_logistics_provider(api, logistics, operator, supplier_staff, now):
    gift = GiftFactory(supplier=licensed(supplier_staff.supplier_membership.supplier))
    published(gift, actor=operator, at=now)
    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"name": "新名", "settlement_price": Decimal("170")})

    seen = api(logistics).get(f"/api/v1/gift-revisions/{revision.pk}/").json()["changes"]

    assert seen == {"name": "新名"}
    assert api(operator).get(f"/api/v1/gift-revisions/{revision.pk}/").json()["changes"]["settlement_price"] == "170.00"


@pytest.mark.parametrize(("paperwork", "route"), [(ContractFactory, "contracts"), (QualificationFactory, "qualifications")])
def test_contracts_licences_and_their_files_are_not_the_logistics_providers_to_see(api, logistics, finance, paperwork, route):
    document = paperwork(supplier=SupplierFactory())

    assert api(logistics).get(f"/api/v1/{route}/").json()["results"] == []
    assert api(logistics).get(f"/api/v1/{route}/{document.pk}/").status_code == 404
    assert api(logistics).get(f"/api/v1/{route}/{document.pk}/file/").status_code == 404
    assert logged_in(logistics).get(f"/supplier/files/{route}/{document.pk}/").status_code == 404
    assert api(finance).get(f"/api/v1/{route}/{document.pk}/").status_code == 200


def test_the_logistics_provider_reads_a_supplier_and_its_contact_but_not_its_paperwork(api, logistics, finance):
    supplier = ApplicantFactory()  # its page shows the reviewers its onboarding checklist
    ContractFactory(supplier=supplier, number="HT-LOGISTICS")
    licensed(supplier)
    client = logged_in(logistics)

    page = client.get(f"/supplier/review/{supplier.pk}/").content.decode()
    reviewed = logged_in(finance).get(f"/supplier/review/{supplier.pk}/").content.decode()

    assert "HT-LOGISTICS" in reviewed and 'data-testid="onboarding-checklist"' in reviewed and "<h2>资质</h2>" in reviewed
    assert supplier.contact_phone in reviewed  # the reviewers read the phone in full

    assert supplier.name in client.get("/supplier/review/").content.decode()
    assert supplier.contact_name in page and mask_phone(supplier.contact_phone) in page and supplier.contact_phone not in page
    assert api(logistics).get(f"/api/v1/suppliers/{supplier.pk}/").json()["contact_phone"] == mask_phone(supplier.contact_phone)
    assert "HT-LOGISTICS" not in page and 'data-testid="onboarding-checklist"' not in page and "<h2>资质</h2>" not in page
    assert not any(f'action="/supplier/review/{supplier.pk}/' in line for line in page.splitlines())  # no operator's step
    assert client.get("/supplier/contracts/review/").status_code == 403
    assert client.get("/supplier/qualifications/review/").status_code == 403
    assert "礼品商管理" in nav(client.get("/supplier/stock/"))


def test_the_logistics_provider_opens_no_gift_page_with_its_prices(logistics):
    gift = GiftFactory()

    assert logged_in(logistics).get(f"/supplier/gifts/{gift.pk}/").status_code == 403


def test_finance_still_opens_the_supplier_review_pages(finance):
    supplier = SupplierFactory()

    assert logged_in(finance).get(f"/supplier/review/{supplier.pk}/").status_code == 200
