"""Importing a supplier's catalog by file (SPEC §4.2): an uploaded table of gifts, checked row by row when it arrives
and then written, every row or none, by a task; the import keeps where that stands for the page that follows it."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.tenancy import ScopedManager, Visibility


class CatalogImport(models.Model):
    """A catalog file whose rows all passed the checks, and what came of writing them. A job's record, not a workflow
    (like points' CreditUpload): its status moves once, from pending to imported or rejected, in the task that writes
    it, which counts the rows done meanwhile (core.progress)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("导入中")
        IMPORTED = "imported", _("已导入")
        REJECTED = "rejected", _("未导入")

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="catalog_imports")
    file_name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    #: the checked rows: [row number, sku, cleaned changes] (suppliers.services.catalog_io)
    rows = models.JSONField(default=list)
    headings = models.JSONField(default=dict)  # {column key: the column as the file's header names it}
    row_count = models.PositiveIntegerField(_("行数"))
    #: the rows the task has gone through so far, as it goes (core.progress); on rejection, where it stopped
    rows_done = models.PositiveIntegerField(_("已处理"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("草稿修改"), default=0)
    revisions = models.PositiveIntegerField(_("提交审核的修改"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    #: why nothing was imported: {"row", "column", "code", "detail", "heading"} (core.tabular.Problem's fields)
    problems = models.JSONField(default=list)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    #: the last sign of life of the work: a worker starting it, or it being queued again (core.jobs)
    progressed_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(_("重新排队次数"), default=0)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=frozenset({"operator"}))

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("礼品导入文件")
        verbose_name_plural = _("礼品导入文件")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        """How far the task has gone through the rows, 0 to 100."""
        return 100 if not self.row_count else round(100 * self.rows_done / self.row_count)
