"""The hall's manage pages."""

from django.urls import path

from . import figures_views

urlpatterns: list = [
    path("workbench/hall/<int:hall>/", figures_views.hall_figures, name="hall_figures"),
]
