"""Returns and exchanges (SPEC §4.7)."""
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import transition

from core.models import StateField, StateMachine
from core.tenancy import ScopedManager, Visibility
from logistics.models.shipments import Shipment


class ReturnRequest(StateMachine):
    class State(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("return state", "已申请")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("已拒绝")
        RECEIVED = "received", _("已收货")
        INSPECTED = "inspected", _("已检验")
        REFUNDED = "refunded", _("已退款")
        EXCHANGED = "exchanged", _("已换货")
        REFUSED = "refused", _("检验不通过")

    #: The states from which the return may still net a delivery off (`refund` or `exchange` is reachable): booked, once
    #: closed, by the statement of the month it closes in (SPEC §4.11).
    OPEN = frozenset({State.REQUESTED, State.APPROVED, State.RECEIVED, State.INSPECTED})

    class Reason(models.TextChoices):
        UNUSED = "unused", _("七天无理由（未使用）")
        DEFECTIVE = "defective", _("质量问题")
        TRANSIT_DAMAGE = "transit_damage", _("运输破损")

    class Remedy(models.TextChoices):
        REFUND = "refund", _("退货退积分")
        EXCHANGE = "exchange", _("换货")

    class Outcome(models.TextChoices):
        RESELLABLE = "resellable", _("可再售")
        DEFECTIVE = "defective", _("质量问题")
        TRANSIT_DAMAGE = "transit_damage", _("运输破损")
        USED = "used", _("已使用（拒绝）")

    class Liable(models.TextChoices):
        NONE = "", _("无")
        SUPPLIER = "supplier", _("礼品商")
        LOGISTICS = "logistics", _("物流商")
        OPERATOR = "operator", _("运营方")

    number = models.CharField(_("退换货单号"), max_length=30, unique=True)
    order = models.ForeignKey("points.RedemptionOrder", on_delete=models.PROTECT, related_name="returns")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="returns")
    quantity = models.PositiveIntegerField(_("数量"))
    # what arrived, stated at receipt (1 … quantity): the return resolves for these units only, the others stay with
    # the member (`resolved_quantity`); None until received
    received_quantity = models.PositiveIntegerField(_("实收数量"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=20, choices=Reason.choices)
    remedy = models.CharField(_("诉求"), max_length=10, choices=Remedy.choices, default=Remedy.REFUND)
    description = models.TextField(_("说明"), blank=True)
    requested_at = models.DateTimeField(_("申请时间"))
    received_at = models.DateTimeField(_("收货时间"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("检验时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("完结时间"), null=True, blank=True)
    outcome = models.CharField(_("检验结论"), max_length=20, choices=Outcome.choices, blank=True)
    liable = models.CharField(_("责任方"), max_length=10, choices=Liable.choices, blank=True)
    # the delivery netted off on the supplier's statement (negative), computed when the outcome is recorded
    settlement_amount = models.DecimalField(_("冲减结算金额"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    refund_entry = models.OneToOneField("points.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # the return whose received units this one was split off (`split`), to be inspected on their own
    split_from = models.ForeignKey("self", verbose_name=_("拆自"), null=True, blank=True, on_delete=models.PROTECT, related_name="split_parts")
    state = StateField(_("状态"), default=State.REQUESTED, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", member="order__member")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = pgettext_lazy("one item", "退换货")
        verbose_name_plural = _("退换货")
        # the lists' order: a page walks it and reads its own returns only, however many there are; the state: the
        # staff's badge (`returns_waiting`) counts the few returns waiting among all those closed
        indexes = [models.Index(fields=["-requested_at", "-id"], name="return_newest_first"), models.Index(fields=["state"], name="return_state")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_quantity_positive"),
            models.CheckConstraint(condition=Q(settlement_amount__lte=0), name="return_settlement_not_positive"),
            models.CheckConstraint(
                condition=Q(received_quantity__isnull=True) | Q(received_quantity__gte=1, received_quantity__lte=F("quantity")),
                name="return_received_quantity_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def resolved_quantity(self) -> int:
        """The units the return is about: those received once receipt is recorded, the quantity asked for before."""
        return self.quantity if self.received_quantity is None else self.received_quantity

    @property
    def received_fewer(self) -> bool:
        """Receipt recorded fewer units than the return names: the others stayed with the member."""
        return self.received_quantity is not None and self.received_quantity < self.quantity

    @property
    def exchange_instead_of_refund(self) -> bool:
        """An exchange asked for and not turned down nor refunded instead: the member gets the gift again, not the points
        back."""
        return self.remedy == self.Remedy.EXCHANGE and self.state not in (self.State.REJECTED, self.State.REFUSED, self.State.REFUNDED)

    @property
    def refunded_instead_of_exchange(self) -> bool:
        """An exchange whose replacement never arrived, refunded instead (`refund_instead`)."""
        return self.remedy == self.Remedy.EXCHANGE and self.state == self.State.REFUNDED

    def _latest_parcel_failed(self, state: str, parcels) -> Shipment | None:
        """The latest of `parcels` (a related manager) when it failed and the return is in `state`, else None. Reads
        `parcels.all()`, so a list that prefetched them asks nothing more."""
        if self.state != state:
            return None
        latest = max(parcels.all(), key=lambda parcel: (parcel.created_at, parcel.pk), default=None)
        return latest if latest is not None and latest.state == Shipment.State.FAILED else None

    def failed_replacement(self) -> Shipment | None:
        """The exchange's latest replacement parcel when it failed (the return then waits for the operator), else None."""
        return self._latest_parcel_failed(self.State.EXCHANGED, self.replacement_shipments)

    def failed_send_back(self) -> Shipment | None:
        """The latest parcel taking refused goods back to the member when it failed (they are then sent again), else None."""
        return self._latest_parcel_failed(self.State.REFUSED, self.send_back_shipments)

    def replacement_failed(self) -> bool:
        """Guard of `reship_replacement` and `refund_instead`: at most one replacement is on its way at a time."""
        return self.failed_replacement() is not None

    def send_back_failed(self) -> bool:
        """Guard of `send_back_again`: at most one parcel back to the member is on its way at a time."""
        return self.failed_send_back() is not None

    @transition(field=state, source=State.REQUESTED, target=State.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=State.REQUESTED, target=State.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=state, source=State.APPROVED, target=State.RECEIVED)
    def receive(self, *, received_at, received_quantity: int) -> None:
        self.received_at = received_at
        self.received_quantity = received_quantity

    @transition(field=state, source=State.RECEIVED, target=State.RECEIVED)
    def split(self, *, quantity: int) -> None:
        """`quantity` of the units received leave for a new return split off this one (`split_from`), inspected on
        their own: this one names and holds that many fewer (any units never received stay its own)."""
        self.received_quantity = self.resolved_quantity - quantity
        self.quantity -= quantity

    @transition(field=state, source=State.RECEIVED, target=State.INSPECTED)
    def inspect(self, *, outcome: str, liable: str, inspected_at) -> None:
        self.outcome = outcome
        self.liable = liable
        self.inspected_at = inspected_at

    @transition(field=state, source=State.INSPECTED, target=State.REFUNDED)
    def refund(self, *, settlement_amount, refund_entry, closed_at) -> None:
        self.settlement_amount = settlement_amount
        self.refund_entry = refund_entry
        self.closed_at = closed_at

    @transition(field=state, source=State.INSPECTED, target=State.EXCHANGED)
    def exchange(self, *, settlement_amount, closed_at) -> None:
        self.settlement_amount = settlement_amount
        self.closed_at = closed_at

    @transition(field=state, source=State.INSPECTED, target=State.REFUSED)
    def refuse(self, *, closed_at) -> None:
        self.closed_at = closed_at

    @transition(field=state, source=State.REFUSED, target=State.REFUSED, conditions=[send_back_failed])
    def send_back_again(self) -> None:
        """The parcel taking refused goods back to the member failed: a new one is made (logged with who and why)."""

    @transition(field=state, source=State.EXCHANGED, target=State.EXCHANGED, conditions=[replacement_failed])
    def reship_replacement(self) -> None:
        """The exchange's replacement failed: another one is shipped (logged with who and why)."""

    @transition(field=state, source=State.EXCHANGED, target=State.REFUNDED, conditions=[replacement_failed])
    def refund_instead(self, *, refund_entry) -> None:
        """The exchange's replacement failed: the points are refunded instead of shipping another. The original delivery
        stays netted off as the exchange stored it (`settlement_amount`, booked at `closed_at`)."""
        self.refund_entry = refund_entry


def resolved_units(path: str = "") -> Coalesce:
    """`ReturnRequest.resolved_quantity` in a query, of the returns reached through `path` (e.g. "returns__")."""
    return Coalesce(F(f"{path}received_quantity"), F(f"{path}quantity"))


def evidence_path(evidence: "ReturnEvidence", name: str) -> str:
    """returns/<return>/<random>/<name>: each file in a folder of its own keeps the name it was sent with (checked and
    given the extension of what it is), and its address can not be guessed from another's."""
    return f"returns/{evidence.return_request_id}/{uuid.uuid4().hex}/{name}"


class ReturnEvidence(models.Model):
    """A picture or PDF of a return's goods: sent by the member with the request, by the supplier's staff when a dropship
    return arrives, or by the inspector. Served only through a view that first checks the caller may see the return."""

    class Stage(models.TextChoices):
        REQUEST = "request", _("会员申请")
        RECEIPT = "receipt", _("收货登记")
        INSPECTION = "inspection", _("检验")

    # kept as every record of a return is (PROTECT): deleting the return never takes its evidence with it
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.PROTECT, related_name="evidence")
    stage = models.CharField(_("环节"), max_length=12, choices=Stage.choices)
    file = models.FileField(_("凭证文件"), upload_to=evidence_path, max_length=200)
    # what the upload's content was found to be (core.files.check_document), not what its name says
    content_type = models.CharField(_("文件类型"), max_length=40)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:  # seen by whoever sees its return (returns.list_evidence)
        ordering = ["uploaded_at", "id"]
        verbose_name = _("退换货凭证")
        verbose_name_plural = _("退换货凭证")

    def __str__(self) -> str:
        return self.file.name

    @property
    def is_picture(self) -> bool:
        """Shown as a picture: its content was found to be one at upload."""
        return self.content_type.startswith("image/")
