"""A step that needs a reason says so in the schema (the field is required, with no default), and a missing one is a
400 `required` naming it on every route, whether the input declaration or the service notices (docs/api.md, "Errors")."""
from functools import cache

import pytest
from drf_spectacular.generators import SchemaGenerator

from core.errors import ValidationFailed
from core.validators import required_text

#: every API step that needs a reason (or a note) before it is taken: the operation and the field
NEEDS_A_REASON = [
    ("/api/v1/qualifications/{id}/reject/", "reason"),
    ("/api/v1/contracts/{id}/reject/", "reason"),
    ("/api/v1/profile-changes/{id}/reject/", "reason"),
    ("/api/v1/gift-revisions/{id}/reject/", "reason"),
    ("/api/v1/gifts/{id}/reject/", "reason"),
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
    ("/api/v1/statements/{id}/dispute/", "reason"),
]


@cache
def api_schema() -> dict:
    return SchemaGenerator().get_schema(public=True)


def request_body(path: str) -> dict:
    schema = api_schema()
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
