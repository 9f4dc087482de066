"""The notification outbox (SPEC §4.12): written with the event, sent by Celery at least once."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.masking import mask_phone


class Notification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        SUPPRESSED = "suppressed", _("已退订不发送")

    message_id = models.UUIDField(_("消息编号"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=40)
    phone = models.CharField(_("手机号"), max_length=20)
    body = models.TextField(_("内容"))
    urgent = models.BooleanField(_("紧急"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("创建时间"))
    not_before = models.DateTimeField(_("最早发送时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    subject_type = models.CharField(max_length=60, blank=True)
    subject_id = models.CharField(max_length=40, blank=True)
    # the member (its user) a text was written for, whatever number it had then: its page lists its texts by this, not
    # by a phone that may change hands; empty for a text to no member (a supplier's contact). Kept, as the audit trail is.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收信会员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,  # the index below leads with it
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "not_before"]),
            # a member's messages (我的短信), newest first, found without reading the whole outbox
            models.Index(fields=["recipient", "-created_at", "-id"], name="core_notification_recipient"),
        ]
        verbose_name = _("短信提醒")
        verbose_name_plural = _("短信提醒")

    def __str__(self) -> str:
        return f"{self.kind} → {mask_phone(self.phone)}"
