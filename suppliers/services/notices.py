"""Notices to suppliers: the portal inbox plus an SMS to the supplier's contact, as the supplier's SMS setting allows."""
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from core.texts import Message, storable
from core.errors import NotFound, PermissionDenied
from core.models import Notification
from core.notifications import Text, notify, notify_all
from core.roles import SUPPLIER_ROLES, waiting_for
from core.selectors import answering
from suppliers.models import Gift, Notice, Supplier


#: Notices that ask the supplier to act (often by a deadline): a supplier whose SMS setting is "only notices that need
#: our action" is texted these and no others. Every kind sent anywhere is in this set or in INFO_KINDS.
ACTION_KINDS = frozenset({
    "announcement",  # an announcement or meeting notice, whose acknowledgement the operator waits for
    "application_rejected",  # apply again with what was missing
    "complaint_assigned",  # answer within 48 hours
    "complaint_reminder",  # an operator chases the answer to an escalated complaint
    "contract_rejected", "gift_rejected", "profile_change_rejected", "qualification_rejected", "revision_rejected",  # correct and resubmit
    "dropship_to_ship",  # ship the dropship orders handed to it within 48 hours
    "dropship_redelivery", "dropship_replacement", "dropship_send_back",  # ship the dropship parcel made for it within 48 hours
    "leftover_lots",  # collect the leftover lot by its deadline (or it is disposed of)
    "goods_back_dispatched",  # confirm receipt of the defective units sent back, or object
    "inbound_over_received",  # announce the units that came beyond an inbound shipment's announcement
    "own_stock_low",  # restock the own warehouse
    "qualification_expired", "qualification_expiring",  # upload the renewed licence or certificate
    "gift_schedule_cancelled",  # a gift not listed at its time for a qualification missing: renew it
    "rectification_case",  # a warning or rectification to answer by its deadline
    "replacement_reshipped",  # a dropship supplier ships the replacement again
    "replenishment",  # replenish the location by the due date
    "return_approved",  # receive the returned goods
    "statement_issued",  # confirm or dispute within 10 days
    "statement_deadline_moved",  # confirm or dispute by the deadline its first reconciliation upload moved
    "supplier_reactivated",  # ask for its gifts taken offline to be listed again
    "suspension_proposed",  # a warning: scored under the threshold two months running, improve before an operator suspends it
})
#: Notices that tell the supplier of a decision or a fact, nothing asked of it.
INFO_KINDS = frozenset({
    "adjustment_approved", "assessment_published", "complaint_auto_resolved", "complaint_escalated", "contract_approved", "extra_cost_charged", "extra_cost_voided",
    "gift_approved", "gift_clearance", "gift_delisted", "gift_published", "gift_retired", "inbound_put_away", "inbound_received",
    "profile_change_approved", "public_complaint_answered", "qualification_approved", "re_evaluation_renewed", "replacement_refunded", "return_inspected",
    "revision_approved", "stock_corrected", "statement_collected", "statement_deemed_confirmed", "statement_paid", "supplier_approved",
    "supplier_suspended", "supplier_terminated",  # its leftover stock to collect comes as a leftover_lots notice of its own
    "suspension_dismissed",  # an operator decided not to suspend it (the reason given)
})


def needs_action(kind: str) -> bool:
    """Whether a notice of this kind asks the supplier to act.

    :raises KeyError: for a kind in neither ACTION_KINDS nor INFO_KINDS
    """
    if kind in ACTION_KINDS:
        return True
    if kind in INFO_KINDS:
        return False
    raise KeyError(f"notice kind {kind!r} is in neither ACTION_KINDS nor INFO_KINDS")


@dataclass(frozen=True)
class Sms:
    """An SMS of a kind of its own (`core.notifications.KINDS`) instead of the notice's title, with its template's values."""

    kind: str
    context: dict
    subject: Any


def text_supplier(supplier: Supplier, *, kind: str, sms: Sms, now: datetime) -> Notification | None:
    """Text the supplier's contact about something of `kind`, as its SMS setting allows (all; only what needs its
    action; none), as `wants_sms` decides for every notice texted. The outbox row, or None when not sent.

    :raises KeyError: for a kind not classified (`needs_action`), whatever the setting
    """
    if not wants_sms(supplier, kind):
        return None
    return notify(kind=sms.kind, phone=supplier.contact_phone, at=now, context=sms.context, subject=sms.subject)


def wants_sms(supplier: Supplier, kind: str) -> bool:
    """Whether the supplier's SMS setting lets a notice of `kind` be texted (`text_supplier`, and the batches of
    `send_inbox_notices` that text).

    :raises KeyError: for a kind not classified (`needs_action`), whatever the setting
    """
    wanted, acting = supplier.sms_notices, needs_action(kind)
    return not (wanted == Supplier.SmsNotices.NONE or (wanted == Supplier.SmsNotices.ACTION and not acting))


def send_notice(
    *, supplier: Supplier, kind: str, title: str, body: str, now: datetime, params: dict | None = None, link: str = "",
    sms: bool | Sms = True,
) -> Notice:
    """Put a notice in the supplier's inbox, linking to the page of what it is about (`link`, a path), and text its
    contact as its SMS setting allows (`text_supplier`), in the caller's transaction: the notice's title, or `sms`, an
    SMS of its own kind; `sms=False` for routine work that sends none.

    `title` and `body` are message ids marked with gettext_noop, with %(name)s placeholders for `params` (text,
    numbers; dates and amounts formatted by the caller): each reader sees them in its own language. The SMS carries
    the title in Chinese. A value may be a `core.texts.Message` or a list of them, written in the reader's language too.

    :raises KeyError: for a kind not classified (`needs_action`)
    """
    needs_action(kind)
    params = storable(params) or {}
    with transaction.atomic():
        notice = Notice.objects.create(supplier=supplier, kind=kind, title=title, body=body, params=params, link=link, created_at=now)
        if sms:
            text = sms if isinstance(sms, Sms) else Sms("supplier_notice", {"title": notice.title_text}, notice)
            text_supplier(supplier, kind=kind, sms=text, now=now)
    return notice


def send_inbox_notices(
    rows: list[tuple[int, dict, str]], *, kind: str, title: str, body: str, now: datetime, sms: bool = False,
) -> list[Notice]:
    """Notices of one kind for a batch the system runs (a beat job), one insert for all: (supplier id, params, link)
    per row. Inbox only by default — an SMS goes with a decision on one object, not with each row of a routine batch;
    `sms=True` for a batch whose every row is news of weight to its supplier (a suspension proposed): each supplier is
    texted its notice's title as its SMS setting allows (`wants_sms`), read in one query and written in one insert.

    :raises KeyError: for a kind not classified (`needs_action`)
    """
    needs_action(kind)
    notices = Notice.objects.bulk_create(
        Notice(supplier_id=supplier_id, kind=kind, title=title, body=body, params=storable(params) or {}, link=link, created_at=now)
        for supplier_id, params, link in rows
    )
    if sms and notices:
        suppliers = Supplier.objects.in_bulk({n.supplier_id for n in notices})
        notify_all([Text("supplier_notice", suppliers[n.supplier_id].contact_phone, {"title": n.title_text}, n)
                    for n in notices if wants_sms(suppliers[n.supplier_id], kind)], at=now)
    return notices


def decision_note(reason: str | None) -> Message | str:
    """The decider's note for a notice body's %(note)s: 说明：… when an operator or finance clerk gave one, else nothing."""
    reason = (reason or "").strip()
    return Message(gettext_noop("说明：%(reason)s"), reason=reason) if reason else ""


def send_gift_notice(*, gift: Gift, kind: str, title: str, body: str, now: datetime, note: str = "", **params) -> Notice:
    """A notice about one of the supplier's gifts, linking to the gift's page: `title` and `body` may name %(sku)s and
    %(gift)s (its name) and %(note)s (`decision_note` of the decider's `note`) besides `params`."""
    return send_notice(supplier=gift.supplier, kind=kind, title=title, body=body, now=now, link=reverse("gift-detail", args=[gift.pk]),
                       params={"sku": gift.sku, "gift": gift.name, "note": decision_note(note), **params})


def mark_notice_read(*, notice_id: int, actor, now: datetime) -> Notice:
    """Mark one of the actor's supplier's notices read (reading twice keeps the first time).

    :raises PermissionDenied: unless a supplier user (an operator reads the inboxes but marks nothing read for them)
    :raises NotFound: for another supplier's notice
    """
    _require_supplier_user(actor)
    notice = Notice.objects.visible_to(actor).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now)
    notice.refresh_from_db()
    return notice


def mark_all_notices_read(*, actor, now: datetime) -> int:
    """Mark every unread notice of the actor's own supplier read, at `now`, and say how many; read ones keep their time.

    :raises PermissionDenied: unless a supplier user
    """
    _require_supplier_user(actor)
    return Notice.objects.filter(supplier_id=actor.supplier_id, read_at__isnull=True).update(read_at=now)


#: the fields the inbox's search finds its words in
NOTICE_SEARCHED = ("title", "body", "supplier__name")


def asking_action(notices: QuerySet[Notice], asks: bool | None) -> QuerySet[Notice]:
    """`notices` narrowed to those that ask their supplier to act (ACTION_KINDS, as its SMS setting reads them), or
    (False) to those that only tell it something; None: all of them."""
    return answering(notices, Q(kind__in=ACTION_KINDS), asks)


def list_notices(*, actor, unread: bool | None = None) -> QuerySet[Notice]:
    """The notices the actor may read (a supplier's users their inbox, operators every inbox), newest first, with their
    supplier; `unread`: only those not read yet, or (False) only those read (`core.selectors.answering`). The inbox
    page and the API list them through it."""
    return answering(Notice.objects.visible_to(actor).select_related("supplier"), Q(read_at__isnull=True), unread)


@waiting_for(SUPPLIER_ROLES)
def unread_notices(user) -> QuerySet:
    """The notices in the user's supplier's inbox not read yet (the inbox's navigation badge)."""
    return Notice.objects.filter(supplier_id=user.supplier_id, read_at__isnull=True)


def may_mark_read(actor) -> bool:
    """Only a supplier's own users mark its notices read (an operator reads the inboxes, marks nothing)."""
    return getattr(actor, "role", None) in SUPPLIER_ROLES and bool(actor.supplier_id)


def _require_supplier_user(actor) -> None:
    if not may_mark_read(actor):
        raise PermissionDenied(gettext("只有礼品商用户可以标记自己的通知为已读"))
