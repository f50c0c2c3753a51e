from django.urls import path

from . import views_workbench as views

urlpatterns = [
    path("", views.item_list, name="catalog_workbench"),
    path("review/", views.review_queue, name="catalog_review_queue"),
    path("import/", views.import_upload, name="catalog_import"),
    path("import/<id:pk>/", views.import_detail, name="catalog_import_detail"),
    path("import/<id:pk>/progress/", views.import_progress, name="catalog_import_progress"),
    path("export.xlsx", views.export, name="catalog_export"),
    path("search/", views.search_review, name="catalog_search_review"),
    path("search/keyword/", views.search_add_keyword, name="catalog_search_keyword"),
    path("items/<str:code>/", views.item_detail, name="catalog_wb_item"),
    path("items/<str:code>/edit/", views.start_draft, name="catalog_wb_start_draft"),
    path("items/<str:code>/compare/", views.compare, name="catalog_wb_compare"),
    path("items/<str:code>/v<id:number>/", views.version_detail, name="catalog_wb_version"),
    path("items/<str:code>/v<id:number>/edit/", views.edit_draft, name="catalog_wb_edit"),
    path(
        "items/<str:code>/v<id:number>/materials/",
        views.edit_materials,
        name="catalog_wb_materials",
    ),
    path("items/<str:code>/v<id:number>/steps/", views.edit_steps, name="catalog_wb_steps"),
    path("items/<str:code>/v<id:number>/faqs/", views.edit_faqs, name="catalog_wb_faqs"),
    path("items/<str:code>/v<id:number>/guide/", views.edit_guide_steps, name="catalog_wb_guide"),
    path("items/<str:code>/v<id:number>/form/", views.edit_form, name="catalog_wb_form"),
    path(
        "items/<str:code>/v<id:number>/form/preview/",
        views.form_preview,
        name="catalog_wb_form_preview",
    ),
    path(
        "items/<str:code>/v<id:number>/attachments/",
        views.add_attachment,
        name="catalog_wb_attachment",
    ),
    path("items/<str:code>/v<id:number>/submit/", views.submit, name="catalog_wb_submit"),
    path("items/<str:code>/v<id:number>/review/", views.review, name="catalog_wb_review"),
    path("items/<str:code>/v<id:number>/publish/", views.publish, name="catalog_wb_publish"),
    path(
        "items/<str:code>/v<id:number>/return/",
        views.return_to_draft,
        name="catalog_wb_return",
    ),
]
