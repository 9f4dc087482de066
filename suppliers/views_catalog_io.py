"""Portal page of catalog import and export (SPEC §4.2): upload with a per-row error table, download links."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.api.permissions import require_role
from core.roles import SUPPLIER_ROLES
from core.files import file_response
from suppliers.models import Category
from suppliers.api.catalog_io import own_supplier
from suppliers.services import catalog_io


class CatalogImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("礼品文件"), help_text=gettext_lazy("CSV（UTF-8 或 GBK）或 XLSX，列见下表"))


@login_required
def catalog_import(request):
    require_role(request.user, SUPPLIER_ROLES)
    supplier = own_supplier(request.user)
    form = CatalogImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = catalog_io.import_catalog(
                supplier=supplier, actor=request.user, now=timezone.now(),
                file_name=upload.name, content=upload.read(catalog_io.SPEC.max_bytes + 1),
            )
        except catalog_io.ImportRejected as rejected:
            problems = rejected.problems
        else:
            messages.success(
                request,
                _("导入完成：新增 %(created)d，草稿修改 %(updated)d，提交审核的修改 %(revisions)d，未变 %(unchanged)d")
                % vars(summary),
            )
            return redirect("supplier-catalog-import")
    context = {"form": form, "problems": problems, "columns": catalog_io.COLUMNS, "optional": catalog_io.OPTIONAL, "formats": sorted(catalog_io.FORMATS),
               "categories": Category.objects.order_by("code")}
    return render(request, "suppliers/catalog_io/import.html", context)


@login_required
def catalog_export(request, file_format: str):
    require_role(request.user, SUPPLIER_ROLES)
    if file_format not in catalog_io.FORMATS:
        raise Http404
    export = catalog_io.export_catalog(supplier=own_supplier(request.user), file_format=file_format, now=timezone.now())
    return file_response(export)
