"""`{% return_destination return_request as send_to %}`: where the member sends the goods of an approved return."""
from django import template

from logistics.services.returns import SendTo, return_destination as destination_of

register = template.Library()


@register.simple_tag
def return_destination(return_request) -> SendTo:
    return destination_of(return_request)
