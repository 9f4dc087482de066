"""What a reconciliation difference was answered with before. A supplier uploads its file again for the same
statement (a corrected file, or one matched against the next version) and a difference comes back as a new line of a
new reconciliation: the answers given to the same order, SKU and kind on the statement's other reconciliations — how
finance resolved it, and the adjustment the checker rejected or the maker withdrew — are read beside the line, and
beside an adjustment proposed for it, so that neither finance user decides it afresh without them."""
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, Q

from settlement.models import Adjustment, Category, LineResolution, ReconciliationLine
from settlement.services.adjustments import awaiting_check, reads_every_adjustment, shown_to, told_of
from settlement.models.reconciliation import REOPENING

Key = tuple[int, str, str, str]  # statement, order number, SKU, line kind


def _key(line: ReconciliationLine) -> Key:
    return line.reconciliation.statement_id, line.order_number, line.sku, line.kind


def _matching(keys: Iterable[Key]) -> Q:
    """Resolutions of lines of any of `keys` (no key: none)."""
    found = Q(pk__in=[])
    for statement_id, order_number, sku, kind in set(keys):
        found |= Q(line__reconciliation__statement_id=statement_id, line__order_number=order_number, line__sku=sku, line__kind=kind)
    return found


def _staff(actor) -> bool:
    """Proposals, rejections and withdrawals, and the checker's notes on them, are finance's own work: a supplier's
    users read approved adjustments only (`adjustments.visible_to`), and are told a proposal waits (`adjustments.told_of`)."""
    return reads_every_adjustment(actor)


def _shown_note(adjustment: Adjustment | None, *, staff: bool) -> str:
    """The checker's note on `adjustment` as the reader may read it: staff every note, a supplier's users an approved
    adjustment's, as its own page shows it them."""
    if adjustment is None or not (staff or adjustment.state == Adjustment.State.APPROVED):
        return ""
    return adjustment.decision_note


def note_earlier_answers(lines: Iterable[ReconciliationLine], *, reconciliation, actor) -> None:
    """Set `earlier_answers` on each line of `reconciliation`: the resolutions of the same order, SKU and kind on the
    statement's reconciliations uploaded before it, oldest first, each with its file, who resolved it and its adjustment (whose
    state says whether it was rejected or withdrawn) and `shown_decision_note`, the checker's note; one query for a
    page of lines. A supplier's users (`actor`) read only the answers with no adjustment or an approved one, with the
    approved one's note (`_shown_note`), or one waiting for its checker as such (`note_shown_adjustments`)."""
    lines = list(lines)
    for line in lines:
        line.earlier_answers = []
    keys = [(reconciliation.statement_id, line.order_number, line.sku, line.kind) for line in lines if line.discrepancy]
    if not keys:
        return
    # the files uploaded before this one: a superseded file's page does not read the later files' answers as earlier
    before = Q(line__reconciliation__uploaded_at__lt=reconciliation.uploaded_at) | Q(
        line__reconciliation__uploaded_at=reconciliation.uploaded_at, line__reconciliation_id__lt=reconciliation.pk)
    earlier = LineResolution.objects.filter(_matching(keys), before).select_related(
        "line__reconciliation__version", "resolved_by", "adjustment").order_by("resolved_at", "pk")
    staff = _staff(actor)
    earlier = list(earlier.filter(told_of(actor, through="adjustment__")))
    note_shown_adjustments(earlier, actor=actor)
    by_key = defaultdict(list)
    for resolution in earlier:
        resolution.shown_decision_note = _shown_note(resolution.shown_adjustment, staff=staff)
        by_key[_key(resolution.line)].append(resolution)
    for line in lines:
        line.earlier_answers = by_key[(reconciliation.statement_id, line.order_number, line.sku, line.kind)]


def earlier_answers(*, reconciliation, actor) -> list[LineResolution]:
    """The answers given on the statement's earlier files to this reconciliation's differences, as its page reads them
    beside its lines (`note_earlier_answers`, with what a supplier's users may read): line by line in file order, each
    line's oldest first, each with `answered_line`, the line of this reconciliation it answers. Only the differences
    answered on another file of the statement are looked up, so a file of many lines reads a few queries."""
    answered = set(LineResolution.objects.filter(line__reconciliation__statement_id=reconciliation.statement_id)
                   .exclude(line__reconciliation_id=reconciliation.pk).values_list("line__order_number", "line__sku", "line__kind"))
    if not answered:
        return []
    lines = [line for line in reconciliation.lines.exclude(category=Category.MATCHED).order_by(F("row").asc(nulls_last=True), "id")
             if (line.order_number, line.sku, line.kind) in answered]
    note_earlier_answers(lines, reconciliation=reconciliation, actor=actor)
    found = []
    for line in lines:
        for kept in line.earlier_answers:
            kept.answered_line = line
            found.append(kept)
    return found


def note_shown_adjustments(resolutions: Iterable, *, actor) -> None:
    """Set on each resolution (or line) `shown_adjustment`, its adjustment as the actor may read it
    (`adjustments.shown_to`), and `adjustment_waiting`, whether the actor is told only that it waits for its checker
    (`adjustments.awaiting_check`: 调整待复核, no number, no amount). No query."""
    for resolution in resolutions:
        resolution.shown_adjustment = shown_to(resolution.adjustment, actor)
        resolution.adjustment_waiting = awaiting_check(resolution.adjustment, actor)


def note_line_adjustments(lines: Iterable[ReconciliationLine], *, actor) -> None:
    """Set on each line `shown_adjustment`, the adjustment its latest resolution proposed as the reader (`actor`) may read
    it, `shown_decision_note`, the checker's note on it, and `adjustment_waiting`, an adjustment the reader may not read
    yet: staff read every adjustment with its note (why one was rejected or withdrawn); a supplier's users read an
    approved one with its note, as its page shows it them (`adjustments.visible_to`), a proposed one as waiting for
    finance's second approval (`adjustments.awaiting_check`), never a rejected or withdrawn one (finance's own work, as under 此前对账的处理: the line, open again, reads
    as waiting for finance). No query (the lines hold their adjustments)."""
    staff = _staff(actor)
    lines = list(lines)
    note_shown_adjustments(lines, actor=actor)
    for line in lines:
        line.shown_decision_note = _shown_note(line.shown_adjustment, staff=staff)


def note_earlier_rejections(adjustments: Iterable[Adjustment], *, actor) -> None:
    """Set `earlier_rejections` on each adjustment: the other adjustments once proposed for a reconciliation difference it
    answers (same statement, order, SKU and kind, from any of the statement's reconciliations) that the checker
    rejected or the maker withdrew, oldest first, for the staff who decide or read them (none for a supplier's users,
    `actor`); one query for a page of adjustments, whatever it shows."""
    adjustments = list(adjustments)
    ids = [adjustment.pk for adjustment in adjustments]
    for adjustment in adjustments:
        adjustment.earlier_rejections = []
    if not ids or not _staff(actor):
        return
    answering = ReconciliationLine.objects.filter(
        adjustment__in=ids, reconciliation__statement_id=OuterRef("line__reconciliation__statement_id"),
        order_number=OuterRef("line__order_number"), sku=OuterRef("line__sku"), kind=OuterRef("line__kind"))
    # the resolutions that proposed these adjustments (the differences they answer), and the rejected or withdrawn ones
    # proposed for the same differences
    found = LineResolution.objects.filter(Q(adjustment__in=ids) | Q(Exists(answering), adjustment__state__in=REOPENING)).select_related(
        "adjustment", "line__reconciliation").order_by("resolved_at", "pk")
    answered, rejected = defaultdict(set), defaultdict(list)
    for resolution in found:
        if resolution.adjustment_id in ids:
            answered[resolution.adjustment_id].add(_key(resolution.line))
        if resolution.adjustment.state in REOPENING:
            rejected[_key(resolution.line)].append(resolution.adjustment)
    for adjustment in adjustments:
        earlier = [other for key in sorted(answered[adjustment.pk]) for other in rejected[key] if other.pk != adjustment.pk]
        adjustment.earlier_rejections = list({other.pk: other for other in earlier}.values())
