"""A credit file confirmed on PostgreSQL while something else takes it (a double click, two operators, beat discarding
the previews left unconfirmed for a day): the file's row lock serialises them, so the second waits for the first and
finds the file as the first left it. Its crediting is queued at most once, and a file is never both confirmed and
discarded."""
from datetime import timedelta

import pytest

from core import fsm
from core.errors import InvalidTransition
from core.fsm import history_of
from core.roles import Role
from points.errors import CreditPreviewExpired
from points.models import CreditUpload
from points.services import credit_uploads
from tests.factories import MemberFactory, UserFactory
from tests.integration.racing import hold, run_into

DAY = timedelta(hours=credit_uploads.PREVIEW_HOURS)


def test_two_confirmations_of_one_credit_file_at_once_queue_its_crediting_once(programs, now, monkeypatch, queued_tasks):
    operator = UserFactory(username="operator", role=Role.OPERATOR)
    member = MemberFactory()
    upload = credit_uploads.upload_credit_file(actor=operator, now=now, file_name="c.csv", content=f"手机号,积分\n{member.phone},300\n".encode())

    def confirm():
        return credit_uploads.confirm_credit_upload(upload=upload, actor=operator, now=now)

    first, second = run_into(confirm, hold(monkeypatch, credit_uploads, "apply_transition"), confirm)  # held with the file locked

    assert first.error is None and isinstance(second.error, InvalidTransition)
    assert queued_tasks == [("points.tasks.credit_uploaded_points", {"upload_id": upload.pk})]
    assert [log.transition for log in history_of(upload)] == ["upload", "confirm"]


@pytest.mark.parametrize("confirmed_after", [DAY - timedelta(minutes=1), DAY], ids=["before-its-day-is-over", "its-day-over"])
@pytest.mark.parametrize("confirm_first", [True, False], ids=["confirm-first", "beat-first"])
def test_a_credit_file_confirmed_as_beat_discards_it_is_either_confirmed_or_discarded_never_both(
        programs, now, monkeypatch, queued_tasks, confirm_first, confirmed_after):
    operator = UserFactory(username="operator", role=Role.OPERATOR)
    member = MemberFactory()
    upload = credit_uploads.upload_credit_file(actor=operator, now=now, file_name="c.csv", content=f"手机号,积分\n{member.phone},300\n".encode())

    def confirm():
        return credit_uploads.confirm_credit_upload(upload=upload, actor=operator, now=now + confirmed_after)

    def beat():
        return credit_uploads.discard_stale_previews(now=now + DAY)

    if confirm_first:  # held with the file locked, its first step (confirm, or expire when due) not yet written
        confirming, discarding = run_into(confirm, hold(monkeypatch, credit_uploads, "apply_transition"), beat)
    else:  # held with the stale previews locked, none yet discarded
        discarding, confirming = run_into(beat, hold(monkeypatch, fsm, "_chunks"), confirm)

    state = CreditUpload.objects.get(pk=upload.pk).state
    steps = [log.transition for log in history_of(upload)]
    assert discarding.error is None
    if state == "confirmed":
        assert confirm_first and confirmed_after < DAY and confirming.error is None and discarding.result == 0
        assert steps == ["upload", "confirm"]
        assert queued_tasks == [("points.tasks.credit_uploaded_points", {"upload_id": upload.pk})]
    else:
        assert state == "discarded" and isinstance(confirming.error, (InvalidTransition, CreditPreviewExpired))
        assert steps == ["upload", "expire"] and queued_tasks == []
        assert discarding.result == (0 if confirm_first else 1)
