"""Health endpoints for a load balancer or an orchestrator, answered before the Host check and the HTTPS redirect (a
balancer asks the backend's own address over plain HTTP):

- `/healthz`: the process is up and serving (no database, no broker): restart it when this fails;
- `/readyz`: the database answers a query and the broker (when one is configured) takes a connection within
  READY_BROKER_TIMEOUT seconds: send it requests only while this is 200; a 503 names what failed.

Workers have no HTTP endpoint: `celery -A config inspect ping` (docs/operations.md)."""
import logging

from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)

#: how long /readyz waits for the broker (seconds): well under a balancer's check interval
READY_BROKER_TIMEOUT = 2.0


def database_ready() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def broker_ready() -> None:
    from config.celery import app

    if app.conf.task_always_eager:  # no broker: tasks run in the web process
        return
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=0, timeout=READY_BROKER_TIMEOUT)


def readiness() -> list[str]:
    """The names of the services that failed to answer (none: ready)."""
    failed = []
    for name, check in (("database", database_ready), ("broker", broker_ready)):
        try:
            check()
        except Exception as error:
            logger.warning("readyz: the %s is not ready: %s: %s", name, type(error).__name__, error)
            failed.append(name)
    return failed


class HealthMiddleware:
    """Answers /healthz and /readyz itself, ahead of CommonMiddleware (which checks the Host) and the views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            failed = readiness()
            if failed:
                return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
            return JsonResponse({"status": "ok"})
        return self.get_response(request)
