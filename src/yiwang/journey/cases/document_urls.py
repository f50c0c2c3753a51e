from django.urls import path

from . import views_documents

urlpatterns = [
    path("cases/<id:pk>/receipt.pdf", views_documents.receipt, name="case_receipt"),
    path("cases/<id:pk>/notice.pdf", views_documents.notice, name="case_notice"),
    path("cases/<id:pk>/refusal.pdf", views_documents.refusal, name="case_refusal"),
]
