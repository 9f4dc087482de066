"""Who may read a member's contact data on an order (SPEC §4.13); everyone else sees it masked."""
from datetime import datetime, timedelta

from core.roles import SUPPLIER_ROLES, Role
from points.models import RedemptionOrder

DROPSHIP_CONTACT_DAYS_AFTER_DELIVERY = 7
_BEFORE_CONFIRMATION = {RedemptionOrder.State.AWAITING_CONFIRMATION, RedemptionOrder.State.EXPIRED}
#: A warehouse order the logistics provider may still have to act on: to hand over, ship, deliver again, or take back
#: (a delivered order stays `delivered` while a return of it is possible or open; it completes when none can be).
_OPEN_FOR_LOGISTICS = {
    RedemptionOrder.State.CONFIRMED, RedemptionOrder.State.HANDED_OVER, RedemptionOrder.State.SHIPPED,
    RedemptionOrder.State.DELIVERY_FAILED, RedemptionOrder.State.DELIVERED,
}


def may_see_contact(*, user, order: RedemptionOrder, now: datetime) -> bool:
    """The member itself; logistics staff for a warehouse order while it is open for delivery or return (from
    confirmation until it is completed, fully returned or cancelled); a dropship supplier for its own order from
    confirmation until 7 days after delivery."""
    if user.role == Role.MEMBER:
        return order.member_id == user.member_id
    if user.role == Role.LOGISTICS:
        return order.fulfilment == "warehouse" and order.state in _OPEN_FOR_LOGISTICS
    if user.role in SUPPLIER_ROLES and order.supplier_id == user.supplier_id and order.fulfilment == "dropship":
        if order.state in _BEFORE_CONFIRMATION or order.state == RedemptionOrder.State.CANCELLED:
            return False
        return order.delivered_at is None or now <= order.delivered_at + timedelta(days=DROPSHIP_CONTACT_DAYS_AFTER_DELIVERY)
    return False
