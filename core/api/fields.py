"""Serializer fields shared by the apps' APIs."""
from datetime import datetime

from django import forms
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.errors import NotFound
from core.models.transitions import actor_label_for
from core.validators import YesNoField, is_blank, years_error


class TableFileField(serializers.FileField):
    """An uploaded table (CSV or XLSX) core.tabular reads: an empty file (0 bytes) goes on to be refused there as
    `empty_file` naming `file`, as a file holding only a BOM or blank lines is, where DRF would answer `empty`."""

    def __init__(self, **kwargs) -> None:
        super().__init__(allow_empty_file=True, **kwargs)


class RequiredText(serializers.CharField):
    """A text a step needs (a reason, a note): sent empty or only spaces it is refused as a missing one is, a 400
    `required` naming the field with the same message (DRF would answer `blank`), by the rule core.validators.required_text
    refuses it to the portal with (`is_blank`). Another value than a text (null, a number) is DRF's to judge."""

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str) and is_blank(data):
            self.fail("required")
        return super().run_validation(data)


class _UnknownIsNotFound:
    """A reference to a row the caller may not see — another tenant's, or none at all — is a 404 `not_found` naming the
    field, as the same row in a URL is: a body cannot tell whether another tenant's row exists."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if error.get_codes() == ["does_not_exist"]:
                raise NotFound(gettext("对象不存在或无权查看"), field=self.field_name) from error
            raise


class ScopedKey(_UnknownIsNotFound, serializers.PrimaryKeyRelatedField):
    """An id of a row the caller may see; any other id is a 404 `not_found` naming the field.

    Pass the model, or override `get_queryset` to scope the rows another way.
    """

    def __init__(self, model=None, *, required: bool = False, **kwargs) -> None:
        kwargs.setdefault("allow_null", not required)
        super().__init__(queryset=model.objects.all() if model else None, required=required, **kwargs)

    def get_queryset(self):
        return self.queryset.visible_to(self.context["request"].user)


class CodeKey(_UnknownIsNotFound, serializers.SlugRelatedField):
    """A row named by its code among those the caller may name (`scope(user)`, the rows it may see); another code —
    another tenant's row's, or none at all — is a 404 `not_found` naming the field, as `ScopedKey` answers. A text with
    a NUL byte is no code: refused naming the field (400), before PostgreSQL is asked to compare it (it refuses to, with
    an error)."""

    def __init__(self, *, scope, **kwargs) -> None:
        self.scope = scope  # `queryset`, all the model's rows, only tells the schema the code's type
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(user=self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.STR)
class ActorField(serializers.Field):
    """A user who acted, as the request's user may read them (`actor_label_for`): a supplier's user or a member reads
    the platform's staff by role (运营人员, 物流人员, 财务人员), a member reads a supplier's users as 礼品商, everyone
    else a login name; null for the system."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, user) -> str:
        return actor_label_for(user, getattr(self.context.get("request"), "user", None))


@extend_schema_field(OpenApiTypes.BOOL)
class YesNo(serializers.Field):
    """A yes/no parameter of an action's query, read as the APIs' yes/no filters read theirs (`YesNoField`): absent or
    empty is None (no filter), another word a 400 naming it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, allow_null=True, default=None, **kwargs)

    def to_internal_value(self, data) -> bool | None:
        try:
            return YesNoField().to_python(data)
        except forms.ValidationError as error:
            raise serializers.ValidationError(error.messages[0], code="invalid") from error

    def to_representation(self, value) -> bool | None:
        return value


class BusinessDateField(serializers.DateField):
    """A day a caller gives, in the business years (`core.validators.years_error`): another is a 400 naming the field.
    Every day an API body takes is one; a narrower rule of the field (after another day, not past) stays the service's."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if message := years_error(day):
            raise serializers.ValidationError(message, code="invalid")
        return day


class BusinessDateTimeField(serializers.DateTimeField):
    """A time a caller gives, in the business years (as `BusinessDateField`), judged in the server's time zone."""

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except OverflowError as error:  # DRF's check of a naive time in the first hours of year 1 converts it to UTC unguarded
            raise serializers.ValidationError(years_error(datetime.min), code="invalid") from error
        except serializers.ValidationError as error:  # a time at the calendar's edge no time zone can hold: the years too
            if error.get_codes() == ["overflow"]:
                raise serializers.ValidationError(years_error(datetime.min), code="invalid") from error
            raise
        if message := years_error(moment):
            raise serializers.ValidationError(message, code="invalid")
        return moment
