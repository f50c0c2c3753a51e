from django.urls import path

from . import views_documents

urlpatterns = [
    path("cases/<int:pk>/receipt.pdf", views_documents.receipt, name="case_receipt"),
    path("cases/<int:pk>/notice.pdf", views_documents.notice, name="case_notice"),
    path("cases/<int:pk>/refusal.pdf", views_documents.refusal, name="case_refusal"),
]
