"""Beat jobs that work through many items (lots, shipments, qualifications): each item in a transaction of its own,
and one item's failure never stops the others. The item that failed is logged (`logger.exception`, naming the job and
the item) and left as it was, so the next run tries it again; whatever marks an item done (a claimed timestamp, a
transition) is in its transaction, so a second run does nothing twice.

Operators see what failed (`JobFailure`, on their home page and in the admin): one row per job and item, written here
and, for a task that fails as a whole, by the `task_failure` handler below; resolved when the item next succeeds or is
no longer due, and a task's when it next succeeds.

Background work a committed action starts (a generation run, a shipping file, a large statement's PDF) is published
once its transaction commits (`publish_on_commit`). The action is done by then: a broker that cannot be reached must
not turn it into an error, nor the task into a lost one silently. The publish error is logged and the action's record
stays as it was (a run still running, an upload still pending, a version still without its PDF); the beat jobs that
pick up work left behind (`pick_up_left_behind`) find it there and queue it again, or give up on it with a reason its
page shows."""
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, TypeVar

from celery import Task
from celery.signals import task_failure, task_success
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.masking import mask_phones_in
from core.progress import outside_the_transaction
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
    reopened once resolved). Its message is shown to operators: the mobile numbers it quotes are masked (SPEC §4.13).
    A failure to record is logged, never raised: the job goes on."""
    fields = {"error_class": f"{type(error).__module__}.{type(error).__qualname__}"[:200], "message": mask_phones_in(str(error))[:2000],
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


def failures_whose_item_reads(text: str) -> list[int]:
    """The ids of the failures whose item, as operators read it (`JobFailure.masked_item`), holds `text` in any case: a
    failure is found by the order or statement its item names, never by a mobile number the item names in full."""
    pieces = [piece for piece in text.split("*") if piece]  # each is in the stored item too: masking keeps them whole
    if not pieces:  # only the mask's stars: nothing to narrow the rows by in SQL, and nothing naming a record
        return []
    rows = JobFailure.objects.filter(*[Q(item__icontains=piece) for piece in pieces])
    return [pk for pk, item in rows.values_list("pk", "item") if text.lower() in mask_phones_in(item).lower()]


def open_failures(user) -> dict | None:
    """The unresolved job failures, the latest RECENT_FAILURES of them and how many in all, or None when there are none
    (the operator home page's panel; at most two queries)."""
    recent = list(JobFailure.objects.filter(resolved_at__isnull=True)[:RECENT_FAILURES])
    if not recent:
        return None
    count = len(recent) if len(recent) < RECENT_FAILURES else JobFailure.objects.filter(resolved_at__isnull=True).count()
    return {"recent": recent, "count": count}


# --- publishing after commit, and work left behind ---------------------------------------------------------------

def publish_on_commit(task: Task, /, **kwargs) -> None:
    """Queue `task` with `kwargs` once the current transaction commits (at once outside one), as `publish` does."""
    transaction.on_commit(lambda: publish(task, **kwargs))


def publish(task: Task, /, **kwargs) -> bool:
    """Queue `task` with `kwargs`; False, the error logged, when the broker does not take it. Run eagerly (no broker:
    development, tests) the task runs here, and its own error is raised as ever: only publishing is forgiven."""
    try:
        task.apply_async(kwargs=kwargs)
    except Exception as error:
        if task.app.conf.task_always_eager and not isinstance(error, OperationalError):
            raise
        # one line: the broker's error says what went wrong, a traceback through kombu would not
        logger.error("task %s %s was not published (%s: %s); the sweep of work left behind queues it again",
                     task.name, kwargs, type(error).__name__, error)
        return False
    return True


def left_behind_before(now: datetime) -> datetime:
    """Work (a run, an upload, a PDF) no worker has shown progress on since this moment was left behind: its message
    was never published, or lost with the broker (LEFT_BEHIND_AFTER_MINUTES)."""
    return now - timedelta(minutes=settings.LEFT_BEHIND_AFTER_MINUTES)


def pick_up_left_behind(work: QuerySet, *, started: str, now: datetime, requeue: Callable[[int], None],
                        give_up: Callable[[QuerySet], int]) -> tuple[int, int]:
    """Queue again the unfinished `work` (rows with `progressed_at` and `requeues`, narrowed to those still to do)
    that no worker has shown progress on since `left_behind_before(now)`, counting from the `started` field when none
    ever did: `requeue(pk)` publishes its task after commit, and its `progressed_at` is now, so that it is left
    another while before it counts as left behind again. Work queued again LEFT_BEHIND_REQUEUES times is given up on
    instead: `give_up(rows)` records why on the rows still unfinished. Returns (queued again, given up on)."""
    stale = work.annotate(last_seen=Coalesce("progressed_at", started)).filter(last_seen__lt=left_behind_before(now))
    spent = list(stale.filter(requeues__gte=settings.LEFT_BEHIND_REQUEUES).values_list("pk", flat=True))
    again = list(stale.filter(requeues__lt=settings.LEFT_BEHIND_REQUEUES).values_list("pk", flat=True))
    given_up = give_up(work.filter(pk__in=spent)) if spent else 0
    with transaction.atomic():
        queued = work.filter(pk__in=again).update(progressed_at=now, requeues=F("requeues") + 1)
        for pk in again:
            requeue(pk)
    if queued or given_up:
        logger.warning("work left behind in %s: %s queued again, %s given up on", work.model._meta.label, queued, given_up)
    return queued, given_up


# --- files kept to be worked through by a task (a shipping file, a credit file) ---------------------------------------

def reject_upload(upload: QuerySet, problems: Iterable, *, now: datetime, **fields) -> int:
    """Reject `upload` (an upload's row, narrowed by pk: `status` pending → rejected, `problems`, `finished_at`) if
    it is still pending, keeping why nothing was done: `problems` (core.tabular.Problem) and any other `fields`."""
    return upload.filter(status="pending").update(status="rejected", problems=[asdict(problem) for problem in problems],
                                                  finished_at=now, **fields)


def pick_up_left_behind_uploads(uploads: QuerySet, *, task: Task, now: datetime, reason: str) -> tuple[int, int]:
    """The pending `uploads` no worker has taken up for a while (their task never published, or lost with the broker)
    are queued again as `task(upload_id=pk)`, working an upload being idempotent; after LEFT_BEHIND_REQUEUES such tries
    an upload is rejected with `reason`, which its page shows (`pick_up_left_behind`). Returns (queued again, rejected)."""
    from core.tabular import Problem

    return pick_up_left_behind(
        uploads.filter(status="pending"), started="uploaded_at", now=now,
        give_up=lambda left: reject_upload(left, [Problem(None, None, "error", reason)], now=now),
        requeue=lambda pk: publish_on_commit(task, upload_id=pk),
    )


def work_through_upload(upload_id: int, *, model: type, now: datetime, progress_every: int,
                        work: Callable[[Any, Callable[[int], None]], dict | None], failed: str) -> Any:
    """Work through pending upload `upload_id` of `model` (a credit or catalog file) in one transaction, all
    or nothing, and record how it ended. `work(upload, went_through)` does it, calling `went_through(n)` after each of
    the n rows, and returns the fields to set on the upload when done (its new `status` among them), or None when it
    finds the upload no longer pending (done meanwhile by another run, which it waited for). Meanwhile the upload counts
    the rows gone through (`rows_done`, every `progress_every` rows, seen by its page as it goes: core.progress) and
    shows a worker is at it (`progressed_at`: not work left behind). A second run (a task delivered twice) finds it
    done and does nothing.

    A table of problems raised (TableRejected) rejects the upload with them, any other refusal (DomainError) with
    what it says, where it stopped kept; anything else going wrong rejects it saying `failed`, and is raised."""
    from core.errors import DomainError
    from core.tabular import Problem, TableRejected

    reached = 0

    def went_through(rows: int) -> None:
        nonlocal reached
        reached = rows
        if rows % progress_every == 0:  # a worker still at it: not work left behind
            report(rows_done=rows, progressed_at=timezone.now())

    def reject(problems) -> None:
        reject_upload(model.objects.filter(pk=upload_id), problems, now=now, rows_done=reached)

    pending = model.objects.filter(pk=upload_id, status="pending")
    pending.update(progressed_at=now)  # a worker has it, seen at once (before the work's transaction)
    try:
        with transaction.atomic(), outside_the_transaction(model, upload_id) as report:
            upload = model.objects.get(pk=upload_id)  # not locked: its progress is written on another connection
            if upload.status != "pending":
                return upload
            done = work(upload, went_through)
            if done is None or not pending.update(rows_done=upload.row_count, finished_at=now, **done):
                raise _GivenUp  # done by another run, or rejected meanwhile (the sweep gave up on it): undo it here
    except _GivenUp:
        pass
    except TableRejected as rejected:
        reject(rejected.problems)
    except DomainError as error:
        reject([Problem(None, None, code, detail) for _attr, code, detail in getattr(error, "errors", None) or [(None, error.code, error.detail)]])
    except Exception:
        reject([Problem(None, None, "error", failed)])
        raise
    return model.objects.get(pk=upload_id)


class _GivenUp(Exception):
    """The upload was no longer pending when its work was over: the work is rolled back."""
