"""The agent's console (话务员工作台) and the return calls (回访) — docs/hotline.md, "The
agent's console"."""

from django.urls import path

from . import views_console as views

urlpatterns = [
    path("workbench/hotline/console/", views.console, name="hotline_console"),
    path("workbench/hotline/console/history/", views.history, name="hotline_console_history"),
    path(
        "workbench/hotline/console/knowledge/",
        views.articles,
        name="hotline_console_knowledge",
    ),
    path("workbench/hotline/console/today/", views.mine, name="hotline_console_today"),
    path("workbench/hotline/callbacks/", views.callbacks, name="hotline_callbacks"),
    path("workbench/hotline/callbacks/<id:pk>/", views.callback, name="hotline_callback"),
]
