"""Checks an API answer against what the OpenAPI schema (`/api/schema/`) documents for its operation: the status code,
the content type and the body, as a client generated from the schema would read them."""
import copy
import fnmatch
import re
from functools import cache, lru_cache

import requests
import schemathesis
from django.conf import settings
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response

from core.api import views


def served_schema() -> dict:
    """The OpenAPI document `/api/schema/` serves (in Chinese), generated once per test process."""
    return views.served_schema(settings.LANGUAGE_CODE)


@cache
def api_schema():
    """The schema the API serves, loaded once per test process."""
    return schemathesis.openapi.from_dict(copy.deepcopy(served_schema()))


def schema_path(route: str) -> str:
    """The OpenAPI path of a URL route: /api/v1/gifts/{id}/submit/."""
    return ("/" + re.sub(r"\(\?P<(\w+)>[^)]+\)", r"{\1}", route.replace("^", "").replace("$", ""))).replace("{pk}", "{id}")


def mismatches(method: str, path: str, response) -> list[str]:
    """How a Django test client's `response` to `method path` (an OpenAPI path) differs from the schema; empty when
    the schema documents it truly."""
    operation = _operation(path, method.upper())
    documented = operation.definition.raw.get("responses", {})
    status = str(response.status_code)
    if status not in documented and "default" not in documented:
        return [f"status {status} not documented (documented: {', '.join(sorted(documented))})"]
    content = documented.get(status, documented.get("default", {})).get("content", {})
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    if content and not any(fnmatch.fnmatch(content_type, media) for media in content):
        return [f"status {status}: content type {content_type!r} not documented (documented: {', '.join(content)})"]
    try:
        operation.validate_response(_as_schemathesis(response))
    except FailureGroup as group:
        return [f"status {status}: {failure.title}: {failure.message[:600]}" for failure in group.exceptions]
    except AssertionError as failure:
        return [f"status {status}: {str(failure)[:600]}"]
    return []


@cache
def _operation(path: str, method: str):
    """The schema's operation `method path`, looked up once per test process (the schema builds it anew on each lookup)."""
    return api_schema()[path][method]


def _as_schemathesis(response) -> Response:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = {name: [value] for name, value in response.headers.items()}
    return Response(status_code=response.status_code, headers=headers, content=body, request=_request(response.wsgi_request.get_full_path()),
                    elapsed=0.0, verify=True)


@lru_cache(maxsize=4096)
def _request(full_path: str) -> requests.PreparedRequest:
    """The request a response answered, as schemathesis names it in a failure: prepared once per address (requests
    parses and encodes the URL each time it prepares one)."""
    return requests.Request("GET", "http://testserver" + full_path).prepare()

