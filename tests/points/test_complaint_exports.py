"""Downloading the complaint desk as filtered: every complaint of the filter in the queue's order, in the desk's columns
(kinds, channels, parties and states by their labels; lateness and the deadline as the reader may see them), only the
complaints its reader sees; a wrong filter is a 400, and those who do not open the desk download nothing."""
import re

import pytest
from django.test import Client

from core.texts import moment
from tests.portal import downloaded, logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
EXPORT = "/complaints/export"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def clock_at_now(time_machine, now):
    time_machine.move_to(now, tick=False)


def by_column(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_operator_downloads_the_desk_in_its_order_with_lateness_and_labels(queue_with_a_late_answer, operator, file_format):
    overdue, _running, resolved_on_time, _late = queue_with_a_late_answer

    rows = by_column(downloaded(logged_in(operator).get(f"{EXPORT}.{file_format}")))

    assert [row["编号"] for row in rows] == [c.number for c in queue_with_a_late_answer]
    first = rows[0]
    assert (first["类型"], first["渠道"], first["责任方"], first["已超时"]) == (
        overdue.get_kind_display(), overdue.get_channel_display(), "礼品商", "已超时")
    assert first["答复期限"] == moment(overdue.deadline) != ""
    assert (rows[1]["已超时"], rows[2]["状态"]) == ("", str(resolved_on_time.get_state_display()))


def test_the_download_follows_the_desks_filter_and_its_late_box(queue_with_a_late_answer, operator):
    overdue, running, _on_time, _late = queue_with_a_late_answer
    client = logged_in(operator)

    late = by_column(downloaded(client.get(f"{EXPORT}.csv?late=on")))
    searched = by_column(downloaded(client.get(f"{EXPORT}.csv?q=running")))

    assert [row["编号"] for row in late] == [overdue.number]
    assert [row["编号"] for row in searched] == [running.number]


def test_a_supplier_downloads_only_the_complaints_its_desk_lists(queue_with_a_late_answer, supplier_staff, other_supplier_admin):
    own = by_column(downloaded(logged_in(supplier_staff).get(f"{EXPORT}.csv")))
    others = by_column(downloaded(logged_in(other_supplier_admin).get(f"{EXPORT}.csv")))

    assert {row["编号"] for row in own} == {c.number for c in queue_with_a_late_answer}
    assert others == []


def test_the_desk_links_its_downloads_and_a_wrong_filter_or_a_member_is_refused(queue_with_a_late_answer, operator, member, finance):
    client = logged_in(operator)
    page = client.get("/complaints/?state=escalated").content.decode()

    assert f'href="{EXPORT}.csv?state=escalated"' in page and f'href="{EXPORT}.xlsx?state=escalated"' in page
    refused = client.get(f"{EXPORT}.csv?late=maybe")
    assert refused.status_code == 400 and "仅超时" in refused.content.decode()
    assert logged_in(member.user).get(f"{EXPORT}.csv").status_code == 403
    assert logged_in(finance).get(f"{EXPORT}.csv").status_code == 403


def test_a_desk_of_more_complaints_than_the_cap_asks_to_narrow_the_filter(queue_with_a_late_answer, operator, monkeypatch):
    monkeypatch.setattr("core.exports.MAX_ROWS", 3)

    response = logged_in(operator).get(f"{EXPORT}.csv")

    assert response.status_code == 400 and "请缩小筛选范围" in response.content.decode()


def test_an_english_reader_downloads_english_headings_and_labels(queue_with_a_late_answer, operator):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator)

    headings, row = downloaded(client.get(f"{EXPORT}.csv?late=on"))

    assert not CJK.search("".join(headings)) and {"Overdue", "Last chased"} <= set(headings)
    assert dict(zip(headings, row))["Overdue"] == "Overdue"
