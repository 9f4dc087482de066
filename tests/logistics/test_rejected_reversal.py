"""A compensation whose reversal the checker rejected (its parcel delivered after all, its loss report withdrawn) is not
left standing silently: the claim's page, the compensation's and the rejected reversal's pages say it still stands and
will be booked beside the delivery, and finance proposes the reversal again from them (maker-checker as before)."""
from decimal import Decimal

import pytest
from django.test import Client

from core.errors import Conflict, PermissionDenied
from logistics.models import LogisticsClaim
from settlement.errors import CompensationNotAllowed
from settlement.models import Adjustment
from settlement.services import adjustments, compensation
from tests.logistics.test_lost_parcel_withdrawal import lost_claim, withdraw  # noqa: F401  (fixture)
from tests.logistics.test_withdrawal_reverses_compensation import approved  # noqa: F401  (fixture)
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(lost_claim, approved, logistics, finance_checker, now) -> Adjustment:  # noqa: F811
    """The loss report withdrawn (the parcel signed for) and the reversal it proposed rejected by the checker."""
    withdraw(lost_claim, logistics, now)
    reversal = Adjustment.objects.exclude(pk=approved.pk).get()
    return adjustments.reject_adjustment(adjustment=reversal, actor=finance_checker, now=now, note="金额待核")


def claim_of(claim) -> LogisticsClaim:
    return LogisticsClaim.objects.get(pk=claim.pk)


def test_a_rejected_reversal_leaves_the_compensation_standing_and_says_so(lost_claim, approved, refused):  # noqa: F811
    standing = compensation.standing_compensation(claim=claim_of(lost_claim))

    assert (standing.compensation, standing.reversal, standing.reversal.state) == (approved, refused, "rejected")
    assert compensation.standing_compensation(adjustment=approved) == standing == compensation.standing_compensation(adjustment=refused)


def test_a_reversal_waiting_for_its_checker_leaves_nothing_standing(lost_claim, approved, logistics, now):  # noqa: F811
    withdraw(lost_claim, logistics, now)

    assert compensation.standing_compensation(claim=claim_of(lost_claim)) is None
    assert not compensation.may_propose_reversal_again(claim_of(lost_claim))
    with pytest.raises(CompensationNotAllowed):
        compensation.propose_reversal_again(claim=claim_of(lost_claim), actor=approved.created_by, now=now)
    assert Adjustment.objects.count() == 2


def test_finance_proposes_the_reversal_again_for_another_finance_user_to_check(lost_claim, approved, refused, finance_checker, now):  # noqa: F811
    again = compensation.propose_reversal_again(claim=claim_of(lost_claim), actor=finance_checker, now=now)

    assert (again.kind, again.amount, again.state, again.created_by, again.source_id) == (
        "other", Decimal("-360.00"), "proposed", finance_checker, f"#{lost_claim.pk}")
    assert approved.number in again.reason
    assert compensation.standing_compensation(claim=claim_of(lost_claim)) is None
    with pytest.raises(PermissionDenied):
        adjustments.approve_adjustment(adjustment=again, actor=finance_checker, now=now)
    with pytest.raises(Conflict):  # it waits for its checker: not twice
        compensation.propose_reversal_again(claim=claim_of(lost_claim), actor=finance_checker, now=now)


def test_only_finance_proposes_the_reversal_again(lost_claim, refused, operator, logistics, now):  # noqa: F811
    for who in (operator, logistics):
        with pytest.raises(PermissionDenied):
            compensation.propose_reversal_again(claim=claim_of(lost_claim), actor=who, now=now)

    assert Adjustment.objects.count() == 2


def test_the_claim_page_says_the_compensation_stands_and_finance_reverses_it_again_from_there(
        lost_claim, approved, refused, finance, operator, logistics):  # noqa: F811
    page = f"/logistics/claims/{lost_claim.pk}/"
    to_finance, to_operator = (logged_in(user).get(page).content.decode() for user in (finance, operator))

    assert 'data-testid="compensation-stands"' in to_finance and 'data-testid="compensation-stands"' in to_operator
    assert f"冲销调账 {refused.number} 已驳回，补偿调账 {approved.number} 仍然有效" in to_finance
    assert 'data-action="reverse-again"' in to_finance and 'data-action="reverse-again"' not in to_operator
    assert logged_in(logistics).post(f"/settlement/claims/{lost_claim.pk}/reversal/").status_code == 403
    assert logged_in(finance).post(f"/settlement/claims/{lost_claim.pk + 1000}/reversal/").status_code == 404

    response = logged_in(finance).post(f"/settlement/claims/{lost_claim.pk}/reversal/")

    assert response.status_code == 302 and response["Location"] == page
    assert list(Adjustment.objects.order_by("pk").values_list("state", flat=True)) == ["approved", "rejected", "proposed"]
    assert 'data-testid="compensation-stands"' not in logged_in(finance).get(page).content.decode()


def test_the_compensation_s_page_says_it_stands_to_staff_and_finance_reverses_it_again_from_there(
        lost_claim, approved, refused, finance, supplier_admin):  # noqa: F811
    page = f"/settlement/adjustments/{approved.pk}/"

    shown = logged_in(finance).get(page).content.decode()
    rejected_page = logged_in(finance).get(f"/settlement/adjustments/{refused.pk}/").content.decode()
    response = logged_in(finance).post(f"/settlement/claims/{lost_claim.pk}/reversal/", {"next": page})

    assert 'data-testid="compensation-stands"' in shown and 'data-action="reverse-again"' in shown
    assert 'data-testid="compensation-stands"' in rejected_page
    assert 'data-testid="compensation-stands"' not in logged_in(supplier_admin).get(page).content.decode()
    assert response.status_code == 302 and response["Location"] == page
    assert Adjustment.objects.filter(state="proposed", amount=Decimal("-360.00")).count() == 1


def test_in_english_the_page_says_the_compensation_stands(lost_claim, approved, refused, finance):  # noqa: F811
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(finance)

    shown = client.get(f"/logistics/claims/{lost_claim.pk}/").content.decode()

    assert f"compensation {approved.number} still stands" in shown and "Propose the reversal again" in shown


def manual_reversal(claim, actor, now) -> Adjustment:
    """The reversal finance proposes by hand: kind other, source the claim, the compensation's amount negated."""
    return adjustments.propose_adjustment(
        supplier=claim.order.supplier, kind="other", amount=Decimal("-360.00"), reason="包裹已签收，冲销补偿", actor=actor,
        now=now, source_kind="claim", source_id=f"#{claim.pk}")


def test_a_reversal_finance_proposed_by_hand_answers_the_compensation(
        lost_claim, approved, refused, finance, finance_checker, now):  # noqa: F811
    by_hand = manual_reversal(lost_claim, finance, now)
    adjustments.approve_adjustment(adjustment=by_hand, actor=finance_checker, now=now)

    assert compensation.standing_compensation(claim=claim_of(lost_claim)) is None
    assert not compensation.may_propose_reversal_again(claim_of(lost_claim))
    with pytest.raises(CompensationNotAllowed):
        compensation.propose_reversal_again(claim=claim_of(lost_claim), actor=finance_checker, now=now)
    assert Adjustment.objects.filter(amount=Decimal("-360.00"), state__in=("proposed", "approved")).count() == 1


def test_a_second_reversal_by_hand_is_refused_while_one_waits(lost_claim, approved, refused, finance, finance_checker, now):  # noqa: F811
    compensation.propose_reversal_again(claim=claim_of(lost_claim), actor=finance_checker, now=now)

    with pytest.raises(CompensationNotAllowed) as refusal:
        manual_reversal(lost_claim, finance, now)

    assert refusal.value.code == "compensation_not_allowed"
    assert Adjustment.objects.filter(amount=Decimal("-360.00"), state__in=("proposed", "approved")).count() == 1


def test_finance_proposes_the_reversal_again_through_the_api(
        api, lost_claim, approved, refused, finance, finance_checker, operator, logistics, supplier_admin):  # noqa: F811
    address = f"/api/v1/logistics-claims/{lost_claim.pk}/propose-reversal/"
    claim_address = f"/api/v1/logistics-claims/{lost_claim.pk}/"

    assert api(finance).get(claim_address).json()["compensation_stands"] is True
    assert api(operator).get(claim_address).json()["compensation_stands"] is True
    assert api(finance).post(address).status_code == 400  # no Idempotency-Key
    assert [api(who).post(address, HTTP_IDEMPOTENCY_KEY="again").status_code for who in (operator, logistics)] == [403, 403]
    assert api(supplier_admin).post(address, HTTP_IDEMPOTENCY_KEY="again").status_code == 404
    assert api(finance).post(f"/api/v1/logistics-claims/{lost_claim.pk + 1000}/propose-reversal/",
                             HTTP_IDEMPOTENCY_KEY="none").status_code == 404

    first = api(finance_checker).post(address, HTTP_IDEMPOTENCY_KEY="again")
    replayed = api(finance_checker).post(address, HTTP_IDEMPOTENCY_KEY="again")
    second = api(finance).post(address, HTTP_IDEMPOTENCY_KEY="twice")

    assert first.status_code == 201 and (first.json()["kind"], first.json()["amount"], first.json()["state"]) == ("other", "-360.00", "proposed")
    assert replayed.status_code == 201 and replayed.json()["id"] == first.json()["id"]
    assert second.status_code == 409 and second.json()["errors"][0]["code"] == "compensation_not_allowed"
    assert api(finance).get(claim_address).json()["compensation_stands"] is False
    assert Adjustment.objects.filter(state="proposed", amount=Decimal("-360.00")).count() == 1


def test_the_page_refuses_a_second_reversal_while_one_waits(lost_claim, approved, refused, finance, finance_checker):  # noqa: F811
    page = f"/logistics/claims/{lost_claim.pk}/"
    logged_in(finance_checker).post(f"/settlement/claims/{lost_claim.pk}/reversal/")

    response = logged_in(finance).post(f"/settlement/claims/{lost_claim.pk}/reversal/", follow=True)

    shown = response.content.decode()
    assert response.redirect_chain[-1][0] == page
    assert "该索赔没有待冲销的补偿调账" in shown and 'data-action="reverse-again"' not in shown
    assert Adjustment.objects.filter(state="proposed", amount=Decimal("-360.00")).count() == 1


def test_the_maker_approving_its_own_reversal_on_its_page_is_refused_403(lost_claim, approved, refused, finance_checker, now):  # noqa: F811
    again = compensation.propose_reversal_again(claim=claim_of(lost_claim), actor=finance_checker, now=now)

    response = logged_in(finance_checker).post(f"/settlement/adjustments/{again.pk}/approve/", {"note": "核对无误"})

    assert response.status_code == 403
    assert Adjustment.objects.get(pk=again.pk).state == "proposed"
