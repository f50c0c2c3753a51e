"""API of supervision orders (督办单), under /api/v1/ in the `api` namespace."""

from django.urls import path

from . import order_api

urlpatterns: list = [
    path("supervision/orders", order_api.OrderList.as_view(), name="supervision-orders"),
    path("supervision/orders/<id:pk>", order_api.OrderDetail.as_view(), name="supervision-order"),
    path(
        "supervision/orders/<id:pk>/respond",
        order_api.OrderRespond.as_view(),
        name="supervision-order-respond",
    ),
    path(
        "supervision/orders/<id:pk>/close",
        order_api.OrderClose.as_view(),
        name="supervision-order-close",
    ),
    path(
        "supervision/orders/<id:pk>/send-back",
        order_api.OrderSendBack.as_view(),
        name="supervision-order-send-back",
    ),
]
