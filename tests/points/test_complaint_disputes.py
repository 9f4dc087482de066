"""仍未解决: a member whose complaint was answered without solving it says so, with why, instead of accepting the answer
(问题已解决): the complaint is reopened with a new 48-hour deadline and the responsible party is asked again, as when a
resolved complaint is reopened."""
from datetime import timedelta

import pytest
from django.urls import reverse

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.models import TransitionLog
from points.models import Complaint, ComplaintDeadline
from points.services import complaints
from suppliers.models import Notice
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
State = Complaint.State
H48 = timedelta(hours=48)


@pytest.fixture
def triaged(member, gift, operator, now):
    complaint = complaints.open_complaint(actor=member.user, now=now, gift=gift, title="茶叶受潮", description="收到的茶叶受潮结块")
    return complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier")


@pytest.fixture
def responded(triaged, supplier_staff, now):
    return complaints.respond_to_complaint(complaint=triaged, actor=supplier_staff, now=now + timedelta(hours=5), response="已补发一盒新茶")


def _unchanged(complaint: Complaint, state: str) -> None:
    complaint.refresh_from_db()
    assert complaint.state == state
    assert not TransitionLog.objects.filter(object_id=complaint.pk, transition="dispute").exists()


def test_the_member_disputes_the_answer_and_the_complaint_is_reopened_with_a_new_deadline_and_why_in_its_history(
        responded, member, supplier, now):
    at = now + timedelta(days=1)

    complaints.dispute_answer(complaint=responded, actor=member.user, now=at, reason="  补发的也受潮了 ")

    latest = ComplaintDeadline.objects.filter(complaint=responded).last()
    entry = TransitionLog.objects.of(responded).last()
    assert (responded.state, responded.deadline, responded.resolved_at) == (State.REOPENED, at + H48, None)
    assert ComplaintDeadline.objects.filter(complaint=responded).count() == 2
    assert (latest.starts_at, latest.due_at, latest.supplier, latest.responded_at) == (at, at + H48, supplier, None)
    assert (entry.transition, entry.source_state, entry.target_state, entry.actor, entry.at, entry.reason) == (
        "dispute", State.RESPONDED, State.REOPENED, member.user, at, "补发的也受潮了")
    assert entry.transition_label == "仍未解决"


def test_the_supplier_is_asked_to_answer_a_disputed_complaint_as_a_reopened_one(responded, member, supplier, now):
    complaints.dispute_answer(complaint=responded, actor=member.user, now=now + timedelta(days=1), reason="补发的也受潮了")

    notice = Notice.objects.get(supplier=supplier, title="投诉 %(number)s 已被会员重新打开，待您答复")
    assert notice.link == f"/complaints/{responded.pk}/"


def test_a_disputed_complaint_is_not_resolved_by_itself_but_escalates_when_its_new_deadline_passes(responded, member, now):
    at = responded.responded_at + timedelta(days=1)
    complaints.dispute_answer(complaint=responded, actor=member.user, now=at, reason="补发的也受潮了")

    resolved = complaints.auto_resolve(now=responded.responded_at + timedelta(days=3))
    escalated = complaints.escalate_overdue(now=at + H48 + timedelta(minutes=1))

    assert (resolved, escalated) == ([], [responded.pk])


def test_a_disputed_complaint_is_answered_again(responded, member, supplier_admin, now):
    complaints.dispute_answer(complaint=responded, actor=member.user, now=now + timedelta(days=1), reason="补发的也受潮了")

    complaints.respond_to_complaint(complaint=responded, actor=supplier_admin, now=now + timedelta(days=2), response="已退积分")

    assert responded.state == State.RESPONDED and responded.response == "已退积分"


@pytest.mark.parametrize("reason", ["", "   "])
def test_disputing_without_a_reason_is_refused_naming_it_and_changes_nothing(responded, member, now, reason):
    with pytest.raises(ValidationFailed) as refused:
        complaints.dispute_answer(complaint=responded, actor=member.user, now=now + timedelta(days=1), reason=reason)

    assert (refused.value.field, refused.value.code) == ("reason", "required")
    _unchanged(responded, State.RESPONDED)
    assert ComplaintDeadline.objects.filter(complaint=responded).count() == 1


def test_disputing_a_complaint_not_answered_is_an_illegal_transition(triaged, member, now):
    with pytest.raises(InvalidTransition):
        complaints.dispute_answer(complaint=triaged, actor=member.user, now=now, reason="还没答复")

    _unchanged(triaged, State.TRIAGED)
    assert ComplaintDeadline.objects.filter(complaint=triaged).count() == 1


def test_disputing_a_resolved_complaint_is_an_illegal_transition_it_is_reopened_instead(responded, member, now):
    complaints.resolve_complaint(complaint=responded, actor=member.user, now=now + timedelta(hours=6))

    with pytest.raises(InvalidTransition):
        complaints.dispute_answer(complaint=responded, actor=member.user, now=now + timedelta(days=1), reason="又受潮了")

    _unchanged(responded, State.RESOLVED)


@pytest.mark.parametrize("who", ["other_member", "supplier_staff", "operator"])
def test_only_the_complaints_member_may_dispute_the_answer(responded, who, request, now):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        complaints.dispute_answer(complaint=responded, actor=getattr(user, "user", user), now=now, reason="仍未解决")

    _unchanged(responded, State.RESPONDED)


def test_over_the_api_the_member_disputes_with_a_reason_others_are_refused(responded, member, other_member, supplier_staff, api):
    url = f"/api/v1/complaints/{responded.pk}/dispute/"

    blank = api(member.user).post(url, {"reason": " "}, format="json")
    by_other_member = api(other_member.user).post(url, {"reason": "仍未解决"}, format="json")
    by_supplier = api(supplier_staff).post(url, {"reason": "仍未解决"}, format="json")
    _unchanged(responded, State.RESPONDED)
    disputed = api(member.user).post(url, {"reason": "补发的也受潮了"}, format="json")
    again = api(member.user).post(url, {"reason": "补发的也受潮了"}, format="json")

    assert blank.status_code == 400 and [e["attr"] for e in blank.json()["errors"]] == ["reason"]
    assert (by_other_member.status_code, by_supplier.status_code) == (404, 403)
    assert disputed.status_code == 200 and disputed.json()["state"] == State.REOPENED
    assert again.status_code == 409
    history = api(member.user).get(f"/api/v1/complaints/{responded.pk}/history/").json()
    assert [(row["transition"], row["reason"]) for row in history[-1:]] == [("dispute", "补发的也受潮了")]


def test_the_member_page_offers_still_unresolved_beside_resolved_and_takes_the_reason(responded, member):
    client = logged_in(member.user)
    page = client.get(reverse("complaint", args=[responded.pk])).content.decode()

    refused = client.post(reverse("complaint-action", args=[responded.pk, "dispute"]), {"reason": ""}, follow=True)
    _unchanged(responded, State.RESPONDED)
    client.post(reverse("complaint-action", args=[responded.pk, "dispute"]), {"reason": "补发的也受潮了"})

    assert 'data-testid="action-resolve"' in page and 'data-testid="action-dispute"' in page and "仍未解决" in page
    assert field_errors(refused) == {"reason": "请说明仍未解决的原因"}
    responded.refresh_from_db()
    assert responded.state == State.REOPENED


def test_the_responsible_supplier_is_not_offered_still_unresolved(responded, supplier_staff):
    page = logged_in(supplier_staff).get(reverse("complaint", args=[responded.pk])).content.decode()

    assert 'data-testid="action-dispute"' not in page
