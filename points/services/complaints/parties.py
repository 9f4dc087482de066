"""Who answers a complaint and who acts on it (首问负责): the party each role answers for, the operator's and the
member's steps, whose move it is."""
from django.utils.translation import gettext

from core.errors import PermissionDenied
from core.roles import OPERATORS, SUPPLIER_ROLES, Role, has_role, require_role
from points.models import Complaint
from points.models.complaints import Party

State = Complaint.State
ANSWERABLE = (State.TRIAGED, State.ESCALATED, State.REOPENED)
#: who answers for each responsible party (首问负责); a supplier's users answer only for their own supplier
RESPONDERS = {Party.SUPPLIER: SUPPLIER_ROLES, Party.LOGISTICS: frozenset({Role.LOGISTICS}), Party.OPERATOR: OPERATORS}
RESPONDER_ROLES = frozenset().union(*RESPONDERS.values())
WAITS_FOR_TRIAGE, WAITS_FOR_MEMBER = "triage", "member"  # `waits_for` besides the responsible parties


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


def is_complainant(*, user, complaint: Complaint) -> bool:
    """Whether the user is the complaint's member: resolving and reopening it are its steps alone, whatever its state."""
    return getattr(user, "role", None) == Role.MEMBER and bool(complaint.member_id) and user.member_id == complaint.member_id


def require_operator(actor, message: str) -> None:
    """The permission of the operator's steps (taking, triaging, chasing): `operates`, which the pages offer them by."""
    require_role(actor, OPERATORS, message)


def require_member(actor, complaint: Complaint) -> None:
    if not is_complainant(user=actor, complaint=complaint):
        raise PermissionDenied(gettext("只有投诉会员本人可以操作"))
