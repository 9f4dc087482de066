"""Shipping by file (SPEC §4.6): an uploaded table of waybills, checked whole when it arrives and then shipped, every
row or none, by a task; the upload keeps where that stands for the page that follows it."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.uploads import UploadJob
from core.tenancy import ScopedManager, Visibility


class ShipmentUpload(UploadJob):
    """A file of waybills whose rows all passed the checks, and what came of shipping them. A job's record, not a
    workflow: its status moves once, from pending to shipped or rejected, in the task that ships it, which counts the
    rows done meanwhile (like settlement's GenerationRun). Its `rows`: {"row", "column" (the one naming the shipment), "shipment" (id), "carrier", "tracking_number"}."""

    class Status(models.TextChoices):
        PENDING = "pending", _("发货中")
        SHIPPED = "shipped", _("已发货")
        REJECTED = "rejected", _("未发货")

    # the dropship supplier whose own shipments it ships; none for the logistics provider's warehouse shipments
    supplier = models.ForeignKey("suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    row_count = models.PositiveIntegerField(_("运单数"))
    shipped_count = models.PositiveIntegerField(_("已发货"), default=0)
    #: rows of the file left with neither carrier nor tracking number (parcels not going out today): neither checked nor
    #: kept, only counted for the upload's page to say so
    skipped_count = models.PositiveIntegerField(_("未填写跳过"), default=0)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=frozenset({"logistics"}))

    class Meta(UploadJob.Meta):
        verbose_name = _("批量发货")
        verbose_name_plural = _("批量发货")
