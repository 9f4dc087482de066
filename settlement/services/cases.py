"""Rectification cases (警告与整改, SPEC §4.10): an operator opens a warning or a rectification demand with a deadline,
the supplier answers, the operator sends it back (not enough) or closes it.

A case is overdue while it is `open` after its deadline day: on the deadline day itself it is still in time.
"""
from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.db.models import Case, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.fsm import apply_transition, log_creation
from core.numbers import create_numbered
from core.roles import OPERATORS, SUPPLIER_ROLES, Role, require_role, waiting_for
from core.texts import Message, labelled_message
from core.validators import refuse_nul, required_text, validate_reason
from settlement.models import Assessment, RectificationCase
from suppliers.models import Supplier
from suppliers.services.locks import locked_supplier
from suppliers.services.notices import send_notice


#: the refusal of an operator's step on a case or a re-evaluation to anyone else
OPERATORS_ONLY = gettext_lazy("仅运营人员可以执行此操作")


def _future_deadline(deadline, *, now: datetime) -> date:
    if not isinstance(deadline, date):
        raise ValidationFailed(gettext("请填写整改期限"), field="deadline")
    if deadline <= timezone.localdate(now):
        raise ValidationFailed(gettext("整改期限须晚于今天"), field="deadline")
    return deadline


def _reason(value: str, *, message: str) -> str:
    """A reason given for a case: required, at most REASON_MAX_LENGTH characters. :raises ValidationFailed:"""
    return validate_reason(required_text(value, message=message))


def open_case(
    *, supplier: Supplier, kind: str, reason: str, deadline: date, actor, now: datetime, assessment: Assessment | None = None
) -> RectificationCase:
    """Open a warning or a rectification demand and tell the supplier (inbox and SMS), all or nothing.

    :raises PermissionDenied: unless an operator :raises ValidationFailed: a bad field, named; a supplier not in
    cooperation (an applicant, a rejected or terminated one), whom there is nothing to warn or have rectify
    """
    require_role(actor, OPERATORS, OPERATORS_ONLY)
    if kind not in RectificationCase.Kind.values:
        raise ValidationFailed(gettext("未知的整改单类型 %(kind)s") % {"kind": kind}, field="kind")
    reason = _reason(reason, message=gettext("请填写原因"))
    deadline = _future_deadline(deadline, now=now)
    if assessment is not None and assessment.supplier_id != supplier.pk:
        raise ValidationFailed(gettext("考核记录不属于该礼品商"), field="assessment")
    with transaction.atomic():
        supplier = locked_supplier(supplier.pk)  # its standing as it is now: a termination committed meanwhile counts
        if supplier.state not in Supplier.COOPERATING_STATES:
            raise ValidationFailed(gettext("礼品商「%(name)s」不在合作中（%(state)s），不能对其发出警告或整改通知") % {
                "name": supplier.name, "state": supplier.get_state_display()}, field="supplier")
        case = create_numbered(
            RectificationCase, prefix="RC", now=now, supplier=supplier, kind=kind, reason=reason, deadline=deadline,
            opened_at=now, opened_by=actor, assessment=assessment,
        )
        log_creation(case, "open", actor=actor, at=now)
        title = gettext_noop("警告 %(number)s") if kind == RectificationCase.Kind.WARNING else gettext_noop("整改通知 %(number)s")
        send_notice(supplier=supplier, kind="rectification_case", title=title, body=gettext_noop("%(reason)s\n整改期限：%(deadline)s"),
                    params={"number": case.number, "reason": reason, "deadline": f"{deadline:%Y-%m-%d}"}, now=now,
                    link=reverse("settlement-case", args=[case.pk]))
    return case


def answer_case(*, case: RectificationCase, answer: str, actor, now: datetime) -> RectificationCase:
    """The supplier's answer to an open case (what it rectified), also the reason of its history entry: an answer given
    again after a send-back leaves the earlier ones in the history.

    :raises PermissionDenied: unless a user of a supplier :raises NotFound: another supplier's case
    :raises ValidationFailed: no answer :raises InvalidTransition: unless the case is open
    """
    if getattr(actor, "role", None) not in SUPPLIER_ROLES:
        raise PermissionDenied(gettext("仅礼品商用户可以提交整改说明"))
    if actor.supplier_id != case.supplier_id:
        raise NotFound()
    answer = required_text(answer, field="answer", message=gettext("请填写整改说明"))
    refuse_nul(answer, field="answer")
    return apply_transition(case, "submit_answer", actor=actor, at=now, reason=answer, answer=answer, answered_at=now)


def send_back_case(
    *, case: RectificationCase, reason: str, actor, now: datetime, deadline: date | None = None
) -> RectificationCase:
    """Send an answered case back to the supplier (the answer is not enough), optionally with a new deadline: the
    history keeps the reason and the deadline's change, old → new.

    :raises PermissionDenied: unless an operator :raises ValidationFailed: no reason, or a deadline not in the future
    :raises InvalidTransition: unless the case is answered
    """
    require_role(actor, OPERATORS, OPERATORS_ONLY)
    reason = _reason(reason, message=gettext("请填写退回原因"))
    if deadline is not None:
        _future_deadline(deadline, now=now)
    logged = reason
    if deadline is not None and deadline != case.deadline:
        change = Message(gettext_noop("整改期限 %(old)s → %(new)s"), old=f"{case.deadline:%Y-%m-%d}", new=f"{deadline:%Y-%m-%d}")
        logged = labelled_message(change, reason)
    with transaction.atomic():
        apply_transition(case, "send_back", actor=actor, at=now, reason=logged, deadline=deadline)
        send_notice(supplier=case.supplier, kind="rectification_case", title=gettext_noop("%(number)s 整改未通过，请补充"),
                    body=gettext_noop("%(reason)s\n整改期限：%(deadline)s"),
                    params={"number": case.number, "reason": reason, "deadline": f"{case.deadline:%Y-%m-%d}"}, now=now,
                    link=reverse("settlement-case", args=[case.pk]))
    return case


def close_case(*, case: RectificationCase, actor, now: datetime, reason: str) -> RectificationCase:
    """Close an answered (or still open, e.g. a warning taken note of) case; the reason stays in its history.

    :raises PermissionDenied: unless an operator :raises ValidationFailed: no reason
    :raises InvalidTransition: if already closed
    """
    require_role(actor, OPERATORS, OPERATORS_ONLY)
    reason = _reason(reason, message=gettext("请填写关闭说明"))
    with transaction.atomic():
        apply_transition(case, "close", actor=actor, at=now, reason=reason, closed_at=now)
        send_notice(supplier=case.supplier, kind="rectification_case", title=gettext_noop("%(number)s 已结案"),
                    body=gettext_noop("结案说明：%(reason)s"), params={"number": case.number, "reason": reason}, now=now,
                    link=reverse("settlement-case", args=[case.pk]))
    return case


# what the cases page's text filter and the API's `?search=` find a case by
SEARCHED = ("number", "supplier__name", "reason")


def list_cases(*, actor, now: datetime, state: str = "", supplier_id: int | None = None) -> QuerySet[RectificationCase]:
    """The cases the actor sees (`actor=None`: the system, all), overdue first (annotated `overdue`), then by deadline."""
    cases = RectificationCase.objects.all() if actor is None else RectificationCase.objects.visible_to(actor)
    cases = cases.select_related("supplier", "opened_by", "assessment").annotate(
        overdue=Case(When(state=RectificationCase.State.OPEN, deadline__lt=timezone.localdate(now), then=Value(True)),
                     default=Value(False))
    )
    if state:
        cases = cases.filter(state=state)
    if supplier_id:
        cases = cases.filter(supplier_id=supplier_id)
    return cases.order_by("-overdue", "deadline", "id")


def overdue_cases(*, now: datetime, actor=None) -> QuerySet[RectificationCase]:
    """Open cases whose deadline day has passed (the deadline day itself is still in time), earliest first."""
    return list_cases(actor=actor, now=now).filter(overdue=True)


def default_deadline(*, now: datetime, days: int = 30) -> date:
    """The deadline a rectification demand gets unless the operator chooses one: `days` from today."""
    return timezone.localdate(now) + timedelta(days=days)


@waiting_for(OPERATORS | SUPPLIER_ROLES)
def cases_waiting(user) -> QuerySet:
    """Open cases for the supplier to answer; answered ones for the operator to close or send back."""
    state = RectificationCase.State.ANSWERED if user.role == Role.OPERATOR else RectificationCase.State.OPEN
    return RectificationCase.objects.visible_to(user).filter(state=state)
