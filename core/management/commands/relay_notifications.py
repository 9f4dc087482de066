"""The outbox relay: sends SMS as they become due, in batches, with no Celery task per message (NOTIFICATION_RELAY)."""
import logging
import signal
import threading

from django.conf import settings
from django.db import Error, connection
from django.utils import timezone

from core.management.deployment import DeploymentCommand
from core.services import send_due_notifications

BATCH = 500
logger = logging.getLogger(__name__)


class Command(DeploymentCommand):
    help = "Send due SMS from the outbox until stopped (SIGTERM or SIGINT); several relays share the work."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=settings.RELAY_INTERVAL_SECONDS, help="seconds between looks when idle")
        parser.add_argument("--once", action="store_true", help="send what is due now, then stop")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stopping = threading.Event()  # set by SIGTERM or SIGINT: the relay finishes its batch and stops

    def handle(self, *args, interval: float, once: bool, **options) -> None:
        previous = {} if once else {signum: signal.signal(signum, lambda *_: self.stopping.set()) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            total = self._relay(interval=interval, once=once)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(f"sent {total}")

    def _relay(self, *, interval: float, once: bool) -> int:
        logger.info("relay started: batches of up to %s to %s, looking every %s s when idle", BATCH, settings.SMS_BACKEND, interval)
        total = 0
        while not self.stopping.is_set():
            try:
                sent = send_due_notifications(now=timezone.now(), limit=BATCH)
            except Error:  # the database restarted or went away: reconnect on the next look
                logger.exception("the outbox could not be read; trying again in %s s", interval)
                connection.close()
                sent = 0
            total += sent
            if sent:  # a look that found nothing due writes nothing (one a second)
                logger.info("relay sent a batch of %s due message(s)", sent)
            if once and sent < BATCH:
                break
            if sent < BATCH:  # a full batch means more are waiting: go on at once
                self.stopping.wait(interval)
        logger.info("relay stopped: %s message(s) sent", total)
        return total
