"""API of supervision orders (督办单), under /api/v1/ in the `api` namespace."""

urlpatterns: list = []
