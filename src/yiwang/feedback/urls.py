from django.urls import path

from . import views

urlpatterns = [
    path("my/cases/<id:pk>/rate/", views.rate_case, name="rate_case"),
    path("my/cases/<id:pk>/rate/thanks/", views.rating_thanks, name="rating_thanks"),
    path("rate/<str:token>/", views.rate_by_link, name="rate_by_link"),
    path("workbench/rectifications/", views.rectification_list, name="rectification_list"),
    path(
        "workbench/rectifications/<id:pk>/",
        views.rectification_detail,
        name="rectification_detail",
    ),
    path(
        "workbench/rectifications/<id:pk>/respond/",
        views.rectification_respond,
        name="rectification_respond",
    ),
    path(
        "workbench/rectifications/<id:pk>/verify/",
        views.rectification_verify,
        name="rectification_verify",
    ),
    path(
        "workbench/rectifications/<id:pk>/callback/",
        views.rectification_callback,
        name="rectification_callback",
    ),
    path("workbench/evaluations/", views.evaluation_list, name="evaluation_list"),
]
