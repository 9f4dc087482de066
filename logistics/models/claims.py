"""Logistics claims (SPEC §4.6): what the logistics provider owes for transit damage and lost parcels."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import transition

from core.models import StateField, StateMachine
from core.models.transitions import LatestLog, logs_relation
from core.tenancy import ScopedManager, Visibility


class LogisticsClaim(StateMachine):
    class State(models.TextChoices):
        OPEN = "open", _("待处理")
        ACCEPTED = "accepted", pgettext_lazy("claim state", "已确认")
        SETTLED = "settled", _("已结清")
        REJECTED = "rejected", _("已驳回")
        # a parcel reported lost that turned up delivered after all: the provider owes nothing (logistics or an operator)
        WITHDRAWN = "withdrawn", _("已撤回")

    class Cause(models.TextChoices):
        TRANSIT_DAMAGE = "transit_damage", _("运输破损")
        LOST_PARCEL = "lost_parcel", _("包裹丢失")

    order = models.ForeignKey("points.RedemptionOrder", on_delete=models.PROTECT, related_name="claims")
    return_request = models.OneToOneField("logistics.ReturnRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="claim")
    # the parcel reported lost (an order's own, or an exchange's replacement); none for a claim from an inspection
    shipment = models.ForeignKey(
        "logistics.Shipment", verbose_name=_("运单"), null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    cause = models.CharField(_("原因"), max_length=20, choices=Cause.choices)
    quantity = models.PositiveIntegerField(_("数量"))
    amount = models.DecimalField(_("索赔金额"), max_digits=14, decimal_places=2)
    opened_at = models.DateTimeField(_("创建时间"))
    # who reported a lost parcel or found the transit damage inspecting a return; a claim the system opened has none
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报告人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    settled_at = models.DateTimeField(_("结清时间"), null=True, blank=True)
    settlement_reference = models.CharField(_("结清凭证"), max_length=60, blank=True)
    # what the provider actually paid and on which day, and why it differs from the claim's amount when it does
    received_amount = models.DecimalField(_("实收金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    received_date = models.DateField(_("到账日期"), null=True, blank=True)
    settlement_note = models.CharField(_("差额说明"), max_length=300, blank=True)
    state = StateField(_("状态"), default=State.OPEN, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(staff=frozenset({"operator", "logistics", "finance"}))
    transition_logs = logs_relation()
    rejection = LatestLog("reject", state=State.REJECTED)  # finance's reason, who and when
    transition_labels = {"correct": _("更正索赔金额"), "withdraw": _("撤回丢失报告")}

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = pgettext_lazy("one item", "物流索赔")
        verbose_name_plural = _("物流索赔")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="claim_amount_not_negative"),
            models.CheckConstraint(condition=Q(received_amount__isnull=True) | Q(received_amount__gt=0), name="claim_received_amount_positive"),
        ]

    @transition(field=state, source=State.OPEN, target=State.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=state, source=State.OPEN, target=State.OPEN)
    def correct(self, *, amount, quantity: int) -> None:
        """The figure the provider and finance agreed on instead of the one the claim was opened for."""
        self.amount, self.quantity = amount, quantity

    def rejectable(self) -> bool:
        """A lost parcel's claim cannot be rejected: its report failed the shipment and the order went on from there
        (given up with the points refunded, or re-delivered), which rejecting would not put back; a parcel that turned up
        delivered has its report withdrawn instead (`withdraw`)."""
        return self.cause != self.Cause.LOST_PARCEL

    def withdrawable(self) -> bool:
        """Only a lost parcel's report is withdrawn (the parcel turned up delivered); a transit damage is rejected."""
        return self.cause == self.Cause.LOST_PARCEL

    @transition(field=state, source=State.OPEN, target=State.REJECTED, conditions=[rejectable])
    def reject(self) -> None:
        """The provider rightly contests it (a damage not caused in transit): it owes nothing."""

    @transition(field=state, source=State.OPEN, target=State.WITHDRAWN, conditions=[withdrawable])
    def withdraw(self) -> None:
        """The parcel reported lost was delivered after all: the provider owes nothing on it."""

    @transition(field=state, source=State.ACCEPTED, target=State.SETTLED)
    def settle(self, *, settled_at, settlement_reference: str, received_amount, received_date, settlement_note: str) -> None:
        self.settled_at = settled_at
        self.settlement_reference = settlement_reference
        self.received_amount, self.received_date, self.settlement_note = received_amount, received_date, settlement_note
