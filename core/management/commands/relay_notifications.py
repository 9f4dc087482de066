"""The outbox relay: sends SMS as they become due, in batches, with no Celery task per message (NOTIFICATION_RELAY)."""
import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import Error, connection
from django.utils import timezone

from core.services import send_due_notifications

BATCH = 500
logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Send due SMS from the outbox until stopped (SIGTERM or SIGINT); several relays share the work."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=settings.RELAY_INTERVAL_SECONDS, help="seconds between looks when idle")
        parser.add_argument("--once", action="store_true", help="send what is due now, then stop")

    def handle(self, *args, interval: float, once: bool, **options) -> None:
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        total = 0
        while not stop.is_set():
            try:
                sent = send_due_notifications(now=timezone.now(), limit=BATCH)
            except Error:  # the database restarted or went away: reconnect on the next look
                logger.exception("the outbox could not be read; trying again in %s s", interval)
                connection.close()
                sent = 0
            total += sent
            if once and sent < BATCH:
                break
            if sent < BATCH:  # a full batch means more are waiting: go on at once
                stop.wait(interval)
        self.stdout.write(f"sent {total}")
