"""Builders of the returns tests: deliver an order, ask for a return, receive it, charge an extra cost."""
from logistics.models import ExtraCost, ReturnRequest, Shipment
from logistics.services import costs, returns, shipments
from points.models import RedemptionOrder
from tests.helpers import picked_and_shipped


def deliver(order: RedemptionOrder, *, actor, now, key: str = "B1") -> RedemptionOrder:
    """Hand over, ship and deliver a confirmed warehouse order at `now`."""
    shipments.hand_over_warehouse_orders(key=key, actor=actor, now=now)
    order.refresh_from_db()
    shipment = shipments.active_shipment(order)
    picked_and_shipped(shipment=shipment, actor=actor, now=now, carrier="顺丰", tracking_number=f"SF{order.pk}")
    shipments.deliver_shipment(shipment=shipment, actor=actor, now=now, signer="刘洋")
    order.refresh_from_db()
    return order


def request(order, *, now, quantity=1, reason="unused", remedy="refund", **extra) -> ReturnRequest:
    member = order.member.user
    return returns.request_return(order=order, actor=member, now=now, quantity=quantity, reason=reason, remedy=remedy, **extra)


def received(order, *, operator, handler, now, **kwargs) -> ReturnRequest:
    """A return approved by the operator and received by `handler`."""
    return_request = request(order, now=now, **kwargs)
    returns.approve_return(return_request=return_request, actor=operator, now=now)
    return returns.receive_return(return_request=return_request, actor=handler, now=now)


def charge(order, *, actor, now, kind: str = "return_freight", payer: str = "supplier", description: str = "") -> ExtraCost:
    """Record an extra cost of the order (as `actor`)."""
    return costs.record_extra_cost(
        kind=kind, payer=payer, supplier=order.supplier, order=order, description=description, actor=actor, now=now
    )


def replacement_shipped(return_request, *, logistics, now, tracking_number="SF-REPL") -> Shipment:
    parcel = Shipment.objects.filter(replacement_for=return_request).order_by("pk").last()
    return picked_and_shipped(shipment=parcel, actor=logistics, now=now, carrier="顺丰", tracking_number=tracking_number)
