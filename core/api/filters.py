"""Filters shared by the apps' APIs."""
import django_filters

from core.validators import IdField


class IdFilter(django_filters.NumberFilter):
    """Rows whose foreign key (`field_name`, across relations) is the id given; any other value is a 400 naming it."""

    field_class = IdField
