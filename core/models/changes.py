"""A setting's change kept with who made it, when and why (a tariff's price, a KPI's weight and target, a penalty rule
switched off or on): the setting keeps only its current values, each change keeps what it was before; the rule that a
change says why is `core.changes`."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SettingChange(models.Model):
    """Who changed a setting, when and why; newest first. A subclass adds the setting and its values before and after."""

    changed_at = models.DateTimeField(_("修改时间"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    reason = models.CharField(_("修改原因"), max_length=200)

    class Meta:
        abstract = True
        ordering = ["-changed_at", "-id"]
