"""Health endpoints for a load balancer or an orchestrator, answered before the Host check and the HTTPS redirect (a
balancer asks the backend's own address over plain HTTP):

- `/healthz`: the process is up and serving (no database, no broker): restart it when this fails;
- `/readyz`: the database answers a query, the broker (when one is configured) takes a connection within
  READY_BROKER_TIMEOUT seconds and the shared cache (when CACHE_URL is set: sign-ins count their failures there, so
  none can be made without it) answers a read: send it requests only while this is 200; a 503 names what failed. The answer is
  kept READY_CACHED_FOR in the process, so that however often it is asked the services are checked once a second.

Workers have no HTTP endpoint: `celery -A config inspect ping` (docs/operations.md)."""
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)

#: how long /readyz waits for the broker (seconds): well under a balancer's check interval
READY_BROKER_TIMEOUT = 2.0
#: how long a process answers /readyz from its last check (seconds)
READY_CACHED_FOR = 1.0


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


def cache_ready() -> None:
    if "locmem" in settings.CACHES["default"]["BACKEND"]:  # no CACHE_URL: the process's own memory
        return
    cache.get("readyz")


def readiness() -> list[str]:
    """The names of the services that failed to answer (none: ready)."""
    failed = []
    for name, check in (("database", database_ready), ("broker", broker_ready), ("cache", cache_ready)):
        try:
            check()
        except Exception as error:
            logger.warning("readyz: the %s is not ready: %s: %s", name, type(error).__name__, error)
            failed.append(name)
    return failed


class CachedReadiness:
    """`readiness` checked at most once per READY_CACHED_FOR in the process; a request arriving while it is checked
    waits for that check instead of starting another."""

    clock = staticmethod(time.monotonic)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self._checked_at, self._failed = None, []

    def __call__(self) -> list[str]:
        with self._lock:
            if self._checked_at is None or self.clock() - self._checked_at >= READY_CACHED_FOR:
                self._failed, self._checked_at = readiness(), self.clock()
            return list(self._failed)


READINESS = CachedReadiness()


class HealthMiddleware:
    """Answers /healthz and /readyz itself, ahead of CommonMiddleware (which checks the Host) and the views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            failed = READINESS()
            if failed:
                response = JsonResponse({"status": "unavailable", "failed": failed}, status=503)
                # the failure is this module's warning, once per check: not an ERROR line of django.request per probe
                response._has_been_logged = True
                return response
            return JsonResponse({"status": "ok"})
        return self.get_response(request)
