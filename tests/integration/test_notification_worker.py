"""The SMS outbox with a real Celery worker on Redis: delivery, and redelivery after the worker is killed mid-send.

The worker runs as a subprocess against the test database that pytest-django created, so the
tests use `transactional_db`: the worker only sees committed rows.
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.celery import app as celery_app
from core.models import Notification
from core.notifications import notify
from tests.integration.conftest import worker_database_url
from tests.helpers import ORDERED

ROOT = Path(settings.BASE_DIR)
CELERY = ROOT / ".venv" / "bin" / "celery"
FILE_BACKEND = "core.notifications.backends.FileBackend"
SLOW_BACKEND = "tests.integration.slow_backend.SlowFileBackend"
VISIBILITY_TIMEOUT = 4
#: the tests share one Redis database (TEST_BROKER_URL), emptied by each: with --dist loadgroup they run on one process
pytestmark = pytest.mark.xdist_group("broker")
WAIT_SECONDS = 30
CODE_SMS = "【积分商城】您正在用 10500 积分兑换「保温杯」×7（订单 RO1），验证码为 123456，15分钟内有效，请勿泄露。"


class Worker:
    """One `celery worker` subprocess in its own process group, logging to a file."""

    def __init__(self, *, name: str, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [
                str(CELERY), "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-Q", "celery",
                "-n", f"{name}@%h", "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: no warm shutdown, no ack, no chance to finish the task."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def _signal_group(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass


def wait_until(condition, *, what: str, workers: list[Worker], timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- worker log ({w.log_path.name}) ---\n{w.output()}" for w in workers)
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}\n{logs}", pytrace=False)
        time.sleep(0.1)


def texted_message_ids(sms_file: Path) -> list[str]:
    if not sms_file.exists():
        return []
    return [json.loads(line)["message_id"] for line in sms_file.read_text(encoding="utf-8").splitlines() if line.strip()]


def status_of(message: Notification) -> str:
    return Notification.objects.values_list("status", flat=True).get(pk=message.pk)


@pytest.fixture
def sms_file(tmp_path) -> Path:
    return tmp_path / "sms.jsonl"


@pytest.fixture
def broker(broker_url):
    """An empty Redis database for the broker, emptied again afterwards."""
    client = redis.Redis.from_url(broker_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def tasks_go_to_broker(broker, broker_url, monkeypatch):
    """Make `.delay()` in this process publish to Redis instead of running eagerly (restored afterwards)."""
    monkeypatch.setitem(celery_app.conf, "broker_url", broker_url)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    # The connection pools are created lazily from broker_url: start from fresh ones and close them afterwards.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield
    kombu.pools.reset()


@pytest.fixture
def start_worker(transactional_db, broker, broker_url, sms_file, tmp_path):
    """start_worker(backend, **env) → a running Worker on the test database; every worker is stopped afterwards."""
    workers: list[Worker] = []

    def start(backend: str, **extra_env: str) -> Worker:
        env = {k: v for k, v in os.environ.items() if k != "SMS_SLOW_SECONDS"}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            CELERY_BROKER_URL=broker_url,
            DATABASE_URL=worker_database_url(),
            SMS_BACKEND=backend,
            SMS_FILE_PATH=str(sms_file),
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
            **extra_env,
        )
        worker = Worker(name=f"w{len(workers) + 1}", env=env, log_path=tmp_path / f"worker{len(workers) + 1}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def test_an_urgent_message_committed_to_the_outbox_is_texted_by_the_worker(start_worker, tasks_go_to_broker, sms_file):
    worker = start_worker(FILE_BACKEND)

    with transaction.atomic():
        message = notify(kind="confirmation_code", phone="13800138000", at=timezone.now(), context=ORDERED | {"code": "123456"})
    wait_until(lambda: status_of(message) == Notification.Status.SENT, what="the worker to send the message", workers=[worker])

    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.attempts == 1
    lines = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"message_id": str(message.message_id), "phone": "13800138000", "body": CODE_SMS}]


def test_a_message_whose_worker_was_killed_mid_send_is_redelivered_and_texted_once(start_worker, tasks_go_to_broker, sms_file):
    slow_worker = start_worker(SLOW_BACKEND, SMS_SLOW_SECONDS="60")
    with transaction.atomic():
        message = notify(kind="confirmation_code", phone="13800138000", at=timezone.now(), context=ORDERED | {"code": "123456"})
    message_id = str(message.message_id)
    wait_until(
        lambda: texted_message_ids(sms_file) == [message_id], what="the slow worker to text the message", workers=[slow_worker]
    )

    slow_worker.kill()
    killed_at = time.monotonic()
    assert status_of(message) == Notification.Status.PENDING, "killed too late: the message was already marked sent"
    # Redis hands an unacknowledged message out again only once it is older than the visibility timeout.
    # A worker sweeps for such messages when it starts (and then only every ~100 s, kombu's defaults),
    # so start the fresh worker once the timeout has passed.
    time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
    fresh_worker = start_worker(FILE_BACKEND)
    wait_until(
        lambda: status_of(message) == Notification.Status.SENT,
        what="the fresh worker to get the message redelivered and mark it sent",
        workers=[slow_worker, fresh_worker],
    )

    message.refresh_from_db()
    assert message.attempts == 2
    assert texted_message_ids(sms_file) == [message_id]
