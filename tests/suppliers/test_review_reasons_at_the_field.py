"""The operator's review pages of contracts, profile changes and qualifications decide with the gift review's form: a
rejection without a reason, or with one too long, comes back on the page it was sent from with the error next to the
reason field and the reason as typed, nothing decided; each page leads back to its list."""
import re

import pytest

from core.models import TransitionLog
from suppliers.models import Contract, ProfileChange, Qualification
from tests.factories import ContractFactory, QualificationFactory
from tests.portal import field_errors, logged_in
from tests.suppliers.profile_factories import ProfileChangeFactory

pytestmark = pytest.mark.django_db

PAGES = {  # what is decided: (its factory's pending one, the address of its review pages, its list)
    "contract": (lambda supplier: ContractFactory(supplier=supplier), "/supplier/contracts/review/"),
    "profile change": (lambda supplier: ProfileChangeFactory(supplier=supplier), "/supplier/profile-changes/review/"),
    "qualification": (lambda supplier: QualificationFactory(supplier=supplier, state="pending"), "/supplier/qualifications/review/"),
}
MODELS = {"contract": Contract, "profile change": ProfileChange, "qualification": Qualification}


def _reason_field(page: str) -> str:
    """The reason field of the page's decision form and what follows it up to the form's buttons."""
    return page.split('name="reason"', 1)[1].split('data-action="approve"', 1)[0]


@pytest.mark.parametrize("what", list(PAGES))
def test_a_rejection_without_a_reason_comes_back_next_to_the_reason_field_and_decides_nothing(operator, supplier, what):
    make, base = PAGES[what]
    pending = make(supplier)
    client = logged_in(operator)
    detail = f"{base}{pending.pk}/"

    sent = client.post(f"{detail}reject/", {"reason": "  ", "next": detail})
    shown = client.get(sent["Location"])

    assert sent.status_code == 302 and sent["Location"] == detail
    assert shown.status_code == 200 and field_errors(shown) == {"reason": "请填写驳回原因"}
    field = _reason_field(shown.content.decode())
    assert 'value="  "' in field and 'aria-describedby="id_reject_reason_error"' in field and "请填写驳回原因" in field
    assert [str(m) for m in shown.context["messages"]] == ["请修正下方标出的错误"]  # the top asks to correct it, no more
    assert MODELS[what].objects.get(pk=pending.pk).state == "pending"
    assert not TransitionLog.objects.filter(object_id=pending.pk, transition="reject").exists()
    assert field_errors(client.get(detail)) == {}  # shown once


@pytest.mark.parametrize("what", list(PAGES))
def test_each_review_page_leads_back_to_its_list(operator, supplier, what):
    make, base = PAGES[what]

    page = logged_in(operator).get(f"{base}{make(supplier).pk}/").content.decode()

    assert re.search(rf'<a class="button secondary" href="{re.escape(base)}" data-testid="back">返回列表</a>', page)


def test_a_reason_too_long_for_a_change_comes_back_on_its_page_next_to_the_reason_and_decides_nothing(operator, supplier):
    """A bank account, legal name or credit code change is decided on its own page, beside its evidence (the list only
    links there), so that is where a refused reason comes back."""
    change = ProfileChangeFactory(supplier=supplier)
    client = logged_in(operator)
    detail = f"/supplier/profile-changes/review/{change.pk}/"

    sent = client.post(f"{detail}reject/", {"reason": "长" * 2001, "next": detail})
    shown = client.get(sent["Location"])

    assert sent["Location"] == detail
    assert "2000" in field_errors(shown)["reason"]
    assert ProfileChange.objects.get(pk=change.pk).state == "pending"


def test_an_approval_still_decides_and_goes_back_to_the_page_it_was_sent_from(operator, supplier):
    contract = ContractFactory(supplier=supplier)

    sent = logged_in(operator).post(f"/supplier/contracts/review/{contract.pk}/approve/", {"reason": ""})

    assert sent.status_code == 302 and sent["Location"] == f"/supplier/contracts/review/{contract.pk}/"
    assert Contract.objects.get(pk=contract.pk).state == "approved"
