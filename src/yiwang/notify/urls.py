from django.urls import path

from . import views

urlpatterns = [
    path("messages/", views.inbox, name="messages"),
    path("messages/<id:message_id>/read/", views.mark_read, name="message_read"),
    path("outbox/", views.outbox, name="outbox"),
]
