"""Downloads of a portal list as it is filtered ("下载 CSV · XLSX"): every row the list's own filter gives the reader (the
list's scoped service and filter form, so a supplier gets only its own rows and masked data stays masked), not only the
page shown, in the columns a `Column` spec names (Chinese-first headings; values as the page shows them: money as a
plain decimal with 2 places, days and times in the portal's time zone, states by their labels), written by
`core.tabular` (CSV in UTF-8 with BOM, XLSX; formula-like cells neutralised) and named after the list and the day.

A list reads its rows with the joins its page uses, so a download runs as many queries for ten thousand rows as for
one. It is built in memory; at most MAX_ROWS rows (a bigger download asks the reader to narrow the filter)."""
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext

from core.files import file_response
from core.portal import labelled
from core.tabular import CONTENT_TYPES, TableFile, table_file
from core.texts import moment  # noqa: F401 (a column's time, as the lists' downloads import it from here)

MAX_ROWS = 50_000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    """One column of a download: its heading (a lazy gettext text) and the cell of a row."""

    heading: Any
    cell: Callable[[Any], Any]


def money(amount: Decimal | None) -> Decimal | None:
    """An amount as a plain decimal with 2 places (a number in XLSX, 1234.50 in CSV); None stays empty."""
    return None if amount is None else Decimal(amount).quantize(CENT)


def day(value: date | datetime | None) -> str:
    """A day as YYYY-MM-DD (a time's day in the portal's time zone); empty for none."""
    if value is None:
        return ""
    return f"{timezone.localtime(value) if isinstance(value, datetime) else value:%Y-%m-%d}"


def download_name(name: str, now: datetime, *, minute: bool = False) -> str:
    """A download's file name: `name`-YYYYMMDD, with -HHMM when `minute`, in the portal's time zone (`now` may be UTC,
    as `timezone.now()` gives it: the name shows the reader's day and time)."""
    return f"{name}-{timezone.localtime(now):%Y%m%d-%H%M}" if minute else f"{name}-{timezone.localtime(now):%Y%m%d}"


def check_format(file_format: str) -> None:
    """:raises Http404: for a format there is no download in (only csv and xlsx)"""
    if file_format not in CONTENT_TYPES:
        raise Http404("no such format")


def export_rows(*, rows: Iterable, columns: Sequence[Column], file_format: str, name: str, now: datetime,
                title: str = "sheet") -> TableFile:
    """`rows` in `columns` as a file named `name`-YYYYMMDD (the local day of `now`).

    :raises TooManyRows: beyond MAX_ROWS rows
    """
    cells = [[column.cell(row) for column in columns] for row in rows]
    if len(cells) > MAX_ROWS:
        raise TooManyRows
    return table_file(headers=[str(column.heading) for column in columns], rows=cells, file_format=file_format,
                      name=download_name(name, now), title=title)


class TooManyRows(Exception):
    pass


def list_download(*, filters, rows, columns: Sequence[Column], file_format: str, name: str, now: datetime,
                  narrowed: bool = False) -> HttpResponse:
    """The download of a list page: `rows` (the list's scoped rows, already narrowed by the service where it filters)
    narrowed by the page's filter form `filters`, unless the page's own selector has narrowed them by it (`narrowed`).
    A wrong filter is a 400 naming it (the page lists no rows then)."""
    check_format(file_format)
    if not filters.is_valid():
        problems = [labelled(filters.fields[field].label, error) if field in filters.fields else error
                    for field, errors in filters.errors.items() for error in errors]
        return HttpResponseBadRequest("\n".join([gettext("筛选条件有误，未能下载："), *problems]),
                                      content_type="text/plain; charset=utf-8")
    try:
        export = export_rows(rows=(rows if narrowed else filters.apply(rows))[:MAX_ROWS + 1], columns=columns, file_format=file_format, name=name, now=now)
    except TooManyRows:
        message = gettext("超过 %(max_rows)s 行，请缩小筛选范围后再下载") % {"max_rows": MAX_ROWS}
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return file_response(export)
