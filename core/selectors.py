"""Reads shared by the apps' selectors."""
from functools import reduce
from operator import and_, or_

from django.contrib.admin.utils import lookup_spawns_duplicates
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from core.validators import folded


def answering(rows: QuerySet, condition: Q, answer: bool | None) -> QuerySet:
    """A yes/no filter: the `rows` `condition` holds for (True), all the others (False: those it does not hold for,
    and those it cannot be told of, where a value it reads is empty), or all of them (None: no filter). The portal's
    pages and the APIs narrow a list by a yes/no filter through it, so that `false` means "only those not" on both;
    together, the rows of True and of False are the rows of None."""
    if answer is None:
        return rows
    if answer:
        return rows.filter(condition)
    # not `exclude(condition)`: an annotation's comparison with an empty value is unknown, and NOT unknown drops the row
    return rows.filter(Case(When(condition, then=Value(False)), default=Value(True), output_field=BooleanField()))


def all_words(text: str | None, fields: tuple[str, ...], *, model=None) -> Q:
    """Rows that have each word of `text` (split at spaces and commas, as DRF's `?search=` splits it) in one of
    `fields` or another, in any case: "龙井 礼盒" and "礼盒 龙井" find "西湖龙井礼盒". A word is read as typed and with its
    full-width forms as plain ones ("２５０ｇ" finds "250g", "ＴＥＡ－ＬＪ" finds "TEA-LJ001"), so a name stored with
    full-width forms is found as it was written too. Given the rows' `model`, a field across a to-many relation (an
    order's shipments) is matched by id in a subquery, so that a row is listed once and a sum over the rows counts it
    once. No words: every row."""
    words = [dict.fromkeys((raw, folded(raw))) for raw in (text or "").replace(",", " ").split()]
    return reduce(and_, (reduce(or_, (_containing(model, field, form) for field in fields for form in forms)) for forms in words), Q())


def searched(rows: QuerySet, text: str | None, fields) -> QuerySet:
    """The `rows` with each word of `text` in one of `fields` (`all_words`): how a portal list's text filter
    (`core.forms.ListFilter.search`) finds what the API's `?search=` over the same fields finds."""
    return rows.filter(all_words(text, tuple(fields), model=rows.model))


def _containing(model, field: str, word: str) -> Q:
    lookup = {f"{field}__icontains": word}
    if model is not None and _spawns_duplicates(model, field):
        return Q(pk__in=model._base_manager.filter(**lookup).values("pk"))
    return Q(**lookup)


def _spawns_duplicates(model, field: str) -> bool:
    try:
        return lookup_spawns_duplicates(model._meta, field)
    except FieldDoesNotExist:  # an annotation of the rows: one value per row
        return False


def rows_by_id(window: QuerySet) -> QuerySet:
    """The rows of `window`, a slice (`[a:b]`) of a list that has each row once, as the list gives them (its filters,
    columns, annotations, joins and order), in one query that chooses the window's rows by their ids first (`WHERE id
    IN (… LIMIT … OFFSET …)`, reading only what the list's filters and order need) and computes their other columns
    for those rows only: sliced as it is, PostgreSQL computes a row's columns (a correlated subquery, a join) for every
    row the OFFSET skips too, thousands of them deep in a list (docs/benchmarks.md)."""
    whole = window.all()
    whole.query.clear_limits()
    return whole.filter(pk__in=window.values("pk"))


class ByIdPaginator(Paginator):
    """A paginator whose pages read their rows through `rows_by_id` (a list that is a query set)."""

    def _get_page(self, object_list, *args, **kwargs):
        if isinstance(object_list, QuerySet):
            object_list = rows_by_id(object_list)
        return super()._get_page(object_list, *args, **kwargs)


def counted(rows: list) -> list[int]:
    """The number of each of `rows`: a QuerySet's rows as its `count()` says, all of them in one statement (one round
    trip for what a page counts at once: its navigation's badges); a number stands as it is, None is 0."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connections

    counts = [0 if row is None else row for row in rows]
    parts, params = [], []
    querysets = [(n, row) for n, row in enumerate(rows) if isinstance(row, QuerySet)]
    using = querysets[0][1].db if querysets else None
    for n, queryset in querysets:
        query = queryset.query
        if queryset.db != using:
            counts[n] = queryset.count()
            continue
        if not (query.combinator or query.distinct or query.values_select or query.group_by is not None or query.is_sliced):
            queryset = queryset.values("pk")  # the rows alone, as count() reads them: no columns, joins or annotations to read
        try:
            sql, part_params = (queryset if query.is_sliced else queryset.order_by()).query.get_compiler(using).as_sql()
        except EmptyResultSet:  # a condition nothing meets (`pk__in=[]`)
            counts[n] = 0
            continue
        parts.append((n, f"(SELECT COUNT(*) FROM ({sql}) counted_{n})"))
        params.extend(part_params)
    if parts:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(sql for _n, sql in parts), params)
            for (n, _sql), count in zip(parts, cursor.fetchone()):
                counts[n] = count
    return counts

