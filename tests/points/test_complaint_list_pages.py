"""Deep pages of the complaint queue (the desk's and the API's) list the complaints of their window of the whole queue,
in its order (chased first, the latest chased first, then overdue, escalated, by deadline, the rest newest first), each
marked chased as the whole queue marks it; the latest reminder a complaint keeps follows every reminder sent."""
import importlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.roles import Role
from points.models import Complaint
from points.services import complaints
from tests.factories import FIXED_NOW, MemberFactory, SupplierFactory, UserFactory, licensed
from tests.helpers import assert_page_read_by_ids, gift_in_state, rolled_back_after
from tests.portal import logged_in

# with --dist loadgroup one worker runs the module: the queue is built once (people), not once per worker
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("complaint_list_pages")]
State = Complaint.State


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def _complaint(member, gift, operator, *, at, n: int, to: str | None = "logistics") -> Complaint:
    opened = complaints.open_complaint(actor=member.user, now=at, gift=gift, title=f"投诉 {n}", description="礼盒破损")
    return complaints.triage_complaint(complaint=opened, actor=operator, now=at, responsible=to) if to else opened


@pytest.fixture(scope="module")
def people(django_db_setup, django_db_blocker) -> dict:
    """The operator, the logistics user, and the queue they work on (`queue`), built once per module at the fixed
    `now`: the tests read it, and what one changes rolls back with it."""
    with rolled_back_after(django_db_blocker):
        with time_machine.travel(FIXED_NOW, tick=False):
            people = {"operator": UserFactory(username="operator", role=Role.OPERATOR),
                      "logistics": UserFactory(username="logistics", role=Role.LOGISTICS),
                      "member": MemberFactory(user=UserFactory(username="member", role=Role.MEMBER))}
            gift = gift_in_state("online", supplier=licensed(SupplierFactory()), name="龙井茶礼盒")
            _build_queue(people["member"], gift, people["operator"], people["logistics"])
        yield people


@pytest.fixture
def operator(people, db):
    return people["operator"]


@pytest.fixture
def logistics(people, db):
    return people["logistics"]


@pytest.fixture
def queue(people, db) -> None:
    """The module's queue (`_build_queue`)."""


def _build_queue(member, gift, operator, logistics) -> None:
    """42 complaints to logistics: escalated ten days ago, chased once or twice at different times after their
    deadline; escalated and never chased; chased, then answered (one resolved, reopened and
    escalated again, its reminders now older than its deadline); overdue and not escalated yet; waiting with their
    deadline running; open."""
    start = FIXED_NOW - timedelta(days=10)
    early = [_complaint(member, gift, operator, at=start + timedelta(minutes=n), n=n) for n in range(24)]
    complaints.escalate_overdue(now=start + timedelta(hours=49))
    for n, complaint in enumerate(early[:16]):
        complaints.remind_responsible(complaint=complaint, actor=operator, now=start + timedelta(hours=50, minutes=7 * n % 16))
        if n % 3 == 0:
            complaints.remind_responsible(complaint=complaint, actor=operator, now=start + timedelta(hours=52, minutes=n))
    for n, complaint in enumerate(early[12:16]):
        complaint.refresh_from_db()
        complaints.respond_to_complaint(complaint=complaint, actor=logistics, now=start + timedelta(days=2, hours=6), response="已补发")
        if n % 2:
            complaints.resolve_complaint(complaint=complaint, actor=member.user, now=start + timedelta(days=3))
            complaints.reopen_complaint(complaint=complaint, actor=member.user, now=start + timedelta(days=4))
    complaints.escalate_overdue(now=start + timedelta(days=7))
    for n in range(6):  # overdue since yesterday, not escalated yet
        _complaint(member, gift, operator, at=FIXED_NOW - timedelta(days=3, minutes=n), n=100 + n)
    for n in range(6):
        _complaint(member, gift, operator, at=FIXED_NOW - timedelta(hours=n + 1), n=200 + n)
    for n in range(6):
        _complaint(member, gift, operator, at=FIXED_NOW - timedelta(hours=n + 1, minutes=30), n=300 + n, to=None)


def _chases_from_reminders(complaint: Complaint) -> tuple[int, object]:
    """How often the complaint was chased since its deadline passed, and when last, read from its reminders."""
    counted = [reminder.sent_at for reminder in complaint.reminders.all()
               if complaint.state == State.ESCALATED and reminder.sent_at > complaint.deadline]
    return len(counted), max(counted, default=None)


def _window(rows, *, page: int, size: int = 20) -> list[Complaint]:
    return list(rows)[(page - 1) * size:page * size]


def test_the_queue_marks_a_complaint_chased_as_its_reminders_since_its_deadline_say(operator, queue):
    rows = complaints.list_complaints(user=operator, now=FIXED_NOW)

    listed = {complaint.pk: (complaint.chases, complaint.last_chased_at) for complaint in rows}

    assert listed == {complaint.pk: _chases_from_reminders(complaint) for complaint in Complaint.objects.all()}
    assert 8 < sum(1 for chases, _at in listed.values() if chases) < len(listed)
    assert [complaint.pk for complaint in rows][:12] == [  # the chased first, the latest chased first
        complaint.pk for complaint in sorted((c for c in rows if c.chases), key=lambda c: c.last_chased_at, reverse=True)
    ]


@pytest.mark.parametrize(("query", "page", "filters"), [
    ("page=2", 2, {}), ("page=3", 3, {}), ("state=escalated&page=1", 1, {"state": State.ESCALATED}),
    ("late=true&page=2", 2, {"late": True}),
])
def test_a_deep_page_of_the_complaint_desk_shows_the_complaints_of_its_window_as_the_whole_queue_does(
        operator, queue, query, page, filters):
    expected = _window(complaints.list_complaints(user=operator, now=FIXED_NOW, **filters), page=page)

    with CaptureQueriesContext(connection) as captured:
        html = logged_in(operator).get(f"/complaints/?{query}").content.decode()

    rows = html.split('data-testid="complaints"')[1].split("</table>")[0].split("<tr data-number=")[1:]
    assert expected and [row.split('"')[1] for row in rows] == [complaint.number for complaint in expected]
    for row, complaint in zip(rows, expected):
        chased = re.search(r"已催办 ×(\d+)（最近 ([\d\- :]+)）", row)
        shown = (int(chased.group(1)), chased.group(2)) if chased else None
        assert shown == ((complaint.chases, f"{timezone.localtime(complaint.last_chased_at):%Y-%m-%d %H:%M}")
                         if complaint.last_chased_at else None)
    assert_page_read_by_ids(captured, "points_complaint", rows=len(expected), skipped=(page - 1) * 20)


@pytest.mark.parametrize(("query", "page", "size", "ordering"), [
    ("page=2", 2, 20, None), ("page=3", 3, 20, None), ("page_size=7&page=4", 4, 7, None),
    ("ordering=-opened_at&page_size=10&page=3", 3, 10, "-opened_at"),
])
def test_a_deep_page_of_the_complaints_api_answers_the_complaints_of_its_window_each_as_the_whole_list_does(
        api, operator, queue, query, page, size, ordering):
    rows = complaints.list_complaints(user=operator, now=FIXED_NOW)
    expected = _window(rows.order_by(ordering) if ordering else rows, page=page, size=size)
    whole = api(operator).get(f"/api/v1/complaints/?page_size=200{'&ordering=' + ordering if ordering else ''}").json()["results"]

    with CaptureQueriesContext(connection) as captured:
        answered = api(operator).get(f"/api/v1/complaints/?{query}").json()["results"]

    assert [row["id"] for row in answered] == [complaint.pk for complaint in expected]
    assert answered == whole[(page - 1) * size:page * size]  # every field, the reminders too, as the whole list gives it
    assert_page_read_by_ids(captured, "points_complaint", rows=len(expected), skipped=(page - 1) * size)


def test_a_reminder_sent_moves_the_complaint_to_the_top_of_the_queue_with_its_time(operator, queue):
    unchased = complaints.list_complaints(user=operator, now=FIXED_NOW, state=State.ESCALATED).filter(chases=0).first()

    complaints.remind_responsible(complaint=unchased, actor=operator, now=FIXED_NOW - timedelta(hours=2))
    complaints.remind_responsible(complaint=unchased, actor=operator, now=FIXED_NOW - timedelta(minutes=5))

    unchased.refresh_from_db()
    assert unchased.last_reminded_at == FIXED_NOW - timedelta(minutes=5)
    first = complaints.list_complaints(user=operator, now=FIXED_NOW).first()
    assert (first.pk, first.chases, first.last_chased_at) == (unchased.pk, 2, FIXED_NOW - timedelta(minutes=5))


def test_an_answered_complaint_keeps_its_latest_reminder_but_is_no_longer_chased(operator, logistics, queue):
    chased = complaints.chased_complaints(user=operator, now=FIXED_NOW).first()
    latest_reminder = chased.reminders.latest("sent_at").sent_at

    complaints.respond_to_complaint(complaint=chased, actor=logistics, now=FIXED_NOW, response="已处理")

    chased.refresh_from_db()
    assert chased.last_reminded_at == latest_reminder
    answered = complaints.list_complaints(user=operator, now=FIXED_NOW).get(pk=chased.pk)
    assert (answered.chases, answered.last_chased_at) == (0, None)
    assert chased.pk not in complaints.chased_complaints(user=operator, now=FIXED_NOW).values_list("pk", flat=True)


def test_the_migration_fills_in_each_chased_complaints_latest_reminder(queue):
    kept = dict(Complaint.objects.values_list("pk", "last_reminded_at"))
    Complaint.objects.update(last_reminded_at=None)

    importlib.import_module("points.migrations.0010_complaint_last_reminded_at").backfill(apps, None)

    assert dict(Complaint.objects.values_list("pk", "last_reminded_at")) == kept
    assert sum(1 for at in kept.values() if at) == 16
