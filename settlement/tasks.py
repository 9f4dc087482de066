"""Settlement tasks: month generation (beat at 02:00 on the 1st, or on demand), deemed confirmation, large PDFs."""
from celery import shared_task
from django.utils import timezone

from settlement.models import GenerationRun, StatementVersion
from settlement.services import generation, statement_pdfs, statements


@shared_task(acks_late=True)
def generate_statements(run_id: int) -> int:
    """Run (or, after a crash, complete) a recorded generation; idempotent, so safe to deliver twice."""
    run = GenerationRun.objects.get(pk=run_id)
    return generation.generate_month(run=run, now=timezone.now()).statements_created


@shared_task
def generate_last_month() -> int:
    """Beat, 02:00 on the 1st: generate the month that has just ended (delivered again, complete the run it started)."""
    now = timezone.now()
    run = generation.resume_generation(month=generation.last_closed_month(now), now=now)
    return generation.generate_month(run=run, now=now).statements_created


@shared_task
def confirm_silent_statements() -> int:
    """Beat, daily: statements issued 10 days ago without an answer are deemed confirmed."""
    return len(statements.deem_confirmed(now=timezone.now()))


PDF_RETRIES = 3  # after 1, 2 and 4 minutes


@shared_task(bind=True, acks_late=True, max_retries=PDF_RETRIES)
def render_statement_pdf(self, version_id: int) -> str:
    """Render a large version's PDF once (a second delivery finds it stored); `version_id` also positional, as the
    previous release queued it (`render_statement_pdf.delay(pk)`). A render that fails is tried again after
    1, 2 and 4 minutes; the last failure is recorded on the version, whose page and API say so (beat tries again)."""
    version = StatementVersion.objects.select_related("statement__supplier").get(pk=version_id)
    try:
        return statements.store_pdf(version).pdf_sha256
    except Exception as error:
        if self.request.retries >= self.max_retries:
            statement_pdfs.record_pdf_failure(version=version, error=error, now=timezone.now())
            raise
        if self.request.is_eager:  # no broker to wait on (development, tests): the next try at once
            return self.apply(kwargs={"version_id": version_id}, retries=self.request.retries + 1).get(disable_sync_subtasks=False)
        raise self.retry(exc=error, countdown=60 * 2 ** self.request.retries) from error


@shared_task
def pick_up_left_behind() -> tuple[int, int, int]:
    """Beat, every 5 minutes: runs no worker took up queued again (or failed), and PDFs that never came queued again."""
    now = timezone.now()
    return (*generation.pick_up_left_behind_runs(now=now), statement_pdfs.pick_up_left_behind_pdfs(now=now))
