"""The deployment's log: each request served under an id (the proxy's X-Request-ID, or a new one) echoed in its response
and written in each of its log lines; failed sign-ins and lockouts logged with the username and the client address."""
import logging
import re

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_a_request_without_an_id_gets_a_new_one_in_its_response(client):
    first, second = client.get("/healthz"), client.get("/login/")

    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", second["X-Request-ID"]) and second["X-Request-ID"] != first["X-Request-ID"]


def test_the_proxys_request_id_is_echoed_and_one_that_is_no_plain_token_replaced(client):
    assert client.get("/login/", headers={"X-Request-ID": "7f3c9a-edge-01"})["X-Request-ID"] == "7f3c9a-edge-01"
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/login/", headers={"X-Request-ID": "a\nforged line"})["X-Request-ID"])


def test_a_failed_sign_in_is_a_log_line_carrying_the_request_id_and_the_client_address(operator, console_log):
    APIClient().post("/api/v1/auth/token/", {"username": "operator", "password": "wrong"}, format="json",
                     headers={"X-Request-ID": "req-42"}, REMOTE_ADDR="203.0.113.7")

    line = next(line for line in console_log.getvalue().splitlines() if "sign-in failed" in line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO core\.login \[req-42\] sign-in failed: username 'operator' from 203\.0\.113\.7", line)


def test_a_lockout_is_one_warning_line_naming_the_username_and_the_client_address(operator, caplog):
    client = APIClient()
    with caplog.at_level(logging.INFO, logger="core.login"):
        for _ in range(6):
            client.post("/api/v1/auth/token/", {"username": "operator", "password": "wrong"}, format="json", REMOTE_ADDR="203.0.113.7")

    warnings = [r.getMessage() for r in caplog.records if r.name == "core.login" and r.levelno == logging.WARNING]
    assert warnings == ["sign-in locked out for 15 minutes: username 'operator' from 203.0.113.7 (the username from this address)"]


def test_djangos_own_line_of_a_refused_request_carries_the_request_id(client, console_log):
    client.get("/no-such-page/", headers={"X-Request-ID": "req-404"})

    line = next(line for line in console_log.getvalue().splitlines() if "Not Found" in line)
    assert re.fullmatch(r"\S+ \S+ WARNING django\.request \[req-404\] Not Found: /no-such-page/", line)


def test_an_unready_process_logs_each_readiness_check_as_one_warning_without_an_error_line_per_probe(client, console_log, monkeypatch):
    from django.db import OperationalError

    from core import health

    def database_down() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "database_ready", database_down)
    monkeypatch.setattr(health.READINESS, "clock", lambda: 100.0)  # the probes within the second the answer is kept
    health.READINESS.clear()
    try:
        statuses = [client.get("/readyz", headers={"X-Request-ID": f"probe-{n}"}).status_code for n in range(3)]
    finally:
        health.READINESS.clear()

    lines = console_log.getvalue().splitlines()
    assert statuses == [503, 503, 503]
    assert [line.split(" ", 2)[2] for line in lines] == [
        "WARNING core.health [probe-0] readyz: the database is not ready: OperationalError: connection refused"]
