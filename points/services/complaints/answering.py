"""A complaint's way to its answer and back: triaged or taken by an operator, answered by the responsible party,
resolved, disputed (仍未解决) or reopened by its member."""
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import apply_transition
from core.notifications import notify
from core.roles import SUPPLIER_ROLES
from core.validators import refuse_nul, required_text, validate_reason
from core.texts import moment
from points.models import Complaint
from points.models.complaints import Party
from points.errors import ReopenWindowOver
from points.services.complaints.deadlines import DEADLINE, start_deadline
from points.services.complaints.parties import require_member, require_operator, is_complainant, may_respond, operates
from suppliers.models import Supplier
from suppliers.services.notices import send_notice

State, Kind, Channel = Complaint.State, Complaint.Kind, Complaint.Channel
REOPEN_WITHIN = timedelta(days=7)


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
    require_operator(actor, gettext("只有运营可以分派"))
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
        start_deadline(complaint, now)
        _ask_supplier_to_answer(complaint, title=gettext_noop("投诉 %(number)s 待您答复"), now=now)
    return complaint


def _ask_supplier_to_answer(complaint: Complaint, *, title: str, now: datetime) -> None:
    """A complaint the supplier answers (triaged to it) waits for its answer by the deadline just started: tell it."""
    if complaint.responsible == Party.SUPPLIER:
        send_notice(supplier=complaint.supplier, kind="complaint_assigned", title=title, body=gettext_noop("请于 %(deadline)s 前在「投诉处理」中答复。"),
                    params={"number": complaint.number, "deadline": moment(complaint.deadline)},
                    now=now, link=reverse("complaint", args=[complaint.pk]))


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
    require_operator(actor, gettext("只有运营可以受理"))
    if not may_take(user=actor, complaint=complaint):
        raise InvalidTransition(gettext("该投诉已分派，不能再受理"))
    return triage_complaint(complaint=complaint, actor=actor, now=now, responsible=Party.OPERATOR, reason=reason)


def require_responder(actor, complaint: Complaint) -> None:
    """:raises PermissionDenied: unless `actor` is the complaint's responsible party (checked before its answer is)"""
    if not may_respond(user=actor, complaint=complaint):
        raise PermissionDenied(gettext("只有责任方可以答复"))


def respond_to_complaint(*, complaint: Complaint, actor, now: datetime, response: str) -> Complaint:
    """The responsible party answers; the running deadline is marked answered and the member is told by SMS. The answer
    is the reason of its history entry, so that every answer stays in the history once the complaint is answered again.

    :raises ValidationFailed: a blank response :raises PermissionDenied: for anyone but the responsible party
    :raises InvalidTransition: unless triaged, escalated or reopened
    """
    require_responder(actor, complaint)
    response = (response or "").strip()
    if not response:
        raise ValidationFailed(gettext("请填写答复内容"), field="response")
    refuse_nul(response, field="response")
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


def resolve_complaint(*, complaint: Complaint, actor, now: datetime, reason: str = "") -> Complaint:
    """The member accepts the answer to its complaint.

    :raises PermissionDenied: for anyone but the complaint's member :raises InvalidTransition: unless responded
    :raises ValidationFailed: a reason over REASON_MAX_LENGTH characters
    """
    require_member(actor, complaint)
    reason = validate_reason(reason)
    return apply_transition(complaint, "resolve", actor=actor, at=now, reason=reason, resolved_at=now)


def dispute_answer(*, complaint: Complaint, actor, now: datetime, reason: str) -> Complaint:
    """The member says the answer did not solve its complaint (仍未解决), with why, while it waits for the member to
    accept it: reopened as a resolved one is within 7 days (`reopen_complaint`), a new 48-hour deadline starts and the
    responsible party is asked again. (Once resolved, by the member or 3 days after the answer, it is reopened instead.)

    :raises PermissionDenied: for anyone but the complaint's member :raises InvalidTransition: unless responded
    :raises ValidationFailed: a blank reason, or one over REASON_MAX_LENGTH characters
    """
    require_member(actor, complaint)
    reason = validate_reason(required_text(reason, message=gettext("请说明仍未解决的原因")))
    return _reopened(complaint, "dispute", actor=actor, now=now, reason=reason)


def _reopened(complaint: Complaint, transition: str, *, actor, now: datetime, reason: str) -> Complaint:
    """The complaint reopened by `transition` (its member's), a new 48-hour deadline running and its supplier told."""
    with transaction.atomic():
        apply_transition(complaint, transition, actor=actor, at=now, reason=reason, deadline=now + DEADLINE)
        start_deadline(complaint, now)
        _ask_supplier_to_answer(complaint, title=gettext_noop("投诉 %(number)s 已被会员重新打开，待您答复"), now=now)
    return complaint


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
    require_member(actor, complaint)
    reason = validate_reason(reason)
    if complaint.state == State.RESOLVED and not may_reopen(user=actor, complaint=complaint, now=now):
        raise ReopenWindowOver(gettext("已超过解决后7天的重开期限"), field="resolved_at")
    return _reopened(complaint, "reopen", actor=actor, now=now, reason=reason)
