from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from .helpers import validated

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


MAX_PAGE_SIZE = 100


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)


class PagePagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100) on every list; the response is
    `{"count", "count_capped", "next", "previous", "results"}`; `count` stops at 1,001 and
    `count_capped` says so.

    A page or page size that is not a whole number in range is a 400 naming the parameter
    (DRF would quietly use the default size, or call page 0 "not found"); a page past the
    last one is a 404, as in DRF. Left empty (`?page=`), either means the default, as every
    optional query parameter does."""

    django_paginator_class = CappedPaginator
    page_size_query_param = "page_size"
    page_size_query_description = _("每页条数（最多100）。")
    page_query_description = _("页码，从1开始。")
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()  # the schema says `page` is a number; "last" is not one

    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        # Neither parameter given (most requests): nothing to check.
        if "page" in params or "page_size" in params:
            self.query = validated(PageQuerySerializer, params)
        else:
            self.query = {}
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        return self.query.get("page_size", self.page_size)

    def get_page_number(self, request, paginator):
        return self.query.get("page", 1)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {"page": {"minimum": 1}, "page_size": {"minimum": 1, "maximum": MAX_PAGE_SIZE}}
        for parameter in parameters:
            parameter["schema"].update(bounds[parameter["name"]])
        return parameters

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
