"""Reads of the goods flow, scoped by the actor."""
from django.db.models import Max, OuterRef, QuerySet, Subquery

from logistics.models import CarrierEvent, Shipment
from logistics.models.shipments import ORDER_OWN_PARCELS
from points.models import RedemptionOrder


def list_orders_with_shipment(*, actor) -> QuerySet[RedemptionOrder]:
    """The orders the actor may see, newest first, each with its gift and `shipment_id`, its own latest shipment
    (not a return's parcel) or None, in one query."""
    latest = Shipment.objects.filter(ORDER_OWN_PARCELS, order=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        RedemptionOrder.objects.visible_to(actor).select_related("gift")
        .annotate(shipment_id=Subquery(latest.values("pk")[:1])).order_by("-placed_at", "-id")
    )


def next_event_sequence(*, tracking_number: str, event_id: str) -> int:
    """The sequence a carrier event reported by hand takes: the one it was recorded with if its id was recorded (a
    form sent again), else the one after the last the parcel has, recorded or handled."""
    if (recorded := CarrierEvent.objects.filter(event_id=event_id).values_list("sequence", flat=True).first()) is not None:
        return recorded
    last_recorded = CarrierEvent.objects.filter(tracking_number=tracking_number).aggregate(last=Max("sequence"))["last"] or 0
    last_handled = Shipment.objects.filter(tracking_number=tracking_number).aggregate(last=Max("last_event_sequence"))["last"] or 0
    return max(last_recorded, last_handled) + 1
