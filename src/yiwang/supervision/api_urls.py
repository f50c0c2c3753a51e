"""Included by yiwang.api.urls under /api/v1/ in the `api` namespace."""

urlpatterns: list = []
