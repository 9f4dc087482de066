"""A member is told when a complaint waits for it: answered, the answer to accept (or reopen) before it resolves by
itself 3 days later. Its 我的投诉 badge and the home page's to-do entry count those and link to the list filtered to
exactly them; the API's `?waiting=true` lists the same."""
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from points.models import Complaint
from points.services import complaints
from tests.points.test_complaint_desk_waiting import _link, _numbers
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


def _triaged(actor, operator, now, gift) -> Complaint:
    opened = complaints.open_complaint(actor=actor, now=now, title="茶叶受潮", description="结块", gift=gift)
    return complaints.triage_complaint(complaint=opened, actor=operator, now=now, responsible="supplier")


def _answered(actor, operator, supplier_staff, now, gift) -> Complaint:
    complaint = _triaged(actor, operator, now, gift)
    return complaints.respond_to_complaint(complaint=complaint, actor=supplier_staff, now=now, response="已补发")


@pytest.fixture
def mine(member, other_member, gift, operator, supplier_staff, now) -> dict[str, Complaint]:
    """The member's complaints: one answered (waiting for it), one still to be answered, one answered and resolved;
    and another member's answered one."""
    resolved = _answered(member.user, operator, supplier_staff, now, gift)
    complaints.resolve_complaint(complaint=resolved, actor=member.user, now=now)
    return {
        "answered": _answered(member.user, operator, supplier_staff, now, gift),
        "unanswered": _triaged(member.user, operator, now, gift),
        "resolved": resolved,
        "others": _answered(other_member.user, operator, supplier_staff, now, gift),
    }


def _badge(page: str, where: str) -> int:
    return int(re.search(rf'data-testid="{where}-badge-member-complaints"[^>]*>(\d+)<', page).group(1))


def test_the_badge_and_the_home_to_do_entry_link_to_just_the_answered_complaints_waiting_for_the_member(mine, member):
    client = logged_in(member.user)
    home = client.get("/").content.decode()

    from_badge = client.get(_link(home, "nav-badge-link-member-complaints")).content.decode()
    from_home = client.get(_link(home, "home-link-member-complaints")).content.decode()

    assert _badge(home, "nav") == _badge(home, "home") == 1
    assert _numbers(from_badge) == _numbers(from_home) == [mine["answered"].number]
    assert "已答复，待您确认" in home
    assert sorted(_numbers(client.get(reverse("member-complaints")).content.decode())) == sorted(
        mine[name].number for name in ("answered", "unanswered", "resolved"))


def test_the_others_are_listed_with_false_and_a_wrong_word_is_a_400(mine, member):
    client = logged_in(member.user)

    others = client.get(reverse("member-complaints"), {"waiting": "false"})
    wrong = client.get(reverse("member-complaints"), {"waiting": "maybe"})

    assert sorted(_numbers(others.content.decode())) == sorted(mine[name].number for name in ("unanswered", "resolved"))
    assert wrong.status_code == 400 and _numbers(wrong.content.decode()) == []


@pytest.mark.parametrize("how", ["accepted", "resolved by itself"])
def test_an_answer_accepted_or_resolved_by_itself_no_longer_waits(mine, member, now, how):
    if how == "accepted":
        complaints.resolve_complaint(complaint=mine["answered"], actor=member.user, now=now)
    else:
        complaints.auto_resolve(now=now + timedelta(days=3))

    assert complaints.answers_to_confirm(member.user) == 0
    assert 'data-testid="home-link-member-complaints"' not in logged_in(member.user).get("/").content.decode()


def test_only_members_have_the_badge(mine, operator, supplier_staff):
    assert complaints.answers_to_confirm(operator) == complaints.answers_to_confirm(supplier_staff) == 0


def test_the_api_lists_what_the_members_badge_counts_with_waiting_and_the_others_with_false(mine, member, api):
    client = api(member.user)

    def numbers(**query) -> set[str]:
        response = client.get("/api/v1/complaints/", {"page_size": 100, **query})
        assert response.status_code == 200, response.content
        return {row["number"] for row in response.json()["results"]}

    assert numbers(waiting="true") == {mine["answered"].number}
    assert numbers(waiting="false") == {mine[name].number for name in ("unanswered", "resolved")}
    me = client.get("/api/v1/me/").json()
    assert [(item["count"], item["page"]) for item in me["waiting"]] == [(1, "/member/complaints/?waiting=1")]
