"""The dispatcher's routing-rule editor under /workbench/hotline/routing/ (docs/hotline.md,
"Routing and the classifier")."""

from django.urls import path

from . import views_routing as views

R = "workbench/hotline/routing/"

urlpatterns = [
    path(R, views.rule_list, name="hotline_routing"),
    path(f"{R}new/", views.rule_form, name="hotline_routing_add"),
    path(f"{R}test/", views.rule_test, name="hotline_routing_test"),
    path(f"{R}<id:pk>/", views.rule_form, name="hotline_routing_edit"),
    path(f"{R}<id:pk>/move/", views.rule_move, name="hotline_routing_move"),
    path(f"{R}<id:pk>/delete/", views.rule_delete, name="hotline_routing_delete"),
]
