"""Shipping by file (SPEC §4.6): an uploaded table of waybills, checked whole when it arrives and then shipped, every
row or none, by a task; the upload keeps where that stands for the page that follows it."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.tenancy import ScopedManager, Visibility


class ShipmentUpload(models.Model):
    """A file of waybills whose rows all passed the checks, and what came of shipping them. A job's record, not a
    workflow: its status moves once, from pending to shipped or rejected, in the task that ships it, which counts the
    rows done meanwhile (like settlement's GenerationRun)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("发货中")
        SHIPPED = "shipped", _("已发货")
        REJECTED = "rejected", _("未发货")

    file_name = models.CharField(_("文件名"), max_length=200)
    # the dropship supplier whose own shipments it ships; none for the logistics provider's warehouse shipments
    supplier = models.ForeignKey("suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    #: the checked rows: {"row", "column" (the one naming the shipment), "shipment" (id), "carrier", "tracking_number"}
    rows = models.JSONField(default=list)
    headings = models.JSONField(default=dict)  # {column key: the column as the file's header names it}
    row_count = models.PositiveIntegerField(_("运单数"))
    #: the rows the task has gone through so far, as it goes (core.progress); on rejection, where it stopped
    rows_done = models.PositiveIntegerField(_("已处理"), default=0)
    shipped_count = models.PositiveIntegerField(_("已发货"), default=0)
    #: why nothing was shipped: {"row", "column", "code", "detail", "heading"} (core.tabular.Problem's fields)
    problems = models.JSONField(default=list)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    #: the last sign of life of the work: a worker starting it, or it being queued again (core.jobs)
    progressed_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(_("重新排队次数"), default=0)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=frozenset({"logistics"}))

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("批量发货")
        verbose_name_plural = _("批量发货")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        """How far the task has gone through the rows, 0 to 100."""
        return 100 if not self.row_count else round(100 * self.rows_done / self.row_count)
