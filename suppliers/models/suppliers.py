"""Suppliers (礼品商) and the users who act for them."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from core.models import LatestLog, StateField, StateMachine, logs_relation
from core.tenancy import ScopedManager, Visibility


class Supplier(StateMachine):
    class SmsNotices(models.TextChoices):
        """Which of its notices the supplier's contact also gets by SMS (the inbox gets every one)."""

        ALL = "all", _("全部通知")
        ACTION = "action", _("仅需我方处理的通知")
        NONE = "none", _("不发短信（仅站内信）")

    class State(models.TextChoices):
        APPLIED = "applied", _("已申请")
        UNDER_REVIEW = "under_review", _("审核中")
        ACTIVE = "active", _("合作中")
        SUSPENDED = "suspended", _("已暂停")
        TERMINATED = "terminated", _("已终止")
        REJECTED = "rejected", _("已拒绝")

    #: the states in which a supplier's gifts may be approved, listed (now or at a set time) and sold off (`offers_gifts`)
    OFFERING_STATES = frozenset({State.ACTIVE})
    #: the states in which a supplier may send its gifts to review (`submits_gifts`): an applicant prepares its catalog
    SUBMITTING_STATES = frozenset({State.APPLIED, State.UNDER_REVIEW, State.ACTIVE})
    #: the states of an application waiting for an operator's decision (its page shows the activation checklist)
    ONBOARDING_STATES = frozenset({State.APPLIED, State.UNDER_REVIEW})
    #: the states of a supplier in cooperation, suspended or not: re-evaluated, sent announcements, given rectification
    #: cases (termination starts from these)
    COOPERATING_STATES = frozenset({State.ACTIVE, State.SUSPENDED})

    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    sms_notices = models.CharField(_("短信通知"), max_length=10, choices=SmsNotices.choices, default=SmsNotices.ALL)
    state = StateField(_("状态"), default=State.APPLIED, choices=State.choices, protected=True)
    applied_at = models.DateTimeField(_("申请时间"))
    transition_logs = logs_relation()

    objects = ScopedManager()
    visibility = Visibility(supplier="self")
    rejection = LatestLog("reject", state=State.REJECTED)  # why the application was refused, who and when

    class Meta:
        ordering = ["id"]
        # one legal entity, one supplier; a rejected application keeps its code so the entity may apply again
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~Q(state="rejected"), name="supplier_credit_code_unique"),
        ]
        verbose_name = _("礼品商")
        verbose_name_plural = _("礼品商")

    def __str__(self) -> str:
        return self.name

    def offers_gifts(self) -> bool:
        """Only a supplier in cooperation may have its gifts approved, listed and sold off (SPEC §4.1: `active` needs
        an approved contract and a valid licence); an applicant's wait for its approval, a suspended one's come back
        only through review after reactivation."""
        return self.state in self.OFFERING_STATES

    def submits_gifts(self) -> bool:
        """A supplier applying or in cooperation may send its gifts to review; one suspended, terminated or rejected
        may not."""
        return self.state in self.SUBMITTING_STATES

    @transition(field=state, source=State.APPLIED, target=State.UNDER_REVIEW)
    def start_review(self) -> None:
        pass

    @transition(field=state, source=State.UNDER_REVIEW, target=State.ACTIVE)
    def approve(self) -> None:
        pass

    @transition(field=state, source=State.UNDER_REVIEW, target=State.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=state, source=State.ACTIVE, target=State.SUSPENDED)
    def suspend(self) -> None:
        pass

    @transition(field=state, source=State.SUSPENDED, target=State.ACTIVE)
    def reactivate(self) -> None:
        pass

    @transition(field=state, source=[State.ACTIVE, State.SUSPENDED], target=State.TERMINATED)
    def terminate(self) -> None:
        pass


class SupplierMembership(StateMachine):
    """Binds a supplier admin or staff user to exactly one supplier. `active → disabled → active`: the supplier admin
    disables a staff account (who leaves, or a lost phone) and enables it again; a disabled user cannot log in."""

    class State(models.TextChoices):
        ACTIVE = "active", _("已启用")
        DISABLED = "disabled", _("已停用")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supplier_membership")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="memberships")
    state = StateField(_("状态"), default=State.ACTIVE, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier")

    class Meta:
        verbose_name = _("礼品商用户")
        verbose_name_plural = _("礼品商用户")

    def __str__(self) -> str:
        return f"{self.user} @ {self.supplier_id}"

    @transition(field=state, source=State.ACTIVE, target=State.DISABLED)
    def disable(self) -> None:
        pass

    @transition(field=state, source=State.DISABLED, target=State.ACTIVE)
    def enable(self) -> None:
        pass

    @transition(field=state, source=[State.ACTIVE, State.DISABLED], target=None)
    def reset_password(self) -> None:
        """The account's state stays: the step is in its history (who reset the password and when, never the password)."""
