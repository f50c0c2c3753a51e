"""Filled in by its author (docs/hotline.md)."""

urlpatterns = []
