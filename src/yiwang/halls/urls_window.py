"""The hall's window pages."""

urlpatterns: list = []
