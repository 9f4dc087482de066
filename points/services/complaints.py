"""Complaints and suggestions (投诉与建议, SPEC §4.9): one channel, triaged to the party who answers within 48 hours.

`open → triaged → responded → resolved`; `triaged | reopened → escalated` when a deadline passes unanswered (beat,
once per deadline); `escalated | reopened → responded`; `resolved → reopened` by the member within 7 days, which
starts a new deadline. An operator chases the supplier or logistics provider of an escalated complaint (催办, a
`ComplaintReminder`: no state change; a supplier is told in its inbox, logistics staff find it marked in their queue
and on their home page). Each deadline is a `ComplaintDeadline` row (the SLA facts the assessment counts). A
suggestion comes from a supplier, is triaged to the operator and has no deadline.
"""
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.db.models import Case, Count, DateTimeField, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, gettext_noop

from core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from core.fsm import apply_transition, bulk_transition, log_creation
from core.models import TransitionLog
from core.notifications import notify
from core.numbers import create_numbered
from core.roles import OPERATORS, SUPPLIER_ROLES, Role, has_role, require_role, waiting_for
from core.selectors import answering
from core.validators import refuse_nul, validate_mobile, validate_reason
from core.texts import moment
from points.models import Complaint, ComplaintDeadline, ComplaintReminder, Member, RedemptionOrder
from points.models.complaints import Party
from points.errors import AlreadyReminded, NotEscalated, ReopenWindowOver
from points.selectors import search_complaints
from suppliers.models import Gift, Supplier
from suppliers.selectors import list_catalog
from suppliers.services.notices import decision_note, send_inbox_notices, send_notice

State, Kind, Channel = Complaint.State, Complaint.Kind, Complaint.Channel
DEADLINE = timedelta(hours=48)
AUTO_RESOLVE_AFTER = timedelta(days=3)
REOPEN_WITHIN = timedelta(days=7)
ANSWER_SHOWN_FOR = timedelta(days=7)  # an answer to a complaint about a supplier stays on its opener's home page so long
REMIND_AGAIN_AFTER = timedelta(hours=1)  # an operator's reminder (催办) is not repeated sooner: one SMS, not one per click
#: the parties an operator chases (催办) once their answer is late; the operator answering itself is not chased
CHASED_PARTIES = (Party.SUPPLIER, Party.LOGISTICS)
WAITING = (State.TRIAGED, State.REOPENED)  # a deadline is running
ANSWERABLE = (State.TRIAGED, State.ESCALATED, State.REOPENED)
#: who answers for each responsible party (首问负责); a supplier's users answer only for their own supplier
RESPONDERS = {Party.SUPPLIER: SUPPLIER_ROLES, Party.LOGISTICS: frozenset({Role.LOGISTICS}), Party.OPERATOR: OPERATORS}
RESPONDER_ROLES = frozenset().union(*RESPONDERS.values())
#: who complains about a supplier on their own behalf (the public channel, from a page of their own): a supplier's users
#: (about another supplier), logistics and finance staff; members complain through their own channel, operators through
#: the hotline's (`complaint_channel`)
PUBLIC_OPENERS = frozenset({Role.LOGISTICS, Role.FINANCE, *SUPPLIER_ROLES})
WAITS_FOR_TRIAGE, WAITS_FOR_MEMBER = "triage", "member"  # `waits_for` besides the responsible parties
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
    """Open a complaint: a member about its own order, a gift or a supplier; an operator on a member's behalf (hotline,
    the member or a contact name and phone); anyone else about a supplier (public). The supplier is the order's or gift's.

    :raises PermissionDenied: for one who may open no complaint (`complaint_channel`), before anything else
    :raises ValidationFailed: a blank title or description, a contact phone that is no mobile number, another member's order, an order or gift of another supplier
        than the one named, a hotline complaint with neither member nor contact, a public one naming no supplier
    :raises NotFound: naming a gift, supplier or member the actor may not name (`complainable_gifts`, …)
    """
    channel = complaint_channel(actor)
    title, description = _title_and_text(title, description, missing_text=gettext("请填写投诉内容"))
    _check_named(actor, gift, supplier, member, order)
    contact_phone = validate_mobile(contact_phone, field="contact_phone") if (contact_phone or "").strip() else ""
    if channel == Channel.MEMBER:
        member = actor.member
    elif channel == Channel.HOTLINE:
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


def triage_parties(complaint: Complaint) -> list[str]:
    """The parties the complaint can be routed to: a suggestion to the operator only, a complaint about no supplier to
    logistics or the operator, any other to all three."""
    if complaint.kind == Kind.SUGGESTION:
        return [Party.OPERATOR]
    return [party for party in Party.values if party != Party.SUPPLIER or complaint.supplier_id is not None]


def triage_complaint(*, complaint: Complaint, actor, now: datetime, responsible: str, reason: str = "") -> Complaint:
    """An operator hands the complaint to the party who answers, starting its 48-hour deadline (a suggestion goes to
    the operator, without a deadline).

    :raises PermissionDenied: for anyone but an operator :raises InvalidTransition: unless open
    :raises ValidationFailed: a reason over REASON_MAX_LENGTH characters; a party not among `triage_parties` (unknown, the supplier for a complaint about no
        supplier, anyone but the operator for a suggestion)
    """
    _require_operator(actor, gettext("只有运营可以分派"))
    reason = validate_reason(reason)
    if responsible not in Party.values:
        raise ValidationFailed(gettext("未知的责任方"), field="responsible")
    if responsible not in triage_parties(complaint):
        message = gettext("建议由运营方处理") if complaint.kind == Kind.SUGGESTION else gettext("该投诉不涉及礼品商")
        raise ValidationFailed(message, field="responsible")
    with transaction.atomic():
        if complaint.kind == Kind.SUGGESTION:
            return apply_transition(complaint, "triage", actor=actor, at=now, reason=reason, responsible=responsible, deadline=None)
        apply_transition(complaint, "triage", actor=actor, at=now, reason=reason, responsible=responsible, deadline=now + DEADLINE)
        _start_deadline(complaint, now)
        _ask_supplier_to_answer(complaint, title=gettext_noop("投诉 %(number)s 待您答复"), now=now)
    return complaint


def _ask_supplier_to_answer(complaint: Complaint, *, title: str, now: datetime) -> None:
    """A complaint the supplier answers (triaged to it) waits for its answer by the deadline just started: tell it."""
    if complaint.responsible == Party.SUPPLIER:
        send_notice(supplier=complaint.supplier, kind="complaint_assigned", title=title, body=gettext_noop("请于 %(deadline)s 前在「投诉处理」中答复。"),
                    params={"number": complaint.number, "deadline": moment(complaint.deadline)},
                    now=now, link=reverse("complaint", args=[complaint.pk]))


def operates(user) -> bool:
    """Whether the user acts for the operator (one of `core.roles.OPERATORS` or a superuser): taking, triaging and
    chasing complaints are its steps, whatever a complaint's state. The one rule of their permission, of the pages
    offering them and of the API's steps (`core.roles.require_role(user, OPERATORS)` is the same check)."""
    return has_role(user, OPERATORS)


def answers_for(*, user, complaint: Complaint) -> bool:
    """Whether answering the complaint is the user's step at all, whatever its state: its responsible party's
    (`may_respond`), or before it has one, anyone who answers for some party."""
    if complaint.responsible:
        return may_respond(user=user, complaint=complaint)
    return user is not None and (user.is_superuser or any(user.role in roles for roles in RESPONDERS.values()))


def may_take(*, user, complaint: Complaint) -> bool:
    """Whether the user may take the complaint to answer it itself: an operator, while the complaint waits to be
    triaged (taking it routes it to the operator, with its deadline)."""
    return (
        operates(user) and complaint.state == State.OPEN
        and Party.OPERATOR in triage_parties(complaint)
    )


def take_complaint(*, complaint: Complaint, actor, now: datetime, reason: str = "") -> Complaint:
    """An operator takes an open complaint to answer it itself: triaged to the operator, its deadline running.

    :raises PermissionDenied: for anyone but an operator :raises InvalidTransition: unless open
    """
    _require_operator(actor, gettext("只有运营可以受理"))
    if not may_take(user=actor, complaint=complaint):
        raise InvalidTransition(gettext("该投诉已分派，不能再受理"))
    return triage_complaint(complaint=complaint, actor=actor, now=now, responsible=Party.OPERATOR, reason=reason)


def waits_for(complaint: Complaint) -> str:
    """Whose move it is: the operator to triage, the responsible party to answer, the member to accept the answer (a
    member's complaint only; another resolves by itself); "" when nobody's."""
    if complaint.state == State.OPEN:
        return WAITS_FOR_TRIAGE
    if complaint.state in ANSWERABLE:
        return complaint.responsible
    if complaint.state == State.RESPONDED and complaint.member_id:
        return WAITS_FOR_MEMBER
    return ""


def may_respond(*, user, complaint: Complaint) -> bool:
    """Whether the user answers for the complaint's responsible party (a supplier's users for their own supplier only)."""
    if user is None or not complaint.responsible:
        return False
    if user.is_superuser:
        return True
    if user.role not in RESPONDERS[complaint.responsible]:
        return False
    return complaint.responsible != Party.SUPPLIER or user.supplier_id == complaint.supplier_id


def respond_to_complaint(*, complaint: Complaint, actor, now: datetime, response: str) -> Complaint:
    """The responsible party answers; the running deadline is marked answered and the member is told by SMS. The answer
    is the reason of its history entry, so that every answer stays in the history once the complaint is answered again.

    :raises ValidationFailed: a blank response :raises PermissionDenied: for anyone but the responsible party
    :raises InvalidTransition: unless triaged, escalated or reopened
    """
    response = (response or "").strip()
    if not response:
        raise ValidationFailed(gettext("请填写答复内容"), field="response")
    refuse_nul(response, field="response")
    if not may_respond(user=actor, complaint=complaint):
        raise PermissionDenied(gettext("只有责任方可以答复"))
    with transaction.atomic():
        apply_transition(complaint, "respond", actor=actor, at=now, reason=response, response=response, responded_at=now, responded_by=actor)
        complaint.deadlines.filter(responded_at__isnull=True).update(responded_at=now)
        # a member's complaint is its member's text; a public one's, its contact's number's
        to = {"member": complaint.member} if complaint.member_id else {"phone": complaint.contact_phone}
        if complaint.kind == Kind.COMPLAINT and any(to.values()):
            notify(kind="complaint_answered", at=now, subject=complaint, context={"complaint_number": complaint.number}, **to)
        _tell_public_opener(complaint, now)
    return complaint


def _tell_public_opener(complaint: Complaint, now: datetime) -> None:
    """A supplier's user who complained about another supplier finds the answer in its supplier's inbox, which all its
    users read: the notice names who opened the complaint, the only one of them its link opens for. Logistics and
    finance staff, who have no inbox, find it on their home page (`answered_for_opener`)."""
    opener = complaint.opened_by
    if complaint.channel == Channel.PUBLIC and opener is not None and opener.role in SUPPLIER_ROLES and opener.supplier_id:
        send_notice(supplier=Supplier.objects.get(pk=opener.supplier_id), kind="public_complaint_answered",
                    title=gettext_noop("由 %(opener)s 提交的投诉 %(number)s 已答复"),
                    body=gettext_noop("提交人 %(opener)s 可在投诉页面查看答复。"),
                    params={"number": complaint.number, "opener": opener.get_full_name() or opener.username}, now=now, sms=False,
                    link=reverse("complaint", args=[complaint.pk]))


def escalate_overdue(*, now: datetime) -> list[int]:
    """Escalate every complaint whose running deadline passed unanswered, exactly once per deadline; the ids escalated.

    A second run finds the complaints escalated and changes nothing.
    :raises ConcurrentUpdate: if a complaint changed state while the batch ran (the next run picks it up)
    """
    due = ComplaintDeadline.objects.filter(
        due_at__lt=now, responded_at__isnull=True, escalated_at__isnull=True, complaint__state__in=WAITING
    )
    with transaction.atomic():
        escalated = bulk_transition(
            Complaint.objects.filter(pk__in=due.values("complaint_id")), "escalate", actor=None, at=now,
            reason=gettext_noop("超过48小时未答复"),
        )
        ComplaintDeadline.objects.filter(
            complaint_id__in=escalated, due_at__lt=now, responded_at__isnull=True, escalated_at__isnull=True
        ).update(escalated_at=now)
        _tell_suppliers(Complaint.objects.filter(pk__in=escalated, responsible=Party.SUPPLIER),
                        kind="complaint_escalated", title=gettext_noop("投诉 %(number)s 超时未答复，已升级"),
                        body=gettext_noop("超过48小时未答复，已计为答复超时，运营方可见并可能催办；请尽快在「投诉处理」中答复。"), now=now)
    return escalated


def _tell_suppliers(complaints: QuerySet[Complaint], *, kind: str, title: str, body: str, now: datetime) -> None:
    """Each supplier the complaints name finds each of them in its inbox, the notice linking to it (one insert for the
    batch, no SMS)."""
    named = complaints.values_list("pk", "number", "supplier_id")
    send_inbox_notices([(supplier_id, {"number": number}, reverse("complaint", args=[pk])) for pk, number, supplier_id in named],
                       kind=kind, title=title, body=body, now=now)


def may_remind(*, user, complaint: Complaint, now: datetime) -> bool:
    """Whether the user may chase the responsible party of the complaint (催办) now: an operator, while the complaint is
    escalated and waits for its supplier's or the logistics provider's answer, and not chased within the last hour."""
    return _chased_by(user, complaint) and _reminded_lately(complaint, now) is None


def _chased_by(user, complaint: Complaint) -> bool:
    return (
        operates(user) and complaint.state == State.ESCALATED
        and complaint.responsible in CHASED_PARTIES
    )


def _reminded_lately(complaint: Complaint, now: datetime) -> ComplaintReminder | None:
    return complaint.reminders.filter(sent_at__gt=now - REMIND_AGAIN_AFTER).order_by("-sent_at").first()


def remind_responsible(*, complaint: Complaint, actor, now: datetime, reason: str = "") -> Complaint:
    """An operator chases the party responsible for an escalated complaint (催办), recorded with who, when and why; the
    complaint's state does not change. A supplier gets a notice in its inbox and an SMS as its setting allows; logistics
    staff, who have no inbox, find the complaint marked chased at the top of their queue and on their home page
    (`list_complaints`, `chased_complaints`).

    :raises PermissionDenied: for anyone but an operator :raises ValidationFailed: a reason over REASON_MAX_LENGTH characters
    :raises NotEscalated: unless escalated and triaged to a supplier or to logistics :raises AlreadyReminded: chased less
        than an hour ago
    """
    _require_operator(actor, gettext("只有运营可以催办"))
    reason = validate_reason(reason)
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=complaint.pk)
        if not _chased_by(actor, complaint):
            raise NotEscalated(gettext("只有已升级、待礼品商或物流商答复的投诉可以催办"))
        if last := _reminded_lately(complaint, now):
            raise AlreadyReminded(gettext("已于 %(at)s 催办，1小时内不再重复催办") % {"at": moment(last.sent_at)})
        ComplaintReminder.objects.create(complaint=complaint, sent_by=actor, sent_at=now, reason=reason)
        complaint.last_reminded_at = now  # the latest: one sent at an earlier time is refused above
        Complaint.objects.filter(pk=complaint.pk).update(last_reminded_at=now)
        if complaint.responsible == Party.SUPPLIER:
            send_notice(supplier=complaint.supplier, kind="complaint_reminder", title=gettext_noop("运营方催办投诉 %(number)s"),
                        body=gettext_noop("该投诉已超过答复期限，请尽快在「投诉处理」中答复。%(note)s"),
                        params={"number": complaint.number, "note": decision_note(reason)}, now=now,
                        link=reverse("complaint", args=[complaint.pk]))
    return complaint


def reads_as_opener(*, user, complaint: Complaint) -> bool:
    """Whether the user sees the complaint only as the one who opened it (a supplier's user about another supplier,
    logistics staff about a supplier unless it was triaged to logistics, finance staff): its answer and state, not the
    deadlines, whose move it is and the reminders of the party answering it (on the portal and the API alike)."""
    if user is None or complaint.opened_by_id != user.pk or user.is_superuser:
        return False
    if user.role in SUPPLIER_ROLES:
        return complaint.supplier_id != user.supplier_id
    if user.role == Role.LOGISTICS:
        return complaint.channel == Channel.PUBLIC and complaint.responsible != Party.LOGISTICS
    return user.role not in Complaint.visibility.staff and user.role != Role.MEMBER


class Progress(NamedTuple):
    """How far the answer to a complaint has come: its running deadline, whether that passed, whose move it is."""

    deadline: datetime | None
    overdue: bool
    waits_for: str


def progress_shown(*, user, complaint: Complaint, now: datetime) -> Progress:
    """The complaint's progress as the user may see it: none of it (no deadline, not overdue, nobody's move) to one
    who reads it only as its opener (`reads_as_opener`), who is owed the answer, not the answering party's schedule.
    The one rule of the complaint page and the API."""
    if reads_as_opener(user=user, complaint=complaint):
        return Progress(deadline=None, overdue=False, waits_for="")
    return Progress(deadline=complaint.deadline, overdue=is_overdue(complaint, now), waits_for=waits_for(complaint))


def deadlines_of(complaint: Complaint, user) -> QuerySet | list:
    """The complaint's answering deadlines (the SLA facts) for the staff and the responsible party; none for the member
    or one who reads it only as its opener (as `reminders_of`)."""
    if getattr(user, "role", None) == Role.MEMBER or reads_as_opener(user=user, complaint=complaint):
        return []
    return complaint.deadlines.all()


def reminders_of(complaint: Complaint, user) -> QuerySet[ComplaintReminder] | list:
    """The reminders (催办) of the complaint, oldest first, for the staff and the responsible party (not the member, nor
    one who reads it only as its opener): those prefetched with the complaint (`with_reminders`), or else read with
    their senders."""
    if getattr(user, "role", None) == Role.MEMBER or reads_as_opener(user=user, complaint=complaint):
        return []
    if "reminders" in getattr(complaint, "_prefetched_objects_cache", {}):
        return complaint.reminders.all()
    return complaint.reminders.select_related("sent_by")


def with_reminders(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The complaints with their reminders and the reminders' senders, in one query more however many they are."""
    return complaints.prefetch_related(Prefetch("reminders", ComplaintReminder.objects.select_related("sent_by")))


def resolve_complaint(*, complaint: Complaint, actor, now: datetime, reason: str = "") -> Complaint:
    """The member accepts the answer to its complaint.

    :raises PermissionDenied: for anyone but the complaint's member :raises InvalidTransition: unless responded
    :raises ValidationFailed: a reason over REASON_MAX_LENGTH characters
    """
    _require_member(actor, complaint)
    reason = validate_reason(reason)
    return apply_transition(complaint, "resolve", actor=actor, at=now, reason=reason, resolved_at=now)


def auto_resolve(*, now: datetime) -> list[int]:
    """Resolve every complaint answered 3 days ago or more that its member neither resolved nor reopened; the ids.
    Each supplier a resolved complaint names finds it in its inbox (one insert for the batch, no SMS)."""
    due = Complaint.objects.filter(state=State.RESPONDED, responded_at__lte=now - AUTO_RESOLVE_AFTER)
    with transaction.atomic():
        resolved = bulk_transition(
            due, "resolve", actor=None, at=now, reason=gettext_noop("答复3天后自动解决"),
            values={"resolved_at": now, "auto_resolved": True},
        )
        _tell_suppliers(Complaint.objects.filter(pk__in=resolved, supplier__isnull=False),
                        kind="complaint_auto_resolved", title=gettext_noop("投诉 %(number)s 已自动解决"),
                        body=gettext_noop("会员在答复后3天内未确认也未重新打开，系统已将该投诉视为解决。"), now=now)
    return resolved


def is_complainant(*, user, complaint: Complaint) -> bool:
    """Whether the user is the complaint's member: resolving and reopening it are its steps alone, whatever its state."""
    return getattr(user, "role", None) == Role.MEMBER and bool(complaint.member_id) and user.member_id == complaint.member_id


def reopen_until(complaint: Complaint) -> datetime | None:
    """The time until which the member may reopen the complaint: 7 days after its resolution (None: not resolved)."""
    return complaint.resolved_at + REOPEN_WITHIN if complaint.resolved_at else None


def may_reopen(*, user, complaint: Complaint, now: datetime) -> bool:
    """Whether the user may reopen the resolved complaint now: its member, within 7 days of the resolution."""
    until = reopen_until(complaint)
    return is_complainant(user=user, complaint=complaint) and until is not None and now <= until


def reopen_complaint(*, complaint: Complaint, actor, now: datetime, reason: str = "") -> Complaint:
    """The member reopens its resolved complaint within 7 days of the resolution; a new 48-hour deadline starts.

    :raises PermissionDenied: for anyone but the complaint's member :raises InvalidTransition: unless resolved
    :raises ReopenWindowOver: more than 7 days after the resolution
    :raises ValidationFailed: a reason over REASON_MAX_LENGTH characters
    """
    _require_member(actor, complaint)
    reason = validate_reason(reason)
    if complaint.state == State.RESOLVED and not may_reopen(user=actor, complaint=complaint, now=now):
        raise ReopenWindowOver(gettext("已超过解决后7天的重开期限"), field="resolved_at")
    with transaction.atomic():
        apply_transition(complaint, "reopen", actor=actor, at=now, reason=reason, deadline=now + DEADLINE)
        _start_deadline(complaint, now)
        _ask_supplier_to_answer(complaint, title=gettext_noop("投诉 %(number)s 已被会员重新打开，待您答复"), now=now)
    return complaint


def list_complaints(
    *, user, now: datetime, state: str = "", responsible: str = "", kind: str = "", supplier: Supplier | None = None,
    late: bool | None = None, text: str = "", ordered: bool = True,
) -> QuerySet:
    """The complaints the user may see, the queue's order: those an operator chased (催办) first, the latest chased
    first, then overdue (deadline passed, unanswered), then escalated, then those waiting for an answer by deadline,
    then the rest newest first (one answered late, its deadline long past, is no longer urgent and takes its place
    among them). Each carries `chases`, how many times it was chased since its deadline passed, and `last_chased_at`
    (None: not chased, or answered since), in the same query; the order reads the complaint's own row (its
    `last_reminded_at`), so a page read by id (`core.selectors.rows_by_id`) counts `chases` for its rows only.
    Members see their own; a supplier's users those triaged to it and its suggestions; logistics staff those triaged
    to logistics; operators all; anyone also those it opened about a supplier (`opened_by`). `late`: only those past
    their deadline unanswered (overdue or escalated), or (False) only the others (`core.selectors.answering`). `text`:
    only those it finds (`points.selectors.search_complaints`)."""
    rows = _seen_by(user).filter(**{name: value for name, value in (("state", state), ("responsible", responsible), ("kind", kind),
                                                          ("supplier", supplier)) if value})
    rows = answering(rows, _overdue(now) | Q(state=State.ESCALATED), late)
    rows = search_complaints(rows, user=user, text=text)
    chased = _chases().order_by()
    rows = rows.select_related("member", "order", "gift", "supplier").annotate(
        chases=Coalesce(Subquery(chased.values("complaint_id").annotate(n=Count("pk")).values("n")), 0),
        # the latest of `_chases`, read on the complaint's row: the latest reminder if it is one of them
        last_chased_at=Case(
            When(state=State.ESCALATED, last_reminded_at__gt=F("deadline"), then=F("last_reminded_at")),
            default=None, output_field=DateTimeField(),
        ),
    ).annotate(
        urgency=Case(
            When(last_chased_at__isnull=False, then=Value(0)),
            When(_overdue(now), then=Value(1)),
            When(state=State.ESCALATED, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    )
    if ordered:
        running = Case(When(state__in=WAITING, then=F("deadline")), default=None, output_field=DateTimeField())
        rows = rows.order_by("urgency", F("last_chased_at").desc(nulls_last=True), running.asc(nulls_last=True), "-opened_at", "-id")
    return rows


def _seen_by(user) -> QuerySet[Complaint]:
    """The complaints of the user's queue (`list_complaints`), as they are: no order, no figures read on them."""
    rows = Complaint.objects.visible_to(user)
    role = getattr(user, "role", None)
    if role in SUPPLIER_ROLES and not user.is_superuser:
        rows = rows.filter(Q(kind=Kind.SUGGESTION) | Q(responsible=Party.SUPPLIER))
    elif role == Role.LOGISTICS and not user.is_superuser:
        rows = rows.filter(responsible=Party.LOGISTICS)
    if user is not None and user.is_authenticated:  # whoever complained about a supplier follows it (`reads_as_opener`)
        rows = rows | opened_by(user)
    return rows


@waiting_for({Role.OPERATOR, Role.LOGISTICS, *SUPPLIER_ROLES}, superusers=True)  # superusers triage (`operates`)
def complaints_waiting(user) -> QuerySet:
    """What waits on the complaint desk for the user: complaints and suggestions triaged to its party (a supplier's: to
    its own supplier, not one it opened about another) and not answered yet, and for those who triage (`operates`: operators and superusers) also those
    still to triage."""
    rows = _seen_by(user)
    party = next((party for party, roles in RESPONDERS.items() if user.role in roles), None)  # none: a superuser of finance
    answerable = Q(state__in=ANSWERABLE, responsible=party) if party else Q(pk__in=[])
    if party == Party.SUPPLIER and not user.is_superuser:  # its own supplier's only (`may_respond`), not those it opened
        answerable &= Q(supplier_id=user.supplier_id)
    return rows.filter(Q(state=State.OPEN) | answerable if operates(user) else answerable)


def answered_for_opener(*, user, now: datetime) -> QuerySet[Complaint]:
    """The complaints about a supplier the user opened that were answered in the last ANSWER_SHOWN_FOR, the latest
    answered first: how staff without an inbox learn of the answer (their home page)."""
    return opened_by(user).filter(responded_at__gte=now - ANSWER_SHOWN_FOR).order_by("-responded_at", "-id")


def opened_by(user) -> QuerySet[Complaint]:
    """The complaints about a supplier the user opened (public channel), which it follows whatever its role: not the
    hotline complaints it opened for a caller as an operator, which are the operators' (a former operator keeps none)."""
    return Complaint.objects.filter(opened_by=user, channel=Channel.PUBLIC)


def chased_complaints(*, user, now: datetime) -> QuerySet[Complaint]:
    """The complaints of the user's queue an operator chased (催办) that still wait for their answer, the latest chased
    first, each with `chases` and `last_chased_at` (`list_complaints`)."""
    return list_complaints(user=user, now=now).filter(last_chased_at__isnull=False)


def _chases() -> QuerySet[ComplaintReminder]:
    """The reminders of the outer complaint that still wait for its answer: sent while it is escalated, after its
    current deadline passed (those of an earlier deadline were sent before the member reopened it, before this one)."""
    return ComplaintReminder.objects.filter(complaint=OuterRef("pk"), complaint__state=State.ESCALATED, sent_at__gt=OuterRef("deadline"))


def is_overdue(complaint: Complaint, now: datetime) -> bool:
    """The running deadline passed unanswered (not yet escalated by the beat)."""
    return complaint.state in WAITING and complaint.deadline is not None and complaint.deadline < now


def _overdue(now: datetime) -> Q:
    return Q(state__in=WAITING, deadline__lt=now)


def _start_deadline(complaint: Complaint, now: datetime) -> ComplaintDeadline:
    return ComplaintDeadline.objects.create(
        complaint=complaint, responsible=complaint.responsible, starts_at=now, due_at=now + DEADLINE,
        supplier_id=complaint.supplier_id if complaint.responsible == Party.SUPPLIER else None,
    )


def _require_operator(actor, message: str) -> None:
    """The permission of the operator's steps (taking, triaging, chasing): `operates`, which the pages offer them by."""
    require_role(actor, OPERATORS, message)


def _require_member(actor, complaint: Complaint) -> None:
    if not is_complainant(user=actor, complaint=complaint):
        raise PermissionDenied(gettext("只有投诉会员本人可以操作"))
