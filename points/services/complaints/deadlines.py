"""The 48-hour answering deadline and what follows once time passes: the escalation of a complaint left unanswered and
the resolution of one answered 3 days ago (the beat jobs), an operator chasing the party of an escalated one (催办)."""
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.urls import reverse
from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_noop

from core.fsm import bulk_transition
from core.validators import validate_reason
from core.texts import moment
from points.models import Complaint, ComplaintDeadline, ComplaintReminder
from points.models.complaints import Party
from points.errors import AlreadyReminded, NotEscalated
from points.services.complaints.parties import require_operator, operates
from suppliers.services.notices import decision_note, send_inbox_notices, send_notice

State = Complaint.State
DEADLINE = timedelta(hours=48)
AUTO_RESOLVE_AFTER = timedelta(days=3)
REMIND_AGAIN_AFTER = timedelta(hours=1)  # an operator's reminder (催办) is not repeated sooner: one SMS, not one per click
#: the parties an operator chases (催办) once their answer is late; the operator answering itself is not chased
CHASED_PARTIES = (Party.SUPPLIER, Party.LOGISTICS)
WAITING = (State.TRIAGED, State.REOPENED)  # a deadline is running


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


class RemindPause(NamedTuple):
    """An operator chased the complaint's party at `reminded_at` and may chase it again from `again_at`."""

    reminded_at: datetime
    again_at: datetime


def remind_paused(*, user, complaint: Complaint, now: datetime) -> RemindPause | None:
    """While the user would chase the complaint's party (催办) but it was chased within the last hour, when it was and
    when it may be chased again (the rule `may_remind` refuses it by); None otherwise."""
    if not _chased_by(user, complaint) or (last := _reminded_lately(complaint, now)) is None:
        return None
    return RemindPause(reminded_at=last.sent_at, again_at=last.sent_at + REMIND_AGAIN_AFTER)


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
    require_operator(actor, gettext("只有运营可以催办"))
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


def is_overdue(complaint: Complaint, now: datetime) -> bool:
    """The running deadline passed unanswered (not yet escalated by the beat)."""
    return complaint.state in WAITING and complaint.deadline is not None and complaint.deadline < now


def past_deadline(now: datetime) -> Q:
    """`is_overdue` of each complaint in a query."""
    return Q(state__in=WAITING, deadline__lt=now)


def start_deadline(complaint: Complaint, now: datetime) -> ComplaintDeadline:
    return ComplaintDeadline.objects.create(
        complaint=complaint, responsible=complaint.responsible, starts_at=now, due_at=now + DEADLINE,
        supplier_id=complaint.supplier_id if complaint.responsible == Party.SUPPLIER else None,
    )
