"""A step that needs a reason says so in the schema (the field is required, with no default), and a missing one is a
400 `required` naming it on every route, whether the input declaration or the service notices (docs/api.md, "Errors")."""
from importlib import import_module

import pytest
from django.conf import settings
from rest_framework import serializers

from core.api.fields import RequiredText

from core.errors import ValidationFailed
from core.validators import required_text
from tests.api_schema import served_schema

APPS = ("core", "suppliers", "points", "logistics", "settlement")

#: every API step that needs a reason (or a note) before it is taken: the operation and the field
NEEDS_A_REASON = [
    ("/api/v1/qualifications/{id}/reject/", "reason"),
    ("/api/v1/contracts/{id}/reject/", "reason"),
    ("/api/v1/profile-changes/{id}/reject/", "reason"),
    ("/api/v1/gift-revisions/{id}/reject/", "reason"),
    ("/api/v1/gifts/{id}/reject/", "reason"),
    ("/api/v1/gifts/{id}/retire/", "reason"),
    ("/api/v1/suppliers/{id}/reject/", "reason"),
    ("/api/v1/suppliers/{id}/suspend/", "reason"),
    ("/api/v1/suppliers/{id}/terminate/", "reason"),
    ("/api/v1/orders/{id}/give-up/", "reason"),
    ("/api/v1/orders/{id}/cancel-before-picking/", "reason"),
    ("/api/v1/returns/{id}/reject/", "reason"),
    ("/api/v1/returns/{id}/refund-instead/", "reason"),
    ("/api/v1/returns/{id}/reship-replacement/", "reason"),
    ("/api/v1/returns/{id}/send-back-again/", "reason"),
    ("/api/v1/adjustments/{id}/withdraw/", "reason"),
    ("/api/v1/adjustments/{id}/reject/", "note"),
    ("/api/v1/extra-costs/{id}/void/", "reason"),
    ("/api/v1/inbound-shipments/{id}/withdraw/", "reason"),
    ("/api/v1/rectification-cases/{id}/close/", "reason"),
    ("/api/v1/penalty-proposals/{id}/dismiss/", "reason"),
    ("/api/v1/penalty-proposals/{id}/decline-dismissal/", "reason"),
    ("/api/v1/suspension-proposals/{id}/dismiss/", "reason"),
    ("/api/v1/leftover-lots/{id}/dispose/", "reason"),
    ("/api/v1/goods-back/{id}/send-again/", "reason"),
    ("/api/v1/goods-back/{id}/dispute/", "reason"),
    ("/api/v1/statements/{id}/dispute/", "reason"),
    ("/api/v1/complaints/{id}/dispute/", "reason"),
]


def request_body(path: str) -> dict:
    schema = served_schema()
    content = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return schema["components"]["schemas"][content["$ref"].rsplit("/", 1)[1]]


@pytest.mark.parametrize(("path", "field"), NEEDS_A_REASON)
def test_the_schema_marks_the_reason_of_a_step_that_needs_one_required(path, field):
    body = request_body(path)

    assert field in body.get("required", [])
    assert "default" not in body["properties"][field]


def test_a_missing_or_blank_reason_a_service_asks_for_is_code_required_naming_its_field():
    for value in (None, "", "  \n"):
        with pytest.raises(ValidationFailed) as refused:
            required_text(value, field="note")

        assert refused.value.errors[0][:2] == ("note", "required")


def _every_input_serializer(cls=serializers.Serializer):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _every_input_serializer(subclass)


def _written_reasons_and_notes() -> list[tuple[str, str, serializers.Field]]:
    """(serializer, field name, field) of every required reason or note a person writes (a return's reason is a choice)."""
    import_module(settings.ROOT_URLCONF)  # every app's API, and so its input declarations
    api_serializers = [serializer for serializer in _every_input_serializer() if serializer.__module__.split(".")[1:2] == ["api"]
                       and serializer.__module__.split(".")[0] in APPS]
    return [(serializer.__name__, name, field) for serializer in api_serializers for name, field in serializer().fields.items()
            if name in ("reason", "note") and isinstance(field, serializers.CharField) and field.required and not field.read_only]


def test_every_required_reason_or_note_the_api_takes_refuses_an_empty_or_blank_one_as_missing():
    fields = _written_reasons_and_notes()

    assert len(fields) >= 15
    assert [(serializer, name) for serializer, name, field in fields if not isinstance(field, RequiredText)] == []
    for serializer, name, field in fields:
        with pytest.raises(serializers.ValidationError) as refused:
            field.run_validation("   ")

        assert refused.value.get_codes() == ["required"], (serializer, name)


@pytest.mark.parametrize("text", ["", " ", "\u3000", "\t\n", "x", " 有原因 "])
def test_the_api_and_the_services_refuse_the_same_texts_as_missing(text):
    def refused_by_the_service() -> bool:
        try:
            required_text(text)
        except ValidationFailed:
            return True
        return False

    def refused_by_the_api() -> bool:
        try:
            RequiredText().run_validation(text)
        except serializers.ValidationError as error:
            assert error.get_codes() == ["required"]
            return True
        return False

    assert refused_by_the_api() == refused_by_the_service() == (text.strip() == "")
