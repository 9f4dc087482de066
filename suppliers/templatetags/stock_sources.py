"""`{% movement_source movement %}`: what caused a stock movement, its type in the reader's language, linked to its
page where the viewer may open it."""
from django import template
from django.utils.html import format_html

from suppliers.services.inventory import source_links

register = template.Library()


@register.simple_tag(takes_context=True)
def movement_source(context, movement) -> str:
    if not movement.source_type:
        return ""
    text = f"{movement.source_label} {movement.source_id}".strip()
    link = source_links.get(movement.source_type)
    url = link(context["request"].user, movement.source_id) if link else None
    return format_html('<a href="{}">{}</a>', url, text) if url else text
