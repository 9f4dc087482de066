"""The gunicorn worker of a deployment (config/gunicorn.conf.py)."""
import os
import selectors
import threading
import time
from collections import deque
from concurrent import futures
from functools import partial
from multiprocessing.sharedctypes import RawArray

from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, ThreadWorker

#: How long a worker leaves a new connection to a worker holding fewer, per connection it holds more (seconds), and
#: at most: long enough for an idle worker to wake on two busy CPUs, short enough if every other worker is busy.
ACCEPT_WAIT = float(os.environ.get("GUNICORN_ACCEPT_WAIT_MS", "10")) / 1000
ACCEPT_WAIT_MAX = 5 * ACCEPT_WAIT


class Occupancy:
    """How many connections each worker of this server holds open, in memory the master shares with the workers it
    forks: a slot per worker, taken by the master when it makes the worker (before the fork) and marked with the
    worker's process as soon as it is forked; given up when the worker starts to stop, or found free when its process
    is gone."""

    SLOTS = 256  # workers counted at once; any beyond take connections as gthread does

    def __init__(self) -> None:
        self.pids = RawArray("q", self.SLOTS)  # the worker's process, the master's until the worker has started; 0: free
        self.counts = RawArray("q", self.SLOTS)

    def claim(self) -> int | None:
        """A free slot for a worker about to be forked (the master makes its workers one at a time, and a new one after
        any has died); the slots of workers whose process is gone are freed first, so their counts no longer count."""
        for slot, pid in enumerate(self.pids):
            if pid and not _alive(pid):
                self.pids[slot] = 0
        for slot, pid in enumerate(self.pids):
            if pid == 0:
                self.pids[slot], self.counts[slot] = os.getpid(), 0
                return slot
        return None

    def fewest(self) -> int:
        """The fewest connections a worker holds."""
        return min((count for pid, count in zip(self.pids, self.counts) if pid), default=0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user took the number over: the worker is gone
        return False
    return True


OCCUPANCY = Occupancy()  # made where the worker class is imported: in the master, before any worker is forked


def _done(result) -> futures.Future:
    future = futures.Future()
    future.set_result(result)
    return future


class BalancedThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, taking a new connection only while one of its threads is free, and first where the
    fewest connections are open.

    gthread's poller accepts connections whatever its threads are doing, so the worker that wakes first can collect
    most of the clients' kept-alive connections and answer them one after another while the other workers stand idle
    (six of eight clients queued on one worker was seen). Here a worker whose threads are all busy leaves new
    connections to an idle worker; the connections it already holds stay, answered in turn as before.

    A kept-alive connection stays with the worker that took it, so connections are also spread by count: a worker
    holding more than the one holding fewest leaves a new connection to the others for ACCEPT_WAIT per connection
    more (ACCEPT_WAIT_MAX at most), then takes it if it is still waiting (the others may be busy). Eight clients on
    five workers then sit two, two, two, one and one, where the first to wake used to take three or four of them,
    whose requests queued behind one another while other workers stood idle. With `reuse_port` each worker has a
    socket of its own, which no other worker can accept from, and the worker takes its connections as gthread does.

    With one thread (the deployment's default) the request is served on the poller's own thread: handing it to a
    pool of one and back costs two thread switches and a pipe write per request, and the poller has nothing else to
    do meanwhile. Such a worker polls, and so accepts, only while it is free. Its heartbeat to the arbiter comes from
    a thread of its own meanwhile, so a slow upload or a long request is treated as in gthread (the arbiter's timeout
    does not cut it). TLS and cleartext HTTP/2 (a handshake, a connection served for its whole life) keep the pool.
    """

    slot = None  # in OCCUPANCY; None: the worker takes connections as gthread does
    leave_until = None  # the moment this worker takes the new connection it left to others, if still waiting
    _nr_conns = 0
    _pid = None
    _alive = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.cfg.reuse_port:
            self.slot = OCCUPANCY.claim()  # in the master, which forks the worker next
        self.in_flight = 0  # requests handed to the thread pool and not finished
        self.ready = deque()  # connections with a request to serve on this thread (one thread)
        self.inline = self.cfg.threads == 1 and not self.cfg.is_ssl and self.cfg.http2_cleartext == "off"

    @property
    def nr_conns(self) -> int:
        """The connections the worker holds open (gthread's count), shown to the other workers."""
        return self._nr_conns

    @nr_conns.setter
    def nr_conns(self, value: int) -> None:
        self._nr_conns = value
        if self.slot is not None:
            OCCUPANCY.counts[self.slot] = value

    @property
    def pid(self):
        return self._pid

    @pid.setter
    def pid(self, value) -> None:
        """The arbiter sets the worker's process in the master right after the fork, and the worker in itself."""
        self._pid = value
        if self.slot is not None and isinstance(value, int):
            OCCUPANCY.pids[self.slot] = value

    @property
    def alive(self) -> bool:
        return self._alive

    @alive.setter
    def alive(self, value: bool) -> None:
        """A worker that starts to stop (a signal, its last request) takes no connection any more: it gives up its slot,
        so that the others no longer leave new connections to it."""
        self._alive = value
        if not value:
            self._give_up_slot()

    def _give_up_slot(self) -> None:
        slot = self.slot
        if slot is not None and OCCUPANCY.pids[slot] == os.getpid():  # in the worker, not in the master
            self.slot = None  # the master may give the slot to a new worker: no count is written to it any more
            OCCUPANCY.pids[slot] = 0

    def run(self):
        if self.inline:
            threading.Thread(target=self.beat, name="heartbeat", daemon=True).start()
        try:
            super().run()
        finally:
            self._give_up_slot()

    def beat(self):
        """Tell the arbiter the worker lives while the poller's thread serves a request (the poller tells it between)."""
        interval = max(self.timeout / 4, 0.5) if self.timeout else 1.0
        while self.alive:
            self.notify()
            time.sleep(interval)

    def enqueue_req(self, conn):
        if self.inline:
            return self.serve_inline(conn)
        self.in_flight += 1
        if self.in_flight >= self.cfg.threads:
            super().set_accept_enabled(False)
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self.in_flight -= 1
        super().finish_request(conn, fs)  # the worker's loop then asks to accept again (set_accept_enabled below)

    def set_accept_enabled(self, enabled):
        leaving = self.leave_until is not None and time.monotonic() < self.leave_until
        super().set_accept_enabled(enabled and not leaving and self.in_flight < self.cfg.threads)

    def accept(self, listener):
        """Take a new connection, unless workers holding fewer may take it: then look again after a while."""
        more = 0 if self.slot is None else self.nr_conns - OCCUPANCY.fewest()
        if more > 0:
            now = time.monotonic()
            if self.leave_until is None:
                self.leave_until = now + min(more * ACCEPT_WAIT, ACCEPT_WAIT_MAX)
            if now < self.leave_until:  # also for a second listener ready at the same moment
                self.set_accept_enabled(False)
                return
        self.leave_until = None
        super().accept(listener)

    def wait_for_and_dispatch_events(self, timeout):
        """Wait as gthread does, waking when a connection left to others is to be looked at again; once this worker has
        listened again, a connection no longer waiting was taken by another."""
        leave_until = self.leave_until
        if leave_until is not None and self.alive:  # a stopping worker never listens again: it waits as gthread does
            remaining = leave_until - time.monotonic()
            if remaining > 0:  # once over, the worker listens as soon as it may (its threads may all be busy)
                timeout = min(timeout, remaining)
        super().wait_for_and_dispatch_events(timeout)
        if leave_until is not None and self._accepting:
            self.leave_until = None

    def serve_inline(self, conn):
        """Serve the connection's request, then any request the client already sent behind it (finish_request hands
        those back here), one after another rather than recursively. A new connection waits for its first request in
        the poller, not in a blocking read."""
        if not (conn.initialized or conn.data_ready):
            return self.park(conn)
        self.ready.append(conn)
        if len(self.ready) > 1:  # called back from finish_request below: the loop serves it next
            return None
        while self.ready:
            conn = self.ready[0]
            self.in_flight += 1
            self.finish_request(conn, _done(self.handle(conn)))  # handle() answers every error itself
            self.ready.popleft()
        return None

    def park(self, conn):
        """Wait in the poller for a new connection's first request as long as gthread would (its thread's data timeout,
        then the keep-alive in its poller), also while the worker stops: the request is then answered with
        "Connection: close"."""
        conn.sock.setblocking(False)
        conn.timeout = time.monotonic() + DEFAULT_WORKER_DATA_TIMEOUT + self.cfg.keepalive
        self.pending_conns.append(conn)  # every parked connection waits as long: the deque stays in timeout order
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))
