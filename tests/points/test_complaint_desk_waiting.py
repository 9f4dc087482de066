"""The complaint desk's 待我处理 filter: the rows the 投诉处理 badge counts for each role (operator, logistics staff, a
supplier's users), which the badge and the home page's to-do entry link to; it pages and combines with the other
filters."""
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from points.models import Complaint
from points.services import complaints
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


def _open(actor, now, **named) -> Complaint:
    return complaints.open_complaint(actor=actor, now=now, title="茶叶受潮", description="结块", **named)


def _triaged(complaint: Complaint, operator, now, responsible: str) -> Complaint:
    return complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible=responsible)


@pytest.fixture
def queue(member, gift, other_supplier, operator, supplier_staff, logistics, now) -> dict[str, Complaint]:
    """One of each kind of row on the operator's desk: what waits for the operator (two to triage, a suggestion it
    answers), for the supplier, for another supplier, for logistics (one escalated, listed first), and answered rows
    waiting for nobody."""
    earlier = now - timedelta(hours=50)
    escalated = _triaged(_open(member.user, earlier, gift=gift), operator, earlier, "logistics")
    assert complaints.escalate_overdue(now=now - timedelta(hours=1)) == [escalated.pk]
    answered = _triaged(_open(member.user, now, gift=gift), operator, now, "logistics")
    complaints.respond_to_complaint(complaint=answered, actor=logistics, now=now, response="已补发")
    suggestion = complaints.send_suggestion(actor=supplier_staff, now=now, title="增加自提点", description="方便会员")
    return {
        "escalated_to_logistics": escalated,
        "answered": answered,
        "to_triage": _open(member.user, now, gift=gift),
        "to_supplier": _triaged(_open(member.user, now, gift=gift), operator, now, "supplier"),
        "to_other_supplier": _triaged(_open(operator, now, member=member, supplier=other_supplier), operator, now, "supplier"),
        "suggestion": _triaged(suggestion, operator, now, "operator"),
        "to_logistics": _triaged(_open(member.user, now, gift=gift), operator, now, "logistics"),
        "also_to_triage": _open(member.user, now, gift=gift),
    }


WAITING_FOR = {
    "operator": {"to_triage", "also_to_triage", "suggestion"},
    "logistics": {"escalated_to_logistics", "to_logistics"},
    "supplier_staff": {"to_supplier"},
    "supplier_admin": {"to_supplier"},
}


def _numbers(page: str) -> list[str]:
    return re.findall(r'<tr data-number="([^"]+)"', page)


def _badge(page: str, where: str) -> int:
    return int(re.search(rf'data-testid="{where}-badge-complaint-desk"[^>]*>(\d+)<', page).group(1))


def _link(page: str, testid: str) -> str:
    return re.search(rf'<a[^>]*href="([^"]+)"[^>]*data-testid="{testid}"', page).group(1).replace("&amp;", "&")


@pytest.mark.parametrize("role", sorted(WAITING_FOR))
def test_the_badge_and_the_home_to_do_entry_link_to_just_the_complaints_the_badge_counts(queue, role, request):
    client = logged_in(request.getfixturevalue(role))
    home = client.get("/").content.decode()

    from_badge = client.get(_link(home, "nav-badge-link-complaint-desk")).content.decode()
    from_home = client.get(_link(home, "home-link-complaint-desk")).content.decode()

    expected = sorted(queue[name].number for name in WAITING_FOR[role])
    assert _badge(home, "nav") == _badge(home, "home") == len(expected)
    assert sorted(_numbers(from_badge)) == sorted(_numbers(from_home)) == expected
    assert len(_numbers(client.get(reverse("complaint-desk")).content.decode())) > len(expected)  # the desk lists more


def test_the_operators_three_are_found_by_the_filter_though_scattered_in_the_queue(queue, operator, now, time_machine):
    time_machine.move_to(now, tick=False)
    client = logged_in(operator)

    everything = _numbers(client.get(reverse("complaint-desk")).content.decode())
    waiting = _numbers(client.get(reverse("complaint-desk"), {"waiting": "1"}).content.decode())

    assert everything[0] == queue["escalated_to_logistics"].number  # escalated first: the queue's order is not the badge's
    assert waiting == [number for number in everything if number in waiting]  # the queue's order kept
    assert waiting != everything[:len(waiting)]
    assert len(waiting) == complaints.complaints_waiting(operator) == 3


def test_the_filter_is_offered_ticked_and_says_so_in_english(queue, operator):
    client = logged_in(operator)

    chinese = client.get(reverse("complaint-desk"), {"waiting": "1"}).content.decode()
    english = client.get(reverse("complaint-desk"), {"waiting": "1"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "仅看待我处理" in chinese and re.search(r'name="waiting"[^>]*checked', chinese)
    assert "Only those waiting for me" in english


@pytest.mark.parametrize(("params", "expected"), [
    ({"state": "open"}, {"to_triage", "also_to_triage"}),
    ({"kind": "suggestion"}, {"suggestion"}),
    ({"responsible": "operator", "state": "triaged"}, {"suggestion"}),
    ({"q": "增加自提点"}, {"suggestion"}),
    ({"responsible": "logistics"}, set()),
])
def test_the_filter_combines_with_the_others(queue, operator, params, expected):
    page = logged_in(operator).get(reverse("complaint-desk"), {"waiting": "1"} | params).content.decode()

    assert sorted(_numbers(page)) == sorted(queue[name].number for name in expected)


def test_the_word_for_no_lists_all_the_others(queue, operator):
    page = logged_in(operator).get(reverse("complaint-desk"), {"waiting": "false"}).content.decode()

    assert sorted(_numbers(page)) == sorted(row.number for name, row in queue.items() if name not in WAITING_FOR["operator"])


def test_the_filter_pages_and_its_page_links_keep_it(member, gift, operator, logistics, now):
    to_triage = [_open(member.user, now - timedelta(minutes=minute), gift=gift) for minute in range(21)]
    answered = _triaged(_open(member.user, now, gift=gift), operator, now, "logistics")
    complaints.respond_to_complaint(complaint=answered, actor=logistics, now=now, response="已补发")
    client = logged_in(operator)

    first = client.get(reverse("complaint-desk"), {"waiting": "1"}).content.decode()
    second = client.get(reverse("complaint-desk"), {"waiting": "1", "page": "2"}).content.decode()

    assert len(_numbers(first)) == 20 and len(_numbers(second)) == 1
    assert sorted(_numbers(first) + _numbers(second)) == sorted(row.number for row in to_triage)
    assert "?waiting=1&amp;page=2" in first
    assert _badge(client.get("/").content.decode(), "nav") == 21


def test_the_api_lists_what_the_badge_counts_with_waiting_and_the_others_with_false(queue, operator, api):
    client = api(operator)

    def numbers(**query) -> set[str]:
        response = client.get("/api/v1/complaints/", {"page_size": 100, **query})
        assert response.status_code == 200, response.content
        return {row["number"] for row in response.json()["results"]}

    counted = set(complaints.complaints_waiting.rows(operator).values_list("number", flat=True))
    assert numbers(waiting="true") == counted and counted
    assert numbers(waiting="false") == numbers() - counted
