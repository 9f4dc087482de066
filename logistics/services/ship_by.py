"""By when a dropship parcel must be shipped (SPEC §4.10, on-time dispatch), in the one reading every reader takes: the
supplier's notices and SMS, its dropship list and the parcel's page, the overdue filter and the assessment's KPI.

The 48 hours start when the parcel is handed to its supplier, and a dropship parcel is handed to its supplier when
it is made (`created_at`): the order's handover makes its first parcel in the same transaction, and a re-delivery,
an exchange's replacement or refused goods sent back are each handed over when made, however long after the order's
own handover. Below, the same rule for one parcel (Python) and for many (query expressions), side by side.
"""
from datetime import datetime, timedelta

from django.db.models import BooleanField, DateTimeField, ExpressionWrapper, F, Q

from core.texts import moment
from logistics.models import Shipment
from logistics.models.shipments import WAITING_STATES

#: how long a dropship supplier has to ship a parcel handed to it (the assessment's on-time dispatch, SPEC §4.10)
SHIP_WITHIN = timedelta(hours=48)
#: the field of a parcel at which its 48 hours start: when it was handed to its supplier (made)
HANDED_TO_SUPPLIER = "created_at"
#: dropship shipments waiting for their supplier to ship them
DROPSHIP_WAITING = Q(kind=Shipment.Kind.DROPSHIP, state__in=WAITING_STATES)


def due_to_ship(shipment: Shipment) -> datetime:
    """When the parcel is to be shipped by if its supplier sends it: its handover to the supplier + `SHIP_WITHIN`."""
    return getattr(shipment, HANDED_TO_SUPPLIER) + SHIP_WITHIN


#: `due_to_ship` of each parcel in a query (Shipment rows)
DUE_TO_SHIP = ExpressionWrapper(F(HANDED_TO_SUPPLIER) + SHIP_WITHIN, output_field=DateTimeField())


def in_time(field: str, due=DUE_TO_SHIP) -> Q:
    """The time in `field` is by the ship-by time `due` (exactly then is in time): a parcel shipped, or its order
    cancelled, while its supplier still had time; `due` is the parcel's own, or another query's (OuterRef)."""
    return Q(**{f"{field}__lte": due})


#: the parcel left by `due_to_ship`; false, or unknown, for one not shipped
SHIPPED_IN_TIME = ExpressionWrapper(in_time("shipped_at"), output_field=BooleanField())


def ship_by(shipment: Shipment) -> datetime | None:
    """By when a dropship parcel still to be shipped must leave (`due_to_ship`); None for any other parcel."""
    if shipment.kind != Shipment.Kind.DROPSHIP or shipment.state not in WAITING_STATES:
        return None
    return due_to_ship(shipment)


def overdue_to_ship(now: datetime) -> Q:
    """The dropship parcels still to be shipped whose `due_to_ship` has passed at `now` (`ship_by(parcel) < now`),
    written on the field itself so that an index on it serves."""
    return DROPSHIP_WAITING & Q(**{f"{HANDED_TO_SUPPLIER}__lt": now - SHIP_WITHIN})


def ship_by_shown(shipment: Shipment) -> str:
    """The parcel's `due_to_ship` as the notices and their SMS show it."""
    return moment(due_to_ship(shipment))
