"""The credit files' lists (the portal's, filtered or not, with who decided each; the API's) run the same number of
queries whatever the number of files they show, and a file's preview (its page, the API's file) the same whatever the
number of its rows and members: nothing is read file by file, or member by member."""
import re
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from points.models import CreditUpload
from points.services import credit_uploads
from tests.factories import MemberFactory
from tests.helpers import assert_list_queries_constant
from tests.portal import logged_in

pytestmark = pytest.mark.django_db
PAGE = "/member/credits/"
FILES = "/api/v1/points/credit-files/"
numbers = count(1)


def credit_file(*rows: str) -> bytes:
    return ("\n".join(["手机号,积分", *rows]) + "\n").encode()


def files_in_each_state(operator, now, member):
    """Adds `n` files of each state (previewed, confirmed, discarded), each of other rows."""
    def add(n: int) -> None:
        for _ in range(n):
            for decide in (None, credit_uploads.confirm_credit_upload, credit_uploads.discard_credit_upload):
                upload = credit_uploads.upload_credit_file(actor=operator, now=now, file_name="c.csv",
                                                           content=credit_file(f"{member.phone},{next(numbers)}"))
                if decide:
                    decide(upload=upload, actor=operator, now=now)
    return add


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("query", ["", "?state=confirmed", "?state=discarded"])
def test_the_portal_list_of_credit_files_with_who_decided_each_runs_as_many_queries_for_one_file_as_for_a_page(
        operator, member, now, queued_tasks, query):
    add = files_in_each_state(operator, now, member)
    client = logged_in(operator)
    add(1)
    client.get(f"{PAGE}{query}")  # what a process reads once (content types) is read
    one = queries_for(client, f"{PAGE}{query}")

    add(6)

    page = client.get(f"{PAGE}{query}").content.decode()
    assert page.count("<tr data-upload=") == (20 if not query else 7)
    assert queries_for(client, f"{PAGE}{query}") == one


def test_the_api_list_of_credit_files_runs_as_many_queries_for_one_file_as_for_fifty(api, operator, member, now, queued_tasks):
    add = files_in_each_state(operator, now, member)

    assert_list_queries_constant(api(operator), FILES, lambda n: add(-(-n // 3)))


def test_a_previews_page_and_the_apis_file_read_no_member_and_as_many_queries_for_three_members_as_for_one(
        operator, api, now, queued_tasks):
    members = [MemberFactory() for _ in range(3)]
    few = credit_uploads.upload_credit_file(actor=operator, now=now, file_name="c.csv", content=credit_file(f"{members[0].phone},1"))
    many = credit_uploads.upload_credit_file(actor=operator, now=now, file_name="c.csv",
                                             content=credit_file(*(f"{m.phone},{i + 1}" for i, m in enumerate(members))))
    client, reader = logged_in(operator), api(operator)
    client.get(f"{PAGE}{few.pk}/")
    reader.get(f"{FILES}{few.pk}/")

    with CaptureQueriesContext(connection) as captured:
        page, answer = client.get(f"{PAGE}{many.pk}/"), reader.get(f"{FILES}{many.pk}/")

    assert '<td class="num" data-testid="preview-members">3</td>' in page.content.decode()
    assert (answer.json()["preview"]["members"], answer.json()["preview"]["points"]) == (3, 6)
    assert not [query["sql"] for query in captured.captured_queries if 'FROM "points_member"' in query["sql"]]
    assert queries_for(client, f"{PAGE}{many.pk}/") == queries_for(client, f"{PAGE}{few.pk}/")
    assert queries_for(reader, f"{FILES}{many.pk}/") == queries_for(reader, f"{FILES}{few.pk}/")


def big_upload(operator, now, rows: int) -> CreditUpload:
    """A previewed file of `rows` rows (lines 2 on, 138 phones numbered in order, points = the row's number)."""
    stored = [{"line": n + 2, "phone": f"138{n:08d}", "points": n + 1, "reason_code": ""} for n in range(rows)]
    return CreditUpload.objects.create(file_name="big.csv", uploaded_by=operator, uploaded_at=now, batch=f"big-{rows}", rows=stored,
                                       headings={}, row_count=rows, points_total=sum(row["points"] for row in stored),
                                       summary={"members": rows, "points": sum(row["points"] for row in stored), "programs": []})


def whole_file_reads(captured) -> list[str]:
    """The statements that read a credit file's rows whole (not a run of them picked out by the database)."""
    return [query["sql"] for query in captured.captured_queries if '"rows"' in query["sql"] and query["sql"].startswith("SELECT")
            and "json_each" not in query["sql"] and "jsonb_path_query_array" not in query["sql"]]


def test_a_page_of_a_big_credit_file_shows_its_own_rows_reading_no_others(operator, api, now):
    upload = big_upload(operator, now, 120)
    client = logged_in(operator)

    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"{PAGE}{upload.pk}/?page=3").content.decode()
        answer = api(operator).get(f"{FILES}{upload.pk}/").json()

    assert [int(line) for line in re.findall(r'<tr data-line="(\d+)">', page.split('data-testid="credit-rows"')[1])] == list(range(102, 122))
    assert "138****0119" in page and "138****0099" not in page  # the preview above shows the first ten
    assert [row["line"] for row in answer["preview"]["first_rows"]] == list(range(2, 12))
    assert whole_file_reads(captured) == []


def test_a_credit_file_s_rows_read_in_runs_are_the_file_s_rows(operator, now):
    upload = big_upload(operator, now, 30)
    rows = credit_uploads.CreditRows(CreditUpload.objects.defer("rows").get(pk=upload.pk))

    assert len(rows) == 30
    assert [row.line for row in rows[28:40]] == [30, 31] and rows[30:40] == [] and rows[5:5] == []
    assert (rows[0].line, rows[-1].line, rows[-1].points, rows[-1].phone) == (2, 31, 30, "138****0029")
    assert rows[0:30] == credit_uploads.credit_rows(CreditUpload.objects.get(pk=upload.pk))
    with pytest.raises(IndexError):
        rows[30]
