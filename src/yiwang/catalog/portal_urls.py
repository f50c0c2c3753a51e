"""The public catalogue: item guides, 一件事 bundles, browsing (the home page lives in web)."""

from django.urls import path

from . import views

urlpatterns = [
    path("items/<str:code>/", views.item_guide, name="item_guide"),
    path("items/<str:code>/guide.pdf", views.item_guide_pdf, name="item_guide_pdf"),
    path("items/<str:code>/v/<id:number>/", views.item_version, name="item_version"),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("bundles/", views.bundle_list, name="bundle_list"),
    path("bundles/<str:code>/", views.bundle_detail, name="bundle_detail"),
    path("themes/<id:pk>/", views.theme_items, name="theme_items"),
    path("departments/<str:code>/", views.department_items, name="department_items"),
    path("levels/<str:level>/", views.level_items, name="level_items"),
]
