from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination

# Beyond this many rows a list says "more than 1,000" instead of counting them all: a count
# over a million cases costs what the page itself does not. Filters narrow a long list.
COUNT_CAP = 1_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows (`SELECT COUNT(*) FROM (… LIMIT n)`)."""

    @cached_property
    def count(self):
        queryset = self.object_list
        if hasattr(queryset, "query"):
            return queryset[: COUNT_CAP + 1].count()
        return len(queryset)

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


class PagePagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100) on every list; the response is
    `{"count", "count_capped", "next", "previous", "results"}`; `count` stops at 1,001 and
    `count_capped` says so."""

    django_paginator_class = CappedPaginator
    page_size_query_param = "page_size"
    page_size_query_description = _("每页条数（最多100）。")
    page_query_description = _("页码，从1开始。")
    max_page_size = 100

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "count 超过 1000 时只计到 1001，此时为 true。",
        }
        return schema
