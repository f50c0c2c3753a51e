"""Pages of 电子监察. Figures (dashboard, drill-down, ranking) are listed here; supervision
orders have their own module."""

from . import order_urls

urlpatterns: list = [*order_urls.urlpatterns]
