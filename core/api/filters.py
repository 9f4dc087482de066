"""Filters shared by the apps' APIs."""
import django_filters
from django.db import models
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend

from core.validators import IdField


class IdFilter(django_filters.NumberFilter):
    """Rows whose foreign key (`field_name`, across relations) is the id given; any other value is a 400 naming it."""

    field_class = IdField


class FilterSet(django_filters.rest_framework.FilterSet):
    """The APIs' filter sets: a foreign key filters by id (`IdFilter`). django-filter's default, a choice among the rows
    that exist, answers 400 for an id that does not exist and 200 for one that does, which would tell a caller which
    rows of others exist; by id, another's row simply matches nothing the caller may see."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS, models.ForeignKey: {"filter_class": IdFilter}, models.OneToOneField: {"filter_class": IdFilter},
    }


class FilterBackend(DjangoFilterBackend):
    """`filterset_fields` build on the APIs' `FilterSet`."""

    filterset_base = FilterSet
