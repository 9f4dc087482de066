"""Extra costs (额外费用承担, SPEC §4.6): facts recorded from a tariff, with the party who bears them."""
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django_fsm import transition

from core.models import SettingChange, StateField, StateMachine
from core.tenancy import ScopedManager, Visibility
from core.texts import copy_label_of


class CostKind(models.TextChoices):
    REDELIVERY = "redelivery", _("二次配送费")
    STORAGE = "storage", _("仓储费")
    RETURN_FREIGHT = "return_freight", _("退货运费")
    DISPOSAL = "disposal", _("销毁处置费")
    HANDLING = "handling", _("装卸处理费")


class Payer(models.TextChoices):
    SUPPLIER = "supplier", _("礼品商")
    LOGISTICS = "logistics", _("物流商")
    OPERATOR = "operator", _("运营方")


class TariffUnit(models.TextChoices):
    """What a tariff's price is charged per."""

    ORDER = "order", _("每单")
    UNIT = "unit", _("每件")
    LOT = "lot", _("每批次")
    LOT_DAY = "lot_day", _("每批次每天")


#: what each kind of cost is counted and priced per, fixed by the kind: a re-delivery and return freight per order,
#: handling per unit, disposal per lot, storage per lot and day (a tariff's unit is always its kind's)
KIND_UNIT = {
    CostKind.REDELIVERY: TariffUnit.ORDER, CostKind.RETURN_FREIGHT: TariffUnit.ORDER, CostKind.HANDLING: TariffUnit.UNIT,
    CostKind.DISPOSAL: TariffUnit.LOT, CostKind.STORAGE: TariffUnit.LOT_DAY,
}


class Tariff(models.Model):
    """The price of one kind of extra cost (per order, per unit, per lot or per lot per day)."""

    kind = models.CharField(_("费用类型"), max_length=20, choices=CostKind.choices, unique=True)
    amount = models.DecimalField(_("单价"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    unit = models.CharField(_("计费单位"), max_length=30, choices=TariffUnit.choices)

    class Meta:
        ordering = ["kind"]
        verbose_name = pgettext_lazy("one item", "费用标准")
        verbose_name_plural = _("费用标准")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount} {self.get_unit_display()}"


class TariffChange(SettingChange):
    """One change of a tariff: its price and unit before and after, who changed it, when and why (the tariff keeps only
    the current ones; costs recorded before keep the amounts they were priced at)."""

    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="changes", verbose_name=_("费用类型"))
    previous_amount = models.DecimalField(_("原单价"), max_digits=10, decimal_places=2)
    previous_unit = models.CharField(_("原计费单位"), max_length=30, choices=TariffUnit.choices)
    amount = models.DecimalField(_("新单价"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("新计费单位"), max_length=30, choices=TariffUnit.choices)
    reason = models.CharField(_("修改原因"), max_length=200, blank=True, default="")  # blank only for changes made before it was asked

    objects = ScopedManager()
    visibility = Visibility(staff=frozenset({"operator", "logistics", "finance"}))

    class Meta(SettingChange.Meta):
        verbose_name = _("费用标准变更")
        verbose_name_plural = _("费用标准变更")

    def __str__(self) -> str:
        return (f"{self.tariff.get_kind_display()} ¥{self.previous_amount} {self.get_previous_unit_display()}"
                f" → ¥{self.amount} {self.get_unit_display()}")


class CostOwner(NamedTuple):
    """One thing a cost belongs to: its field on the cost, what it is, the thing and its name ("订单 RO…")."""

    attribute: str
    label: str
    owner: models.Model
    name: str

    def __str__(self) -> str:
        return f"{self.label} {self.name}"


#: what a cost may belong to, in the order its page, the costs list and their download name them
COST_OWNER_FIELDS = [("order", _("订单")), ("return_request", _("退换货")), ("inbound", _("入库单")), ("lot", _("遗留批次"))]


def cost_reference(pk: int) -> str:
    """How people name an extra cost: "#12" on the costs list and on statement lines; an adjustment's source takes it back."""
    return f"#{pk}"


class ExtraCost(StateMachine):
    """A cost recorded from the tariff; one recorded in error is voided (kept, with who, when and why), never deleted,
    and counts in no total or statement."""

    class State(models.TextChoices):
        RECORDED = "recorded", _("已记录")
        VOIDED = "voided", _("已作废")

    kind = models.CharField(_("费用类型"), max_length=20, choices=CostKind.choices)
    payer = models.CharField(_("承担方"), max_length=10, choices=Payer.choices)
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="extra_costs")
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    order = models.ForeignKey("points.RedemptionOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="extra_costs")
    return_request = models.ForeignKey("logistics.ReturnRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="extra_costs")
    inbound = models.ForeignKey("logistics.InboundShipment", null=True, blank=True, on_delete=models.PROTECT, related_name="extra_costs")
    lot = models.ForeignKey("logistics.LeftoverLot", null=True, blank=True, on_delete=models.PROTECT, related_name="extra_costs")
    fee_date = models.DateField(_("计费日期"), null=True, blank=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)  # in Chinese with its values, as statements copy it
    # a description the system wrote: its message id and values (core.texts), so that each reader gets it in its language
    description_id = models.CharField(_("说明消息"), max_length=300, blank=True)
    description_params = models.JSONField(_("说明参数"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = StateField(_("状态"), default=State.RECORDED, choices=State.choices, protected=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作废人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(_("作废原因"), max_length=300, blank=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier")

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = pgettext_lazy("one item", "额外费用")
        verbose_name_plural = _("额外费用")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="extra_cost_not_negative"),
            models.UniqueConstraint(fields=["lot", "kind", "fee_date"], condition=Q(lot__isnull=False, fee_date__isnull=False),
                                    name="storage_fee_once_per_lot_day"),
            # a lot is disposed of once, so charged for it once (a voided fee does not count)
            models.UniqueConstraint(fields=["lot"], condition=Q(kind="disposal", state="recorded"), name="disposal_fee_once_per_lot"),
        ]

    @property
    def reference(self) -> str:
        return cost_reference(self.pk)

    description_label = copy_label_of("description", "description_id", "description_params")

    def owners(self) -> list[CostOwner]:
        """What the cost belongs to (a return's cost also to the return's order), each named by its number (a lot by
        "#id"): the same on the cost's page, the costs list and its download (no query with them selected)."""
        found = []
        for attribute, label in COST_OWNER_FIELDS:
            owner = getattr(self, attribute)
            if owner is not None:
                found.append(CostOwner(attribute, str(label), owner, getattr(owner, "number", None) or f"#{owner.pk}"))
        return found

    @property
    def owners_text(self) -> str:
        """What the cost belongs to, in one line ("订单 RO… · 退换货 RR…")."""
        return " · ".join(str(owner) for owner in self.owners())

    @transition(field=state, source=State.RECORDED, target=State.VOIDED)
    def void(self, *, voided_at, voided_by, void_reason: str) -> None:
        self.voided_at = voided_at
        self.voided_by = voided_by
        self.void_reason = void_reason
