"""The actors of SPEC §3 and the groups of them that rules refer to."""
from collections.abc import Callable
from functools import wraps
from typing import Any

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
    """Decorate `waiting(user)`, what waits for a user to act on (a navigation badge): the rows waiting, a QuerySet (or
    their number, where it is no query's), so that it counts only for signed-in users of `roles` (and superusers of
    any role, with `superusers`, where a superuser acts for a role) and is 0 for anyone else. Called, the decorated
    function gives the number; its `rows(user)` gives the rows to count (None for anyone else), for a page counting its
    badges together in one query (`waiting_counts`)."""

    def decorate(waiting: Callable[..., Any]) -> Callable[..., int]:
        def rows(user):
            signed_in = getattr(user, "is_authenticated", False)
            if not (has_role(user, roles) if superusers else signed_in and user.role in roles):
                return None
            return waiting(user)

        @wraps(waiting)
        def badge(user) -> int:
            found = rows(user)
            return found.count() if isinstance(found, models.QuerySet) else found or 0

        badge.rows = rows
        return badge

    return decorate


def waiting_rows(rows: models.QuerySet, badge: Callable, user, answer: bool | None) -> models.QuerySet:
    """A list's filter "waiting for me" (`core.forms.waiting_box` on a page, a `waiting` yes/no in the API): of `rows`,
    those `badge` (decorated by `waiting_for`) counts for the user (True: none for a user it counts nothing for), the
    others (False) or all (None), so that the list shows exactly what its navigation badge counts, by the badge's rule."""
    from core.selectors import answering

    counted = badge.rows(user)
    return answering(rows, models.Q(pk__in=counted.values("pk")) if counted is not None else models.Q(pk__in=[]), answer)


def waits_for(badge: Callable, user) -> bool:
    """Whether `badge` (decorated by `waiting_for`) counts anything for the user's role at all: whether its list offers
    the filter of what waits for the user."""
    return badge.rows(user) is not None


def waiting_counts(user, badges: list[Callable | None]) -> list[int]:
    """What each of `badges` counts for the user (0 for None): those decorated by `waiting_for` counted together, in one
    query; any other `badge(user)` called as it is."""
    from core.selectors import counted

    return counted([None if badge is None else badge.rows(user) if hasattr(badge, "rows") else badge(user) for badge in badges])
