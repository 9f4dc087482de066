"""Announcements and meeting notices (公告与会议通知, SPEC §4.9) from the operator to all or chosen suppliers."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.tenancy import ScopedManager, Visibility


class Announcement(models.Model):
    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", pgettext_lazy("one item", "公告")
        MEETING = "meeting", _("会议通知")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.ANNOUNCEMENT)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    meeting_at = models.DateTimeField(_("会议时间"), null=True, blank=True)
    place = models.CharField(_("会议地点"), max_length=200, blank=True)
    agenda = models.TextField(_("会议议程"), blank=True)
    to_all = models.BooleanField(_("发给全部礼品商"), default=True)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager()
    visibility = Visibility(supplier="deliveries__supplier", staff=frozenset({"operator"}))

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = pgettext_lazy("one item", "公告")
        verbose_name_plural = _("公告")
        constraints = [models.CheckConstraint(condition=~Q(kind="meeting") | Q(meeting_at__isnull=False), name="meeting_has_a_time")]

    def __str__(self) -> str:
        return self.title


class AnnouncementDelivery(models.Model):
    """An announcement as one supplier received it: read and acknowledged (by whom, when)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.PROTECT, related_name="deliveries")
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="announcements")
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=frozenset({"operator"}))

    class Meta:
        ordering = ["-announcement__published_at", "-id"]
        verbose_name = pgettext_lazy("one item", "公告送达")
        verbose_name_plural = _("公告送达")
        constraints = [models.UniqueConstraint(fields=["announcement", "supplier"], name="announcement_once_per_supplier")]
        indexes = [models.Index(fields=["supplier", "acknowledged_at"])]
