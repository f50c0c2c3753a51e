"""The hall's manage pages."""

urlpatterns: list = []
