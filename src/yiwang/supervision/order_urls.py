"""Pages of supervision orders (督办单)."""

urlpatterns: list = []
