"""Where an adjustment is or will be booked, on the adjustments pages as the API says it (`adjustments.where_booked`); its
source and its number linked to their pages for the viewer (`settlement.sources`)."""
from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from settlement.services.adjustments import where_booked
from settlement.sources import adjustment_page, source_pages

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


@register.simple_tag(takes_context=True)
def sources_linked(context, adjustments) -> dict[int, str]:
    """{adjustment id: URL of its source's page} of a table's adjustments, for the viewer (`sources.source_pages`)."""
    return source_pages(context["request"].user, adjustments)


@register.simple_tag
def source_link(adjustment, pages: dict[int, str]) -> str:
    """The adjustment's source as people read it, a link to its page where `pages` (`sources_linked`) has one."""
    url = pages.get(adjustment.pk)
    return format_html('<a href="{}" data-testid="source-link">{}</a>', url, adjustment.source_text) if url else adjustment.source_text


@register.simple_tag(takes_context=True)
def adjustment_link(context, adjustment) -> str:
    """The adjustment's number, a link to its page where the viewer opens adjustments' pages."""
    url = adjustment_page(context["request"].user, adjustment)
    return format_html('<a href="{}" data-testid="adjustment-number">{}</a>', url, adjustment.number) if url else adjustment.number
