"""The hall's public pages."""

urlpatterns: list = []
