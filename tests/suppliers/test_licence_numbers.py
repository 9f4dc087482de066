"""A business licence's number is its holder's unified social credit code (SPEC §4.1): 18 characters with their check
digit, and the supplier's own; anything else is refused on `number` in the service, the portal and the API."""
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import ValidationFailed
from suppliers.models import Qualification
from suppliers.services import profile, qualifications
from tests.factories import credit_code
from tests.portal import field_errors, logged_in, posted_as
from tests.suppliers.profile_factories import evidence

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # `supplier`: an applicant gathering its paperwork

ANOTHER_ENTITYS_CODE = credit_code(999_999)  # a valid code, of no supplier here


def licence(supplier, actor, now, number: str, **values) -> Qualification:
    return qualifications.upload_qualification(
        supplier=supplier, actor=actor, now=now, kind="business_licence", number=number, issued_on=date(2026, 1, 1),
        expires_on=date(2031, 1, 1), file=ContentFile(b"%PDF-1.4 licence", name="licence.pdf"), **values,
    )


@pytest.mark.parametrize("number", ["LIC-000001", "91330100000000001X", ANOTHER_ENTITYS_CODE, ""],
                         ids=["any text", "bad check digit", "another entity's code", "empty"])
def test_a_licence_whose_number_is_not_the_suppliers_credit_code_is_refused_on_its_number(supplier, supplier_staff, now, number):
    with pytest.raises(ValidationFailed) as refused:
        licence(supplier, supplier_staff, now, number)

    assert [field for field, _code, _detail in refused.value.errors] == ["number"]
    assert not Qualification.objects.exists()


def test_a_licence_numbered_with_the_suppliers_code_in_lower_case_is_kept_in_capitals(supplier, supplier_staff, now):
    kept = licence(supplier, supplier_staff, now, f" {supplier.credit_code.lower()} ")

    assert kept.number == supplier.credit_code


def test_a_certificates_number_is_its_own(supplier, supplier_staff, now):
    kept = qualifications.upload_qualification(
        supplier=supplier, actor=supplier_staff, now=now, kind="product_certificate", certificate_type="3C", number="3C-2025-0001",
        issued_on=date(2026, 1, 1), expires_on=date(2031, 1, 1), file=ContentFile(b"%PDF-1.4 3C", name="3c.pdf"))

    assert kept.number == "3C-2025-0001"


def test_the_paperwork_page_shows_a_wrong_licence_number_next_to_the_number(supplier_staff):
    today = timezone.localdate()
    form = {"kind": "business_licence", "number": ANOTHER_ENTITYS_CODE, "issued_on": today - timedelta(days=1),
            "expires_on": today + timedelta(days=1000), "file": SimpleUploadedFile("licence.pdf", b"%PDF-1.4\n")}

    response = logged_in(supplier_staff).post("/supplier/paperwork/", posted_as("qualification", form))

    assert set(field_errors(response)) == {"number"} and "营业执照编号须为礼品商的统一社会信用代码" in field_errors(response)["number"]
    assert not Qualification.objects.exists()


def test_the_api_names_the_number_of_a_licence_that_is_no_credit_code(api, supplier_staff):
    today = timezone.localdate()
    upload = {"kind": "business_licence", "number": "LIC-NEW-1", "issued_on": str(today - timedelta(days=1)),
              "expires_on": str(today + timedelta(days=1000)), "file": SimpleUploadedFile("f.pdf", b"%PDF-1.4 scan")}

    response = api(supplier_staff).post("/api/v1/qualifications/", upload, format="multipart")

    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == ["number"]
    assert not Qualification.objects.exists()


def test_the_new_licence_of_a_credit_code_change_pending_review_is_filed_under_the_new_code(supplier, supplier_admin, now):
    new_code = credit_code(987_654)
    profile.request_profile_change(supplier=supplier, actor=supplier_admin, now=now, field="credit_code", credit_code=new_code,
                                   evidence=evidence())

    kept = licence(supplier, supplier_admin, now, new_code)

    assert kept.number == new_code


def test_a_licence_numbered_with_a_rejected_credit_code_change_is_refused(supplier, supplier_admin, operator, now):
    new_code = credit_code(987_654)
    change = profile.request_profile_change(supplier=supplier, actor=supplier_admin, now=now, field="credit_code",
                                            credit_code=new_code, evidence=evidence())
    profile.reject_profile_change(change=change, actor=operator, now=now, reason="执照不清晰")

    with pytest.raises(ValidationFailed) as refused:
        licence(supplier, supplier_admin, now, new_code)

    assert [field for field, _code, _detail in refused.value.errors] == ["number"]
    assert not Qualification.objects.exists()
