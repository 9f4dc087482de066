"""The gunicorn worker of a deployment (config/gunicorn.conf.py)."""
from gunicorn.workers.gthread import ThreadWorker


class BalancedThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, taking a new connection only while one of its threads is free.

    gthread's poller accepts connections whatever its threads are doing, so the worker that wakes first can collect
    most of the clients' kept-alive connections and answer them one after another while the other workers stand idle
    (six of eight clients queued on one worker was seen). Here a worker whose threads are all busy leaves new
    connections to an idle worker; the connections it already holds stay, answered in turn as before.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_flight = 0  # requests handed to the thread pool and not finished

    def enqueue_req(self, conn):
        self.in_flight += 1
        if self.in_flight >= self.cfg.threads:
            super().set_accept_enabled(False)
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self.in_flight -= 1
        super().finish_request(conn, fs)  # the worker's loop then asks to accept again (set_accept_enabled below)

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled and self.in_flight < self.cfg.threads)
