"""Every setting's changes are kept one way (`core.models.SettingChange`, `core.changes`): a tariff's price, a KPI's
weight and target, a penalty rule switched off or on, each with who changed it, when and why, newest first; a change
without a reason is refused the same way wherever it is made, and the same value again needs none."""
import pytest
from django.contrib.auth.models import AnonymousUser

from core.changes import changed_by, required_reason
from core.errors import ValidationFailed
from core.models import SettingChange
from logistics.models import Tariff, TariffChange
from logistics.services.costs import update_tariff
from settlement.models import Kpi, KpiSettingChange, PenaltyRule, PenaltyRuleChange
from settlement.services.assessment_rules import set_penalty_rule_active, update_kpi_settings
from tests.factories import FIXED_NOW

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [TariffChange, KpiSettingChange, PenaltyRuleChange])
def test_each_setting_s_change_is_kept_with_who_when_and_why_newest_first(model):
    assert issubclass(model, SettingChange) and model._meta.ordering == ["-changed_at", "-id"]
    assert {field.name for field in SettingChange._meta.fields} - {"id"} <= {field.name for field in model._meta.fields}


def test_a_change_without_a_reason_is_refused_alike_wherever_it_is_made(operator):
    storage = Tariff.objects.get(kind="storage")
    attempts = [
        lambda: update_tariff(tariff=storage, amount=storage.amount + 1, actor=operator, now=FIXED_NOW, reason=" "),
        lambda: update_kpi_settings(actor=operator, now=FIXED_NOW, reason="", values={Kpi.ON_TIME_DISPATCH: {"weight": "30"}}),
        lambda: set_penalty_rule_active(rule=PenaltyRule.objects.filter(active=True).first(), actor=operator, now=FIXED_NOW,
                                        active=False, reason=""),
    ]

    refusals = []
    for attempt in attempts:
        with pytest.raises(ValidationFailed) as refused:
            attempt()
        refusals.append((refused.value.field, refused.value.code, refused.value.detail))

    assert refusals == [("reason", "required", "请填写修改原因")] * 3
    assert not TariffChange.objects.exists() and not KpiSettingChange.objects.exists() and not PenaltyRuleChange.objects.exists()
    assert required_reason("  按合同调整 ") == "按合同调整"


def test_a_change_the_system_makes_is_kept_under_no_user(operator):
    assert (changed_by(operator), changed_by(None), changed_by(AnonymousUser())) == (operator, None, None)
