"""Template filter for amounts of money: {{ statement.payable|yuan }} → ¥360.00, -¥101.00 (core.texts.yuan)."""
from django import template

from core.texts import yuan

register = template.Library()
register.filter("yuan", yuan)
