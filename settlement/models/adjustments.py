"""Adjustments (调账, SPEC §4.11): ± amounts finance books on a supplier's statement, maker-checker."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django_fsm import transition

from core.models import StateField, StateMachine
from core.tenancy import ScopedManager, Visibility
from core.texts import copy_label_of
from settlement.sources import source_text

from .statements import MONEY, SETTLEMENT_STAFF


REASON_SHOWN = 200  # the characters of an adjustment's reason its statement line carries


def shown_reason(reason: str) -> str:
    """The start of a reason a statement line shows: its first REASON_SHOWN characters, "…" after a longer one."""
    return reason if len(reason) <= REASON_SHOWN else reason[:REASON_SHOWN] + "…"


class Adjustment(StateMachine):
    """`proposed → approved | rejected | withdrawn`; the approver is never the creator (also a CHECK constraint).

    An approved adjustment is booked on the statement of the month it was approved in, except one that resolves
    a dispute (`statement` set), which becomes a line of the disputed statement's next version.
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待审批")
        APPROVED = "approved", _("已审批")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")  # a carry correction superseded by a later version's, before its checker decided

    class Kind(models.TextChoices):
        PENALTY = "penalty", _("违约扣款")
        RECONCILIATION = "reconciliation", _("对账更正")
        DISPUTE = "dispute", _("异议调整")
        COMPENSATION = "compensation", _("补偿")
        CARRY_CORRECTION = "carry_correction", _("结转更正")  # a carried negative payable changed by a later version
        OTHER = "other", _("其他")

    number = models.CharField(_("调账单号"), max_length=30, unique=True)
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("金额"), help_text=_("正数增加应付，负数减少应付"), **MONEY)
    reason = models.TextField(_("原因"))  # in Chinese, values filled in: its statement line copies it
    # a reason the system wrote: its message id and values (core.texts), so that pages and the API read it in the
    # reader's language (reason_label)
    reason_id = models.CharField(_("原因消息"), max_length=300, blank=True)
    reason_params = models.JSONField(_("原因参数"), null=True, blank=True)
    # a generic reference to what the adjustment is about: a registered kind (settlement.sources) and its id
    source_kind = models.CharField(_("来源类型"), max_length=30, default="other")
    source_id = models.CharField(_("来源编号"), max_length=40, blank=True)
    # set when the adjustment resolves a dispute of this statement (it joins that statement's next version)
    statement = models.ForeignKey("settlement.Statement", null=True, blank=True, on_delete=models.PROTECT, related_name="dispute_adjustments")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    state = StateField(_("状态"), default=State.PROPOSED, choices=State.choices, protected=True)

    reason_label = copy_label_of("reason", "reason_id", "reason_params")

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=SETTLEMENT_STAFF)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("one item", "调账")
        verbose_name_plural = _("调账")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="adjustment_not_zero"),
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("created_by")),
                                   name="adjustment_checker_is_not_maker"),
        ]
        indexes = [models.Index(fields=["state", "decided_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def source_text(self) -> str:
        """What the adjustment refers to, by the source kind's label (not its code) and the reference."""
        return source_text(self.source_kind, self.source_id)

    def line_description(self) -> str:
        """What its statement line says: number, kind code and the start of the reason (the claim's SQL writes the same;
        `settlement.pdf.describe` shows the kind by name)."""
        return f"{self.number} {self.kind} {shown_reason(self.reason)}"

    @transition(field=state, source=State.PROPOSED, target=State.APPROVED)
    def approve(self, *, decided_by, decided_at, note: str = "") -> None:
        self.decided_by, self.decided_at, self.decision_note = decided_by, decided_at, note

    @transition(field=state, source=State.PROPOSED, target=State.REJECTED)
    def reject(self, *, decided_by, decided_at, note: str) -> None:
        self.decided_by, self.decided_at, self.decision_note = decided_by, decided_at, note

    @transition(field=state, source=State.PROPOSED, target=State.WITHDRAWN)
    def withdraw(self) -> None:
        pass
