"""Crediting points by file (SPEC §4.4): an uploaded table of members and points, checked whole when it arrives and
then credited, every row or none, by a task; the upload keeps where that stands for the page that follows it."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.roles import OPERATORS
from core.tenancy import ScopedManager, Visibility


class CreditUpload(models.Model):
    """A credit file whose rows all passed the checks, and what came of crediting them as one batch. A job's record,
    not a workflow (like logistics' ShipmentUpload): its status moves once, from pending to credited or rejected, in
    the task that credits it, which counts the rows done meanwhile (core.progress)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("发放中")
        CREDITED = "credited", _("已发放")
        REJECTED = "rejected", _("未发放")

    file_name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    #: the batch the file is credited as, named by a hash of its rows: the same rows again post nothing
    batch = models.CharField(_("批次号"), max_length=60)
    #: the checked rows: {"line", "phone", "points", "reason_code"}
    rows = models.JSONField(default=list)
    headings = models.JSONField(default=dict)  # {column key: the column as the file's header names it}
    row_count = models.PositiveIntegerField(_("行数"))
    #: the rows the task has gone through so far, as it goes (core.progress); on rejection, where it stopped
    rows_done = models.PositiveIntegerField(_("已处理"), default=0)
    points_total = models.PositiveBigIntegerField(_("积分合计"), default=0)
    #: the batch had been credited before with the same rows (at `credited_at`): nothing new was credited
    replayed = models.BooleanField(_("此前已发放"), default=False)
    credited_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    #: why nothing was credited: {"row", "column", "code", "detail", "heading"} (core.tabular.Problem's fields)
    problems = models.JSONField(default=list)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    #: the last sign of life of the work: a worker starting it, or it being queued again (core.jobs)
    progressed_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(_("重新排队次数"), default=0)

    objects = ScopedManager()
    visibility = Visibility(staff=OPERATORS)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("积分发放文件")
        verbose_name_plural = _("积分发放文件")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        """How far the task has gone through the rows, 0 to 100."""
        return 100 if not self.row_count else round(100 * self.rows_done / self.row_count)
