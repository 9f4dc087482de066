"""Serializer building blocks shared by the apps' APIs."""
import copy

from rest_framework import relations, serializers

from core.roles import sees_settlement_money


class PrebuiltFields:
    """For a serializer on a hot path: DRF builds a ModelSerializer's fields from the model on every instance (model
    introspection, labels, validators: most of an order response's CPU), and deep-copies a plain Serializer's
    declared fields, re-creating each from its arguments. Build them once per class and give each instance
    shallow copies to bind (fields keep no per-request state of their own but their binding). Only for
    serializers whose fields depend on nothing but the class (no per-request `fields`, no context-driven
    building) and are flat: a nested serializer or list field, whose children a shallow copy would share, is
    refused when the fields are first built."""

    def get_fields(self):
        cls = type(self)
        prebuilt = cls.__dict__.get("_prebuilt_fields")
        if prebuilt is None:
            prebuilt = super().get_fields()
            nested = [name for name, field in prebuilt.items()
                      if isinstance(field, serializers.BaseSerializer | relations.ManyRelatedField | serializers.ListField | serializers.DictField)]
            if nested:
                raise TypeError(f"{cls.__name__}: PrebuiltFields copies fields shallowly, so they must be flat, not {nested}")
            cls._prebuilt_fields = prebuilt
        return {name: copy.copy(field) for name, field in prebuilt.items()}


def hides_settlement_money(serializer: serializers.Serializer) -> bool:
    """Whether the serializer's reader may not see settlement prices and amounts (`core.roles.sees_settlement_money`)."""
    return not sees_settlement_money(getattr(serializer.context.get("request"), "user", None))


def without_settlement_money(serializer: serializers.Serializer, data: dict, fields: tuple[str, ...]) -> dict:
    """`data` with the settlement `fields` left out for a reader who may not see them (members, the logistics provider)."""
    if hides_settlement_money(serializer):
        for name in fields:
            data.pop(name, None)
    return data
