"""Pages of supervision orders (督办单)."""

from django.urls import path

from . import order_views as views

urlpatterns: list = [
    path("workbench/supervision/orders/", views.order_list, name="supervision_orders"),
    path("workbench/supervision/orders/new/", views.order_new, name="supervision_order_new"),
    path("workbench/supervision/orders/<id:pk>/", views.order_detail, name="supervision_order"),
    path(
        "workbench/supervision/orders/<id:pk>/respond/",
        views.order_respond,
        name="supervision_order_respond",
    ),
    path(
        "workbench/supervision/orders/<id:pk>/close/",
        views.order_close,
        name="supervision_order_close",
    ),
    path(
        "workbench/supervision/orders/<id:pk>/send-back/",
        views.order_send_back,
        name="supervision_order_send_back",
    ),
]
