from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("elderly/", views.toggle_elderly, name="elderly_toggle"),
    path("keepalive/", views.keepalive, name="keepalive"),
]
