"""Statements' invariants that no constraint holds, for `manage.py verify_data` (core.data_checks): a version's figures
are the sums of its lines (SPEC §4.11: generation and reissue only sum stored amounts), the statement mirrors its
current version's payable, and an issued version's stored PDF is still the file it was (its SHA-256)."""
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Case, CharField, Count, DecimalField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Abs, Coalesce

from core.data_checks import register_data_check, summed
from core.files import stored_sha256
from settlement.models import LINE_KINDS, Adjustment, Category, ReconciliationLine, Statement, StatementLine, StatementVersion
from settlement.models.statements import MONEY, SECTION_TOTALS, ZERO

#: half a cent: stored sums compared across backends (SQLite sums decimals as floating point)
CENT_TOLERANCE = Decimal("0.005")


def _of_version(**filters) -> QuerySet:
    return (StatementLine.objects.filter(statement=OuterRef("statement"), version__lte=OuterRef("number"), **filters).order_by()
            .values("statement"))


def _summed(**filters) -> Coalesce:
    return summed(_of_version(**filters), "amount", output_field=DecimalField(**MONEY), zero=ZERO)


def versions_off_their_lines(*, now) -> QuerySet:
    """Versions whose section totals, line count or payable are not what their lines (those of versions up to theirs) add up to."""
    counted = Coalesce(Subquery(_of_version().annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0))
    sums = {f"lines_{field}": _summed(section=section) for section, field in SECTION_TOTALS.items()}
    gaps = {f"gap_{field}": Abs(F(field) - F(f"lines_{field}")) for field in SECTION_TOTALS.values()}
    payable = sum((F(f"lines_{field}") for field in SECTION_TOTALS.values()), Value(ZERO))
    off = ~Q(line_count=F("lines_counted")) | Q(gap_payable__gte=CENT_TOLERANCE)
    for name in gaps:
        off |= Q(**{f"{name}__gte": CENT_TOLERANCE})
    return (StatementVersion.objects.annotate(lines_counted=counted, **sums).annotate(**gaps, gap_payable=Abs(F("payable") - payable))
            .filter(off))


def statements_off_their_version(*, now) -> QuerySet:
    """Statements whose payable is not their current version's."""
    current = StatementVersion.objects.filter(statement=OuterRef("pk"), number=OuterRef("version")).values("payable")
    return (Statement.objects.annotate(version_payable=Subquery(current, output_field=DecimalField(**MONEY)))
            .annotate(gap=Abs(F("payable") - F("version_payable")))
            .filter(Q(version_payable__isnull=True) | Q(gap__gte=CENT_TOLERANCE)))


def pdfs_lost_or_changed(*, now) -> Iterator[int]:
    """Issued versions whose stored PDF is missing from the storage or no longer has its stored SHA-256 (reads each PDF)."""
    issued = StatementVersion.objects.filter(issued_at__isnull=False).exclude(pdf="").order_by("pk").only("pdf", "pdf_sha256")
    for version in issued.iterator(chunk_size=500):
        if not version.pdf.storage.exists(version.pdf.name):
            yield version.pk
            continue
        if version.pdf_sha256 and stored_sha256(version.pdf.storage, version.pdf.name) != version.pdf_sha256:
            yield version.pk


def reconciliation_adjustments_booked_twice(*, now) -> Iterator[str]:
    """Approved adjustments answering a supplier's reconciliation line whose delivery, return or replacement a statement
    books as well: paid twice (SPEC §4.11, each event claimed once). A line we had no record of (平台无此记录) or that a
    later statement books (本期之后记账) by any statement line of its order, SKU and kind; any other line by one whose event
    was recorded between the file's upload and the line's resolution (its difference may include it: a second partial
    return). Each is named "<adjustment number> <order> <SKU> <kind> · statement <id> <month> v<version> line <id>"; two
    queries whatever the number of lines."""
    source_kind = Case(*(When(kind=kind, then=Value(source)) for source, kind in LINE_KINDS.items()), output_field=CharField())
    booked = StatementLine.objects.filter(
        statement__supplier_id=OuterRef("reconciliation__supplier_id"), order_number=OuterRef("order_number"), sku=OuterRef("sku"),
        source_kind=OuterRef("source_kind"),
    ).order_by("pk")
    recorded_since = booked.filter(recorded_at__gte=OuterRef("reconciliation__uploaded_at"), recorded_at__lte=OuterRef("resolved_at"))
    booked_line = Case(When(Q(category=Category.MISSING_IN_OURS) | Q(booked_later=True), then=Subquery(booked.values("pk")[:1])),
                       default=Subquery(recorded_since.values("pk")[:1]))
    doubles = list(
        ReconciliationLine.objects.filter(adjustment__state=Adjustment.State.APPROVED)
        .alias(source_kind=source_kind).annotate(booked_line=booked_line)
        .filter(booked_line__isnull=False).order_by("adjustment__number", "pk")
        .values_list("adjustment__number", "order_number", "sku", "kind", "booked_line"))
    lines = StatementLine.objects.select_related("statement").in_bulk([line for *_, line in doubles])
    for number, order_number, sku, kind, line_id in doubles:
        line = lines[line_id]
        yield (f"{number} {order_number} {sku} {kind} · statement {line.statement_id} {line.statement.month:%Y-%m} "
               f"v{line.version} line {line_id}")


register_data_check("settlement.versions_are_sums_of_lines",
                    "a statement version's section totals, line count and payable are the sums of its lines", versions_off_their_lines)
register_data_check("settlement.statement_payable_is_its_versions", "a statement's payable is its current version's",
                    statements_off_their_version)
register_data_check("settlement.pdfs_stored_unchanged", "an issued version's PDF is in the storage with its stored SHA-256",
                    pdfs_lost_or_changed)
register_data_check("settlement.reconciliation_adjustments_not_booked_twice",
                    "a reconciliation adjustment does not pay an event a statement books too (a line the platform had no record "
                    "of or booked later, or an event recorded between the upload and the resolution)", reconciliation_adjustments_booked_twice)
