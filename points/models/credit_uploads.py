"""Crediting points by file (SPEC §4.4): an uploaded table of members and points, checked whole when it arrives and
shown to the operator as a preview; credited, every row or none, by a task once the operator confirms it. The upload
keeps where that stands for the page that follows it."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from core.models import StateField, StateMachine
from core.models.uploads import UploadJob
from core.roles import OPERATORS
from core.tenancy import ScopedManager, Visibility


class CreditUpload(StateMachine, UploadJob):
    """A credit file whose rows all passed the checks. Its `state` is the operator's decision, a workflow with its
    history: previewed (nothing credited) → confirmed (to be credited) or discarded (cancelled by the operator, or
    expired unconfirmed). Its `status` is the crediting job's record: pending until the task that credits a confirmed
    upload moves it once to credited or rejected, counting the rows done meanwhile (core.progress).
    Its `rows`: {"line", "phone", "points", "reason_code"}."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DISCARDED = "discarded", _("已取消")

    class Status(models.TextChoices):
        PENDING = "pending", _("发放中")
        CREDITED = "credited", _("已发放")
        REJECTED = "rejected", _("未发放")

    state = StateField(_("确认状态"), default=State.PREVIEWED, choices=State.choices, protected=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    #: the batch the file is credited as, named by a hash of its rows: the same rows again post nothing
    batch = models.CharField(_("批次号"), max_length=60)
    #: the points of all its rows (from the upload on: what confirming it credits, unless credited before)
    points_total = models.PositiveBigIntegerField(_("积分合计"), default=0)
    #: the batch had been credited before with the same rows (at `credited_at`): nothing new was credited
    replayed = models.BooleanField(_("此前已发放"), default=False)
    credited_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    #: what it credits, summed up once at the upload for its preview (points.services.credit_uploads):
    #: {"members": n, "points": n, "programs": [[program code, members, points], …]}; null for a file uploaded before
    summary = models.JSONField(_("预览摘要"), null=True, blank=True, editable=False)

    objects = ScopedManager()
    visibility = Visibility(staff=OPERATORS)

    class Meta(UploadJob.Meta):
        verbose_name = _("积分发放文件")
        verbose_name_plural = _("积分发放文件")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.stage_label})"

    @property
    def stage(self) -> str:
        """Where the file stands, in one word for its page and list: its state until confirmed, then its crediting's."""
        return self.status if self.state == self.State.CONFIRMED else self.state

    @property
    def stage_label(self) -> str:
        return self.get_status_display() if self.state == self.State.CONFIRMED else self.get_state_display()

    @transition(field=state, source=State.PREVIEWED, target=State.CONFIRMED)
    def confirm(self, *, queued_at) -> None:
        # queued for crediting now: the sweep of work left behind counts from here, not from the upload
        self.progressed_at = queued_at

    @transition(field=state, source=State.PREVIEWED, target=State.DISCARDED)
    def cancel(self) -> None:
        """The operator discards the preview: nothing is credited."""

    @transition(field=state, source=State.PREVIEWED, target=State.DISCARDED)
    def expire(self) -> None:
        """A preview left unconfirmed too long is discarded by beat (points.services.credit_uploads)."""
