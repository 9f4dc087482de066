"""The environment alone switches the deployment: SQLite or PostgreSQL, eager tasks or a broker, dev or production.

Each case runs in a process of its own, because settings are read once per process: forked, with the case's
environment, from one that has imported the libraries but read no settings (tests/core/forked_python.py).
"""
import atexit
import json
import os
import re
import secrets
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest
import reportlab

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
#: Variables the settings read; scrubbed so that the caller's environment (e.g. `make test-postgres`) cannot leak in.
SETTINGS_ENV_PREFIXES = (
    "DJANGO_", "DATABASE_URL", "DB_CONN_MAX_AGE", "SQLITE_PATH", "CELERY_", "SMS_", "MEDIA_ROOT", "TEST_BROKER_URL",
    "STATEMENT_PDF_", "LOGIN_", "CACHE_URL",
)
#: A font file to embed in statement PDFs, as a deployment sets one (reportlab's own: a stand-in without Chinese glyphs).
FONT = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"

# Loads the settings as manage.py, wsgi.py and config/celery.py do, and prints what they amount to.
PROBE = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
import django
django.setup()
from django.conf import settings
from django.db import connection
from config.celery import app

db = settings.DATABASES["default"]
seen = {
    "engine": db["ENGINE"],
    "transaction_mode": db.get("OPTIONS", {}).get("transaction_mode"),
    "connect_timeout": db.get("OPTIONS", {}).get("connect_timeout"),
    "task_always_eager": app.conf.task_always_eager,
    "broker_url": app.conf.broker_url,
    "time_zone": settings.TIME_ZONE,
    "use_tz": settings.USE_TZ,
    "language_code": settings.LANGUAGE_CODE,
}
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        seen["journal_mode"] = cursor.fetchone()[0]
print(json.dumps(seen))
"""


TIMEOUT = 60  # seconds a case may take


class Forker:
    """`python ARGS` in an environment of its own: a request to the forking process, started at its first use in a test
    process (this module's tests and the other modules that import `run`) and stopped when that process ends."""
    process: subprocess.Popen | None = None

    def run(self, args: list[str], env: dict[str, str], output: Path) -> subprocess.CompletedProcess:
        if self.process is None:
            clean = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_ENV_PREFIXES)}
            self.process = subprocess.Popen([str(PYTHON), str(Path(__file__).with_name("forked_python.py"))], cwd=ROOT, env=clean,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            atexit.register(self.stop)
        out, err = output / "stdout", output / "stderr"
        self.process.stdin.write(json.dumps({"args": args, "env": env, "stdout": str(out), "stderr": str(err), "timeout": TIMEOUT}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, "the forking process stopped"
        returncode = json.loads(answer)["returncode"]
        if returncode == -signal.SIGALRM:  # the child's timeout ended it
            raise subprocess.TimeoutExpired(args, TIMEOUT, out.read_text(), err.read_text())
        return subprocess.CompletedProcess(args, returncode, out.read_text(), err.read_text())

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


FORKER = Forker()


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_ENV_PREFIXES)}
    clean["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    clean.update(env)
    return FORKER.run(args, clean, Path(tempfile.mkdtemp(dir=tmp_path)))


def settings_seen(tmp_path: Path, **env: str) -> dict:
    result = run(["-c", PROBE], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_by_default_the_app_runs_on_sqlite_in_wal_mode_with_eager_tasks_in_shanghai_time_and_chinese(tmp_path):
    seen = settings_seen(tmp_path)

    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["journal_mode"] == "wal"
    assert seen["transaction_mode"] == "IMMEDIATE"
    assert seen["task_always_eager"] is True
    assert (seen["time_zone"], seen["use_tz"], seen["language_code"]) == ("Asia/Shanghai", True, "zh-hans")


def test_a_postgres_database_url_switches_the_app_to_postgresql(tmp_path):
    seen = settings_seen(tmp_path, DATABASE_URL="postgres://giftpoints:secret@db.example.com:5432/giftpoints")

    assert seen["engine"] == "django.db.backends.postgresql"
    assert seen["transaction_mode"] is None


@pytest.mark.parametrize(("env", "timeout"), [({}, 5), ({"DB_CONNECT_TIMEOUT": "2"}, 2)])
def test_a_postgresql_connection_gives_up_after_a_few_seconds_when_the_server_does_not_answer(tmp_path, env, timeout):
    postgres = settings_seen(tmp_path, DATABASE_URL="postgres://giftpoints:secret@db.example.com:5432/giftpoints", **env)

    assert postgres["connect_timeout"] == timeout
    assert settings_seen(tmp_path, **env)["connect_timeout"] is None  # SQLite has no such option


def test_a_broker_url_turns_eager_tasks_off_and_sends_them_to_the_broker(tmp_path):
    seen = settings_seen(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/3")

    assert seen["task_always_eager"] is False
    assert seen["broker_url"] == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize("secret_key", [None, "x" * 49], ids=["missing", "too-short"])
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, secret_key):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "DJANGO_ALLOWED_HOSTS": "example.com",
           "LOGISTICS_WEBHOOK_SECRET": "w" * 40}
    if secret_key is not None:
        env["DJANGO_SECRET_KEY"] = secret_key

    result = run(["-c", PROBE], tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set" in result.stderr


def production_env(**more) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "LOGISTICS_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    } | more


#: The project's own deployment checks (core/checks.py, settlement/checks.py), for the cases about their warnings: the
#: whole checklist, which also generates the API schema (drf-spectacular's check, seconds), runs in the case that passes it.
OWN_CHECKS = ["--tag", "core", "--tag", "settlement"]
#: A deployment's services, as its environment file names them (the checks connect to none of them); the SMS gateway's
#: class a stand-in implementing `send` (tests/gateway_stand_in.py), as in `make check-deploy`.
SERVICES = {"DATABASE_URL": "postgres://app@db.example.com:5432/gifts", "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
            "CACHE_URL": "redis://redis.example.com:6379/2", "SMS_BACKEND": "tests.gateway_stand_in.GatewayStandIn"}


def test_production_with_a_secret_key_allowed_hosts_its_services_and_a_statement_font_passes_the_deployment_checklist(tmp_path):
    env = production_env(STATEMENT_PDF_FONT=str(FONT), **SERVICES)

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(("unset", "warning"), [("DATABASE_URL", "core.W001"), ("CELERY_BROKER_URL", "core.W002"), ("CACHE_URL", "core.W003"),
                                             ("SMS_BACKEND", "core.W004")])
def test_production_without_its_database_broker_shared_cache_or_sms_gateway_is_warned_about(tmp_path, unset, warning):
    env = production_env(STATEMENT_PDF_FONT=str(FONT), **{name: url for name, url in SERVICES.items() if name != unset})

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING", *OWN_CHECKS], tmp_path, **env)

    assert result.returncode != 0
    assert re.findall(r"\(((?:core|settlement)\.W\d+)\)", result.stderr) == [warning], result.stderr


@pytest.mark.parametrize(("sms_backend", "expected"), [
    ("core.notifications.backends.ConsoleBackend", ["core.W004"]),
    ("gateways.NoSuchGateway", ["core.E001"]),
    ("core.notifications.backends.Backend", ["core.E002"]),  # the interface: every send would raise NotImplementedError
])
def test_production_with_an_sms_backend_texting_nobody_is_warned_about_and_one_that_cannot_be_imported_refused(tmp_path, sms_backend, expected):
    env = production_env(STATEMENT_PDF_FONT=str(FONT), **SERVICES | {"SMS_BACKEND": sms_backend})

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING", *OWN_CHECKS], tmp_path, **env)

    assert result.returncode != 0
    assert re.findall(r"\(((?:core|settlement)\.[WE]\d+)\)", result.stderr) == expected, result.stderr
    assert sms_backend in result.stderr


def test_production_without_a_statement_font_is_warned_about_but_not_refused(tmp_path):
    env = production_env()

    warned = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING", *OWN_CHECKS], tmp_path, **env)
    passed = run(["manage.py", "check", "--deploy", *OWN_CHECKS], tmp_path, **env)

    assert warned.returncode != 0 and "settlement.W001" in warned.stderr
    assert passed.returncode == 0 and "settlement.W001" in passed.stderr + passed.stdout


def test_production_refuses_to_start_without_a_webhook_secret(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "DJANGO_ALLOWED_HOSTS": "example.com",
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(45)}

    result = run(["-c", PROBE], tmp_path, **env)

    assert result.returncode != 0
    assert "LOGISTICS_WEBHOOK_SECRET must be set" in result.stderr


CLIENT_PROBE = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
import django
django.setup()
from django.test import RequestFactory
from core.login import _client_address
request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
print(_client_address(request))
"""


def test_production_limits_failed_sign_ins_by_the_client_address_its_proxy_appended_not_the_proxys_own(tmp_path):
    behind_proxy = run(["-c", CLIENT_PROBE], tmp_path, **production_env())
    without_proxy = run(["-c", CLIENT_PROBE], tmp_path, **production_env(LOGIN_CLIENT_ADDRESS_HEADER=""))

    assert behind_proxy.returncode == 0, behind_proxy.stderr
    assert behind_proxy.stdout.strip().splitlines()[-1] == "198.51.100.7"
    assert without_proxy.stdout.strip().splitlines()[-1] == "10.0.0.2"


#: Starts the app as gunicorn (`config.wsgi`) or a Celery worker (`celery -A config`) does, and prints whether it debugs.
SERVER_PROBE = """
import sys
if sys.argv[1] == "wsgi":
    import config.wsgi
else:
    import django
    from config.celery import app
    django.setup()
from django.conf import settings
print(settings.DEBUG, settings.SECRET_KEY.startswith("dev-only"))
"""


@pytest.mark.parametrize("entry", ["wsgi", "celery"])
def test_a_server_or_worker_started_without_a_settings_module_refuses_to_start_without_the_deployments_secrets(tmp_path, entry):
    result = run(["-c", SERVER_PROBE, entry], tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("entry", ["wsgi", "celery"])
def test_a_server_or_worker_given_the_deployments_secrets_but_no_settings_module_runs_without_debugging(tmp_path, entry):
    env = {name: value for name, value in production_env().items() if name != "DJANGO_SETTINGS_MODULE"}

    result = run(["-c", SERVER_PROBE, entry], tmp_path, **env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_manage_py_still_runs_the_development_settings_without_a_settings_module(tmp_path):
    result = run(["manage.py", "shell", "-c", "from django.conf import settings; print(settings.DEBUG)"], tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


#: Starts a worker or beat as `celery -A config worker|beat` does.
CELERY_COMMAND = """
import sys
from celery.__main__ import main
sys.argv = ["celery", "-A", "config", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("command", [["worker", "--pool", "solo"], ["beat", "--schedule"]], ids=["worker", "beat"])
def test_a_worker_or_beat_without_a_broker_url_refuses_to_start_naming_it(tmp_path, command):
    if command[0] == "beat":
        command = [*command, str(tmp_path / "celerybeat-schedule")]

    result = run(["-c", CELERY_COMMAND, *command], tmp_path, **production_env())

    assert result.returncode != 0
    assert "CELERY_BROKER_URL must be set for a Celery worker or beat" in result.stderr


@pytest.mark.parametrize("command", [["relay_notifications"], ["verify_data", "--json"]])
def test_a_deployments_relay_or_data_check_without_a_settings_module_stops_at_once_without_creating_a_database(tmp_path, command):
    result = run(["manage.py", *command], tmp_path)

    assert result.returncode == 2  # not 1: verify_data's "a check failed"
    assert "CommandError: this runs on development settings (config.settings.base, DEBUG on)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()
    if "--json" in command:
        assert "--allow-dev-settings" in json.loads(result.stdout)["error"]

