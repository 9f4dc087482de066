"""The gift catalog (礼品数据管理, SPEC §4.2): gifts, their per-program points prices and their FSM."""
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from core.models import Program, StateField, StateMachine, Tier
from core.tenancy import ScopedManager, Visibility


class Category(models.Model):
    """A kind of gift (operators maintain them: `suppliers.services.categories`), named in Chinese and, for English
    pages, in English; the product certificates its gifts need."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    required_certificates = models.JSONField(
        _("所需产品资质"), default=list, blank=True, help_text=_("该类礼品须具备的证书种类，如 [\"3C\"]")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("礼品类别")
        verbose_name_plural = _("礼品类别")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: the English name on English pages when there is one."""
        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name


class Gift(StateMachine):
    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已审核")
        REJECTED = "rejected", _("已驳回")
        ONLINE = "online", _("已上线")
        OFFLINE = "offline", _("已下线")
        CLEARANCE = "clearance", _("清仓促销")
        RETIRED = "retired", _("已退市")

    class Fulfilment(models.TextChoices):
        WAREHOUSE = "warehouse", _("物流仓发货")
        DROPSHIP = "dropship", _("礼品商直发")

    class DelistReason(models.TextChoices):
        SUPPLIER_REQUEST = "supplier_request", _("礼品商申请")
        LOW_SALES = "low_sales", _("销量低")
        QUALITY = "quality", _("质量问题")
        QUALIFICATION_EXPIRED = "qualification_expired", _("资质过期")
        SUPPLIER_SUSPENDED = "supplier_suspended", _("礼品商暂停")
        OTHER = "other", _("其他")

    #: the reasons only the system delists for (SPEC §4.1): an operator or supplier never gives them
    SYSTEM_DELIST_REASONS = frozenset({DelistReason.QUALIFICATION_EXPIRED, DelistReason.SUPPLIER_SUSPENDED})

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="gifts")
    sku = models.CharField(_("SKU"), max_length=60)
    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("描述"), blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="gifts", verbose_name=_("类别"))
    images = models.JSONField(_("图片"), default=list, blank=True)
    specification = models.TextField(_("规格"), blank=True)
    warranty_text = models.TextField(_("保修说明"), blank=True)
    market_price = models.DecimalField(_("市场价"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    settlement_price = models.DecimalField(_("结算价"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    fulfilment = models.CharField(_("履约方式"), max_length=10, choices=Fulfilment.choices, default=Fulfilment.WAREHOUSE)
    min_tier = models.CharField(_("最低会员等级"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    tier_discounts = models.JSONField(_("等级积分折扣（%）"), default=dict, blank=True, help_text=_("仅适用于全球通价格，如 {\"gold\": 5}"))
    state = StateField(_("状态"), default=State.DRAFT, choices=State.choices, protected=True)
    delist_reason = models.CharField(_("下线原因"), max_length=30, choices=DelistReason.choices, blank=True)
    clearance_points_price = models.PositiveIntegerField(_("清仓积分价"), null=True, blank=True)
    clearance_settlement_price = models.DecimalField(_("清仓结算价"), max_digits=12, decimal_places=2, null=True, blank=True)
    publish_at = models.DateTimeField(_("计划上线时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier")

    class Meta:
        ordering = ["id"]
        verbose_name = _("礼品")
        verbose_name_plural = _("礼品")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "sku"], name="gift_sku_unique_per_supplier"),
            models.CheckConstraint(condition=Q(settlement_price__gte=0) & Q(market_price__gte=0), name="gift_prices_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def clearance_allowed(self) -> bool:
        return self.delist_reason in {self.DelistReason.SUPPLIER_REQUEST, self.DelistReason.LOW_SALES}

    def supplier_offers(self) -> bool:
        return self.supplier.offers_gifts()

    def supplier_submits(self) -> bool:
        return self.supplier.submits_gifts()

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED, conditions=[supplier_submits])
    def submit(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED, conditions=[supplier_offers])
    def approve(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=state, source=State.REJECTED, target=State.DRAFT)
    def rework(self) -> None:
        pass

    @transition(field=state, source=State.APPROVED, target=State.ONLINE, conditions=[supplier_offers])
    def publish(self) -> None:
        self.publish_at = None

    @transition(field=state, source=State.APPROVED, target=State.APPROVED, conditions=[supplier_offers])
    def schedule_publication(self, *, publish_at) -> None:
        """Not a change of state: the time the approved gift goes online by itself, logged with who set it."""
        self.publish_at = publish_at

    def has_schedule(self) -> bool:
        return self.publish_at is not None

    @transition(field=state, source=State.APPROVED, target=State.APPROVED, conditions=[has_schedule])
    def cancel_schedule(self) -> None:
        """Not a change of state: the gift stays approved without a time to go online."""
        self.publish_at = None

    @transition(field=state, source=State.ONLINE, target=State.OFFLINE)
    def delist(self, *, reason_code: str) -> None:
        self.delist_reason = reason_code

    @transition(field=state, source=State.OFFLINE, target=State.SUBMITTED, conditions=[supplier_submits])
    def request_relisting(self) -> None:
        self.delist_reason = ""

    @transition(field=state, source=State.OFFLINE, target=State.CLEARANCE, conditions=[clearance_allowed, supplier_offers])
    def start_clearance(self, *, points_price: int, settlement_price: Decimal) -> None:
        self.clearance_points_price = points_price
        self.clearance_settlement_price = settlement_price

    @transition(field=state, source=[State.OFFLINE, State.CLEARANCE], target=State.RETIRED)
    def retire(self) -> None:
        pass

    @transition(field=state, source="+", target=State.RETIRED)
    def retire_on_termination(self) -> None:
        pass

    @transition(field=state, source=State.CLEARANCE, target=State.OFFLINE)
    def withdraw_clearance(self, *, reason_code: str) -> None:
        """System: a clearance gift goes offline (supplier suspended, qualification expired)."""
        self.delist_reason = reason_code

    @transition(field=state, source=State.RETIRED, target=State.CLEARANCE)
    def clear_leftovers(self, *, points_price: int, settlement_price: Decimal) -> None:
        self.clearance_points_price = points_price
        self.clearance_settlement_price = settlement_price


class GiftPrice(models.Model):
    """The points price of a gift in one program (GoTone, M-Zone or both)."""

    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="prices")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    points_price = models.PositiveIntegerField(_("积分价"), validators=[MinValueValidator(1)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gift", "program"], name="gift_price_once_per_program"),
            models.CheckConstraint(condition=Q(points_price__gt=0), name="gift_points_price_positive"),
        ]
