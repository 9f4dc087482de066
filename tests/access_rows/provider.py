"""Access-matrix rows of the provider integration; see tests/access.py for the format.

The webhook takes no session or token: its signature is the authentication, so the matrix's unsigned JSON body is
403 `bad_signature` for every caller, logged in or not (the signed calls are in tests/logistics/test_webhook.py).
The token API's POST sends the event `world_objects` already recorded: a logistics user gets the stored event
back (200, a retry is a no-op), everyone else is stopped by the role check first.
"""
from tests.factories import FIXED_NOW
from tests.helpers import picked_and_shipped

ROLES = [
    "anon", "member", "other_member", "supplier_admin", "supplier_staff", "other_supplier", "operator", "logistics", "finance"
]
EVENT_FIELDS = {"event_id", "tracking_number", "sequence", "kind", "occurred_at", "payload"}
RECORDED_EVENT = {"event_id": "MATRIX-E1", "tracking_number": "MATRIX-SF1", "sequence": 1, "kind": "delivered",
                  "occurred_at": FIXED_NOW.isoformat(), "payload": {"signer": "刘洋"}}


def row(statuses: dict, *, writable: set[str] = frozenset(), body: dict | None = None) -> dict:
    return {"status": dict(statuses), "object": None, "writable": set(writable), "body": body or {}, "headers": {}}


def only(allowed: set[str]) -> dict:
    return {role: 403 for role in ROLES} | {"anon": 401} | {role: 200 for role in allowed}


ROWS: dict = {
    ("provider-webhook", "POST"): row({role: 403 for role in ROLES}, writable=EVENT_FIELDS),
    ("provider-event-list", "POST"): row(only({"logistics"}), writable=EVENT_FIELDS, body=RECORDED_EVENT),
    ("provider-event-list", "GET"): row(only({"logistics", "operator"})),
    # who changed the tariff when is the staff's: suppliers see the current tariff only
    ("tariff-change-list", "GET"): row(only({"logistics", "operator", "finance"})),
}


def world_objects(*, users: dict, now, objects: dict, **_) -> dict:
    """A second order of the member, shipped as MATRIX-SF1, and its applied delivered event MATRIX-E1; a change of the
    storage tariff."""
    from decimal import Decimal

    from logistics.models import Shipment, Tariff
    from logistics.services import carrier_events, costs
    from points.services import orders

    order = orders.place_order(member=users["member"].member, gift_id=objects["listed"].pk, quantity=1, now=now,
                               recipient_name="刘洋", recipient_phone="13800138000", address="杭州市文三路100号")
    orders.hand_over_order(order=order, actor=users["logistics"], now=now)
    shipment = Shipment.objects.create(order=order, supplier_id=order.supplier_id, kind="warehouse", quantity=1, created_at=now)
    picked_and_shipped(shipment=shipment, actor=users["logistics"], now=now, carrier="顺丰", tracking_number="MATRIX-SF1")
    event = carrier_events.record_carrier_event(**(RECORDED_EVENT | {"occurred_at": FIXED_NOW}), now=now, actor=users["logistics"])
    storage = Tariff.objects.get(kind="storage")
    costs.update_tariff(reason="按合同调整", tariff=storage, amount=storage.amount + Decimal("0.50"), actor=users["operator"], now=now)
    return {"provider_shipment": shipment, "carrier_event": event}
