"""Where an adjustment is or will be booked, on the adjustments pages as the API says it (`adjustments.where_booked`)."""
from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from settlement.services.adjustments import where_booked

register = template.Library()


@register.simple_tag
def booking(adjustment):
    """The adjustment's `where_booked` with its label as HTML, the reconciled statement whose dispute would take it linked."""
    found = where_booked(adjustment)
    reconciled = None
    if found.joins_if_disputed_id:
        reconciled = format_html('<a href="{}">{}</a>', reverse("settlement-statement", args=[found.joins_if_disputed_id]),
                                 gettext("所对账的结算单"))
    return {"code": found.code, "statement_id": found.statement_id,
            "label": mark_safe(found.label(escape=conditional_escape, reconciled=reconciled))}
