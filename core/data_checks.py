"""Checks that the data is sound (`manage.py verify_data`): the invariants the services keep that no database constraint
holds, each registered by the app that owns its rule (call `register_data_check` from the app's `data_checks` module,
imported by its AppConfig.ready). A check is set-based: it returns the rows that break its rule as a queryset (counted
and sampled by the database: one or two aggregate queries whatever the size of the data) or, where the rule is about
files rather than rows, the ids it found bad. A failing check means data to repair; a warning, work waiting or a job
failing, to look at."""
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Field, IntegerField, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

#: how many ids of the bad rows each finding names
SAMPLE = 5
#: an SMS still pending this long after it was due: the sender (beat's minutely job, or the relay) is not sending
OUTBOX_LATE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class DataCheck:
    name: str  # "<app>.<what holds>", e.g. points.balance_is_sum_of_entries
    rule: str  # what holds on sound data, one line
    find: Callable[..., QuerySet | Iterable]  # find(now=…): the bad rows (a queryset) or their ids
    warning: bool = False  # work waiting or failing rather than data broken: reported, never a failure


@dataclass(frozen=True)
class Finding:
    check: DataCheck
    count: int
    ids: list

    @property
    def status(self) -> str:
        if not self.count:
            return "ok"
        return "warning" if self.check.warning else "failed"


_checks: list[DataCheck] = []


def register_data_check(name: str, rule: str, find: Callable[..., QuerySet | Iterable], *, warning: bool = False) -> None:
    """Add a check to `manage.py verify_data` (call from the owning app's `data_checks` module)."""
    check = DataCheck(name, rule, find, warning)
    if all(c.name != name for c in _checks):
        _checks.append(check)


def data_checks() -> list[DataCheck]:
    """Every registered check, failures before warnings, in the apps' order (core ← suppliers ← … ← settlement)."""
    return sorted(_checks, key=lambda c: c.warning)


def run_check(check: DataCheck, *, now: datetime) -> Finding:
    """How many rows break the check's rule and the ids of the first SAMPLE of them."""
    found = check.find(now=now)
    if isinstance(found, QuerySet):
        bad = found.order_by("pk").values_list("pk", flat=True)
        ids = list(bad[:SAMPLE])
        return Finding(check, len(ids) if len(ids) < SAMPLE else bad.count(), ids)
    found = list(found)
    return Finding(check, len(found), found[:SAMPLE])


def summed(rows: QuerySet, field: str, *, output_field: Field | None = None, zero=0) -> Coalesce:
    """The sum of `field` over `rows` (narrowed to the outer row with OuterRef and grouped by `.values(...)`), `zero`
    when there are none: a correlated subquery, one per outer row, with no join multiplying the rows it sums."""
    output_field = output_field or IntegerField()
    total = rows.order_by().annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total, output_field=output_field), Value(zero), output_field=output_field)


def files_missing(queryset: QuerySet, field: str) -> Iterator[int]:
    """The rows of `queryset` whose file in `field` is named but not in the storage (a restore without the media files,
    a file deleted by hand); one storage look-up per file."""
    named = queryset.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True}).order_by("pk").only(field)
    for row in named.iterator(chunk_size=500):
        file = getattr(row, field)
        if not file.storage.exists(file.name):
            yield row.pk


def outbox_backlog(*, now: datetime) -> QuerySet:
    from core.models import Notification

    return Notification.objects.filter(status=Notification.Status.PENDING, not_before__lt=now - OUTBOX_LATE_AFTER)


def open_job_failures(*, now: datetime) -> QuerySet:
    from core.models import JobFailure

    return JobFailure.objects.filter(resolved_at__isnull=True)


register_data_check("core.outbox_sent_when_due", f"no SMS pending more than {OUTBOX_LATE_AFTER / timedelta(hours=1):g} h past its send time", outbox_backlog,
                    warning=True)
register_data_check("core.no_open_job_failures", "no job failure left unresolved (admin: 任务失败)", open_job_failures, warning=True)
