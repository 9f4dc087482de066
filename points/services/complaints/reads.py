"""Reads of complaints: the user's queue (`list_complaints`) and desk, and what one sees of a complaint's progress,
deadlines and reminders (one who only opened it, its answer and state)."""
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models import Case, Count, DateTimeField, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from core.roles import SUPPLIER_ROLES, Role, waiting_rows, waiting_for
from core.selectors import answering
from points.models import Complaint, ComplaintReminder
from points.models.complaints import Party
from points.selectors import search_complaints
from points.services.complaints.deadlines import WAITING, is_overdue, past_deadline
from points.services.complaints.parties import ANSWERABLE, RESPONDERS, operates, waits_for
from suppliers.models import Supplier

State, Kind, Channel = Complaint.State, Complaint.Kind, Complaint.Channel
ANSWER_SHOWN_FOR = timedelta(days=7)  # an answer to a complaint about a supplier stays on its opener's home page so long


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


def list_complaints(
    *, user, now: datetime, state: str = "", responsible: str = "", kind: str = "", supplier: Supplier | None = None,
    late: bool | None = None, waiting: bool | None = None, text: str = "", ordered: bool = True,
) -> QuerySet:
    """The complaints the user may see, the queue's order: those an operator chased (催办) first, the latest chased
    first, then overdue (deadline passed, unanswered), then escalated, then those waiting for an answer by deadline,
    then the rest newest first (one answered late, its deadline long past, is no longer urgent and takes its place
    among them). Each carries `chases`, how many times it was chased since its deadline passed, and `last_chased_at`
    (None: not chased, or answered since), in the same query; the order reads the complaint's own row (its
    `last_reminded_at`), so a page read by id (`core.selectors.rows_by_id`) counts `chases` for its rows only.
    Members see their own; a supplier's users those triaged to it and its suggestions; logistics staff those triaged
    to logistics; operators all; anyone also those it opened about a supplier (`opened_by`). `late`: only those past
    their deadline unanswered (overdue or escalated), or (False) only the others (`core.selectors.answering`).
    `waiting`: only those its desk's badge counts (`complaints_waiting`: none for one without the badge), or (False)
    only the others. `text`: only those it finds (`points.selectors.search_complaints`)."""
    rows = _seen_by(user).filter(**{name: value for name, value in (("state", state), ("responsible", responsible), ("kind", kind),
                                                          ("supplier", supplier)) if value})
    rows = by_lateness(rows, now=now, late=late)
    rows = waiting_for_caller(rows, user, waiting)
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
            When(past_deadline(now), then=Value(1)),
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


def by_lateness(rows: QuerySet, *, now: datetime, late: bool | None) -> QuerySet:
    """Of the complaints `rows`, those past their deadline unanswered at `now` (overdue or escalated) (True), the
    others (False) or all (None): the desk's and the API's 仅超时 filter."""
    return answering(rows, past_deadline(now) | Q(state=State.ESCALATED), late)


def waiting_for_caller(rows: QuerySet, user, waiting: bool | None) -> QuerySet:
    """Of the complaints `rows`, those the user's badge counts (True: the 投诉处理 badge, a member's 我的投诉 one), the
    others (False) or all (None): the desk's and the API's 待我处理 filter, and a member's 待我确认."""
    badge = answers_to_confirm if getattr(user, "role", None) == Role.MEMBER else complaints_waiting
    return waiting_rows(rows, badge, user, waiting)


@waiting_for({Role.MEMBER})
def answers_to_confirm(user) -> QuerySet:
    """The member's complaints answered and waiting for it to accept the answer or reopen (`waits_for`: the member's),
    which resolve by themselves AUTO_RESOLVE_AFTER the answer: its 我的投诉 badge and home page to-do entry."""
    return _seen_by(user).filter(state=State.RESPONDED, member_id=user.member_id)


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
