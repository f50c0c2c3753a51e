"""Included by yiwang.api.urls under /api/v1/ in the `api` namespace."""

from . import order_api_urls

urlpatterns: list = [*order_api_urls.urlpatterns]
