from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100) on every list; the response is
    `{"count", "next", "previous", "results"}`."""

    page_size_query_param = "page_size"
    page_size_query_description = _("每页条数（最多100）。")
    page_query_description = _("页码，从1开始。")
    max_page_size = 100
