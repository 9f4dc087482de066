"""Redemption orders (兑换订单, SPEC §4.5): one gift × a quantity from one supplier, with its snapshots and FSM."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django_fsm import transition

from core.models import StateField, StateMachine
from core.tenancy import ScopedManager, Visibility
from suppliers.models.catalog import Gift


class RedemptionOrder(StateMachine):
    class State(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        EXPIRED = "expired", _("已过期")
        CANCELLED = "cancelled", _("已取消")
        HANDED_OVER = "handed_over", _("已交接")
        SHIPPED = "shipped", _("已发货")
        DELIVERED = "delivered", _("已签收")
        DELIVERY_FAILED = "delivery_failed", _("配送失败")
        RETURNED = "returned", _("已退货")
        COMPLETED = "completed", _("已完成")

    #: The states from which a delivery can still be recorded (`deliver` is reachable): the order is open, its delivery,
    #: once recorded, is booked by the statement of the month it is recorded in (SPEC §4.11). Expired and cancelled
    #: orders (cancelled, given up after a failed delivery or a lost parcel) end without one; the others were delivered.
    AWAITING_DELIVERY = frozenset({State.AWAITING_CONFIRMATION, State.CONFIRMED, State.HANDED_OVER, State.SHIPPED, State.DELIVERY_FAILED})

    number = models.CharField(_("订单号"), max_length=30, unique=True)
    member = models.ForeignKey("points.Member", on_delete=models.PROTECT, related_name="orders")
    gift = models.ForeignKey("suppliers.Gift", on_delete=models.PROTECT, related_name="orders")
    # indexed by the composite indexes below, which all begin with it
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="orders", db_index=False)
    program = models.ForeignKey("core.Program", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"))
    # snapshots taken when the order is placed
    fulfilment = models.CharField(_("履约方式"), max_length=10, choices=Gift.Fulfilment.choices)
    points_unit_price = models.PositiveIntegerField(_("积分单价"))
    tier_discount_percent = models.PositiveSmallIntegerField(_("等级折扣（%）"), default=0)
    clearance = models.BooleanField(_("清仓价"), default=False)
    points_cost = models.PositiveIntegerField(_("积分合计"))
    settlement_unit_price = models.DecimalField(_("结算单价"), max_digits=12, decimal_places=2)
    settlement_amount = models.DecimalField(_("结算金额"), max_digits=14, decimal_places=2)
    recipient_name = models.CharField(_("收件人"), max_length=50)
    recipient_phone = models.CharField(_("收件电话"), max_length=20)
    address = models.CharField(_("收货地址"), max_length=300)
    # taken when the order is confirmed
    location = models.ForeignKey("suppliers.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    redeem_entry = models.OneToOneField("points.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # second confirmation (二次确认)
    code_required = models.BooleanField(_("需短信确认"), default=False)
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)

    state = StateField(_("状态"), default=State.AWAITING_CONFIRMATION, choices=State.choices, protected=True)
    placed_at = models.DateTimeField(_("下单时间"))
    expires_at = models.DateTimeField(_("确认截止时间"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    # when the delivery reached us (SPEC §4.11 books it by this time, not by the signing time)
    delivery_recorded_at = models.DateTimeField(_("签收登记时间"), null=True, blank=True)
    delivered_automatically = models.BooleanField(_("系统自动签收"), default=False)
    returned_quantity = models.PositiveIntegerField(_("已退数量"), default=0)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", member="member")

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = pgettext_lazy("one item", "兑换订单")
        verbose_name_plural = _("兑换订单")
        indexes = [models.Index(fields=["state", "expires_at"]), models.Index(fields=["supplier", "state"]),
                   models.Index(fields=["supplier", "delivery_recorded_at"]),
                   # the order lists, newest first: every order (staff), a supplier's (its orders' page)
                   models.Index(fields=["-placed_at", "-id"], name="order_newest_first"),
                   models.Index(fields=["supplier", "-placed_at", "-id"], name="order_supplier_newest_first")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_quantity_positive"),
            models.CheckConstraint(condition=Q(returned_quantity__lte=models.F("quantity")), name="order_returned_within_quantity"),
            models.CheckConstraint(condition=Q(settlement_amount__gte=0), name="order_settlement_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    @transition(field=state, source=State.AWAITING_CONFIRMATION, target=State.CONFIRMED)
    def confirm(self, *, confirmed_at, location, redeem_entry) -> None:
        self.confirmed_at = confirmed_at
        self.location = location
        self.redeem_entry = redeem_entry
        self.code_hash = ""

    @transition(field=state, source=State.AWAITING_CONFIRMATION, target=State.EXPIRED)
    def expire(self) -> None:
        pass

    @transition(field=state, source=[State.AWAITING_CONFIRMATION, State.CONFIRMED], target=State.CANCELLED)
    def cancel(self) -> None:
        """Before handover (SPEC §3): an order still waiting for its SMS code (nothing drawn or reserved for it), whose
        code stops working, or a confirmed one (the service gives its points and stock back)."""
        self.code_hash = ""

    @transition(field=state, source=State.HANDED_OVER, target=State.CANCELLED)
    def cancel_before_picking(self) -> None:
        pass

    @transition(field=state, source=State.CONFIRMED, target=State.HANDED_OVER)
    def hand_over(self) -> None:
        pass

    @transition(field=state, source=State.HANDED_OVER, target=State.SHIPPED)
    def ship(self, *, shipped_at) -> None:
        self.shipped_at = shipped_at

    @transition(field=state, source=State.SHIPPED, target=State.DELIVERED)
    def deliver(self, *, delivered_at, recorded_at, automatically: bool = False) -> None:
        self.delivered_at = delivered_at
        self.delivery_recorded_at = recorded_at
        self.delivered_automatically = automatically

    @transition(field=state, source=State.SHIPPED, target=State.DELIVERY_FAILED)
    def fail_delivery(self) -> None:
        pass

    @transition(field=state, source=State.DELIVERY_FAILED, target=State.HANDED_OVER)
    def redeliver(self, *, recipient_name: str, recipient_phone: str, address: str) -> None:
        """The next attempt goes to this recipient: the one the order had, or one the operator corrected."""
        self.recipient_name, self.recipient_phone, self.address = recipient_name, recipient_phone, address

    @transition(field=state, source=State.DELIVERY_FAILED, target=State.CANCELLED)
    def give_up(self) -> None:
        pass

    @transition(field=state, source=State.DELIVERY_FAILED, target=State.DELIVERED)
    def deliver_after_all(self, *, delivered_at, recorded_at) -> None:
        """The parcel whose loss failed the delivery turned up signed for (its loss report withdrawn)."""
        self.delivered_at = delivered_at
        self.delivery_recorded_at = recorded_at
        self.delivered_automatically = False

    @transition(field=state, source=State.DELIVERED, target=State.RETURNED)
    def return_fully(self) -> None:
        pass

    @transition(field=state, source=State.DELIVERED, target=State.COMPLETED)
    def complete(self) -> None:
        pass
