"""A portal list's column headings that sort it: `{% load lists %}` … `{% sort_heading filters "month" _("结算月份") %}`
in place of `<th>结算月份</th>`, for a column its filter form sorts by (core.forms.ListFilter.sorts)."""
from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from core.forms import ORDERING

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_heading(context, filters, name: str, label, classes: str = "") -> str:
    """The `<th>` of the column `name` (`label`), its text a link to the list ordered by it, ascending, or descending
    when it is already ordered by it ascending. The link keeps the list's filters and goes back to its first page;
    `aria-sort` and a mark say the order shown. A name the form does not sort by is a mistake of the template, not of
    the request: it raises."""
    if name not in filters.sorts:
        raise template.TemplateSyntaxError(f"{type(filters).__name__} does not sort by {name!r}")
    asked = filters.cleaned_data.get(ORDERING, "") if filters.is_valid() else ""
    query = context["request"].GET.copy()
    query.pop("page", None)
    query[ORDERING] = f"-{name}" if asked == name else name
    order, mark = {name: ("ascending", "▲"), f"-{name}": ("descending", "▼")}.get(asked, ("", ""))
    return format_html(
        '<th{}{}><a href="{}?{}" class="sort" data-sort="{}" title="{}">{}{}</a></th>',
        format_html(' class="{}"', classes) if classes else "", format_html(' aria-sort="{}"', order) if order else "",
        context.get("list_url", ""), query.urlencode(), name, gettext("按此列排序"), label,
        format_html('<span class="sort-mark" aria-hidden="true">{}</span>', mark) if mark else "")
