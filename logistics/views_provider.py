"""Portal pages of the provider integration (SPEC §4.6): carrier events, to find those waiting or rejected, and the
form on which logistics staff report one by hand for a shipment's tracking number, through the same service as the
provider's webhook; the provider's tariff of extra costs, changed there by operators, with every change made to it."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.pages import act_with_form, add_service_errors, create_with_form, form_status, page_status, paginate
from logistics.api.provider import READERS, SENDERS
from logistics.forms_provider import EVENT_FIELDS, CarrierEventFilterForm, CarrierEventForm, TariffChangeFilterForm, TariffForm
from logistics.models import CarrierEvent, Tariff
from logistics.services import carrier_events, costs


@login_required
def carrier_event_list(request):
    require_role(request.user, READERS)
    filters, events = listed_carrier_events(request)
    context = paginate(request, filters.apply(events)) | {"filters": filters, "may_report": request.user.role in SENDERS}
    return render(request, "logistics/provider/carrier_event_list.html", context, status=filters.status)


def listed_carrier_events(request):
    """The carrier events list's filter form and the events the user may see, narrowed by the service's filters only:
    the page and its download list the same rows."""
    filters = CarrierEventFilterForm(request.GET)
    return filters, carrier_events.list_carrier_events(actor=request.user, **filters.values())


@login_required
def carrier_event_report(request):
    """Report a carrier event (picked up, shipped, delivered, failed) for a tracking number; it takes the parcel's next
    sequence and is applied as the provider's would be. A refusal, or the event stored as rejected, comes back next to
    the field it is about; the form sent again records nothing more, and sent again with other values is refused (409)
    naming the event it recorded."""
    require_role(request.user, SENDERS)
    form = CarrierEventForm(request.POST or None)
    if request.method == "POST" and (created := create_with_form(
        request, form, "carrier_event", carrier_events.report_carrier_event, values=form.reported, aliases=EVENT_FIELDS,
    )):
        event = CarrierEvent.objects.get(pk=created[0])
        if event.status == CarrierEvent.Status.REJECTED:
            add_service_errors(form, carrier_events.rejection(event), aliases=EVENT_FIELDS)
        else:
            if created[1]:
                messages.success(request, _("已记录承运商事件：%(number)s %(kind)s（%(status)s）") % {
                    "number": event.tracking_number, "kind": event.get_kind_display(), "status": event.get_status_display()})
            query = urlencode({"tracking_number": event.tracking_number})
            return redirect(f"{reverse('logistics-carrier-events')}?{query}")
    return render(request, "logistics/provider/carrier_event_form.html", {"form": form},
                  status=form_status(form, 400 if form.errors else 200))


@login_required
def tariffs(request, *, refused: tuple[str, TariffForm] | None = None):
    """The tariff as it stands, each price with a form to change it for those who may (`refused`: the kind and the form
    sent back with its errors), and below it each change: the price and unit before and after, who changed it and when."""
    require_role(request.user, costs.TARIFF_HISTORY_READERS)
    filters = TariffChangeFilterForm(request.GET)
    changes = filters.apply(costs.list_tariff_changes(actor=request.user, **filters.values()))
    rows = list(Tariff.objects.all())
    if costs.may_set_tariff(request.user):
        for tariff in rows:
            tariff.form = refused[1] if refused and refused[0] == tariff.kind else TariffForm(initial={"amount": tariff.amount}, auto_id=False)
    context = paginate(request, changes, list_url=reverse("logistics-tariffs")) | {
        "tariffs": rows, "filters": filters, "tariff_bounds": costs.tariff_bounds()}
    return render(request, "logistics/provider/tariffs.html", context, status=page_status(refused) if refused else filters.status)


@login_required
@require_POST
def tariff_update(request, kind: str):
    """A tariff's new price, from its row on the tariff page: back to the page, its errors next to the price."""
    require_role(request.user, costs.TARIFF_SETTERS)
    tariff = get_object_or_404(Tariff, kind=kind)
    form = TariffForm(request.POST, auto_id=False)
    if act_with_form(request, form, costs.update_tariff, tariff=tariff, success=_("费用标准已更新：%(kind)s") % {"kind": tariff.get_kind_display()}):
        return redirect("logistics-tariffs")
    return tariffs(request, refused=(kind, form))
