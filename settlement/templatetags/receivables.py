"""Where a terminated supplier pays back what it owes, on a receivable's pages."""
from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def receivable_pay_to() -> str:
    """The platform's receiving account as suppliers read it (`RECEIVABLE_PAY_TO`), "" when none is configured."""
    return settings.RECEIVABLE_PAY_TO
