"""Downloads of a portal list as it is filtered ("下载 CSV · XLSX"): every row the list's own filter gives the reader (the
list's scoped service and filter form, so a supplier gets only its own rows and masked data stays masked), not only the
page shown, in the columns a `Column` spec names (Chinese-first headings; values as the page shows them: money as a
plain decimal with 2 places, days and times in the portal's time zone, states by their labels), written by
`core.tabular` (CSV in UTF-8 with BOM, XLSX; formula-like cells neutralised) and named after the list and the day.

A download runs as many queries for fifty thousand rows as for one. Where every column names the field it shows
(`field`, `label`), rows are read as values (`values_list`), without model instances; otherwise as the list's model
instances with the joins its page uses. Either way they are read in chunks (`iterator`), a choice is shown by a label
looked up in a dict made once per download, in the reader's language, and a CSV streams as it is written (the first
bytes go out at once); an XLSX is written row by row, its sheet's XML straight into the zip (`core.tabular.
plain_xlsx_bytes`: a column's cells are text, numbers or amounts), and sent whole. At most MAX_ROWS rows: a bigger
download asks the reader to narrow the filter (one query before any row is read)."""
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.files import file_response
from core.pages import labelled
from core.tabular import CONTENT_TYPES, csv_chunks, table_file
from core.texts import moment  # noqa: F401 (a column's time, as the lists' downloads import it from here)

MAX_ROWS = 50_000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    """One column of a download: its heading (a lazy gettext text) and its cell. `cell` makes it of the row's model
    instance; `path` (a field as `values_list` names it: "gift__sku") of that field's value, as `shown` shows it (money,
    moment, day; as it is without), or by its choice's label (`choice`)."""

    heading: Any
    cell: Callable[[Any], Any] | None = None
    path: str | None = None
    shown: Callable[[Any], Any] | None = None
    choice: bool = False


def field(heading, path: str, shown: Callable[[Any], Any] | None = None) -> Column:
    """A column of the field at `path` (as `values_list` names it: "supplier__name"), shown by `shown` (money, moment,
    day) or as it is."""
    return Column(heading, path=path, shown=shown)


def label(heading, path: str) -> Column:
    """A column of a choice field at `path` by its label in the reader's language (what get_<field>_display gives)."""
    return Column(heading, path=path, choice=True)


def choice_labels(model: type[Model], path: str) -> dict:
    """{value: label in the current language} of the choice field at `path` from `model`."""
    *relations, name = path.split(LOOKUP_SEP)
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return {value: str(text) for value, text in model._meta.get_field(name).flatchoices}


def _cell_of(column: Column, model: type[Model], read: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """The cell of a row (a model instance, or the tuple of the fields read), with `read` giving the field's value."""
    if column.path is None:
        return column.cell
    if column.choice:
        labels = choice_labels(model, column.path)

        def labelled_cell(row):
            value = read(row)
            return labels.get(value, value)
        return labelled_cell
    if column.shown is not None:
        shown = column.shown
        return lambda row: shown(read(row))
    return read


def table_rows(rows: QuerySet, columns: Sequence[Column], *, chunk_size: int = 2000) -> Iterator[list]:
    """The cells of `rows` in `columns`, read in chunks of `chunk_size`: as values where every column names its field,
    else as model instances."""
    if all(column.path for column in columns):
        paths = list(dict.fromkeys(column.path for column in columns))
        readers = [_indexed(paths.index(column.path)) for column in columns]
        source = rows.values_list(*paths)
    else:
        readers = [attrgetter(column.path.replace(LOOKUP_SEP, ".")) if column.path else None for column in columns]
        source = rows
    cells = [_cell_of(column, rows.model, read) for column, read in zip(columns, readers)]
    for row in source.iterator(chunk_size=chunk_size):
        yield [cell(row) for cell in cells]


def _indexed(index: int) -> Callable[[tuple], Any]:
    return lambda values: values[index]


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


def too_many(rows: QuerySet) -> bool:
    """Whether `rows` go beyond MAX_ROWS (one query, for a row past the last one a download may have)."""
    return rows.values_list("pk")[MAX_ROWS:MAX_ROWS + 1].exists()


def list_download(*, filters, rows: QuerySet, columns: Sequence[Column], file_format: str, name: str, now: datetime,
                  narrowed: bool = False) -> HttpResponse | StreamingHttpResponse:
    """The download of a list page: `rows` (the list's scoped rows, already narrowed by the service where it filters)
    narrowed by the page's filter form `filters`, unless the page's own selector has narrowed them by it (`narrowed`).
    A wrong filter is a 400 naming it (the page lists no rows then), and so is a download beyond MAX_ROWS rows. A CSV
    streams, in the language and time zone of the request."""
    check_format(file_format)
    if not filters.is_valid():
        problems = [labelled(filters.fields[field].label, error) if field in filters.fields else error
                    for field, errors in filters.errors.items() for error in errors]
        return HttpResponseBadRequest("\n".join([gettext("筛选条件有误，未能下载："), *problems]),
                                      content_type="text/plain; charset=utf-8")
    rows = filters.ordered(rows) if narrowed else filters.apply(rows)
    if too_many(rows):
        message = gettext("超过 %(max_rows)s 行，请缩小筛选范围后再下载") % {"max_rows": MAX_ROWS}
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return rows_download(rows=rows, columns=columns, file_format=file_format, name=name, now=now)


def rows_download(*, rows: QuerySet, columns: Sequence[Column], file_format: str, name: str,
                  now: datetime) -> HttpResponse | StreamingHttpResponse:
    """Every one of `rows` in `columns`, as a list's download gives them (a CSV streams, in the language and time zone
    of the request), for a download of a whole record's rows that no filter narrows (a statement's lines)."""
    check_format(file_format)
    headers = [str(column.heading) for column in columns]
    if file_format == "xlsx":
        return file_response(table_file(headers=headers, rows=table_rows(rows, columns), file_format=file_format,
                                        name=download_name(name, now), plain=True))
    return StreamingHttpResponse(as_read_now(csv_chunks(headers=headers, rows=table_rows(rows, columns))),
                                 content_type=CONTENT_TYPES["csv"],
                                 headers={"Content-Disposition": f'attachment; filename="{download_name(name, now)}.csv"'})


def as_read_now(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """`chunks` made in the language and time zone active now, whenever the server reads them (after the view has
    returned, the request's language may no longer be the active one)."""
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def read() -> Iterator[bytes]:
        with translation.override(language), timezone.override(zone):
            yield from chunks
    return read()
