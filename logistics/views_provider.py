"""Portal page of the provider integration (SPEC §4.6): carrier events, to find those waiting or rejected."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.api.permissions import require_role
from core.portal import paginate
from logistics.api.provider import READERS
from logistics.models import CarrierEvent
from logistics.services import carrier_events


@login_required
def carrier_event_list(request):
    require_role(request.user, READERS)
    status = request.GET.get("status", "")
    status = status if status in CarrierEvent.Status.values else ""
    tracking_number = request.GET.get("tracking_number", "").strip()
    events = carrier_events.list_carrier_events(actor=request.user, status=status, tracking_number=tracking_number)
    context = paginate(request, events) | {
        "statuses": CarrierEvent.Status.choices, "status": status, "tracking_number": tracking_number,
    }
    return render(request, "logistics/provider/carrier_event_list.html", context)
