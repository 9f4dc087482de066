"""A unified social credit code belongs to one supplier (a rejected application aside: the entity may apply again),
refused on the credit code field of an application and of a profile change, and kept by the database."""
import pytest
from django.db import IntegrityError
from django.test import Client

from core.errors import ValidationFailed
from suppliers.models import ProfileChange, Supplier
from suppliers.services import onboarding, profile
from tests.factories import SUPPLIER_APPLICATION, SupplierFactory, credit_code
from tests.portal import field_errors, logged_in
from tests.suppliers.profile_factories import evidence

pytestmark = pytest.mark.django_db

APPLICATION = {**SUPPLIER_APPLICATION, "contact_email": "", "address": ""}


def test_an_application_with_another_suppliers_credit_code_is_refused_on_that_field_and_nothing_is_written(supplier, now):
    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**APPLICATION | {"credit_code": supplier.credit_code.lower()}, now=now)

    assert [(field, code) for field, code, _detail in refused.value.errors] == [("credit_code", "taken")]
    assert list(Supplier.objects.all()) == [supplier]


def test_an_entity_whose_application_was_rejected_may_apply_again_with_its_code(operator, now):
    first = onboarding.apply_as_supplier(**APPLICATION, now=now)
    onboarding.start_supplier_review(supplier=first, actor=operator, now=now)
    onboarding.reject_supplier(supplier=first, actor=operator, now=now, reason="材料不全")

    again = onboarding.apply_as_supplier(**APPLICATION | {"username": "newadmin2"}, now=now)

    assert again.credit_code == first.credit_code and again.state == "applied"


def test_a_profile_change_to_another_suppliers_credit_code_is_refused_on_that_field(supplier_admin, supplier, other_supplier, now):
    with pytest.raises(ValidationFailed) as refused:
        profile.request_profile_change(supplier=supplier, actor=supplier_admin, now=now, field="credit_code",
                                       credit_code=other_supplier.credit_code, evidence=evidence())

    assert refused.value.field == "credit_code"
    assert not ProfileChange.objects.exists()


def test_approving_a_code_change_after_another_supplier_registered_that_code_is_refused_and_changes_nothing(
    supplier_admin, supplier, operator, now
):
    code = credit_code(424242)
    change = profile.request_profile_change(supplier=supplier, actor=supplier_admin, now=now, field="credit_code", credit_code=code,
                                            evidence=evidence())
    SupplierFactory(credit_code=code)

    with pytest.raises(ValidationFailed) as refused:
        profile.approve_profile_change(change=change, actor=operator, now=now)

    assert refused.value.field == "credit_code"
    change.refresh_from_db()
    supplier.refresh_from_db()
    assert change.state == "pending" and supplier.credit_code != code


def test_the_database_refuses_a_second_supplier_with_a_code_but_not_a_rejected_one(supplier):
    SupplierFactory(credit_code=supplier.credit_code, state=Supplier.State.REJECTED)

    with pytest.raises(IntegrityError):
        SupplierFactory(credit_code=supplier.credit_code)


def test_the_application_page_shows_a_taken_code_next_to_its_field(supplier):
    response = Client().post("/supplier/apply/", {**SUPPLIER_APPLICATION, "credit_code": supplier.credit_code})

    assert "credit_code" in field_errors(response) and "已有礼品商登记" in field_errors(response)["credit_code"]
    assert Supplier.objects.count() == 1


def test_the_api_names_the_credit_code_of_an_application_with_a_taken_code(api, supplier):
    response = api(None).post("/api/v1/supplier-applications/", {**SUPPLIER_APPLICATION, "credit_code": supplier.credit_code})

    assert response.status_code == 400
    assert [(error["attr"], error["code"]) for error in response.json()["errors"]] == [("credit_code", "taken")]


def test_the_profile_page_shows_a_taken_code_next_to_its_field(supplier_admin, other_supplier):
    response = logged_in(supplier_admin).post("/supplier/profile/", {"field": "credit_code", "credit_code": other_supplier.credit_code,
                                                                     "evidence": evidence()})

    assert set(field_errors(response)) == {"credit_code"}
    assert not ProfileChange.objects.exists()
