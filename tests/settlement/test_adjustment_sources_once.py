"""A monthly assessment is penalised once (and a lost parcel's claim compensated once): a penalty for an assessment
whose proposal became an adjustment is refused naming `source_id` while the first is proposed or approved; once that one
is rejected or withdrawn, the assessment may be penalised again. An assessment's proposals (one per rule broken) stand
side by side. Other sources are adjusted again: a second penalty of an order for another breach, a second correction,
a later dispute's adjustment for the same order."""
from datetime import datetime
from functools import partial

import pytest

from settlement.errors import SourceAlreadyAdjusted
from settlement.models import Adjustment, PenaltyProposal
from settlement.services import adjustments
from settlement.services.assessment import accept_penalty, compute_month
from tests.factories import SHANGHAI
from tests.portal import field_errors, logged_in
from tests.settlement.conftest import booked_order
from tests.settlement.kpi_facts import t
from tests.settlement.test_assessment import ASSESSED_AT, OCTOBER, october, penalty  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI)


def penalise(supplier, actor, *, source_kind: str, source_id: str, amount: str = "-100.00") -> Adjustment:
    return adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount=amount, reason="违约扣款", actor=actor, now=NOW,
                                          source_kind=source_kind, source_id=source_id)


def test_a_manual_penalty_for_an_assessment_whose_proposal_became_an_adjustment_is_refused(penalty, supplier, finance):  # noqa: F811
    accepted = accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10)).adjustment

    with pytest.raises(SourceAlreadyAdjusted) as refused:
        penalise(supplier, finance, source_kind="assessment", source_id=str(penalty.assessment_id))

    assert (refused.value.field, refused.value.status) == ("source_id", 409)
    assert accepted.number in refused.value.detail and "月度考核" in refused.value.detail
    assert list(Adjustment.objects.values_list("pk", flat=True)) == [accepted.pk]


@pytest.mark.parametrize("typed", ["0{}", " {} "])
def test_a_manual_penalty_naming_the_assessment_otherwise_written_is_refused_too(penalty, supplier, finance, typed):  # noqa: F811
    accepted = accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10)).adjustment

    with pytest.raises(SourceAlreadyAdjusted):
        penalise(supplier, finance, source_kind="assessment", source_id=typed.format(penalty.assessment_id))

    assert list(Adjustment.objects.values_list("pk", flat=True)) == [accepted.pk]


def test_a_manual_penalty_keeps_the_assessments_id_as_typed_plainly(penalty, supplier, finance):  # noqa: F811
    manual = penalise(supplier, finance, source_kind="assessment", source_id=f"00{penalty.assessment_id}")

    assert manual.source_id == str(penalty.assessment_id)


def test_a_proposal_is_not_accepted_beside_a_manual_penalty_for_its_assessment(penalty, supplier, finance):  # noqa: F811
    manual = penalise(supplier, finance, source_kind="assessment", source_id=str(penalty.assessment_id))

    with pytest.raises(SourceAlreadyAdjusted):
        accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10))

    penalty.refresh_from_db()
    assert penalty.state == PenaltyProposal.State.PROPOSED and list(Adjustment.objects.all()) == [manual]


def test_every_rule_an_assessment_broke_is_accepted_into_its_own_penalty(october, finance):  # noqa: F811
    compute_month(month=OCTOBER, now=ASSESSED_AT)

    for proposal in PenaltyProposal.objects.order_by("pk"):
        accept_penalty(proposal=proposal, actor=finance, now=t(11, 20, 10))

    assert Adjustment.objects.filter(kind="penalty", source_kind="assessment").count() == 3


def test_a_second_manual_penalty_for_an_assessment_waits_for_the_first_to_be_withdrawn(penalty, supplier, finance):  # noqa: F811
    first = penalise(supplier, finance, source_kind="assessment", source_id=str(penalty.assessment_id))

    with pytest.raises(SourceAlreadyAdjusted):
        penalise(supplier, finance, source_kind="assessment", source_id=str(penalty.assessment_id), amount="-50.00")
    compensated = adjustments.propose_adjustment(supplier=supplier, kind="compensation", amount="20.00", reason="补偿", actor=finance,
                                                 now=NOW, source_kind="assessment", source_id=str(penalty.assessment_id))  # another kind
    adjustments.withdraw_adjustment(adjustment=first, actor=finance, now=NOW, reason="金额有误")
    again = penalise(supplier, finance, source_kind="assessment", source_id=str(penalty.assessment_id), amount="-50.00")

    assert (compensated.state, again.state) == ("proposed", "proposed")


def test_a_second_penalty_for_an_order_for_another_breach_is_proposed(supplier, finance):
    order = booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, tzinfo=SHANGHAI))
    first = penalise(supplier, finance, source_kind="order", source_id=order.number)

    second = penalise(supplier, finance, source_kind="order", source_id=order.number, amount="-50.00")

    assert (first.state, second.state) == ("proposed", "proposed")


def test_a_second_correction_of_the_same_source_is_proposed(supplier, finance):
    order = booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, tzinfo=SHANGHAI))
    correct = partial(adjustments.propose_adjustment, supplier=supplier, kind="other", reason="更正", actor=finance, now=NOW,
                      source_kind="order", source_id=order.number)
    correct(amount="12.00")

    correct(amount="-3.00")

    assert Adjustment.objects.filter(kind="other", source_id=order.number).count() == 2


def test_a_later_disputes_adjustment_for_the_same_order_is_not_refused(supplier, finance, finance_checker):
    order = booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, tzinfo=SHANGHAI))
    Adjustment.objects.create(number="AJ-EARLIER", supplier=supplier, kind="dispute", amount="10.00", reason="上一次异议",
                              source_kind="order", source_id=order.number, state="approved", created_by=finance, created_at=NOW,
                              decided_by=finance_checker, decided_at=NOW)

    refused = adjustments.adjusted_already(supplier=supplier, kind="dispute", source_kind="order", source_id=order.number)

    assert refused is None  # no SourceAlreadyAdjusted: a dispute's adjustment is not once per source
    assert Adjustment.objects.filter(kind="dispute", source_id=order.number, state="approved").count() == 1


def test_the_api_refuses_a_second_penalty_for_a_source_409_naming_source_id(penalty, supplier, finance, api):  # noqa: F811
    first = penalise(supplier, finance, source_kind="assessment", source_id=str(penalty.assessment_id))
    body = {"supplier": supplier.pk, "kind": "penalty", "amount": "-30.00", "reason": "重复", "source_kind": "assessment",
            "source_id": str(penalty.assessment_id)}

    response = api(finance).post("/api/v1/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="second-penalty")

    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert (error["code"], error["attr"]) == ("source_already_adjusted", "source_id") and first.number in error["detail"]
    assert Adjustment.objects.count() == 1


def test_the_adjustment_form_shows_the_refusal_next_to_the_source(penalty, supplier, finance):  # noqa: F811
    first = penalise(supplier, finance, source_kind="assessment", source_id=str(penalty.assessment_id))

    response = logged_in(finance).post("/settlement/adjustments/new/", {
        "supplier": supplier.pk, "kind": "penalty", "amount": "-30.00", "reason": "重复", "source_kind": "assessment",
        "source_id": str(penalty.assessment_id), "token": "second-penalty"})

    assert first.number in field_errors(response)["source_id"]
    assert Adjustment.objects.count() == 1
