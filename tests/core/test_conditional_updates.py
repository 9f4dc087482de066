"""A gift, a category and a KPI setting read through the API carry an ETag of what they store; a PATCH sending it as
If-Match is made only while the record is still so: one a colleague changed since is 412 precondition_failed, nothing
written, where it would put back what the client read. Without If-Match a PATCH goes ahead as before; `*` matches
any stored record and a weak tag never matches (RFC 9110 §13.1.1)."""
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import pytest
from django.utils import timezone

from settlement.models import Kpi, KpiSetting
from settlement.services import assessment_rules
from suppliers.models import Category, Gift
from suppliers.services import categories, revisions
from tests.api_schema import mismatches, served_schema
from tests.factories import CategoryFactory, GiftFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Record:
    """One kind of record edited through the API: who edits it, where, with what, and a colleague's change."""

    role: str
    make: Callable  # (request) -> the record
    url: Callable  # (record) -> its detail URL
    path: str  # the schema's path of that URL
    body: dict  # the client's change
    written: Callable  # (record read again) -> what the client's change sets
    by_colleague: Callable  # (record, request) -> another user's change, made through the service


def gift(request):
    return GiftFactory(supplier=request.getfixturevalue("supplier"), name="明前龙井")


def colleague_renames(gift, request):
    revisions.edit_gift(gift=gift, actor=request.getfixturevalue("supplier_admin"), now=timezone.now(), changes={"description": "同事改的"})


def colleague_names_in_english(category, request):
    categories.save_category(actor=request.getfixturevalue("operator"), now=timezone.now(), category=category, name_en="Tea")


def colleague_retargets(setting, request):
    assessment_rules.update_kpi_settings(reason="测试调整", actor=request.getfixturevalue("operator"), now=timezone.now(), values={setting.kpi: {"target": "0.5"}})


RECORDS = {
    "gift": Record("supplier_staff", gift, lambda g: f"/api/v1/gifts/{g.pk}/", "/api/v1/gifts/{id}/", {"name": "新包装龙井"},
                   lambda g: Gift.objects.get(pk=g.pk).name == "新包装龙井", colleague_renames),
    "category": Record("operator", lambda request: CategoryFactory(), lambda c: f"/api/v1/categories/{c.code}/", "/api/v1/categories/{code}/",
                       {"name": "茶叶礼盒"},
                       lambda c: Category.objects.get(pk=c.pk).name == "茶叶礼盒", colleague_names_in_english),
    "kpi_setting": Record("operator", lambda request: KpiSetting.objects.get(kpi=Kpi.DEFECT_RATE), lambda s: f"/api/v1/kpi-settings/{s.pk}/",
                          "/api/v1/kpi-settings/{id}/", {"weight": "30", "reason": "年度调整"}, lambda s: KpiSetting.objects.get(pk=s.pk).weight == Decimal("30"), colleague_retargets),
}


@pytest.fixture(params=RECORDS, ids=str)
def record(request):
    kind = RECORDS[request.param]
    return kind, kind.make(request), request.getfixturevalue(kind.role)


def read_tag(api, user, kind, obj) -> str:
    response = api(user).get(kind.url(obj))
    assert response.status_code == 200
    return response["ETag"]


def patch(api, user, kind, obj, **headers):
    return api(user).patch(kind.url(obj), kind.body, format="json", **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()})


def test_a_read_carries_a_strong_etag_that_stays_while_the_record_does_and_changes_with_it(api, record, request):
    kind, obj, user = record

    first, again = read_tag(api, user, kind, obj), read_tag(api, user, kind, obj)
    unchanged = api(user).get(kind.url(obj), HTTP_IF_NONE_MATCH=first)
    kind.by_colleague(obj, request)

    assert first == again and first.startswith('"') and first.endswith('"')
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert mismatches("GET", kind.path, unchanged) == []  # a client generated from the schema reads the 304
    assert read_tag(api, user, kind, obj) != first


def test_a_change_sent_with_the_etag_read_is_made_and_answers_the_new_etag(api, record):
    kind, obj, user = record
    tag = read_tag(api, user, kind, obj)

    response = patch(api, user, kind, obj, **{"If-Match": tag})

    assert response.status_code == 200 and kind.written(obj)
    assert response["ETag"] == read_tag(api, user, kind, obj) != tag


def test_a_change_sent_with_the_etag_of_a_record_a_colleague_changed_since_is_412_and_writes_nothing(api, record, request):
    kind, obj, user = record
    tag = read_tag(api, user, kind, obj)
    kind.by_colleague(obj, request)
    now = read_tag(api, user, kind, obj)

    response = patch(api, user, kind, obj, **{"If-Match": tag})

    (error,) = response.json()["errors"]
    assert response.status_code == 412 and response.json()["type"] == "client_error"
    assert error["code"] == "precondition_failed" and "在您读取后已有变动" in error["detail"] and error["attr"] is None
    assert not kind.written(obj) and read_tag(api, user, kind, obj) == now
    assert mismatches("PATCH", kind.path, response) == []


def test_a_change_without_if_match_is_made_as_before(api, record, request):
    kind, obj, user = record
    kind.by_colleague(obj, request)

    response = patch(api, user, kind, obj)

    assert response.status_code == 200 and kind.written(obj)


@pytest.mark.parametrize("if_match", ["*", "current among others"])
def test_if_match_star_or_a_list_holding_the_current_etag_matches(api, record, if_match):
    kind, obj, user = record
    tag = read_tag(api, user, kind, obj)

    response = patch(api, user, kind, obj, **{"If-Match": "*" if if_match == "*" else f'"0123abcd", {tag}'})

    assert response.status_code == 200 and kind.written(obj)


@pytest.mark.parametrize("if_match", ["weak", "unquoted"])
def test_a_weak_or_unquoted_etag_never_matches_and_writes_nothing(api, record, if_match):
    kind, obj, user = record
    tag = read_tag(api, user, kind, obj)

    response = patch(api, user, kind, obj, **{"If-Match": f"W/{tag}" if if_match == "weak" else tag.strip('"')})

    assert response.status_code == 412 and response.json()["errors"][0]["code"] == "precondition_failed"
    assert not kind.written(obj)


def test_a_gifts_etag_read_by_logistics_gives_away_no_hidden_price(api, logistics, supplier, settings):
    """Logistics reads a gift without its settlement prices; its tag is keyed with the site's secret, so hashing
    guessed prices with the values it is shown never gives that tag (it changes with the secret alone)."""
    listed = GiftFactory(supplier=supplier, settlement_price=Decimal("87.30"))

    read = api(logistics).get(f"/api/v1/gifts/{listed.pk}/")
    settings.SECRET_KEY = "another-" + settings.SECRET_KEY
    read_under_another_secret = api(logistics).get(f"/api/v1/gifts/{listed.pk}/")

    assert read.status_code == 200 and "settlement_price" not in read.json()
    assert read["ETag"] != read_under_another_secret["ETag"]


@pytest.mark.parametrize("kind", RECORDS.values(), ids=list(RECORDS))
def test_the_schema_documents_the_etag_a_read_and_an_edit_answer_and_the_headers_a_client_may_send(kind):
    """A client generated from the schema knows where the tag comes from and where to send it back."""
    operations = served_schema()["paths"][kind.path]

    read, edit = operations["get"], operations["patch"]
    assert {(p["name"], p["in"]) for p in read["parameters"]} >= {("If-None-Match", "header")}
    assert "304" in read["responses"] and "content" not in read["responses"]["304"]
    assert {(p["name"], p["in"]) for p in edit["parameters"]} >= {("If-Match", "header")}
    assert "ETag" in read["responses"]["200"].get("headers", {}) and "ETag" in edit["responses"]["200"].get("headers", {})
    assert "412" in edit["responses"]
