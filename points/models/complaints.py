"""Complaints and suggestions (投诉与建议, SPEC §4.9): one channel, triaged to the party who answers within 48 hours."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django_fsm import transition

from core.models import StateField, StateMachine
from core.tenancy import ScopedManager, Visibility
from core.validators import REASON_MAX_LENGTH


class Party(models.TextChoices):
    SUPPLIER = "supplier", _("礼品商")
    LOGISTICS = "logistics", _("物流商")
    OPERATOR = "operator", _("运营方")


class Complaint(StateMachine):
    """`open → triaged → responded → resolved`, `triaged | reopened → escalated` (deadline passed, beat, once per deadline),
    `escalated | reopened → responded`, `resolved → reopened` within 7 days and `responded → reopened` (the member says
    the answer did not solve it, 仍未解决), each with a new deadline."""

    class State(models.TextChoices):
        OPEN = "open", _("待分派")
        TRIAGED = "triaged", _("处理中")
        ESCALATED = "escalated", _("已升级")
        RESPONDED = "responded", _("已答复")
        RESOLVED = "resolved", _("已解决")
        REOPENED = "reopened", _("已重开")

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("投诉")
        SUGGESTION = "suggestion", _("建议")

    class Channel(models.TextChoices):
        MEMBER = "member", _("会员自助")
        HOTLINE = "hotline", _("客服热线代录")
        SUPPLIER = "supplier", _("礼品商")
        PUBLIC = "public", _("公开渠道")

    number = models.CharField(_("编号"), max_length=30, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    member = models.ForeignKey("points.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints")
    order = models.ForeignKey("points.RedemptionOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints")
    gift = models.ForeignKey("suppliers.Gift", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints")
    # the supplier concerned (of the order or gift, or named directly); the sender of a suggestion
    supplier = models.ForeignKey("suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints")
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("内容"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(_("提交时间"))
    responsible = models.CharField(_("责任方"), max_length=10, choices=Party.choices, blank=True)
    deadline = models.DateTimeField(_("答复期限"), null=True, blank=True)
    response = models.TextField(_("答复"), blank=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    auto_resolved = models.BooleanField(_("自动解决"), default=False)
    # when an operator last chased (催办) the complaint, whatever its state or deadline since: the queue orders by it
    # without reading every complaint's reminders (kept by the reminder service; `chases` say which still count)
    last_reminded_at = models.DateTimeField(_("最近催办时间"), null=True, blank=True, editable=False)
    state = StateField(_("状态"), default=State.OPEN, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", member="member", staff=frozenset({"operator", "logistics"}))

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = pgettext_lazy("one item", "投诉与建议")
        verbose_name_plural = _("投诉与建议")
        indexes = [models.Index(fields=["state", "deadline"]), models.Index(fields=["supplier", "responsible", "opened_at"])]

    def __str__(self) -> str:
        return self.number

    @transition(field=state, source=State.OPEN, target=State.TRIAGED)
    def triage(self, *, responsible: str, deadline) -> None:
        self.responsible, self.deadline = responsible, deadline

    @transition(field=state, source=[State.TRIAGED, State.ESCALATED, State.REOPENED], target=State.RESPONDED)
    def respond(self, *, response: str, responded_at, responded_by) -> None:
        self.response, self.responded_at, self.responded_by = response, responded_at, responded_by

    @transition(field=state, source=[State.TRIAGED, State.REOPENED], target=State.ESCALATED)
    def escalate(self) -> None:
        pass

    @transition(field=state, source=State.RESPONDED, target=State.RESOLVED)
    def resolve(self, *, resolved_at, automatically: bool = False) -> None:
        self.resolved_at, self.auto_resolved = resolved_at, automatically

    @transition(field=state, source=State.RESOLVED, target=State.REOPENED)
    def reopen(self, *, deadline) -> None:
        self.deadline = deadline

    @transition(field=state, source=State.RESPONDED, target=State.REOPENED)
    def dispute(self, *, deadline) -> None:
        self.deadline = deadline

    #: the member's word for disputing an answer (other workflows' `dispute` is 提出异议)
    transition_labels = {"dispute": _("仍未解决")}


class ComplaintDeadline(models.Model):
    """One 48-hour deadline of a complaint (triage starts the first, each reopening another): the SLA facts KPIs count."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="deadlines")
    responsible = models.CharField(_("责任方"), max_length=10, choices=Party.choices)
    supplier = models.ForeignKey("suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    due_at = models.DateTimeField(_("截止时间"))
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)

    class Meta:
        ordering = ["complaint_id", "starts_at", "id"]
        verbose_name = _("答复期限")
        verbose_name_plural = _("答复期限")
        indexes = [models.Index(fields=["due_at"]), models.Index(fields=["supplier", "due_at"])]
        constraints = [models.CheckConstraint(condition=Q(due_at__gt=models.F("starts_at")), name="deadline_after_start")]

    @property
    def met(self) -> bool:
        return self.responded_at is not None and self.responded_at <= self.due_at


class ComplaintReminder(models.Model):
    """An operator's reminder (催办) to the party responsible for an escalated complaint: who, when and why. It changes
    no state; the complaint still waits for the responsible party's answer."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="reminders")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(_("催办时间"))
    reason = models.CharField(_("说明"), max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["complaint_id", "sent_at", "id"]
        verbose_name = pgettext_lazy("one item", "催办记录")
        verbose_name_plural = _("催办记录")
