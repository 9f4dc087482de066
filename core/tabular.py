"""Reading and writing tables (CSV in UTF-8, UTF-8 with BOM or GBK/GB18030; XLSX) for imports, exports and
reconciliation files. Problems name their spreadsheet row (the header is row 1) and column, and travel as one
`TableRejected` (a ValidationFailed) rendered with `attr` `rows.<n>.<column>`, or `file` for the file as a whole."""
import codecs
import csv
import functools
import io
import itertools
import re
import zipfile
from pathlib import PurePath
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import openpyxl
from defusedxml import ElementTree as defused
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from django.utils.translation import gettext, pgettext_lazy

from core.errors import ValidationFailed

# Spreadsheets run a cell beginning with one of these as a formula; quotes before it are part of the escaping.
# LF is there because XLSX (XML) turns a CR into one, and the quote must still come off on the way back.
FORMULA_LIKE = re.compile(r"'*[=+\-@\t\r\n]")
# What XML 1.0 cannot carry, replaced by U+FFFD in an XLSX (the CSV keeps it): the control characters but tab and line
# breaks, lone surrogates, and the non-characters U+FFFE and U+FFFF, which openpyxl's ILLEGAL_CHARACTERS_RE lets through.
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None  # the column's key (the API's attr names it)
    code: str
    detail: str
    heading: str = ""  # the column as the file's header names it, for people

    @property
    def attr(self) -> str:
        return f"rows.{self.row}.{self.column}" if self.row else "file"


class TableRejected(ValidationFailed):
    """The file cannot be taken; `problems` lists each one by row and column, in row then column order."""

    def __init__(self, problems: list[Problem], *, column_order: Sequence[str] = (), headings: dict[str, str] | None = None) -> None:
        """`headings` ({key: the column as the file's header names it}, from `read_headed_table`) name each problem's
        column to people where it does not say already."""
        order = list(column_order)
        named = [replace(p, heading=headings.get(p.column, "")) if headings and p.column and not p.heading else p for p in problems]
        self.problems = sorted(named, key=lambda p: (p.row or 0, order.index(p.column) if p.column in order else -1))
        first = self.problems[0]
        super().__init__(first.detail, field=first.attr, errors=[(p.attr, p.code, p.detail) for p in self.problems])


@dataclass(frozen=True)
class TableSpec:
    """The columns a file must have: machine keys, plus header aliases (e.g. Chinese labels) accepted for them."""

    keys: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)
    optional: tuple[str, ...] = ()
    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 5000
    noun: str = pgettext_lazy("rows of a file", "行")  # in "the file has a header but no <noun>"
    headings: dict[str, str] = field(default_factory=dict)  # a column's name for people where `heading` would pick another

    def key_of(self, header: str) -> str | None:
        return header if header in self.keys else self.aliases.get(header) or self.aliases.get(header.lower())

    def heading(self, key: str, *, english: bool = False) -> str:
        """A column as people name it: as `headings` names it, or its first Chinese alias (the heading our own
        downloads write), else its first alias, else the key. `english` (a file headed in English): the key, which
        such a file writes, unless `headings` names the column in English (SKU)."""
        if key in self.headings and (self.headings[key].isascii() or not english):
            return self.headings[key]
        if english:
            return key
        aliases = [alias for alias, aliased in self.aliases.items() if aliased == key]
        return next((alias for alias in aliases if not alias.isascii()), aliases[0] if aliases else key)


def headed_in_english(headers: Iterable[str]) -> bool:
    """Whether a file's header row names its columns in English: every heading it writes is ASCII (points, carrier),
    none Chinese (积分, 承运商). A file's problems name its columns in the same words."""
    named = [header for header in headers if header]
    return bool(named) and all(header.isascii() for header in named)


def file_problem(code: str, detail: str) -> TableRejected:
    return TableRejected([Problem(None, None, code, detail)])


def cell_text(cell) -> str:
    """A cell as text, with an export's neutralising quote taken off again."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell)
    return text[1:] if text.startswith("'") and FORMULA_LIKE.match(text) else text


def neutralise(cell):
    """Prefix a formula-looking text cell with a quote so a spreadsheet shows it as text."""
    return f"'{cell}" if isinstance(cell, str) and FORMULA_LIKE.match(cell) else cell


def read_table(*, file_name: str, content: bytes, spec: TableSpec) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {key: text}) of every non-blank row.

    :raises TableRejected: for the file as a whole (not CSV or XLSX by its name, empty, header only, unreadable, too
        large, columns wrong)
    """
    return read_headed_table(file_name=file_name, content=content, spec=spec)[0]


def read_headed_table(*, file_name: str, content: bytes, spec: TableSpec) -> tuple[list[tuple[int, dict[str, str]]], dict[str, str]]:
    """`read_table`'s rows, and {key: the column's header as the file writes it} to name columns to people by.

    :raises TableRejected: for the file as a whole (not CSV or XLSX by its name, empty, header only, unreadable, too
        large, columns wrong)
    """
    suffix = PurePath(file_name).suffix.lower()
    if suffix and suffix.lstrip(".") not in CONTENT_TYPES:  # a name without one (an API client's) is read by its content
        raise file_problem("wrong_type", gettext("不支持 %(suffix)s 文件，请上传 CSV 或 XLSX 文件") % {"suffix": suffix})
    if not content.strip():
        raise file_problem("empty_file", gettext("文件为空"))
    if len(content) > spec.max_bytes:
        raise file_problem("too_large", gettext("文件超过 %(megabytes)s MB") % {"megabytes": spec.max_bytes // 1024 // 1024})
    is_xlsx = content.startswith(b"PK\x03\x04") or file_name.lower().endswith(".xlsx")  # XLSX is a zip
    headers, body = _load_xlsx(content, max_rows=spec.max_rows) if is_xlsx else _load_csv(content)
    if not headers or not any(cell_text(h).strip() for h in headers):
        raise file_problem("empty_file", gettext("文件为空"))
    positions = list(_columns(headers, spec).items())
    rows = []
    for index, row in enumerate(body):
        cells = {key: cell_text(row[position]) if position < len(row) else "" for key, position in positions}
        if any(value.strip() for value in cells.values()):
            rows.append((index + 2, cells))
    if not rows:
        raise file_problem("no_rows", gettext("文件只有表头，没有数据%(noun)s") % {"noun": spec.noun})
    if len(rows) > spec.max_rows:
        raise file_problem("too_many_rows", gettext("每个文件最多 %(max_rows)s 行，请分批导入") % {"max_rows": spec.max_rows})
    return rows, {key: cell_text(headers[position]).strip() for key, position in positions}


@dataclass(frozen=True)
class TableFile:
    """A written table ready to download."""

    content: bytes
    content_type: str
    filename: str


def table_file(*, headers: Sequence[str], rows: Iterable[Sequence], file_format: str, name: str, title: str = "sheet",
               plain: bool = False) -> TableFile:
    """`write_table` as a download named `name`.<file_format>; with `plain`, an XLSX of plain cells only
    (`plain_xlsx_bytes`)."""
    if plain and file_format == "xlsx":
        return TableFile(plain_xlsx_bytes(headers=headers, rows=rows, title=title), CONTENT_TYPES[file_format], f"{name}.{file_format}")
    content = write_table(headers=headers, rows=rows, file_format=file_format, title=title)
    return TableFile(content, CONTENT_TYPES[file_format], f"{name}.{file_format}")


def write_table(*, headers: Sequence[str], rows: Iterable[Sequence], file_format: str, title: str = "sheet") -> bytes:
    """CSV (UTF-8 with BOM, for Excel) or XLSX; formula-looking text cells neutralised. In XLSX an amount (`Decimal`) is
    a number shown with its two places (500.00, not 500)."""
    if file_format == "csv":
        return b"".join(csv_chunks(headers=headers, rows=rows))
    return xlsx_bytes(headers=headers, rows=rows, title=title)


def csv_chunks(*, headers: Sequence[str], rows: Iterable[Sequence], rows_per_chunk: int = 1000) -> Iterator[bytes]:
    """`write_table`'s CSV in pieces of `rows_per_chunk` rows, the header and the BOM first (to stream a download)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    yield out.getvalue().encode("utf-8-sig")
    rows = iter(rows)
    while chunk := list(islice(rows, rows_per_chunk)):
        out.seek(0)
        out.truncate()
        writer.writerows([[neutralise(cell) for cell in row] for row in chunk])
        yield out.getvalue().encode("utf-8")


def xlsx_bytes(*, headers: Sequence[str], rows: Iterable[Sequence], title: str = "sheet") -> bytes:
    """`write_table`'s XLSX, written row by row (openpyxl's write-only workbook)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_xlsx_cell(sheet, neutralise(cell)) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain_xlsx_bytes(*, headers: Sequence[str], rows: Iterable[Sequence], title: str = "sheet") -> bytes:
    """`write_table`'s XLSX for cells of text, numbers, amounts (`Decimal`, shown with two places) and none, written as
    the sheet's XML straight into the zip: the same cells as openpyxl writes, without its work per cell (a list
    download of 20,000 rows × 13 columns took 14 s through openpyxl).

    :raises TypeError: for a cell of another type (a date: `write_table` takes it)
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for part, xml in _XLSX_PARTS.items():
            book.writestr(part, xml.replace("{title}", _xml_text(title[:31])))
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet, io.TextIOWrapper(sheet, encoding="utf-8") as xml:
            xml.write(_SHEET_START)
            for number, row in enumerate(itertools.chain([headers], rows), start=1):
                xml.write(f'<row r="{number}">{"".join(_xml_cell(f"{_column_letter(i)}{number}", v) for i, v in enumerate(row))}</row>')
            xml.write("</sheetData></worksheet>")
    return out.getvalue()


def _xml_cell(reference: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if not value:
            return f'<c r="{reference}" t="inlineStr"/>'
        text = _xml_text(NOT_IN_XML.sub("\ufffd", neutralise(value)))
        return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Decimal):  # numbers as openpyxl writes them: 16 significant digits
        return f'<c r="{reference}" s="1"><v>{"%.16g" % value}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{"%.16g" % value}</v></c>'
    raise TypeError(f"no plain XLSX cell for {type(value).__name__}")


def _xml_text(text: str) -> str:
    """Text escaped for an element or a double-quoted attribute (the sheet's name)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@functools.cache
def _column_letter(index: int) -> str:
    return get_column_letter(index + 1)


_SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '</Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '</Relationships>'),
    "xl/styles.xml": (  # style 1: an amount, number format 2 (Excel's built-in "0.00")
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>'),
}


def _xlsx_cell(sheet, value):
    """A cell's value as XLSX holds it: text without the characters XML cannot carry (a stored name or note may hold
    one; the CSV keeps it), an amount shown with its two places."""
    if isinstance(value, str):
        return NOT_IN_XML.sub("\ufffd", value)
    if not isinstance(value, Decimal):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "0.00"
    return cell


def _load_xlsx(content: bytes, *, max_rows: int) -> tuple[list, list]:
    """Header and rows of the workbook's active sheet, as openpyxl reads them (read-only, cached values).

    :raises TableRejected: for a value beyond row `max_rows` + 1 or column MAX_COLUMNS, before any gap up to it is filled;
        for parts that would unpack to more than MAX_UNPACKED_BYTES, before any is unpacked
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            if sum(part.file_size for part in book.infolist()) > MAX_UNPACKED_BYTES:  # zipfile unpacks no more than a part declares
                raise file_problem(
                    "too_large", gettext("XLSX 解压后超过 %(megabytes)s MB") % {"megabytes": MAX_UNPACKED_BYTES // 1024 // 1024}
                )
            grid, sheet = _scan_active_sheet(book, content, last_row=max_rows + 1)
        if sheet is not None:
            # Only as far as the scan found values: openpyxl fills every row and column up to the farthest one.
            width = max(len(row) for row in grid)
            grid = [list(row) for row in sheet.iter_rows(max_row=len(grid), max_col=width, values_only=True)]
    except TableRejected:
        raise
    except Exception as error:  # anything a malformed workbook raises is the file's fault
        raise file_problem("unreadable", gettext("无法读取 XLSX 文件")) from error
    return (grid[0], grid[1:]) if grid else ([], [])


def _load_csv(content: bytes) -> tuple[list, list]:
    """Header and rows, blank lines left out and short rows padded (as tablib loads CSV).

    :raises TableRejected: for a value beyond column MAX_COLUMNS, as in a workbook
    """
    text = _csv_text(content)
    if "\x00" in text:
        raise file_problem("unreadable", gettext("不是 CSV 文本文件"))
    try:
        reader = csv.reader(io.StringIO(text))
        headers = next(reader, [])
        rows = [row for row in reader if row]
    except csv.Error as error:
        raise file_problem("unreadable", gettext("CSV 格式错误")) from error
    for number, row in enumerate(rows, start=2):  # numbered as the rows read are (`read_headed_table`)
        if len(row) > len(headers):
            message = gettext("第 %(number)s 行有 %(cells)s 列，比表头的 %(columns)s 列多")
            raise file_problem("unreadable", message % {"number": number, "cells": len(row), "columns": len(headers)})
    for number, row in enumerate([headers, *rows], start=1):
        if any(cell.strip() for cell in row[MAX_COLUMNS:]):
            raise _too_many_columns(number)
    return headers, rows


def _csv_text(content: bytes) -> str:
    """The text in UTF-8 (with or without BOM), else in GB18030 (a superset of GBK).

    :raises TableRejected: for text in neither; for UTF-8 (a BOM, or mostly UTF-8 characters) with some bytes that are
        not (a Latin-1 "è" pasted in, say), naming the row of the first: GB18030 would read it all, garbled, without a word
    """
    has_bom = content.startswith(codecs.BOM_UTF8)
    body = content[len(codecs.BOM_UTF8):] if has_bom else content
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        if has_bom or _mostly_utf8(body):
            row = sum(1 for record in csv.reader(io.StringIO(body[:error.start].decode("utf-8") + "x")) if record)
            message = gettext("第 %(row)s 行有不是 UTF-8 编码的字符，请将文件另存为 UTF-8 或 GBK 编码后重新上传")
            raise file_problem("unreadable", message % {"row": row}) from error
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as error:
        raise file_problem("unreadable", gettext("无法识别文件编码，请使用 UTF-8 或 GBK")) from error


#: UTF-8 multibyte characters a text needs before its stray bytes are taken for a mistake in UTF-8 rather than for GBK
MIN_UTF8_CHARACTERS = 4


def _mostly_utf8(content: bytes) -> bool:
    """Whether text that is not all UTF-8 was meant to be: it holds at least MIN_UTF8_CHARACTERS UTF-8 multibyte
    characters, and at least twice as many as the bytes that are not UTF-8. In GBK text a pair of bytes now and then
    happens to be a UTF-8 character (明前: C3 F7 C7 B0, the second a UTF-8 "ǰ"), but hardly ever twice as many as the
    bytes that are not, except in a cell or two of a few characters (新版本: D0 C2 B0 E6 B1 BE, two UTF-8 characters
    and one stray byte), too few to tell."""
    text = content.decode("utf-8", errors="surrogateescape")  # each byte that is not UTF-8 becomes one of U+DC80–U+DCFF
    stray = sum(1 for char in text if "\udc80" <= char <= "\udcff")
    multibyte = sum(1 for char in text if char > "\x7f") - stray
    return multibyte >= max(MIN_UTF8_CHARACTERS, 2 * stray)


def _columns(headers: list, spec: TableSpec) -> dict[str, int]:
    """Position of each column. :raises TableRejected: for unknown, repeated or missing columns"""
    positions, problems = {}, []
    names = [cell_text(header).strip() for header in headers]
    english = headed_in_english([name for name in names if spec.key_of(name)] or names)
    for position, name in enumerate(names):
        key = spec.key_of(name)
        if key is None and name:
            problems.append(Problem(None, None, "unknown_column", gettext("未知的列「%(name)s」") % {"name": name}))
        elif key in positions:
            problems.append(Problem(None, None, "duplicate_column", gettext("列「%(key)s」重复") % {"key": spec.heading(key, english=english)}))
        elif key:
            positions[key] = position
    problems += [
        Problem(None, None, "missing_column", gettext("缺少列「%(key)s」") % {"key": spec.heading(key, english=english)})
        for key in spec.keys if key not in positions and key not in spec.optional
    ]
    if problems:
        raise TableRejected(problems)
    return positions


# --- a fast path for plain workbooks ------------------------------------------------------------------------------
# openpyxl takes ~10 s to read 100,000 rows; iterparse (expat, in C) reads a plain sheet the same way in a fraction of
# that. "Plain": one sheet, and no cell openpyxl would turn into a date; anything else goes to openpyxl, which reads
# only as many rows and columns as this scan found values in.

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_ROW_NUMBER = re.compile(r"[1-9][0-9]{0,15}")
# Our widest table has 14 columns; 64 leaves room for notes beside it and bounds a sheet to max_rows × 64 cells.
MAX_COLUMNS = 64
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a few MB of upload may not unpack to gigabytes (a zip bomb)


# No workbook part needs a DTD, and one could declare entities that expand a few KB into gigabytes (expat allows
# 100 times the input): a part with one is unreadable before anything in it is expanded. openpyxl parses through
# defusedxml too once it is installed, refusing entities in the parts only it reads.
_parse_part = functools.partial(defused.fromstring, forbid_dtd=True)
_iterparse_part = functools.partial(defused.iterparse, forbid_dtd=True)


def _openpyxl_active(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True).active


def _scan_active_sheet(book: zipfile.ZipFile, content: bytes, *, last_row: int) -> tuple[list[list], Any]:
    """The sheet's rows up to the last one with a value, and the openpyxl sheet to read them from instead, or None
    when they are plain.

    :raises TableRejected: for a value beyond `last_row` or MAX_COLUMNS
    """
    names = set(book.namelist())
    sheets = list(_parse_part(book.read("xl/workbook.xml")).iter(f"{_NS}sheet"))
    active = None if len(sheets) == 1 else _openpyxl_active(content)
    sheet = sheets[0] if active is None else next(s for s in sheets if s.get("name") == active.title)
    rels = _parse_part(book.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels if r.get("Id") == sheet.get(_REL))
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    strings = _shared_strings(book.read("xl/sharedStrings.xml")) if "xl/sharedStrings.xml" in names else []
    dates = _date_styles(book.read("xl/styles.xml")) if "xl/styles.xml" in names else set()
    rows: dict[int, list] = {}
    number, plain = 0, active is None
    with book.open(path) as stream:
        for _event, element in _iterparse_part(stream):
            if element.tag == f"{_NS}row":
                number = int(_ROW_NUMBER.fullmatch(element.get("r") or str(number + 1))[0])
                values, plain_row = _row_values(element, number, strings, dates)
                if values.count(None) < len(values):  # a value, not only empty cells
                    if number > last_row:
                        message = gettext("第 %(number)s 行超出每个文件最多 %(max_rows)s 行的限制，请分批导入")
                        raise file_problem("too_many_rows", message % {"number": number, "max_rows": last_row - 1})
                    rows[number], plain = values, plain and plain_row
                element.clear()
    grid = [rows.get(n, []) for n in range(1, max(rows, default=0) + 1)]
    return grid, None if plain or not grid else active or _openpyxl_active(content)


def _row_values(row, number: int, strings: list[str], dates: set[str]) -> tuple[list, bool]:
    """The row's values by column, and whether openpyxl reads them the same (it turns date-formatted numbers into dates)."""
    values: list = []
    plain = True
    for cell in row.iter(f"{_NS}c"):
        reference = _CELL_REF.match(cell.get("r") or "")
        kind, value = cell.get("t", "n"), cell.findtext(f"{_NS}v")
        if kind == "inlineStr":
            value = "".join(t.text or "" for t in cell.iter(f"{_NS}t"))
        elif not value:  # no value, or an empty one: a formula whose result was never stored (a file a script wrote and
            continue  # no spreadsheet calculated), which openpyxl reads as an empty cell too, for the row's checks to name
        elif kind == "s":
            value = strings[int(value)]
        elif kind == "b":
            value = bool(int(value))
        elif kind == "n" and cell.get("s", "0") not in dates:
            value = float(value) if any(c in value for c in ".eE") else int(value)
        elif kind not in {"str", "e"}:
            plain = False
        column = _column_index(reference.group(1)) if reference else len(values)
        if column >= MAX_COLUMNS:
            raise _too_many_columns(number)
        values += [None] * (column + 1 - len(values))
        values[column] = None if value == "" else value  # openpyxl reads an empty text cell as empty
    return values, plain


def _too_many_columns(number: int) -> TableRejected:
    message = gettext("第 %(number)s 行有超出第 %(max_columns)s 列的单元格")
    return file_problem("too_many_columns", message % {"number": number, "max_columns": MAX_COLUMNS})


def _column_index(letters: str) -> int:
    """0-based; MAX_COLUMNS for a run of letters past XFD, Excel's last column (not worth the arithmetic)."""
    if len(letters) > 3:
        return MAX_COLUMNS
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _shared_strings(xml: bytes) -> list[str]:
    """Each string's text runs, without phonetic (rPh) ones, as openpyxl reads them."""
    strings = []
    for item in _parse_part(xml).iter(f"{_NS}si"):
        runs = [item.find(f"{_NS}t")] if item.find(f"{_NS}t") is not None else [r.find(f"{_NS}t") for r in item.iter(f"{_NS}r")]
        strings.append("".join(t.text or "" for t in runs if t is not None))
    return strings


def _date_styles(xml: bytes) -> set[str]:
    """The style indexes openpyxl reads a number of as a date or time."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    root = _parse_part(xml)
    formats = {int(f.get("numFmtId")): f.get("formatCode") for f in root.iter(f"{_NS}numFmt")}
    cell_xfs = root.find(f"{_NS}cellXfs")
    styles = [] if cell_xfs is None else cell_xfs.findall(f"{_NS}xf")
    return {
        str(index) for index, xf in enumerate(styles)
        if is_date_format(formats.get(int(xf.get("numFmtId", 0))) or BUILTIN_FORMATS.get(int(xf.get("numFmtId", 0)), "General"))
    }
