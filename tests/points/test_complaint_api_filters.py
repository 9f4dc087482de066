"""The complaints API filters as the desk does: `?late=` by the desk's 仅超时 rule (past the deadline unanswered, overdue
or escalated; false: the others), `?opened_after=` / `?opened_before=` by the time it was opened; a bad value is a 400
naming the filter."""
import re
from datetime import timedelta

import pytest

from tests.portal import logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
URL = "/api/v1/complaints/"


@pytest.fixture
def clock_at_now(time_machine, now):
    time_machine.move_to(now, tick=False)


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


def test_late_lists_what_the_desks_late_box_lists_and_false_the_others(queue_with_a_late_answer, operator, api):
    overdue, running, resolved_on_time, resolved_late = queue_with_a_late_answer
    desk = re.findall(r'<tr data-number="([^"]+)"', logged_in(operator).get("/complaints/?late=on").content.decode())

    late = numbers(api(operator).get(URL, {"late": "true"}))
    others = numbers(api(operator).get(URL, {"late": "false"}))

    assert late == desk == [overdue.number]
    assert others == [running.number, resolved_on_time.number, resolved_late.number]


def test_opened_after_and_before_take_iso_times_the_first_inclusive(queue_with_a_late_answer, operator, api, now):
    overdue, running, resolved_on_time, resolved_late = queue_with_a_late_answer
    client = api(operator)

    recent = numbers(client.get(URL, {"opened_after": (now - timedelta(hours=5)).isoformat()}))
    earlier = numbers(client.get(URL, {"opened_before": (now - timedelta(hours=5)).isoformat()}))

    assert recent == [running.number, resolved_on_time.number]
    assert earlier == [overdue.number, resolved_late.number]


@pytest.mark.parametrize(("name", "value"), [("late", "maybe"), ("opened_after", "yesterday"), ("opened_before", "9999-12-31T23:59:59")])
def test_a_bad_value_is_a_400_naming_the_filter(operator, api, name, value):
    response = api(operator).get(URL, {name: value})

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [name]
