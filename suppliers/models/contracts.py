"""Contracts (合同), qualifications (资质) and reviewed profile changes (信息资料管理), SPEC §4.1."""
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django_fsm import transition

from core.masking import mask_account_number
from core.models import LatestLog, Program, StateField, StateMachine, logs_relation
from core.roles import SUPPLIER_REVIEWERS
from core.tenancy import ScopedManager, ScopedQuerySet, Visibility
from core.texts import Message, label_message, stored, written

BANK_ACCOUNT_WAITING_DAYS = 7


class Contract(StateMachine):
    class State(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已生效")
        REJECTED = "rejected", _("已驳回")

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("合同编号"), max_length=60)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    programs = models.ManyToManyField(Program, related_name="+", verbose_name=_("服务的积分计划"))
    payment_days = models.PositiveSmallIntegerField(_("付款账期（天）"))
    deposit_amount = models.DecimalField(
        _("履约保证金"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    file = models.FileField(_("合同文件"), upload_to="contracts/", blank=True)
    state = StateField(_("状态"), default=State.PENDING, choices=State.choices, protected=True)
    created_at = models.DateTimeField(_("创建时间"))
    transition_logs = logs_relation()

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=SUPPLIER_REVIEWERS)  # not logistics (SPEC §4.13)
    rejection = LatestLog("reject", state=State.REJECTED)  # the operator's reason, who and when

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="contract_number_unique"),  # the operator numbers them all
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="contract_ends_after_it_starts"),
            models.CheckConstraint(condition=Q(deposit_amount__gte=0), name="contract_deposit_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    @transition(field=state, source=State.PENDING, target=State.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=State.PENDING, target=State.REJECTED)
    def reject(self) -> None:
        pass


class QualificationQuerySet(ScopedQuerySet):
    def current_on(self, on: date) -> "QualificationQuerySet":
        """Those whose validity covers `on` (issued by then and not yet expired), whether reviewed or not."""
        return self.filter(issued_on__lte=on, expires_on__gte=on)

    def valid_on(self, on: date) -> "QualificationQuerySet":
        """Those that count on `on`: approved by an operator (Qualification.COUNTED) and current that day."""
        return self.current_on(on).filter(Qualification.COUNTED)


class Qualification(StateMachine):
    """A business licence or a product certificate, valid until `expires_on`; a renewal is a new row. One a supplier
    uploads counts (for activation, gift submissions and the expiry sweep) only once an operator approves it:
    `pending → approved | rejected`; one an operator records from the papers it received is approved as it is made."""

    class Kind(models.TextChoices):
        BUSINESS_LICENCE = "business_licence", _("营业执照")
        PRODUCT_CERTIFICATE = "product_certificate", _("产品资质证书")

    class State(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已驳回")

    #: the ones that count, and have an expiry status, warned of and acted on as they expire: the approved ones (an
    #: upload waiting for review, or one rejected, counts for nothing: its review state says how it stands)
    COUNTED = Q(state=State.APPROVED)

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="qualifications")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    certificate_type = models.CharField(_("证书种类"), max_length=40, blank=True, help_text=_("如 3C、食品生产许可"))
    number = models.CharField(_("证书编号"), max_length=60)
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"))
    file = models.FileField(_("证书文件"), upload_to="qualifications/")
    uploaded_at = models.DateTimeField(_("上传时间"))
    warned_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    expiry_handled_at = models.DateTimeField(_("过期处理时间"), null=True, blank=True)
    state = StateField(_("审核状态"), default=State.PENDING, choices=State.choices, protected=True)
    transition_logs = logs_relation()

    objects = models.Manager.from_queryset(QualificationQuerySet)()
    visibility = Visibility(supplier="supplier", staff=SUPPLIER_REVIEWERS)  # not logistics (SPEC §4.13)
    rejection = LatestLog("reject", state=State.REJECTED)  # the operator's reason, who and when

    class Meta:
        ordering = ["kind", "certificate_type", "-expires_on"]
        verbose_name = pgettext_lazy("one item", "资质")
        verbose_name_plural = _("资质")
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("issued_on")), name="qualification_expires_after_issue"),
            models.CheckConstraint(
                condition=Q(kind="business_licence") | ~Q(certificate_type=""), name="product_certificate_has_type"
            ),
        ]

    def __str__(self) -> str:
        return written(*stored(self.described()))

    def described(self) -> Message:
        """How notices and histories name it: its kind in each reader's language, its certificate and number as typed."""
        kind = label_message(self.Kind(self.kind).label)
        if self.certificate_type:
            return Message("%(kind)s %(certificate_type)s %(number)s", kind=kind, certificate_type=self.certificate_type, number=self.number)
        return Message("%(kind)s %(number)s", kind=kind, number=self.number)

    @transition(field=state, source=State.PENDING, target=State.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=State.PENDING, target=State.REJECTED)
    def reject(self) -> None:
        pass


class BankAccount(models.Model):
    """An approved bank account; usable for payment from `BANK_ACCOUNT_WAITING_DAYS` after approval."""

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="bank_accounts")
    bank_name = models.CharField(_("开户行"), max_length=100)
    account_name = models.CharField(_("户名"), max_length=200)
    account_number = models.CharField(_("账号"), max_length=40)
    approved_at = models.DateTimeField(_("审核通过时间"))

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=SUPPLIER_REVIEWERS)

    class Meta:
        ordering = ["-approved_at", "-id"]
        verbose_name = _("收款账户")
        verbose_name_plural = _("收款账户")

    def __str__(self) -> str:
        return f"{self.bank_name} {mask_account_number(self.account_number)}"

    def usable_from(self) -> datetime:
        return self.approved_at + timedelta(days=BANK_ACCOUNT_WAITING_DAYS)


class ProfileChange(StateMachine):
    """A requested change of bank account, legal name or credit code, reviewed by an operator; or of the contact person,
    the address or the SMS setting, which need no review and are approved as they are made (kept here all the same, as
    the profile's history)."""

    class Field(models.TextChoices):
        BANK_ACCOUNT = "bank_account", _("收款账户")
        LEGAL_NAME = "legal_name", _("企业名称")
        CREDIT_CODE = "credit_code", _("统一社会信用代码")
        CONTACT = "contact", _("联系人")
        ADDRESS = "address", _("地址")
        SMS_NOTICES = "sms_notices", _("短信通知")

    #: the changes no operator reviews: approved as they are made, by the supplier's user who makes them
    APPLIED_AS_MADE = frozenset({Field.CONTACT, Field.ADDRESS, Field.SMS_NOTICES})

    class State(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="profile_changes")
    field = models.CharField(_("变更项"), max_length=20, choices=Field.choices)
    old_value = models.JSONField(_("原值"), default=dict)
    new_value = models.JSONField(_("新值"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    #: what the reviewing operator checks the new value against: the account-opening permit or bank proof of a bank
    #: account, the new business licence of a legal name or credit code (none on changes needing no review)
    evidence = models.FileField(_("证明文件"), upload_to="profile_changes/", blank=True, null=True)
    state = StateField(_("状态"), default=State.PENDING, choices=State.choices, protected=True)
    transition_logs = logs_relation()

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=SUPPLIER_REVIEWERS)
    rejection = LatestLog("reject", state=State.REJECTED)  # the operator's reason, who and when
    approval = LatestLog("approve", state=State.APPROVED)  # who approved it and when

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("资料变更")
        verbose_name_plural = _("资料变更")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "field"], condition=Q(state="pending"), name="one_pending_change_per_field")
        ]

    @property
    def reviewed(self) -> bool:
        """Whether an operator decides the change (bank account, legal name, credit code), not one applied as made."""
        return self.field not in self.APPLIED_AS_MADE

    @property
    def decision(self):
        """The approval or rejection (who, when, why) of a decided change, None while pending or once withdrawn; a list
        reads them with its `approval` and `rejection` prefetches."""
        return self.approval or self.rejection

    @transition(field=state, source=State.PENDING, target=State.APPROVED)
    def approve(self, *, decided_at) -> None:
        self.decided_at = decided_at

    @transition(field=state, source=State.PENDING, target=State.REJECTED)
    def reject(self, *, decided_at) -> None:
        self.decided_at = decided_at

    @transition(field=state, source=State.PENDING, target=State.WITHDRAWN)
    def withdraw(self, *, decided_at) -> None:
        self.decided_at = decided_at
