"""Every error status comes back in one documented shape: {"type", "errors": [{"code", "detail", "attr"}]}."""
import pytest
from drf_spectacular.generators import EndpointEnumerator

from core.models import TransitionLog
from suppliers.models import Supplier
from tests.api_schema import served_schema
from tests.factories import SUPPLIER_APPLICATION

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # the supplier is an applicant, as onboarding starts it


def only_error(response):
    body = response.json()
    assert set(body) == {"type", "errors"}
    assert len(body["errors"]) == 1
    return body["type"], body["errors"][0]


def test_bad_input_is_400_naming_the_field(api):
    response = api(None).post("/api/v1/supplier-applications/", {**SUPPLIER_APPLICATION, "credit_code": "91330106MA2AAAAA0X"})

    assert response.status_code == 400
    kind, error = only_error(response)
    assert kind == "validation_error"
    assert error["attr"] == "credit_code" and error["code"] == "invalid"


def test_anonymous_api_call_is_401(api):
    response = api(None).get("/api/v1/suppliers/")

    assert response.status_code == 401
    assert only_error(response)[1]["code"] == "not_authenticated"


def test_role_without_the_action_is_403(api, supplier_admin, supplier):
    response = api(supplier_admin).post(f"/api/v1/suppliers/{supplier.pk}/approve/", {})

    assert response.status_code == 403
    assert only_error(response)[1]["code"] == "permission_denied"


def test_another_tenants_object_is_404(api, supplier_admin, other_supplier):
    response = api(supplier_admin).get(f"/api/v1/suppliers/{other_supplier.pk}/")

    assert response.status_code == 404
    assert only_error(response)[1]["code"] == "not_found"


def test_illegal_transition_is_409_and_changes_nothing(api, operator, supplier):
    response = api(operator).post(f"/api/v1/suppliers/{supplier.pk}/approve/", {"reason": "skip review"})

    assert response.status_code == 409
    kind, error = only_error(response)
    assert (kind, error["code"]) == ("client_error", "invalid_transition")
    supplier.refresh_from_db()
    assert supplier.state == Supplier.State.APPLIED
    assert not TransitionLog.objects.exists()


def test_schema_documents_the_error_shape(api, operator):
    response = api(operator).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schemas = response.json()["components"]["schemas"]
    assert any(name.startswith("ErrorResponse404") for name in schemas)


def test_the_schema_asks_for_the_idempotency_key_where_a_request_requires_it():
    schema = served_schema()

    place_order = schema["paths"]["/api/v1/orders/"]["post"]
    headers = [(p["name"], p["required"]) for p in place_order["parameters"] if p["in"] == "header"]
    assert headers == [("Idempotency-Key", True)]


def test_the_schema_tells_a_member_asking_for_a_code_too_soon_how_long_to_wait():
    schema = served_schema()

    too_soon = schema["paths"]["/api/v1/orders/{id}/resend-code/"]["post"]["responses"]["429"]

    assert too_soon["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse429")
    assert "Retry-After" in too_soon["headers"] and too_soon["headers"]["Retry-After"]["schema"]["type"] == "integer"


def idempotent_operations() -> list[tuple[str, str]]:
    """(path, method) of every route whose view method requires an Idempotency-Key (`core.idempotency.idempotent`),
    found from the views themselves."""
    found = []
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        handler_name = getattr(callback, "actions", {}).get(method.lower(), method.lower())
        if getattr(getattr(callback.cls, handler_name, None), "requires_idempotency_key", False):
            found.append((path.replace("{pk}", "{id}"), method.lower()))
    return found


def test_the_schema_asks_for_the_idempotency_key_on_every_route_that_requires_it():
    operations = idempotent_operations()
    paths = served_schema()["paths"]

    assert ("/api/v1/members/{id}/correct-points/", "post") in operations and ("/api/v1/complaints/suggest/", "post") in operations
    undeclared = [(path, method) for path, method in operations
                  if ("Idempotency-Key", True) not in [(p["name"], p["required"]) for p in paths[path][method]["parameters"] if p["in"] == "header"]]
    assert undeclared == []


@pytest.mark.parametrize(("path", "method", "statuses"), [
    ("/api/v1/gifts/", "get", {"405", "406"}),
    ("/api/v1/gifts/", "post", {"405", "406", "415"}),
    ("/api/v1/gifts/{id}/delist/", "post", {"405", "406", "415"}),
    ("/api/v1/orders/", "post", {"405", "406", "415"}),
    ("/api/v1/statements/{id}/", "get", {"405", "406"}),
])
def test_the_schema_documents_a_method_an_accept_or_a_body_type_the_route_does_not_take(path, method, statuses):
    schema = served_schema()

    responses = schema["paths"][path][method]["responses"]

    assert {status for status in ("405", "406", "415") if status in responses} == statuses
    for status in statuses:
        assert responses[status]["content"]["application/json"]["schema"]["$ref"].endswith(f"/ErrorResponse{status}")
    codes = {status: schema["components"]["schemas"][f"ErrorCode{status}Enum"]["enum"] for status in statuses}
    assert codes == {status: [CODES[status]] for status in statuses}


CODES = {"405": "method_not_allowed", "406": "not_acceptable", "415": "unsupported_media_type"}


@pytest.mark.parametrize("format_", ["xml", "api", "json"])
def test_a_format_parameter_changes_nothing_the_answer_is_json(api, operator, format_):
    response = api(operator).get("/api/v1/suppliers/", {"format": format_})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) >= {"count", "results"}


def test_the_schema_declares_the_credit_file_as_a_file_upload():
    body = served_schema()["paths"]["/api/v1/points/credit-files/"]["post"]["requestBody"]["content"]

    assert list(body) == ["multipart/form-data"]
    assert body["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert body["multipart/form-data"]["schema"]["required"] == ["file"]
