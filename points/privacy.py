"""Who may read a member's contact data on an order or a complaint (SPEC §4.13); everyone else sees it masked."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.masking import mask_name, mask_phone
from core.roles import SUPPLIER_ROLES, Role
from core.services import log_personal_data_access
from points.models import Complaint, RedemptionOrder

DROPSHIP_CONTACT_DAYS_AFTER_DELIVERY = 7
CONTACT_FIELDS = ("member_name", "member_phone", "contact_name", "contact_phone")  # a complainant's, in the API too
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


@dataclass(frozen=True)
class ComplainantContact:
    """Who complained, as one reader may see it: the member's name and phone (the order's recipient snapshot, or the
    member's own for a complaint about no order) and a hotline caller's contact."""

    member_name: str
    member_phone: str
    contact_name: str
    contact_phone: str
    unmasked: bool


def complainant_contact(*, complaint: Complaint, user, now: datetime, listing: bool = False) -> ComplainantContact:
    """The complainant's contact as `user` may read it: the member its own in full; on the page of a complaint about an
    order, whoever may read that order's contact (`may_see_contact`: its dropship supplier in the window, logistics staff
    for a warehouse order); everyone else, operators included, masked. A list shows others' contact masked."""
    order = complaint.order
    if user.role == Role.MEMBER:
        unmasked = complaint.member_id is not None and complaint.member_id == user.member_id
    else:
        unmasked = not listing and order is not None and may_see_contact(user=user, order=order, now=now)
    if order is not None:
        name, phone = order.recipient_name, order.recipient_phone
    elif complaint.member_id:
        name, phone = complaint.member.name, complaint.member.phone
    else:
        name, phone = "", ""
    if not unmasked:
        return ComplainantContact(mask_name(name), mask_phone(phone), mask_name(complaint.contact_name), mask_phone(complaint.contact_phone), False)
    return ComplainantContact(name, phone, complaint.contact_name, complaint.contact_phone, True)


def read_complainant_contact(*, complaint: Complaint, user, now: datetime) -> ComplainantContact:
    """`complainant_contact` on the complaint's own page; a read of unmasked data by anyone but the member is logged."""
    contact = complainant_contact(complaint=complaint, user=user, now=now)
    if contact.unmasked and user.role != Role.MEMBER:
        log_personal_data_access(actor=user, subject=complaint, fields=list(CONTACT_FIELDS), purpose="complaint", at=now)
    return contact

