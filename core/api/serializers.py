"""Serializer building blocks shared by the apps' APIs."""
import copy
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers

from core.roles import sees_settlement_money


class PrebuiltFields:
    """For a serializer on a hot path: DRF builds a ModelSerializer's fields from the model on every instance (model
    introspection, labels, validators: most of an order response's CPU), and deep-copies a plain Serializer's
    declared fields, re-creating each from its arguments. Build them once per class and give each instance
    shallow copies to bind (fields keep no per-request state of their own but their binding). Only for
    serializers whose fields depend on nothing but the class (no per-request `fields`, no context-driven
    building) and are flat: a nested serializer or list field, whose children a shallow copy would share, is
    refused when the fields are first built, which is in the default language whatever the request's: DRF gives a
    field the model's verbose name as its label only where that differs from the field's name in the language active
    then (in English a field `order` named "Order" would get none, and the Chinese API document no title for it)."""

    def get_fields(self):
        cls = type(self)
        prebuilt = cls.__dict__.get("_prebuilt_fields")
        if prebuilt is None:
            with translation.override(settings.LANGUAGE_CODE):
                prebuilt = super().get_fields()
            nested = [name for name, field in prebuilt.items()
                      if isinstance(field, serializers.BaseSerializer | relations.ManyRelatedField | serializers.ListField | serializers.DictField)]
            if nested:
                raise TypeError(f"{cls.__name__}: PrebuiltFields copies fields shallowly, so they must be flat, not {nested}")
            cls._prebuilt_fields = prebuilt
        return {name: copy.copy(field) for name, field in prebuilt.items()}

    def to_representation(self, instance):
        """DRF's representation, made from a plan built once per class (each field's attribute path and conversion, or
        its method), so that writing a response neither copies nor binds the fields; DRF's own way for a class
        with a field the plan does not know."""
        plan = _representation_plan(type(self), self)
        if plan is None:
            return super().to_representation(instance)
        data = {}
        for name, attrs, convert, method, when_missing in plan:
            if method is not None:
                data[name] = getattr(self, method)(instance)
                continue
            value = instance
            try:
                for attr in attrs:
                    value = value[attr] if isinstance(value, Mapping) else getattr(value, attr)
            except ObjectDoesNotExist:
                value = None
            except (KeyError, AttributeError):
                if when_missing == "raise":
                    raise
                if when_missing == "skip":  # as DRF leaves out an optional field whose source is missing
                    continue
                value = None
            data[name] = None if value is None else convert(value)
        return data


#: fields whose `to_representation` needs nothing from the serializer they are bound to (nor do subclasses that keep it)
_PLANNED = (drf_fields.IntegerField, drf_fields.BigIntegerField, drf_fields.CharField, drf_fields.BooleanField, drf_fields.ChoiceField, drf_fields.DecimalField,
            drf_fields.DateTimeField, drf_fields.DateField, drf_fields.FloatField, drf_fields.UUIDField)


def _representation_plan(cls, serializer) -> tuple | None:
    if "_representation_plan" not in cls.__dict__:
        cls._representation_plan = _plan(serializer)
    return cls._representation_plan


def _plan(serializer) -> tuple | None:
    """Per readable field: (name, attribute path, conversion, method name, what a missing source gives: null, skip or
    raise, as DRF decides it); None when a field is of a kind DRF must render."""
    serializer.get_fields()  # builds the class's prebuilt fields once
    plan = []
    for name, field in type(serializer)._prebuilt_fields.items():
        if field.write_only:
            continue
        source = field.source or name
        if isinstance(field, serializers.SerializerMethodField):
            plan.append((name, (), None, field.method_name or f"get_{name}", "raise"))
            continue
        if field.default is not drf_fields.empty or source == "*":
            return None
        when_missing = "null" if field.allow_null else "skip" if not field.required else "raise"
        if isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None and "." not in source and hasattr(serializer, "Meta"):
            attname = serializer.Meta.model._meta.get_field(source).attname
            plan.append((name, (attname,), _same, None, when_missing))  # the key, as DRF's PKOnlyObject reads it
        elif any(type(field).to_representation is planned.to_representation for planned in _PLANNED):
            plan.append((name, tuple(source.split(".")), field.to_representation, None, when_missing))
        else:
            return None
    return tuple(plan)


def hides_settlement_money(serializer: serializers.Serializer) -> bool:
    """Whether the serializer's reader may not see settlement prices and amounts (`core.roles.sees_settlement_money`)."""
    return not sees_settlement_money(getattr(serializer.context.get("request"), "user", None))


class HidesSettlementMoney:
    """A serializer whose `settlement_money_fields` a reader who may not see settlement money does not get: they are
    left out of its answer (and so documented as fields an answer may lack)."""

    settlement_money_fields: tuple[str, ...] = ()

    def to_representation(self, instance):
        return without_settlement_money(self, super().to_representation(instance), self.settlement_money_fields)


def without_settlement_money(serializer: serializers.Serializer, data: dict, fields: tuple[str, ...]) -> dict:
    """`data` with the settlement `fields` left out for a reader who may not see them (members, the logistics provider)."""
    if hides_settlement_money(serializer):
        for name in fields:
            data.pop(name, None)
    return data


def _same(value):
    return value


def file_upload_schema(input_serializer: type[serializers.Serializer]) -> dict:
    """The multipart body of an upload whose input takes one file (`file`), as OpenAPI should describe it: spelled out,
    as without COMPONENT_SPLIT_REQUEST drf-spectacular would document the serializer's FileField as a URI."""
    described = input_serializer().fields["file"].help_text
    return {"type": "object", "properties": {"file": {"type": "string", "format": "binary", "description": described}}, "required": ["file"]}
