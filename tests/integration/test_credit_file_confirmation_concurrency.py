"""Two confirmations of one credit file at once on PostgreSQL (a double click, two operators): the file's row lock
serialises them, so the second waits for the first and is refused (409 invalid_transition); its crediting is queued
once, and the history holds one confirmation."""
from core.errors import InvalidTransition
from core.fsm import history_of
from core.roles import Role
from points.services import credit_uploads
from tests.factories import MemberFactory, UserFactory
from tests.integration.racing import hold, run_into


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
