"""The actors of SPEC §3 and the groups of them that rules refer to."""
from collections.abc import Callable
from functools import wraps

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEMBER = "member", _("会员")
    SUPPLIER_ADMIN = "supplier_admin", _("礼品商管理员")
    SUPPLIER_STAFF = "supplier_staff", _("礼品商员工")
    OPERATOR = "operator", _("运营")
    LOGISTICS = "logistics", _("物流")
    FINANCE = "finance", _("财务")


SUPPLIER_ROLES = frozenset({Role.SUPPLIER_ADMIN, Role.SUPPLIER_STAFF})
#: who takes the operator's steps (SPEC §3): triaging and chasing complaints, an order's operator steps, correcting
#: points, rectification cases, re-evaluations and the assessment's decisions; superusers of any role besides, as
#: `has_role`/`require_role` admit them
OPERATORS = frozenset({Role.OPERATOR})
STAFF_ROLES = frozenset({Role.OPERATOR, Role.LOGISTICS, Role.FINANCE})
#: who reviews suppliers and reads their paperwork: on a supplier's page, the onboarding checklist; the contracts,
#: licences and certificates, bank accounts and profile changes (their rows, review pages and navigation); the logistics
#: provider, which opens the suppliers' pages too, has no business with them. Who decides them: DECIDERS
#: (suppliers.services.contracts)
SUPPLIER_REVIEWERS = frozenset({Role.OPERATOR, Role.FINANCE})
#: who never sees what the operator pays suppliers (SPEC §4.13): members, and the logistics provider, which handles
#: the goods and pays its own claims but is no party to the supplier's settlement
SETTLEMENT_BLIND_ROLES = frozenset({Role.MEMBER, Role.LOGISTICS})


def has_role(user, roles) -> bool:
    """Whether the user is signed in with one of `roles` or is a superuser: what `require_role` demands, for a page
    deciding whether to offer an action."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or user.role in roles))


def require_role(user, roles, message=None) -> None:
    """:raises PermissionDenied: (saying `message`, else that the user may not) unless the user is signed in with one of
    `roles` or is a superuser. The one check of who may act, for views, the API and services alike."""
    from core.errors import PermissionDenied

    if not has_role(user, roles):
        raise PermissionDenied(message)


def sees_settlement_money(user) -> bool:
    """Whether the user may see settlement prices and amounts (gift settlement prices, an order's or a return's
    settlement amount): suppliers, operators and finance do, members and the logistics provider never."""
    return getattr(user, "role", None) not in SETTLEMENT_BLIND_ROLES


def waiting_for(roles: frozenset[str] | set[str], *, superusers: bool = False) -> Callable:
    """Decorate `count(user) -> int`, what waits for a user to act on (a navigation badge), so that it counts only for
    signed-in users of `roles` (and superusers of any role, with `superusers`, where a superuser acts for a role) and is
    0 for anyone else."""

    def decorate(count: Callable[..., int]) -> Callable[..., int]:
        @wraps(count)
        def badge(user) -> int:
            signed_in = getattr(user, "is_authenticated", False)
            if not (has_role(user, roles) if superusers else signed_in and user.role in roles):
                return 0
            return count(user)

        return badge

    return decorate
