"""A broker that cannot be reached when a committed action publishes its task: the action stands (no 500), the publish
error is logged, and the beat job that picks up work left behind queues the run or the PDF render again, or fails a
run that never ran with the reason the months page shows."""
import logging
from datetime import date, timedelta

import pytest
from django.test import override_settings

from core import jobs
from settlement.models import GenerationRun, Statement, StatementLine, StatementVersion
from settlement.services import generation, statement_pdfs, statements
from settlement.tasks import generate_statements, pick_up_left_behind
from tests.factories import FIXED_NOW
from tests.portal import logged_in
from tests.settlement.conftest import GENERATED_AT

pytestmark = pytest.mark.django_db
LEFT = timedelta(minutes=31)  # beyond LEFT_BEHIND_AFTER_MINUTES (30)


def test_starting_a_month_through_the_api_with_the_broker_down_is_accepted_and_logged(
        api, finance, broker_down, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.ERROR, logger="core.jobs"), django_capture_on_commit_callbacks(execute=True):
        response = api(finance).post("/api/v1/statement-runs/", {"month": "2026-09"})

    assert response.status_code == 202, response.content
    assert GenerationRun.objects.get().status == "running"
    assert broker_down == [("settlement.tasks.generate_statements", {"run_id": response.json()["id"]})]
    assert "was not published" in caplog.text


def test_starting_a_month_from_the_page_with_the_broker_down_still_shows_the_run(finance, broker_down,
                                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(finance).post("/settlement/months/", {"month": "2026-09"})

    assert response.status_code == 302
    assert GenerationRun.objects.get().status == "running" and len(broker_down) == 1


@override_settings(STATEMENT_PDF_INLINE_LINES=0)
def test_issuing_a_large_statement_with_the_broker_down_issues_it_and_leaves_its_pdf_queued(draft, finance, broker_down,
                                                                                          django_capture_on_commit_callbacks):
    at = GENERATED_AT.replace(hour=10)

    with django_capture_on_commit_callbacks(execute=True):
        statements.issue_statement(statement=draft, actor=finance, now=at)

    version = StatementVersion.objects.get(statement=draft)
    assert Statement.objects.get(pk=draft.pk).state == "issued"
    assert (version.pdf.name, version.pdf_queued_at) == ("", at)
    assert ("settlement.tasks.render_statement_pdf", {"version_id": version.pk}) in broker_down  # beside the supplier's SMS


def test_a_task_run_eagerly_still_raises_its_own_error(monkeypatch, django_capture_on_commit_callbacks):
    run = GenerationRun.objects.create(month=date(2026, 9, 1), started_at=FIXED_NOW)
    monkeypatch.setattr(generation, "generate_month", lambda **kwargs: 1 / 0)

    with pytest.raises(ZeroDivisionError), django_capture_on_commit_callbacks(execute=True):
        jobs.publish_on_commit(generate_statements, run_id=run.pk)


def test_a_run_no_worker_took_up_is_queued_again_and_left_another_while(queued_tasks, django_capture_on_commit_callbacks):
    left = GenerationRun.objects.create(month=date(2026, 9, 1), started_at=FIXED_NOW - LEFT)
    recent = GenerationRun.objects.create(month=date(2026, 8, 1), started_at=FIXED_NOW - LEFT, progressed_at=FIXED_NOW - timedelta(minutes=5))
    GenerationRun.objects.create(month=date(2026, 7, 1), started_at=FIXED_NOW - LEFT, status="finished")

    with django_capture_on_commit_callbacks(execute=True):
        assert generation.pick_up_left_behind_runs(now=FIXED_NOW) == (1, 0)

    assert queued_tasks == [("settlement.tasks.generate_statements", {"run_id": left.pk})]
    left.refresh_from_db()
    assert (left.status, left.requeues, left.progressed_at) == ("running", 1, FIXED_NOW)
    assert generation.pick_up_left_behind_runs(now=FIXED_NOW + timedelta(minutes=5)) == (0, 0)  # not yet again
    assert GenerationRun.objects.get(pk=recent.pk).requeues == 0


def test_a_run_queued_again_is_generated_by_its_task(draft, finance, django_capture_on_commit_callbacks):
    StatementLine.objects.all().delete()  # a statement keeps its lines and versions: they go first
    StatementVersion.objects.all().delete()
    Statement.objects.all().delete()
    run = GenerationRun.objects.create(month=draft.month, started_at=FIXED_NOW - LEFT, started_by=finance)

    with django_capture_on_commit_callbacks(execute=True):
        generation.pick_up_left_behind_runs(now=FIXED_NOW)  # eager: the task runs on commit

    run.refresh_from_db()
    assert (run.status, run.statements_created) == ("finished", 1)
    assert run.progressed_at is not None


def test_a_run_queued_again_too_often_fails_with_its_reason_on_the_months_page(finance, queued_tasks):
    run = GenerationRun.objects.create(month=date(2026, 9, 1), started_at=FIXED_NOW - LEFT, requeues=3)

    assert generation.pick_up_left_behind_runs(now=FIXED_NOW) == (0, 1)

    run.refresh_from_db()
    assert (run.status, run.finished_at, queued_tasks) == ("failed", FIXED_NOW, [])
    page = logged_in(finance).get("/settlement/months/").content.decode()
    assert "后台任务多次未能运行，已停止；请重新生成该月份" in page
    assert "window.location.reload()" not in page  # no longer looked at every 3 seconds


@override_settings(STATEMENT_PDF_INLINE_LINES=0)
def test_a_pdf_that_never_came_is_rendered_when_beat_picks_it_up(draft, finance, broker_down, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    at = GENERATED_AT.replace(hour=10)
    with django_capture_on_commit_callbacks(execute=True):
        statements.issue_statement(statement=draft, actor=finance, now=at)
    monkeypatch.undo()  # the broker is back

    assert statement_pdfs.pick_up_left_behind_pdfs(now=at + timedelta(minutes=10)) == 0  # not left behind yet
    with django_capture_on_commit_callbacks(execute=True):
        assert statement_pdfs.pick_up_left_behind_pdfs(now=at + LEFT) == 1

    version = StatementVersion.objects.get(statement=draft)
    assert version.pdf and len(version.pdf_sha256) == 64 and version.pdf_queued_at == at + LEFT
    assert statement_pdfs.pick_up_left_behind_pdfs(now=at + 2 * LEFT) == 0


def test_the_beat_job_looks_at_runs_and_pdfs_and_is_scheduled(settings, queued_tasks):
    GenerationRun.objects.create(month=date(2026, 9, 1), started_at=FIXED_NOW - timedelta(days=1))

    assert pick_up_left_behind() == (1, 0, 0)
    assert settings.CELERY_BEAT_SCHEDULE["pick-up-left-behind-settlement"]["task"] == "settlement.tasks.pick_up_left_behind"


@override_settings(STATEMENT_PDF_INLINE_LINES=0, LEFT_BEHIND_REQUEUES=3)
def test_a_pdf_that_never_comes_is_queued_again_3_times_then_left_failed_until_finance_queues_it(
        draft, finance, queued_tasks, django_capture_on_commit_callbacks):
    at = GENERATED_AT.replace(hour=10)
    statements.issue_statement(statement=draft, actor=finance, now=at)  # its render queued, and never run
    version = StatementVersion.objects.get(statement=draft)

    with django_capture_on_commit_callbacks(execute=True):
        picked = [statement_pdfs.pick_up_left_behind_pdfs(now=at + n * LEFT) for n in range(1, 6)]

    assert picked == [1, 1, 1, 0, 0] and len(queued_tasks) == 3
    version.refresh_from_db()
    assert version.pdf_status == "failed" and version.pdf_requeues == 3 and "3" in version.pdf_error

    with django_capture_on_commit_callbacks(execute=True):
        statement_pdfs.render_pdf_again(version=version, actor=finance, now=at + 6 * LEFT)
    version.refresh_from_db()
    assert (version.pdf_requeues, version.pdf_status, len(queued_tasks)) == (0, "rendering", 4)
    with django_capture_on_commit_callbacks(execute=True):
        assert statement_pdfs.pick_up_left_behind_pdfs(now=at + 7 * LEFT) == 1  # beat again, with its 3 tries
