"""The gunicorn worker of a deployment (config/gunicorn.conf.py)."""
import selectors
import threading
import time
from collections import deque
from concurrent import futures
from functools import partial

from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, ThreadWorker


def _done(result) -> futures.Future:
    future = futures.Future()
    future.set_result(result)
    return future


class BalancedThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, taking a new connection only while one of its threads is free.

    gthread's poller accepts connections whatever its threads are doing, so the worker that wakes first can collect
    most of the clients' kept-alive connections and answer them one after another while the other workers stand idle
    (six of eight clients queued on one worker was seen). Here a worker whose threads are all busy leaves new
    connections to an idle worker; the connections it already holds stay, answered in turn as before.

    With one thread (the deployment's default) the request is served on the poller's own thread: handing it to a
    pool of one and back costs two thread switches and a pipe write per request, and the poller has nothing else to
    do meanwhile. Such a worker polls, and so accepts, only while it is free. Its heartbeat to the arbiter comes from
    a thread of its own meanwhile, so a slow upload or a long request is treated as in gthread (the arbiter's timeout
    does not cut it). TLS and cleartext HTTP/2 (a handshake, a connection served for its whole life) keep the pool.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_flight = 0  # requests handed to the thread pool and not finished
        self.ready = deque()  # connections with a request to serve on this thread (one thread)
        self.inline = self.cfg.threads == 1 and not self.cfg.is_ssl and self.cfg.http2_cleartext == "off"

    def run(self):
        if self.inline:
            threading.Thread(target=self.beat, name="heartbeat", daemon=True).start()
        super().run()

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
        super().set_accept_enabled(enabled and self.in_flight < self.cfg.threads)

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
