"""Calls every API route as every role and as another tenant, and checks the declared status,
the fields each role sees (against a committed snapshot) and the writable fields (against the schema).

Set UPDATE_FIELD_SNAPSHOT=1 to rewrite tests/snapshots/api_fields.json after a deliberate change.
"""
import copy
import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from suppliers.models import ReplenishmentRequest, StockMovement
from points.services import ledger, orders
from suppliers.services import inventory, revisions
from tests.access import MATRIX, ROLES
from tests.api_schema import mismatches, schema_path, served_schema
from tests.access_rows import assessment
from tests.access_rows import team
from tests.access_rows import credit_files
from tests.access_rows import goods_back
from tests.access_rows import announcements, cases, catalog_io, complaints, flow, leftovers, profile, provider, returns, settlement
from tests.conftest import client_for
from tests.factories import ApplicantFactory, GiftFactory, MemberFactory, WarehouseFactory, NoticeFactory, SupplierUserFactory, UserFactory, supplier_in
from tests.helpers import gift_in_state, published

AREAS = [profile, catalog_io, flow, provider, returns, leftovers, settlement, complaints, announcements, cases]
AREAS.append(assessment)
AREAS.append(team)
AREAS.append(credit_files)
AREAS.append(goods_back)
SNAPSHOT = Path(__file__).parent / "snapshots" / "api_fields.json"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a730000001649444154789c636464626660606062606060606000000070000a33c5f7880000000049454e44ae426082")  # a 2 × 2 picture
METHODS = ["get", "post", "put", "patch", "delete"]


def api_routes() -> list[tuple[str, str, str]]:
    """(url name, HTTP method, regex route) of every route under /api/v1/."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    routes = []
    for route, pattern in walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        # a viewset's first request adds "head" to its actions, so a route table read after one would list HEAD too
        methods = [m for m in actions if m != "head"] if actions else [m for m in METHODS if hasattr(callback.cls, m)]
        routes.extend((pattern.name, method.upper(), route) for method in methods)
    return routes


ROUTES = api_routes()


def test_every_api_route_has_a_declared_row():
    declared = set(MATRIX)
    existing = {(name, method) for name, method, _ in ROUTES}

    assert existing - declared == set(), "declare these routes in tests/access.py"
    assert declared - existing == set(), "these declared routes no longer exist"


@pytest.fixture
def world(matrix_world, db):
    """The world built once for the module (tests/conftest.py), each test in a savepoint rolled back after it, so that
    every test finds it untouched; its users are copied, so that what a call changes on them in memory (a user's
    cached member) stays in that test too. Its objects are only read by the test (their ids, in URLs and bodies), never
    handed to a view, so they are shared."""
    users, objects = matrix_world
    return copy.deepcopy(users), objects


def build_world(now) -> tuple[dict, dict]:
    """One supplier (active: its gifts are listed) with its users and a notice; another supplier; two members; staff:
    (users, objects)."""
    operator = UserFactory(username="operator", role="operator")
    supplier = supplier_in("active", actor=operator, now=now)  # through onboarding: its history has rows
    other = ApplicantFactory()  # no paperwork: its users read empty contract and licence lists
    users = {
        "anon": None,
        "member": MemberFactory(user=UserFactory(username="member", role="member")).user,
        "other_member": MemberFactory(user=UserFactory(username="other_member", role="member")).user,
        "supplier_admin": SupplierUserFactory(username="supplier_admin", role="supplier_admin", supplier=supplier),
        "supplier_staff": SupplierUserFactory(username="supplier_staff", role="supplier_staff", supplier=supplier),
        "other_supplier": SupplierUserFactory(username="other_supplier", role="supplier_admin", supplier=other),
        "operator": operator,
        "logistics": UserFactory(username="logistics", role="logistics"),
        "finance": UserFactory(username="finance", role="finance"),
    }
    picture = [default_storage.save(f"gifts/{supplier.pk}/matrix.png", ContentFile(PNG))]  # served by the image routes
    gift = gift_in_state("submitted", supplier=supplier, images=picture, actor=users["supplier_staff"], at=now)
    listed = GiftFactory(supplier=supplier, images=picture)
    published(listed, actor=operator, at=now)
    revision = revisions.edit_gift(gift=listed, actor=users["supplier_staff"], now=now, changes={"name": "改名"})
    warehouse = WarehouseFactory()
    stock = inventory.receive_stock(gift=gift, location=warehouse, quantity=5, at=now)
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=10, at=now)
    inventory.receive_stock(gift=listed, location=warehouse, quantity=5, at=now)
    for member_user in (users["member"], users["other_member"]):
        ledger.earn_points(member=member_user.member, points=10_000, source=ledger.Source("batch", "MATRIX"), at=now)
    order = orders.place_order(
        member=users["member"].member, gift_id=listed.pk, quantity=1, now=now,
        recipient_name="刘洋", recipient_phone="13800138000", address="杭州市文三路100号",
    )
    objects = {
        "listed": listed, "order": order, "entry": order.redeem_entry, "member_phone": users["member"].member.phone,
        "member": users["member"].member,
        "supplier": supplier, "notice": NoticeFactory(supplier=supplier), "gift": gift, "revision": revision,
        "category": gift.category, "warehouse": warehouse, "stock": stock,
        "movement": StockMovement.objects.filter(gift=gift).first(), "replenishment": ReplenishmentRequest.objects.get(gift=gift),
    }
    for area in AREAS:  # each area adds the objects its routes act on
        if hasattr(area, "world_objects"):
            objects |= area.world_objects(supplier=supplier, users=users, now=now, objects=objects)
    return users, objects


def url_for(route: str, obj) -> str:
    path = "/" + route.lstrip("^").replace("^", "").replace("$", "")
    return re.sub(r"\(\?P<(\w+)>[^)]+\)", lambda group: str(getattr(obj, group.group(1), "0")), path)


READS = [r for r in ROUTES if r[1] == "GET"]
WRITES = [r for r in ROUTES if r[1] != "GET"]


def declared_body(objects: dict, declared: dict) -> dict:
    """The row's body with its placeholders filled in from the world's objects."""
    in_a_month = (timezone.localdate() + timedelta(days=30)).isoformat()  # a date the services take as "soon", whatever today is
    return json.loads(
        json.dumps(declared["body"]).replace('"{listed}"', str(objects["listed"].pk)).replace("{member_phone}", objects["member_phone"])
        .replace("{in_a_month}", in_a_month)
    )


def call(world, name: str, method: str, route: str, role: str, *, body: dict | None = None):
    """The row's request as `role`, with the row's body (or `body`)."""
    users, objects = world
    declared = MATRIX[(name, method)]
    obj = objects.get(declared["object"]) if declared["object"] else None
    body = declared_body(objects, declared) if body is None else body
    return getattr(client_for(users[role]), method.lower())(url_for(route, obj), body, format="json", **declared["headers"])


@pytest.mark.parametrize(("name", "method", "route"), READS, ids=[f"{m} {n}" for n, m, _ in READS])
def test_every_role_reads_with_the_declared_status_and_fields(world, name, method, route, field_snapshot):
    """Reads change nothing, so one world serves all roles. Each answer is also the one the OpenAPI schema documents
    for the route (status code, content type, body)."""
    got, undocumented = {}, {}
    for role in ROLES:
        response = call(world, name, method, route, role)
        got[role] = response.status_code
        if response.status_code == 200 and response["Content-Type"].startswith("application/json"):  # files have no fields
            field_snapshot.check(f"{method} {name} as {role}", fields_of(response.json()))
        if wrong := mismatches(method, schema_path(route), response):
            undocumented[role] = wrong

    assert got == MATRIX[(name, method)]["status"]
    assert undocumented == {}


REFUSED = {401, 403, 404}  # stopped before anything is written


def write_cases() -> list[tuple]:
    """Per write route: the roles refused together in one test (a refusal writes nothing, so each call finds the world
    as the first did), and each role let through in a test of its own (the world as built, its writes rolled back
    after it)."""
    cases = []
    for name, method, route in WRITES:
        statuses = MATRIX[(name, method)]["status"]
        refused = tuple(role for role in ROLES if statuses[role] in REFUSED)
        cases += [(name, method, route, refused)] if refused else []
        cases += [(name, method, route, (role,)) for role in ROLES if statuses[role] not in REFUSED]
    return cases


WRITE_CASES = write_cases()


@pytest.mark.parametrize(("name", "method", "route", "roles"), WRITE_CASES,
                         ids=[f"{m} {n} as {'+'.join(roles)}" for n, m, _, roles in WRITE_CASES])
def test_each_role_gets_the_declared_status_for_every_write(world, name, method, route, roles):
    """A role refused for what it is (401, 403) is refused so with an empty body too: its role is checked before the
    body, whose errors (400 naming fields) would tell it what the action takes."""
    got, bodies, empty = {}, {}, {}
    for role in roles:
        response = call(world, name, method, route, role)
        got[role], bodies[role] = response.status_code, response.content[:300]
        if response.status_code in {401, 403}:
            refused = call(world, name, method, route, role, body={})
            empty[role], bodies[f"{role} (empty body)"] = refused.status_code, refused.content[:300]

    declared = {role: MATRIX[(name, method)]["status"][role] for role in roles}
    assert got == declared, bodies
    assert empty == {role: status for role, status in declared.items() if status in {401, 403}}, bodies


def fields_of(body) -> list[str]:
    if isinstance(body, dict) and "results" in body:
        body = body["results"][0] if body["results"] else {}
    if isinstance(body, list):
        body = body[0] if body else {}
    return sorted(body) if isinstance(body, dict) else []


class FieldSnapshot:
    def __init__(self) -> None:
        self.stored = json.loads(SNAPSHOT.read_text()) if SNAPSHOT.exists() else {}
        self.update = os.environ.get("UPDATE_FIELD_SNAPSHOT") == "1"

    def check(self, key: str, fields: list[str]) -> None:
        if self.update:
            self.stored[key] = fields
            SNAPSHOT.parent.mkdir(exist_ok=True)
            SNAPSHOT.write_text(json.dumps(self.stored, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
            return
        assert key in self.stored, f"no field snapshot for {key}; run with UPDATE_FIELD_SNAPSHOT=1 and review the diff"
        assert fields == self.stored[key]


@pytest.fixture(scope="session")
def field_snapshot():
    return FieldSnapshot()


def test_members_never_see_settlement_prices():
    snapshot = json.loads(SNAPSHOT.read_text())

    leaked = {key for key, fields in snapshot.items() if "member" in key and {"settlement_price", "settlement_amount"} & set(fields)}

    assert leaked == set()


def test_writable_fields_are_exactly_the_declared_ones():
    schema = served_schema()
    components = schema["components"]["schemas"]
    mismatches = {}
    for name, method, route in ROUTES:
        if method == "GET":
            continue
        operation = schema["paths"][schema_path(route)][method.lower()]
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        ref = body.get("$ref", "").split("/")[-1]
        properties = components.get(ref, {}).get("properties", {}) if ref else body.get("properties", {})
        writable = {field for field, spec in properties.items() if not spec.get("readOnly")}
        if writable != MATRIX[(name, method)]["writable"]:
            mismatches[f"{method} {name}"] = sorted(writable)

    assert mismatches == {}
