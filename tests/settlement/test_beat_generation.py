"""The beat's generation of the month just ended, delivered twice (acks_late: a worker lost mid-task has its message
delivered again): the second delivery completes the run the first one started instead of starting another, so no run
is left running for ever."""
from datetime import date, datetime

import pytest

from settlement.models import GenerationRun, Statement
from settlement.services import generation
from settlement.tasks import generate_last_month
from tests.factories import SHANGHAI
from tests.settlement.conftest import booked_order

pytestmark = pytest.mark.django_db
BEAT_AT = datetime(2026, 11, 1, 2, 0, tzinfo=SHANGHAI)
OCTOBER = date(2026, 10, 1)


@pytest.fixture
def at_beat(time_machine, supplier):
    booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI))
    time_machine.move_to(BEAT_AT, tick=False)


@pytest.mark.usefixtures("at_beat")
def test_a_second_delivery_completes_the_run_the_first_one_left_running():
    first = generation.start_generation(month=OCTOBER, actor=None, now=BEAT_AT)  # the first delivery's worker died here

    assert generate_last_month() == 1

    run = GenerationRun.objects.get()
    assert (run.pk, run.status, run.statements_created, run.started_by) == (first.pk, "finished", 1, None)
    assert Statement.objects.get().month == OCTOBER


@pytest.mark.usefixtures("at_beat")
def test_the_beat_starts_a_run_of_its_own_when_none_is_unfinished(finance):
    generation.generate_now(month=date(2026, 9, 1), actor=finance, now=BEAT_AT)  # another month: not this one's
    GenerationRun.objects.create(month=OCTOBER, started_at=BEAT_AT, status="failed")

    generate_last_month()

    assert list(GenerationRun.objects.filter(month=OCTOBER).order_by("id").values_list("status", flat=True)) == ["failed", "finished"]


@pytest.mark.usefixtures("at_beat")
def test_a_duplicate_run_that_fails_leaves_the_outcome_of_a_run_already_finished(monkeypatch):
    from django.db import IntegrityError

    run = generation.start_generation(month=OCTOBER, actor=None, now=BEAT_AT)
    generation.generate_month(run=run, now=BEAT_AT)

    def claims_taken(*args, **kwargs):
        raise IntegrityError("duplicate claim")

    monkeypatch.setattr(generation, "_generate_chunk", claims_taken)

    with pytest.raises(IntegrityError):  # a delivery queued again by the sweep, after the first run was over
        generation.generate_month(run=run, now=BEAT_AT)

    assert GenerationRun.objects.get(pk=run.pk).status == "finished"


@pytest.mark.usefixtures("at_beat")
def test_a_run_given_up_on_while_it_still_worked_is_not_marked_finished_over_it():
    run = generation.start_generation(month=OCTOBER, actor=None, now=BEAT_AT)

    def given_up(_run):  # the sweep failed it between two chunks
        GenerationRun.objects.filter(pk=run.pk).update(status=GenerationRun.Status.FAILED)

    generation.generate_month(run=run, now=BEAT_AT, progress=given_up)

    assert GenerationRun.objects.get(pk=run.pk).status == "failed"
