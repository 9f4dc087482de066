"""The member's order page shows the order's parcels (imported by LogisticsConfig.ready)."""
from django.template.loader import render_to_string

from logistics.models import Shipment
from points import views as order_pages


def parcels(request, order) -> str:
    """The order's shipments as the member may see them: carrier, tracking number, state and, once shipped, the
    receipt button; nothing before the order is handed over."""
    shipments = list(Shipment.objects.visible_to(request.user).filter(order=order).order_by("id"))
    if not shipments:
        return ""
    return render_to_string("logistics/flow/_order_parcels.html", {"shipments": shipments, "order": order}, request=request)


order_pages.order_sections.append(parcels)
