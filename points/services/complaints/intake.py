"""Taking in a complaint or a suggestion: what may be named in one, the channel it comes through, opening it."""
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.fsm import log_creation
from core.models import TransitionLog
from core.numbers import create_numbered
from core.roles import OPERATORS, SUPPLIER_ROLES, Role, require_role
from core.validators import validate_mobile
from points.models import Complaint, Member, RedemptionOrder
from suppliers.models import Gift, Supplier
from suppliers.selectors import list_catalog

Kind, Channel = Complaint.Kind, Complaint.Channel
#: who complains about a supplier on their own behalf (the public channel, from a page of their own): a supplier's users
#: (about another supplier), logistics and finance staff; members complain through their own channel, operators through
#: the hotline's (`complaint_channel`)
PUBLIC_OPENERS = frozenset({Role.LOGISTICS, Role.FINANCE, *SUPPLIER_ROLES})
#: what anyone may name in a complaint: a gift that has been in the catalog, a supplier that has been cooperating (a draft
#: gift or an application is known only to its supplier and the staff)
PUBLIC_GIFTS = (Gift.State.ONLINE, Gift.State.OFFLINE, Gift.State.CLEARANCE, Gift.State.RETIRED)
PUBLIC_SUPPLIERS = (Supplier.State.ACTIVE, Supplier.State.SUSPENDED, Supplier.State.TERMINATED)


def complainable_gifts(user) -> QuerySet[Gift]:
    """The gifts `user` may name in a complaint: for a member those of its own catalog (its program, up to its tier) and
    those of its own orders; for anyone else those it may see, and any gift that is or has been in the catalog (one
    sent back to review for relisting has been, which its state no longer says: its transition log does)."""
    if user.role == Role.MEMBER:
        member = Member.objects.filter(pk=user.member_id).select_related("program").first()
        if member is None:
            return Gift.objects.none()
        ordered = RedemptionOrder.objects.filter(member=member).values("gift_id")
        return Gift.objects.filter(Q(pk__in=list_catalog(program=member.program, tier=member.tier).values("pk")) | Q(pk__in=ordered))
    once_online = TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Gift), target_state=Gift.State.ONLINE
    ).values("object_id")
    return Gift.objects.visible_to(user) | Gift.objects.filter(Q(state__in=PUBLIC_GIFTS) | Q(pk__in=once_online))


def complainable_suppliers(user) -> QuerySet[Supplier]:
    """The suppliers `user` may name in a complaint: the public ones and those it may see."""
    return Supplier.objects.visible_to(user) | Supplier.objects.filter(state__in=PUBLIC_SUPPLIERS)


def barred_supplier(actor) -> int | None:
    """The supplier the actor may not complain about: a supplier's user's own (it complains, through the public channel,
    about another supplier); None for anyone else, who belongs to no supplier."""
    return getattr(actor, "supplier_id", None)


def suppliers_to_complain_about(user) -> QuerySet[Supplier]:
    """The suppliers `user` may choose to complain about: those it may name (`complainable_suppliers`) but the one it may
    not complain about (`barred_supplier`), which open_complaint refuses."""
    rows = complainable_suppliers(user)
    return rows.exclude(pk=barred) if (barred := barred_supplier(user)) else rows


def _check_named(actor, gift: Gift | None, supplier: Supplier | None, member: Member | None, order: RedemptionOrder | None) -> None:
    """:raises NotFound: naming what the actor may not name (as if it did not exist: a complaint must not reveal it);
    the gift of the order named is always named rightly (whose order it is, is checked on its own)"""
    if gift is not None and order is not None and gift.pk == order.gift_id:
        gift = None
    for field, named, rows in (("gift", gift, complainable_gifts), ("supplier", supplier, complainable_suppliers),
                               ("member", member, Member.objects.visible_to)):
        if named is not None and not rows(actor).filter(pk=named.pk).exists():
            raise NotFound(gettext("对象不存在或无权查看"), field=field)


def complaint_channel(actor) -> str:
    """The channel of the complaints the actor opens: a member's own, the hotline for an operator (on a caller's behalf),
    the public one for `PUBLIC_OPENERS` (and superusers of any other role, as `require_role` admits them).

    :raises PermissionDenied: for anyone else, who may open no complaint (as the page for complaining about a supplier
        refuses them)
    """
    role = getattr(actor, "role", None)
    if role == Role.MEMBER:
        return Channel.MEMBER
    if role in OPERATORS:
        return Channel.HOTLINE
    require_role(actor, PUBLIC_OPENERS)
    return Channel.PUBLIC


def open_complaint(
    *, actor, now: datetime, title: str, description: str, order: RedemptionOrder | None = None, gift: Gift | None = None,
    supplier: Supplier | None = None, member: Member | None = None, contact_name: str = "", contact_phone: str = "",
) -> Complaint:
    """Open a complaint: a member about its own order, a gift or a supplier; an operator on a member's behalf (hotline:
    the member, the order's member when an order is named, or a contact name and phone; a member's contact is who called,
    its phone may be another than the member's); anyone else about a supplier (public). The supplier is the order's or gift's.

    :raises PermissionDenied: for one who may open no complaint (`complaint_channel`), before anything else
    :raises ValidationFailed: a blank title or description, a contact phone that is no mobile number, another member's order
        (a hotline one: not the order of the member named), an order or gift of another supplier than the one named, a
        hotline complaint with neither member, order nor contact, a public one naming no supplier
    :raises NotFound: naming a gift, supplier or member the actor may not name (`complainable_gifts`, …)
    """
    channel = complaint_channel(actor)
    title, description = _title_and_text(title, description, missing_text=gettext("请填写投诉内容"))
    _check_named(actor, gift, supplier, member, order)
    contact_phone = validate_mobile(contact_phone, field="contact_phone") if (contact_phone or "").strip() else ""
    if channel == Channel.MEMBER:
        member = actor.member
    elif channel == Channel.HOTLINE:
        member = _hotline_member(member, order)
        if member is None and not ((contact_name or "").strip() and contact_phone):
            raise ValidationFailed(gettext("请指定会员或填写联系人与电话"), field="member")
    else:
        member = None
    if order is not None and (member is None or order.member_id != member.pk):
        raise ValidationFailed(gettext("只能投诉本人的订单"), field="order")
    concerned = {s for s in (order and order.supplier_id, gift and gift.supplier_id, supplier and supplier.pk) if s}
    if len(concerned) > 1:
        raise ValidationFailed(gettext("订单、礼品与礼品商不一致"), field="supplier")
    if channel == Channel.PUBLIC and not concerned:
        raise ValidationFailed(gettext("请指定被投诉的礼品商或礼品"), field="supplier")
    if barred_supplier(actor) in concerned:
        raise ValidationFailed(gettext("不能投诉本礼品商"), field="supplier")
    if order is not None and gift is None:
        gift = order.gift
    with transaction.atomic():
        return _opened(create_numbered(
            Complaint, prefix="CP", now=now, kind=Kind.COMPLAINT, channel=channel, member=member, order=order, gift=gift,
            supplier_id=next(iter(concerned), None), contact_name=(contact_name or "").strip(),
            contact_phone=contact_phone, title=title, description=description, opened_by=actor, opened_at=now,
        ), actor=actor, now=now)


def _hotline_member(member: Member | None, order: RedemptionOrder | None) -> Member | None:
    """The member a hotline complaint is about: the order's when an order is named (a caller may give its number alone,
    and call from a phone not its own: the contact then says who called), else the member named.

    :raises ValidationFailed: naming a member whose order it is not
    """
    if order is None:
        return member
    if member is not None and member.pk != order.member_id:
        raise ValidationFailed(gettext("该订单不属于所指定的会员"), field="order")
    return order.member


def send_suggestion(*, actor, now: datetime, title: str, description: str) -> Complaint:
    """A supplier's suggestion (建议) to the operator, through the complaint channel, without a deadline.

    :raises PermissionDenied: for anyone but a supplier's user :raises ValidationFailed: a blank title or text
    """
    if getattr(actor, "role", None) not in SUPPLIER_ROLES or not actor.supplier_id:
        raise PermissionDenied(gettext("只有礼品商可以提交建议"))
    title, description = _title_and_text(title, description, missing_text=gettext("请填写建议内容"))
    with transaction.atomic():
        return _opened(create_numbered(
            Complaint, prefix="SG", now=now, kind=Kind.SUGGESTION, channel=Channel.SUPPLIER, supplier_id=actor.supplier_id,
            title=title, description=description, opened_by=actor, opened_at=now,
        ), actor=actor, now=now)


def _title_and_text(title: str, description: str, *, missing_text: str) -> tuple[str, str]:
    """The title and text of a complaint or suggestion, trimmed.

    :raises ValidationFailed: a blank title, or a blank text (`missing_text` says so)
    """
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise ValidationFailed(gettext("请填写标题"), field="title")
    if not description:
        raise ValidationFailed(missing_text, field="description")
    return title, description


def _opened(complaint: Complaint, *, actor, now: datetime) -> Complaint:
    """The new complaint or suggestion, its history begun with who sent it and when."""
    log_creation(complaint, "open", actor=actor, at=now)
    return complaint
