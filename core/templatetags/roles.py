"""What a page shows by the reader's role: `{% load roles %}` … `{% if user|sees_settlement_money %}`."""
from django import template

from core import roles

register = template.Library()


@register.filter
def sees_settlement_money(user) -> bool:
    """Whether the reader may see settlement prices and amounts (`core.roles.sees_settlement_money`)."""
    return roles.sees_settlement_money(user)
