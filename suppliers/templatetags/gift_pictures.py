"""`{{ url|thumbnail }}`: the address of a gift picture's thumbnail, for lists, cards and galleries."""
from django import template

from suppliers.services.gift_images import thumbnail_url

register = template.Library()
register.filter("thumbnail", thumbnail_url)
