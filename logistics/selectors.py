"""Reads of the goods flow, scoped by the actor."""
from django.db.models import OuterRef, QuerySet, Subquery

from logistics.models import Shipment
from points.models import RedemptionOrder


def list_orders_with_shipment(*, actor) -> QuerySet[RedemptionOrder]:
    """The orders the actor may see, newest first, each with its gift and `shipment_id`, its own latest shipment
    (not an exchange replacement) or None, in one query."""
    latest = Shipment.objects.filter(order=OuterRef("pk"), replacement_for__isnull=True).order_by("-created_at", "-id")
    return (
        RedemptionOrder.objects.visible_to(actor).select_related("gift")
        .annotate(shipment_id=Subquery(latest.values("pk")[:1])).order_by("-placed_at", "-id")
    )
