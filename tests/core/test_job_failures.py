"""What beat jobs and tasks failed on is visible to operators (core.jobs): each failing item of a job, and each task that
fails as a whole, is one `JobFailure`, counted again while it keeps failing and resolved once it succeeds or is no
longer due; operators see the unresolved ones on their home page and every one in the admin, read only."""
from datetime import timedelta

import pytest
from celery import shared_task

from core.jobs import run_each
from core.models import JobFailure
from tests.factories import FIXED_NOW
from tests.helpers import unresolved_failures
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


def work_failing_on(*bad: str):
    def work(item: str) -> str:
        if item in bad:
            raise ValueError(f"cannot do {item}")
        return item.upper()

    return work


def test_an_item_failing_again_is_counted_on_its_row_and_the_items_after_it_are_done():
    first = run_each(["a", "b", "c"], work_failing_on("a"), job="test.letters", now=FIXED_NOW)
    again = run_each(["a", "b", "c"], work_failing_on("a"), job="test.letters", now=FIXED_NOW + timedelta(hours=1))

    assert (list(first), first.failed, list(again), again.failed) == (["B", "C"], ["a"], ["B", "C"], ["a"])
    failure = JobFailure.objects.get()
    assert (failure.job, failure.item, failure.error_class, failure.message, failure.failures) == (
        "test.letters", "a", "builtins.ValueError", "cannot do a", 2)
    assert (failure.first_failed_at, failure.last_failed_at, failure.resolved_at) == (FIXED_NOW, FIXED_NOW + timedelta(hours=1), None)


def test_a_failure_is_resolved_when_its_item_succeeds_or_is_no_longer_due_and_reopened_if_it_fails_later():
    run_each(["a", "b"], work_failing_on("a", "b"), job="test.letters", now=FIXED_NOW)
    later = FIXED_NOW + timedelta(hours=1)

    run_each(["a"], work_failing_on(), job="test.letters", now=later)  # a succeeds; b is no longer due

    assert unresolved_failures("test.letters") == {}
    assert set(JobFailure.objects.values_list("item", "resolved_at")) == {("a", later), ("b", later)}
    run_each(["a"], work_failing_on("a"), job="test.letters", now=later + timedelta(hours=1))
    assert unresolved_failures("test.letters") == {"a": 1}
    assert JobFailure.objects.get(item="a").first_failed_at == later + timedelta(hours=1)


def test_another_jobs_failures_are_left_as_they_are():
    run_each(["a"], work_failing_on("a"), job="test.one", now=FIXED_NOW)

    run_each([], work_failing_on(), job="test.other", now=FIXED_NOW)

    assert unresolved_failures("test.one") == {"a": 1}


BROKEN: set[int] = set()  # the batches flaky_task fails on


@shared_task
def flaky_task(*, batch: int) -> int:
    if batch in BROKEN:
        raise RuntimeError("the broker went away")
    return batch


def as_the_worker_runs(task, **kwargs):
    """Run `task` as a worker does: its error stays in its result (and is signalled), not raised here."""
    return task.apply(kwargs=kwargs, throw=False)


def test_a_task_failing_as_a_whole_is_recorded_under_its_name_and_arguments_and_resolved_when_it_next_succeeds():
    BROKEN.add(7)
    try:
        failed = as_the_worker_runs(flaky_task, batch=7)
        as_the_worker_runs(flaky_task, batch=8)  # another call leaves it
        recorded = unresolved_failures(flaky_task.name)
    finally:
        BROKEN.clear()

    as_the_worker_runs(flaky_task, batch=7)

    assert failed.failed() and recorded == {"batch=7": 1}
    assert JobFailure.objects.get().error_class == "builtins.RuntimeError"
    assert unresolved_failures(flaky_task.name) == {}


def test_a_beat_job_failing_as_a_whole_is_recorded_under_its_task_name(monkeypatch):
    from points import tasks
    from points.services import ledger

    monkeypatch.setattr(ledger, "expire_due_lots", lambda *, now: 1 / 0)

    as_the_worker_runs(tasks.expire_points)

    failure = JobFailure.objects.get()
    assert (failure.job, failure.item, failure.error_class, failure.resolved_at) == (
        "points.tasks.expire_points", "", "builtins.ZeroDivisionError", None)


def test_operators_see_the_unresolved_failures_on_their_home_page_and_all_of_them_in_the_admin(operator, finance, logistics):
    run_each(["lot 1", "lot 2"], work_failing_on("lot 1", "lot 2"), job="test.lots", now=FIXED_NOW)
    run_each(["lot 2"], work_failing_on("lot 2"), job="test.lots", now=FIXED_NOW + timedelta(hours=1))  # lot 1 no longer due
    operators = logged_in(operator)

    home = operators.get("/").content.decode()
    listed = operators.get("/admin/core/jobfailure/")
    others = {who.role: (logged_in(who).get("/").content.decode(), logged_in(who).get("/admin/core/jobfailure/").status_code)
              for who in (finance, logistics)}

    assert 'data-testid="home-job-failures"' in home and "lot 2" in home and "lot 1" not in home and "已失败 2 次" in home
    assert listed.status_code == 200 and "lot 1" in listed.content.decode() and "lot 2" in listed.content.decode()
    assert all("home-job-failures" not in page and status == 302 for page, status in others.values()), others
    failure = JobFailure.objects.get(item="lot 2")
    assert operators.post(f"/admin/core/jobfailure/{failure.pk}/delete/", {"post": "yes"}).status_code == 403
    assert JobFailure.objects.filter(pk=failure.pk).exists()


def test_the_home_page_leaves_the_panel_out_when_nothing_failed(operator):
    assert "home-job-failures" not in logged_in(operator).get("/").content.decode()


def test_the_mobile_numbers_an_error_quotes_are_masked_in_the_failure_operators_read():
    detail = 'duplicate key value violates unique constraint "member_phone"\nDETAIL:  Key (phone)=(13812341234) already exists.'

    def work(item: str):
        raise ValueError(f"{detail} also 15900001111, +8613700002222; order 2026120512345678 and " + "长" * 3000)

    run_each(["a"], work, job="test.phones", now=FIXED_NOW)

    message = JobFailure.objects.get().message
    assert "Key (phone)=(138****1234)" in message and "159****0000" not in message and "159****1111" in message
    assert "13812341234" not in message and "15900001111" not in message
    assert "+86137****2222" in message and "13700002222" not in message  # written with its country code
    assert "2026120512345678" in message  # a longer run of digits is not a mobile number
    assert len(message) == 2000


def test_the_mobile_numbers_an_item_names_are_masked_where_operators_read_it_and_the_row_is_still_found_by_it(operator):
    item = "points.member:7 13812341234"
    run_each([item], work_failing_on(item), job="test.phones", now=FIXED_NOW)
    failure = JobFailure.objects.get()
    operators = logged_in(operator)

    pages = [operators.get(url).content.decode() for url in ("/", "/admin/core/jobfailure/", f"/admin/core/jobfailure/{failure.pk}/change/")]

    assert all("138****1234" in page and "13812341234" not in page for page in pages)
    assert str(failure) == "test.phones points.member:7 138****1234"
    run_each([item], work_failing_on(), job="test.phones", now=FIXED_NOW + timedelta(hours=1))
    assert JobFailure.objects.get().resolved_at == FIXED_NOW + timedelta(hours=1)


def test_the_admin_search_finds_failures_by_job_but_never_by_a_mobile_number_the_item_names(operator):
    item = "points.member:7 13812341234"
    run_each([item], work_failing_on(item), job="test.phones", now=FIXED_NOW)
    operators = logged_in(operator)

    by_phone = operators.get("/admin/core/jobfailure/", {"q": "13812341234"}).content.decode()
    by_job = operators.get("/admin/core/jobfailure/", {"q": "test.phones"}).content.decode()

    assert "138****1234" not in by_phone
    assert "138****1234" in by_job


def test_the_admin_search_finds_a_failure_by_the_record_its_item_names_as_operators_read_it(operator):
    def fails(item: str) -> None:
        raise ValueError("对账单生成失败")

    run_each(["settlement.statement:42", "points.member:7 +8613812341234"], fails, job="test.items", now=FIXED_NOW)
    operators = logged_in(operator)

    def found(words: str) -> list[str]:
        return [failure.masked_item for failure in operators.get("/admin/core/jobfailure/", {"q": words}).context["cl"].result_list]

    assert found("Statement:42") == ["settlement.statement:42"]
    assert found("points.member:7") == found("138****1234") == found("test.items +86138") == ["points.member:7 +86138****1234"]
    assert found("13812341234") == found("3812341") == found("statement:42 1234") == []
    assert found("*") == found("****") == []  # the mask alone names no record, and would read every failure
