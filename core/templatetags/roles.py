"""What a page shows by the reader's role and who acted: `{% load roles %}` … `{% if user|sees_settlement_money %}`,
`{% if user|of_staff %}`, `{{ claim.reported_by|actor_label }}` ("系统" for the system, a member by its masked phone),
`{{ log.actor|actor_seen_by:user }}` (the same, but the platform's staff by their role for a supplier's user)."""
from django import template

from core import roles
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


register.filter("actor_label", actor_label)
register.filter("actor_seen_by", actor_label_for)
