"""What beat jobs and tasks failed on, for the operators (SPEC §6): the worker's log has the traceback, this the fact."""
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from core.masking import mask_phones_in


class JobFailure(models.Model):
    """One item of a job (or a whole task, `item` empty) that failed: one row per job and item, counted each time it
    fails again, and resolved when it next succeeds or is no longer due (`core.jobs`)."""

    job = models.CharField(_("任务"), max_length=100)
    item = models.CharField(_("对象"), max_length=200, blank=True)
    error_class = models.CharField(_("错误类型"), max_length=200)
    message = models.TextField(_("错误信息"), blank=True)
    first_failed_at = models.DateTimeField(_("首次失败时间"))
    last_failed_at = models.DateTimeField(_("最近失败时间"))
    failures = models.PositiveIntegerField(_("失败次数"), default=1)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)

    class Meta:
        ordering = ["-last_failed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["job", "item"], name="job_failure_once_per_item")]
        indexes = [models.Index(fields=["resolved_at", "-last_failed_at"], name="job_failure_open")]
        verbose_name = pgettext_lazy("one item", "任务失败")
        verbose_name_plural = _("任务失败")

    def __str__(self) -> str:
        return f"{self.job} {self.masked_item}".strip()

    @property
    def masked_item(self) -> str:
        """The item as operators read it: the mobile numbers it names (a task's arguments may) masked, as `message`
        is (SPEC §4.13). `item` keeps them: the job and task find the row by it to count it again or resolve it."""
        return mask_phones_in(self.item)
