"""What a page shows by the reader's role and who acted: `{% load roles %}` … `{% if user|sees_settlement_money %}`,
`{% if user|of_staff %}`, `{{ claim.reported_by|actor_label }}` ("系统" for the system, a member by its masked phone),
`{{ log.actor|actor_seen_by:user }}` (the same, but the platform's staff by their role for a supplier's user),
`{% with link=notice.link|opened_by:user %}` (the link, or "" when it leads to a page the reader's role is not sent to)."""
from django import template

from core import roles
from core.portal import may_open
from core.models.transitions import actor_label, actor_label_for

register = template.Library()


@register.filter
def sees_settlement_money(user) -> bool:
    """Whether the reader may see settlement prices and amounts (`core.roles.sees_settlement_money`)."""
    return roles.sees_settlement_money(user)


@register.filter
def of_staff(user) -> bool:
    """Whether the reader is staff of the operator, the logistics provider or finance (`core.roles.STAFF_ROLES`)."""
    return getattr(user, "role", None) in roles.STAFF_ROLES


@register.filter
def opened_by(url: str, user) -> str:
    """`url` when it leads to a page the reader may be sent to (`core.portal.may_open`), else "": a stored link shown to
    a role it was not written for is left out rather than lead to a refusal."""
    return url if url and may_open(user, url) else ""


register.filter("actor_label", actor_label)
register.filter("actor_seen_by", actor_label_for)
