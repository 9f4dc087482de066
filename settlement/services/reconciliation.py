"""Reconciliation (对账, SPEC §4.11): a supplier's own statement matched against the current version of ours.

The supplier admin uploads a CSV/XLSX file (order number, SKU, line kind, signed quantity, amount) for a statement
that is issued, disputed or confirmed: a draft may still change, and once invoiced the money is settled (a
difference found later is an ordinary adjustment). Matching is in bulk, a fixed number of queries whatever the
file's size: our lines of the version are loaded once, and keys we did not book in it are looked up among our other
statements in chunks, and those no statement has claimed among our recorded events (a later statement books them:
`other_period`, never adjusted). Each file line takes the first category that fits (`Category` is in that order); our lines
absent from the file become `missing_in_supplier` lines. Our lines are keyed by (order number, SKU, kind); two of
ours with one key (two replacement shipments of one order) count as one line with their sums.

Finance then resolves each discrepancy once: accepting the supplier's figure, or carrying it to the next statement,
proposes a `reconciliation` adjustment of theirs − ours (a missing figure counts as zero). A difference is paid once:
a new file for the same statement version supersedes the earlier ones (已过期, as is every file of a version since
reissued), and no second adjustment is proposed for an order, SKU and kind of the statement that one proposed or
approved already answers (`adjustments.answered_already`; a dispute adjustment names the lines it answers).
"""
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.roles import Role, waiting_for
from core.selectors import answering
from core.tabular import Problem, TableFile, TableRejected, TableSpec, read_headed_table, table_file
from core.texts import Message, label_message
from core.validators import required_text, validate_length
from logistics.models.returns import resolved_units
from settlement.models.reconciliation import ANSWERING, KIND_NAMES, NOT_ADJUSTABLE, REOPENING
from settlement.models import (
    LINE_KINDS, Adjustment, Category, LineResolution, Reconciliation, ReconciliationLine, Resolution, SourceKind, Statement, StatementLine,
    StatementVersion,
)
from settlement.services import generation
from settlement.services.deadlines import respond_by, tell_if_deadline_moved
from settlement.services.adjustments import (
    answered_already, book_on_next_version, parse_amount, propose_adjustment, require_finance, told_of)
from settlement.services.locking import lock_statement
from settlement.services.reconciliation_history import note_shown_adjustments
from settlement.services.pending import RECORDED_EVENTS, not_adjustable_reason, with_pending
from settlement.errors import LineResolved, ReconciliationSuperseded

ZERO = Decimal("0.00")
BATCH = 2000
LOOKUP_CHUNK = 5000
RECONCILABLE = frozenset({Statement.State.ISSUED, Statement.State.DISPUTED, Statement.State.CONFIRMED})
RECONCILIATION_FILE = TableSpec(
    keys=("order_number", "sku", "kind", "quantity", "amount"),
    aliases={
        "订单号": "order_number", "订单编号": "order_number", "order number": "order_number", "order": "order_number",
        "sku": "sku", "商品编码": "sku", "类型": "kind", "明细类型": "kind", "line kind": "kind", "type": "kind",
        "数量": "quantity", "qty": "quantity", "金额": "amount", "结算金额": "amount",
    },
    max_rows=200_000, max_bytes=30 * 1024 * 1024, noun=gettext_lazy("明细行"), headings={"sku": "SKU"},
)
#: The file's headers as our figures are written (an upload takes the other names of `RECONCILIATION_FILE` too).
FILE_HEADERS = {"order_number": "订单号", "sku": "SKU", "kind": "类型", "quantity": "数量", "amount": "金额"}
#: What each column holds, for the upload page (the rules `_parse` applies).
FILE_COLUMN_MEANINGS = {
    "order_number": gettext_lazy("积分商城订单号，最长 30 个字符"),
    "sku": gettext_lazy("礼品 SKU，最长 60 个字符"),
    "kind": gettext_lazy("明细类型，中文或英文均可"),
    "quantity": gettext_lazy("整数，退货为负数"),
    "amount": gettext_lazy("结算金额，最多两位小数，如 180.00；退货为负数，如 -180.00"),
}
KINDS = {**{code: code for code in KIND_NAMES}, **{name: code for code, name in KIND_NAMES.items()}}  # a file's words → a kind
INTEGER = re.compile(r"[+-]?[0-9]{1,9}")  # ASCII digits: \d and int() also take other scripts' digits
MAX_LENGTH = {"order_number": 30, "sku": 60}
Key = tuple[str, str, str]
#: a stored line, in the order `_match` builds it
LINE_FIELDS = ("row", "order_number", "sku", "kind", "quantity", "amount", "our_line_id", "our_quantity", "our_amount", "category",
               "booked_later")
NOT_OURS = (None, None, None)
#: Reconciliations whose differences are still answered here: the latest file of the statement's current version.
CURRENT = Q(superseded_by__isnull=True, version__number=F("statement__version"))


def unresolved_lines(through: str = "") -> Q:
    """Lines still to resolve (with `CURRENT` reconciliations): discrepancies never resolved, or whose adjustment was
    rejected or withdrawn (`ReconciliationLine.open`); seen from a reconciliation `through` its lines (`lines__`)."""
    return ~Q(**{f"{through}category": Category.MATCHED}) & (
        Q(**{f"{through}resolution": ""}) | Q(**{f"{through}adjustment__state__in": REOPENING}))


UNRESOLVED = unresolved_lines()  # the lines still to resolve, seen from the lines


def upload_reconciliation(*, statement: Statement, file_name: str, content: bytes, actor, now: datetime) -> Reconciliation:
    """Match the supplier's file against the statement's current version and store every line, all or nothing.

    `statement` comes already scoped to the actor's supplier (another supplier's is not found by the caller). The
    statement is locked while the file is matched and stored, its state and version read again under the lock: of two
    uploads at once (a double click) the later supersedes the earlier, and a version reissued meanwhile is the one matched.
    :raises PermissionDenied: unless the actor is this supplier's admin
    :raises InvalidTransition: the statement is not issued, disputed or confirmed
    :raises TableRejected: naming every bad row and column; nothing is written
    """
    if getattr(actor, "role", None) != Role.SUPPLIER_ADMIN or actor.supplier_id != statement.supplier_id:
        raise PermissionDenied(gettext("仅该礼品商的管理员可以上传对账文件"))
    _require_reconcilable(statement)
    theirs = _parse(*read_headed_table(file_name=file_name, content=content, spec=RECONCILIATION_FILE))
    with transaction.atomic():
        statement = lock_statement(statement)
        _require_reconcilable(statement)
        version = statement.versions.get(number=statement.version)
        answer_by = respond_by(statement)  # a first upload within the time to answer counts it again
        ours = _our_lines(StatementLine.objects.filter(statement=statement, version__lte=version.number))
        not_ours = {key for _row, key, _q, _a in theirs if key not in ours}
        differing = {key for _row, key, quantity, amount in theirs if key in ours and [quantity, amount] != ours[key][1:]}
        lines = _match(theirs, ours, _booked_elsewhere(statement, not_ours), _booked_later(statement, not_ours | differing))
        reconciliation = Reconciliation.objects.create(
            statement=statement, version=version, supplier_id=statement.supplier_id, file_name=file_name[:200],
            uploaded_by=actor, uploaded_at=now, row_count=len(theirs), summary=_summary(lines),
        )
        Reconciliation.objects.filter(statement=statement, version=version, superseded_by__isnull=True).exclude(
            pk=reconciliation.pk).update(superseded_by=reconciliation)
        _store(reconciliation, lines)
        tell_if_deadline_moved(statement, was=answer_by, now=now)
    return reconciliation


def _require_reconcilable(statement: Statement) -> None:
    """:raises InvalidTransition: unless the statement is issued, disputed or confirmed"""
    if statement.state not in RECONCILABLE:
        raise InvalidTransition(gettext("只能对已下发、有异议或已确认的结算单对账"), field="statement")


def _parse(rows: list[tuple[int, dict[str, str]]], headings: dict[str, str]) -> list[tuple[int, Key, int, Decimal]]:
    """(row, key, quantity, amount) of each row. :raises TableRejected: naming every bad cell, its column as the file's
    header (`headings`) names it"""
    parsed, problems = [], []
    for number, cells in rows:
        row_problems = []
        order_number, sku = cells["order_number"].strip(), cells["sku"].strip()
        for column, value in (("order_number", order_number), ("sku", sku)):
            if not value:
                row_problems.append(_problem(number, column, "required", gettext("第%(number)s行：%(column)s 不能为空"), headings))
            elif len(value) > MAX_LENGTH[column]:
                row_problems.append(_problem(number, column, "too_long", gettext("第%(number)s行：%(column)s 过长"), headings))
        kind = KINDS.get(cells["kind"].strip().lower())
        if kind is None:
            row_problems.append(_problem(number, "kind", "invalid", gettext("第%(number)s行：类型须为 配送/退货/换货"), headings))
        quantity = cells["quantity"].strip()
        if not INTEGER.fullmatch(quantity):
            row_problems.append(_problem(number, "quantity", "invalid", gettext("第%(number)s行：数量须为整数"), headings))
        try:
            amount = parse_amount(cells["amount"], allow_zero=True)
        except ValidationFailed as error:
            message = gettext("第%(number)s行：%(detail)s")
            row_problems.append(_problem(number, "amount", "invalid", message, headings, detail=error.detail))
        if row_problems:
            problems += row_problems
        elif not problems:
            parsed.append((number, (order_number, sku, kind), int(quantity), amount))
    if problems:
        raise TableRejected(problems, column_order=RECONCILIATION_FILE.keys)
    return parsed


def _problem(number: int, column: str, code: str, message: str, headings: dict[str, str], **values) -> Problem:
    """A bad cell, its column named in `message` and for the page as the file's header names it."""
    return Problem(number, column, code, message % {"number": number, "column": headings[column], **values}, heading=headings[column])


def our_figures(*, version: StatementVersion, file_format: str) -> TableFile:
    """Our lines of a version in the reconciliation file's own columns (订单号, SKU, 类型, 数量, 金额), one row per order,
    SKU and kind as matching sums them: what a supplier compares with its books, corrects where they differ, and uploads
    (the upload page's template: uploaded untouched, every line matches)."""
    statement = version.statement
    ours = _our_lines(StatementLine.objects.filter(statement=statement, version__lte=version.number))
    rows = [(order_number, sku, KIND_NAMES[kind], quantity, amount) for (order_number, sku, kind), (_pk, quantity, amount) in ours.items()]
    return table_file(headers=list(FILE_HEADERS.values()), rows=rows, file_format=file_format, title="reconciliation",
                      name=f"reconciliation-{statement.supplier_id}-{statement.month:%Y%m}-v{version.number}")


def file_columns() -> list[dict]:
    """The file's columns, for the upload page: `heading` (as our figures write it), `others` (other headings an upload
    takes), `meaning`, and `values` (the words a line kind takes)."""
    return [{
        "heading": heading,
        "others": [alias for alias, name in RECONCILIATION_FILE.aliases.items() if name == key and alias != heading.lower()],
        "meaning": FILE_COLUMN_MEANINGS[key],
        "values": [f"{name} / {code}" for code, name in KIND_NAMES.items()] if key == "kind" else [],
    } for key, heading in FILE_HEADERS.items()]


def _our_lines(lines) -> dict[Key, list]:
    """{key: [first line id, quantity, amount]} of the claimed lines a supplier's file names (deliveries, returns)."""
    ours: dict[Key, list] = {}
    rows = lines.filter(source_kind__in=list(LINE_KINDS)).order_by("pk").values_list("pk", "order_number", "sku", "source_kind", "quantity", "amount")
    for pk, order_number, sku, source_kind, quantity, amount in rows.iterator(chunk_size=BATCH):
        key = (order_number, sku, LINE_KINDS[source_kind])
        if key in ours:
            ours[key][1] += quantity
            ours[key][2] += amount
        else:
            ours[key] = [pk, quantity, amount]
    return ours


def _chunks(order_numbers: set[str]) -> Iterable[list[str]]:
    """The order numbers in sorted chunks small enough for one query's parameters."""
    ordered = sorted(order_numbers)
    size = min(LOOKUP_CHUNK, (connection.features.max_query_params or LOOKUP_CHUNK + 10) - 10)
    return (ordered[start:start + size] for start in range(0, len(ordered), size))


def _booked_elsewhere(statement: Statement, keys: set[Key]) -> dict[Key, list]:
    """Which of `keys` another statement of the supplier has claimed, in one query per chunk of order numbers."""
    found: dict[Key, list] = {}
    for order_numbers in _chunks({order_number for order_number, _sku, _kind in keys}):
        lines = StatementLine.objects.filter(statement__supplier_id=statement.supplier_id, order_number__in=order_numbers)
        found |= {key: line for key, line in _our_lines(lines.exclude(statement_id=statement.pk)).items() if key in keys}
    return found


def _booked_later(statement: Statement, keys: set[Key]) -> dict[Key, list]:
    """Which of `keys` name events of the supplier we recorded and no statement has claimed yet (the next statement
    generated books them, `generation.unclaimed`), {key: [None, quantity, amount]} with their sums (a return's units
    received back, as its statement line will book them); one query per kind of
    line the keys name and chunk of order numbers."""
    found: dict[Key, list] = {}
    for source_kind, (number, sku, sign) in RECORDED_EVENTS.items():
        kind = LINE_KINDS[source_kind]
        for order_numbers in _chunks({order_number for order_number, _sku, key_kind in keys if key_kind == kind}):
            events = generation.unclaimed(source_kind).filter(supplier_id=statement.supplier_id, **{f"{number}__in": order_numbers})
            # a return's statement line books the units received back, not those asked for (generation's -COALESCE)
            units = resolved_units() if source_kind == SourceKind.RETURN else F("quantity")
            for order_number, gift_sku, quantity, amount in events.values_list(number, sku, units, "settlement_amount").order_by("pk"):
                if (key := (order_number, gift_sku, kind)) in keys:
                    figures = found.setdefault(key, [None, 0, ZERO])
                    figures[1] += sign * quantity
                    figures[2] += amount
    return found


def _match(theirs: list[tuple[int, Key, int, Decimal]], ours: dict[Key, list], elsewhere: dict[Key, list],
           later: dict[Key, list]) -> list[tuple]:
    """One line (`LINE_FIELDS`) per file row, in the first category that fits, then one per line of ours the file lacks.

    A row naming an event of ours another statement books is `other_period`: one that has claimed it (against its
    figures), or, for an event no statement has claimed yet, the later one that will (`booked_later`, with the event's
    figures, or the claimed part's where part of the key is claimed already): adjusting it would pay it twice.

    A row of a key this statement books that differs from it by exactly what we recorded since and no statement has
    claimed (a second partial return closed after the month) is `other_period` and `booked_later` too, with our figures
    of both; one that differs by anything else stays a mismatch, `booked_later` as well: adjusting theirs − ours would
    pay the later event twice, so it is not adjusted until a statement books that event and the file is matched again."""
    lines, seen = [], set()
    for row, key, quantity, amount in theirs:
        ours_of_key = NOT_OURS
        if key in seen:
            category = Category.DUPLICATE
        elif key not in ours and (key in elsewhere or key in later):
            category, ours_of_key = Category.OTHER_PERIOD, elsewhere.get(key) or later[key]
        elif key not in ours:
            category = Category.MISSING_IN_OURS
        elif key in later and [quantity, amount] == [ours[key][1] + later[key][1], ours[key][2] + later[key][2]]:
            category, ours_of_key = Category.OTHER_PERIOD, [ours[key][0], quantity, amount]
        else:
            ours_of_key = ours[key]
            category = (Category.QUANTITY_MISMATCH if quantity != ours_of_key[1]
                        else Category.AMOUNT_MISMATCH if amount != ours_of_key[2] else Category.MATCHED)
        seen.add(key)
        lines.append((row, *key, quantity, amount, *ours_of_key, category.value, category != Category.MATCHED and key in later))
    lines += [(None, *key, None, None, *line, Category.MISSING_IN_SUPPLIER.value, False) for key, line in ours.items() if key not in seen]
    return lines


def _summary(lines: Iterable[tuple]) -> dict[str, dict]:
    """{category: {"count", "ours", "theirs", "ours_gross", "theirs_gross"}} for every category, the empty ones too: each
    side's signed total and its gross, the sum of the amounts regardless of sign (a delivery of +180 and a return of
    −180 net to 0.00 but are 360.00 of lines to look at)."""
    totals = {category: [0, ZERO, ZERO, ZERO, ZERO] for category in Category.values}
    for *_, amount, _line_id, _quantity, our_amount, category, _later in lines:
        total = totals[category]
        total[0] += 1
        total[1] += our_amount or ZERO
        total[2] += amount or ZERO
        total[3] += abs(our_amount or ZERO)
        total[4] += abs(amount or ZERO)
    return {category: {"count": count, "ours": f"{ours:.2f}", "theirs": f"{theirs:.2f}", "ours_gross": f"{ours_gross:.2f}",
                       "theirs_gross": f"{theirs_gross:.2f}"}
            for category, (count, ours, theirs, ours_gross, theirs_gross) in totals.items()}


def _store(reconciliation: Reconciliation, lines: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        # COPY: bulk_create spends ~10 s of a 100,000-line file preparing values one by one; COPY streams them
        columns = ", ".join(["reconciliation_id", *(ReconciliationLine._meta.get_field(name).column for name in LINE_FIELDS), "resolution", "note"])
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {ReconciliationLine._meta.db_table} ({columns}) FROM STDIN") as copy:
            for line in lines:
                copy.write_row((reconciliation.pk, *line, "", ""))
    else:
        ReconciliationLine.objects.bulk_create(
            (ReconciliationLine(reconciliation=reconciliation, **dict(zip(LINE_FIELDS, line, strict=True))) for line in lines), batch_size=BATCH,
        )


#: Resolutions that settle a discrepancy without money, whose reason the history must give.
NEEDS_NOTE = frozenset({Resolution.ACCEPT_OURS, Resolution.WRITE_OFF})


def resolve_line(*, line: ReconciliationLine, resolution: str, actor, now: datetime, note: str = "") -> ReconciliationLine:
    """Resolve one discrepancy (again once the adjustment a resolution proposed was rejected or withdrawn), each
    resolution kept with who, when, the note and the adjustment (`LineResolution`; the line holds the latest); accepting
    theirs or carrying forward proposes an adjustment of theirs − ours, except for a duplicate line or an event a later
    statement books (`line.resolutions`); accepting ours or writing off settles it without money and needs a note.

    Accepting theirs on a statement in dispute resolves the dispute (the adjustment joins its next version); on an
    issued statement it does so too if the supplier disputes it before a statement books the adjustment
    (`book_corrections_on_dispute`); otherwise, and always when carried forward, the adjustment is booked on a later
    statement when approved (`booking_of` says which, for the resolve form).
    :raises PermissionDenied: not finance :raises ValidationFailed: a matched line, an unknown resolution, no note
    where one is needed, nothing to adjust :raises LineResolved: the line is already resolved :raises ReconciliationSuperseded:
    """
    require_finance(actor)
    if resolution not in Resolution.values:
        raise ValidationFailed(gettext("未知的处理方式 %(resolution)s") % {"resolution": resolution}, field="resolution")
    note = validate_length(note, model=ReconciliationLine, column="note")
    with transaction.atomic():
        # the supplier and its statement before the line, in the order a dispute adjustment answering lines takes them
        # (`adjustments.propose_adjustment`), so the two never wait on each other's locks
        owner = ReconciliationLine.objects.filter(pk=line.pk).values_list(
            "reconciliation__statement__supplier_id", "reconciliation__statement_id").first()
        if owner is not None:
            lock_statement(Statement(pk=owner[1], supplier_id=owner[0]))
        line = with_pending(ReconciliationLine.objects.select_for_update(of=("self",)).select_related(
            "reconciliation__statement__supplier", "reconciliation__version", "adjustment")).get(pk=line.pk)
        if line.category == Category.MATCHED:
            raise ValidationFailed(gettext("一致的明细无需处理"), field="line")
        if line.reconciliation.superseded:
            raise ReconciliationSuperseded(superseded_reason(line.reconciliation), field="line")
        if not line.open:
            raise LineResolved(gettext("该明细已处理"), field="line")
        # the line's state before the body: a colleague's resolution is the answer whatever this one lacks
        if resolution in NEEDS_NOTE:
            required_text(note, field="note", message=gettext("「%(resolution)s」不调账，请填写处理说明") % {
                "resolution": Resolution(resolution).label})
        if resolution not in dict(line.resolutions):
            raise ValidationFailed(not_adjustable_reason(line), field="resolution")
        adjustment = _adjustment_for(line, resolution=resolution, actor=actor, now=now, note=note)
        changed = ReconciliationLine.objects.filter(pk=line.pk, resolution=line.resolution, adjustment=line.adjustment).update(
            resolution=resolution, resolved_by=actor, resolved_at=now, note=note, note_params=None, adjustment=adjustment,
        )
        if not changed:
            raise LineResolved(gettext("该明细已处理"), field="line")
        LineResolution.objects.create(line=line, resolution=resolution, resolved_by=actor, resolved_at=now, note=note, adjustment=adjustment)
    line.refresh_from_db()
    return line


def superseded_reason(reconciliation: Reconciliation) -> str:
    """Why a superseded reconciliation's lines are no longer resolved (the detail page says the same)."""
    if reconciliation.reissued:
        versions = {"version": reconciliation.version.number, "latest": reconciliation.statement.version}
        return gettext("该对账已过期：它核对的是第%(version)s版，结算单已出第%(latest)s版，请对最新版本重新对账") % versions
    return gettext("该对账已过期：礼品商已为同一版本重新上传对账文件，请在最新的对账中处理")


def _adjustment_for(line: ReconciliationLine, *, resolution: str, actor, now: datetime, note: str) -> Adjustment | None:
    if resolution not in {Resolution.ACCEPT_THEIRS, Resolution.CARRY_FORWARD}:
        return None
    amount = line.difference
    if not amount:
        raise ValidationFailed(gettext("双方金额一致，无需调账"), field="resolution")
    reconciliation = line.reconciliation
    statement = reconciliation.statement
    answered_already(statement_id=statement.pk, lines=[line])
    disputed = resolution == Resolution.ACCEPT_THEIRS and statement.state == Statement.State.DISPUTED
    values = {
        "file": reconciliation.file_name, "row": line.row or "-", "order": line.order_number, "sku": line.sku,
        "kind": Message(KIND_NAMES[line.kind]) if line.kind in KIND_NAMES else line.kind,
        "category": label_message(Category(line.category).label), "resolution": label_message(Resolution(resolution).label),
    }
    if note:
        reason = Message(gettext_noop("对账 %(file)s 第%(row)s行 %(order)s %(sku)s %(kind)s：%(category)s（%(resolution)s）— %(note)s"),
                         note=note, **values)
    else:
        reason = Message(gettext_noop("对账 %(file)s 第%(row)s行 %(order)s %(sku)s %(kind)s：%(category)s（%(resolution)s）"), **values)
    return propose_adjustment(
        supplier=statement.supplier, kind=Adjustment.Kind.RECONCILIATION, amount=amount, reason=reason, actor=actor, now=now,
        source_kind="reconciliation", source_id=str(reconciliation.pk), statement=statement if disputed else None,
    )


def book_corrections_on_dispute(statement: Statement) -> list[Adjustment]:
    """A dispute is answered by the statement's next version (SPEC §4.11), so the corrections finance already accepted from
    the supplier's reconciliation of this statement (以礼品商为准, proposed or approved, not carried to the next statement)
    that no statement has booked yet join that version: their `statement` is set, an approved one becomes a line of the
    next version at once and a proposed one when approved (the reissue waits for it). A correction a statement has
    booked already (the next month's, even a draft) stays there: it is booked once. Returns the corrections moved.
    Called in the dispute's transaction, with the statement locked."""
    accepted = ReconciliationLine.objects.filter(reconciliation__statement=statement, resolution=Resolution.ACCEPT_THEIRS)
    booked = StatementLine.objects.filter(source_kind=SourceKind.ADJUSTMENT).values("source_id")
    corrections = list(Adjustment.objects.select_for_update().filter(
        pk__in=accepted.values("adjustment_id"), supplier_id=statement.supplier_id, kind=Adjustment.Kind.RECONCILIATION,
        statement__isnull=True, state__in=ANSWERING,
    ).exclude(pk__in=booked).order_by("pk"))
    Adjustment.objects.filter(pk__in=[correction.pk for correction in corrections]).update(statement=statement)
    for correction in corrections:
        correction.statement = statement
        if correction.state == Adjustment.State.APPROVED:
            book_on_next_version(correction, statement=statement)
    return corrections


def booking_of(statement: Statement) -> dict[str, str]:
    """Where an adjustment proposed by resolving a line of this statement's reconciliation is booked, by resolution (the
    resolve form says it before the choice): accepting the supplier's figure on a statement in dispute answers the
    dispute in its next version; on an issued one, the statement of the month it is approved in, unless the supplier
    disputes this version first (`book_corrections_on_dispute`); carrying forward, always the month it is approved in."""
    later = gettext("审批后计入审批当月的结算单")
    next_version = {"number": statement.version + 1}
    if statement.state == Statement.State.DISPUTED:
        accepted = gettext("审批后计入本结算单第 %(number)s 版（答复异议）") % next_version
    elif statement.state == Statement.State.ISSUED:
        accepted = later + gettext("；若礼品商对本版提出异议，则改计入本结算单第 %(number)s 版") % next_version
    else:
        accepted = later
    return {Resolution.ACCEPT_THEIRS: accepted, Resolution.CARRY_FORWARD: later}


def list_reconciliations(*, actor, month=None, supplier_id: int | None = None, open_only: bool | None = None):
    """The reconciliations the actor may see (a supplier its own, finance and operators all), newest first, each
    annotated `open` (not superseded, with a discrepancy still to resolve: `ReconciliationLine.open`); of one statement
    month or supplier; `open_only`: only the open ones, or (False) only the others (`core.selectors.answering`)."""
    found = Reconciliation.objects.visible_to(actor).select_related("statement", "version", "supplier", "uploaded_by")
    if month:
        found = found.filter(statement__month=month)
    if supplier_id:
        found = found.filter(supplier_id=supplier_id)
    waiting = Exists(ReconciliationLine.objects.filter(UNRESOLVED, reconciliation=OuterRef("pk")))
    found = found.annotate(open=ExpressionWrapper(waiting & CURRENT, output_field=BooleanField()))
    return answering(found, Q(open=True), open_only)


def reconciliation_lines(*, reconciliation: Reconciliation, category: str = "", unresolved: bool | None = None):
    """The lines of one reconciliation in file order, ours the file lacks last; optionally of one category;
    `unresolved`: only those still to resolve (`ReconciliationLine.open`: none of a superseded reconciliation), or
    (False) only the others (`core.selectors.answering`). The portal's page and the API list them through it.

    :raises ValidationFailed: an unknown category
    """
    lines = with_pending(reconciliation.lines.select_related("adjustment", "resolved_by", "our_line__statement")).order_by(F("row").asc(nulls_last=True), "id")
    if category:
        if category not in Category.values:
            raise ValidationFailed(gettext("未知的对账结果 %(category)s") % {"category": category}, field="category")
        lines = lines.filter(category=category)
    open_lines = Q(pk__in=[]) if reconciliation.superseded else UNRESOLVED  # a superseded file's lines are none of them open
    return answering(lines, open_lines, unresolved)


def note_resolution_histories(lines: Iterable[ReconciliationLine], *, actor) -> None:
    """Read the resolutions of each of the lines the actor may read (`resolution_log`, `line_resolutions`) in one
    query, for a page listing them, each with what the actor reads of its adjustment (`note_shown_adjustments`)."""
    lines = list(lines)
    prefetch_related_objects(lines, Prefetch("resolution_log", queryset=line_resolutions(actor=actor)))
    note_shown_adjustments([kept for line in lines for kept in line.resolution_log.all()], actor=actor)


def line_resolutions(*, actor) -> QuerySet[LineResolution]:
    """Resolutions oldest first, with who resolved them and the adjustment each proposed; a supplier's users read those
    with no adjustment, an approved one, or one waiting for its checker as such (`adjustments.told_of`: never a rejected
    or withdrawn one, finance's own work, as under 此前对账的处理)."""
    return LineResolution.objects.filter(told_of(actor, through="adjustment__")).select_related(
        "resolved_by", "adjustment").order_by("resolved_at", "pk")



def answerable_lines(statement: Statement):
    """The lines of the statement's current reconciliations a dispute adjustment may answer: open discrepancies an
    adjustment may settle (`ReconciliationLine.adjustable`: not a duplicate row, nor an event a later statement books,
    one still to come or one recorded since the upload)."""
    held = Q(category__in=NOT_ADJUSTABLE) | Q(booked_later=True) | Q(awaiting=True) | Q(recorded_since=True) | Q(booked_elsewhere=True)
    return with_pending(ReconciliationLine.objects.filter(
        UNRESOLVED, reconciliation__in=Reconciliation.objects.filter(CURRENT, statement=statement),
    )).exclude(held).order_by(F("row").asc(nulls_last=True), "id")


def left_open(statement: Statement) -> list[Reconciliation]:
    """The statement's current reconciliations with discrepancies still to resolve, each annotated `open_lines`: what
    reissuing the statement supersedes (已过期), their differences then answered on the new version's file."""
    waiting = Count("lines", filter=unresolved_lines(through="lines__"))
    return list(Reconciliation.objects.filter(CURRENT, statement=statement).annotate(open_lines=waiting).filter(open_lines__gt=0)
                .select_related("version").order_by("uploaded_at", "pk"))


@waiting_for({Role.FINANCE})
def lines_to_resolve(user) -> QuerySet:
    """Discrepancies finance still has to resolve, of reconciliations not superseded (the 对账 badge)."""
    return ReconciliationLine.objects.filter(UNRESOLVED, Q(reconciliation__in=Reconciliation.objects.filter(CURRENT)))
