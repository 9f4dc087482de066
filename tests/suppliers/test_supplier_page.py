"""The operator's page of a supplier: its contact details and links to its contracts, qualifications, gifts and
rectification cases, each landing on that list filtered by `?supplier=<id>` (a bad value is an error next to it)."""
from datetime import timedelta

import pytest

from core.portal import supplier_pages
from settlement.services import cases
from tests.factories import ContractFactory, GiftFactory, QualificationFactory, SupplierFactory
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
LISTS = {"operator-contracts": "/supplier/contracts/review/", "operator-qualifications": "/supplier/qualifications/review/",
         "operator-gifts": "/supplier/gift-admin/", "settlement-cases": "/settlement/cases/"}


@pytest.fixture
def two_suppliers(operator, now):
    """Two suppliers, each with a contract, a licence, a gift and a rectification case."""
    pair = [SupplierFactory(contact_email=f"s{n}@example.com", address=f"杭州市{n}号") for n in (1, 2)]
    for supplier in pair:
        ContractFactory(supplier=supplier)
        QualificationFactory(supplier=supplier)
        GiftFactory(supplier=supplier)
        cases.open_case(supplier=supplier, kind="warning", reason="发货慢", deadline=now.date() + timedelta(days=7), actor=operator,
                        now=now)
    return pair


def test_the_page_shows_the_contact_details_and_links_to_each_list_filtered_to_the_supplier(operator, two_suppliers):
    supplier = two_suppliers[0]

    page = logged_in(operator).get(f"/supplier/review/{supplier.pk}/").content.decode()

    assert all(value in page for value in (supplier.contact_name, supplier.contact_phone, "s1@example.com", "杭州市1号"))
    assert all(f'href="{path}?supplier={supplier.pk}"' in page for path in LISTS.values())


def test_the_page_shows_which_notices_the_supplier_takes_by_sms(operator, two_suppliers):
    supplier = two_suppliers[0]
    type(supplier).objects.filter(pk=supplier.pk).update(sms_notices="action")

    page = logged_in(operator).get(f"/supplier/review/{supplier.pk}/").content.decode()

    assert page.split('data-testid="sms-notices">', 1)[1].startswith("仅需我方处理的通知")


def test_finance_is_linked_only_to_the_lists_it_may_open(finance):
    assert [page["url_name"] for page in supplier_pages(finance, 7)] == ["operator-contracts"]


@pytest.mark.parametrize("url_name", LISTS)
def test_each_linked_list_shows_only_the_suppliers_rows(operator, two_suppliers, url_name):
    supplier, other = two_suppliers
    link = next(page["url"] for page in supplier_pages(operator, supplier.pk) if page["url_name"] == url_name)

    response = logged_in(operator).get(link)

    rows = list(response.context["page_obj"])
    assert response.status_code == 200 and rows and {row.supplier_id for row in rows} == {supplier.pk}


@pytest.mark.parametrize("url_name", LISTS)
@pytest.mark.parametrize("value", ["abc", "99999", str(2**70)])
def test_a_bad_supplier_filter_is_an_error_next_to_it_and_the_list_shows_nothing(operator, two_suppliers, url_name, value):
    response = logged_in(operator).get(f"{LISTS[url_name]}?supplier={value}")

    assert response.status_code == 400 and "supplier" in field_errors(response)
    assert list(response.context["page_obj"]) == []


@pytest.mark.parametrize("url_name", LISTS)
def test_without_a_supplier_filter_every_suppliers_rows_are_listed(operator, two_suppliers, url_name):
    response = logged_in(operator).get(LISTS[url_name])

    assert {row.supplier_id for row in response.context["page_obj"]} == {s.pk for s in two_suppliers}


def test_a_supplier_user_cannot_open_the_operators_page_of_a_supplier(supplier_admin, other_supplier):
    assert logged_in(supplier_admin).get(f"/supplier/review/{other_supplier.pk}/").status_code == 403


def test_a_supplier_user_filtering_its_own_cases_by_another_supplier_still_sees_only_its_own(operator, supplier_admin, other_supplier, now):
    cases.open_case(supplier=other_supplier, kind="warning", reason="r", deadline=now.date() + timedelta(days=7), actor=operator, now=now)

    response = logged_in(supplier_admin).get(f"/settlement/cases/?supplier={other_supplier.pk}")

    assert response.status_code == 200 and list(response.context["page_obj"]) == []
