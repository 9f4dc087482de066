"""Every day and time a person types — on a portal form or in an API body — is held to the business years
(core.validators.BUSINESS_YEARS) by the shared fields, so a year such as 0001 or 9999 is an error naming the field
rather than nonsense stored or a server error later. The sweeps post such values to every route and form they reach
(tests/test_bad_input.py, tests/core/test_portal_forms_bad_input.py); these find the fields themselves, reachable or
not, so a new plain `forms.DateField` or `serializers.DateField` fails here."""
from datetime import date, datetime

import pytest
from django import forms
from django.urls import get_resolver
from rest_framework import serializers

from core.api.fields import BusinessDateField, BusinessDateTimeField
from core.validators import InBusinessYears, years_error

APPS = ("core.", "points.", "settlement.", "suppliers.", "logistics.")
DAY_EDGES = ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"]
#: serializers that only write an answer, never read a body (a balance's upcoming expiries)
ANSWERS_ONLY = {"points.api.serializers.ExpirySerializer"}
TIME_EDGES = ["0001-01-01T00:00", "0001-01-01T00:00:00+09:00", "9999-12-31T23:59", "2100-01-01T00:00", "2099-12-31T23:00:00-05:00"]


def _subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _ours(cls) -> bool:
    return cls.__module__.startswith(APPS)


@pytest.fixture(scope="module")
def loaded():
    get_resolver().url_patterns  # imports every view, and so every form and serializer they use


def typed_form_fields():
    return [(f"{cls.__module__}.{cls.__name__}.{name}", field) for cls in _subclasses(forms.BaseForm) if _ours(cls)
            for name, field in cls.base_fields.items() if isinstance(field, (forms.DateField, forms.DateTimeField))]


def test_every_day_or_time_a_form_takes_is_held_to_the_business_years(loaded):
    fields = typed_form_fields()

    assert len(fields) > 10  # the page forms' days and times, and the lists' day filters
    assert [name for name, field in fields if not isinstance(field, InBusinessYears)] == []
    for name, field in fields:
        for value in TIME_EDGES if isinstance(field, forms.DateTimeField) else DAY_EDGES:
            with pytest.raises(forms.ValidationError, match="须在 2000–2099 年"):
                field.clean(value)


def test_every_day_or_time_an_api_body_takes_is_held_to_the_business_years(loaded):
    declared = [(f"{cls.__module__}.{cls.__name__}.{name}", field) for cls in _subclasses(serializers.Serializer)
                if _ours(cls) and f"{cls.__module__}.{cls.__name__}" not in ANSWERS_ONLY for name, field in cls._declared_fields.items()
                if isinstance(field, (serializers.DateField, serializers.DateTimeField)) and not field.read_only]

    assert len(declared) > 10
    assert [name for name, field in declared if not isinstance(field, (BusinessDateField, BusinessDateTimeField))] == []


@pytest.mark.parametrize("value", DAY_EDGES)
def test_an_api_day_outside_the_business_years_is_refused_with_the_years(value):
    with pytest.raises(serializers.ValidationError) as refused:
        BusinessDateField().run_validation(value)

    assert [str(detail) for detail in refused.value.detail] == ["日期须在 2000–2099 年"]


@pytest.mark.parametrize("value", TIME_EDGES)
def test_an_api_time_outside_the_business_years_is_refused_with_the_years(value):
    with pytest.raises(serializers.ValidationError) as refused:
        BusinessDateTimeField().run_validation(value)

    assert [str(detail) for detail in refused.value.detail] == ["时间须在 2000–2099 年"]


@pytest.mark.parametrize(("value", "taken"), [("2000-01-01", date(2000, 1, 1)), ("2099-12-31", date(2099, 12, 31))])
def test_the_first_and_last_business_days_are_taken(value, taken):
    assert BusinessDateField().run_validation(value) == taken
    assert years_error(taken) is None and years_error(datetime(2099, 12, 31, 23, 59)) is None
