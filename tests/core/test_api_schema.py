"""The OpenAPI schema tells a client what the API answers to a bad query or an address that is no route: every such
answer is one the schema documents for the operation (status, content type, body). The access matrix checks the
answers to good requests (tests/test_access_matrix.py)."""
import re

import pytest

from tests.access import MATRIX
from core.api.schema import NEVER_REFUSED
from tests.api_schema import api_schema, mismatches, schema_path
from tests.conftest import client_for
from tests.factories import GiftFactory, MemberFactory
from tests.test_access_matrix import READS, build_world, url_for

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


def readable_routes() -> dict[str, tuple[str, str, str]]:
    """Each GET operation's (OpenAPI path: url name, route, a role the access matrix lets read it)."""
    routes = {}
    for name, method, route in READS:
        statuses = MATRIX[(name, method)]["status"]  # a role the matrix refuses only for its query (400) may read it too
        readers = sorted(statuses, key=lambda role: (not 200 <= statuses[role] < 300, statuses[role] != 400))
        routes[schema_path(route)] = (name, route, readers[0])
    return routes


@pytest.fixture
def read_as_a_reader(db, now):
    """GET an operation's address (its path parameters those of the access matrix's objects) with a query, as a role that
    may read it."""
    users, objects = build_world(now)
    routes = readable_routes()

    def get(path: str, query: str):
        name, route, role = routes[path]
        obj = objects.get(MATRIX[(name, "GET")]["object"] or "")
        return client_for(users[role]).get(url_for(route, obj) + "?" + query)

    return get


def test_every_list_with_an_ordering_answers_a_bad_one_with_a_documented_400_naming_it(read_as_a_reader):
    wrong = {}
    for path in LISTS_WITH_ORDERING:
        response = read_as_a_reader(path, "ordering=no_such_field")
        if response.status_code != 400 or response.json()["errors"][0]["attr"] != "ordering" or mismatches("GET", path, response):
            wrong[path] = (response.status_code, response.content[:200], mismatches("GET", path, response))

    assert wrong == {}


def test_every_documented_query_parameter_answers_a_bad_value_with_a_documented_400_naming_it(read_as_a_reader):
    """A reader who may see the list gets the 400 (neither a 403 nor a 404 hides it); a text with a NUL byte is refused
    before it reaches the database (PostgreSQL cannot hold one)."""
    wrong = {}
    for path, operation in get_operations():
        for parameter in query_parameters(operation):
            name = parameter["name"]
            bad = BAD_VALUES.get(parameter.get("schema", {}).get("type"), "\x00")
            response = read_as_a_reader(path, f"{name}={bad}")
            undocumented = mismatches("GET", path, response)
            refused = response.status_code == 400 and [error["attr"] for error in response.json()["errors"]] == [name]
            if undocumented or (name not in NEVER_REFUSED and not refused):
                wrong[f"{path}?{name}"] = (response.status_code, response.content[:200], undocumented)

    assert wrong == {}


def test_a_bad_choice_of_a_parameter_a_view_reads_itself_is_a_400_naming_it(read_as_a_reader):
    for path, query in [("/api/v1/members/", "tier=bogus"), ("/api/v1/members/", "program=bogus"),
                        ("/api/v1/qualifications/", "expiry_status=bogus")]:
        response = read_as_a_reader(path, query)

        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == query.split("=")[0]
        assert mismatches("GET", path, response) == []


@pytest.mark.parametrize("size", ["0", "-1", "1.5", "abc", "\x00"])
def test_a_page_size_that_is_no_whole_number_from_1_is_a_documented_400_naming_it(api, operator, size):
    response = api(operator).get(f"/api/v1/gifts/?page_size={size}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "page_size"
    assert mismatches("GET", "/api/v1/gifts/", response) == []


def test_a_page_size_above_200_gives_200_rows_and_a_page_that_does_not_exist_is_a_documented_404(api, operator):
    GiftFactory.create_batch(201)

    assert len(api(operator).get("/api/v1/gifts/?page_size=500").json()["results"]) == 200
    for page in ("4", "x"):
        response = api(operator).get(f"/api/v1/gifts/?page_size=100&page={page}")
        assert response.status_code == 404
        assert mismatches("GET", "/api/v1/gifts/", response) == []


@pytest.mark.parametrize("address", ["/api/v1/gifts/0.5/", "/api/v1/gifts/1/history/x/", "/api/v1/no-such-collection/"])
def test_an_api_address_that_is_no_route_answers_the_apis_404(api, operator, address):
    response = api(operator).get(address)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"type": "client_error", "errors": [{"code": "not_found", "detail": "未找到。", "attr": None}]}


def test_a_detail_route_asked_with_an_id_that_is_no_number_is_documented(api, operator):
    response = api(operator).get("/api/v1/gifts/0.5/")

    assert mismatches("GET", "/api/v1/gifts/{id}/", response) == []


def test_a_write_without_its_idempotency_key_is_a_documented_400_naming_the_header(api, operator):
    member = MemberFactory()

    response = api(operator).post(f"/api/v1/members/{member.pk}/correct-points/", {"points": 5, "reason_code": "other", "note": "补录"},
                                  format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "Idempotency-Key"
    assert mismatches("POST", "/api/v1/members/{id}/correct-points/", response) == []


def test_an_upload_without_its_file_is_a_documented_400_naming_the_file(api, supplier_admin):
    response = api(supplier_admin).post("/api/v1/gift-imports/", {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "file"
    assert mismatches("POST", "/api/v1/gift-imports/", response) == []
