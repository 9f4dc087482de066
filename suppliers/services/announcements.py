"""Announcements and meeting notices (公告与会议通知, SPEC §4.9): the operator publishes to all active suppliers or to
chosen ones; each supplier reads and acknowledges its copy once; operators see who has not acknowledged.

Announcements go to suppliers the operator works with: a chosen supplier must be active or suspended (never an
applicant, a rejected or a terminated one); "to all" means every active supplier at publication time.
"""
from datetime import datetime

from django.db import transaction
from django.db.models import Case, Count, F, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext

from core.errors import NotFound, ValidationFailed, refuse
from core.roles import SUPPLIER_ROLES, Role, require_role, waiting_for
from core.texts import moment
from core.validators import id_or_none, storable_ids, years_error
from suppliers.models import Announcement, AnnouncementDelivery, Supplier
from suppliers.services.notices import Sms, text_supplier

RECIPIENT_STATES = Supplier.COOPERATING_STATES


def _recipients(*, to_all: bool, supplier_ids) -> list[Supplier]:
    if to_all:
        return list(Supplier.objects.filter(state=Supplier.State.ACTIVE).order_by("pk"))
    ids = sorted({int(pk) for pk in supplier_ids or []})
    if not ids:
        raise ValidationFailed(gettext("请选择至少一个礼品商"), field="suppliers")
    chosen = list(Supplier.objects.filter(pk__in=storable_ids(ids), state__in=RECIPIENT_STATES).order_by("pk"))
    if len(chosen) != len(ids):
        raise ValidationFailed(gettext("只能发给合作中或已暂停的礼品商"), field="suppliers")
    return chosen


def _check_fields(*, kind: str, title: str, body: str, meeting_at, place: str, agenda: str, now: datetime) -> None:
    errors = []
    if kind not in Announcement.Kind.values:
        errors.append(("kind", "invalid", gettext("未知的公告类型 %(kind)s") % {"kind": kind}))
    if not title.strip():
        errors.append(("title", "required", gettext("请填写标题")))
    if not body.strip():
        errors.append(("body", "required", gettext("请填写内容")))
    if kind == Announcement.Kind.MEETING:
        if meeting_at is None:
            errors.append(("meeting_at", "required", gettext("会议通知须填写会议时间")))
        elif message := years_error(meeting_at):
            errors.append(("meeting_at", "invalid", message))
        elif meeting_at < now:
            errors.append(("meeting_at", "in_the_past", gettext("会议时间已过，请填写将来的时间")))
        if not place.strip():
            errors.append(("place", "required", gettext("会议通知须填写会议地点")))
        if not agenda.strip():
            errors.append(("agenda", "required", gettext("会议通知须填写会议议程")))
    refuse(errors)


def publish_announcement(
    *, kind: str, title: str, body: str, actor, now: datetime, to_all: bool = True, suppliers=(), meeting_at: datetime | None = None,
    place: str = "", agenda: str = "",
) -> Announcement:
    """Publish an announcement or meeting notice: one delivery per recipient and an SMS to each contact (as its
    supplier's SMS setting allows), all or nothing.

    :raises PermissionDenied: unless an operator :raises ValidationFailed: every bad field, named (a meeting time
        already past among them)
    """
    require_role(actor, {Role.OPERATOR}, gettext("仅运营人员可以发布公告"))
    _check_fields(kind=kind, title=title, body=body, meeting_at=meeting_at, place=place, agenda=agenda, now=now)
    recipients = _recipients(to_all=to_all, supplier_ids=[getattr(s, "pk", s) for s in suppliers])
    meeting = kind == Announcement.Kind.MEETING
    with transaction.atomic():
        announcement = Announcement.objects.create(
            kind=kind, title=title.strip(), body=body.strip(), meeting_at=meeting_at if meeting else None,
            place=place.strip() if meeting else "", agenda=agenda.strip() if meeting else "", to_all=to_all,
            published_at=now, published_by=actor,
        )
        AnnouncementDelivery.objects.bulk_create(
            AnnouncementDelivery(announcement=announcement, supplier=supplier) for supplier in recipients
        )
        sms = _sms(announcement)
        for supplier in recipients:
            text_supplier(supplier, kind="announcement", now=now, sms=sms)
    return announcement


def _sms(announcement: Announcement) -> Sms:
    """What a recipient's contact is texted: the title; for a meeting its time and place too, which a contact away from
    the portal needs to keep the date."""
    if announcement.kind == Announcement.Kind.MEETING:
        context = {"title": announcement.title, "meeting_at": moment(announcement.meeting_at), "place": announcement.place}
        return Sms("supplier_meeting", context, announcement)
    return Sms("supplier_notice", {"title": announcement.title}, announcement)


def get_delivery(*, announcement_id: int, actor) -> AnnouncementDelivery:
    """The actor's supplier's copy of an announcement.

    :raises PermissionDenied: unless a supplier user :raises NotFound: if it was not sent to the actor's supplier
    """
    require_role(actor, SUPPLIER_ROLES, gettext("仅礼品商用户可以查看公告送达"))
    delivery = (
        AnnouncementDelivery.objects.visible_to(actor).select_related("announcement", "acknowledged_by")
        .filter(announcement_id=announcement_id).first()
    ) if id_or_none(announcement_id) else None
    if delivery is None:
        raise NotFound()
    return delivery


def mark_read(*, delivery: AnnouncementDelivery, actor, now: datetime) -> AnnouncementDelivery:
    """Mark the supplier's copy read on opening; opening it again keeps the first time.

    :raises PermissionDenied: unless a user of that supplier
    """
    _require_own(delivery, actor)
    AnnouncementDelivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=now)
    delivery.refresh_from_db()
    return delivery


def acknowledge(*, delivery: AnnouncementDelivery, actor, now: datetime) -> AnnouncementDelivery:
    """Acknowledge the supplier's copy (it also counts as read); once per supplier: acknowledging it again changes
    nothing and returns the first acknowledgement (who and when), as marking a notice read again does.

    :raises PermissionDenied: unless a user of that supplier
    """
    _require_own(delivery, actor)
    with transaction.atomic():
        AnnouncementDelivery.objects.filter(pk=delivery.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor
        )
        AnnouncementDelivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=now)
    delivery.refresh_from_db()
    return delivery


def _require_own(delivery: AnnouncementDelivery, actor) -> None:
    require_role(actor, SUPPLIER_ROLES, gettext("仅礼品商用户可以阅读和确认公告"))
    if getattr(actor, "supplier_id", None) != delivery.supplier_id:
        raise NotFound()


@waiting_for(SUPPLIER_ROLES)
def unread_count(user) -> QuerySet | int:
    """The announcements the user's supplier has not opened yet (0 for anyone but supplier users)."""
    if not user.supplier_id:
        return 0
    return AnnouncementDelivery.objects.filter(supplier_id=user.supplier_id, read_at__isnull=True)


def list_deliveries(*, actor) -> QuerySet[AnnouncementDelivery]:
    """The deliveries the actor sees (a supplier its own, operators all), unread first, then newest first."""
    unread_first = Case(When(read_at__isnull=True, then=Value(0)), default=Value(1))
    return (
        AnnouncementDelivery.objects.visible_to(actor).select_related("announcement", "supplier", "acknowledged_by")
        .order_by(unread_first, "-announcement__published_at", "-id")
    )


def list_announcements(*, actor) -> QuerySet[Announcement]:
    """Announcements with their delivery and acknowledgement counts, newest first (operators see all)."""
    return (
        Announcement.objects.visible_to(actor).select_related("published_by")
        .annotate(delivered_count=Count("deliveries", distinct=True),
                  acknowledged_count=Count("deliveries", filter=Q(deliveries__acknowledged_at__isnull=False), distinct=True))
        .annotate(pending_count=F("delivered_count") - F("acknowledged_count"))
        .order_by("-published_at", "-id")
    )


def not_acknowledged(*, announcement: Announcement) -> QuerySet[Supplier]:
    """The recipients that have not acknowledged the announcement yet, by name."""
    pending = AnnouncementDelivery.objects.filter(announcement=announcement, supplier=OuterRef("pk"), acknowledged_at__isnull=True)
    return Supplier.objects.filter(Exists(pending)).order_by("name", "pk")
