"""The knowledge base's pages (docs/hotline.md, "The knowledge base"): staff pages under
/workbench/hotline/knowledge/, the citizens' 常见问题 under /hotline/faq/."""

from django.urls import path

from . import views_knowledge as views

K = "workbench/hotline/knowledge/"

urlpatterns = [
    path(K, views.article_list, name="hotline_knowledge"),
    path(f"{K}search/", views.search_fragment, name="hotline_knowledge_search"),
    path(f"{K}due/", views.due_list, name="hotline_knowledge_due"),
    path(f"{K}new/", views.article_create, name="hotline_knowledge_create"),
    path(f"{K}<id:pk>/", views.article_detail, name="hotline_knowledge_article"),
    path(f"{K}<id:pk>/edit/", views.article_edit, name="hotline_knowledge_edit"),
    path(f"{K}<id:pk>/retire/", views.article_retire, name="hotline_knowledge_retire"),
    path(f"{K}<id:pk>/restore/", views.article_restore, name="hotline_knowledge_restore"),
    path(f"{K}<id:pk>/reviewed/", views.article_reviewed, name="hotline_knowledge_reviewed"),
    path("hotline/faq/", views.faq, name="hotline_faq"),
    path("hotline/faq/<id:pk>/", views.faq_article, name="hotline_faq_article"),
]
