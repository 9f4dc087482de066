"""Inventory (SPEC §4.3): stock per gift per location, every movement recorded, replenishment requests."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy
from django_fsm import transition

from core.models import FixedFields, SettingChange, StateField, StateMachine
from core.tenancy import ScopedManager, Visibility
from core.texts import Message, stored, texts_of, written


class Location(FixedFields):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("物流仓")
        DROPSHIP = "dropship", _("礼品商自有仓")

    code = models.CharField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    supplier = models.OneToOneField(
        "suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="dropship_location"
    )
    # where members send returned goods of a warehouse (a dropship return goes to its supplier's address)
    address = models.CharField(_("收货地址"), max_length=300, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("库位")
        verbose_name_plural = _("库位")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="warehouse", supplier__isnull=True) | Q(kind="dropship", supplier__isnull=False),
                name="location_dropship_has_supplier",
            )
        ]

    # whose units a location holds is fixed once it holds any: a warehouse's stock never becomes a supplier's own
    fixed_fields = ("kind", "supplier")
    fixed_message = _("库位已有库存，其类型和所属礼品商不能更改")

    def __str__(self) -> str:
        return self.label

    def is_fixed(self) -> bool:
        return super().is_fixed() and self.stock_records.exists()

    def described(self) -> str:
        """How pages and notices name it: a warehouse by its name; a supplier's own warehouse (whose name is the
        supplier's) as "<name> 自有仓", in each reader's language (core.texts)."""
        if self.kind == self.Kind.DROPSHIP:
            return Message(gettext_noop("%(name)s 自有仓"), name=self.name)
        return self.name

    @property
    def label(self) -> str:
        return written(*stored(self.described()))


class StockRecord(models.Model):
    gift = models.ForeignKey("suppliers.Gift", on_delete=models.PROTECT, related_name="stock_records")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_records")
    on_hand = models.IntegerField(_("在库"), default=0)
    reserved = models.IntegerField(_("已占用"), default=0)
    safety_stock = models.PositiveIntegerField(_("安全库存"), default=0)

    objects = ScopedManager()
    visibility = Visibility(supplier="gift__supplier")

    class Meta:
        ordering = ["gift_id", "location_id"]
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        constraints = [
            models.UniqueConstraint(fields=["gift", "location"], name="stock_once_per_gift_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"),
        ]

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def below_safety_stock(self) -> bool:
        """The record's low-stock badge (BELOW_SAFETY_STOCK, read in Python)."""
        return below_safety_stock(self.available, self.safety_stock)


class SafetyStockChange(SettingChange):
    """One change of a gift's safety stock at a location: the level before and after, who set it and when (the stock
    record keeps only the current level). A level is set without a reason on the stock pages, so the reason may be blank."""

    record = models.ForeignKey(StockRecord, on_delete=models.PROTECT, related_name="safety_stock_changes", verbose_name=_("库存"))
    previous_safety_stock = models.PositiveIntegerField(_("原安全库存"))
    safety_stock = models.PositiveIntegerField(_("新安全库存"))
    reason = models.CharField(_("修改原因"), max_length=200, blank=True, default="")

    objects = ScopedManager()
    visibility = Visibility(supplier="record__gift__supplier")

    class Meta(SettingChange.Meta):
        verbose_name = _("安全库存调整")
        verbose_name_plural = _("安全库存调整")

    def __str__(self) -> str:
        return f"{self.previous_safety_stock} → {self.safety_stock}"


def below_safety_stock(available: int, safety_stock: int) -> bool:
    """Available units below the safety stock: low stock, replenishment due (a warehouse) or a notice (a supplier's own
    location); the stock pages badge it."""
    return available < safety_stock


#: a stock record whose available units (on hand less reserved) are below its safety stock (below_safety_stock, in SQL)
BELOW_SAFETY_STOCK = Q(on_hand__lt=F("reserved") + F("safety_stock"))


#: what a movement's source_type names, in the reader's language (an unknown type shows as stored)
SOURCE_LABELS = {
    "order": pgettext_lazy("stock source", "订单"),
    "return": pgettext_lazy("stock source", "退换货"),
    "replacement": _("换货发货"),
    "inbound": _("入库单"),
    "leftover_lot": pgettext_lazy("stock source", "遗留礼品"),
    "stock_count": _("库存盘点"),
}


class StockMovement(models.Model):
    class Kind(models.TextChoices):
        INBOUND = "inbound", _("入库")
        RESERVATION = "reservation", _("占用")
        RELEASE = "release", _("释放")
        SHIPMENT = "shipment", _("出库")
        RETURN_TO_STOCK = "return_to_stock", _("退货入库")
        WRITE_OFF = "write_off", _("报损")
        COLLECTION = "collection", _("礼品商取回")
        CORRECTION = "correction", _("盘点更正")

    class Liable(models.TextChoices):
        """Who answers for units a warehouse count found missing (SPEC §4.3): the logistics provider (lost or damaged
        on its shelf), the supplier (e.g. delivered short), or nobody (a counting error found)."""

        LOGISTICS = "logistics", _("物流商")
        SUPPLIER = "supplier", _("礼品商")
        NONE = "none", _("无责任方（盘点差错）")

    gift = models.ForeignKey("suppliers.Gift", on_delete=models.PROTECT, related_name="stock_movements")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    on_hand_delta = models.IntegerField(_("在库变化"))
    reserved_delta = models.IntegerField(_("占用变化"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_type = models.CharField(_("来源类型"), max_length=40, blank=True)
    source_id = models.CharField(_("来源编号"), max_length=40, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    note_params = models.JSONField(_("备注参数"), null=True, blank=True)  # the values of a note the system wrote (core.texts)
    # a warehouse count's shortfall only (盘点更正 down): who answers for the missing units, for finance to settle
    liable = models.CharField(_("短少责任方"), max_length=10, choices=Liable.choices, blank=True, default="")

    objects = ScopedManager()
    visibility = Visibility(supplier="gift__supplier")

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source_type, self.source_type)

    note_text, note_label = texts_of("note", "note_params")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["gift", "location", "at"])]
        verbose_name = pgettext_lazy("one item", "库存变动")
        verbose_name_plural = _("库存变动")


class ReplenishmentRequest(StateMachine):
    class State(models.TextChoices):
        OPEN = "open", _("待补货")
        MET = "met", _("已补货")
        CANCELLED = "cancelled", _("已取消")

    gift = models.ForeignKey("suppliers.Gift", on_delete=models.PROTECT, related_name="replenishment_requests")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("建议补货数量"))
    raised_at = models.DateTimeField(_("发起时间"))
    due_date = models.DateField(_("截止日期"))
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    state = StateField(_("状态"), default=State.OPEN, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="gift__supplier")

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = pgettext_lazy("one item", "补货申请")
        verbose_name_plural = _("补货申请")
        constraints = [
            models.UniqueConstraint(
                fields=["gift", "location"], condition=Q(state="open"), name="one_open_replenishment_per_gift_location"
            )
        ]

    @transition(field=state, source=State.OPEN, target=State.MET)
    def meet(self, *, met_at) -> None:
        self.met_at = met_at

    @transition(field=state, source=State.OPEN, target=State.CANCELLED)
    def cancel(self) -> None:
        pass
