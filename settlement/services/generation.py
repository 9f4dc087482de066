"""Generating a month's statements (SPEC §4.11): set-based claims of every unclaimed event, idempotent and resumable.

Month M's statement of a supplier claims every event not yet claimed and recorded before 00:00 on the 1st of M+1
(Asia/Shanghai): deliveries of orders and of exchange replacements, returns netted off, extra costs the supplier
bears, adjustments approved (except dispute resolutions, which join the disputed statement), and the negative
payable of an earlier statement. A claim is a `StatementLine` row; its unique (source_kind, source_id) makes
"claimed by exactly one statement" a database fact. Amounts are the ones stored when the event was recorded:
generation only copies and sums them.

Suppliers are handled in chunks, each in one transaction (INSERT … SELECT per kind of event and one aggregate),
so the number of queries grows with the number of suppliers, never with the number of events. Events of many
suppliers share every page of their tables, so each chunk reads the month's events once: chunks are large (a
month of 500 suppliers is one chunk) and progress advances per chunk. A run killed halfway leaves whole chunks
behind; running again claims what is still unclaimed and recomputes the draft totals, so the result equals a
clean run. Issued statements never take new lines.
"""
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext

from core import jobs
from core.errors import ValidationFailed
from core.fsm import log_creation
from core.masking import mask_phone_sql
from core.months import FIRST_MONTH, LAST_MONTH, MONTH, month_start, next_month, parse_month  # noqa: F401  (read here by its callers)
from logistics.models import ExtraCost, InboundShipment, LeftoverLot, ReturnRequest, Shipment
from logistics.models.costs import Payer
from logistics.services import costs
from points.models import RedemptionOrder
from settlement.models import (
    REASON_SHOWN, SECTION_TOTALS, Adjustment, GenerationRun, Reference, Section, SourceKind, Statement, StatementLine, StatementVersion,
)
from suppliers.models import Gift, Supplier
from suppliers.services.locks import lock_suppliers

CHUNK = 1000  # suppliers per transaction (bench/settlement.py: 50 made a million-line month 10× slower)
ZERO = Decimal("0.00")
Draft = Statement.State.DRAFT


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def months_ending(last: date, count: int) -> list[date]:
    """The `count` months up to and with `last`, oldest first: a chart's window, every month in it."""
    months = [last.replace(day=1)]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months[::-1]


def chart_months(*, latest: date, until: date, count: int) -> list[date]:
    """A monthly chart's window, oldest first, every month in it: the `count` months up to the month of `until` (today,
    Asia/Shanghai: the current month is shown, with nothing in it yet), or up to `latest` (the last month with figures)
    should that be later."""
    return months_ending(max(latest.replace(day=1), until.replace(day=1)), count)


def cutoff_of(month: date) -> datetime:
    """The booking cutoff of `month`: events recorded before it belong to it (or an earlier statement)."""
    return month_start(next_month(month))


def last_closed_month(now: datetime) -> date:
    """The latest month that has ended at `now` (the one beat generates on the 1st)."""
    return previous_month(timezone.localtime(now).date().replace(day=1))


# --- claims ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """One INSERT … SELECT that claims a kind of event for the draft statements of a chunk of suppliers.

    `select` yields, in order: statement id, section, source kind, source id, order number, sku, quantity, amount,
    recorded at, contact, description, reference, note, message id and values (of the text the system wrote that the line
    copies: an extra cost's description, an adjustment's reason; copied as stored, so that the line reads in each reader's
    language); `{order}` and friends are table names; its parameters are the month and the chunk's supplier ids (joining the
    draft statements) and then the cutoff.
    """

    name: str
    select: str


def _tables() -> dict[str, str]:
    return {
        "line": StatementLine._meta.db_table, "statement": Statement._meta.db_table, "order": RedemptionOrder._meta.db_table,
        "gift": Gift._meta.db_table, "shipment": Shipment._meta.db_table, "return": ReturnRequest._meta.db_table,
        "cost": ExtraCost._meta.db_table, "adjustment": Adjustment._meta.db_table, "supplier": Supplier._meta.db_table,
        "inbound": InboundShipment._meta.db_table, "lot": LeftoverLot._meta.db_table,
    }


_UNCLAIMED = "NOT EXISTS (SELECT 1 FROM {line} l WHERE l.source_kind = '{kind}' AND l.source_id = {alias}.id)"
_DRAFT_OF = ("JOIN {statement} st ON st.supplier_id = {alias}.supplier_id AND st.month = %s AND st.state = 'draft' "
             "AND st.supplier_id IN ({suppliers})")

CLAIMS = (
    Claim("deliveries", f"""
        SELECT st.id, '{Section.DELIVERY}', '{SourceKind.ORDER}', o.id, o.number, g.sku, o.quantity, o.settlement_amount,
               o.delivery_recorded_at, {mask_phone_sql('o.recipient_phone')}, '', '', '', '', {{no_values}}
        FROM {{order}} o {_DRAFT_OF.format(statement="{statement}", alias="o", suppliers="{suppliers}")} JOIN {{gift}} g ON g.id = o.gift_id
        WHERE o.delivery_recorded_at < %s
          AND {_UNCLAIMED.format(line="{line}", kind=SourceKind.ORDER, alias="o")}"""),
    Claim("replacements", f"""
        SELECT st.id, '{Section.DELIVERY}', '{SourceKind.REPLACEMENT}', s.id, o.number, g.sku, s.quantity, s.settlement_amount,
               s.delivery_recorded_at, {mask_phone_sql('o.recipient_phone')}, '', '', '', '', {{no_values}}
        FROM {{shipment}} s {_DRAFT_OF.format(statement="{statement}", alias="s", suppliers="{suppliers}")}
        JOIN {{order}} o ON o.id = s.order_id JOIN {{gift}} g ON g.id = o.gift_id
        WHERE s.replacement_for_id IS NOT NULL AND s.delivery_recorded_at < %s
          AND {_UNCLAIMED.format(line="{line}", kind=SourceKind.REPLACEMENT, alias="s")}"""),
    Claim("returns", f"""
        SELECT st.id, '{Section.RETURN}', '{SourceKind.RETURN}', r.id, o.number, g.sku, -COALESCE(r.received_quantity, r.quantity),
               r.settlement_amount, r.closed_at, {mask_phone_sql('o.recipient_phone')}, r.outcome, '', '', '', {{no_values}}
        FROM {{return}} r {_DRAFT_OF.format(statement="{statement}", alias="r", suppliers="{suppliers}")}
        JOIN {{order}} o ON o.id = r.order_id JOIN {{gift}} g ON g.id = o.gift_id
        WHERE r.settlement_amount < 0 AND r.closed_at < %s
          AND {_UNCLAIMED.format(line="{line}", kind=SourceKind.RETURN, alias="r")}"""),
    # what a cost belongs to (SPEC §4.6): its order's number and SKU, else the inbound shipment's or the lot's gift; the
    # inbound shipment, lot or return by reference (settlement.pdf.describe names it); the cost's own description, with its
    # message id and values where the system wrote it
    Claim("extra costs", f"""
        SELECT st.id, '{Section.EXTRA_COST}', '{SourceKind.EXTRA_COST}', c.id, COALESCE(o.number, ''), COALESCE(g.sku, ''),
               c.quantity, -c.amount, c.recorded_at, '',
               CASE WHEN c.fee_date IS NULL THEN c.kind ELSE c.kind || ' ' || CAST(c.fee_date AS VARCHAR(10)) END,
               CASE WHEN r.id IS NOT NULL THEN '{Reference.RETURN} ' || r.number WHEN i.id IS NOT NULL THEN '{Reference.INBOUND} ' || i.number
                    WHEN c.lot_id IS NOT NULL THEN '{Reference.LOT} ' || CAST(c.lot_id AS VARCHAR(20)) ELSE '' END,
               c.description, c.description_id, c.description_params
        FROM {{cost}} c {_DRAFT_OF.format(statement="{statement}", alias="c", suppliers="{suppliers}")}
        LEFT JOIN {{order}} o ON o.id = c.order_id LEFT JOIN {{return}} r ON r.id = c.return_request_id
        LEFT JOIN {{inbound}} i ON i.id = c.inbound_id LEFT JOIN {{lot}} lot ON lot.id = c.lot_id
        LEFT JOIN {{gift}} g ON g.id = COALESCE(o.gift_id, i.gift_id, lot.gift_id)
        WHERE c.payer = '{Payer.SUPPLIER}' AND c.amount > 0 AND c.state = '{ExtraCost.State.RECORDED}' AND c.recorded_at < %s
          AND {_UNCLAIMED.format(line="{line}", kind=SourceKind.EXTRA_COST, alias="c")}"""),
    Claim("adjustments", f"""
        SELECT st.id, '{Section.ADJUSTMENT}', '{SourceKind.ADJUSTMENT}', a.id, '', '', 0, a.amount,
               a.decided_at, '', a.number || ' ' || a.kind || ' ' ||
               CASE WHEN LENGTH(a.reason) > {REASON_SHOWN} THEN SUBSTR(a.reason, 1, {REASON_SHOWN}) || '…' ELSE a.reason END, '', '',
               a.reason_id, a.reason_params
        FROM {{adjustment}} a {_DRAFT_OF.format(statement="{statement}", alias="a", suppliers="{suppliers}")}
        WHERE a.state = '{Adjustment.State.APPROVED}' AND a.statement_id IS NULL AND a.decided_at < %s
          AND {_UNCLAIMED.format(line="{line}", kind=SourceKind.ADJUSTMENT, alias="a")}"""),
    # an earlier statement's negative payable (its latest issued version), unless the supplier owes it as a receivable
    Claim("carried forward", f"""
        SELECT st.id, '{Section.CARRIED_FORWARD}', '{SourceKind.STATEMENT}', p.id, '', '', 0, p.payable,
               p.issued_at, '', CAST(p.month AS VARCHAR(10)), '', '', '', {{no_values}}
        FROM {{statement}} p {_DRAFT_OF.format(statement="{statement}", alias="p", suppliers="{suppliers}")}
        JOIN {{supplier}} su ON su.id = p.supplier_id
        WHERE p.payable < 0 AND NOT p.receivable AND p.month < st.month AND p.issued_at < %s
          AND su.state <> '{Supplier.State.TERMINATED}'
          AND {_UNCLAIMED.format(line="{line}", kind=SourceKind.STATEMENT, alias="p")}"""),
)
_NO_VALUES = {False: "NULL", True: "CAST(NULL AS jsonb)"}  # a line with no message's values (PostgreSQL types the NULL)
_COLUMNS = ("statement_id, section, source_kind, source_id, order_number, sku, quantity, amount, recorded_at, contact, description, "
            "reference, note, message_id, message_params")


def _claim(claim: Claim, *, month: date, cutoff: datetime, supplier_ids: Sequence[int]) -> int:
    tables = _tables()
    sql = (f"INSERT INTO {tables['line']} ({_COLUMNS}, version) SELECT q.*, 1 FROM ("
           + claim.select.format(**tables, suppliers=", ".join(["%s"] * len(supplier_ids)), no_values=_NO_VALUES[connection.vendor == "postgresql"])
           + ") q")
    params = [connection.ops.adapt_datefield_value(month), *supplier_ids, connection.ops.adapt_datetimefield_value(cutoff)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


# --- candidates, totals ---------------------------------------------------------------------------------------

#: Each kind of event a statement claims (SPEC §4.11): which rows count, and the time that books them. `CLAIMS` claims
#: the same rows.
EVENTS = {
    SourceKind.ORDER: (RedemptionOrder, Q(), "delivery_recorded_at"),
    SourceKind.REPLACEMENT: (Shipment, Q(replacement_for__isnull=False), "delivery_recorded_at"),
    SourceKind.RETURN: (ReturnRequest, Q(settlement_amount__lt=0), "closed_at"),
    SourceKind.EXTRA_COST: (ExtraCost, Q(payer=Payer.SUPPLIER, amount__gt=0, state=ExtraCost.State.RECORDED), "recorded_at"),
    SourceKind.ADJUSTMENT: (Adjustment, Q(state=Adjustment.State.APPROVED, statement__isnull=True), "decided_at"),
}


def unclaimed(kind: str, *, before: datetime | None = None) -> QuerySet:
    """The events of `kind` recorded (before `before`, if given) that no statement has claimed yet: what the next
    statement generated books."""
    model, counted, recorded = EVENTS[kind]
    booked = {f"{recorded}__lt": before} if before is not None else {f"{recorded}__isnull": False}
    return model.objects.filter(counted, **booked).exclude(pk__in=StatementLine.objects.filter(source_kind=kind).values("source_id"))


def suppliers_to_settle(*, month: date, cutoff: datetime) -> list[int]:
    """Suppliers with a statement of the month or anything unclaimed to book on one (a handful of DISTINCT queries)."""
    sources = [
        *(unclaimed(kind, before=cutoff) for kind in EVENTS),
        # a negative payable to carry makes a statement on its own: the supplier's balance shows every month until settled
        Statement.objects.filter(payable__lt=0, receivable=False, month__lt=month, issued_at__lt=cutoff)
        .exclude(supplier__state=Supplier.State.TERMINATED)
        .exclude(pk__in=StatementLine.objects.filter(source_kind=SourceKind.STATEMENT).values("source_id")),
        Statement.objects.filter(month=month),
    ]
    ids: set[int] = set()
    for queryset in sources:
        ids.update(queryset.order_by().values_list("supplier_id", flat=True).distinct())
    return sorted(ids)


def version_totals(statement_ids: Iterable[int], *, up_to: dict[int, int] | None = None) -> dict[int, dict]:
    """Section totals and line counts of each statement, over its lines of versions ≤ `up_to[statement]` (default all)."""
    totals: dict[int, dict] = {pk: {"line_count": 0, **{field: ZERO for field in SECTION_TOTALS.values()}} for pk in statement_ids}
    rows = (StatementLine.objects.filter(statement_id__in=list(totals)).values("statement_id", "section", "version")
            .annotate(total=Sum("amount"), n=Count("pk")).order_by())
    for row in rows:
        if up_to is not None and row["version"] > up_to[row["statement_id"]]:
            continue
        figures = totals[row["statement_id"]]
        field = SECTION_TOTALS[row["section"]]
        figures[field] = (figures[field] + (row["total"] or ZERO)).quantize(Decimal("0.01"))
        figures["line_count"] += row["n"]
    for figures in totals.values():
        figures["payable"] = sum((figures[field] for field in SECTION_TOTALS.values()), ZERO)
    return totals


def _write_draft_totals(statement_ids: list[int], *, now: datetime) -> None:
    totals = version_totals(statement_ids)
    StatementVersion.objects.bulk_create(
        [StatementVersion(statement_id=pk, number=1, created_at=now, **figures) for pk, figures in totals.items()],
        update_conflicts=True, unique_fields=["statement", "number"],
        update_fields=["line_count", "payable", *SECTION_TOTALS.values()],
    )
    Statement.objects.bulk_update([Statement(pk=pk, payable=figures["payable"]) for pk, figures in totals.items()], ["payable"])


# --- the run --------------------------------------------------------------------------------------------------

def start_generation(*, month: date, actor, now: datetime) -> GenerationRun:
    """Record a generation of `month` to run (the task does the work). :raises ValidationFailed: a month not yet ended"""
    if cutoff_of(month) > now:
        raise ValidationFailed(gettext("%(month)s 尚未结束，不能生成结算单") % {"month": month.strftime("%Y-%m")}, field="month")
    return GenerationRun.objects.create(month=month, started_at=now, started_by=actor if getattr(actor, "pk", None) else None)


def resume_generation(*, month: date, now: datetime) -> GenerationRun:
    """The beat's run of `month`: the one the beat started that is still running, to complete (its task delivered again,
    acks_late, after the worker running it was lost), else a new one; so a second delivery leaves no run running for
    ever. A run finance started is its own task's. :raises ValidationFailed: a month not yet ended"""
    unfinished = GenerationRun.objects.filter(month=month, status=GenerationRun.Status.RUNNING, started_by__isnull=True)
    return unfinished.order_by("-started_at", "-id").first() or start_generation(month=month, actor=None, now=now)


def pick_up_left_behind_runs(*, now: datetime) -> tuple[int, int]:
    """Runs still running that no worker has shown progress on for a while (their task never published, or lost with
    the broker) are queued again, generation being idempotent; after LEFT_BEHIND_REQUEUES such tries a run is failed
    with the reason the months page shows (core.jobs.pick_up_left_behind). Returns (queued again, failed)."""
    from settlement.tasks import generate_statements

    def give_up(runs) -> int:
        return runs.update(status=GenerationRun.Status.FAILED, finished_at=now,
                           error=gettext("后台任务多次未能运行，已停止；请重新生成该月份"))

    return jobs.pick_up_left_behind(
        GenerationRun.objects.filter(status=GenerationRun.Status.RUNNING), started="started_at", now=now, give_up=give_up,
        requeue=lambda pk: jobs.publish_on_commit(generate_statements, run_id=pk),
    )


def generate_month(
    *, run: GenerationRun, now: datetime, chunk: int = CHUNK, progress: Callable[[GenerationRun], None] | None = None,
) -> GenerationRun:
    """Generate (or complete) the month's statements, chunk by chunk, with progress on `run` (and to `progress`)."""
    month, cutoff, actor = run.month, cutoff_of(run.month), run.started_by
    supplier_ids = suppliers_to_settle(month=month, cutoff=cutoff)
    running = GenerationRun.objects.filter(pk=run.pk, status=GenerationRun.Status.RUNNING)  # its outcome not yet written
    GenerationRun.objects.filter(pk=run.pk).update(suppliers_total=len(supplier_ids), suppliers_done=0, progressed_at=Now())
    try:
        for start in range(0, len(supplier_ids), chunk):
            created, claimed = _generate_chunk(supplier_ids[start:start + chunk], month=month, cutoff=cutoff, now=now, actor=actor)
            GenerationRun.objects.filter(pk=run.pk).update(
                suppliers_done=F("suppliers_done") + len(supplier_ids[start:start + chunk]),
                statements_created=F("statements_created") + created, lines_claimed=F("lines_claimed") + claimed,
                progressed_at=Now(),  # the database's clock: a sign of life, not a time of the domain
            )
            if progress is not None:
                run.refresh_from_db()
                progress(run)
    except Exception as error:  # not over a run finished (a duplicate delivery hitting its claims) or given up on
        running.update(status=GenerationRun.Status.FAILED, error=str(error)[:2000], finished_at=now)
        raise
    running.update(status=GenerationRun.Status.FINISHED, finished_at=now)
    run.refresh_from_db()
    return run


def _generate_chunk(supplier_ids: list[int], *, month: date, cutoff: datetime, now: datetime, actor) -> tuple[int, int]:
    """Statements, then their claims and draft totals, of a chunk of suppliers. Returns (statements created, lines claimed).

    The (empty) draft statements are committed first, their generation logged (by who started the run, the system for
    the beat) in one write, and the planner told about them, so the claims join them by hash rather than probing the
    events once per statement; the claims and totals are all or nothing. They run with the chunk's suppliers locked
    (`lock_suppliers`), as issuing, reissuing and voiding a cost lock the supplier: a draft being issued, an earlier
    payable being reissued or a cost being voided is read once that step is committed, never as it was before it.
    """
    existing = set(Statement.objects.filter(month=month, supplier_id__in=supplier_ids).values_list("supplier_id", flat=True))
    new = [pk for pk in supplier_ids if pk not in existing]
    if new:
        with transaction.atomic():
            Statement.objects.bulk_create([Statement(supplier_id=pk, month=month, generated_at=now) for pk in new], ignore_conflicts=True)
            # read back (no keys come back past conflicts): one a concurrent run made meanwhile is that run's to log
            made = Statement.objects.filter(month=month, supplier_id__in=new, generated_at=now).only("pk", "state")
            log_creation(made, "generate", actor=actor, at=now)
    _refresh_statistics(Statement)
    on_its_own = not connection.in_atomic_block
    with transaction.atomic(), _bulk_join_plans(enabled=on_its_own):
        lock_suppliers(supplier_ids)
        claimed = sum(_claim(claim, month=month, cutoff=cutoff, supplier_ids=supplier_ids) for claim in CLAIMS)
        drafts = list(Statement.objects.filter(month=month, supplier_id__in=supplier_ids, state=Draft).values_list("pk", flat=True))
        _write_draft_totals(drafts, now=now)
    return len(supplier_ids) - len(existing), claimed


@contextmanager
def _bulk_join_plans(*, enabled: bool) -> Iterator[None]:
    """Claims join whole months of events: on PostgreSQL keep the planner off nested loops while they run, which it
    would pick when the statistics say the lines table is empty (and then rescan it as the INSERT fills it).
    Only for a run in its own transactions (task, command): inside a caller's transaction the tables are small and
    the planner's usual choices are better; the setting goes back as soon as the claims are done."""
    postgres = enabled and connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_nestloop = off")
    try:
        yield
    finally:
        if postgres and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")


def _refresh_statistics(model) -> None:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def generate_now(*, month: date, actor, now: datetime) -> GenerationRun:
    """Start and run a generation in this process (tests, the management command, the eager task)."""
    return generate_month(run=start_generation(month=month, actor=actor, now=now), now=now)


def _statement_carrying(cost: ExtraCost) -> str | None:
    """The statement that claimed the cost, as people name it (a claimed cost is corrected by an adjustment)."""
    line = StatementLine.objects.filter(source_kind=SourceKind.EXTRA_COST, source_id=cost.pk).select_related("statement").first()
    return gettext("%(month)s 结算单") % {"month": f"{line.statement.month:%Y-%m}"} if line else None


if _statement_carrying not in costs.booked_elsewhere:
    costs.booked_elsewhere.append(_statement_carrying)
