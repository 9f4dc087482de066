"""Portal page of catalog import and export (SPEC §4.2): upload with a per-row error table, download links."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.api.permissions import require_role
from core.roles import SUPPLIER_ROLES
from core.files import file_response
from core.pages import paginate
from suppliers.models import Category
from suppliers.api.catalog_io import own_supplier
from suppliers.services import catalog_imports, catalog_io


class CatalogImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("礼品文件"), help_text=gettext_lazy("CSV（UTF-8 或 GBK）或 XLSX，列见下表"))


@login_required
def catalog_import(request):
    """The upload form, what went wrong with a file just sent, and the files uploaded before, each to its page."""
    require_role(request.user, SUPPLIER_ROLES)
    supplier = own_supplier(request.user)
    form = CatalogImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            sent = catalog_imports.upload_catalog_file(
                supplier=supplier, actor=request.user, now=timezone.now(),
                file_name=upload.name, content=upload.read(catalog_io.SPEC.max_bytes + 1),
            )
        except catalog_io.ImportRejected as rejected:
            problems = rejected.problems
        else:
            return redirect("supplier-catalog-import-detail", pk=sent.pk)
    context = paginate(request, catalog_imports.list_catalog_imports(actor=request.user)) | {
        "form": form, "problems": problems, "columns": catalog_io.COLUMNS, "optional": catalog_io.OPTIONAL,
        "formats": sorted(catalog_io.FORMATS), "categories": Category.objects.order_by("code"), "max_rows": catalog_io.SPEC.max_rows,
    }
    return render(request, "suppliers/catalog_io/import.html", context)


@login_required
def catalog_import_detail(request, pk: int):
    """One catalog file: importing in progress (the page looks again every few seconds), done, or refused with its problems."""
    require_role(request.user, SUPPLIER_ROLES)
    upload = get_object_or_404(catalog_imports.list_catalog_imports(actor=request.user), pk=pk)
    waiting = catalog_imports.revisions_in_the_way(upload)
    problems = [problem | (_revision_link(waiting[problem["row"]]) if problem["row"] in waiting else {}) for problem in upload.problems or []]
    return render(request, "suppliers/catalog_io/import_detail.html", {"upload": upload, "problems": problems})


def _revision_link(revision) -> dict:
    """A refused row's link to the revision in its way, on its gift's page, where it is withdrawn."""
    return {"link": f"{reverse('gift-detail', args=[revision.gift_id])}#revision-{revision.pk}",
            "link_label": _("查看并撤回修改 %(revision)s") % {"revision": revision.pk}}


@login_required
def catalog_export(request, file_format: str):
    require_role(request.user, SUPPLIER_ROLES)
    if file_format not in catalog_io.FORMATS:
        raise Http404
    export = catalog_io.export_catalog(supplier=own_supplier(request.user), file_format=file_format, now=timezone.now())
    return file_response(export)
