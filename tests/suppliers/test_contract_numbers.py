"""A contract number is unique among all suppliers' contracts (the operator numbers them): refused on the number
field in the service, on the paperwork page and in the API, and kept by the database."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError

from core.errors import ValidationFailed
from suppliers.models import Contract
from suppliers.services import contracts
from tests.factories import ContractFactory
from tests.portal import logged_in, posted_as

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # `supplier`: an applicant gathering its paperwork

TERMS = {"start_date": date(2027, 1, 1), "end_date": date(2028, 1, 1), "programs": ["gotone"], "payment_days": 30,
         "deposit_amount": Decimal("10000.00")}
CONTRACT_FORM = {"form": "contract", "number": "HT-2027-001", "start_date": "2027-01-01", "end_date": "2028-01-01",
                 "programs": ["gotone"], "payment_days": "30", "deposit_amount": "10000.00"}


def test_a_number_another_suppliers_contract_holds_is_refused_on_the_number_and_nothing_is_written(
    supplier, other_supplier, operator, now
):
    ContractFactory(supplier=other_supplier, number="HT-2027-001")

    with pytest.raises(ValidationFailed) as refused:
        contracts.create_contract(supplier=supplier, actor=operator, now=now, number=" HT-2027-001 ", **TERMS)

    assert [(field, code) for field, code, _detail in refused.value.errors] == [("number", "taken")]
    assert not Contract.objects.filter(supplier=supplier).exists()


def test_a_rejected_contracts_number_stays_taken(supplier, operator, now):
    rejected = contracts.create_contract(supplier=supplier, actor=operator, now=now, number="HT-2027-001", **TERMS)
    contracts.reject_contract(contract=rejected, actor=operator, now=now, reason="保证金不对")

    with pytest.raises(ValidationFailed) as refused:
        contracts.create_contract(supplier=supplier, actor=operator, now=now, number="HT-2027-001", **TERMS)

    assert refused.value.field == "number"
    assert Contract.objects.count() == 1


def test_the_database_refuses_two_contracts_with_one_number(supplier, other_supplier):
    ContractFactory(supplier=supplier, number="HT-2027-001")

    with pytest.raises(IntegrityError):
        ContractFactory(supplier=other_supplier, number="HT-2027-001")


def test_the_paperwork_page_shows_a_taken_number_next_to_its_field(supplier_admin, other_supplier):
    ContractFactory(supplier=other_supplier, number="HT-2027-001")

    response = logged_in(supplier_admin).post("/supplier/paperwork/", posted_as("contract", CONTRACT_FORM))

    page = response.content.decode()
    assert 'class="field-error" data-field="number"' in page and "合同编号已存在" in page
    assert Contract.objects.count() == 1


def test_the_api_names_the_number_of_a_contract_numbered_like_another_suppliers(api, operator, supplier, other_supplier):
    ContractFactory(supplier=other_supplier, number="HT-2027-001")

    response = api(operator).post("/api/v1/contracts/", {**CONTRACT_FORM, "supplier": supplier.pk})

    assert response.status_code == 400
    assert [(error["attr"], error["code"]) for error in response.json()["errors"]] == [("number", "taken")]
    assert Contract.objects.count() == 1
