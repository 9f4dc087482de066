"""Reviewed edits of a listed gift (SPEC §4.2): the online version sells until the revision is approved."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from core.models import LatestLog, StateField, StateMachine, logs_relation
from core.tenancy import ScopedManager, Visibility


class GiftRevision(StateMachine):
    class State(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")

    gift = models.ForeignKey("suppliers.Gift", on_delete=models.PROTECT, related_name="revisions")
    changes = models.JSONField(_("修改内容"), help_text=_("字段 → 新值；points_prices 为 {计划: 积分}"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("提交时间"))
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    state = StateField(_("状态"), default=State.PENDING, choices=State.choices, protected=True)
    transition_logs = logs_relation()

    objects = ScopedManager()
    visibility = Visibility(supplier="gift__supplier")
    rejection = LatestLog("reject", state=State.REJECTED)  # the operator's reason, who and when
    approval = LatestLog("approve", state=State.APPROVED)  # who approved it, when, and any remark
    withdrawal = LatestLog("withdraw", state=State.WITHDRAWN)  # who took it back (the system: on retirement), when, why

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("礼品修改")
        verbose_name_plural = _("礼品修改")
        constraints = [models.UniqueConstraint(fields=["gift"], condition=Q(state="pending"), name="one_pending_revision_per_gift")]

    @property
    def decision(self):
        """How the revision was decided (its approval, rejection or withdrawal: who, when, why), None while pending; a
        list reads them with its `approval`, `rejection` and `withdrawal` prefetches."""
        return self.approval or self.rejection or self.withdrawal

    @transition(field=state, source=State.PENDING, target=State.APPROVED)
    def approve(self, *, decided_at) -> None:
        self.decided_at = decided_at

    @transition(field=state, source=State.PENDING, target=State.REJECTED)
    def reject(self, *, decided_at) -> None:
        self.decided_at = decided_at

    @transition(field=state, source=State.PENDING, target=State.WITHDRAWN)
    def withdraw(self, *, decided_at) -> None:
        self.decided_at = decided_at
