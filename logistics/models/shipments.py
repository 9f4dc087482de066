"""Handoff batches, shipments and carrier events (SPEC §4.6)."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django_fsm import transition

from core.models import StateField, StateMachine
from core.tenancy import ScopedManager, Visibility
from logistics.carriers import carrier_key


class HandoffBatch(models.Model):
    """Confirmed orders handed to the logistics provider together; `key` makes a retried handoff a no-op."""

    key = models.CharField(_("批次键"), max_length=80, unique=True)
    number = models.CharField(_("交接批次号"), max_length=30, unique=True)
    created_at = models.DateTimeField(_("交接时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager()
    visibility = Visibility(staff=frozenset({"operator", "logistics"}))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("one item", "交接批次")
        verbose_name_plural = _("交接批次")

    def __str__(self) -> str:
        return self.number


class HandoffItem(models.Model):
    batch = models.ForeignKey(HandoffBatch, on_delete=models.PROTECT, related_name="items")
    order = models.OneToOneField("points.RedemptionOrder", on_delete=models.PROTECT, related_name="handoff_item")


class ShipmentState(models.TextChoices):
    """A parcel's states (`Shipment.State`), declared before the model so that its indexes name them."""

    CREATED = "created", _("待拣货")
    PICKED = "picked", _("已拣货")
    SHIPPED = "shipped", _("已发货")
    DELIVERED = "delivered", _("已签收")
    FAILED = "failed", _("配送失败")
    CANCELLED = "cancelled", _("已取消")


#: the states of the parcels the home pages count by state: to pick, to ship, on their way, failed
COUNTED_STATES = [ShipmentState.CREATED, ShipmentState.PICKED, ShipmentState.SHIPPED, ShipmentState.FAILED]
#: the states of a parcel not shipped yet: a warehouse one to pick or picked, a dropship one waiting for its supplier
WAITING_STATES = [ShipmentState.CREATED, ShipmentState.PICKED]


class Shipment(StateMachine):
    State = ShipmentState

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("物流仓发货")
        DROPSHIP = "dropship", _("礼品商直发")

    order = models.ForeignKey("points.RedemptionOrder", on_delete=models.PROTECT, related_name="shipments")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="shipments")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    replacement_for = models.ForeignKey(
        "logistics.ReturnRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="replacement_shipments"
    )
    # the goods of a return refused at inspection, sent back to the member (SPEC §4.7): no stock, no statement line
    send_back_for = models.ForeignKey(
        "logistics.ReturnRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="send_back_shipments"
    )
    quantity = models.PositiveIntegerField(_("数量"))
    # a replacement shipment is a new delivery line on the supplier's statement
    settlement_amount = models.DecimalField(_("结算金额"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    carrier = models.CharField(_("承运商"), max_length=40, blank=True)
    # the carrier however it was spelt ("顺丰", "SF Express" → "SF"): a tracking number is unique per carrier key
    carrier_key = models.CharField(_("承运商代码"), max_length=40, blank=True, editable=False)
    tracking_number = models.CharField(_("运单号"), max_length=60, blank=True)
    # who this attempt goes to, copied from the order when it is made: a re-delivery may go to a corrected recipient
    recipient_name = models.CharField(_("收件人"), max_length=50, blank=True)
    recipient_phone = models.CharField(_("收件电话"), max_length=20, blank=True)
    address = models.CharField(_("收货地址"), max_length=300, blank=True)
    signer = models.CharField(_("签收人"), max_length=50, blank=True)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    picked_at = models.DateTimeField(_("拣货时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    delivery_recorded_at = models.DateTimeField(_("签收登记时间"), null=True, blank=True)
    last_event_sequence = models.PositiveIntegerField(_("最近事件序号"), default=0)
    # when the supplier of a dropship order handed to it was told of the parcel (its handover notice): set with the
    # notice, so that the next handover run tells the supplier of a parcel an earlier run's failed notice missed
    supplier_notified_at = models.DateTimeField(_("礼品商通知时间"), null=True, blank=True, editable=False)
    state = StateField(_("状态"), default=State.CREATED, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", member="order__member")

    #: a dropship parcel is never picked: while it waits in `created` it waits for the supplier to send it
    DROPSHIP_LABELS = {State.CREATED: _("待发货")}

    @classmethod
    def dropship_state_choices(cls) -> list[tuple[str, str]]:
        """The states a dropship shipment can be in, in its own words (it is never picked)."""
        return [(value, cls.DROPSHIP_LABELS.get(value, label)) for value, label in cls.State.choices if value != cls.State.PICKED]

    @property
    def for_return(self) -> bool:
        """A parcel of a return (an exchange's replacement, or refused goods sent back), not the order's own: it moves
        the order through none of its states."""
        return bool(self.replacement_for_id or self.send_back_for_id)

    @property
    def state_label(self) -> str:
        return self.label_of_state(self.state)

    def label_of_state(self, state: str) -> str:
        """A state as people read it, in the words of the shipment's kind (a dropship one waits to be sent, not picked)."""
        if self.kind == self.Kind.DROPSHIP and state in self.DROPSHIP_LABELS:
            return str(self.DROPSHIP_LABELS[state])
        return str(dict(self.State.choices).get(state, state))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("one item", "运单")
        verbose_name_plural = _("运单")
        indexes = [  # the parcels whose supplier is still to be told: few, and looked for at every handover run
            models.Index(fields=["supplier"], name="shipment_dropship_untold",
                         condition=Q(kind="dropship", state__in=[ShipmentState.CREATED, ShipmentState.PICKED], supplier_notified_at__isnull=True)),
            # the parcels the home pages count (logistics.selectors.parcel_counts): those to pick, to ship or on their
            # way, few at any time; and the failed ones, which stay failed (a re-delivery is a new parcel), so they add
            # up over the years, a small share of all sent as long as failures are rare. Those still waiting for the
            # operator are told apart by their order's state and later parcels, which no index condition can read.
            # The parcels shipped or delivered on a day have their own indexes.
            models.Index(fields=["state"], name="shipment_counted", condition=Q(state__in=COUNTED_STATES)),
            models.Index(fields=["shipped_at"], name="shipment_shipped_at"),
            models.Index(fields=["delivered_at"], name="shipment_delivered_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier_key", "tracking_number"], condition=~Q(tracking_number=""), name="tracking_number_unique_per_carrier"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipment_quantity_positive"),
            models.CheckConstraint(
                condition=Q(replacement_for__isnull=True) | Q(send_back_for__isnull=True), name="shipment_one_return_purpose"
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number or f"shipment #{self.pk}"

    @transition(field=state, source=State.CREATED, target=State.PICKED)
    def pick(self, *, picked_at) -> None:
        self.picked_at = picked_at

    def picked_unless_dropship(self) -> bool:
        """A warehouse parcel is picked before it leaves; a supplier ships its own straight from `created` (SPEC §4.6)."""
        return self.kind == self.Kind.DROPSHIP or self.state == self.State.PICKED

    @transition(field=state, source=[State.CREATED, State.PICKED], target=State.SHIPPED, conditions=[picked_unless_dropship])
    def ship(self, *, carrier: str, tracking_number: str, shipped_at) -> None:
        self._set_waybill(carrier, tracking_number)
        self.shipped_at = shipped_at

    def _set_waybill(self, carrier: str, tracking_number: str) -> None:
        self.carrier = carrier
        self.carrier_key = carrier_key(carrier)
        self.tracking_number = tracking_number

    @transition(field=state, source=State.SHIPPED, target=State.SHIPPED)
    def correct_tracking(self, *, carrier: str, tracking_number: str) -> None:
        """A carrier or tracking number typed wrong when shipping, put right while the parcel is on its way."""
        self._set_waybill(carrier, tracking_number)

    @transition(field=state, source=State.SHIPPED, target=State.DELIVERED)
    def deliver(self, *, signer: str, delivered_at, recorded_at) -> None:
        self.signer = signer
        self.delivered_at = delivered_at
        self.delivery_recorded_at = recorded_at

    @transition(field=state, source=State.SHIPPED, target=State.FAILED)
    def fail(self, *, failure_reason: str) -> None:
        self.failure_reason = failure_reason

    @transition(field=state, source=State.FAILED, target=State.DELIVERED)
    def deliver_after_all(self, *, signer: str, delivered_at, recorded_at) -> None:
        """A parcel reported lost turned up signed for (its loss report withdrawn): the failure no longer stands."""
        self.signer, self.delivered_at, self.delivery_recorded_at = signer, delivered_at, recorded_at
        self.failure_reason = ""

    @transition(field=state, source=State.CREATED, target=State.CANCELLED)
    def cancel(self) -> None:
        pass


#: the order's own parcels: neither an exchange's replacement nor refused goods sent back
ORDER_OWN_PARCELS = Q(replacement_for__isnull=True, send_back_for__isnull=True)


class CarrierEvent(models.Model):
    """An event reported by the provider for a tracking number; applied once, in sequence order."""

    class Kind(models.TextChoices):
        PICKED = "picked", _("已拣货")
        SHIPPED = "shipped", _("已发货")
        DELIVERED = "delivered", _("已签收")
        FAILED = "failed", _("配送失败")

    class Status(models.TextChoices):
        WAITING = "waiting", _("等待前序事件")
        APPLIED = "applied", _("已处理")
        REJECTED = "rejected", _("已拒绝")

    event_id = models.CharField(_("事件编号"), max_length=80, unique=True)
    tracking_number = models.CharField(_("运单号"), max_length=60, db_index=True)
    sequence = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("发生时间"))
    payload = models.JSONField(_("内容"), default=dict)
    received_at = models.DateTimeField(_("接收时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.WAITING)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    shipment = models.ForeignKey(Shipment, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")

    objects = ScopedManager()
    visibility = Visibility(supplier="shipment__supplier", staff=frozenset({"operator", "logistics"}))

    class Meta:
        ordering = ["tracking_number", "sequence"]
        verbose_name = pgettext_lazy("one item", "承运商事件")
        verbose_name_plural = _("承运商事件")
        # a sequence is a place in one parcel's history: two carriers' parcels under one tracking number each have theirs
        constraints = [models.UniqueConstraint(fields=["shipment", "sequence"], name="carrier_event_sequence_unique")]
        # the few waiting events, by age: what the logistics navigation counts on every page
        indexes = [models.Index(fields=["received_at"], condition=models.Q(status="waiting"), name="carrier_event_waiting")]
