"""Access-matrix rows of defective units owed back to their supplier; see tests/access.py for the format. The helpers
are local: importing tests.access here would be circular.

`world_objects` delivers an order of one unit of the matrix's listed gift and returns it as defective: approved,
received and inspected by logistics, it owes that unit back to the matrix's supplier (awaiting dispatch). Logistics sends it (200;
sending again is for a disputed one, 409); the supplier's users may confirm or dispute only once it is sent (409);
operators read; finance, members and another supplier are told it does not exist (404).
"""
SEEN = {"anon": 401, "member": 404, "other_member": 404, "supplier_admin": 200, "supplier_staff": 200, "other_supplier": 404,
        "operator": 200, "logistics": 200, "finance": 404}
ACT = SEEN | {"supplier_admin": 403, "supplier_staff": 403, "operator": 403, "logistics": 403}
HOW = {"method", "carrier", "tracking_number", "reason"}


def _row(statuses: dict, *, obj: str | None = None, writable: set[str] = frozenset(), body: dict | None = None) -> dict:
    return {"status": dict(statuses), "object": obj, "writable": set(writable), "body": body or {}, "headers": {}}


ROWS: dict = {
    ("goods-back-list", "GET"): _row(SEEN | {"member": 200, "other_member": 200, "other_supplier": 200, "finance": 200}),
    ("goods-back-detail", "GET"): _row(SEEN, obj="goods_back"),
    ("goods-back-history", "GET"): _row(SEEN, obj="goods_back"),
    ("goods-back-send", "POST"): _row(ACT | {"logistics": 200}, obj="goods_back", writable=HOW, body={"method": "collected"}),
    ("goods-back-send-again", "POST"): _row(ACT | {"logistics": 409}, obj="goods_back", writable=HOW,
                                            body={"method": "collected", "reason": "access matrix"}),
    ("goods-back-receive", "POST"): _row(ACT | {"supplier_admin": 409, "supplier_staff": 409}, obj="goods_back", writable={"reason"}),
    ("goods-back-dispute", "POST"): _row(ACT | {"supplier_admin": 409, "supplier_staff": 409}, obj="goods_back", writable={"reason"},
                                         body={"reason": "access matrix"}),
}


def world_objects(*, users: dict, now, objects: dict, **_) -> dict:
    """A delivered order of one unit of the listed gift, received for it (placed an hour before the matrix's own `order`, so a one-order
    handoff takes it), returned as defective, received and inspected: it owes that unit back, awaiting dispatch."""
    from datetime import timedelta

    from django.utils import timezone

    from logistics.models import Shipment
    from logistics.services import returns, shipments
    from points.services import orders
    from suppliers.services import inventory
    from tests.helpers import picked_and_shipped

    logistics, member = users["logistics"], users["member"]
    # its own unit, so that the listed gift's stock the other rows order from stays as it was
    inventory.receive_stock(gift=objects["listed"], location=objects["warehouse"], quantity=1, at=now)
    order = orders.place_order(member=member.member, gift_id=objects["listed"].pk, quantity=1, now=now - timedelta(hours=1),
                               recipient_name="刘洋", recipient_phone="13800138000", address="杭州市文三路100号")
    shipments.hand_over_warehouse_orders(key="matrix-goods-back", actor=logistics, now=now, limit=1)
    shipment = picked_and_shipped(shipment=Shipment.objects.get(order=order), actor=logistics, now=now, carrier="顺丰",
                                  tracking_number="SF-MATRIX-GOODS-BACK")
    shipments.deliver_shipment(shipment=shipment, actor=logistics, now=max(now, timezone.now()), signer="刘洋")
    order.refresh_from_db()
    return_request = returns.request_return(order=order, actor=member, now=order.delivered_at, quantity=1, reason="defective")
    returns.approve_return(return_request=return_request, actor=users["operator"], now=order.delivered_at)
    returns.receive_return(return_request=return_request, actor=logistics, now=order.delivered_at)
    returns.inspect_return(return_request=return_request, actor=logistics, now=order.delivered_at, outcome="defective")
    return {"goods_back": return_request.goods_back}
