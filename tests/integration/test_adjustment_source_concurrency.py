"""Two finance users penalising the same monthly assessment at once on PostgreSQL: the supplier's lock serialises
reading the assessment's standing penalties and proposing one, so the second waits for the first and is refused
(409 source_already_adjusted); the assessment is penalised once."""
import importlib

import pytest
from django.apps import apps

from settlement.errors import SourceAlreadyAdjusted
from settlement.models import Adjustment
from settlement.services import adjustments
from tests.integration.racing import hold, run_into
from tests.settlement.conftest import supplier  # noqa: F401  (fixture)
from tests.settlement.test_assessment import ASSESSED_AT, penalty  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def penalty_rules(programs):
    """The KPI settings and penalty rules of the data migration, which a transactional test's flush deletes."""
    importlib.import_module("settlement.migrations.0002_assessment").defaults(apps, None)


def test_two_penalties_proposed_at_once_for_an_assessment_make_one_adjustment(
    programs, penalty, supplier, finance, finance_checker, monkeypatch  # noqa: F811
):
    def penalise(actor, amount: str):
        return lambda: adjustments.propose_adjustment(
            supplier=supplier, kind="penalty", amount=amount, reason="考核扣款", actor=actor, now=ASSESSED_AT,
            source_kind="assessment", source_id=str(penalty.assessment_id))

    first, second = run_into(
        penalise(finance, "-100.00"),
        hold(monkeypatch, adjustments, "create_numbered"),  # its source read as not adjusted, its adjustment not yet made
        penalise(finance_checker, "-80.00"),
    )

    assert first.error is None and isinstance(second.error, SourceAlreadyAdjusted)
    assert list(Adjustment.objects.values_list("source_id", "amount")) == [(str(penalty.assessment_id), first.result.amount)]
