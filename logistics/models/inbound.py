"""Inbound stock (铺货/补货, SPEC §4.6): announced by the supplier, received and put away by logistics."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from core.models import StateField, StateMachine
from core.tenancy import ScopedManager, Visibility


class InboundShipment(StateMachine):
    class State(models.TextChoices):
        ANNOUNCED = "announced", _("已预报")
        RECEIVED = "received", _("已收货")
        PUT_AWAY = "put_away", _("已上架")
        CANCELLED = "cancelled", _("已撤回")

    number = models.CharField(_("入库单号"), max_length=30, unique=True)
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="inbound_shipments")
    gift = models.ForeignKey("suppliers.Gift", on_delete=models.PROTECT, related_name="inbound_shipments")
    location = models.ForeignKey("suppliers.Location", on_delete=models.PROTECT, related_name="+")
    replenishment_request = models.ForeignKey(
        "suppliers.ReplenishmentRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_shipments"
    )
    announced_quantity = models.PositiveIntegerField(_("预报数量"))
    expected_on = models.DateField(_("预计到货日期"))
    announced_at = models.DateTimeField(_("预报时间"))
    counted_quantity = models.PositiveIntegerField(_("实收数量"), null=True, blank=True)
    damaged_quantity = models.PositiveIntegerField(_("到货破损数量"), default=0)
    #: units that came beyond the announcement, not taken into stock (the supplier is asked to announce them)
    extra_quantity = models.PositiveIntegerField(_("多到数量"), default=0)
    received_at = models.DateTimeField(_("收货时间"), null=True, blank=True)
    put_away_at = models.DateTimeField(_("上架时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    state = StateField(_("状态"), default=State.ANNOUNCED, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=frozenset({"operator", "logistics"}))

    class Meta:
        ordering = ["-announced_at", "-id"]
        verbose_name = _("入库单")
        verbose_name_plural = _("入库单")
        constraints = [
            models.CheckConstraint(condition=Q(announced_quantity__gte=1), name="inbound_announced_positive"),
            models.CheckConstraint(
                condition=Q(counted_quantity__isnull=True) | Q(damaged_quantity__lte=models.F("counted_quantity")),
                name="inbound_damaged_within_counted",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def shortage(self) -> int:
        return max(self.announced_quantity - (self.counted_quantity or 0), 0) if self.counted_quantity is not None else 0

    @transition(field=state, source=State.ANNOUNCED, target=State.RECEIVED)
    def receive(self, *, counted_quantity: int, damaged_quantity: int, received_at, extra_quantity: int = 0) -> None:
        self.counted_quantity = counted_quantity
        self.damaged_quantity = damaged_quantity
        self.extra_quantity = extra_quantity
        self.received_at = received_at

    @transition(field=state, source=State.RECEIVED, target=State.PUT_AWAY)
    def put_away(self, *, put_away_at) -> None:
        self.put_away_at = put_away_at

    @transition(field=state, source=State.ANNOUNCED, target=State.CANCELLED)
    def withdraw(self, *, cancelled_at) -> None:
        self.cancelled_at = cancelled_at
