"""Monthly assessment, penalties, rectification and re-evaluation (考核, 整改, 复评, SPEC §4.10)."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django.utils.translation import pgettext
from django_fsm import transition

from core.models import LatestLog, SettingChange, StateField, StateMachine, logs_relation
from core.roles import Role
from core.tenancy import ScopedManager, Visibility
from core.validators import REASON_MAX_LENGTH

from .statements import MONEY

#: who reads every supplier's assessment, proposals and cases (a supplier reads its own): the assessment pages and the
#: API admit these, operators deciding and finance accepting penalties
STAFF = frozenset({Role.OPERATOR, Role.FINANCE})
RATIO = {"max_digits": 9, "decimal_places": 4}


class Kpi(models.TextChoices):
    ON_TIME_DISPATCH = "on_time_dispatch", _("按时发货率")
    REPLENISHMENT_ON_TIME = "replenishment_on_time", _("按时补货率")
    FIRST_ATTEMPT_DELIVERY = "first_attempt_delivery", _("一次妥投率")
    COMPLAINT_RATE = "complaint_rate", _("投诉率（每千单）")
    COMPLAINT_SLA = "complaint_sla", _("投诉按时答复率")
    DEFECT_RATE = "defect_rate", _("质量退货率")


class KpiSetting(models.Model):
    """The weight and target of one KPI in the score (operators tune them; the score renormalises over applicable KPIs)."""

    kpi = models.CharField(_("指标"), max_length=30, choices=Kpi.choices, unique=True)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2)
    target = models.DecimalField(_("目标值"), **RATIO)
    higher_is_better = models.BooleanField(_("越高越好"), default=True)

    class Meta:
        ordering = ["kpi"]
        verbose_name = pgettext_lazy("one item", "考核指标设置")
        verbose_name_plural = _("考核指标设置")

    def __str__(self) -> str:
        return f"{self.get_kpi_display()} {self.weight}"


class KpiSettingChange(SettingChange):
    """One change of a KPI's weight or target: before and after, who changed it, when and why (the setting keeps only
    the current ones; assessments computed before keep the weights and targets they used)."""

    kpi = models.CharField(_("指标"), max_length=30, choices=Kpi.choices)
    previous_weight = models.DecimalField(_("原权重"), max_digits=5, decimal_places=2)
    previous_target = models.DecimalField(_("原目标值"), **RATIO)
    weight = models.DecimalField(_("新权重"), max_digits=5, decimal_places=2)
    target = models.DecimalField(_("新目标值"), **RATIO)

    class Meta(SettingChange.Meta):
        verbose_name = _("考核指标变更")
        verbose_name_plural = _("考核指标变更")

    def __str__(self) -> str:
        return f"{self.get_kpi_display()} {self.previous_weight}/{self.previous_target} → {self.weight}/{self.target}"


class PenaltyRule(models.Model):
    """A KPI value past `threshold` (below it, or above it for lower-is-better KPIs) proposes a penalty of `amount`."""

    kpi = models.CharField(_("指标"), max_length=30, choices=Kpi.choices)
    threshold = models.DecimalField(_("触发阈值"), **RATIO)
    amount = models.DecimalField(_("扣款金额"), **MONEY)
    description = models.CharField(_("说明"), max_length=200)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kpi", "threshold"]
        verbose_name = pgettext_lazy("one item", "违约扣款规则")
        verbose_name_plural = _("违约扣款规则")

    def __str__(self) -> str:
        return self.description


class PenaltyRuleChange(SettingChange):
    """One change of a penalty rule: added (`previous_active` none), switched off or on again; who, when and why."""

    rule = models.ForeignKey(PenaltyRule, on_delete=models.PROTECT, related_name="changes", verbose_name=_("扣款规则"))
    previous_active = models.BooleanField(_("原启用"), null=True, blank=True)  # none: the change added the rule
    active = models.BooleanField(_("启用"))

    class Meta(SettingChange.Meta):
        verbose_name = _("扣款规则变更")
        verbose_name_plural = _("扣款规则变更")

    def __str__(self) -> str:
        return f"{self.rule} {self.action_label}"

    @property
    def action(self) -> str:
        """"added", "deactivated" or "reactivated"."""
        if self.previous_active is None:
            return "added"
        return "reactivated" if self.active else "deactivated"

    @property
    def action_label(self) -> str:
        """What the change did, as the history names it (not the words of the buttons that make it)."""
        return {"added": pgettext("rule change", "添加"), "deactivated": pgettext("rule change", "停用"),
                "reactivated": pgettext("rule change", "启用")}[self.action]


class Assessment(models.Model):
    """One supplier's month: its KPI results and score, computed on the 20th of the next month (or on demand)."""

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="assessments")
    month = models.DateField(_("考核月份"))
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)  # none: nothing to assess
    computed_at = models.DateTimeField(_("计算时间"))

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=STAFF)

    class Meta:
        ordering = ["-month", "supplier_id"]
        verbose_name = pgettext_lazy("one item", "月度考核")
        verbose_name_plural = _("月度考核")
        constraints = [models.UniqueConstraint(fields=["supplier", "month"], name="one_assessment_per_supplier_month")]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.month:%Y-%m} {self.score}"


class KpiResult(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="results")
    kpi = models.CharField(_("指标"), max_length=30, choices=Kpi.choices)
    numerator = models.PositiveIntegerField(_("分子"))
    denominator = models.PositiveIntegerField(_("分母"))
    value = models.DecimalField(_("数值"), null=True, blank=True, **RATIO)  # none when the denominator is zero
    target = models.DecimalField(_("目标值"), **RATIO)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2)
    attainment = models.DecimalField(_("达成度"), null=True, blank=True, **RATIO)

    class Meta:
        ordering = ["assessment_id", "kpi"]
        verbose_name = pgettext_lazy("one item", "考核指标结果")
        verbose_name_plural = _("考核指标结果")
        constraints = [models.UniqueConstraint(fields=["assessment", "kpi"], name="one_result_per_kpi")]


class PenaltyProposal(StateMachine):
    """A breach of a penalty rule, once per breach: `proposed → accepted` (finance turns it into an adjustment),
    `accepted → proposed` (reopened: the checker rejected that adjustment), `proposed → dismissing → dismissed`
    (waiving a penalty is maker-checker too: one finance user asks, another confirms; the CHECK constraint keeps them
    apart), `dismissing → proposed` (the second user declines); the system `withdraw`s an undecided one whose rule a
    recomputation no longer breaches (`proposed → withdrawn`) and proposes it again should one breach it again."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待处理")
        ACCEPTED = "accepted", _("已转调账")
        DISMISSING = "dismissing", _("撤销待确认")
        DISMISSED = "dismissed", _("已撤销")
        WITHDRAWN = "withdrawn", _("已撤回")

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="penalties")
    rule = models.ForeignKey(PenaltyRule, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("指标值"), **RATIO)
    amount = models.DecimalField(_("扣款金额"), **MONEY)
    created_at = models.DateTimeField(_("创建时间"))
    adjustment = models.OneToOneField("settlement.Adjustment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("处理意见"), blank=True)
    dismissal_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                               related_name="+")
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    state = StateField(_("状态"), default=State.PROPOSED, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=STAFF)
    transition_logs = logs_relation()
    reopening = LatestLog("reopen", state=State.PROPOSED)  # the rejected adjustment it waits again after, who and when
    # its history names the second finance user's step as the button does, not as a suspension proposal's dismissal
    transition_labels = {"dismiss": _("确认撤销")}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("one item", "扣款建议")
        verbose_name_plural = _("扣款建议")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "rule"], name="one_penalty_per_breach"),
            models.CheckConstraint(condition=Q(dismissed_by__isnull=True) | Q(dismissal_requested_by__isnull=True)
                                   | ~Q(dismissed_by=F("dismissal_requested_by")), name="penalty_dismissal_checker_is_not_maker"),
        ]

    @transition(field=state, source=State.PROPOSED, target=State.ACCEPTED)
    def accept(self, *, adjustment, note: str = "") -> None:
        self.adjustment, self.note = adjustment, note

    @transition(field=state, source=State.ACCEPTED, target=State.PROPOSED)
    def reopen(self) -> None:
        self.adjustment = None

    @transition(field=state, source=State.PROPOSED, target=State.DISMISSING)
    def request_dismissal(self, *, note: str, requested_by) -> None:
        self.note, self.dismissal_requested_by = note, requested_by

    @transition(field=state, source=State.DISMISSING, target=State.DISMISSED)
    def dismiss(self, *, dismissed_by) -> None:
        self.dismissed_by = dismissed_by

    @transition(field=state, source=State.DISMISSING, target=State.PROPOSED)
    def decline_dismissal(self) -> None:
        self.dismissal_requested_by = None

    @transition(field=state, source=State.PROPOSED, target=State.WITHDRAWN)
    def withdraw(self) -> None:
        """System: the month recomputed no longer breaches the rule."""

    @transition(field=state, source=State.WITHDRAWN, target=State.PROPOSED)
    def propose_again(self) -> None:
        """System: a later recomputation breaches the rule again."""


class SuspensionProposal(StateMachine):
    """Two months running under the threshold: the operator `accept`s (suspends the supplier) or `dismiss`es."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待决定")
        ACCEPTED = "accepted", _("已暂停合作")
        DISMISSED = "dismissed", _("不予暂停")

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="+")
    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="suspension_proposal")
    created_at = models.DateTimeField(_("创建时间"))
    note = models.TextField(_("决定说明"), blank=True)
    state = StateField(_("状态"), default=State.PROPOSED, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=STAFF)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("one item", "暂停合作建议")
        verbose_name_plural = _("暂停合作建议")

    @transition(field=state, source=State.PROPOSED, target=State.ACCEPTED)
    def accept(self, *, note: str = "") -> None:
        self.note = note

    @transition(field=state, source=State.PROPOSED, target=State.DISMISSED)
    def dismiss(self, *, note: str) -> None:
        self.note = note


class RectificationCase(StateMachine):
    """A warning or a rectification demand with a deadline: `open → answered → closed`, `answered → open` (not enough)."""

    class State(models.TextChoices):
        OPEN = "open", _("待整改")
        ANSWERED = "answered", _("已提交整改")
        CLOSED = "closed", _("已关闭")

    class Kind(models.TextChoices):
        WARNING = "warning", _("警告")
        RECTIFICATION = "rectification", _("整改通知")

    number = models.CharField(_("编号"), max_length=30, unique=True)
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="rectification_cases")
    kind = models.CharField(_("类型"), max_length=15, choices=Kind.choices)
    reason = models.CharField(_("原因"), max_length=REASON_MAX_LENGTH)
    deadline = models.DateField(_("整改期限"))
    opened_at = models.DateTimeField(_("开立时间"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    answer = models.TextField(_("整改说明"), blank=True)
    answered_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    state = StateField(_("状态"), default=State.OPEN, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=STAFF)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = pgettext_lazy("one item", "整改单")
        verbose_name_plural = _("整改单")

    def __str__(self) -> str:
        return self.number

    @transition(field=state, source=State.OPEN, target=State.ANSWERED)
    def submit_answer(self, *, answer: str, answered_at) -> None:
        self.answer, self.answered_at = answer, answered_at

    @transition(field=state, source=State.ANSWERED, target=State.OPEN)
    def send_back(self, *, deadline=None) -> None:
        if deadline is not None:
            self.deadline = deadline

    @transition(field=state, source=[State.OPEN, State.ANSWERED], target=State.CLOSED)
    def close(self, *, closed_at) -> None:
        self.closed_at = closed_at


class ReEvaluation(StateMachine):
    """A re-evaluation (复评) due before a contract ends and at least yearly: `due → decided` by an operator."""

    class State(models.TextChoices):
        DUE = "due", _("待复评")
        DECIDED = "decided", _("已决定")

    class Decision(models.TextChoices):
        RENEW = "renew", _("续约")
        RECTIFY = "rectify", _("限期整改")
        SUSPEND = "suspend", _("暂停合作")
        TERMINATE = "terminate", _("终止合作")

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="re_evaluations")
    contract = models.ForeignKey("suppliers.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("复评截止日"))
    created_at = models.DateTimeField(_("创建时间"))
    average_score = models.DecimalField(_("近期平均得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    proposed = models.CharField(_("建议"), max_length=10, choices=Decision.choices, blank=True)
    decision = models.CharField(_("决定"), max_length=10, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    state = StateField(_("状态"), default=State.DUE, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=STAFF)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = pgettext_lazy("one item", "复评")
        verbose_name_plural = _("复评")
        constraints = [models.UniqueConstraint(fields=["supplier", "due_on"], name="one_re_evaluation_per_supplier_due_date")]

    @property
    def proposed_label(self) -> str:
        """The proposal as its page shows it: none without a scored assessment to propose from."""
        return self.get_proposed_display() if self.proposed else _("无考核数据，请人工判断")

    @transition(field=state, source=State.DUE, target=State.DECIDED)
    def decide(self, *, decision: str, decided_at, decided_by, note: str) -> None:
        self.decision, self.decided_at, self.decided_by, self.note = decision, decided_at, decided_by, note


#: The weights and targets the product starts with (migration 0002 writes them; operators may tune them).
DEFAULT_KPIS = {
    Kpi.ON_TIME_DISPATCH: (Decimal("20"), Decimal("0.95"), True),
    Kpi.REPLENISHMENT_ON_TIME: (Decimal("15"), Decimal("0.90"), True),
    Kpi.FIRST_ATTEMPT_DELIVERY: (Decimal("15"), Decimal("0.95"), True),
    Kpi.COMPLAINT_RATE: (Decimal("20"), Decimal("5"), False),
    Kpi.COMPLAINT_SLA: (Decimal("15"), Decimal("0.95"), True),
    Kpi.DEFECT_RATE: (Decimal("15"), Decimal("0.02"), False),
}
