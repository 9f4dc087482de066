"""Only a supplier in cooperation (`active`) has its gifts approved, listed, scheduled for listing or put on clearance
(SPEC §4.1: `active` needs an approved contract and a valid licence); an applicant still prepares its gifts and sends
them to review, a suspended supplier neither."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import InvalidTransition
from core.fsm import apply_transition
from core.models import TransitionLog
from suppliers.errors import SupplierNotCooperating
from suppliers.models import Gift, Supplier
from suppliers.services import catalog, revisions
from tests.factories import FIXED_NOW, ApplicantFactory, GiftFactory, ready_to_activate, supplier_in
from tests.helpers import gift_in_state, stocked_to_clear
from tests.portal import logged_in

pytestmark = pytest.mark.django_db

#: step: (the state it starts from, the service call, the API action and its body)
STEPS = {
    "approve": ("submitted", lambda gift, actor: catalog.approve_gift(gift=gift, actor=actor, now=FIXED_NOW), "approve", {}),
    "publish": ("approved", lambda gift, actor: catalog.publish_gift(gift=gift, actor=actor, now=FIXED_NOW), "publish", {}),
    "schedule": (
        "approved",
        lambda gift, actor: revisions.schedule_publication(gift=gift, actor=actor, now=FIXED_NOW, publish_at=FIXED_NOW + timedelta(days=1)),
        "schedule", {"publish_at": "2099-01-01T10:00:00+08:00"},
    ),
    "clearance": (
        "offline",
        lambda gift, actor: catalog.start_clearance(gift=gift, actor=actor, now=FIXED_NOW, points_price=500, settlement_price=Decimal("50")),
        "start-clearance", {"points_price": 500, "settlement_price": "50.00"},
    ),
}
#: the supplier states whose gifts go nowhere near sale, as a refusal names them
NOT_LISTING = {"applied": "已申请", "under_review": "审核中", "suspended": "已暂停"}


def gift_of(supplier_state: str, gift_state: str) -> Gift:
    """A gift in `gift_state` (offline: delisted for low sales, a unit on hand to clear) of a supplier in `supplier_state`.
    An applicant's holds the contract and licence activation needs, so only its state stands in the way: its gift is
    submitted through the service, or approved or offline as data from before listing needed cooperation holds it. A
    suspended supplier's gift got there while the supplier was active."""
    if supplier_state in {"applied", "under_review"}:
        applicant = supplier_in(supplier_state, supplier=ready_to_activate(ApplicantFactory()))
        if gift_state == "submitted":
            return catalog.submit_gift(gift=GiftFactory(supplier=applicant), actor=None, now=FIXED_NOW)
        gift = GiftFactory(supplier=applicant, state=gift_state, delist_reason="low_sales" if gift_state == "offline" else "")
    else:
        gift = gift_in_state(gift_state, at=FIXED_NOW)
        supplier_in(supplier_state, supplier=gift.supplier)
    if gift_state == "offline":
        stocked_to_clear(gift)
    return Gift.objects.get(pk=gift.pk)


def unchanged(gift: Gift) -> tuple:
    """What a refused step must leave as it was: the gift's state, schedule and clearance price, and its history."""
    after = Gift.objects.get(pk=gift.pk)
    return after.state, after.publish_at, after.clearance_points_price, TransitionLog.objects.filter(object_id=gift.pk).count()


@pytest.mark.parametrize("supplier_state", NOT_LISTING)
@pytest.mark.parametrize("step", STEPS)
def test_a_gift_of_a_supplier_not_in_cooperation_is_not_approved_listed_scheduled_or_cleared(operator, supplier_state, step):
    start, service, *_ = STEPS[step]
    gift = gift_of(supplier_state, start)
    before = unchanged(gift)

    with pytest.raises(SupplierNotCooperating) as refused:
        service(gift, operator)

    assert refused.value.status == 409 and refused.value.code == "supplier_not_active"
    assert f"「{NOT_LISTING[supplier_state]}」" in refused.value.detail
    assert unchanged(gift) == before


@pytest.mark.parametrize("supplier_state", NOT_LISTING)
@pytest.mark.parametrize("step", STEPS)
def test_the_api_refuses_those_steps_with_409_naming_the_suppliers_state(api, operator, supplier_state, step):
    start, _, action, body = STEPS[step]
    gift = gift_of(supplier_state, start)
    before = unchanged(gift)

    response = api(operator).post(f"/api/v1/gifts/{gift.pk}/{action}/", body, format="json")

    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "supplier_not_active" and f"「{NOT_LISTING[supplier_state]}」" in error["detail"]
    assert unchanged(gift) == before


@pytest.mark.parametrize("step", STEPS)
def test_an_active_suppliers_gift_is_approved_listed_scheduled_or_cleared(operator, step):
    start, service, *_ = STEPS[step]
    gift = gift_of("active", start)

    service(gift, operator)

    gift = Gift.objects.get(pk=gift.pk)
    assert gift.supplier.state == Supplier.State.ACTIVE
    assert (gift.state, gift.publish_at is not None) == {
        "approve": ("approved", False), "publish": ("online", False), "schedule": ("approved", True), "clearance": ("clearance", False),
    }[step]


def test_the_publication_queue_holds_only_active_suppliers_approved_gifts():
    active = gift_of("active", "approved")
    for supplier_state in NOT_LISTING:
        gift_of(supplier_state, "approved")

    assert list(catalog.publication_queue()) == [active]


def test_the_model_refuses_approving_an_applicants_gift_even_past_the_service(operator):
    gift = gift_of("applied", "submitted")

    with pytest.raises(InvalidTransition):
        apply_transition(gift, "approve", actor=operator, at=FIXED_NOW)

    assert Gift.objects.get(pk=gift.pk).state == "submitted"


def test_an_applicant_sends_its_gift_to_review_and_the_operators_page_says_approval_waits_for_cooperation(operator):
    gift = gift_of("applied", "submitted")

    page = logged_in(operator).get(f"/supplier/gifts/{gift.pk}/").content.decode()

    assert gift.state == "submitted"
    assert 'data-testid="supplier-hold"' in page and "合作生效前" in page and "「已申请」" in page
    assert "/actions/approve/" not in page and "/actions/reject/" in page
