"""Importing a supplier's catalog by file (SPEC §4.2): an uploaded table of gifts, checked row by row when it arrives
and then written, every row or none, by a task; the import keeps where that stands for the page that follows it."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.uploads import UploadJob
from core.tenancy import ScopedManager, Visibility


class CatalogImport(UploadJob):
    """A catalog file whose rows all passed the checks, and what came of writing them. A job's record, not a workflow
    (like logistics' ShipmentUpload): its status moves once, from pending to imported or rejected, in the task that writes
    it, which counts the rows done meanwhile (core.progress). Its `rows`: [row number, sku, cleaned changes] (suppliers.services.catalog_io)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("导入中")
        IMPORTED = "imported", _("已导入")
        REJECTED = "rejected", _("未导入")

    supplier = models.ForeignKey("suppliers.Supplier", on_delete=models.PROTECT, related_name="catalog_imports")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("草稿修改"), default=0)
    revisions = models.PositiveIntegerField(_("提交审核的修改"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)

    objects = ScopedManager()
    visibility = Visibility(supplier="supplier", staff=frozenset({"operator"}))

    class Meta(UploadJob.Meta):
        verbose_name = _("礼品导入文件")
        verbose_name_plural = _("礼品导入文件")
