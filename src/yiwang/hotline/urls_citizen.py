"""The citizen's 12345 pages (docs/hotline.md, "Citizens and the message board"): filing on
the web, "my appeals" with the timeline, reply, rating and withdrawal, and tracking by
number and phone for callers without an account."""

from django.urls import re_path

from . import views_citizen as views

# An appeal's public number: its local day and its id (models.Appeal.number).
NUMBER = r"(?P<number>[0-9]{14,20})"

urlpatterns = [
    re_path(r"^hotline/new/$", views.new_appeal, name="hotline_new"),
    re_path(rf"^hotline/new/{NUMBER}/$", views.filed, name="hotline_filed"),
    re_path(r"^hotline/track/$", views.track, name="hotline_track"),
    re_path(rf"^hotline/track/{NUMBER}/$", views.tracked, name="hotline_tracked"),
    re_path(r"^my/appeals/$", views.my_appeals, name="hotline_my_appeals"),
    re_path(rf"^my/appeals/{NUMBER}/$", views.my_appeal, name="hotline_my_appeal"),
    re_path(rf"^my/appeals/{NUMBER}/rate/$", views.rate, name="hotline_rate"),
    re_path(rf"^my/appeals/{NUMBER}/withdraw/$", views.withdraw, name="hotline_withdraw"),
]
