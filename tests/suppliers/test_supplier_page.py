"""The operator's page of a supplier: its contact details and links to its contracts, qualifications, gifts,
rectification cases, orders, complaints, statements, adjustments, extra costs and claims, each landing on that list filtered by `?supplier=<id>` (a bad value is an error next to it)."""
import re
from datetime import date, timedelta

import pytest

from core.portal import supplier_pages
from settlement.services import cases
from suppliers.models import Contract, Supplier
from suppliers.services import contracts, qualifications
from tests.factories import ContractFactory, GiftFactory, QualificationFactory, SupplierFactory
from tests.portal import field_errors, logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # `supplier`: an applicant gathering its paperwork
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


ACTIVITY = {"operator-orders": "/member/order-admin/", "complaint-desk": "/complaints/",
            "settlement-statements": "/settlement/statements/", "settlement-adjustments": "/settlement/adjustments/",
            "logistics-extra-costs": "/logistics/extra-costs/", "logistics-claims": "/logistics/claims/"}


def test_finance_is_linked_only_to_the_lists_it_may_open(finance):
    assert [page["url_name"] for page in supplier_pages(finance, 7)] == [
        "operator-contracts", "operator-qualifications", "operator-gifts", "settlement-cases", "operator-orders",
        "settlement-statements", "settlement-adjustments", "logistics-extra-costs", "logistics-claims",
    ]


def test_the_operator_is_linked_to_the_suppliers_orders_complaints_statements_adjustments_costs_and_claims(operator):
    names = [page["url_name"] for page in supplier_pages(operator, 7)]

    assert names == ["operator-contracts", "operator-qualifications", "operator-gifts", "settlement-cases", "operator-orders",
                     "complaint-desk", "settlement-statements", "settlement-adjustments", "logistics-extra-costs", "logistics-claims"]


@pytest.mark.parametrize("role", ["operator", "finance"])
def test_each_activity_list_linked_opens_filtered_to_the_supplier(request, role, two_suppliers):
    user, supplier = request.getfixturevalue(role), two_suppliers[0]
    shown = logged_in(user).get(f"/supplier/review/{supplier.pk}/").content.decode()
    links = {page["url_name"]: page["url"] for page in supplier_pages(user, supplier.pk) if page["url_name"] in ACTIVITY}

    opened = {name: logged_in(user).get(url) for name, url in links.items()}

    assert links and all(url == f"{ACTIVITY[name]}?supplier={supplier.pk}" and f'href="{url}"' in shown for name, url in links.items())
    assert {name: response.status_code for name, response in opened.items()} == dict.fromkeys(links, 200)
    assert all(f'<option value="{supplier.pk}" selected>' in response.content.decode() for response in opened.values())


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
    Supplier.objects.filter(pk=other_supplier.pk).update(state=Supplier.State.ACTIVE)  # a case is for a supplier in cooperation
    cases.open_case(supplier=other_supplier, kind="warning", reason="r", deadline=now.date() + timedelta(days=7), actor=operator, now=now)

    response = logged_in(supplier_admin).get(f"/settlement/cases/?supplier={other_supplier.pk}")

    assert response.status_code == 200 and list(response.context["page_obj"]) == []


def _checklist(response) -> dict[str, str]:
    """The onboarding checklist of a supplier's page: each item's text (tags stripped) by what it asks for."""
    page = response.content.decode()
    assert 'data-testid="onboarding-checklist"' in page
    items = re.findall(r'<li data-requirement="(\w+)" data-met="(\w+)">(.*?)</li>', page, re.S)
    return {field: f"{met} " + " ".join(re.sub(r"<[^>]+>", " ", text).split()) for field, met, text in items}


def test_an_applicants_page_lists_what_activation_needs_with_links_to_where_each_is_done(operator, supplier):
    response = logged_in(operator).get(f"/supplier/review/{supplier.pk}/")

    checklist = _checklist(response)
    assert checklist["contract"].startswith("no") and "缺少已生效的合同" in checklist["contract"] and "去登记合同" in checklist["contract"]
    assert checklist["business_licence"].startswith("no") and "缺少有效的营业执照" in checklist["business_licence"]
    page = response.content.decode()
    assert f'href="/supplier/contracts/review/?supplier={supplier.pk}" data-testid="checklist-contracts"' in page
    assert f'href="/supplier/qualifications/review/?supplier={supplier.pk}" data-testid="checklist-qualifications"' in page


def test_the_checklist_shows_the_contract_and_licence_waiting_for_review_then_both_met(operator, supplier, now):
    contract = ContractFactory(supplier=supplier, number="HT-CHECK-1")
    licence = QualificationFactory(supplier=supplier, state="pending", number="LIC-CHECK")
    client = logged_in(operator)

    waiting = _checklist(client.get(f"/supplier/review/{supplier.pk}/"))

    assert waiting["contract"].startswith("no") and "HT-CHECK-1 待审核" in waiting["contract"] and "去合同审核" in waiting["contract"]
    assert waiting["business_licence"].startswith("no") and "LIC-CHECK" in waiting["business_licence"]
    assert "营业执照待审核，请先审核通过" in waiting["business_licence"]

    contracts.approve_contract(contract=contract, actor=operator, now=now)
    qualifications.approve_qualification(qualification=licence, actor=operator, now=now)
    met = _checklist(client.get(f"/supplier/review/{supplier.pk}/"))

    assert met["contract"].startswith("yes") and "2026-01-01 — 2027-12-31" in met["contract"]
    assert "付款账期（天） 30" in met["contract"] and "¥50,000.00" in met["contract"] and "去合同审核" not in met["contract"]
    assert met["business_licence"].startswith("yes") and "有效期至 2027-12-31" in met["business_licence"]


def test_a_contract_approved_but_not_in_force_yet_is_linked_to_be_seen_not_reviewed(operator, supplier, now):
    contract = ContractFactory(supplier=supplier, number="HT-LATER", start_date=date(2027, 1, 1), end_date=date(2028, 12, 31))
    contracts.approve_contract(contract=contract, actor=operator, now=now)

    checklist = _checklist(logged_in(operator).get(f"/supplier/review/{supplier.pk}/"))

    assert checklist["contract"].startswith("no") and "HT-LATER" in checklist["contract"]
    assert "查看合同" in checklist["contract"] and "去合同审核" not in checklist["contract"]


def test_an_active_suppliers_page_has_no_checklist_and_finance_is_linked_to_contracts_and_qualifications(operator, finance, supplier):
    assert 'data-testid="checklist-qualifications"' in logged_in(finance).get(f"/supplier/review/{supplier.pk}/").content.decode()
    assert 'data-testid="checklist-contracts"' in logged_in(finance).get(f"/supplier/review/{supplier.pk}/").content.decode()
    type(supplier).objects.filter(pk=supplier.pk).update(state="active")

    assert 'data-testid="onboarding-checklist"' not in logged_in(operator).get(f"/supplier/review/{supplier.pk}/").content.decode()


def test_registering_a_contract_from_the_checklist_link_picks_the_supplier_and_comes_back_filtered(operator, supplier, other_supplier):
    client = logged_in(operator)
    url = f"/supplier/contracts/review/?supplier={supplier.pk}"

    form = client.get(url).context["form"]
    response = client.post(url, {"supplier": supplier.pk, "number": "HT-CHECK-2", "start_date": "2027-01-01", "end_date": "2028-01-01",
                                 "programs": ["gotone"], "payment_days": "30", "deposit_amount": "10000.00", "token": form["token"].value()})

    assert form["supplier"].value() == supplier.pk
    assert f'<option value="{supplier.pk}" selected>' in client.get(url).content.decode()
    assert response.status_code == 302 and response["Location"] == url
    assert Contract.objects.get(number="HT-CHECK-2").supplier == supplier
