"""网上留言板 (docs/hotline.md, "Citizens and the message board"): the published posts,
one post, posting, and each unit's answer time and satisfaction."""

from django.urls import re_path

from . import views_board as views

urlpatterns = [
    re_path(r"^board/$", views.board, name="hotline_board"),
    re_path(r"^board/new/$", views.new_post, name="hotline_board_new"),
    re_path(r"^board/units/$", views.units, name="hotline_board_units"),
    re_path(r"^board/(?P<number>[0-9]{14,20})/$", views.post, name="hotline_board_post"),
]
