"""Generate (or complete after a crash) a month's statements from the command line, with progress."""
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import ValidationFailed
from settlement.models import GenerationRun
from settlement.services import generation


class Command(BaseCommand):
    help = "Generate the statements of a month (default: the month that has just ended)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM, e.g. 2026-10")
        parser.add_argument("--chunk", type=int, default=generation.CHUNK, help="suppliers per transaction")

    def handle(self, *args, month=None, chunk=generation.CHUNK, **options):
        now = timezone.now()
        try:
            target = generation.parse_month(month) if month else generation.last_closed_month(now)
            run = generation.start_generation(month=target, actor=None, now=now)
        except ValidationFailed as error:
            raise CommandError(error.detail) from error
        run = generation.generate_month(run=run, now=now, chunk=chunk, progress=self._progress)
        self.stdout.write(self.style.SUCCESS(
            f"{target:%Y-%m}: {run.suppliers_done} suppliers, {run.statements_created} new statements, {run.lines_claimed} lines claimed"
        ))

    def _progress(self, run: GenerationRun) -> None:
        self.stdout.write(f"  {run.suppliers_done}/{run.suppliers_total} suppliers ({run.percent}%)")
