"""The KPI settings and penalty rules keep who changed what, when and why (SPEC §4.10), as tariffs keep theirs: each
change with its values before and after and a reason, required where something changes, on the pages and in the API."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from settlement.models import Kpi, KpiSetting, KpiSettingChange, PenaltyRule, PenaltyRuleChange
from settlement.services.assessment_rules import create_penalty_rule, set_penalty_rule_active, update_kpi_settings
from tests.factories import FIXED_NOW
from tests.helpers import assert_list_queries_constant
from tests.portal import field_errors, logged_in

KPIS = "/settlement/assessments/kpi-settings/"
RULES = "/settlement/assessments/penalty-rules/"


def stored_settings() -> dict:
    return {s.kpi: (s.weight, s.target) for s in KpiSetting.objects.all()}


def test_changing_kpi_settings_keeps_each_change_with_its_values_before_and_after_who_when_and_why(operator):
    before = stored_settings()[Kpi.ON_TIME_DISPATCH]

    update_kpi_settings(actor=operator, now=FIXED_NOW, reason="提高发货要求", values={
        Kpi.ON_TIME_DISPATCH: {"weight": "30", "target": "0.97"}, Kpi.DEFECT_RATE: {"target": stored_settings()[Kpi.DEFECT_RATE][1]}})

    (change,) = KpiSettingChange.objects.all()  # the defect rate's target as it was is no change
    assert (change.kpi, change.previous_weight, change.previous_target) == (Kpi.ON_TIME_DISPATCH, *before)
    assert (change.weight, change.target, change.changed_by, change.changed_at, change.reason) == (
        Decimal("30.00"), Decimal("0.9700"), operator, FIXED_NOW, "提高发货要求")


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_kpi_change_without_a_reason_is_refused_naming_the_reason_and_changes_nothing(operator, reason):
    before = stored_settings()

    with pytest.raises(ValidationFailed) as refused:
        update_kpi_settings(actor=operator, now=FIXED_NOW, reason=reason, values={Kpi.ON_TIME_DISPATCH: {"weight": "30"}})

    assert (refused.value.field, refused.value.code) == ("reason", "required")
    assert stored_settings() == before and not KpiSettingChange.objects.exists()


def test_the_same_kpi_figures_again_need_no_reason_and_are_kept_nowhere(operator):
    weight, target = stored_settings()[Kpi.ON_TIME_DISPATCH]

    update_kpi_settings(actor=operator, now=FIXED_NOW, values={Kpi.ON_TIME_DISPATCH: {"weight": weight, "target": target}})

    assert not KpiSettingChange.objects.exists()


def test_adding_and_switching_off_a_penalty_rule_keeps_who_when_and_why(operator):
    rule = create_penalty_rule(actor=operator, now=FIXED_NOW, kpi=Kpi.DEFECT_RATE, threshold="0.08", deduction="800",
                               description="质量退货率高于8%", reason="质量退货偏多")

    set_penalty_rule_active(rule=rule, actor=operator, now=FIXED_NOW, active=False, reason="改用新规则")
    set_penalty_rule_active(rule=rule, actor=operator, now=FIXED_NOW, active=False)  # as it is: nothing changes, no reason

    assert [(c.action, c.previous_active, c.active, c.changed_by, c.reason) for c in rule.changes.order_by("pk")] == [
        ("added", None, True, operator, "质量退货偏多"), ("deactivated", True, False, operator, "改用新规则")]


def test_a_penalty_rule_added_or_switched_without_a_reason_is_refused_naming_the_reason(operator):
    rule = PenaltyRule.objects.filter(active=True).first()

    with pytest.raises(ValidationFailed) as not_added:
        create_penalty_rule(actor=operator, now=FIXED_NOW, kpi=Kpi.DEFECT_RATE, threshold="0.08", deduction="800", description="不应保存")
    with pytest.raises(ValidationFailed) as not_switched:
        set_penalty_rule_active(rule=rule, actor=operator, now=FIXED_NOW, active=False, reason=" ")

    rule.refresh_from_db()
    assert (not_added.value.field, not_switched.value.field) == ("reason", "reason")
    assert not PenaltyRule.objects.filter(description="不应保存").exists() and rule.active and not PenaltyRuleChange.objects.exists()


def test_the_api_asks_why_and_lists_the_changes_of_the_settings_and_rules(api, operator, finance, supplier_admin):
    setting = KpiSetting.objects.get(kpi=Kpi.DEFECT_RATE)
    client = api(operator)

    unsaid = client.patch(f"/api/v1/kpi-settings/{setting.pk}/", {"target": "0.03"}, format="json")
    said = client.patch(f"/api/v1/kpi-settings/{setting.pk}/", {"target": "0.03", "reason": "收紧质量要求"}, format="json")
    rule_unsaid = client.post("/api/v1/penalty-rules/", {"kpi": "defect_rate", "threshold": "0.08", "deduction": "800",
                                                         "description": "质量退货率高于8%"}, format="json")
    rule = client.post("/api/v1/penalty-rules/", {"kpi": "defect_rate", "threshold": "0.08", "deduction": "800",
                                                  "description": "质量退货率高于8%", "reason": "质量退货偏多"}, format="json").json()
    switch_unsaid = client.patch(f"/api/v1/penalty-rules/{rule['id']}/", {"active": False}, format="json")
    client.patch(f"/api/v1/penalty-rules/{rule['id']}/", {"active": False, "reason": "改用新规则"}, format="json")
    kpi_changes = api(finance).get("/api/v1/kpi-setting-changes/", {"kpi": "defect_rate"})
    rule_changes = api(finance).get("/api/v1/penalty-rule-changes/", {"rule": rule["id"]})

    for refused in (unsaid, rule_unsaid, switch_unsaid):
        assert refused.status_code == 400 and [(e["attr"], e["code"]) for e in refused.json()["errors"]] == [("reason", "required")]
    assert said.status_code == 200
    assert [(c["kpi"], c["previous_target"], c["target"], c["changed_by"], c["reason"]) for c in kpi_changes.json()["results"]] == [
        ("defect_rate", str(setting.target), "0.0300", "operator", "收紧质量要求")]
    assert [(c["action"], c["previous_active"], c["active"], c["reason"]) for c in rule_changes.json()["results"]] == [
        ("deactivated", True, False, "改用新规则"), ("added", None, True, "质量退货偏多")]
    assert api(supplier_admin).get("/api/v1/kpi-setting-changes/").status_code == 403
    assert api(supplier_admin).get("/api/v1/penalty-rule-changes/").status_code == 403


@pytest.mark.parametrize(("url", "query", "attr"), [
    ("/api/v1/kpi-setting-changes/", {"kpi": "speed"}, "kpi"),
    ("/api/v1/penalty-rule-changes/", {"rule": "abc"}, "rule"),
])
def test_a_bad_filter_of_the_changes_is_a_400_naming_it(api, finance, url, query, attr):
    response = api(finance).get(url, query)

    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == [attr]


def test_the_kpi_page_asks_why_at_the_reason_and_lists_the_change(operator):
    client = logged_in(operator)
    setting = KpiSetting.objects.get(kpi=Kpi.DEFECT_RATE)
    figures = {f"{s.pk}-{name}": getattr(s, name) for s in KpiSetting.objects.all() for name in ("weight", "target")}

    refused = client.post(KPIS, figures | {f"{setting.pk}-target": "0.03"})
    client.post(KPIS, figures | {f"{setting.pk}-target": "0.03", "reason": "收紧质量要求"})
    page = client.get(KPIS).content.decode()

    assert refused.status_code == 200 and field_errors(refused) == {"reason": "请填写修改原因"}
    changes = page.split('data-testid="kpi-setting-changes"', 1)[1]
    assert "质量退货率" in changes and "→ 0.0300" in changes and "operator" in changes and "收紧质量要求" in changes


def test_the_rules_page_asks_why_a_rule_is_switched_off_at_its_reason_and_lists_the_change(operator):
    client = logged_in(operator)
    rule = PenaltyRule.objects.filter(active=True).first()
    action = f"{RULES}{rule.pk}/active/"

    refused = client.post(action, {"active": "0", "next": RULES}, follow=True)
    client.post(action, {"active": "0", "reason": "改用新规则"})
    page = client.get(RULES).content.decode()

    rule.refresh_from_db()
    assert field_errors(refused) == {"reason": "请填写修改原因"} and not rule.active
    changes = page.split('data-testid="penalty-rule-changes"', 1)[1]
    assert rule.description in changes and "停用" in changes and "改用新规则" in changes


@pytest.mark.parametrize(("url", "table", "kept"), [
    (KPIS, "kpi-setting-changes", lambda rule, n, at: KpiSettingChange(
        kpi=Kpi.DEFECT_RATE, previous_weight=10, previous_target=Decimal("0.02"), weight=10, target=Decimal("0.03"), changed_at=at,
        reason=f"第{n}次")),
    (RULES, "penalty-rule-changes", lambda rule, n, at: PenaltyRuleChange(rule=rule, previous_active=True, active=False, changed_at=at,
                                                                         reason=f"第{n}次")),
])
def test_the_settings_and_rules_pages_page_through_every_change_newest_first(operator, url, table, kept):
    rule = PenaltyRule.objects.first()
    stored = type(kept(rule, 0, FIXED_NOW)).objects.bulk_create(
        kept(rule, n, FIXED_NOW + timedelta(minutes=n)) for n in range(1, 56))
    client = logged_in(operator)

    pages = [client.get(url, {"page": page}) for page in (1, 2, 3)]

    shown = [[int(pk) for pk in re.findall(r'data-change="(\d+)"', page.content.decode().split(f'data-testid="{table}"', 1)[1])]
             for page in pages]
    assert [pk for page in shown for pk in page] == [change.pk for change in reversed(stored)]  # all 55, none twice
    assert [len(page) for page in shown] == [20, 20, 15]
    assert all('data-testid="pagination"' in page.content.decode() for page in pages)


def test_a_rule_s_changes_say_what_was_done_to_it_not_the_buttons_words_in_english(api, operator, finance):
    rule = create_penalty_rule(actor=operator, now=FIXED_NOW, kpi=Kpi.DEFECT_RATE, threshold="0.08", deduction="800",
                               description="质量退货率高于8%", reason="质量退货偏多")
    set_penalty_rule_active(rule=rule, actor=operator, now=FIXED_NOW + timedelta(minutes=1), active=False, reason="改用新规则")
    set_penalty_rule_active(rule=rule, actor=operator, now=FIXED_NOW + timedelta(minutes=2), active=True, reason="新规则撤回")

    english = api(finance).get("/api/v1/penalty-rule-changes/", {"rule": rule.pk}, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    chinese = api(finance).get("/api/v1/penalty-rule-changes/", {"rule": rule.pk}).json()["results"]
    client = logged_in(operator)
    client.cookies["django_language"] = "en"
    page = client.get(RULES).content.decode()

    assert [c["action_label"] for c in english] == ["Reactivated", "Deactivated", "Added"]
    assert [c["action_label"] for c in chinese] == ["启用", "停用", "添加"]
    buttons, changes = page.split('data-testid="penalty-rule-changes"', 1)
    words = {"Added", "Deactivated", "Reactivated", "Add", "Disable", "Enable"}
    assert "Disable" in buttons and [cell for cell in re.findall(r"<td>(\w+)</td>", changes) if cell in words] == [
        "Reactivated", "Deactivated", "Added"]


def test_the_change_lists_run_the_same_queries_for_1_and_50_rows(api, operator, finance):
    rules = list(PenaltyRule.objects.all())
    made = []

    def kpi_changes(n: int) -> None:
        KpiSettingChange.objects.bulk_create(
            KpiSettingChange(kpi=Kpi.DEFECT_RATE, previous_weight=10, previous_target=Decimal("0.02"), weight=10, target=Decimal("0.03"),
                             changed_at=FIXED_NOW, changed_by=(operator, finance, None)[i % 3], reason="调整") for i in range(n))

    def rule_changes(n: int) -> None:
        made.extend(PenaltyRuleChange.objects.bulk_create(
            PenaltyRuleChange(rule=rules[(len(made) + i) % len(rules)], previous_active=(None, True, False)[i % 3], active=bool(i % 2),
                              changed_at=FIXED_NOW, changed_by=(operator, None)[i % 2], reason="调整") for i in range(n)))

    assert_list_queries_constant(api(finance), "/api/v1/kpi-setting-changes/", kpi_changes)
    assert_list_queries_constant(api(finance), "/api/v1/penalty-rule-changes/", rule_changes)
