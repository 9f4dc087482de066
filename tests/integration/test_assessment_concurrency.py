"""A month's assessment computed on PostgreSQL while finance decides one of its penalties (SPEC §4.10): the decision
rests on the results it read, so the computation either waits for it and keeps that supplier's results, or the
decision waits for the computation and decides on its new results; never results rewritten under a decision."""
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from settlement.models import Kpi, KpiResult, PenaltyProposal
from settlement.services import adjustments, assessment
from tests.integration.racing import hold, run_into
from tests.settlement.conftest import supplier  # noqa: F401  (fixture)
from tests.settlement.kpi_facts import order, t
from tests.settlement.test_assessment import ASSESSED_AT, OCTOBER, penalty  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def penalty_rules(programs):
    """The KPI settings and penalty rules of the data migration, which a transactional test's flush deletes."""
    importlib.import_module("settlement.migrations.0002_assessment").defaults(apps, None)


def test_a_month_computed_while_its_penalty_is_accepted_keeps_the_results_the_penalty_rests_on(
    programs, penalty, supplier, finance, monkeypatch  # noqa: F811
):
    for day in range(4, 24):  # 1 defective unit of 21 delivered: within the rule, were the month recomputed
        order(supplier, fulfilment="warehouse", delivered_at=t(10, day))

    accepting, computing = run_into(
        lambda: assessment.accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10)),
        hold(monkeypatch, adjustments, "propose_adjustment"),  # the proposal being accepted, its adjustment not yet made
        lambda: assessment.compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=12)),
    )

    assert (accepting.error, computing.error) == (None, None)
    assert (computing.result.assessed, computing.result.kept) == ([], [supplier])
    accepted = PenaltyProposal.objects.get(pk=penalty.pk)
    result = KpiResult.objects.get(assessment__supplier=supplier, kpi=Kpi.DEFECT_RATE)
    assert (accepted.state, accepted.value) == ("accepted", Decimal("1.0000"))
    assert (result.numerator, result.denominator, result.value) == (1, 1, accepted.value)
    assert accepted.assessment.computed_at == ASSESSED_AT


def test_a_penalty_accepted_while_its_month_is_computed_is_decided_on_the_new_results(
    programs, penalty, supplier, finance, monkeypatch  # noqa: F811
):
    for day in range(4, 8):  # 1 defective unit of 5 delivered: 0.2, still breaching the rule
        order(supplier, fulfilment="warehouse", delivered_at=t(10, day))

    computing, accepting = run_into(
        lambda: assessment.compute_month(month=OCTOBER, now=ASSESSED_AT.replace(hour=12)),
        hold(monkeypatch, assessment, "_keep_proposals_current"),  # results rewritten, the proposal not yet
        lambda: assessment.accept_penalty(proposal=penalty, actor=finance, now=t(11, 20, 10)),
    )

    assert (computing.error, accepting.error) == (None, None)
    accepted = PenaltyProposal.objects.get(pk=penalty.pk)
    result = KpiResult.objects.get(assessment__supplier=supplier, kpi=Kpi.DEFECT_RATE)
    assert (result.denominator, result.value) == (5, Decimal("0.2000"))
    assert (accepted.state, accepted.value) == ("accepted", result.value)
    assert "20.00%" in accepted.adjustment.reason
