"""Monthly statements (结算单, SPEC §4.11): one per supplier and month, with immutable versions and claimed lines."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django_fsm import transition

from core.models import StateField, StateMachine
from core.roles import Role
from core.tenancy import ScopedManager, Visibility

ZERO = Decimal("0.00")
MONEY = {"max_digits": 16, "decimal_places": 2}
#: who reads every supplier's statements, reconciliations and adjustments (a supplier's users read their own): finance,
#: which runs settlement, and operators
SETTLEMENT_STAFF = frozenset({Role.FINANCE, Role.OPERATOR})


def _payable_positive(statement: "Statement") -> bool:
    return statement.payable > 0


def _nothing_payable(statement: "Statement") -> bool:
    return statement.payable <= 0


def _is_receivable(statement: "Statement") -> bool:
    return statement.receivable


def _owed_but_not_receivable(statement: "Statement") -> bool:
    return statement.payable < 0 and not statement.receivable


class Statement(StateMachine):
    """`draft → issued → confirmed | disputed`, `disputed → issued` (version n+1), `confirmed → invoiced → approved → paid`,
    `confirmed → closed` when nothing is payable, `closed → collected` when a receivable of a terminated supplier is
    collected."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已下发")
        CONFIRMED = "confirmed", _("已确认")
        DISPUTED = "disputed", _("有异议")
        INVOICED = "invoiced", _("已开票")
        APPROVED = "approved", _("已审批付款")
        PAID = "paid", _("已付款")
        CLOSED = "closed", _("已关闭")
        COLLECTED = "collected", _("应收已收回")

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="statements")
    month = models.DateField(_("结算月份"), help_text=_("the first day of the month"))
    version = models.PositiveIntegerField(_("当前版本"), default=1)
    # the current version's payable, mirrored here for lists, filters and the chart
    payable = models.DecimalField(_("应付金额"), default=ZERO, **MONEY)
    generated_at = models.DateTimeField(_("生成时间"))
    issued_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    # who issued the current version, who approved the payment and who paid: three steps, never one person's two
    # in a row (the approver is not the issuer, the payer not the approver; also CHECK constraints)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    deemed_confirmed = models.BooleanField(_("逾期视同确认"), default=False)
    dispute_reason = models.TextField(_("异议说明"), blank=True)
    invoice_number = models.CharField(_("发票号码"), max_length=40, blank=True)
    invoice_amount = models.DecimalField(_("发票金额"), null=True, blank=True, **MONEY)
    invoiced_at = models.DateTimeField(_("开票登记时间"), null=True, blank=True)
    # the contract's payment term when the invoice was entered, and the day the payment falls due (none without a contract)
    payment_days = models.PositiveSmallIntegerField(_("付款账期（天）"), null=True, blank=True)
    payment_due_on = models.DateField(_("付款到期日"), null=True, blank=True)
    payment_approved_at = models.DateTimeField(_("付款审批时间"), null=True, blank=True)
    payment_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+")
    payment_reference = models.CharField(_("付款凭证号"), max_length=60, blank=True)
    payment_date = models.DateField(_("付款日期"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # a negative payable of a terminated supplier is owed by the supplier instead of carried forward
    receivable = models.BooleanField(_("转为应收"), default=False)
    # the receivable's collection: the bank reference of the supplier's payment, its date and who recorded it
    collection_reference = models.CharField(_("收款凭证号"), max_length=60, blank=True)
    collection_date = models.DateField(_("收款日期"), null=True, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # what the supplier has paid of its receivable so far, the sum of its payments (ReceivablePayment): never more than
    # it owes (-payable), whole once collected
    collected_amount = models.DecimalField(_("已收回金额"), default=ZERO, **MONEY)
    state = StateField(_("状态"), default=State.DRAFT, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=SETTLEMENT_STAFF)

    class Meta:
        ordering = ["-month", "supplier_id"]
        verbose_name = pgettext_lazy("one item", "结算单")
        verbose_name_plural = _("结算单")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "month"], name="one_statement_per_supplier_month"),
            models.UniqueConstraint(fields=["supplier", "invoice_number"], condition=~models.Q(invoice_number=""),
                                    name="one_statement_per_supplier_invoice"),
            models.CheckConstraint(condition=Q(payment_approved_by__isnull=True) | Q(issued_by__isnull=True)
                                   | ~Q(payment_approved_by=F("issued_by")), name="statement_payment_approver_is_not_issuer"),
            models.CheckConstraint(condition=Q(paid_by__isnull=True) | Q(payment_approved_by__isnull=True)
                                   | ~Q(paid_by=F("payment_approved_by")), name="statement_payer_is_not_payment_approver"),
            models.CheckConstraint(condition=Q(collected_amount=0) | Q(receivable=True, collected_amount__gt=0,
                                                                       collected_amount__lte=F("payable") * -1),
                                   name="statement_collected_within_receivable"),
        ]
        indexes = [models.Index(fields=["state", "issued_at"]), models.Index(fields=["month", "state"])]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.month:%Y-%m} v{self.version}"

    @property
    def receivable_amount(self) -> Decimal | None:
        """What a receivable's supplier owes in all (its negative payable, as a positive amount); None for a statement
        that is none."""
        return -self.payable if self.receivable else None

    @property
    def outstanding(self) -> Decimal | None:
        """What a receivable still owes (its amount less what was collected); None for a statement that is none."""
        return self.receivable_amount - self.collected_amount if self.receivable else None

    @transition(field=state, source=State.DRAFT, target=State.ISSUED)
    def issue(self, *, issued_at, issued_by) -> None:
        self.issued_at, self.issued_by = issued_at, issued_by

    @transition(field=state, source=State.ISSUED, target=State.CONFIRMED)
    def confirm(self, *, confirmed_at, deemed: bool = False) -> None:
        self.confirmed_at = confirmed_at
        self.deemed_confirmed = deemed

    @transition(field=state, source=State.ISSUED, target=State.DISPUTED)
    def dispute(self, *, dispute_reason: str) -> None:
        self.dispute_reason = dispute_reason

    @transition(field=state, source=State.DISPUTED, target=State.ISSUED)
    def reissue(self, *, version: int, payable: Decimal, issued_at, issued_by) -> None:
        self.version, self.payable, self.issued_at, self.issued_by = version, payable, issued_at, issued_by

    @transition(field=state, source=State.CONFIRMED, target=State.INVOICED, conditions=[_payable_positive])
    def invoice(self, *, number: str, amount: Decimal, invoiced_at, payment_days: int | None = None, payment_due_on=None) -> None:
        self.invoice_number, self.invoice_amount, self.invoiced_at = number, amount, invoiced_at
        self.payment_days, self.payment_due_on = payment_days, payment_due_on

    @transition(field=state, source=State.INVOICED, target=State.INVOICED)
    def correct_invoice(self, *, number: str) -> None:
        self.invoice_number = number

    @transition(field=state, source=State.INVOICED, target=State.APPROVED)
    def approve_payment(self, *, approved_at, approved_by) -> None:
        self.payment_approved_at, self.payment_approved_by = approved_at, approved_by

    @transition(field=state, source=State.APPROVED, target=State.PAID)
    def pay(self, *, reference: str, paid_on, paid_by) -> None:
        self.payment_reference, self.payment_date, self.paid_by = reference, paid_on, paid_by

    @transition(field=state, source=State.CONFIRMED, target=State.CLOSED, conditions=[_nothing_payable])
    def close(self, *, closed_at, receivable: bool) -> None:
        self.closed_at, self.receivable = closed_at, receivable

    @transition(field=state, source=State.CLOSED, target=State.CLOSED, conditions=[_owed_but_not_receivable])
    def owe(self) -> None:
        """A closed negative payable no later statement carried, once its supplier is terminated."""
        self.receivable = True

    @transition(field=state, source=State.CLOSED, target=State.CLOSED, conditions=[_is_receivable])
    def record_part_payment(self, *, amount: Decimal) -> None:
        """A payment short of what the receivable still owes: it stays closed, owing the rest."""
        self.collected_amount += amount

    @transition(field=state, source=State.CLOSED, target=State.COLLECTED, conditions=[_is_receivable])
    def record_collection(self, *, reference: str, collected_on, collected_by, amount: Decimal) -> None:
        """The payment of all the receivable still owes (the last of its payments)."""
        self.collection_reference, self.collection_date, self.collected_by = reference, collected_on, collected_by
        self.collected_amount += amount


class ReceivablePayment(models.Model):
    """One payment a terminated supplier made towards its receivable (a statement closed as one), as finance recorded
    it: the amount, the day it was received and the bank reference; its statement's `collected_amount` sums them."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="receivable_payments")
    amount = models.DecimalField(_("收款金额"), **MONEY)
    received_on = models.DateField(_("收款日期"))
    reference = models.CharField(_("收款凭证号"), max_length=60)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"))

    objects = ScopedManager()
    visibility = Visibility(supplier="statement__supplier", staff=SETTLEMENT_STAFF)

    class Meta:
        ordering = ["statement_id", "recorded_at", "id"]
        verbose_name = _("应收收款")
        verbose_name_plural = _("应收收款")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="receivable_payment_positive")]

    def __str__(self) -> str:
        return f"{self.statement} · {self.amount} {self.reference}"


class StatementVersion(models.Model):
    """What one version of a statement says; frozen once issued (its lines are the statement's lines up to `number`)."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    deliveries = models.DecimalField(_("配送结算"), default=ZERO, **MONEY)
    returns = models.DecimalField(_("退货冲减"), default=ZERO, **MONEY)
    extra_costs = models.DecimalField(_("额外费用"), default=ZERO, **MONEY)
    adjustments = models.DecimalField(_("调账"), default=ZERO, **MONEY)
    carried_forward = models.DecimalField(_("上期结转"), default=ZERO, **MONEY)
    payable = models.DecimalField(_("应付金额"), default=ZERO, **MONEY)
    line_count = models.PositiveIntegerField(_("明细行数"), default=0)
    created_at = models.DateTimeField(_("生成时间"))
    issued_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # why this version was issued (a version after a dispute prints it with the version it supersedes)
    reason = models.TextField(_("下发说明"), blank=True)
    # the bank account this version pays, snapshotted at issue (approved at least 7 days before)
    bank_account = models.ForeignKey("suppliers.BankAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    account_name = models.CharField(_("账户名称"), max_length=200, blank=True)
    account_number = models.CharField(_("银行账号"), max_length=40, blank=True)
    # issued as a receivable (a terminated supplier's negative payable, owed to the platform), and the platform's receiving
    # account it is to be paid to (RECEIVABLE_PAY_TO, "" when none was configured), snapshotted at issue for its PDF
    owed = models.BooleanField(_("应收（礼品商付还平台）"), default=False)
    pay_to = models.TextField(_("付款至"), blank=True)
    pdf = models.FileField(_("结算单PDF"), upload_to="statements/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    #: when its PDF was last queued to be rendered by a task (a large version at issue, or again: core.jobs)
    pdf_queued_at = models.DateTimeField(_("PDF 排队时间"), null=True, blank=True)
    #: when the task rendering its PDF last gave up, after its retries (cleared when queued again or stored), and why
    pdf_failed_at = models.DateTimeField(_("PDF 生成失败时间"), null=True, blank=True)
    pdf_error = models.CharField(_("PDF 生成错误"), max_length=500, blank=True)
    #: how many times beat has queued its render again (core.jobs); at LEFT_BEHIND_REQUEUES it stops, the version left
    #: failed until finance queues it again from the statement page (which starts the count again)
    pdf_requeues = models.PositiveSmallIntegerField(_("PDF 重新排队次数"), default=0)

    objects = ScopedManager()
    visibility = Visibility(supplier="statement__supplier", staff=SETTLEMENT_STAFF)

    class Meta:
        ordering = ["statement_id", "number"]
        verbose_name = pgettext_lazy("one item", "结算单版本")
        verbose_name_plural = _("结算单版本")
        constraints = [models.UniqueConstraint(fields=["statement", "number"], name="one_row_per_statement_version")]

    def __str__(self) -> str:
        return f"{self.statement} · v{self.number}"

    @property
    def sections(self) -> dict[str, Decimal]:
        return {section: getattr(self, field) for section, field in SECTION_TOTALS.items()}

    @property
    def pdf_status(self) -> str:
        """"stored"; "rendering" (issued, its PDF queued); "failed" (its render gave up, and is tried again: core.jobs);
        "" before issue."""
        if self.pdf:
            return "stored"
        if self.issued_at is None:
            return ""
        return "failed" if self.pdf_failed_at else "rendering"

    @property
    def pdf_retried(self) -> bool:
        """Whether beat still queues the failed render again (see statement_pdfs.requeue_left_behind): False once it
        did so LEFT_BEHIND_REQUEUES times, the render then left to finance's 重新生成 PDF."""
        from django.conf import settings

        return self.pdf_requeues < settings.LEFT_BEHIND_REQUEUES


class Section(models.TextChoices):
    DELIVERY = "delivery", _("配送结算")
    RETURN = "return", _("退货冲减")
    EXTRA_COST = "extra_cost", _("额外费用")
    ADJUSTMENT = "adjustment", _("调账")
    CARRIED_FORWARD = "carried_forward", _("上期结转")


#: The version field that totals each section.
SECTION_TOTALS = {
    Section.DELIVERY: "deliveries", Section.RETURN: "returns", Section.EXTRA_COST: "extra_costs",
    Section.ADJUSTMENT: "adjustments", Section.CARRIED_FORWARD: "carried_forward",
}


#: The sections whose lines count something (goods delivered or returned, units an extra cost is charged for); an
#: adjustment or a carried-forward payable has no quantity, and its quantity column is left blank.
COUNTED_SECTIONS = frozenset({Section.DELIVERY, Section.RETURN, Section.EXTRA_COST})


def counted_quantity(section: str, quantity: int) -> int | None:
    """The quantity as a number (a download's cell a spreadsheet sums), none on a line that counts nothing."""
    return quantity if section in COUNTED_SECTIONS else None


def shown_quantity(section: str, quantity: int) -> str:
    """The quantity as a statement prints it: blank on a line that counts nothing."""
    counted = counted_quantity(section, quantity)
    return "" if counted is None else str(counted)


class SourceKind(models.TextChoices):
    ORDER = "order", _("兑换订单")
    REPLACEMENT = "replacement", _("换货发货")
    RETURN = "return", _("退换货")
    EXTRA_COST = "extra_cost", _("额外费用")
    ADJUSTMENT = "adjustment", _("调账")
    STATEMENT = "statement", _("上期结算单")


class Reference(models.TextChoices):
    """What an extra-cost line belongs to besides an order: `StatementLine.reference` is "<kind> <number>"."""

    INBOUND = "inbound", _("入库单")
    LOT = "lot", _("遗留批次")
    RETURN = "return", _("退换货")


class StatementLine(models.Model):
    """One event claimed by a statement. The unique (source_kind, source_id) is the claim: no event is counted twice."""

    # indexed by (statement, version, section) below; a second index would only slow the claims down
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines", db_index=False)
    version = models.PositiveIntegerField(_("首次出现的版本"), default=1)
    section = models.CharField(_("部分"), max_length=20, choices=Section.choices)
    source_kind = models.CharField(_("来源类型"), max_length=20, choices=SourceKind.choices)
    source_id = models.BigIntegerField(_("来源编号"))
    order_number = models.CharField(_("订单号"), max_length=30, blank=True)
    sku = models.CharField(_("SKU"), max_length=60, blank=True)
    quantity = models.IntegerField(_("数量"), default=0)
    amount = models.DecimalField(_("金额"), **MONEY)
    recorded_at = models.DateTimeField(_("记录时间"))
    contact = models.CharField(_("联系电话"), max_length=20, blank=True)  # masked when claimed
    description = models.CharField(_("说明"), max_length=300, blank=True)
    # an extra cost's owner other than its order ("inbound IB…", "lot 12", "return RR…") and the cost's own description
    reference = models.CharField(_("所属"), max_length=40, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    # the text the system wrote that the line copies in Chinese (an extra cost's description, in `note`; an adjustment's
    # reason, in `description`): its message id and values, copied with it, so that each reader gets it in its language
    # (settlement.pdf.describe); empty for a text a person typed, which reads as typed
    message_id = models.CharField(_("说明消息"), max_length=300, blank=True)
    message_params = models.JSONField(_("说明参数"), null=True, blank=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="statement__supplier", staff=SETTLEMENT_STAFF)

    class Meta:
        ordering = ["statement_id", "section", "recorded_at", "id"]
        verbose_name = pgettext_lazy("one item", "结算明细")
        verbose_name_plural = _("结算明细")
        constraints = [models.UniqueConstraint(fields=["source_kind", "source_id"], name="event_claimed_once")]
        indexes = [models.Index(fields=["statement", "version", "section"]), models.Index(fields=["order_number", "sku"])]

    def __str__(self) -> str:
        return f"{self.get_section_display()} {self.order_number or self.description} {self.amount}"

    @property
    def shown_quantity(self) -> str:
        return shown_quantity(self.section, self.quantity)

    @property
    def counted_quantity(self) -> int | None:
        return counted_quantity(self.section, self.quantity)

    @property
    def line_kind(self) -> str:
        """The kind a supplier's own statement names the line by (delivery, replacement, return), or ''."""
        return LINE_KINDS.get(self.source_kind, "")


#: Source kinds a supplier's reconciliation file names lines by.
LINE_KINDS = {SourceKind.ORDER: "delivery", SourceKind.REPLACEMENT: "replacement", SourceKind.RETURN: "return"}


class GenerationRun(models.Model):
    """One generation of a month's statements, with its progress for the finance page."""

    class Status(models.TextChoices):
        RUNNING = "running", _("生成中")
        FINISHED = "finished", _("已完成")
        FAILED = "failed", _("失败")

    month = models.DateField(_("结算月份"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    suppliers_total = models.PositiveIntegerField(_("礼品商总数"), default=0)
    suppliers_done = models.PositiveIntegerField(_("已完成礼品商"), default=0)
    statements_created = models.PositiveIntegerField(_("新建结算单"), default=0)
    lines_claimed = models.PositiveIntegerField(_("入账明细"), default=0)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(_("错误"), blank=True)
    #: the last sign of life of the work: a worker starting it or finishing a chunk, or it being queued again (core.jobs)
    progressed_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(_("重新排队次数"), default=0)

    objects = ScopedManager()
    visibility = Visibility(staff=frozenset({"finance"}))

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = pgettext_lazy("one item", "结算单生成")
        verbose_name_plural = _("结算单生成")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        """How far the run is; 0 while no worker has counted its suppliers yet (queued), 100 for a finished run of none."""
        if not self.suppliers_total:
            return 0 if self.status == self.Status.RUNNING else 100
        return round(100 * self.suppliers_done / self.suppliers_total)
