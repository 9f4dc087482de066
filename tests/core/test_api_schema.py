"""The OpenAPI schema tells a client what the API answers to a bad query or an address that is no route: every such
answer is one the schema documents for the operation (status, content type, body). The access matrix checks the
answers to good requests (tests/test_access_matrix.py)."""
import re

import pytest

from tests.api_schema import api_schema, mismatches

BAD_VALUES = {"boolean": "maybe", "integer": "1.5", "number": "abc", "string": "\x00"}


def get_operations() -> list[tuple[str, dict]]:
    return [(path, operation.definition.raw) for path, methods in api_schema().items() for method, operation in methods.items()
            if method.upper() == "GET"]


def query_parameters(operation: dict) -> list[dict]:
    return [parameter for parameter in operation.get("parameters", []) if parameter["in"] == "query"]


def url(path: str, query: str) -> str:
    """The operation's address (each path parameter 1) with the query."""
    return re.sub(r"\{\w+\}", "1", path) + "?" + query


LISTS_WITH_ORDERING = sorted(path for path, operation in get_operations()
                             if any(parameter["name"] == "ordering" for parameter in query_parameters(operation)))


def test_a_bad_ordering_is_a_documented_400_naming_it(api, operator):
    response = api(operator).get("/api/v1/gifts/?ordering=-no_such_field")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "ordering"
    assert mismatches("GET", "/api/v1/gifts/", response) == []


def test_a_bad_yes_no_filter_is_a_documented_400_naming_it(api, operator):
    response = api(operator).get("/api/v1/announcements/?to_all=maybe")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "to_all"
    assert mismatches("GET", "/api/v1/announcements/", response) == []


def test_a_bad_value_of_a_parameter_a_view_reads_itself_is_a_documented_400(api, operator):
    response = api(operator).get("/api/v1/notices/?unread=maybe")

    assert response.status_code == 400
    assert mismatches("GET", "/api/v1/notices/", response) == []


@pytest.mark.parametrize("path", LISTS_WITH_ORDERING)
def test_every_list_documents_its_answer_to_a_bad_ordering(api, operator, supplier_admin, path):
    for user in (operator, supplier_admin):
        response = api(user).get(url(path, "ordering=no_such_field"))

        assert response.status_code in (400, 403, 404)
        assert mismatches("GET", path, response) == []


def test_every_documented_query_parameter_documents_its_answer_to_a_bad_value(api, operator):
    undocumented = {}
    for path, operation in get_operations():
        for parameter in query_parameters(operation):
            bad = BAD_VALUES.get(parameter.get("schema", {}).get("type"), "\x00")
            response = api(operator).get(url(path, f"{parameter['name']}={bad}"))
            if wrong := mismatches("GET", path, response):
                undocumented[f"{path}?{parameter['name']}"] = wrong

    assert undocumented == {}


@pytest.mark.parametrize("address", ["/api/v1/gifts/0.5/", "/api/v1/gifts/1/history/x/", "/api/v1/no-such-collection/"])
def test_an_api_address_that_is_no_route_answers_the_apis_404(api, operator, address):
    response = api(operator).get(address)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"type": "client_error", "errors": [{"code": "not_found", "detail": "未找到。", "attr": None}]}


def test_a_detail_route_asked_with_an_id_that_is_no_number_is_documented(api, operator):
    response = api(operator).get("/api/v1/gifts/0.5/")

    assert mismatches("GET", "/api/v1/gifts/{id}/", response) == []
