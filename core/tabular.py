"""Reading and writing tables (CSV in UTF-8, UTF-8 with BOM or GBK/GB18030; XLSX) for imports, exports and
reconciliation files. Problems name their spreadsheet row (the header is row 1) and column, and travel as one
`TableRejected` (a ValidationFailed) rendered with `attr` `rows.<n>.<column>`, or `file` for the file as a whole."""
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import openpyxl
import tablib

from core.errors import ValidationFailed

# Spreadsheets run a cell beginning with one of these as a formula; quotes before it are part of the escaping.
# LF is there because XLSX (XML) turns a CR into one, and the quote must still come off on the way back.
FORMULA_LIKE = re.compile(r"'*[=+\-@\t\r\n]")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    code: str
    detail: str

    @property
    def attr(self) -> str:
        return f"rows.{self.row}.{self.column}" if self.row else "file"


class TableRejected(ValidationFailed):
    """The file cannot be taken; `problems` lists each one by row and column, in row then column order."""

    def __init__(self, problems: list[Problem], *, column_order: Sequence[str] = ()) -> None:
        order = list(column_order)
        self.problems = sorted(problems, key=lambda p: (p.row or 0, order.index(p.column) if p.column in order else -1))
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
    noun: str = "行"

    def key_of(self, header: str) -> str | None:
        return header if header in self.keys else self.aliases.get(header) or self.aliases.get(header.lower())


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

    :raises TableRejected: for the file as a whole (empty, header only, unreadable, too large, columns wrong)
    """
    if not content.strip():
        raise file_problem("empty_file", "文件为空 (the file is empty)")
    if len(content) > spec.max_bytes:
        raise file_problem("too_large", f"文件超过 {spec.max_bytes // 1024 // 1024} MB (the file is too large)")
    is_xlsx = content.startswith(b"PK\x03\x04") or file_name.lower().endswith(".xlsx")  # XLSX is a zip
    headers, body = _load_xlsx(content) if is_xlsx else _load_csv(content)
    if not headers or not any(cell_text(h).strip() for h in headers):
        raise file_problem("empty_file", "文件为空 (the file is empty)")
    positions = list(_columns(headers, spec).items())
    rows = []
    for index, row in enumerate(body):
        cells = {key: cell_text(row[position]) if position < len(row) else "" for key, position in positions}
        if any(value.strip() for value in cells.values()):
            rows.append((index + 2, cells))
    if not rows:
        raise file_problem("no_rows", f"文件只有表头，没有数据{spec.noun} (the file has a header but no rows)")
    if len(rows) > spec.max_rows:
        raise file_problem("too_many_rows", f"每个文件最多 {spec.max_rows} 行，请分批导入 (at most {spec.max_rows} rows per file)")
    return rows


def write_table(*, headers: Sequence[str], rows: Iterable[Sequence], file_format: str, title: str = "sheet") -> bytes:
    """CSV (UTF-8 with BOM, for Excel) or XLSX; formula-looking text cells neutralised."""
    dataset = tablib.Dataset(headers=list(headers), title=title)
    for row in rows:
        dataset.append([neutralise(cell) for cell in row])
    return dataset.export("csv").encode("utf-8-sig") if file_format == "csv" else dataset.export("xlsx")


def _load_xlsx(content: bytes) -> tuple[list, list]:
    """Header and rows of the workbook's active sheet, as openpyxl reads them (read-only, cached values)."""
    try:
        return _read_simple_xlsx(content)
    except _NotSimple:
        pass
    except Exception as error:  # anything a malformed workbook raises is the file's fault
        raise file_problem("unreadable", "无法读取 XLSX 文件 (not a readable XLSX workbook)") from error
    try:
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    except Exception as error:
        raise file_problem("unreadable", "无法读取 XLSX 文件 (not a readable XLSX workbook)") from error
    return (rows[0], rows[1:]) if rows else ([], [])


def _load_csv(content: bytes) -> tuple[list, list]:
    """Header and rows, blank lines left out and short rows padded (as tablib loads CSV)."""
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 is a superset of GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise file_problem("unreadable", "无法识别文件编码，请使用 UTF-8 或 GBK (not UTF-8 or GBK text)")
    if "\x00" in text:
        raise file_problem("unreadable", "不是 CSV 文本文件 (not a CSV file)")
    try:
        reader = csv.reader(io.StringIO(text))
        headers = next(reader, [])
        rows = [row for row in reader if row]
    except csv.Error as error:
        raise file_problem("unreadable", f"CSV 格式错误 (not a well-formed CSV file: {error})") from error
    if any(len(row) > len(headers) for row in rows):
        raise file_problem("unreadable", "有的行比表头的列多 (a row has more cells than the header)")
    return headers, rows


def _columns(headers: list, spec: TableSpec) -> dict[str, int]:
    """Position of each column. :raises TableRejected: for unknown, repeated or missing columns"""
    positions, problems = {}, []
    for position, header in enumerate(headers):
        name = cell_text(header).strip()
        key = spec.key_of(name)
        if key is None and name:
            problems.append(Problem(None, None, "unknown_column", f"未知的列「{name}」(unknown column)"))
        elif key in positions:
            problems.append(Problem(None, None, "duplicate_column", f"列「{key}」重复 (column appears twice)"))
        elif key:
            positions[key] = position
    problems += [
        Problem(None, None, "missing_column", f"缺少列「{key}」(missing column)")
        for key in spec.keys if key not in positions and key not in spec.optional
    ]
    if problems:
        raise TableRejected(problems)
    return positions


# --- a fast path for plain workbooks ------------------------------------------------------------------------------
# openpyxl takes ~10 s to read 100,000 rows; iterparse (expat, in C) reads a plain sheet the same way in a fraction of
# that. "Plain": one sheet, and no cell openpyxl would turn into a date; anything else goes to openpyxl.

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


class _NotSimple(Exception):
    """The workbook needs openpyxl."""


def _read_simple_xlsx(content: bytes) -> tuple[list, list]:
    from xml.etree.ElementTree import fromstring, iterparse

    with zipfile.ZipFile(io.BytesIO(content)) as book:
        names = set(book.namelist())
        sheets = fromstring(book.read("xl/workbook.xml")).iter(f"{_NS}sheet")
        sheet = next(sheets, None)
        if sheet is None or next(sheets, None) is not None:
            raise _NotSimple
        rels = fromstring(book.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in rels if r.get("Id") == sheet.get(_REL))
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        strings = _shared_strings(book.read("xl/sharedStrings.xml")) if "xl/sharedStrings.xml" in names else []
        dates = _date_styles(book.read("xl/styles.xml")) if "xl/styles.xml" in names else set()
        rows: dict[int, list] = {}
        with book.open(path) as stream:
            for _event, element in iterparse(stream):
                if element.tag == f"{_NS}row":
                    number = int(element.get("r") or len(rows) + 1)
                    rows[number] = _row_values(element, strings, dates)
                    element.clear()
    if not rows:
        return [], []
    width = max(len(row) for row in rows.values())
    grid = [rows.get(number, []) for number in range(min(rows), max(rows) + 1)]
    grid = [row + [None] * (width - len(row)) for row in grid]
    grid = [[None] * width] * (min(rows) - 1) + grid
    return grid[0], grid[1:]


def _row_values(row, strings: list[str], dates: set[str]) -> list:
    values: list = []
    for cell in row.iter(f"{_NS}c"):
        reference = _CELL_REF.match(cell.get("r") or "")
        column = _column_index(reference.group(1)) if reference else len(values)
        kind, value = cell.get("t", "n"), cell.findtext(f"{_NS}v")
        if kind == "inlineStr":
            value = "".join(t.text or "" for t in cell.iter(f"{_NS}t"))
        elif value is None:
            continue
        elif kind == "s":
            value = strings[int(value)]
        elif kind == "b":
            value = bool(int(value))
        elif kind == "n":
            if cell.get("s", "0") in dates:
                raise _NotSimple
            value = float(value) if any(c in value for c in ".eE") else int(value)
        elif kind not in {"str", "e"}:
            raise _NotSimple
        values += [None] * (column + 1 - len(values))
        values[column] = None if value == "" else value  # openpyxl reads an empty text cell as empty
    return values


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _shared_strings(xml: bytes) -> list[str]:
    """Each string's text runs, without phonetic (rPh) ones, as openpyxl reads them."""
    from xml.etree.ElementTree import fromstring

    strings = []
    for item in fromstring(xml).iter(f"{_NS}si"):
        runs = [item.find(f"{_NS}t")] if item.find(f"{_NS}t") is not None else [r.find(f"{_NS}t") for r in item.iter(f"{_NS}r")]
        strings.append("".join(t.text or "" for t in runs if t is not None))
    return strings


def _date_styles(xml: bytes) -> set[str]:
    """The style indexes openpyxl reads a number of as a date or time."""
    from xml.etree.ElementTree import fromstring

    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    root = fromstring(xml)
    formats = {int(f.get("numFmtId")): f.get("formatCode") for f in root.iter(f"{_NS}numFmt")}
    cell_xfs = root.find(f"{_NS}cellXfs")
    styles = [] if cell_xfs is None else cell_xfs.findall(f"{_NS}xf")
    return {
        str(index) for index, xf in enumerate(styles)
        if is_date_format(formats.get(int(xf.get("numFmtId", 0))) or BUILTIN_FORMATS.get(int(xf.get("numFmtId", 0)), "General"))
    }
