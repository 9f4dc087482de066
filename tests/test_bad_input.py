"""Malformed input to every write route of the API, sent as a role the route lets through (the access matrix's rows
and world, so the target objects exist): never a server error, always a 4xx in the API's error shape that names the
offending field (or the file), and nothing written; the answer is one the OpenAPI schema documents for the route.

The cases come from each route's OpenAPI request schema: an empty body, each required field missing, each field of
the wrong type, overlong or with a NUL byte, out of range (a day or time outside the business years too), badly
formatted (a date, a decimal with too many places, an unknown choice), null where null is not allowed; JSON that is not
an object; for file uploads no file, a text instead of a file, an empty and a garbage file. One world is built per
worker; each call runs in a savepoint rolled back after it, so every call finds the world as the first did (and the
rows counted once, when the world is built: every test starts from them, each rolling back what it changed, and what a
call wrote is what its count differs by).
"""
import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import resolve as resolve_url

from logistics import signing
from tests.access import MATRIX, ROLES
from tests.api_schema import mismatches, served_schema
from tests.conftest import client_for
from tests.factories import FIXED_NOW
from tests.helpers import row_counts, rows_written
from tests.test_access_matrix import ROUTES, declared_body, schema_path, url_for

SCHEMA = served_schema()
COMPONENTS = SCHEMA["components"]["schemas"]
NUL = "a\u0000b"
HUGE = 2**63  # one past the largest 64-bit integer a database column holds
LEAKS = re.compile(r"Traceback|Exception|NoneType|has no attribute|invalid literal|unsupported operand|\b\w+Error\b|File \"")
# a refusal that names none of the body's fields is about the body as a whole
WHOLE_BODY = {None, "non_field_errors"}
# with --dist loadgroup, one worker runs the whole sweep: the world (matrix_world) is built once, not once per worker
pytestmark = pytest.mark.xdist_group("bad_input")


@dataclass(frozen=True)
class Case:
    kind: str
    label: str
    body: object  # the JSON body, or the multipart form
    field: str | None  # the field the refusal must name: None for any field (or none), "*" for one of the required
    must_refuse: bool = True  # False: a value the route may take (a long text without a declared limit)


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    route: str
    role: str | None  # None: the caller is found in the world (CALLERS)
    multipart: bool

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}"


# the route's own caller where the matrix lets no role through with a good body
CALLERS = {
    ("adjustment-withdraw", "POST"): lambda users, objects: objects["adjustment"].created_by,
    # the world's order is a warehouse one, whose costs logistics records (the operator is refused before the body)
    ("extra-cost-list", "POST"): lambda users, objects: users["logistics"],
}
SIGNED = {("provider-webhook", "POST")}  # authenticated by its signature, not by a user
MULTIPART_BASE = {("reconciliation-list", "POST"): lambda objects: {"statement": objects["statement"].pk}}
# what a step's object must hold beyond its state for the step to judge the body (a schedule to cancel)
START_VALUES = {("gift-cancel-schedule", "POST"): {"publish_at": FIXED_NOW + timedelta(days=1)},
                # only a lost parcel's report is withdrawn: the matrix's claim is a transit damage's
                ("logistics-claim-withdraw", "POST"): {"cause": "lost_parcel"}}
# a good body where the matrix's names a missing object (its 404 would come before the field checked) or a known event
NEW_EVENT = {"event_id": "BAD-INPUT-E1", "tracking_number": "MATRIX-SF1", "sequence": 2, "kind": "delivered",
             "occurred_at": FIXED_NOW.isoformat(), "payload": {"signer": "刘洋"}}
GOOD_BODY = {
    ("extra-cost-list", "POST"): lambda objects: {"kind": "handling", "payer": "supplier", "order": objects["order"].pk},
    ("adjustment-list", "POST"): lambda objects: {"supplier": objects["supplier"].pk, "kind": "penalty", "amount": "-100.00",
                                                  "reason": "迟发"},
    ("rectification-case-list", "POST"): lambda objects: {"supplier": objects["supplier"].pk, "kind": "warning", "reason": "迟发",
                                                          "deadline": "2099-01-01"},
    ("provider-webhook", "POST"): lambda objects: NEW_EVENT,
    ("provider-event-list", "POST"): lambda objects: NEW_EVENT,
}
GARBAGE = b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x00garbage\x00,\x00\n\x00\x00"


def resolve(spec: dict) -> dict:
    """A property's schema with its $ref, allOf and oneOf followed; `nullable` set where null is one of the choices."""
    spec = dict(spec)
    while True:
        if "$ref" in spec:
            spec = {**COMPONENTS[spec.pop("$ref").split("/")[-1]], **spec}
        elif "allOf" in spec:
            spec = {**resolve(spec.pop("allOf")[0]), **spec}
        elif "oneOf" in spec:
            choices = [resolve(choice) for choice in spec.pop("oneOf")]
            nullable = any(choice.get("enum") == [None] for choice in choices)
            spec = {**choices[0], **spec} | ({"nullable": True} if nullable else {})
        else:
            return spec


def request_schema(operation: dict, content_type: str) -> dict:
    return resolve(operation.get("requestBody", {}).get("content", {}).get(content_type, {}).get("schema", {}))


def writable(schema: dict) -> dict[str, dict]:
    return {name: resolve(spec) for name, spec in schema.get("properties", {}).items() if not spec.get("readOnly")}


def caller_role(name: str, method: str) -> str | None:
    """The role the matrix lets through: one that succeeds, else one stopped by the object's state or the body, else
    (for a create naming a missing object) one told the object is not found."""
    declared = MATRIX[(name, method)]
    statuses = declared["status"]
    for allowed in (range(200, 300), (400, 409, 415, 422), (404,) if declared["object"] is None else ()):
        for role in ROLES:
            if statuses[role] in allowed:
                return role
    return None


def operations() -> list[Operation]:
    found = []
    for name, method, route in ROUTES:
        if method == "GET":
            continue
        content = SCHEMA["paths"][schema_path(route)][method.lower()].get("requestBody", {}).get("content", {})
        if not content:
            continue  # takes no input
        role = caller_role(name, method)
        if role is None and (name, method) not in CALLERS and (name, method) not in SIGNED:
            raise AssertionError(f"no caller for {method} {name}: add one to CALLERS")
        found.append(Operation(name, method, route, role, multipart="application/json" not in content))
    return found


# --- the cases ---------------------------------------------------------------------------------------------------

def replaced(body: dict, path: tuple, value=...) -> dict:
    """A copy of `body` with the value at `path` replaced (or removed, when no value is given)."""
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:
        target = target[step]
    if value is ...:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return body


def decimal_limits(spec: dict) -> tuple[int, int]:
    digits, places = re.search(r"d\{0,(\d+)\}.*d\{0,(\d+)\}", spec.get("pattern", r"d{0,10}d{0,2}")).groups()
    return int(digits), int(places)


def bad_values(spec: dict) -> dict[str, list[tuple[object, bool]]]:
    """Per case kind, the malformed values of a field with this schema: (value, must the route refuse it)."""
    kind, fmt = spec.get("type"), spec.get("format")
    values: dict[str, list] = {"null": [] if spec.get("nullable") else [(None, True)]}
    if "enum" in spec:
        return values | {"wrong_type": [(["x"], True), ({"x": 1}, True)], "bad_format": [("no-such-choice", True)],
                         "nul_byte": [(NUL, True)]}
    if kind in ("integer", "number"):
        limits = [(spec["minimum"] - 1, True)] if "minimum" in spec else [(-1, False)]  # no declared minimum: may be taken
        limits += [(spec["maximum"] + 1, True)] if "maximum" in spec else []
        return values | {"wrong_type": [("abc", True), ([1], True)], "out_of_range": [(HUGE, True), (-HUGE - 1, True), *limits]}
    if kind == "boolean":
        return values | {"wrong_type": [("maybe", True), ({"x": 1}, True)]}
    if kind == "array":
        item = resolve(spec.get("items", {}))
        nul = [([NUL], True)] if item.get("type") == "string" else []
        return values | {"wrong_type": [("x", True), ({"x": 1}, True)], "nul_byte": nul}
    if kind == "object":  # a free-form object is stored as given: NUL bytes anywhere in it are refused
        nul = [] if spec.get("properties") else [({"x": NUL}, True), ({NUL: 1}, True)]
        return values | {"wrong_type": [("x", True), ([1], True)], "nul_byte": nul}
    if kind != "string":
        return values
    values |= {"wrong_type": [(["x"], True), ({"x": 1}, True)], "nul_byte": [(NUL, True)]}
    if fmt == "decimal":
        digits, places = decimal_limits(spec)
        return values | {"bad_format": [("1." + "1" * (places + 1), True), ("abc", True), ("NaN", True)],
                         "out_of_range": [("9" * (digits + 1), True), ("-" + "9" * (digits + 1), True)]}
    if fmt == "date":  # a day outside the business years (core.validators.BUSINESS_YEARS), at the calendar's edges
        return values | {"bad_format": [("2026-13-45", True), ("20261345", True)],
                         "out_of_range": [("0001-01-01", True), ("9999-12-31", True), ("1999-12-31", True)]}
    if fmt == "date-time":  # the first moments are no time in UTC or Asia/Shanghai (a year 0), the last none after it
        return values | {"bad_format": [("2026-13-45T10:00:00+08:00", True), ("yesterday", True)],
                         "out_of_range": [("0001-01-01T00:00:00+09:00", True), ("0001-01-01T00:00:00", True),
                                          ("9999-12-31T23:59:59+08:00", True), ("2100-01-01T00:00:00+08:00", True)]}
    if fmt in ("binary", "uri") and "maxLength" not in spec:
        return values
    if "pattern" in spec:
        bad = next(candidate for candidate in ("2026-13-45", "!!", "a b") if not re.fullmatch(spec["pattern"], candidate))
        values["bad_format"] = [(bad, True)]
    if fmt == "email":
        values["bad_format"] = [("not-an-email", True)]
    if "maxLength" in spec:
        values["too_long"] = [("x" * (spec["maxLength"] + 1), True)] if spec["maxLength"] else []
    else:  # no declared limit: a long text may be taken, but never fail the database's column
        values["too_long"] = [("长" * 10_001, False)]
    return values


def field_cases(schema: dict, base: dict, prefix: tuple = ()) -> list[Case]:
    """The cases of each field of `schema`, one level into the objects and lists of objects `base` holds."""
    cases = []
    for name, spec in writable(schema).items():
        path = (*prefix, name)
        label = ".".join(map(str, path))
        for kind, values in bad_values(spec).items():
            cases += [Case(kind, f"{label}={value!r:.40}", replaced(base, path, value), label, must) for value, must in values]
        present = base
        for step in path:
            present = present.get(step) if isinstance(present, dict) else None
        if spec.get("type") == "object" and spec.get("properties") and isinstance(present, dict):
            cases += field_cases(spec, base, path)
        item = resolve(spec.get("items", {})) if spec.get("type") == "array" else {}
        if item.get("properties") and isinstance(present, list) and present and isinstance(present[0], dict):
            cases += field_cases(item, base, (*path, 0))
    return cases


def json_cases(operation: Operation, base: dict) -> list[Case]:
    schema = request_schema(SCHEMA["paths"][schema_path(operation.route)][operation.method.lower()], "application/json")
    required = [name for name in schema.get("required", []) if name in writable(schema)]
    cases = [Case("not_an_object", "a list", [base], None), Case("not_an_object", "a string", "text", None)]
    cases += [Case("empty_body", "{}", {}, "*")] if required else []
    cases += [Case("missing_required", f"without {name}", replaced(base, (name,)), name) for name in required]
    return cases + field_cases(schema, base)


def file_fields(operation: Operation) -> tuple[list[str], set[str]]:
    """The file fields of the route's form, and those of them it requires."""
    schema = request_schema(SCHEMA["paths"][schema_path(operation.route)][operation.method.lower()], "multipart/form-data")
    files = [name for name, spec in writable(schema).items()
             if spec.get("format") == "binary" or resolve(spec.get("items", {})).get("format") == "binary"
             or (spec.get("format") == "uri" and "file" in name)]  # a file field reads as a URL in a schema that also takes JSON
    return files, set(schema.get("required", [])) & set(files)


def file_cases(operation: Operation, base: dict) -> list[Case]:
    files, required = file_fields(operation)
    cases = []
    for name in files:
        suffix = ".png" if "image" in operation.name else ".csv" if operation.multipart else ".pdf"
        cases += [Case("no_file", f"without {name}", base, name)] if name in required else []
        cases += [
            Case("not_a_file", f"{name}=text", base | {name: "not a file"}, name),
            Case("empty_file", f"{name} empty", base | {name: ("empty" + suffix, b"")}, name),
            Case("garbage_file", f"{name} garbage", base | {name: ("garbage" + suffix, GARBAGE)}, name),
            Case("garbage_file", f"{name} garbage xlsx", base | {name: ("garbage.xlsx", GARBAGE)}, name),
        ]
    return cases


OPERATIONS = operations()
FILE_KINDS = ["no_file", "not_a_file", "empty_file", "garbage_file"]
CASE_KINDS = ["empty_body", "not_an_object", "missing_required", "wrong_type", "too_long", "nul_byte", "out_of_range",
              "bad_format", "null", *FILE_KINDS]


def cases_of(operation: Operation, objects: dict) -> list[Case]:
    key = (operation.name, operation.method)
    if operation.multipart:
        return file_cases(operation, MULTIPART_BASE.get(key, lambda _: {})(objects))
    body = GOOD_BODY[key](objects) if key in GOOD_BODY else declared_body(objects, MATRIX[key])
    return json_cases(operation, body) + file_cases(operation, body)


def sweep_params() -> list:
    """(operation, case kind) of each kind the operation has a case of; the cases' shapes do not depend on the world."""
    stand_in = type("StandIn", (), {"pk": 1})()
    stand_in = {"listed": stand_in, "member_phone": "13800000000", "statement": stand_in, "order": stand_in, "supplier": stand_in}
    params = []
    for operation in OPERATIONS:
        kinds = {case.kind for case in cases_of(operation, stand_in)}
        params += [pytest.param(operation, kind, id=f"{operation.id} {kind}") for kind in CASE_KINDS if kind in kinds]
    return params


# --- the calls ---------------------------------------------------------------------------------------------------

def target(operation: Operation, objects: dict) -> str:
    """The URL the operation's calls go to: the route with the world's object of its row."""
    declared = MATRIX[(operation.name, operation.method)]
    return url_for(operation.route, objects.get(declared["object"]) if declared["object"] else None)


def send(operation: Operation, case: Case, world, url: str):
    users, objects = world
    declared = MATRIX[(operation.name, operation.method)]
    key = (operation.name, operation.method)
    user = CALLERS[key](users, objects) if key in CALLERS else users.get(operation.role)
    client = _client_of(user)
    headers = {name: f"{value}-bad-input-{id(case)}" for name, value in declared["headers"].items()}  # a fresh key per call
    if case.kind in FILE_KINDS:
        form = {name: SimpleUploadedFile(*value) if isinstance(value, tuple) else value for name, value in case.body.items()}
        return getattr(client, operation.method.lower())(url, form, format="multipart", **headers)
    raw = json.dumps(case.body).encode()
    if key in SIGNED:
        signed = signing.signed_headers(raw, int(datetime.now().timestamp()))
        headers |= {"HTTP_X_SIGNATURE": signed["X-Signature"], "HTTP_X_TIMESTAMP": signed["X-Timestamp"]}
    return client.generic(operation.method, url, raw, content_type="application/json", **headers)


_CLIENTS: dict = {}  # the user's pk → (the user, their client)


def _client_of(user):
    """The user's client, made once per module (a client loads the middleware on its first request) and sent with no
    cookie: each call as from a new client."""
    key = getattr(user, "pk", None)
    made_for, client = _CLIENTS.get(key, (None, None))
    if client is None or made_for is not user:
        client = client_for(user)
        _CLIENTS[key] = (user, client)
    client.cookies.clear()
    return client


def in_a_start_state(url: str, method: str, values: dict | None = None) -> None:
    """A workflow step says first when its object's state is not one it starts from, whatever the body (409): the
    object of such a step, if the world left it in another state, is put in one the step starts from (a row update, in
    the test's transaction before its calls, each rolled back to it), so that the body is what is judged; `values`:
    what else the step needs the object to hold (`START_VALUES`)."""
    match = resolve_url(url)
    action = (getattr(match.func, "actions", None) or {}).get(method.lower(), "")
    handler = getattr(getattr(match.func, "cls", None), action, None)
    if not getattr(handler, "transition", None):
        return
    model = match.func.cls(action=action, request=None, format_kwarg=None).get_serializer_class().Meta.model
    row = model._base_manager.filter(pk=match.kwargs["pk"])
    sources = [t.source for t in model._meta.get_field("state").get_all_transitions(model) if t.name == handler.transition]
    if not row.filter(state__in=sources).exists():
        row.update(state=sources[0])
    if values:
        row.update(**values)


def problems_of(operation: Operation, case: Case, world, url: str, before: dict[str, int]) -> str | None:
    """What is wrong with the route's answer to `case` sent to `url`, or None; `before`: the rows of every table
    before the call (the call rolled back after it, so each call of a test starts from the same rows)."""
    cache.clear()  # no throttle carries over from the previous call
    savepoint = transaction.savepoint()
    try:
        with rows_written(before) as written:
            response = send(operation, case, world, url)
    except Exception as exc:  # the test client re-raises what the view did not handle
        transaction.savepoint_rollback(savepoint)
        return f"server error: {type(exc).__name__}: {exc}"[:300]
    transaction.savepoint_rollback(savepoint)
    status = response.status_code
    if status >= 500:
        return f"{status}: {response.content[:200]!r}"
    if status < 400:
        return None if not case.must_refuse else f"taken ({status}): {response.content[:200]!r}"
    if not case.must_refuse:  # a value the route may take: any reason to refuse the request will do
        case = Case(case.kind, case.label, case.body, None)
    try:
        errors = response.json()["errors"]
        attrs = {error["attr"] for error in errors}
        details = " ".join(str(error["detail"]) for error in errors)
        assert response.json()["type"] in ("validation_error", "client_error") and all(error["code"] for error in errors)
    except (ValueError, KeyError, TypeError, AssertionError):
        return f"{status} not in the error shape: {response.content[:200]!r}"
    if undocumented := mismatches(operation.method, schema_path(operation.route), response):
        return f"{status} not as the schema documents it: {undocumented}"
    if LEAKS.search(details):
        return f"{status} leaks the program's text: {details[:200]}"
    if written:
        return f"{status} but wrote {written}"
    if case.field == "*":
        required = {name for name in request_schema(
            SCHEMA["paths"][schema_path(operation.route)][operation.method.lower()], "application/json").get("required", [])}
        return None if attrs & required else f"{status} names {attrs}, none of the required {sorted(required)}: {details[:150]}"
    if case.field and not any(attr and (attr == case.field or attr.startswith(case.field + ".")) for attr in attrs):
        return f"{status} names {attrs}, not {case.field}: {details[:150]}"
    return None


@pytest.fixture(scope="module")
def world_rows(matrix_world, django_db_blocker) -> dict[str, int]:
    """The rows of every table in the module's world, counted once: what every test starts from (a test rolls back all
    it changed; putting an object in a start state changes a row, never how many)."""
    with django_db_blocker.unblock():
        return row_counts()


@pytest.mark.parametrize(("operation", "kind"), sweep_params())
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(matrix_world, world_rows, db, operation, kind):
    url = target(operation, matrix_world[1])
    in_a_start_state(url, operation.method, START_VALUES.get((operation.name, operation.method)))
    before = world_rows
    problems = {}
    for case in cases_of(operation, matrix_world[1]):
        if case.kind == kind and (problem := problems_of(operation, case, matrix_world, url, before)):
            problems[case.label] = problem

    assert problems == {}
