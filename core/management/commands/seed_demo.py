"""Create the demo data of every app (safe to run twice), showing progress step by step."""
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.seeding import seed_steps

DEMO_PASSWORD = "demo12345"


class Command(BaseCommand):
    help = "Create demo programs, users for every role and sample data (idempotent)."

    def handle(self, *args, **options) -> None:
        steps = seed_steps()
        now = timezone.now()
        for number, step in enumerate(steps, start=1):
            started = time.monotonic()
            self.stdout.write(f"[{number}/{len(steps)}] {step.label} ...", ending="")
            self.stdout.flush()
            with transaction.atomic():
                step.run(now=now, password=DEMO_PASSWORD, progress=self._progress)
            self.stdout.write(self.style.SUCCESS(f" done ({time.monotonic() - started:.1f}s)"))
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Every demo user's password is {DEMO_PASSWORD}."))

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f" {done}/{total}", ending="")
        self.stdout.flush()
