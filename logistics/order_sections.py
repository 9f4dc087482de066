"""The member's order page shows the order's parcels, and its returns with what is left to return and a way to
complain; the staff's order page its parcels as staff follow them (why one failed, to whom it went, masked) and its
returns, with what they came to on the supplier's statement per outcome, as the orders API's detail says too
(imported by LogisticsConfig.ready)."""
from django.template.loader import render_to_string
from django.utils import timezone

from core.roles import sees_settlement_money
from logistics.models import Shipment
from logistics.selectors import return_outcomes
from logistics.services import returns
from points import views as order_pages
from points import selectors as order_reads
from points import views_operator as staff_order_pages


def parcels(request, order) -> str:
    """The order's shipments as the member may see them: what each is for (the order, an exchange's replacement or
    refused goods sent back, with the return), carrier, tracking number, state and, once shipped, the receipt button;
    nothing before the order is handed over."""
    shipments = list(Shipment.objects.visible_to(request.user).filter(order=order).select_related("replacement_for", "send_back_for").order_by("id"))
    if not shipments:
        return ""
    return render_to_string("logistics/flow/_order_parcels.html", {"shipments": shipments, "order": order}, request=request)


def order_returns(request, order) -> str:
    """The order's returns with their state and the points each gave back, the units returned, the button to ask for a
    return while units are still returnable in the window, and the link to complain about the order."""
    context = {
        "order": order,
        "return_requests": returns.list_returns(user=request.user).filter(order=order).order_by("id"),
        "returnable": returns.returnable(order, timezone.now()),
    }
    return render_to_string("logistics/returns/_order_returns.html", context, request=request)


def staff_parcels(request, order) -> str:
    """The order's shipments as staff who follow parcels see them, each linked to its page: what it is for, carrier,
    tracking number, state, why a delivery failed and the recipient (masked); nothing for staff who see no parcels."""
    shipments = list(Shipment.objects.visible_to(request.user).filter(order=order)
                     .select_related("replacement_for", "send_back_for").order_by("id"))
    if not shipments:
        return ""
    return render_to_string("logistics/flow/_order_parcels_staff.html", {"shipments": shipments}, request=request)


def staff_returns(request, order) -> str:
    """The order's returns with their state and the points each gave back, each linked to its page, and for readers of
    settlement figures what they came to per outcome: the units netted off the supplier's statement and those claimed
    from the logistics provider (`return_outcomes`); nothing when there are none."""
    return_requests = list(returns.list_returns(user=request.user).filter(order=order).order_by("id"))
    if not return_requests:
        return ""
    outcomes = return_outcomes(order=order, user=request.user) if sees_settlement_money(request.user) else []
    context = {"order": order, "return_requests": return_requests, "staff": True, "outcomes": outcomes}
    return render_to_string("logistics/returns/_order_returns.html", context, request=request)


order_pages.order_sections.extend([parcels, order_returns])
staff_order_pages.staff_order_sections.extend([staff_parcels, staff_returns])
order_reads.order_return_outcomes.append(lambda order, user: return_outcomes(order=order, user=user))
