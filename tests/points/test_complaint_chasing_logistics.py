"""An operator chases (催办) the logistics provider of an escalated complaint as it chases a supplier (SPEC §4.9): the
reminder is recorded with who, when and why, at most once an hour; logistics staff, who have no inbox, find the
complaint marked 已催办 at the top of their queue and on their home page, and its reminders on its page and in the API."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, PermissionDenied
from core.models import Notification, TransitionLog
from points.models import Complaint
from points.services import complaints
from suppliers.models import Notice
from tests.helpers import assert_list_queries_constant
from tests.portal import logged_in

State = Complaint.State


def _to_logistics(member, gift, operator, *, at, title: str = "快递未送达") -> Complaint:
    """The member's complaint about `gift`, triaged to logistics at `at`: due 48 hours later."""
    opened = complaints.open_complaint(actor=member.user, now=at, gift=gift, title=title, description="三天没有物流信息")
    return complaints.triage_complaint(complaint=opened, actor=operator, now=at, responsible="logistics")


def _escalated_at(complaint: Complaint, at) -> Complaint:
    complaints.escalate_overdue(now=at)
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def escalated(member, gift, operator, now):
    """Triaged to logistics at `now`, escalated 49 hours later."""
    return _escalated_at(_to_logistics(member, gift, operator, at=now), now + timedelta(hours=49))


# --- the service ---------------------------------------------------------------------------------------------------

def test_an_operator_chases_logistics_and_the_reminder_is_recorded_with_who_when_and_why(escalated, operator, now):
    at = now + timedelta(hours=50)

    complaints.remind_responsible(complaint=escalated, actor=operator, now=at, reason="会员再次来电")

    reminder = escalated.reminders.get()
    assert (reminder.sent_by, reminder.sent_at, reminder.reason) == (operator, at, "会员再次来电")
    escalated.refresh_from_db()
    assert escalated.state == State.ESCALATED
    assert not TransitionLog.objects.filter(object_id=escalated.pk, transition="remind").exists()


def test_chasing_logistics_sends_no_supplier_a_notice_or_an_sms(escalated, operator, now):
    texts_before = Notification.objects.count()

    complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=50))

    assert escalated.supplier_id is not None  # the complaint names the gift's supplier, which does not answer it
    assert not Notice.objects.filter(kind="complaint_reminder").exists()
    assert Notification.objects.count() == texts_before


def test_logistics_is_chased_at_most_once_an_hour(escalated, operator, now):
    complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=50))

    with pytest.raises(Conflict) as refused:
        complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=50, minutes=59))
    assert "1小时内不再重复催办" in refused.value.detail and escalated.reminders.count() == 1
    complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=51))

    assert escalated.reminders.count() == 2


def test_a_logistics_complaint_within_its_deadline_or_answered_is_not_chased(member, gift, operator, logistics, now):
    waiting = _to_logistics(member, gift, operator, at=now + timedelta(hours=40))
    answered = _escalated_at(_to_logistics(member, gift, operator, at=now, title="包裹破损"), now + timedelta(hours=49))
    complaints.respond_to_complaint(complaint=answered, actor=logistics, now=now + timedelta(hours=50), response="已重新派送")

    for complaint in (waiting, answered):
        with pytest.raises(Conflict) as refused:
            complaints.remind_responsible(complaint=complaint, actor=operator, now=now + timedelta(hours=51))
        assert refused.value.detail == "只有已升级、待礼品商或物流商答复的投诉可以催办"
        assert not complaint.reminders.exists()


def test_only_an_operator_chases_logistics(escalated, logistics, supplier_staff, member, now):
    for actor in (logistics, supplier_staff, member.user):
        with pytest.raises(PermissionDenied):
            complaints.remind_responsible(complaint=escalated, actor=actor, now=now + timedelta(hours=50))

    assert not escalated.reminders.exists()


# --- the queue -----------------------------------------------------------------------------------------------------

def test_the_queue_puts_chased_complaints_first_the_latest_chased_first_each_with_its_chases(member, gift, operator, logistics, now):
    first = _to_logistics(member, gift, operator, at=now - timedelta(hours=60), title="first")
    second = _to_logistics(member, gift, operator, at=now - timedelta(hours=59), title="second")
    unchased = _to_logistics(member, gift, operator, at=now - timedelta(hours=58), title="unchased")
    complaints.escalate_overdue(now=now - timedelta(hours=5))
    overdue = _to_logistics(member, gift, operator, at=now - timedelta(hours=50), title="overdue")
    for complaint, hours_ago in ((first, 4), (second, 3), (first, 2)):
        complaints.remind_responsible(complaint=complaint, actor=operator, now=now - timedelta(hours=hours_ago))

    queue = list(complaints.list_complaints(user=logistics, now=now))

    assert [c.title for c in queue] == [c.title for c in (first, second, overdue, unchased)]
    assert [(c.chases, c.last_chased_at) for c in queue] == [
        (2, now - timedelta(hours=2)), (1, now - timedelta(hours=3)), (0, None), (0, None)
    ]


def test_an_answered_complaint_is_no_longer_chased_and_a_reopened_one_counts_only_its_new_chases(escalated, operator, logistics,
                                                                                                   member, now):
    complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=50))
    complaints.respond_to_complaint(complaint=escalated, actor=logistics, now=now + timedelta(hours=51), response="已重新派送")
    answered = complaints.list_complaints(user=logistics, now=now + timedelta(hours=52)).get(pk=escalated.pk)
    complaints.resolve_complaint(complaint=escalated, actor=member.user, now=now + timedelta(hours=52))
    complaints.reopen_complaint(complaint=escalated, actor=member.user, now=now + timedelta(hours=53), reason="还是没收到")
    _escalated_at(escalated, now + timedelta(hours=102))

    again = complaints.list_complaints(user=logistics, now=now + timedelta(hours=103)).get(pk=escalated.pk)
    complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=103))
    chased_again = complaints.list_complaints(user=logistics, now=now + timedelta(hours=104)).get(pk=escalated.pk)

    assert (answered.chases, answered.last_chased_at) == (0, None)
    assert (again.chases, again.last_chased_at) == (0, None)
    assert (chased_again.chases, chased_again.last_chased_at) == (1, now + timedelta(hours=103))
    assert escalated.reminders.count() == 2  # the page still lists both


# --- the API -------------------------------------------------------------------------------------------------------

def test_over_the_api_only_the_operator_chases_logistics_and_the_others_are_refused_as_they_may_see_it(
    api, escalated, operator, logistics, member, other_member, supplier_admin, finance,
):
    url = f"/api/v1/complaints/{escalated.pk}/remind/"

    refused = {user.username: api(user).post(url, {}, format="json").status_code
               for user in (logistics, member.user, other_member.user, supplier_admin, finance)}
    chased = api(operator).post(url, {"reason": "会员再次来电"}, format="json")
    again = api(operator).post(url, {}, format="json")

    # logistics staff and the member see the complaint (403), the others do not (404: it is not theirs to see)
    assert refused == {"logistics": 403, "member": 403, "other_member": 404, "supplier_admin": 404, "finance": 404}
    assert (chased.status_code, again.status_code) == (200, 409)
    assert chased.json()["state"] == "escalated"
    assert [(r["sent_by"], r["reason"]) for r in chased.json()["reminders"]] == [("operator", "会员再次来电")]
    seen_by_logistics = api(logistics).get(f"/api/v1/complaints/{escalated.pk}/").json()["reminders"]
    assert [(r["sent_by"], r["reason"]) for r in seen_by_logistics] == [("operator", "会员再次来电")]
    assert api(member.user).get(f"/api/v1/complaints/{escalated.pk}/").json()["reminders"] == []


def test_the_logistics_queue_over_the_api_runs_the_same_queries_for_1_and_50_chased_complaints(api, member, gift, operator,
                                                                                               logistics):
    def make_rows(n: int) -> None:
        now = timezone.now()
        for _ in range(n):
            complaint = _escalated_at(_to_logistics(member, gift, operator, at=now - timedelta(hours=50)), now - timedelta(hours=1))
            complaints.remind_responsible(complaint=complaint, actor=operator, now=now - timedelta(minutes=30))

    assert_list_queries_constant(api(logistics), "/api/v1/complaints/", make_rows)


# --- the portal ----------------------------------------------------------------------------------------------------

@pytest.fixture
def escalated_now(member, gift, operator):
    """Triaged to logistics 50 hours ago, escalated an hour ago (the pages read the clock)."""
    now = timezone.now()
    return _escalated_at(_to_logistics(member, gift, operator, at=now - timedelta(hours=50)), now - timedelta(hours=1))


def test_logistics_staff_find_the_chase_on_the_complaint_their_queue_and_their_home_page(escalated_now, member, gift, operator,
                                                                                         logistics):
    now = timezone.now()
    unchased = _escalated_at(_to_logistics(member, gift, operator, at=now - timedelta(hours=60), title="较早的投诉"), now - timedelta(hours=2))
    complaints.remind_responsible(complaint=escalated_now, actor=operator, now=now - timedelta(minutes=90), reason="会员再次来电")
    complaints.remind_responsible(complaint=escalated_now, actor=operator, now=now - timedelta(minutes=20))
    client = logged_in(logistics)

    detail = client.get(reverse("complaint", args=[escalated_now.pk])).content.decode()
    desk = client.get(reverse("complaint-desk")).content.decode()
    home = client.get("/").content.decode()

    reminders = detail.split('data-testid="reminders"')[1].split("</table>")[0]
    assert "operator" in reminders and "会员再次来电" in reminders
    assert 'data-testid="action-respond"' in detail and 'data-testid="action-remind"' not in detail
    rows = desk.split('data-testid="complaints"')[1].split("</table>")[0].split("<tr data-number=")[1:]
    latest = f"{timezone.localtime(now - timedelta(minutes=20)):%Y-%m-%d %H:%M}"
    assert [row.split('"')[1] for row in rows] == [escalated_now.number, unchased.number]  # the chased one first
    assert f"已催办 ×2（最近 {latest}）" in rows[0] and 'data-testid="chased"' not in rows[1]
    chased_on_home = home.split('data-testid="home-chased"')[1].split("</ul>")[0]
    assert escalated_now.number in chased_on_home and unchased.number not in chased_on_home
    assert f"已催办 ×2（最近 {latest}）" in chased_on_home


def test_logistics_staff_with_nothing_chased_see_no_chase_panel(escalated_now, logistics):
    home = logged_in(logistics).get("/").content.decode()

    assert 'data-testid="home-chased"' not in home


def test_the_desk_runs_the_same_queries_for_1_and_20_chased_complaints(member, gift, operator, logistics):
    client = logged_in(logistics)
    now = timezone.now()

    def chase(n: int) -> None:
        for _ in range(n):
            complaint = _escalated_at(_to_logistics(member, gift, operator, at=now - timedelta(hours=50)), now - timedelta(hours=1))
            complaints.remind_responsible(complaint=complaint, actor=operator, now=now - timedelta(minutes=30))

    def desk_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("complaint-desk")).content.decode()
        return len(queries.captured_queries), page

    chase(1)
    client.get(reverse("complaint-desk"))  # once before counting: what a process reads once
    one, _ = desk_queries()
    chase(19)
    twenty, page = desk_queries()

    assert page.count('data-testid="chased"') == 20
    assert one == twenty
