"""State machines: every change logged (who, when, from, to, why); illegal ones refused with nothing changed."""
from datetime import timedelta

import pytest
from django.db import transaction
from django_fsm import TransitionNotAllowed

from core.errors import ConcurrentUpdate, InvalidTransition
from core.fsm import apply_transition, bulk_transition, history_of
from core.models import TransitionLog
from suppliers.models import Supplier
from tests.factories import ApplicantFactory

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # the supplier is an applicant, as onboarding starts it


def test_a_transition_writes_one_log_row_with_actor_time_states_and_reason(supplier, operator, now):
    apply_transition(supplier, "start_review", actor=operator, at=now, reason="材料已齐")

    log = TransitionLog.objects.get()
    assert (log.source_state, log.target_state, log.transition) == ("applied", "under_review", "start_review")
    assert (log.actor, log.at, log.reason) == (operator, now, "材料已齐")
    assert list(history_of(supplier)) == [log]


def test_an_illegal_transition_raises_and_leaves_state_and_log_untouched(supplier, operator, now):
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(supplier, "suspend", actor=operator, at=now)

    assert refused.value.code == "invalid_transition" and refused.value.status == 409
    supplier.refresh_from_db()
    assert supplier.state == Supplier.State.APPLIED
    assert not TransitionLog.objects.exists()


def test_the_state_field_cannot_be_assigned_directly(supplier):
    with pytest.raises(AttributeError):
        supplier.state = Supplier.State.ACTIVE


def test_a_concurrent_transition_of_the_same_row_is_refused(supplier, operator, now):
    stale_copy = Supplier.objects.get(pk=supplier.pk)
    apply_transition(supplier, "start_review", actor=operator, at=now)

    with pytest.raises(ConcurrentUpdate):
        apply_transition(stale_copy, "start_review", actor=operator, at=now + timedelta(seconds=1))

    assert TransitionLog.objects.count() == 1


def test_a_failure_after_the_transition_rolls_back_state_and_log(supplier, operator, now):
    with pytest.raises(RuntimeError), transaction.atomic():
        apply_transition(supplier, "start_review", actor=operator, at=now)
        raise RuntimeError("a later step failed")

    supplier.refresh_from_db()
    assert supplier.state == Supplier.State.APPLIED
    assert not TransitionLog.objects.exists()


def test_bulk_transition_moves_only_rows_in_a_source_state_and_logs_each(operator, now):
    applied = ApplicantFactory.create_batch(3)
    reviewed = ApplicantFactory()
    apply_transition(reviewed, "start_review", actor=operator, at=now)

    changed = bulk_transition(Supplier.objects.all(), "start_review", actor=operator, at=now, reason="批量受理")

    assert sorted(changed) == sorted(s.pk for s in applied)
    assert set(Supplier.objects.values_list("state", flat=True)) == {"under_review"}
    logs = TransitionLog.objects.filter(reason="批量受理")
    assert sorted(logs.values_list("object_id", flat=True)) == sorted(changed)
    assert {(log.source_state, log.target_state, log.actor_id) for log in logs} == {("applied", "under_review", operator.pk)}


def test_bulk_transition_runs_a_constant_number_of_queries(operator, now, django_assert_max_num_queries):
    ApplicantFactory.create_batch(40)

    with django_assert_max_num_queries(8):
        changed = bulk_transition(Supplier.objects.all(), "start_review", actor=operator, at=now)

    assert len(changed) == 40


def test_the_model_refuses_a_transition_from_a_wrong_state_even_without_the_helper(supplier):
    with pytest.raises(TransitionNotAllowed):
        supplier.terminate()


def test_a_new_object_is_written_once_in_its_target_state_with_its_log(operator, now):
    supplier = ApplicantFactory.build()

    apply_transition(supplier, "start_review", actor=operator, at=now, reason="资料齐全")

    stored = Supplier.objects.get(pk=supplier.pk)
    assert stored.state == Supplier.State.UNDER_REVIEW
    assert [(t.transition, t.source_state, t.target_state, t.reason) for t in history_of(stored)] == [
        ("start_review", "applied", "under_review", "资料齐全")
    ]
    apply_transition(supplier, "approve", actor=operator, at=now)  # the next transition checks against the state written
    assert Supplier.objects.get(pk=supplier.pk).state == Supplier.State.ACTIVE


def test_an_illegal_transition_of_a_new_object_writes_nothing(operator, now):
    supplier = ApplicantFactory.build()

    with pytest.raises(InvalidTransition):
        apply_transition(supplier, "suspend", actor=operator, at=now)

    assert supplier.pk is None and supplier.state == Supplier.State.APPLIED
    assert not Supplier.objects.filter(name=supplier.name).exists() and not TransitionLog.objects.exists()


def test_every_transition_of_every_workflow_has_a_display_name_in_both_languages():
    from django.apps import apps
    from django.utils import translation

    from core.models import StateMachine
    from core.models.transitions import TRANSITION_LABELS

    names = {
        transition.name
        for model in apps.get_models() if issubclass(model, StateMachine)
        for transition in model._meta.get_field("state").get_all_transitions(model)
    }
    assert len(names) > 50 and names <= set(TRANSITION_LABELS)
    with translation.override("en"):
        untranslated = {name for name in names if not str(TRANSITION_LABELS[name]).isascii()}
    assert not untranslated


def test_an_illegal_transition_names_the_step_and_the_state_in_the_readers_language(supplier, operator, now):
    from django.utils import translation

    with pytest.raises(InvalidTransition) as in_chinese:
        apply_transition(supplier, "suspend", actor=operator, at=now)
    with translation.override("en"), pytest.raises(InvalidTransition) as in_english:
        apply_transition(supplier, "suspend", actor=operator, at=now)

    assert in_chinese.value.detail == "礼品商处于「已申请」状态，不能暂停合作"
    assert in_english.value.detail == "“Suspend” is not allowed in state “Applied” (Supplier)."
