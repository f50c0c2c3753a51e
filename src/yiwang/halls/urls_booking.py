"""The hall's booking pages."""

urlpatterns: list = []
