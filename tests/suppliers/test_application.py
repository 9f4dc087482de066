"""A supplier's application through the service, as the API and the portal form call it."""
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from core.errors import ValidationFailed
from core.models import TransitionLog
from suppliers.errors import ActivationBlocked
from suppliers.models import Qualification, Supplier
from suppliers.services import contracts, onboarding
from tests.factories import SUPPLIER_APPLICATION, ContractFactory, UserFactory

User = get_user_model()

pytestmark = pytest.mark.django_db

APPLICATION = {**SUPPLIER_APPLICATION, "contact_email": "", "address": ""}


def test_the_contact_phone_is_stored_without_surrounding_spaces(now):
    supplier = onboarding.apply_as_supplier(**APPLICATION | {"contact_phone": " 13911112222 "}, now=now)

    assert supplier.contact_phone == supplier.memberships.get().user.phone == "13911112222"


def test_a_contact_phone_that_is_not_a_mobile_number_is_refused_and_nothing_is_written(now):
    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**APPLICATION | {"contact_phone": "0571-8888888"}, now=now)

    assert refused.value.field == "contact_phone"
    assert not Supplier.objects.exists()


# --- the business licence sent with the application: optional, all of it or none (SPEC §4.1: approval needs it) ---
def licence(**changes) -> dict:
    return {"licence_file": ContentFile(b"%PDF-1.4 licence", name="licence.pdf"), "licence_issued_on": date(2020, 5, 1),
            "licence_expires_on": date(2040, 4, 30)} | changes


def test_an_application_with_its_licence_keeps_the_licence_for_the_operators_review(now):
    supplier = onboarding.apply_as_supplier(**APPLICATION, **licence(), now=now)

    kept = Qualification.objects.get(supplier=supplier)
    assert (kept.kind, kept.number, kept.state, kept.expires_on) == ("business_licence", supplier.credit_code, "pending", date(2040, 4, 30))
    assert kept.file.read() == b"%PDF-1.4 licence"
    assert list(TransitionLog.objects.of(kept).values_list("transition", "actor__username")) == [("upload", "newadmin")]


def test_every_bad_field_of_an_application_is_named_at_once_and_nothing_is_written(now):
    UserFactory(username="taken")
    bad = {"credit_code": "91350100M000100Y44", "contact_phone": "12345", "username": "TAKEN"}

    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**APPLICATION | bad, **licence(licence_file=ContentFile(b"<html>", name="x.pdf"),
                                                               licence_expires_on=date(2019, 1, 1)), now=now)

    assert {field for field, _code, _detail in refused.value.errors} == {
        "credit_code", "contact_phone", "username", "licence_file", "licence_expires_on"}
    assert not Supplier.objects.exists() and not Qualification.objects.exists()
    assert not User.objects.filter(username="newadmin").exists()


def test_a_licence_file_without_its_dates_names_the_dates(now):
    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**APPLICATION, licence_file=ContentFile(b"%PDF-1.4", name="l.pdf"), now=now)

    assert [field for field, _code, _detail in refused.value.errors] == ["licence_issued_on", "licence_expires_on"]
    assert not Supplier.objects.exists()


def test_an_application_without_a_licence_is_accepted_and_its_approval_waits_for_a_valid_licence(operator, now):
    supplier = onboarding.apply_as_supplier(**APPLICATION, now=now)
    onboarding.start_supplier_review(supplier=supplier, actor=operator, now=now)
    contracts.approve_contract(contract=ContractFactory(supplier=supplier), actor=operator, now=now)

    with pytest.raises(ActivationBlocked) as refused:
        onboarding.approve_supplier(supplier=supplier, actor=operator, now=now)

    supplier.refresh_from_db()
    assert (refused.value.field, supplier.state) == ("business_licence", "under_review")  # the operator records one first
    assert not Qualification.objects.exists()


def test_licence_dates_without_the_file_name_the_file_and_nothing_is_written(now):
    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**APPLICATION, **licence(licence_file=None), now=now)

    assert refused.value.errors == [("licence_file", "required", "请上传营业执照文件")]
    assert not Supplier.objects.exists()


def test_an_expired_licence_is_refused(now):
    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**APPLICATION, **licence(licence_expires_on=now.date() - timedelta(days=1)), now=now)

    assert refused.value.errors == [("licence_expires_on", "invalid", "营业执照已过期，请上传有效的营业执照")]
