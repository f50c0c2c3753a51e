from django.urls import path

from . import views

urlpatterns = [
    path("workbench/lookup/", views.staff_lookup, name="sharing_lookup"),
    path("my/data-access/", views.my_data_access, name="my_data_access"),
]
