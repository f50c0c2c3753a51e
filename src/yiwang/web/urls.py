from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest", views.search_suggest, name="search_suggest"),
    path("search/go", views.search_go, name="search_go"),
    path("elderly/", views.toggle_elderly, name="elderly_toggle"),
    path("keepalive/", views.keepalive, name="keepalive"),
    path("workbench/start/", views.staff_landing, name="staff_landing"),
]
