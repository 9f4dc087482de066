"""Filters shared by the apps' APIs."""
import django_filters
from django import forms

from core.validators import MAX_ID


class IdField(forms.IntegerField):
    """A whole number a primary key can hold: `1e30`, `2**63` or `1.5` are a 400 naming the parameter, not a query the
    database cannot bind."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """Rows whose foreign key (`field_name`, across relations) is the id given."""

    field_class = IdField
