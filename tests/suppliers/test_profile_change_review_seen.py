"""The operator's approve / reject of a supplier's profile change carries what the review page showed of it (`seen`): a
change the supplier withdrew (and perhaps asked again with other values) or a colleague decided since the page was
opened is refused naming who changed it, when and how, and nothing about the supplier changes; the API takes the same
optional `seen`."""
from functools import partial

import pytest
from django.utils import timezone

from core.models import AccessLog

from suppliers.models import Contract, ProfileChange
from suppliers.services import contracts, profile
from tests.factories import credit_code
from tests.portal import logged_in, seen_by
from tests.suppliers.profile_factories import NEW_ACCOUNT, evidence
from tests.suppliers.test_portal_profile import CONTRACT_FORM

pytestmark = pytest.mark.django_db
LIST = "/supplier/profile-changes/review/"


def renaming(supplier, admin, name: str) -> ProfileChange:
    return profile.request_profile_change(supplier=supplier, actor=admin, now=timezone.now(), field="legal_name", legal_name=name,
                                          evidence=evidence())


def said(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_change_withdrawn_and_asked_again_with_another_name_since_its_page_was_opened_is_not_approved_from_it(
    operator, supplier_admin, supplier,
):
    name = supplier.name
    first = renaming(supplier, supplier_admin, "杭州甲礼品有限公司")
    client, approve = logged_in(operator), f"{LIST}{first.pk}/approve/"
    seen = seen_by(client.get(f"{LIST}{first.pk}/").content.decode(), approve)
    profile.withdraw_profile_change(change=first, actor=supplier_admin, now=timezone.now())
    second = renaming(supplier, supplier_admin, "杭州乙礼品有限公司")

    stale = client.post(approve, {"seen": seen}, follow=True)

    supplier.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (supplier.name, first.state, second.state) == (name, "withdrawn", "pending")
    assert len(said(stale)) == 1
    assert said(stale)[0].startswith("资料变更在您打开页面后已有变动（") and "撤回" in said(stale)[0]


def test_the_review_list_offers_no_decision_on_a_reviewed_change_only_a_link_to_its_page(operator, supplier_admin, supplier):
    """A bank account, legal name or credit code change is decided on its own page, beside the evidence and the values
    whole (the read recorded), never from the list, where the account number is masked and the evidence not shown."""
    request = partial(profile.request_profile_change, supplier=supplier, actor=supplier_admin, now=timezone.now())
    changes = [request(field="bank_account", **NEW_ACCOUNT, evidence=evidence()),
               request(field="legal_name", legal_name="杭州甲礼品有限公司", evidence=evidence()),
               request(field="credit_code", credit_code=credit_code(4242), evidence=evidence())]

    page = logged_in(operator).get(LIST).content.decode()

    for change in changes:
        assert f"{LIST}{change.pk}/approve/" not in page and f"{LIST}{change.pk}/reject/" not in page
        assert f'<a href="{LIST}{change.pk}/" data-testid="review">审核</a>' in page
    assert NEW_ACCOUNT["account_number"] not in page and not AccessLog.objects.exists()


def test_a_change_a_colleague_rejected_since_its_page_was_opened_is_not_approved_back_on_the_list(operator, supplier_admin, supplier):
    name = supplier.name
    change = renaming(supplier, supplier_admin, "杭州甲礼品有限公司")
    client, approve = logged_in(operator), f"{LIST}{change.pk}/approve/"
    seen = seen_by(client.get(f"{LIST}{change.pk}/").content.decode(), approve)
    profile.reject_profile_change(change=change, actor=operator, now=timezone.now(), reason="营业执照不清晰")

    stale = client.post(approve, {"seen": seen, "next": LIST}, follow=True)

    supplier.refresh_from_db()
    change.refresh_from_db()
    assert (supplier.name, change.state) == (name, "rejected")
    assert len(said(stale)) == 1 and "在您打开页面后已有变动" in said(stale)[0] and "驳回" in said(stale)[0]


def test_a_change_unchanged_since_its_page_was_opened_is_approved_from_it(operator, supplier_admin, supplier):
    change = renaming(supplier, supplier_admin, "杭州甲礼品有限公司")
    client, approve = logged_in(operator), f"{LIST}{change.pk}/approve/"

    client.post(approve, {"seen": seen_by(client.get(f"{LIST}{change.pk}/").content.decode(), approve)})

    supplier.refresh_from_db()
    assert supplier.name == "杭州甲礼品有限公司"


def test_an_api_approval_of_a_change_withdrawn_since_it_was_read_is_409_naming_the_change(operator, supplier_admin, supplier, api):
    name = supplier.name
    change = renaming(supplier, supplier_admin, "杭州甲礼品有限公司")
    seen = api(operator).get(f"/api/v1/profile-changes/{change.pk}/history/").json()[-1]["id"]
    profile.withdraw_profile_change(change=change, actor=supplier_admin, now=timezone.now())

    stale = api(operator).post(f"/api/v1/profile-changes/{change.pk}/approve/", {"seen": seen}, format="json")

    supplier.refresh_from_db()
    assert stale.status_code == 409 and stale.json()["errors"][0]["code"] == "changed_since_seen"
    assert "撤回" in stale.json()["errors"][0]["detail"] and supplier.name == name


def test_a_contract_a_colleague_rejected_since_its_page_was_opened_is_not_approved_from_it(operator, supplier):
    """The same form decides contracts: a stale one is refused naming the colleague's rejection, the contract stays so."""
    client = logged_in(operator)
    client.post("/supplier/contracts/review/", {"supplier": supplier.pk, **CONTRACT_FORM, "token": "register"})
    contract = Contract.objects.get(number=CONTRACT_FORM["number"])
    approve = f"/supplier/contracts/review/{contract.pk}/approve/"
    seen = seen_by(client.get(f"/supplier/contracts/review/{contract.pk}/").content.decode(), approve)
    contracts.reject_contract(contract=contract, actor=operator, now=timezone.now(), reason="保证金条款缺失")

    stale = client.post(approve, {"seen": seen, "reason": "条款无误"}, follow=True)

    contract.refresh_from_db()
    assert contract.state == "rejected"
    assert len(said(stale)) == 1 and "在您打开页面后已有变动" in said(stale)[0] and "驳回" in said(stale)[0]
