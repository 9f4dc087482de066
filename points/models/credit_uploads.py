"""Crediting points by file (SPEC §4.4): an uploaded table of members and points, checked whole when it arrives and
then credited, every row or none, by a task; the upload keeps where that stands for the page that follows it."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.roles import OPERATORS
from core.models.uploads import UploadJob
from core.tenancy import ScopedManager, Visibility


class CreditUpload(UploadJob):
    """A credit file whose rows all passed the checks, and what came of crediting them as one batch. A job's record,
    not a workflow (like logistics' ShipmentUpload): its status moves once, from pending to credited or rejected, in
    the task that credits it, which counts the rows done meanwhile (core.progress). Its `rows`: {"line", "phone", "points", "reason_code"}."""

    class Status(models.TextChoices):
        PENDING = "pending", _("发放中")
        CREDITED = "credited", _("已发放")
        REJECTED = "rejected", _("未发放")

    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    #: the batch the file is credited as, named by a hash of its rows: the same rows again post nothing
    batch = models.CharField(_("批次号"), max_length=60)
    points_total = models.PositiveBigIntegerField(_("积分合计"), default=0)
    #: the batch had been credited before with the same rows (at `credited_at`): nothing new was credited
    replayed = models.BooleanField(_("此前已发放"), default=False)
    credited_at = models.DateTimeField(_("发放时间"), null=True, blank=True)

    objects = ScopedManager()
    visibility = Visibility(staff=OPERATORS)

    class Meta(UploadJob.Meta):
        verbose_name = _("积分发放文件")
        verbose_name_plural = _("积分发放文件")
