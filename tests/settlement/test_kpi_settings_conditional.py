"""The KPI settings changed several at once (PATCH /api/v1/kpi-settings/change/) are guarded as the whole set: the list
answers with one ETag of every KPI's setting, and a change sending it as If-Match is made only while no setting has
changed since, by the set's change or one KPI's; a stale tag is 412 precondition_failed with nothing written, where
the client would put back what it read over a colleague's change. Without If-Match the change goes ahead as before."""
from decimal import Decimal

import pytest
from django.utils import timezone

from settlement.models import Kpi, KpiSetting
from settlement.services import assessment_rules
from tests.api_schema import mismatches, served_schema

pytestmark = pytest.mark.django_db
LIST, CHANGE = "/api/v1/kpi-settings/", "/api/v1/kpi-settings/change/"
BODY = {"on_time_dispatch": {"weight": "30", "target": "0.9"}, "complaint_rate": {"target": "3.5"}, "reason": "年度调整"}


def stored() -> dict[str, tuple[Decimal, Decimal]]:
    return {s.kpi: (s.weight, s.target) for s in KpiSetting.objects.all()}


def written() -> bool:
    settings = stored()
    return settings[Kpi.ON_TIME_DISPATCH] == (Decimal("30"), Decimal("0.9")) and settings[Kpi.COMPLAINT_RATE][1] == Decimal("3.5")


def read_tag(client) -> str:
    response = client.get(LIST)
    assert response.status_code == 200
    return response["ETag"]


def change(client, body=BODY, **headers):
    return client.patch(CHANGE, body, format="json", **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()})


def colleague_retargets(operator, kpi=Kpi.DEFECT_RATE) -> None:
    assessment_rules.update_kpi_settings(reason="测试调整", actor=operator, now=timezone.now(), values={kpi: {"target": "0.5"}})


@pytest.mark.parametrize("reader", ["operator", "finance"])
def test_the_list_carries_a_strong_etag_of_the_set_that_stays_while_no_setting_changes(api, operator, reader, request):
    client = api(request.getfixturevalue(reader))

    first, again = read_tag(client), read_tag(client)
    unchanged = client.get(LIST, HTTP_IF_NONE_MATCH=first)
    colleague_retargets(operator)

    assert first == again and first.startswith('"') and first.endswith('"')
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert mismatches("GET", LIST, unchanged) == []
    assert read_tag(client) != first


def test_a_change_sent_with_the_etag_read_is_made_and_answers_the_sets_new_etag(api, operator):
    client = api(operator)
    tag = read_tag(client)

    response = change(client, **{"If-Match": tag})

    assert response.status_code == 200 and written()
    assert response["ETag"] == read_tag(client) != tag
    assert mismatches("PATCH", CHANGE, response) == []


@pytest.mark.parametrize("changed", [Kpi.DEFECT_RATE, Kpi.ON_TIME_DISPATCH], ids=["another_kpi", "a_kpi_the_change_names"])
def test_a_change_sent_with_the_etag_of_a_set_a_colleague_changed_since_is_412_and_writes_nothing(api, operator, changed):
    client = api(operator)
    tag = read_tag(client)
    colleague_retargets(operator, changed)
    now = stored()

    response = change(client, **{"If-Match": tag})

    (error,) = response.json()["errors"]
    assert response.status_code == 412 and error["code"] == "precondition_failed" and error["attr"] is None
    assert "考核指标设置 在您读取后已有变动" in error["detail"]
    assert stored() == now and not written()
    assert mismatches("PATCH", CHANGE, response) == []


def test_a_change_of_one_kpi_through_its_own_record_makes_the_sets_etag_stale(api, operator):
    client = api(operator)
    tag = read_tag(client)
    setting = KpiSetting.objects.get(kpi=Kpi.DEFECT_RATE)
    assert client.patch(f"/api/v1/kpi-settings/{setting.pk}/", {"weight": "25", "reason": "年度调整"}, format="json").status_code == 200
    now = stored()

    response = change(client, **{"If-Match": tag})

    assert response.status_code == 412 and stored() == now


def test_a_change_the_whole_set_refuses_writes_none_of_its_kpis_even_with_a_fresh_etag(api, operator):
    client = api(operator)
    before = stored()

    response = change(client, {"on_time_dispatch": {"weight": "30"}, "defect_rate": {"target": "2"}}, **{"If-Match": read_tag(client)})

    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == ["defect_rate.target"]
    assert stored() == before


def test_a_change_without_if_match_is_made_as_before(api, operator):
    colleague_retargets(operator)

    response = change(api(operator))

    assert response.status_code == 200 and written()
    assert {row["kpi"]: (Decimal(row["weight"]), Decimal(row["target"])) for row in response.json()} == stored()


@pytest.mark.parametrize("if_match", ["*", "current among others"])
def test_if_match_star_or_a_list_holding_the_current_etag_matches(api, operator, if_match):
    client = api(operator)
    tag = read_tag(client)

    response = change(client, **{"If-Match": "*" if if_match == "*" else f'"0123abcd", {tag}'})

    assert response.status_code == 200 and written()


@pytest.mark.parametrize("if_match", ["weak", "unquoted", "a_kpis_own"])
def test_a_weak_unquoted_or_single_kpis_etag_never_matches_the_set_and_writes_nothing(api, operator, if_match):
    client = api(operator)
    tag = read_tag(client)
    own = client.get(f"/api/v1/kpi-settings/{KpiSetting.objects.get(kpi=Kpi.ON_TIME_DISPATCH).pk}/")["ETag"]
    before = stored()

    response = change(client, **{"If-Match": {"weak": f"W/{tag}", "unquoted": tag.strip('"'), "a_kpis_own": own}[if_match]})

    assert response.status_code == 412 and response.json()["errors"][0]["code"] == "precondition_failed"
    assert stored() == before


@pytest.mark.parametrize("role", ["finance", "supplier_admin", "supplier_staff", "logistics", "member"])
def test_only_an_operator_changes_the_set_even_with_a_fresh_etag(api, operator, role, request):
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)  # a member fixture is the member
    tag = read_tag(api(operator))
    before = stored()

    response = change(api(user), **{"If-Match": tag})

    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "permission_denied"
    assert stored() == before


@pytest.mark.parametrize("role", ["supplier_admin", "supplier_staff", "logistics", "member"])
def test_who_may_not_read_the_settings_gets_no_etag_of_them(api, role, request):
    user = request.getfixturevalue(role)

    response = api(getattr(user, "user", user)).get(LIST)

    assert response.status_code == 403 and "ETag" not in response


def test_the_schema_documents_the_sets_etag_and_the_if_match_its_change_takes():
    operations = served_schema()["paths"]

    read, edit = operations[LIST]["get"], operations[CHANGE]["patch"]
    assert {(p["name"], p["in"]) for p in read["parameters"]} >= {("If-None-Match", "header")}
    assert "304" in read["responses"] and "ETag" in read["responses"]["200"].get("headers", {})
    assert {(p["name"], p["in"]) for p in edit["parameters"]} >= {("If-Match", "header")}
    assert "412" in edit["responses"] and "ETag" in edit["responses"]["200"].get("headers", {})
