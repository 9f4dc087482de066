"""Catalog import and export (SPEC §4.2): a supplier's gifts as CSV or XLSX, one row per SKU, in the columns of COLUMNS.

Import reads CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX through tablib, checks every row, then runs every row
through the catalog services in one transaction: a new SKU becomes a draft (`create_gift`), an existing SKU of the
same supplier is edited (`edit_gift`: drafts in place, listed gifts as a revision), a row equal to the gift is skipped.
One problem anywhere and nothing is written; the problems name their row and column.

Problems travel as `ImportRejected` (a `ValidationFailed`); the API renders each with `attr` `rows.<n>.<column>`,
n being the spreadsheet row (the header is row 1, the first gift row 2), or `file` for the file as a whole.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.errors import DomainError, ValidationFailed
from core.models import Program, Tier
from core.exports import download_name
from core.tabular import CONTENT_TYPES, Problem, TableFile, TableRejected, TableSpec, read_headed_table, table_file
from core.validators import whole_number
from suppliers.errors import RevisionPending
from suppliers.models import Gift, GiftRevision, Supplier
from suppliers.services.catalog import create_gift
from suppliers.services.locks import lock_suppliers
from suppliers.services.revisions import clean_changes, edit_gift
from suppliers.validators import POINTS_LIMIT

# (machine key, Chinese label accepted as a header too (the file's header alias, so never translated), what the cell
# holds, in the reader's language)
COLUMNS = (
    ("sku", "货号", gettext_lazy("礼品商自有编码，同一礼品商内唯一；已有货号则修改该礼品")),
    ("name", "名称", gettext_lazy("必填")),
    ("description", "描述", ""),
    ("category", "类别", gettext_lazy("类别代码，如 tea")),
    ("images", "图片", gettext_lazy("图片地址，多个用 | 分隔")),
    ("specification", "规格", ""),
    ("warranty_text", "保修说明", ""),
    ("market_price", "市场价", gettext_lazy("元，非负，最多两位小数")),
    ("settlement_price", "结算价", gettext_lazy("元，非负，最多两位小数")),
    ("fulfilment", "履约方式", gettext_lazy("warehouse（物流仓发货）或 dropship（礼品商直发），空为 warehouse")),
    ("min_tier", "最低会员等级", gettext_lazy("standard / silver / gold / diamond，空为 standard")),
    ("tier_discounts", "等级积分折扣", gettext_lazy("全球通等级折扣百分比，如 gold:5|diamond:10")),
    ("points_gotone", "全球通积分", gettext_lazy("正整数；空表示不在全球通销售")),
    ("points_mzone", "动感地带积分", gettext_lazy("正整数；空表示不在动感地带销售")),
)
KEYS = [key for key, _, _ in COLUMNS]
#: Columns a file may leave out: a new gift takes their defaults, an existing one keeps what it has.
OPTIONAL = ("description", "images", "specification", "warranty_text", "fulfilment", "min_tier", "tier_discounts")
SPEC = TableSpec(
    keys=tuple(KEYS), aliases={label: key for key, label, _ in COLUMNS}, optional=OPTIONAL, max_rows=5000,
    noun=gettext_lazy("礼品行"),
)
POINTS_COLUMNS = {"points_gotone": Program.GOTONE, "points_mzone": Program.MZONE}
COLUMN_OF_FIELD = {"points_prices": "points_gotone"}
REQUIRED_VALUES = ("sku", "name", "category", "market_price", "settlement_price")
FORMATS = CONTENT_TYPES
_price_field = Gift._meta.get_field("settlement_price")
MONEY_DIGITS = _price_field.max_digits - _price_field.decimal_places  # before the decimal point
# Plain decimal notation in ASCII digits: Decimal() also takes other scripts' digits, exponents and underscores.
_NUMBER = re.compile(r"[+-]?([0-9]*)(?:\.([0-9]*))?")


class ImportRejected(TableRejected):
    """The catalog file cannot be imported; problems sorted by row, then in column order."""

    def __init__(self, problems: list[Problem], *, headings: dict[str, str] | None = None) -> None:
        super().__init__(problems, column_order=KEYS, headings=headings)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    revisions: int = 0
    unchanged: int = 0


def export_catalog(*, supplier: Supplier, file_format: str, now: datetime) -> TableFile:
    """Every gift of the supplier in the import columns; CSV as UTF-8 with BOM, formula-like text cells neutralised."""
    gifts = Gift.objects.filter(supplier=supplier).select_related("category").prefetch_related("prices__program").order_by("sku")
    return table_file(headers=KEYS, rows=(_cells(gift) for gift in gifts), file_format=file_format, name=download_name(f"gifts-{supplier.pk}", now),
                      title="gifts")


def import_catalog(*, supplier: Supplier, actor, now: datetime, file_name: str, content: bytes) -> ImportSummary:
    """Create new SKUs as drafts and edit existing ones of this supplier, every row or none, at once (the API; the
    portal imports a file by a task instead: suppliers.services.catalog_imports).

    :raises ImportRejected: naming the row and column of every problem; nothing is written
    """
    problems, planned, headings = _read(file_name=file_name, content=content)
    return write_catalog(supplier=supplier, actor=actor, now=now, rows=planned, headings=headings, problems=problems)


class CatalogFile(NamedTuple):
    rows: list[tuple[int, str, dict]]  # (row number, sku, cleaned changes): JSON-ready
    headings: dict[str, str]  # {column key: the column as the file's header names it}


def read_catalog_file(*, file_name: str, content: bytes) -> CatalogFile:
    """A catalog file read and every row checked (not yet against the catalog: `write_catalog` does that).

    :raises ImportRejected: naming the row and column of every problem
    """
    problems, planned, headings = _read(file_name=file_name, content=content)
    if problems:
        raise ImportRejected(problems, headings=headings)
    return CatalogFile(planned, headings)


def write_catalog(*, supplier: Supplier, actor, now: datetime, rows, headings: dict[str, str], problems=(),
                  went_through: Callable[[int], None] = lambda rows: None, still_wanted: Callable[[], bool] = lambda: True,
                  ) -> ImportSummary | None:
    """Write checked `rows` ((row number, sku, cleaned changes)) through the catalog services in one transaction, every
    row or none; `went_through(n)` after each row. None, nothing written, when `still_wanted()`, asked once this
    supplier's imports wait for no other, says the work is no longer wanted (done by another run of the same task).

    :raises ImportRejected: naming `problems` found before and the row and column of every row the services refuse;
        nothing is written
    """
    problems = list(problems)
    summary = ImportSummary()
    with transaction.atomic():
        # One import per supplier at a time, so that two uploads cannot both create the same new SKU.
        lock_suppliers([supplier.pk])
        if not still_wanted():
            return None
        gifts = Gift.objects.filter(supplier=supplier).select_related("category").prefetch_related("prices__program")
        existing = {gift.sku: gift for gift in gifts}
        revisions = GiftRevision.objects.filter(gift__supplier=supplier, state=GiftRevision.State.PENDING)
        pending = {revision.gift_id: revision for revision in revisions.only("gift_id", "changes", "requested_at")}
        # Valid rows are written even when others failed, so that the services' own refusals are reported
        # with the rest; raising below rolls all of it back (the dry run of django-import-export).
        for position, (number, sku, cleaned) in enumerate(rows, start=1):
            try:
                _apply_row(summary, supplier=supplier, actor=actor, now=now, sku=sku, cleaned=cleaned, gift=existing.get(sku),
                           pending=pending)
            except DomainError as error:
                problems += _row_problems(number, error)
            went_through(position)
        if problems:
            raise ImportRejected(problems, headings=headings)
    return summary


def _read(*, file_name: str, content: bytes) -> tuple[list[Problem], list[tuple[int, str, dict]], dict[str, str]]:
    try:
        rows, headings = read_headed_table(file_name=file_name, content=content, spec=SPEC)
    except TableRejected as rejected:
        raise ImportRejected(rejected.problems) from rejected
    problems, planned = _check_rows(rows)
    return problems, planned, headings


def _apply_row(summary: ImportSummary, *, supplier, actor, now, sku: str, cleaned: dict, gift: Gift | None, pending) -> None:
    if gift is None:
        create_gift(supplier=supplier, actor=actor, now=now, sku=sku, **cleaned)
        summary.created += 1
        return
    current = _values(gift)
    changes = _differences(current, cleaned)
    waiting = pending.get(gift.pk)
    # A row asking for what a pending revision already asks for is no change either (the same file uploaded twice).
    if not changes or not _differences(current | (waiting.changes if waiting else {}), cleaned):
        summary.unchanged += 1
    elif isinstance(_edited(gift, actor=actor, now=now, changes=changes, waiting=waiting), GiftRevision):
        summary.revisions += 1
    else:
        summary.updated += 1


def _edited(gift: Gift, *, actor, now: datetime, changes: dict, waiting: GiftRevision | None) -> Gift | GiftRevision:
    """`edit_gift`, its refusal for the revision `waiting` for review (read under the supplier's lock) naming that
    revision and the way forward: withdrawn, it no longer stands in the row's way (`revision_in_the_way`).

    :raises RevisionPending: naming the revision waiting :raises DomainError: whatever else `edit_gift` raises
    """
    try:
        return edit_gift(gift=gift, actor=actor, now=now, changes=changes)
    except RevisionPending as refused:
        if waiting is None:
            raise
        raise RevisionPending(revision_in_the_way(waiting), field="changes") from refused


def revision_in_the_way(revision: GiftRevision) -> str:
    """Why a row changing a gift whose `revision` waits for review is refused, and what lets it through."""
    return gettext("该礼品已有待审核的修改（修改编号 %(revision)s，%(at)s 提交）；在礼品页撤回该修改（撤回修改）后，本行即可导入") % {
        "revision": revision.pk, "at": timezone.localtime(revision.requested_at).strftime("%Y-%m-%d %H:%M")}


def _differences(values: dict[str, Any], cleaned: dict[str, Any]) -> dict[str, Any]:
    # XLSX is XML, whose parsers turn CR LF into LF: a line ending alone is no change.
    def comparable(value):
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value

    return {field: value for field, value in cleaned.items() if comparable(values[field]) != comparable(value)}


def _row_problems(number: int, error: DomainError) -> list[Problem]:
    """A service's refusal of one row, each error under the column of its field (the row's SKU when none fits)."""
    errors = getattr(error, "errors", None) or [(error.field, error.code, error.detail)]
    column = {field: field if field in KEYS else COLUMN_OF_FIELD.get(field, "sku") for field, _, _ in errors}
    return [Problem(number, column[field], code, detail) for field, code, detail in errors]


def _values(gift: Gift) -> dict[str, Any]:
    """The gift's editable fields in the shape `clean_changes` returns (category by code, money as strings)."""
    return {
        "name": gift.name, "description": gift.description, "category": gift.category.code, "images": gift.images,
        "specification": gift.specification, "warranty_text": gift.warranty_text,
        "market_price": str(gift.market_price.quantize(Decimal("0.01"))),
        "settlement_price": str(gift.settlement_price.quantize(Decimal("0.01"))),
        "fulfilment": gift.fulfilment, "min_tier": gift.min_tier, "tier_discounts": gift.tier_discounts,
        "points_prices": {price.program.code: price.points_price for price in gift.prices.all()},
    }


def _cells(gift: Gift) -> list:
    values = _values(gift)
    points = values["points_prices"]
    discounts = values["tier_discounts"]
    return [
        gift.sku, values["name"], values["description"], values["category"], "|".join(values["images"]), values["specification"],
        values["warranty_text"], Decimal(values["market_price"]), Decimal(values["settlement_price"]), values["fulfilment"],
        values["min_tier"], "|".join(f"{tier}:{discounts[tier]}" for tier in Tier.values if tier in discounts),
        *(points.get(program, "") for program in POINTS_COLUMNS.values()),
    ]


# Checking the rows

class _BadCell(Exception):
    pass


def _check_rows(rows) -> tuple[list[Problem], list[tuple[int, str, dict]]]:
    """Problems of each row, and (row, sku, cleaned changes) of the rows without any."""
    problems, planned, first_row = [], [], {}
    for number, cells in rows:
        row_problems = [(column, "required", gettext("必填")) for column in REQUIRED_VALUES if not cells[column].strip()]
        changes = _parse(cells, skip={column for column, _, _ in row_problems}, problems=row_problems)
        sku = changes.pop("sku", "")
        if sku in first_row:
            row_problems.append(("sku", "duplicate", gettext("货号与第 %(row)s 行重复") % {"row": first_row[sku]}))
        elif sku:
            first_row[sku] = number
        try:
            cleaned = clean_changes(changes)
        except ValidationFailed as error:
            problems += _row_problems(number, error)
        else:
            if not row_problems:
                planned.append((number, sku, cleaned))
        problems += [Problem(number, column, code, detail) for column, code, detail in row_problems]
    return problems, planned


def _parse(cells: dict[str, str], *, skip: set[str], problems: list) -> dict[str, Any]:
    """The row as a change set for `clean_changes`; a cell that cannot be read is left out and added to `problems`."""
    changes: dict[str, Any] = {}
    points: dict[str, int] = {}
    for column, parse in PARSERS.items():
        if column in skip or column not in cells:  # a column the file leaves out changes nothing
            continue
        try:
            value = parse(cells[column])
        except _BadCell as bad:
            problems.append((column, "invalid", str(bad)))
            continue
        if column not in POINTS_COLUMNS:
            changes[column] = value
        elif value is not None:
            points[POINTS_COLUMNS[column]] = value
    if not any(column in POINTS_COLUMNS for column, _, _ in problems):
        changes["points_prices"] = points
    return changes


def _number(text: str, *, whole_digits: int, not_a_number: str, too_large: str) -> Decimal:
    """The cell in plain decimal notation.

    :raises _BadCell: `not_a_number`; `too_large` for more than `whole_digits` digits before the point (counted before
        Decimal(), which would overflow on a million of them)
    """
    match = _NUMBER.fullmatch(text.strip())
    if not match or not (match[1] or match[2]):
        raise _BadCell(not_a_number)
    if len(match[1].lstrip("0")) > whole_digits:
        raise _BadCell(too_large)
    return Decimal(match[0])


def _money(text: str) -> Decimal:
    return _number(text, whole_digits=MONEY_DIGITS, not_a_number=gettext("金额格式错误"),
                   too_large=gettext("金额过大，整数部分最多 %(money_digits)s 位") % {"money_digits": MONEY_DIGITS})


def _points(text: str) -> int | None:
    if not text.strip():
        return None
    if not (points := whole_number(text, limit=POINTS_LIMIT)):
        raise _BadCell(gettext("积分须为 1–%(points_limit)s 的整数") % {"points_limit": POINTS_LIMIT})
    return points


def _discounts(text: str) -> dict[str, int]:
    discounts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split("|"))):
        tier, sep, percent = (s.strip() for s in part.partition(":"))
        if not sep:
            raise _BadCell(gettext("格式为 等级:折扣，如 gold:5|diamond:10"))
        if tier in discounts:
            raise _BadCell(gettext("等级「%(tier)s」重复") % {"tier": tier})
        out_of_range = gettext("「%(part)s」的折扣须为 0–99 的整数百分比") % {"part": part}
        value = _number(percent, whole_digits=2, not_a_number=gettext("「%(part)s」的折扣不是数字") % {"part": part}, too_large=out_of_range)
        if value != value.to_integral_value():
            raise _BadCell(out_of_range)
        discounts[tier] = int(value)
    return discounts


PARSERS = {
    "sku": str.strip,
    "name": str.strip,
    "description": str,
    "category": str.strip,
    "images": lambda text: [path.strip() for path in text.split("|") if path.strip()],
    "specification": str,
    "warranty_text": str,
    "market_price": _money,
    "settlement_price": _money,
    "fulfilment": lambda text: text.strip() or Gift.Fulfilment.WAREHOUSE,
    "min_tier": lambda text: text.strip() or Tier.STANDARD,
    "tier_discounts": _discounts,
    "points_gotone": _points,
    "points_mzone": _points,
}
