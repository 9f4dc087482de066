"""Reading and writing tables (CSV in UTF-8, UTF-8 with BOM or GBK/GB18030; XLSX) for imports, exports and
reconciliation files. Problems name their spreadsheet row (the header is row 1) and column, and travel as one
`TableRejected` (a ValidationFailed) rendered with `attr` `rows.<n>.<column>`, or `file` for the file as a whole."""
import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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
    dataset = _load_xlsx(content) if is_xlsx else _load_csv(content)
    if not dataset.headers or not any(cell_text(h).strip() for h in dataset.headers):
        raise file_problem("empty_file", "文件为空 (the file is empty)")
    positions = _columns(dataset.headers, spec)
    rows = []
    for index, row in enumerate(dataset):
        cells = {key: cell_text(row[position]) for key, position in positions.items()}
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


def _load_xlsx(content: bytes) -> tablib.Dataset:
    try:
        return tablib.Dataset().load(content, format="xlsx")
    except Exception as error:  # anything a malformed workbook makes openpyxl raise is the file's fault
        raise file_problem("unreadable", "无法读取 XLSX 文件 (not a readable XLSX workbook)") from error


def _load_csv(content: bytes) -> tablib.Dataset:
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
        return tablib.Dataset().load(text, format="csv")
    except tablib.InvalidDimensions as error:
        raise file_problem("unreadable", "有的行比表头的列多 (a row has more cells than the header)") from error
    except csv.Error as error:
        raise file_problem("unreadable", f"CSV 格式错误 (not a well-formed CSV file: {error})") from error


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
