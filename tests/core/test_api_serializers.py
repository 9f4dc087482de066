"""Prebuilt serializer fields: built once per class, bound per instance, refused where a shallow copy would share state."""
import pytest
from rest_framework import serializers

from core.api.serializers import PrebuiltFields


class Line(serializers.Serializer):
    sku = serializers.CharField()


class Flat(PrebuiltFields, serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=99)
    note = serializers.SerializerMethodField()

    def get_note(self, row) -> str:
        return self.context["note"]


class Nested(PrebuiltFields, serializers.Serializer):
    lines = Line(many=True)


def test_each_instance_binds_its_own_copies_so_contexts_never_mix():
    first, second = Flat({"quantity": 1}, context={"note": "甲"}), Flat({"quantity": 2}, context={"note": "乙"})

    assert (first.data, second.data) == ({"quantity": 1, "note": "甲"}, {"quantity": 2, "note": "乙"})
    assert first.fields["note"] is not second.fields["note"] and first.fields["note"].parent is first
    invalid = Flat(data={"quantity": 100})
    assert not invalid.is_valid() and list(invalid.errors) == ["quantity"]  # the shared validators still apply


def test_a_nested_serializer_is_refused_where_a_shallow_copy_would_share_its_children():
    with pytest.raises(TypeError, match="lines"):
        Nested({"lines": []}).data  # noqa: B018
