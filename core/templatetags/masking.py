"""Template filters for personal data: {{ phone|mask_phone }}, {{ name|mask_name }}, {{ address|mask_address }}."""
from django import template

from core import masking

register = template.Library()
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_name", masking.mask_name)
register.filter("mask_address", masking.mask_address)
