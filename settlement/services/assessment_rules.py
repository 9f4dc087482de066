"""The KPI settings and penalty rules of the monthly assessment (SPEC §4.10), which operators maintain: each KPI's
weight and target, checked as a whole set, and the rules that turn a KPI past a threshold into a penalty proposal.
A KPI's target and a rule's threshold are in the KPI's own range (check_kpi_figure). Every change is kept with its
values before and after, who made it, when and why (`KpiSettingChange`, `PenaltyRuleChange`), as tariffs keep theirs.
"""
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.changes import changed_by, required_reason
from core.errors import ValidationFailed, refuse
from core.roles import OPERATORS, require_role
from core.validators import validate_length
from settlement.models import DEFAULT_KPIS, Assessment, Kpi, KpiSetting, KpiSettingChange, PenaltyRule, PenaltyRuleChange
from settlement.services import adjustments
from settlement.services.kpis import HUNDREDTH, RATIO


def kpi_settings() -> dict[str, tuple[Decimal, Decimal, bool]]:
    """(weight, target, higher is better) per KPI: the stored settings, the product defaults for any missing."""
    stored = {s.kpi: (s.weight, s.target, s.higher_is_better) for s in KpiSetting.objects.all()}
    return {kpi: stored.get(kpi, DEFAULT_KPIS[kpi]) for kpi in Kpi.values}


#: who reads the settings, the rules and their changes (the assessments' staff)
SETTINGS_READERS = frozenset(Assessment.visibility.staff)
RATE_CEILING = {Kpi.COMPLAINT_RATE: Decimal(10000)}  # per 1,000 deliveries; every other KPI is a ratio 0–1
WEIGHT_CEILING = Decimal(100)
DEDUCTION_CEILING = Decimal(1000000)


def check_kpi_figure(kpi: str, value, *, field: str) -> Decimal:
    """A target or threshold of `kpi` in the KPI's own range: 0–1 for a ratio (0.95 is 95%), 0–10000 for the
    complaint rate (per 1,000 deliveries). :raises ValidationFailed: naming `field` and the KPI"""
    figure = _decimal(value, field=field)
    ceiling = RATE_CEILING.get(kpi, Decimal(1))
    if not Decimal(0) <= figure <= ceiling:
        label = Kpi(kpi).label
        message = (_("%(kpi)s按每千单计，应在 0 到 10000 之间") if kpi in RATE_CEILING
                   else _("%(kpi)s是比率，应在 0 到 1 之间（0.95 即 95%%）"))
        raise ValidationFailed(message % {"kpi": label}, field=field)
    return figure.quantize(RATIO, ROUND_HALF_UP)


def update_kpi_settings(*, actor, now: datetime, values: dict[str, dict], reason: str = "") -> list[KpiSetting]:
    """Change the weights and targets of the KPIs in `values` ({kpi: {"weight": …, "target": …}}, either key may be
    left out to keep it) and check the whole resulting set: no weight negative or over 100, not every weight 0, each
    target in its KPI's range. Each KPI that changes keeps a change (before and after, who, when, `reason`); the same
    values again change nothing, are kept nowhere and need no reason. All or nothing; later computations use them.
    Errors name `<kpi>.weight` or `<kpi>.target` (`weight` when the weights together are wrong), or `reason`.

    :raises PermissionDenied: not an operator :raises ValidationFailed: every bad field, named
    """
    require_role(actor, OPERATORS, _("仅运营人员可以修改考核指标"))
    reason = validate_length(reason, model=KpiSettingChange, column="reason")
    with transaction.atomic():
        lock_kpi_settings()
        current = kpi_settings()
        wanted = _checked_changes(current, values)
        changed = {kpi: figures for kpi, figures in wanted.items() if figures != current[kpi][:2]}
        if changed:
            reason = required_reason(reason)
        for kpi, (weight, target) in changed.items():
            KpiSetting.objects.update_or_create(kpi=kpi, defaults={"weight": weight, "target": target},
                                                create_defaults={"weight": weight, "target": target,
                                                                 "higher_is_better": current[kpi][2]})
        KpiSettingChange.objects.bulk_create(
            KpiSettingChange(kpi=kpi, previous_weight=current[kpi][0], previous_target=current[kpi][1], weight=weight, target=target,
                             changed_at=now, changed_by=changed_by(actor), reason=reason)
            for kpi, (weight, target) in changed.items()
        )
    return list(KpiSetting.objects.filter(kpi__in=wanted).order_by("pk"))


def list_kpi_setting_changes(*, actor, kpi: str = ""):
    """The changes of the KPI settings (of one `kpi`), newest first, with who made them. :raises PermissionDenied:
    unless staff who read the settings"""
    require_role(actor, SETTINGS_READERS)
    changes = KpiSettingChange.objects.select_related("changed_by")
    return changes.filter(kpi=kpi) if kpi else changes


def list_penalty_rule_changes(*, actor, rule_id: int | None = None):
    """The changes of the penalty rules (of one rule), newest first, with who made them. :raises PermissionDenied:
    unless staff who read the rules"""
    require_role(actor, SETTINGS_READERS)
    changes = PenaltyRuleChange.objects.select_related("rule", "changed_by")
    return changes.filter(rule_id=rule_id) if rule_id else changes


def lock_kpi_settings() -> list[KpiSetting]:
    """The stored settings, locked in id order, the order every change of them takes its locks in (inside a
    transaction): a change is checked against the whole set (not every weight 0), so it holds the whole set until it
    commits, and two operators each zeroing another KPI's weight cannot leave every weight 0 between them."""
    return list(KpiSetting.objects.order_by("pk").select_for_update(no_key=True))


def _checked_changes(current: dict[str, tuple[Decimal, Decimal, bool]], values: dict[str, dict]) -> dict[str, tuple[Decimal, Decimal]]:
    """(weight, target) of each KPI changed, the whole set checked with them. :raises ValidationFailed: every bad field"""
    wanted, errors = {}, []
    for kpi, change in values.items():
        if kpi not in current:
            errors.append((kpi, "invalid", _("未知的考核指标 %(kpi)s") % {"kpi": kpi}))
            continue
        weight, target, _higher = current[kpi]
        try:
            weight = _weight(kpi, change.get("weight", weight))
        except ValidationFailed as error:
            errors += error.errors
        try:
            target = check_kpi_figure(kpi, change.get("target", target), field=f"{kpi}.target")
        except ValidationFailed as error:
            errors += error.errors
        wanted[kpi] = (weight, target)
    if not errors and not any(wanted.get(kpi, setting)[0] > 0 for kpi, setting in current.items()):
        errors.append(("weight", "invalid", str(_("权重不能全部为 0：至少一项指标的权重须大于 0"))))
    refuse(errors)
    return wanted


def _weight(kpi: str, value) -> Decimal:
    field = f"{kpi}.weight"
    weight = _decimal(value, field=field)
    if not Decimal(0) <= weight <= WEIGHT_CEILING:
        raise ValidationFailed(_("%(kpi)s的权重应在 0 到 100 之间") % {"kpi": Kpi(kpi).label}, field=field)
    return weight.quantize(HUNDREDTH, ROUND_HALF_UP)


def create_penalty_rule(*, actor, now: datetime, kpi: str, threshold, deduction, description: str, reason: str = "") -> PenaltyRule:
    """Add a penalty rule (operators), kept with who added it, when and why: from the next computation, a month whose
    KPI value is past `threshold` (in the KPI's range, see check_kpi_figure) proposes a penalty deducting `deduction`
    yuan (positive, at most two decimals; stored negative, as proposals and statements show it). Rules never change
    once made (proposals show their threshold); to change one, add its successor and deactivate it.
    :raises ValidationFailed: naming the field"""
    require_role(actor, OPERATORS, _("仅运营人员可以维护扣款规则"))
    if kpi not in Kpi.values:
        raise ValidationFailed(_("请选择考核指标"), field="kpi")
    threshold = check_kpi_figure(kpi, threshold, field="threshold")
    deduction = adjustments.parse_amount(deduction, field="deduction", example="200.00")
    if not Decimal("0.01") <= deduction <= DEDUCTION_CEILING:
        raise ValidationFailed(_("扣款金额应在 0.01 到 1000000 元之间"), field="deduction")
    description = (description or "").strip()
    if not description or len(description) > 200:
        raise ValidationFailed(_("请填写说明（200 字以内）"), field="description")
    reason = required_reason(validate_length(reason, model=PenaltyRuleChange, column="reason"))
    with transaction.atomic():
        rule = PenaltyRule.objects.create(kpi=kpi, threshold=threshold, amount=-deduction, description=description, active=True)
        PenaltyRuleChange.objects.create(rule=rule, previous_active=None, active=True, changed_at=now, changed_by=changed_by(actor), reason=reason)
    return rule


def set_penalty_rule_active(*, rule: PenaltyRule, actor, now: datetime, active: bool, reason: str = "") -> PenaltyRule:
    """Stop applying a rule, or apply it again (operators), kept with who, when and why; proposals it already made stay
    as they are. Setting it as it is changes nothing and needs no reason. :raises ValidationFailed: no reason"""
    require_role(actor, OPERATORS, _("仅运营人员可以维护扣款规则"))
    reason = validate_length(reason, model=PenaltyRuleChange, column="reason")
    with transaction.atomic():
        current = PenaltyRule.objects.select_for_update().get(pk=rule.pk)
        if current.active != active:
            reason = required_reason(reason)
            PenaltyRule.objects.filter(pk=rule.pk).update(active=active)
            PenaltyRuleChange.objects.create(rule=rule, previous_active=current.active, active=active, changed_at=now,
                                             changed_by=changed_by(actor), reason=reason)
    rule.active = active
    return rule


def _decimal(value, *, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationFailed(_("请填写数字"), field=field) from None
    if not number.is_finite():
        raise ValidationFailed(_("请填写数字"), field=field)
    return number
