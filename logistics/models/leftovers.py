"""Leftover gifts (遗留礼品, SPEC §4.8): a retired gift's remaining warehouse stock, one lot per warehouse."""
from datetime import date, timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from core.models import StateField, StateMachine
from core.tenancy import ScopedManager, Visibility


class LeftoverLot(StateMachine):
    class State(models.TextChoices):
        OPEN = "open", _("待处理")
        COLLECTED = "collected", _("礼品商已取回")
        DISPOSED = "disposed", _("已处置")
        CLEARANCE = "clearance", _("转清仓")
        USED = "used", _("已用于换货")  # every unit went out as exchange replacements

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="leftover_lots")
    gift = models.ForeignKey("suppliers.Gift", on_delete=models.PROTECT, related_name="leftover_lots")
    location = models.ForeignKey("suppliers.Location", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    created_at = models.DateTimeField(_("创建时间"))
    collect_by = models.DateField(_("取回期限"))
    closed_at = models.DateTimeField(_("完结时间"), null=True, blank=True)
    # when the supplier was reminded its collection deadline is near (once per lot)
    reminded_at = models.DateTimeField(_("取回提醒时间"), null=True, blank=True)
    state = StateField(_("状态"), default=State.OPEN, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=frozenset({"operator", "logistics", "finance"}))

    class Meta:
        ordering = ["collect_by", "id"]
        verbose_name = _("遗留礼品批次")
        verbose_name_plural = _("遗留礼品批次")
        constraints = [
            models.UniqueConstraint(fields=["gift", "location"], condition=Q(state="open"), name="one_open_leftover_lot_per_gift_warehouse"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="leftover_quantity_positive"),
        ]

    @property
    def past_deadline_from(self) -> date:
        """The first day after the collection deadline: the supplier may collect until the end of its `collect_by` day;
        from this day the lot may be disposed of and is charged storage (SPEC §4.8)."""
        return self.collect_by + timedelta(days=1)

    def overdue_on(self, day: date) -> bool:
        """Still open on `day` though its collection deadline has passed (from `past_deadline_from`): charged storage."""
        return self.state == self.State.OPEN and day >= self.past_deadline_from

    @transition(field=state, source=State.OPEN, target=State.COLLECTED)
    def collect(self, *, closed_at) -> None:
        self.closed_at = closed_at

    @transition(field=state, source=State.OPEN, target=State.OPEN)
    def collect_part(self, *, quantity: int) -> None:
        """Some of the lot's units collected: the rest stays open, with its deadline and the fees charged so far."""
        self.quantity -= quantity

    @transition(field=state, source=State.OPEN, target=State.DISPOSED)
    def dispose(self, *, closed_at) -> None:
        self.closed_at = closed_at

    @transition(field=state, source=State.OPEN, target=State.OPEN)
    def dispose_part(self, *, quantity: int) -> None:
        """Some of the lot's units disposed of: the rest stays open, with its deadline and the fees charged so far."""
        self.quantity -= quantity

    @transition(field=state, source=State.OPEN, target=State.CLEARANCE)
    def move_to_clearance(self, *, closed_at) -> None:
        self.closed_at = closed_at

    @transition(field=state, source=State.OPEN, target=State.USED)
    def use_up(self, *, closed_at) -> None:
        self.closed_at = closed_at
