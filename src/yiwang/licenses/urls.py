from django.urls import path

from . import staff_views, views, wallet_views

urlpatterns = [
    path("v/<str:payload>", views.verify, name="license_verify"),
    path("share/<str:token>", wallet_views.shared, name="license_share"),
    path("my/licenses/", wallet_views.wallet, name="wallet"),
    path("my/licenses/<id:pk>/", wallet_views.wallet_detail, name="wallet_detail"),
    path("my/licenses/<id:pk>/pdf/", wallet_views.wallet_pdf, name="wallet_pdf"),
    path("my/licenses/<id:pk>/share/", wallet_views.share_create, name="wallet_share"),
    path(
        "my/licenses/<id:pk>/share/<id:link_pk>/revoke/",
        wallet_views.share_revoke,
        name="wallet_share_revoke",
    ),
    path("workbench/licenses/", staff_views.staff_licences, name="staff_licences"),
    path("workbench/licenses/<id:pk>/", staff_views.staff_licence, name="staff_licence"),
    path(
        "workbench/licenses/<id:pk>/confirm/",
        staff_views.staff_confirm,
        name="staff_license_confirm",
    ),
    path(
        "workbench/licenses/<id:pk>/revoke/", staff_views.staff_revoke, name="staff_license_revoke"
    ),
    path(
        "workbench/licenses/<id:pk>/replace/",
        staff_views.staff_replace,
        name="staff_license_replace",
    ),
]
