"""The daily re-evaluation scheduling (SPEC §4.10): a supplier whose re-evaluation fails to be made is left for the next
run and never stops the others; the next run makes it, and a second run makes nothing twice."""
from datetime import timedelta

import pytest

from core.models import TransitionLog
from settlement.models import ReEvaluation
from settlement.services import re_evaluation
from tests.factories import supplier_in
from tests.helpers import unresolved_failures

pytestmark = pytest.mark.django_db


def test_a_supplier_whose_proposal_fails_gets_its_re_evaluation_from_the_next_run_and_the_others_today(operator, now, monkeypatch):
    poison, fine = (supplier_in("active", actor=operator, now=now) for _ in range(2))
    TransitionLog.objects.filter(transition="approve").update(at=now - timedelta(days=400))  # both cooperating for over a year
    real = re_evaluation.propose

    def propose(*, supplier):
        if supplier.pk == poison.pk:
            raise RuntimeError("score table unreadable")
        return real(supplier=supplier)

    monkeypatch.setattr(re_evaluation, "propose", propose)

    first = re_evaluation.schedule_re_evaluations(now=now)

    assert [r.supplier_id for r in first if r.contract_id is None] == [fine.pk]
    assert not ReEvaluation.objects.filter(supplier=poison).exists()
    assert unresolved_failures("settlement.schedule_re_evaluations.yearly") == {f"suppliers.supplier:{poison.pk}": 1}
    monkeypatch.undo()
    assert [r.supplier_id for r in re_evaluation.schedule_re_evaluations(now=now + timedelta(hours=1))] == [poison.pk]
    assert unresolved_failures("settlement.schedule_re_evaluations.yearly") == {}
    assert re_evaluation.schedule_re_evaluations(now=now + timedelta(hours=2)) == []
