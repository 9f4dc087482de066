"""Beat jobs that work through many items (lots, shipments, qualifications): each item in a transaction of its own,
and one item's failure never stops the others. The item that failed is logged (`logger.exception`, naming the job and
the item) and left as it was, so the next run tries it again; whatever marks an item done (a claimed timestamp, a
transition) is in its transaction, so a second run does nothing twice.

Operators see what failed (`JobFailure`, on their home page and in the admin): one row per job and item, written here
and, for a task that fails as a whole, by the `task_failure` handler below; resolved when the item next succeeds or is
no longer due, and a task's when it next succeeds."""
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from celery.signals import task_failure, task_success
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import JobFailure

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: the failures listed on an operator's home page, latest first
RECENT_FAILURES = 10


class ItemsDone(list):
    """What `run_each` returns: the results of the items done (a list), and `failed`, the keys of the items that raised."""

    def __init__(self) -> None:
        super().__init__()
        self.failed: list[str] = []


def item_key(item: Any) -> str:
    """An item's name in the log and in `JobFailure`: `app.model:pk` for a model instance, the value itself for an id."""
    meta = getattr(item, "_meta", None)
    return f"{meta.label_lower}:{item.pk}" if meta is not None else str(item)


def run_each(
    items: Iterable[T], work: Callable[[T], R | None], *, job: str, now: datetime, key: Callable[[T], str] = item_key,
) -> ItemsDone:
    """Call `work(item)` for each item in a transaction (a savepoint inside another) of its own, collecting what it
    returns (None: nothing done, not collected). An item whose work raises is rolled back, logged with its traceback
    under `job` and its key, recorded as a `JobFailure` and counted in `failed`, and the run goes on with the next one.
    At the end, the job's failures of items that succeeded or were no longer due are resolved."""
    done = ItemsDone()
    for item in items:
        try:
            with transaction.atomic():
                result = work(item)
        except Exception as error:
            name = key(item)
            logger.exception("job %s: item %s failed and is left for the next run", job, name)
            record_failure(job=job, item=name, error=error, at=now)
            done.failed.append(name)
            continue
        if result is not None:
            done.append(result)
    if done.failed:
        logger.warning("job %s: %s item(s) failed: %s", job, len(done.failed), ", ".join(done.failed[:20]))
    JobFailure.objects.filter(job=job, resolved_at__isnull=True).exclude(item__in=done.failed).update(resolved_at=now)
    return done


def record_failure(*, job: str, item: str, error: BaseException, at: datetime) -> None:
    """Record that `item` of `job` failed with `error` (one row per job and item: counted again while unresolved,
    reopened once resolved). A failure to record is logged, never raised: the job goes on."""
    fields = {"error_class": f"{type(error).__module__}.{type(error).__qualname__}"[:200], "message": str(error)[:2000],
              "last_failed_at": at}
    try:
        with transaction.atomic():
            if not JobFailure.objects.filter(job=job, item=item, resolved_at__isnull=True).update(failures=F("failures") + 1, **fields):
                JobFailure.objects.update_or_create(job=job, item=item,
                                                    defaults=fields | {"first_failed_at": at, "failures": 1, "resolved_at": None})
    except Exception:
        logger.exception("job %s: the failure of item %s could not be recorded", job, item)


def call_label(args, kwargs) -> str:
    """A task call's arguments as its item (empty for a beat task, which takes none)."""
    parts = [repr(arg) for arg in args or ()] + [f"{name}={value!r}" for name, value in sorted((kwargs or {}).items())]
    return ", ".join(parts)[:200]


@task_failure.connect
def record_task_failure(sender=None, exception=None, args=None, kwargs=None, **_signal) -> None:
    """A task that failed as a whole (its exception escaped): recorded under the task's name and its arguments."""
    record_failure(job=sender.name[:100], item=call_label(args, kwargs), error=exception, at=timezone.now())


@task_success.connect
def resolve_task_failure(sender=None, **_signal) -> None:
    """A task that succeeded resolves its earlier failure with the same arguments, if any."""
    request = sender.request
    try:
        JobFailure.objects.filter(job=sender.name[:100], item=call_label(request.args, request.kwargs), resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
    except Exception:
        logger.exception("task %s: its earlier failure could not be resolved", sender.name)


def open_failures(user) -> dict | None:
    """The unresolved job failures, the latest RECENT_FAILURES of them and how many in all, or None when there are none
    (the operator home page's panel; at most two queries)."""
    recent = list(JobFailure.objects.filter(resolved_at__isnull=True)[:RECENT_FAILURES])
    if not recent:
        return None
    count = len(recent) if len(recent) < RECENT_FAILURES else JobFailure.objects.filter(resolved_at__isnull=True).count()
    return {"recent": recent, "count": count}
