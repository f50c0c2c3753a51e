from django.urls import path

from . import views_applicant as views

urlpatterns = [
    path("apply/bundle/<str:code>/", views.apply_bundle, name="apply_bundle"),
    path("apply/<str:code>/", views.apply_item, name="apply_item"),
    path("my/cases/", views.my_cases, name="my_cases"),
    path("my/cases/<id:pk>/", views.my_case, name="my_case"),
    path("my/cases/<id:pk>/form/", views.case_form, name="case_form"),
    path("my/cases/<id:pk>/form/save/", views.case_form_autosave, name="case_form_autosave"),
    path("my/cases/<id:pk>/materials/", views.case_materials, name="case_materials"),
    path(
        "my/cases/<id:pk>/materials/<id:material_pk>/upload/",
        views.material_upload,
        name="material_upload",
    ),
    path(
        "my/cases/<id:pk>/materials/<id:material_pk>/files/<id:file_pk>/delete/",
        views.material_file_remove,
        name="material_file_remove",
    ),
    path(
        "my/cases/<id:pk>/materials/<id:material_pk>/window/",
        views.material_at_window,
        name="material_at_window",
    ),
    path("my/cases/<id:pk>/review/", views.case_review, name="case_review"),
    path("my/cases/<id:pk>/submit/", views.case_submit, name="case_submit"),
    path("my/cases/<id:pk>/receipt/", views.case_receipt_page, name="case_receipt_page"),
    path("my/cases/<id:pk>/withdraw/", views.case_withdraw, name="case_withdraw"),
    path("cases/files/<id:pk>/", views.case_file, name="case_file"),
    path("cases/files/<id:pk>/preview/", views.case_file_preview, name="case_file_preview"),
]
