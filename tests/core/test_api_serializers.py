"""Prebuilt serializer fields: built once per class, bound per instance, refused where a shallow copy would share state."""
import pytest
from django.utils import translation
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


def test_fields_first_built_for_an_english_request_carry_the_labels_of_the_default_language():
    """DRF labels a model field with its verbose name only where that differs from the field's name in the language
    active when the fields are built: built once per class, they are built in the default language, so that the API
    document in Chinese keeps every title whichever language the process served first."""
    from points.models import RedemptionOrder

    meta = type("Meta", (), {"model": RedemptionOrder, "fields": [field.name for field in RedemptionOrder._meta.concrete_fields]})
    prebuilt = type("Prebuilt", (PrebuiltFields, serializers.ModelSerializer), {"Meta": meta})
    plain = type("Plain", (serializers.ModelSerializer,), {"Meta": meta})
    with translation.override("en"):
        prebuilt().fields  # noqa: B018  (the first of its class: built now, in English)

    def labels(serializer_class) -> dict[str, str]:
        return {name: str(field.label) for name, field in serializer_class().fields.items()}

    assert labels(prebuilt) == labels(plain)


def test_a_planned_representation_is_drfs_own_for_every_order_field_and_reader(rich_member, listed_gift, operator, now):
    """The order response is written from a plan made once per class: the same data as DRF's field-by-field way, for a
    confirmed order and one with its times and settlement unset, for the member (money and the statement booking it
    hidden) and for staff."""
    from points.api.serializers import OrderSerializer
    from points.services import orders
    from tests.factories import ADDRESS

    placed = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    unset = type(placed).objects.get(pk=placed.pk)
    unset.confirmed_at = unset.settlement_amount = None
    money = {"settlement_unit_price", "settlement_amount", "delivery_recorded_at", "statement_id", "statement_month",
             "statement_version", "statement_in_preparation"}
    for reader, hidden in ((rich_member.user, money), (operator, set())):
        for order in (placed, unset):
            context = {"request": request_for(reader)}
            drf = serializers.ModelSerializer.to_representation(OrderSerializer(order, context=context), order)

            planned = OrderSerializer(order, context=context).data

            assert planned == {name: value for name, value in drf.items() if name not in hidden} and set(drf) - set(planned) == hidden
    assert OrderSerializer._representation_plan is not None  # the plan wrote them, not DRF's own way


def request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_field_the_plan_does_not_know_is_rendered_by_drf():
    class WithList(PrebuiltFields, serializers.Serializer):
        quantity = serializers.IntegerField()
        when = serializers.DateTimeField(default=None)

    assert WithList({"quantity": 3, "when": None}).data == {"quantity": 3, "when": None}
    assert WithList._representation_plan is None
