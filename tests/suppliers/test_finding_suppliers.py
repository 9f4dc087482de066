"""Suppliers, their contracts and qualifications are found by the credit code their readers hold, typed in any case,
and a qualification by its certificate number too, on the operator's pages (`q`) and in the API (`search`), alike:
`?search=` on qualifications was silently ignored."""
import pytest

from suppliers.models import Qualification, Supplier
from suppliers.validators import credit_code_check_char
from tests.factories import QualificationFactory, SupplierFactory
from tests.portal import listed, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea() -> Supplier:
    """杭州茶业 (credit code 91330106MA2CHKLM1…), with its contract, its licence and a 3C certificate numbered
    2026011601234567."""
    supplier = SupplierFactory(name="杭州茶业", credit_code="91330106MA2CHKLM1" + credit_code_check_char("91330106MA2CHKLM1"))
    QualificationFactory(supplier=supplier, kind=Qualification.Kind.PRODUCT_CERTIFICATE, certificate_type="3C", number="2026011601234567")
    return supplier


@pytest.fixture
def fish() -> Supplier:
    return SupplierFactory(name="宁波海产")


def _query(url: str, text: str) -> dict:
    return {"search" if url.startswith("/api/") else "q": text}


@pytest.mark.parametrize("url", ["/supplier/review/", "/api/v1/suppliers/"])
def test_an_operator_finds_a_supplier_by_its_credit_code_in_any_case(operator, tea, fish, url):
    assert listed(operator, url, **_query(url, tea.credit_code.lower())) == [tea.pk]
    assert listed(operator, url, **_query(url, fish.credit_code[-10:])) == [fish.pk]
    assert listed(operator, url, **_query(url, "海产")) == [fish.pk]


@pytest.mark.parametrize("url", ["/supplier/contracts/review/", "/api/v1/contracts/"])
def test_an_operator_finds_a_suppliers_contracts_by_its_credit_code_name_or_the_contracts_number(operator, tea, fish, url):
    teas = sorted(tea.contracts.values_list("pk", flat=True))
    number = fish.contracts.get().number

    assert teas and listed(operator, url, **_query(url, tea.credit_code.lower())) == teas
    assert listed(operator, url, **_query(url, "茶业")) == teas
    assert listed(operator, url, **_query(url, number)) == [fish.contracts.get().pk]


@pytest.mark.parametrize("url", ["/supplier/qualifications/review/", "/api/v1/qualifications/"])
def test_an_operator_finds_qualifications_by_certificate_number_or_the_suppliers_credit_code(operator, tea, fish, url):
    certificate = tea.qualifications.get(kind=Qualification.Kind.PRODUCT_CERTIFICATE)

    assert listed(operator, url, **_query(url, "0123456")) == [certificate.pk]
    assert listed(operator, url, **_query(url, tea.credit_code.lower())) == sorted(tea.qualifications.values_list("pk", flat=True))
    assert listed(operator, url, **_query(url, "海产")) == [fish.qualifications.get().pk]
    assert listed(operator, url, **_query(url, "no-such-number")) == []


@pytest.mark.parametrize(("url", "placeholder"), [
    ("/supplier/review/", "Name / unified social credit code"),
    ("/supplier/contracts/review/", "Contract number / supplier / unified social credit code"),
    ("/supplier/qualifications/review/", "Certificate number / supplier / unified social credit code"),
])
def test_the_search_boxes_read_in_english_for_an_english_reader(operator, url, placeholder):
    page = logged_in(operator).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert placeholder in page
