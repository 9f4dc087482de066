"""gunicorn settings of a deployment: `gunicorn -c config/gunicorn.conf.py config.wsgi` (environment variables tune it).

Workers are gthread workers: a client's kept-alive connection waits in the worker's poller, not in a thread,
so idle clients hold no worker (sync workers would be held by each until it sends or times out). They take a
new connection only while a thread is free (`config.workers.BalancedThreadWorker`), so connections spread over
the workers instead of queueing on the one that woke first, and first to the worker holding the fewest; with one
thread (the default) a worker serves on its poller's own thread.
The application, URLs and views included, is imported once in the master and frozen out of the garbage
collector before the workers fork: the workers share those pages copy-on-write, and their collections walk
only what requests allocate. A larger first-generation threshold lets a request's short-lived objects die
without a collection.
"""
import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * len(os.sched_getaffinity(0)) + 1))  # the CPUs this process may use
worker_class = "config.workers.BalancedThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "2"))
preload_app = True
# one access line per request on stdout, with the request id the application echoes (core.logs.RequestId), so that
# the request's own log lines can be found: client (the proxy's X-Forwarded-For), time, request, status, bytes, duration.
# The request is its method, path and protocol without the query string: a search names a member's mobile number (§4.13)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = ('%({x-forwarded-for}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s')
# gunicorn's control socket (for `gunicornc`) defaults to one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl),
# which a second gunicorn of the same user would take over: none unless GUNICORN_CONTROL_SOCKET names one for this server
CONTROL_SOCKET = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not CONTROL_SOCKET
if CONTROL_SOCKET:
    control_socket = CONTROL_SOCKET
GC_THRESHOLD = tuple(int(n) for n in os.environ.get("GUNICORN_GC_THRESHOLD", "7000,20,20").split(","))


def when_ready(server) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — import every view before the workers fork


def pre_fork(server, worker) -> None:
    from django.db import connections

    connections.close_all()  # a connection opened in the master must not be shared by the workers
    gc.freeze()


def post_fork(server, worker) -> None:
    gc.set_threshold(*GC_THRESHOLD)
