"""Reads of unmasked personal data are recorded (SPEC §4.13)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    subject_type = models.CharField(_("对象类型"), max_length=60)
    subject_id = models.CharField(_("对象编号"), max_length=40)
    fields = models.CharField(_("字段"), max_length=200)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
