"""gunicorn settings of a deployment: `gunicorn -c config/gunicorn.conf.py config.wsgi` (environment variables tune it).

Workers are gthread workers: a client's kept-alive connection waits in the worker's poller, not in a thread,
so idle clients hold no worker (sync workers would be held by each until it sends or times out).
The application is imported once in the master and its objects are frozen out of the garbage collector before
the workers fork: the workers share those pages copy-on-write, and their collections walk only what requests
allocate. A larger first-generation threshold lets a request's short-lived objects die without a collection.
"""
import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "2"))
preload_app = True
GC_THRESHOLD = tuple(int(n) for n in os.environ.get("GUNICORN_GC_THRESHOLD", "7000,20,20").split(","))


def on_starting(server) -> None:
    gc.disable()  # no collections while the application loads: nothing of it is garbage


def pre_fork(server, worker) -> None:
    gc.freeze()


def post_fork(server, worker) -> None:
    gc.set_threshold(*GC_THRESHOLD)
    gc.enable()
