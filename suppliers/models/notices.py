"""The supplier's portal inbox (站内通知)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.tenancy import ScopedManager, Visibility
from core.texts import texts_of


class Notice(models.Model):
    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("类型"), max_length=40)
    # the title and body are message ids (Chinese, marked with gettext_noop) with the values in `params`, written in
    # the reader's language when shown; a notice without params is shown as stored
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=frozenset({"operator"}))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")

    def __str__(self) -> str:
        return self.title_label

    title_text, title_label = texts_of("title", "params")
    body_text, body_label = texts_of("body", "params")
