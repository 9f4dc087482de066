"""`{% movement_source movement %}`: what caused a stock movement, its type in the reader's language and its document's
number (`inventory.with_source_numbers`), linked to its page where the viewer may open it."""
from django import template
from django.utils.html import format_html

from suppliers.services.inventory import source_links

register = template.Library()


@register.simple_tag(takes_context=True)
def movement_source(context, movement) -> str:
    if not movement.source_type:
        return ""
    number = getattr(movement, "source_number", movement.source_id)  # read by with_source_numbers
    text = f"{movement.source_label} {number}".strip()
    link = source_links.get(movement.source_type)
    url = link(context["request"].user, movement.source_id, number) if link else None
    return format_html('<a href="{}">{}</a>', url, text) if url else text
