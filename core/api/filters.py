"""Filters shared by the apps' APIs."""

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext
from django_filters.fields import IsoDateTimeField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import filters, serializers
from rest_framework.settings import api_settings

from core.errors import ValidationFailed
from core.selectors import searched
from core.texts import listed
from core.validators import IdField, InBusinessYears, YesNoField, ordering_refused, orderings, range_reversed


class IdFilter(django_filters.NumberFilter):
    """Rows whose foreign key (`field_name`, across relations) is the id given; any other value is a 400 naming it."""

    field_class = IdField


class IsoBusinessTimeField(InBusinessYears, IsoDateTimeField):
    """An ISO 8601 time in the business years."""


class TimeFilter(django_filters.IsoDateTimeFilter):
    """Rows from or before an ISO 8601 time (`lookup_expr`) in the business years; another time is a 400 naming the
    filter (`InBusinessYears`), as `9999-12-31T23:59:59` is no moment the database can be asked about."""

    field_class = IsoBusinessTimeField


class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


def yes_no(request, name: str) -> bool | None:
    """A yes/no query parameter a view reads itself, read as `YesNoField` reads it (None when absent or empty).
    :raises ValidationFailed: naming the parameter, for another word"""
    try:
        return YesNoField().to_python(request.query_params.get(name))
    except forms.ValidationError as error:
        raise ValidationFailed(error.messages[0], field=name) from error


def read_query(serializer_class: type[serializers.Serializer], request) -> dict:
    """The query parameters a view reads itself, as `serializer_class` declares them (which documents them too:
    `extend_schema(parameters=[serializer_class])`). :raises ValidationError: a 400 naming each bad parameter (a text
    with a NUL byte, a word that is no choice)"""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def read_sub_list_query(serializer_class: type[serializers.Serializer], view) -> dict:
    """The query parameters of a list under an object (a statement's lines, a reconciliation's): those
    `serializer_class` declares and its pages' (`page`, `page_size`), read as `read_query` reads them. The object itself
    is found without the collection's filters (`is_list`), so `?state=` or `?search=` is no filter of these rows.
    :raises ValidationFailed: 400 `unknown_parameter` for a parameter it does not take, as a list refuses it"""
    refuse_unknown_parameters(view.request, {*query_names(serializer_class), *page_parameters(view)})
    return read_query(serializer_class, view.request)


def is_list(view) -> bool:
    """Whether the request is the view's list, the only route its filter backends (its filters, `search` and
    `ordering`) read the query for. An object's own address and every route under it (its history, lines, PDF, a step)
    find the object among all the caller may see, whatever the query holds: a list's parameter is no reason for a 404
    or a 400 there (a sub-list reads its own: `read_sub_list_query`)."""
    return getattr(view, "action", None) == "list"


def refuse_unknown_parameters(request, accepted: set[str]) -> None:
    """:raises ValidationFailed: 400 `unknown_parameter` naming each query parameter not `accepted` (nor `format`, taken
    and changing nothing: the Accept header chooses) and listing those taken"""
    accepted = accepted | {api_settings.URL_FORMAT_OVERRIDE or "format"}
    if unknown := sorted(name for name in request.query_params if name not in accepted):
        message = gettext("不支持的查询参数：%(unknown)s；可用：%(accepted)s") % {
            "unknown": listed(unknown), "accepted": listed(sorted(accepted))}
        raise ValidationFailed(message, errors=[(name, "unknown_parameter", message) for name in unknown])


def page_parameters(view) -> set[str]:
    """The query parameters of the view's pages (`page`, `page_size`); none for a view without pages."""
    if view.paginator is None:
        return set()
    return {parameter["name"] for parameter in view.paginator.get_schema_operation_parameters(view)}


def reads_yes_no(**parameters: str):
    """Documents the yes/no query parameters a viewset's list reads itself with `yes_no` (name: what `true` lists), and
    adds them to those its list takes (`query_parameters`)."""
    document = extend_schema_view(list=extend_schema(parameters=[
        OpenApiParameter(name, OpenApiTypes.BOOL, description=f"{text}; true or false (also 1/0, yes/no), empty: no filter")
        for name, text in parameters.items()
    ]))

    def decorate(view):
        view.query_parameters = (*getattr(view, "query_parameters", ()), *parameters)
        return document(view)

    return decorate


def query_names(serializer_class: type[serializers.Serializer]) -> tuple[str, ...]:
    """The names of the query parameters `serializer_class` reads (see read_query), for a view's `query_parameters`."""
    return tuple(serializer_class().fields)


class FilterSet(django_filters.rest_framework.FilterSet):
    """The APIs' filter sets: a foreign key filters by id (`IdFilter`). django-filter's default, a choice among the rows
    that exist, answers 400 for an id that does not exist and 200 for one that does, which would tell a caller which
    rows of others exist; by id, another's row simply matches nothing the caller may see."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS, models.ForeignKey: {"filter_class": IdFilter}, models.OneToOneField: {"filter_class": IdFilter},
        models.BooleanField: {"filter_class": YesNoFilter},
    }

    def is_valid(self) -> bool:
        """The filters' values each valid, and each range of times (a `TimeFilter` from a time and one before a time,
        on the same column) holding some time (`core.validators.range_reversed`): an end before its start, or at it
        when either bound is excluded (`placed_after=X&placed_before=X`), is a 400 naming the end's parameter, as the
        portal's day ranges say it next to the to field, instead of an empty list that reads as "none"."""
        if not super().is_valid():
            return False
        for start, end, exclusive in self.time_ranges():
            since, until = self.form.cleaned_data.get(start), self.form.cleaned_data.get(end)
            if range_reversed(since, until, end_exclusive=exclusive):
                message = gettext("%(end)s 须晚于 %(start)s") if exclusive else gettext("%(end)s 不能早于 %(start)s")
                self.form.add_error(end, forms.ValidationError(message % {"end": end, "start": start}, code="invalid"))
        return not self.form.errors

    @classmethod
    def time_ranges(cls) -> list[tuple[str, str, bool]]:
        """The (start, end, either bound excluded) parameters of the filter set's time ranges."""
        times = [(name, f) for name, f in cls.base_filters.items() if isinstance(f, TimeFilter)]
        starts = {f.field_name: (name, f.lookup_expr == "gt") for name, f in times if f.lookup_expr in ("gte", "gt")}
        return [(starts[f.field_name][0], name, starts[f.field_name][1] or f.lookup_expr == "lt")
                for name, f in times if f.lookup_expr in ("lte", "lt") and f.field_name in starts]


class FilterBackend(DjangoFilterBackend):
    """`filterset_fields` build on the APIs' `FilterSet`. A list refuses a query parameter it does not take (400 naming
    it and those it takes) rather than ignoring it: `?member_phone=` would otherwise list every row as if filtered."""

    filterset_base = FilterSet

    def filter_queryset(self, request, queryset, view):
        if not is_list(view):
            return queryset
        refuse_unknown_parameters(request, self.accepted_parameters(view, queryset))
        if not request.query_params:
            # no parameter, nothing to filter by: every filter takes an absent value as no filter (django-filter's
            # EMPTY_VALUES, our filters and methods too), so the rows are those given, without building the filter set
            # and its form
            return queryset
        return super().filter_queryset(request, queryset, view)

    def accepted_parameters(self, view, queryset) -> set[str]:
        """The query parameters a list takes: its filters, those of the other filter backends (search, ordering) and of
        its pagination, and those the view reads itself (`query_parameters`)."""
        filterset = self.get_filterset_class(view, queryset)
        names = {*getattr(view, "query_parameters", ()), *(filterset.base_filters if filterset else ())}
        for backend in view.filter_backends:
            if not issubclass(backend, DjangoFilterBackend):
                names |= {parameter["name"] for parameter in backend().get_schema_operation_parameters(view)}
        return names | page_parameters(view)


class SearchFilter(filters.SearchFilter):
    """DRF's `?search=` over a view's `search_fields`, read as the portal's list filters read their text
    (`core.selectors.searched`: every word, full-width forms as plain ones), whose refusal (a text with a NUL byte)
    names the parameter, as every bad query value does. A view whose search reads more than `search_fields` can (a
    phone number as typed) answers it with its own `search_rows(rows, text)`, the selector its portal page narrows by."""

    def filter_queryset(self, request, queryset, view):
        if not is_list(view):
            return queryset
        text = " ".join(self.get_search_terms(request))
        if not text:
            return queryset
        if search_rows := getattr(view, "search_rows", None):
            return search_rows(queryset, text)
        fields = self.get_search_fields(view, request)
        return searched(queryset, text, fields) if fields else queryset

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except serializers.ValidationError as error:
            details = error.detail if isinstance(error.detail, list) else [error.detail]
            raise ValidationFailed(str(details[0]), errors=[(self.search_param, detail.code, str(detail)) for detail in details]) from error


class StrictOrderingFilter(filters.OrderingFilter):
    """`?ordering=` takes the view's `ordering_fields` (each may start with "-"); anything else is a 400 naming the
    parameter and the fields it takes, instead of DRF's silent fall back to the default order."""

    def filter_queryset(self, request, queryset, view):
        return super().filter_queryset(request, queryset, view) if is_list(view) else queryset

    def get_ordering(self, request, queryset, view):
        terms = [term.strip() for term in request.query_params.get(self.ordering_param, "").split(",") if term.strip()]
        if terms:
            valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [term for term in terms if term.removeprefix("-") not in valid]
            if unknown:
                raise ValidationFailed(ordering_refused(unknown, valid), field=self.ordering_param)
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view):
        """The parameter with the values it takes (each field, and with "-" descending), comma-separated."""
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if isinstance(fields, (list, tuple)) and fields:
            names = [field if isinstance(field, str) else field[0] for field in fields]
            for parameter in parameters:
                parameter.update(schema={"type": "array", "items": {"type": "string", "enum": orderings(*names)}}, style="form", explode=False)
        return parameters


class OrderingField(serializers.ChoiceField):
    """`?ordering=` of a list ordering in its selector, which reads it with `read_query`: one of `names`, each also with
    "-" (descending), or nothing; another is refused as `StrictOrderingFilter` refuses it everywhere else (400 `invalid`
    naming the names taken), not as a choice (`invalid_choice`, which would name none)."""

    def __init__(self, *names: str, **kwargs):
        self.names = names
        super().__init__(choices=orderings(*names), required=False, allow_blank=True, default="", **kwargs)
        self.error_messages = {code: text for code, text in self.error_messages.items() if code != "invalid_choice"}

    def to_internal_value(self, data):
        if data == "" or str(data) in self.choice_strings_to_values:
            return str(data)
        raise serializers.ValidationError(ordering_refused([str(data)], self.names), code="invalid")
