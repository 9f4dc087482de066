"""Defective units going back to their supplier (退回礼品商, SPEC §4.7): a warehouse return inspected as defective
leaves its units written off at the warehouse and owed back to the supplier, whether the member was refunded or sent
a replacement. Logistics staff dispatch them (a carrier and tracking number, or collected by the supplier at the
warehouse); the supplier's users confirm receipt, or object with a note, after which logistics dispatches again."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import transition

from core.models import LatestLog, StateField, StateMachine, logs_relation
from core.tenancy import ScopedManager, Visibility


class GoodsBack(StateMachine):
    class State(models.TextChoices):
        AWAITING = "awaiting", _("待退回")
        DISPATCHED = "dispatched", _("已发出")
        RECEIVED = "received", pgettext_lazy("goods back state", "礼品商已签收")
        DISPUTED = "disputed", _("礼品商有异议")

    class Method(models.TextChoices):
        CARRIER = "carrier", _("快递寄回")
        COLLECTED = "collected", _("礼品商到仓自提")

    number = models.CharField(_("退回单号"), max_length=30, unique=True)
    # one per return (the inspection that made it): a second inspection of the same return finds it
    return_request = models.OneToOneField("logistics.ReturnRequest", on_delete=models.PROTECT, related_name="goods_back",
                                          verbose_name=pgettext_lazy("one item", "退换货"))
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="goods_back")
    gift = models.ForeignKey("suppliers.Gift", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("suppliers.Location", on_delete=models.PROTECT, related_name="+")  # the warehouse sending them
    quantity = models.PositiveIntegerField(_("数量"))
    created_at = models.DateTimeField(_("创建时间"))
    method = models.CharField(_("退回方式"), max_length=10, choices=Method.choices, blank=True)
    carrier = models.CharField(_("承运商"), max_length=40, blank=True)
    tracking_number = models.CharField(_("运单号"), max_length=60, blank=True)
    dispatched_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    state = StateField(_("状态"), default=State.AWAITING, choices=State.choices, protected=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=frozenset({"operator", "logistics"}))
    transition_logs = logs_relation()
    objection = LatestLog("dispute", state=State.DISPUTED)  # the supplier's note, who and when
    transition_labels = {"receive": _("确认签收")}  # the supplier's receipt (a return's receive is 收货)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("退回礼品商")
        verbose_name_plural = _("退回礼品商")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="goods_back_quantity_positive"),
            models.CheckConstraint(
                condition=Q(method="") | Q(method="collected", tracking_number="") | Q(method="carrier") & ~Q(tracking_number=""),
                name="goods_back_tracking_number_with_carrier",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @transition(field=state, source=State.AWAITING, target=State.DISPATCHED)
    def send(self, *, how: str, carrier: str, tracking_number: str, dispatched_at) -> None:
        self.method, self.carrier, self.tracking_number, self.dispatched_at = how, carrier, tracking_number, dispatched_at

    @transition(field=state, source=State.DISPUTED, target=State.DISPATCHED)
    def send_again(self, *, how: str, carrier: str, tracking_number: str, dispatched_at) -> None:
        """The supplier objected (units missing, not what was sent): logistics sends them again, or corrects how."""
        self.method, self.carrier, self.tracking_number, self.dispatched_at = how, carrier, tracking_number, dispatched_at

    @transition(field=state, source=[State.DISPATCHED, State.DISPUTED], target=State.RECEIVED)
    def receive(self, *, received_at) -> None:
        self.received_at = received_at

    @transition(field=state, source=State.DISPATCHED, target=State.DISPUTED)
    def dispute(self) -> None:
        """The supplier says what came back is not what it is owed (its note in the history)."""
