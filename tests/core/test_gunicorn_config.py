"""The gunicorn settings a deployment starts with (config/gunicorn.conf.py) load, with the application preloaded."""
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_the_shipped_gunicorn_config_is_valid_and_loads_the_application():
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings.test", "WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "2"}

    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--print-config", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
         "config.wsgi:application"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stderr
    printed = {name.strip(): value.strip() for name, _, value in (line.partition("=") for line in result.stdout.splitlines())}
    assert (printed["worker_class"], printed["workers"], printed["threads"], printed["preload_app"]) == ("config.workers.BalancedThreadWorker", "3", "2", "True")


def test_a_worker_whose_threads_are_all_busy_takes_no_new_connection_until_one_is_free():
    """Connections go to idle workers: a busy worker stops listening, and listens again once a request is done."""
    import selectors
    import socket
    from concurrent.futures import Future
    from types import SimpleNamespace

    from config.workers import BalancedThreadWorker

    listener = socket.create_server(("127.0.0.1", 0))
    worker = BalancedThreadWorker.__new__(BalancedThreadWorker)  # its state, without gunicorn's arbiter
    done = Future()
    worker.cfg, worker.sockets, worker.poller = SimpleNamespace(threads=1, keepalive=2), [listener], selectors.DefaultSelector()
    worker.in_flight, worker._accepting, worker.nr_conns = 0, False, 0
    worker.tpool = SimpleNamespace(submit=lambda handle, conn: done)
    worker.method_queue = SimpleNamespace(defer=lambda *call: None)
    worker.set_accept_enabled(True)
    listening = lambda: any(key.fileobj is listener for key in worker.poller.get_map().values())  # noqa: E731
    assert listening()

    with socket.create_connection(listener.getsockname()):
        worker.accept(listener)
        assert worker.in_flight == 1 and not listening()
        worker.set_accept_enabled(True)  # the worker's loop asks again while the thread is still busy
        assert not listening()

        done.set_result(False)  # the request finished and the connection is closed
        worker.finish_request(SimpleNamespace(close=lambda graceful=False: None), done)
        worker.set_accept_enabled(True)
        assert worker.in_flight == 0 and listening()
    listener.close()
