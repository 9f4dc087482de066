"""Idempotency-Key under real concurrency: two threads, two PostgreSQL connections, one effect."""
import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from suppliers.models import Notice
from tests import idempotency_urls
from tests.factories import SupplierFactory, UserFactory

pytestmark = pytest.mark.urls("tests.idempotency_urls")
URL = "/api/v1/test-notices/"
WAIT_SECONDS = 10


class Request(threading.Thread):
    """One POST in its own thread, hence on its own database connection (closed when done)."""

    def __init__(self, *, user, body: dict, key: str) -> None:
        super().__init__(daemon=True)
        self.user, self.body, self.key = user, body, key
        self.response = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            client = APIClient()
            client.force_authenticate(self.user)
            self.response = client.post(URL, self.body, HTTP_IDEMPOTENCY_KEY=self.key)
        except BaseException as exc:  # re-raised in the test thread by finished()
            self.error = exc
        finally:
            connections.close_all()

    def finished(self):
        self.join(WAIT_SECONDS)
        assert not self.is_alive(), f"the request with key {self.key} did not return within {WAIT_SECONDS} s"
        if self.error is not None:
            raise self.error
        return self.response


@pytest.fixture
def gate():
    """The test endpoint's gate: a request that enters the view waits there for gate["release"]."""
    gate = idempotency_urls.gate
    gate["entered"] = threading.Event()
    gate["release"] = threading.Event()
    yield gate
    gate["release"].set()
    gate["entered"] = threading.Event()
    gate["release"] = None


@pytest.fixture
def post_in_thread(transactional_db, gate):
    """post_in_thread(user=, body=, key=) → a started Request; all are released and joined afterwards."""
    started: list[Request] = []

    def start(**kwargs) -> Request:
        request = Request(**kwargs)
        started.append(request)
        request.start()
        return request

    yield start
    gate["release"].set()
    for request in started:
        request.join(WAIT_SECONDS)


def test_a_second_request_with_a_key_still_running_is_409_and_the_key_then_replays_the_single_outcome(post_in_thread, gate):
    user = UserFactory(username="operator")
    supplier = SupplierFactory()
    body = {"supplier": supplier.pk, "title": "补货提醒"}
    running = post_in_thread(user=user, body=body, key="K")
    assert gate["entered"].wait(WAIT_SECONDS), "the first request never reached the view"

    second = post_in_thread(user=user, body=body, key="K").finished()
    gate["release"].set()
    first = running.finished()
    replay = APIClient()
    replay.force_authenticate(user)
    third = replay.post(URL, body, HTTP_IDEMPOTENCY_KEY="K")

    assert second.status_code == 409
    assert second.json()["errors"][0]["code"] == "idempotency_key_in_use"
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert third.status_code == 201
    assert third["Idempotent-Replayed"] == "true"
    assert third.json() == first.json() == {"id": Notice.objects.get().pk, "title": "补货提醒"}
    assert Notice.objects.count() == 1
