"""A licence or certificate issued only in the future is refused on its issue date; a gift's settlement price above
its market price is refused on the settlement price (the operator pays a supplier at most what the gift sells for) —
in the services, on the pages and in the API."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from core.errors import ValidationFailed
from suppliers.models import Gift, GiftRevision, Qualification, Supplier
from suppliers.services import catalog, onboarding, qualifications, revisions
from suppliers.services.catalog_io import ImportRejected, import_catalog
from tests.factories import SUPPLIER_APPLICATION, CategoryFactory, GiftFactory
from tests.helpers import gift_in_state
from tests.portal import field_errors, logged_in, posted_as
from tests.suppliers.builders import ROW, csv_bytes
from tests.suppliers.profile_factories import licence_number

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # `supplier`: an applicant gathering its paperwork

TOMORROW = date(2026, 10, 16)  # the day after the fixed `now`
NEW_GIFT = {"sku": "TEA-NEW", "name": "碧螺春礼盒", "category": "tea", "market_price": "199.00", "settlement_price": "120.00",
            "points_prices": {"gotone": 1000}, "images": ["gifts/blc.jpg"], "fulfilment": "dropship"}


@pytest.fixture(autouse=True)
def tea():
    return CategoryFactory(code="tea")


# --- issue dates ----------------------------------------------------------------------------------------------
def test_a_licence_issued_tomorrow_is_refused_on_its_issue_date_and_nothing_is_written(supplier, supplier_staff, now):
    with pytest.raises(ValidationFailed) as refused:
        qualifications.upload_qualification(
            supplier=supplier, actor=supplier_staff, now=now, kind="business_licence", number=supplier.credit_code, issued_on=TOMORROW,
            expires_on=date(2030, 1, 1), file=ContentFile(b"%PDF-1.4\n", name="licence.pdf"))

    assert [field for field, _code, _detail in refused.value.errors] == ["issued_on"]
    assert not Qualification.objects.exists()


def test_a_licence_issued_today_is_accepted(supplier, supplier_staff, now):
    licence = qualifications.upload_qualification(
        supplier=supplier, actor=supplier_staff, now=now, kind="business_licence", number=supplier.credit_code, issued_on=timezone.localdate(now),
        expires_on=date(2030, 1, 1), file=ContentFile(b"%PDF-1.4\n", name="licence.pdf"))

    assert licence.state == "pending"


def test_an_application_with_a_licence_issued_in_the_future_names_the_licence_issue_date(now):
    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**SUPPLIER_APPLICATION, contact_email="", address="", now=now,
                                     licence_file=ContentFile(b"%PDF-1.4\n", name="l.pdf"), licence_issued_on=TOMORROW,
                                     licence_expires_on=date(2040, 1, 1))

    assert [field for field, _code, _detail in refused.value.errors] == ["licence_issued_on"]
    assert not Supplier.objects.exists()


def test_the_paperwork_page_shows_a_future_issue_date_next_to_its_field(supplier_staff):
    today = timezone.localdate()
    form = {"form": "qualification", "kind": "business_licence", "number": licence_number(supplier_staff), "issued_on": today + timedelta(days=1),
            "expires_on": today + timedelta(days=1000), "file": SimpleUploadedFile("licence.pdf", b"%PDF-1.4\n")}

    response = logged_in(supplier_staff).post("/supplier/paperwork/", posted_as("qualification", form))

    assert set(field_errors(response)) == {"issued_on"} and "发证日期不能晚于今天" in response.content.decode()
    assert not Qualification.objects.exists()


def test_the_api_names_the_issue_date_of_a_licence_issued_in_the_future(api, supplier_staff):
    today = timezone.localdate()
    upload = {"kind": "business_licence", "number": licence_number(supplier_staff), "issued_on": str(today + timedelta(days=1)),
              "expires_on": str(today + timedelta(days=1000)), "file": SimpleUploadedFile("f.pdf", b"%PDF-1.4 scan")}

    response = api(supplier_staff).post("/api/v1/qualifications/", upload, format="multipart")

    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == ["issued_on"]
    assert not Qualification.objects.exists()


def test_the_application_page_shows_a_future_licence_issue_date_next_to_its_field():
    today = timezone.localdate()
    body = {**SUPPLIER_APPLICATION, "licence_file": SimpleUploadedFile("l.pdf", b"%PDF-1.4\n"),
            "licence_issued_on": today + timedelta(days=1), "licence_expires_on": today + timedelta(days=1000)}

    response = Client().post("/supplier/apply/", body)

    assert set(field_errors(response)) == {"licence_issued_on"}
    assert not Supplier.objects.exists()


# --- settlement price against market price --------------------------------------------------------------------
def test_a_new_gift_settled_above_its_market_price_is_refused_on_the_settlement_price(supplier, supplier_staff, now):
    with pytest.raises(ValidationFailed) as refused:
        catalog.create_gift(supplier=supplier, actor=supplier_staff, now=now, **NEW_GIFT | {"settlement_price": "199.01"})

    assert [(field, code) for field, code, _detail in refused.value.errors] == [("settlement_price", "above_market_price")]
    assert not Gift.objects.exists()


def test_a_settlement_price_equal_to_the_market_price_is_accepted(supplier, supplier_staff, now):
    gift = catalog.create_gift(supplier=supplier, actor=supplier_staff, now=now, **NEW_GIFT | {"settlement_price": "199.00"})

    assert (gift.market_price, gift.settlement_price) == (Decimal("199.00"), Decimal("199.00"))


def test_lowering_only_the_market_price_of_a_listed_gift_below_its_settlement_price_is_refused(supplier_staff, now):
    online = gift_in_state("online", market_price=Decimal("298.00"), settlement_price=Decimal("180.00"))

    with pytest.raises(ValidationFailed) as refused:
        revisions.edit_gift(gift=online, actor=supplier_staff, now=now, changes={"market_price": "150.00"})

    assert refused.value.field == "settlement_price"
    assert not GiftRevision.objects.exists()


def test_raising_both_prices_together_in_order_is_accepted(supplier_staff, now):
    draft = GiftFactory(market_price=Decimal("100.00"), settlement_price=Decimal("80.00"))

    revisions.edit_gift(gift=draft, actor=supplier_staff, now=now, changes={"market_price": "300.00", "settlement_price": "250.00"})

    draft.refresh_from_db()
    assert (draft.market_price, draft.settlement_price) == (Decimal("300.00"), Decimal("250.00"))


def test_the_gift_page_shows_a_settlement_price_above_the_market_price_next_to_the_settlement_price(supplier_admin):
    from tests.suppliers.test_portal_catalog import gift_form

    response = logged_in(supplier_admin).post("/supplier/gifts/new/", gift_form(settlement_price="250.00"))

    assert set(field_errors(response)) == {"settlement_price"} and "结算价不能高于市场价" in response.content.decode()
    assert not Gift.objects.exists()


def test_the_api_names_the_settlement_price_of_a_gift_settled_above_its_market_price(api, supplier_staff):
    response = api(supplier_staff).post("/api/v1/gifts/", NEW_GIFT | {"settlement_price": "500.00"}, format="json")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("settlement_price", "above_market_price")]
    assert not Gift.objects.exists()


def test_an_import_row_settled_above_its_market_price_is_refused_on_its_settlement_price_column(supplier, supplier_staff, now):
    with pytest.raises(ImportRejected) as refused:
        import_catalog(supplier=supplier, actor=supplier_staff, now=now, file_name="gifts.csv",
                       content=csv_bytes(ROW | {"settlement_price": "300.00"}))

    assert [(attr, code) for attr, code, _ in refused.value.errors] == [("rows.2.settlement_price", "above_market_price")]
    assert not Gift.objects.exists()
