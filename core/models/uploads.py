"""The record of an uploaded file worked through by a task (a points credit file, a catalog import, a shipping file):
what every such upload keeps for the page that follows it, whatever its rows hold."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UploadJob(models.Model):
    """A file whose rows all passed the checks, and how far the task working through them has gone. A job's record,
    not a workflow: its `status` (each upload's own choices) moves once, from pending to done or rejected, in the task
    (core.jobs.work_through_upload), which counts the rows done meanwhile (core.progress)."""

    file_name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))
    #: the checked rows, in the shape each upload's task reads them
    rows = models.JSONField(default=list)
    headings = models.JSONField(default=dict)  # {column key: the column as the file's header names it}
    row_count = models.PositiveIntegerField(_("行数"))
    #: the rows the task has gone through so far, as it goes (core.progress); on rejection, where it stopped
    rows_done = models.PositiveIntegerField(_("已处理"), default=0)
    #: why nothing was done: {"row", "column", "code", "detail", "heading"} (core.tabular.Problem's fields)
    problems = models.JSONField(default=list)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    #: the last sign of life of the work: a worker starting it, or it being queued again (core.jobs)
    progressed_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(_("重新排队次数"), default=0)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        """How far the task has gone through the rows, 0 to 100."""
        return 100 if not self.row_count else round(100 * self.rows_done / self.row_count)
