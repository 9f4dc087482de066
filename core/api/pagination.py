"""The APIs' pages: `?page=` (a page that does not exist, or no number, is a 404) and `?page_size=`."""
from django.core.paginator import Paginator
from django.utils.translation import gettext
from rest_framework.pagination import PageNumberPagination

from core.errors import ValidationFailed
from core.selectors import ByIdPaginator


class Pagination(PageNumberPagination):
    """`?page_size=` takes a whole number from 1 (more than `max_page_size` gives `max_page_size` rows); anything else
    is a 400 naming it, not DRF's silent fall back to the default size. A view whose `pages_by_id` is true reads a
    page's rows through `core.selectors.rows_by_id`, as the portal's `paginate(by_id=True)`."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        asked = request.query_params.get(self.page_size_query_param, "")
        if asked and not (asked.isascii() and asked.isdigit() and int(asked) >= 1):
            raise ValidationFailed(gettext("每页条数须为不小于 1 的整数"), field=self.page_size_query_param)
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        self.django_paginator_class = ByIdPaginator if getattr(view, "pages_by_id", False) else Paginator
        return super().paginate_queryset(queryset, request, view)
