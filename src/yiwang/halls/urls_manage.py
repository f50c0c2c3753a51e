"""The hall manager's pages: the figures of the hall, its settings and its day of
appointments."""

from django.urls import path

from . import figures_views, views_appointments
from . import views_settings as settings

S = "workbench/hall/<id:hall_id>/settings/"

urlpatterns = [
    path(S, settings.settings_page, name="hall_settings"),
    path(f"{S}queue/", settings.save_settings, name="hall_settings_save"),
    path(f"{S}staffing/", settings.staffing, name="hall_staffing"),
    path(f"{S}categories/", settings.save_category, name="hall_category_add"),
    path(f"{S}categories/<id:pk>/", settings.save_category, name="hall_category_save"),
    path(f"{S}categories/<id:pk>/remove/", settings.remove_category, name="hall_category_remove"),
    path(f"{S}windows/", settings.save_window, name="hall_window_add"),
    path(f"{S}windows/<id:pk>/", settings.save_window, name="hall_window_save"),
    path(f"{S}windows/<id:pk>/remove/", settings.remove_window, name="hall_window_remove"),
    path(f"{S}windows/<id:pk>/close/", settings.close_window, name="hall_window_close"),
    path("workbench/hall/", figures_views.my_hall, name="my_hall"),
    path("workbench/hall/<int:hall>/", figures_views.hall_figures, name="hall_figures"),
    path(
        "workbench/hall/<id:hall_id>/appointments/",
        views_appointments.day_page,
        name="hall_appointments",
    ),
]
