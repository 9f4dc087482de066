"""Portal pages of shipping by file (SPEC §4.6): logistics staff ship the warehouse parcels waiting, a dropship supplier
its own, from a CSV or XLSX of waybills; the template lists the parcels waiting, ready to fill in. A file with any
problem ships nothing and comes back with each problem by row and column; one that passes is shipped by a task, whose
progress its page follows until every parcel has left (or, if one could no longer go, none has)."""
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core.api.permissions import require_role
from core.files import file_response
from core.pages import bad_input_is_400, paginate
from core.roles import SUPPLIER_ROLES
from core.tabular import CONTENT_TYPES, TableRejected
from logistics.forms_flow import ShippingFileForm
from logistics.services import bulk_shipping


@login_required
def bulk_ship(request):
    """The upload form with the template to fill in, what went wrong with a file just sent, and the earlier uploads."""
    require_role(request.user, bulk_shipping.SHIPPERS)
    form = ShippingFileForm(request.POST, request.FILES) if request.method == "POST" else ShippingFileForm()
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            sent = bulk_shipping.upload_shipping_file(actor=request.user, now=timezone.now(), file_name=upload.name,
                                                      content=upload.read(bulk_shipping.SPEC.max_bytes + 1))
        except TableRejected as rejected:
            problems = rejected.problems
        else:
            return redirect("logistics-bulk-ship-upload", pk=sent.pk)
    context = paginate(request, bulk_shipping.list_shipment_uploads(actor=request.user)) | {
        "form": form, "problems": problems, "columns": bulk_shipping.COLUMNS, "formats": sorted(CONTENT_TYPES),
        "waiting": bulk_shipping.list_shipments_to_ship(actor=request.user).count(), "max_rows": bulk_shipping.SPEC.max_rows,
        "warehouses": bulk_shipping.waiting_by_warehouse(actor=request.user),
    }
    return render(request, "logistics/flow/bulk_ship.html", context, status=400 if problems or form.errors else 200)


@login_required
def bulk_ship_upload(request, pk: int):
    """One upload: shipping in progress (the page looks again every few seconds), done, or refused with its problems."""
    require_role(request.user, bulk_shipping.SHIPPERS)
    upload = get_object_or_404(bulk_shipping.list_shipment_uploads(actor=request.user), pk=pk)
    shipped_list = "supplier-dropship" if request.user.role in SUPPLIER_ROLES else "logistics-shipments"
    return render(request, "logistics/flow/bulk_ship_upload.html", {"upload": upload, "shipped_list": shipped_list})


@login_required
@bad_input_is_400
def bulk_ship_template(request, file_format: str):
    """The parcels waiting for the user to ship them (`?warehouse=`: of that warehouse only; an unknown one is a 400
    saying so), as a file with carrier and tracking number to fill in."""
    require_role(request.user, bulk_shipping.SHIPPERS)
    if file_format not in CONTENT_TYPES:
        raise Http404
    return file_response(bulk_shipping.shipping_template(actor=request.user, file_format=file_format, now=timezone.now(),
                                                         warehouse=request.GET.get("warehouse")))
