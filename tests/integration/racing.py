"""Two steps racing on two PostgreSQL connections, in a fixed order: the first is held at a point of its work, its locks
taken and its writes not committed, while the second runs into it; the first is let go once the second waits on a lock
(or is done, when nothing made it wait)."""
import threading
import time

from django.db import connections

WAIT_SECONDS = 30


class Step(threading.Thread):
    """`work()` in its own thread, hence on its own database connection (closed when done); its result or error kept."""

    def __init__(self, work) -> None:
        super().__init__(daemon=True)
        self.work, self.result, self.error = work, None, None

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as exc:  # the test looks at it
            self.error = exc
        finally:
            connections.close_all()


def lock_waiters() -> int:
    """Backends of this database waiting for a row or table lock right now."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def hold(monkeypatch, module, name: str) -> tuple[threading.Event, threading.Event]:
    """`module.name` patched so that its first call stops until `go` is set, having set `reached`: (reached, go)."""
    reached, go, real = threading.Event(), threading.Event(), getattr(module, name)

    def held(*args, **kwargs):
        if not reached.is_set():
            reached.set()
            assert go.wait(WAIT_SECONDS), f"{name} was never let go"
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    return reached, go


def run_into(first, held: tuple[threading.Event, threading.Event], second) -> tuple[Step, Step]:
    """Run `first` until it reaches its hold (`hold`), then `second` until it waits on a lock or is done; then let
    `first` go. Both steps, finished."""
    reached, go = held
    steps = Step(first), Step(second)
    steps[0].start()
    assert reached.wait(WAIT_SECONDS) or steps[0].error, "the first step never reached its hold"
    assert steps[0].error is None, steps[0].error
    steps[1].start()
    deadline = time.monotonic() + WAIT_SECONDS
    while steps[1].is_alive() and not lock_waiters() and time.monotonic() < deadline:
        time.sleep(0.02)
    go.set()
    for step in steps:
        step.join(WAIT_SECONDS)
    assert not any(step.is_alive() for step in steps), f"a step did not finish within {WAIT_SECONDS} s"
    return steps


class Background(Step):
    """A step started at once, named for the message when it does not finish."""

    def __init__(self, work, *, name: str = "") -> None:
        super().__init__(work)
        self.name = name or self.name
        self.start()

    def finished(self):
        """What `work()` returned, once it has; its exception re-raised."""
        self.join(WAIT_SECONDS)
        assert not self.is_alive(), f"{self.name} did not finish within {WAIT_SECONDS} s"
        if self.error is not None:
            raise self.error
        return self.result


def until(condition) -> None:
    """Wait until `condition()` holds (polled; the test's own connection, outside any transaction, sees locks now)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {WAIT_SECONDS} s"
        time.sleep(0.02)
