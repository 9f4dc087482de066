"""The errors table of docs/api.md tells the truth about the answers a client gets for a request the API cannot take
at all: each status and code below is what the API answers, and is in the table on its status's row."""
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def table_codes(status: int) -> set[str]:
    rows = [line for line in DOCS.read_text().splitlines() if line.startswith(f"| {status} |")]
    return {code for row in rows for code in re.findall(r"`([a-z_]+)`", row)}


def answer(response) -> tuple[int, str, str | None]:
    (error,) = response.json()["errors"]
    return response.status_code, error["code"], error["attr"]


@pytest.fixture
def step(listed_gift) -> str:
    """A step the gift's state allows (a step it does not is a 409 before its body is read)."""
    return f"/api/v1/gifts/{listed_gift.pk}/delist/"


def test_a_plain_text_body_is_415_unsupported_media_type(api, operator, step):
    response = api(operator).generic("POST", step, b"reason=x", content_type="text/plain")

    assert answer(response) == (415, "unsupported_media_type", None)
    assert "unsupported_media_type" in table_codes(415)


def test_json_to_a_file_upload_is_415_unsupported_media_type(api, operator):
    response = api(operator).generic("POST", "/api/v1/points/credit-files/", b'{"file": "x"}', content_type="application/json")

    assert answer(response) == (415, "unsupported_media_type", None)


DEEP = b"[" * 5000 + b"]" * 5000  # JSON nested deeper than Python's json module recurses


def test_json_nested_too_deeply_is_400_parse_error_even_before_logging_in(api):
    response = api(None).generic("POST", "/api/v1/auth/token/", DEEP, content_type="application/json")

    assert answer(response) == (400, "parse_error", None)
    assert response.json()["type"] == "client_error"


def test_json_nested_too_deeply_is_400_parse_error_on_a_step(api, operator, step):
    response = api(operator).generic("POST", step, DEEP, content_type="application/json")

    assert answer(response) == (400, "parse_error", None)


def test_a_body_that_is_not_the_json_it_declares_is_400_parse_error(api, operator, step):
    response = api(operator).generic("POST", step, b"{not json", content_type="application/json")

    assert answer(response) == (400, "parse_error", None)
    assert "parse_error" in table_codes(400)


def test_a_body_that_does_not_parse_is_told_in_the_requests_language(api, operator, step):
    chinese = api(operator).generic("POST", step, b'{"reason":\n x}', content_type="application/json")
    english = api(operator).generic("POST", step, b'{"reason":\n x}', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert [answer(response) for response in (chinese, english)] == [(400, "parse_error", None)] * 2
    assert chinese.json()["errors"][0]["detail"] == "请求体不是有效的 JSON（第 2 行第 2 列）"
    assert english.json()["errors"][0]["detail"] == "The request body is not valid JSON (line 2, column 2)."


def test_a_broken_form_is_told_in_the_requests_language(api, operator):
    broken = {"content_type": "multipart/form-data", "data": b"--x\r\nno boundary declared"}
    chinese = api(operator).generic("POST", "/api/v1/points/credit-files/", **broken)
    english = api(operator).generic("POST", "/api/v1/points/credit-files/", **broken, HTTP_ACCEPT_LANGUAGE="en")

    assert [answer(response) for response in (chinese, english)] == [(400, "parse_error", None)] * 2
    assert chinese.json()["errors"][0]["detail"] == "请求体无法按其声明的内容类型解析"
    assert english.json()["errors"][0]["detail"] == "The request body could not be parsed as the content type it declares."


def test_a_method_the_route_does_not_take_is_405_method_not_allowed(api, operator, step):
    response = api(operator).put(step, {}, format="json")

    assert answer(response) == (405, "method_not_allowed", None)
    assert "method_not_allowed" in table_codes(405)


def test_an_accept_header_asking_for_what_the_api_does_not_give_is_406_not_acceptable(api, operator):
    response = api(operator).get("/api/v1/gifts/", HTTP_ACCEPT="application/xml")

    assert answer(response) == (406, "not_acceptable", None)
    assert "not_acceptable" in table_codes(406)


def test_the_webhooks_unknown_shipment_is_in_the_table():
    assert "unknown_shipment" in table_codes(404)
