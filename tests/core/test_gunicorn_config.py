"""The gunicorn settings a deployment starts with (config/gunicorn.conf.py) load, with the application preloaded."""
import functools
import os
import selectors
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from django.conf import settings

from config import workers

ROOT = Path(settings.BASE_DIR)


def printed_config(**environment: str) -> dict[str, str]:
    """The settings gunicorn reads from the shipped config in this environment, after checking it loads the application
    (once per environment in a test process: the cases reading the defaults share one gunicorn's answer)."""
    return dict(_printed_config(tuple(sorted(environment.items()))))


@functools.cache
def _printed_config(environment: tuple[tuple[str, str], ...]) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("GUNICORN_")}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--print-config", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
         "config.wsgi:application"],
        cwd=ROOT, env=env | {"DJANGO_SETTINGS_MODULE": "config.settings.test"} | dict(environment), capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return {name.strip(): value.strip() for name, _, value in (line.partition("=") for line in result.stdout.splitlines())}


def test_the_shipped_gunicorn_config_is_valid_and_loads_the_application():
    printed = printed_config(WEB_CONCURRENCY="3", GUNICORN_THREADS="2")

    assert (printed["worker_class"], printed["workers"], printed["threads"], printed["preload_app"]) == ("config.workers.BalancedThreadWorker", "3", "2", "True")


def test_each_request_is_an_access_line_on_stdout_with_its_request_id():
    printed = printed_config()

    assert printed["accesslog"] == "-"
    assert "request_id=%({x-request-id}o)s" in printed["access_log_format"]


def test_the_access_line_names_the_path_without_its_query_string_where_a_search_names_a_mobile_number():
    logged_format = printed_config()["access_log_format"]

    assert '"%(m)s %(U)s %(H)s"' in logged_format
    assert not any(atom in logged_format for atom in ("%(r)s", "%(q)s", "{query_string}e"))


def test_a_gunicorn_opens_no_control_socket_where_a_second_one_would_take_it_over():
    assert printed_config()["control_socket_disable"] == "True"


def test_a_control_socket_named_for_the_server_is_opened_there():
    printed = printed_config(GUNICORN_CONTROL_SOCKET="/srv/gifts/var/web.ctl")

    assert (printed["control_socket_disable"], printed["control_socket"]) == ("False", "/srv/gifts/var/web.ctl")


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
    worker.cfg, worker.sockets, worker.poller = SimpleNamespace(threads=2, keepalive=2), [listener], selectors.DefaultSelector()
    worker.in_flight, worker._accepting, worker.nr_conns, worker.inline = 0, False, 0, False
    worker.tpool = SimpleNamespace(submit=lambda handle, conn: done)
    worker.method_queue = SimpleNamespace(defer=lambda *call: None)
    worker.set_accept_enabled(True)
    listening = lambda: any(key.fileobj is listener for key in worker.poller.get_map().values())  # noqa: E731
    assert listening()

    with socket.create_connection(listener.getsockname()), socket.create_connection(listener.getsockname()):
        worker.accept(listener)
        assert worker.in_flight == 1 and listening()  # one thread of two is busy
        worker.accept(listener)
        assert worker.in_flight == 2 and not listening()
        worker.set_accept_enabled(True)  # the worker's loop asks again while both threads are still busy
        assert not listening()

        done.set_result(False)  # a request finished and its connection is closed
        worker.finish_request(SimpleNamespace(close=lambda graceful=False: None), done)
        worker.set_accept_enabled(True)
        assert worker.in_flight == 1 and listening()
    listener.close()


def pid_reporting_app(environ, start_response):
    """Answers which worker process served the request."""
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def thread_reporting_app(environ, start_response):
    """Answers which thread served the request, and echoes its path (the WSGI app of the served-worker tests); reads
    the body of a POST first."""
    import threading

    length = int(environ.get("CONTENT_LENGTH") or 0)
    received = len(environ["wsgi.input"].read(length)) if length else 0
    served_on = "main" if threading.current_thread() is threading.main_thread() else "pool"
    body = f"{environ['PATH_INFO']} {served_on}{f' {received}' if received else ''}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@contextmanager
def serving(*options: str, app: str = "thread_reporting_app", env: dict[str, str] | None = None):
    """gunicorn with the deployment's worker class serving `app` of this module on a free port, yielding the port once
    it answers; the server stops on leaving. No control socket: gunicorn's default path is one per user, which servers
    started at once by other test processes would take over from each other."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--worker-class", "config.workers.BalancedThreadWorker",
         "--keep-alive", "5", "--no-control-socket", *options, f"tests.core.test_gunicorn_config:{app}"],
        cwd=ROOT, env=os.environ | (env or {}), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=10).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def served(threads: int, *options: str):
    """A connection to one worker of `serving`, with `threads` threads."""
    with serving("--workers", "1", "--threads", str(threads), *options) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            yield connection


def _answers(connection, count: int) -> list[str]:
    """The bodies of the next `count` responses on a kept-alive connection."""
    buffer, bodies = b"", []
    while len(bodies) < count:
        head, separator, rest = buffer.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), None)
        if separator and length is not None and len(rest) >= length:
            assert head.startswith(b"HTTP/1.1 200"), head
            bodies.append(rest[:length].decode())
            buffer = rest[length:]
            continue
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection"
        buffer += chunk
    return bodies


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()


def test_with_one_thread_the_worker_serves_kept_alive_and_pipelined_requests_on_its_own_thread():
    with served(1) as connection:
        connection.sendall(_get("/first"))
        assert _answers(connection, 1) == ["/first main"]
        connection.sendall(_get("/again"))  # the same kept-alive connection, back from the poller
        assert _answers(connection, 1) == ["/again main"]

        connection.sendall(b"".join(_get(f"/p{n}") for n in range(400)))  # sent behind one another before any answer
        assert _answers(connection, 400) == [f"/p{n} main" for n in range(400)]


def test_with_several_threads_the_worker_hands_requests_to_its_pool():
    with served(2) as connection:
        connection.sendall(_get("/first") + _get("/second"))
        assert _answers(connection, 2) == ["/first pool", "/second pool"]


def test_without_keep_alive_a_new_connection_is_still_answered():
    with served(1, "--keep-alive", "0") as connection:
        connection.sendall(_get("/once"))
        assert _answers(connection, 1) == ["/once main"]


def test_a_slow_upload_longer_than_the_timeout_is_answered_not_cut_off():
    """The worker's heartbeat goes on while its poller's thread reads a body arriving over a slow link."""
    with served(1, "--timeout", "2") as connection:
        connection.sendall(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4000\r\n\r\n")
        # 4 kB, the last 4.2 s on: past the latest moment the arbiter cuts off a worker that stopped telling it it lives
        # (its last word up to a second before the request, as its poller waits; the timeout; the arbiter looks once a
        # second), with time to spare on a loaded machine
        for kilobyte in range(4):
            if kilobyte:
                time.sleep(1.4)
            connection.sendall(b"x" * 1000)
        assert _answers(connection, 1) == ["/upload main 4000"]


def test_a_client_slow_to_send_its_first_request_is_answered_within_gthreads_wait():
    with served(1, "--keep-alive", "1") as connection:
        time.sleep(3)  # longer than the keep-alive, within gthread's wait for a first request (5 s, then the keep-alive)
        connection.sendall(_get("/late"))
        assert _answers(connection, 1) == ["/late main"]


def _until_every_worker_answers(port: int, count: int) -> None:
    """Wait until `count` workers have started, each having answered a connection of its own (closed again)."""
    seen, deadline = set(), time.monotonic() + 30
    while len(seen) < count:
        assert time.monotonic() < deadline, f"only {len(seen)} of {count} workers answered"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(_get("/"))
            seen.add(_answers(connection, 1)[0])
    time.sleep(0.5)  # every worker has seen its connection close


def test_kept_alive_connections_spread_evenly_over_the_workers():
    """A worker holding more connections than another leaves a new one to the others: eight clients on five workers sit
    two, two, two, one and one, not three or four on the worker that woke first (their requests would queue)."""
    with serving("--workers", "5", "--threads", "1", app="pid_reporting_app", env={"GUNICORN_ACCEPT_WAIT_MS": "100"}) as port:
        _until_every_worker_answers(port, 5)
        connections = []
        try:
            for _ in range(8):  # each stays open, kept alive, while the next one comes
                connection = socket.create_connection(("127.0.0.1", port), timeout=10)
                connections.append(connection)
                connection.sendall(_get("/"))
            workers = Counter(_answers(connection, 1)[0] for connection in connections)
        finally:
            for connection in connections:
                connection.close()

    assert sorted(workers.values()) == [1, 1, 2, 2, 2]


def test_the_workers_count_their_connections_where_the_others_see_them():
    """Each worker made by the master takes a slot of its own, a slot whose process is gone is taken again, and the
    fewest connections held count only the slots in use."""
    occupancy = workers.Occupancy()
    first, second = occupancy.claim(), occupancy.claim()
    assert (first, second) == (0, 1)
    occupancy.counts[first], occupancy.counts[second] = 3, 1
    assert occupancy.fewest() == 1

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    occupancy.pids[second] = gone.pid  # the worker of that slot has exited
    assert occupancy.claim() == second and occupancy.counts[second] == 0
    occupancy.pids[second] = 0  # given up by a worker stopping
    assert occupancy.fewest() == 3

    occupancy.pids[first] = 0  # given up as well: slot 0 is free
    occupancy.pids[second], occupancy.counts[second] = gone.pid, 1  # died holding one connection
    occupancy.pids[4], occupancy.counts[4] = os.getpid(), 2
    assert occupancy.claim() == first  # the next worker, in the lowest free slot
    occupancy.counts[first] = 5
    assert occupancy.fewest() == 2  # the dead worker's slot was freed: its one connection no longer counts


@pytest.fixture
def occupancy(monkeypatch):
    """A fresh table of connections per worker, as this test's master would have."""
    table = workers.Occupancy()
    monkeypatch.setattr(workers, "OCCUPANCY", table)
    return table


def made_worker(occupancy, *, reuse_port: bool = False, threads: int = 1) -> "workers.BalancedThreadWorker":
    """A worker made as the arbiter makes it, in this process standing for the master and then for the worker."""
    from gunicorn.config import Config

    cfg = Config()
    cfg.set("reuse_port", reuse_port)
    cfg.set("threads", threads)
    worker = workers.BalancedThreadWorker(1, os.getpid(), [], None, 30, cfg, SimpleNamespace())
    worker.poller = selectors.DefaultSelector()
    worker.pid = os.getpid()  # what the arbiter sets right after the fork
    return worker


@pytest.fixture
def holding_two(occupancy):
    """A worker holding two connections while another holds one, listening on a socket of its own; its new connections
    are collected in `worker.taken`."""
    listener = socket.create_server(("127.0.0.1", 0))
    worker = made_worker(occupancy)
    worker.sockets, worker.taken = [listener], []
    worker.nr_conns = 2
    occupancy.counts[occupancy.claim()] = 1  # another worker holds one connection
    worker.enqueue_req = worker.taken.append
    worker.set_accept_enabled(True)
    yield worker, listener
    for conn in worker.taken:
        conn.sock.close()
    listener.close()


def listening(worker, listener) -> bool:
    return any(key.fileobj is listener for key in worker.poller.get_map().values())


def test_a_worker_holding_more_connections_leaves_a_new_one_to_the_others_then_takes_it_if_still_waiting(holding_two, occupancy):
    worker, listener = holding_two
    assert listening(worker, listener)

    with socket.create_connection(listener.getsockname()):
        worker.accept(listener)
        assert worker.taken == [] and not listening(worker, listener)
        assert worker.leave_until - time.monotonic() <= workers.ACCEPT_WAIT
        worker.accept(listener)  # a second listener ready at the same moment: left to the others too
        worker.set_accept_enabled(True)  # the worker's loop asks again within the wait
        assert worker.taken == [] and not listening(worker, listener)

        worker.wait_for_and_dispatch_events(timeout=1.0)  # wakes when the wait is over
        worker.set_accept_enabled(True)
        assert listening(worker, listener)
        worker.accept(listener)  # the other worker did not take it
        assert len(worker.taken) == 1 and worker.nr_conns == 3 and occupancy.counts[worker.slot] == 3 and worker.leave_until is None


def test_a_worker_whose_wait_is_over_but_whose_threads_are_busy_sleeps_until_one_is_free(occupancy):
    """The poller does not spin while the worker may not listen yet: it waits as gthread does."""
    worker = made_worker(occupancy, threads=2)
    worker.in_flight, worker.leave_until = 2, time.monotonic() - 1  # both threads busy, the wait over

    started = time.monotonic()
    worker.wait_for_and_dispatch_events(timeout=0.2)

    assert time.monotonic() - started >= 0.15 and worker.leave_until is not None  # looked at again once it listens


def test_a_stopping_worker_gives_up_its_slot_and_waits_as_gthread_does(occupancy):
    worker = made_worker(occupancy)
    slot = worker.slot
    worker.nr_conns, worker.leave_until = 2, time.monotonic() - 1

    worker.alive = False  # a signal, or its last request served
    worker.nr_conns = 1  # a connection closed while it drains the others

    assert (occupancy.pids[slot], occupancy.counts[slot], worker.slot) == (0, 2, None)  # the slot is free for a new worker
    started = time.monotonic()
    worker.wait_for_and_dispatch_events(timeout=0.2)
    assert time.monotonic() - started >= 0.15


def test_the_master_marks_a_workers_slot_with_its_process_and_reuse_port_takes_no_slot(occupancy):
    worker = made_worker(occupancy)
    assert occupancy.pids[worker.slot] == os.getpid()

    assert made_worker(occupancy, reuse_port=True).slot is None  # its own socket: no other worker could take its connections
