"""The health endpoints a load balancer calls: /healthz (the process serves) and /readyz (the database and the broker
answer; a 503 names what did not), answered whatever the Host and without the HTTPS redirect."""
import json

import pytest
from django.db import OperationalError

from config.celery import app
from core import health
from tests.core.test_settings_switching import production_env, run

# A load balancer's request under the production settings: over plain HTTP, to the backend's own address (which any
# other page refuses: 400).
BALANCER = """
import django, json
django.setup()
from django.test import Client
client = Client()
print(json.dumps({path: client.get(path, HTTP_HOST="10.0.0.5:8000").status_code for path in ("/healthz", "/readyz", "/login/")}))
"""


def database_down() -> None:
    raise OperationalError("connection refused")


@pytest.fixture(autouse=True)
def fresh_readiness():
    """Each test's /readyz checks the services anew, not from the previous test's answer."""
    health.READINESS.clear()
    yield
    health.READINESS.clear()


def test_a_load_balancer_gets_both_health_endpoints_over_plain_http_at_the_backend_address_in_production(tmp_path):
    result = run(["-c", BALANCER], tmp_path, **production_env())

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"/healthz": 200, "/readyz": 200, "/login/": 400}


def test_healthz_answers_without_the_database(client):  # no django_db mark: a query would raise
    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readyz_answers_ok_when_the_database_answers_and_tasks_run_eagerly(client):
    response = client.get("/readyz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(health, "database_ready", database_down)

    response = client.get("/readyz")

    assert (response.status_code, response.json()) == (503, {"status": "unavailable", "failed": ["database"]})


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_cannot_be_reached(client, monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # nothing listens there

    response = client.get("/readyz")

    assert (response.status_code, response.json()) == (503, {"status": "unavailable", "failed": ["broker"]})


@pytest.mark.django_db
def test_readyz_names_the_shared_cache_when_it_cannot_be_reached_as_sign_ins_count_their_failures_there(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/2"}}

    response = client.get("/readyz")

    assert (response.status_code, response.json()) == (503, {"status": "unavailable", "failed": ["cache"]})


@pytest.mark.django_db
def test_readyz_checks_the_services_once_a_second_however_often_it_is_asked(client, monkeypatch):
    checks, now = [], [100.0]
    monkeypatch.setattr(health, "database_ready", lambda: checks.append("database"))
    monkeypatch.setattr(health.READINESS, "clock", lambda: now[0])

    answers = [client.get("/readyz").status_code for _ in range(2)]
    now[0] += health.READY_CACHED_FOR
    answers.append(client.get("/readyz").status_code)

    assert answers == [200, 200, 200]
    assert checks == ["database", "database"]  # the second answer was the first's


@pytest.mark.django_db
def test_readyz_keeps_a_failure_for_a_second_too(client, monkeypatch):
    monkeypatch.setattr(health, "database_ready", database_down)
    first = client.get("/readyz")
    monkeypatch.undo()

    assert (first.status_code, client.get("/readyz").status_code) == (503, 503)
