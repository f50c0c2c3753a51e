"""The dispatcher's and the units' pages (docs/hotline.md, "Dispatching and handling")."""

from django.urls import path

from . import views_workbench as dispatch
from . import views_workbench_appeal as appeal

W = "workbench/hotline/"

urlpatterns = [
    # 派单员
    path(f"{W}dispatch/", dispatch.queue, name="hotline_dispatch_queue"),
    path(f"{W}dispatch/<id:pk>/", dispatch.dispatch_screen, name="hotline_dispatch"),
    path(f"{W}dispatch/<id:pk>/merge/", dispatch.merge, name="hotline_merge"),
    path(f"{W}dispatch/<id:pk>/answer/", dispatch.answer, name="hotline_answer"),
    path(
        f"{W}extensions/<id:pk>/decide/",
        dispatch.decide_extension,
        name="hotline_extension_decide",
    ),
    # 承办单位
    path(f"{W}unit/", appeal.unit_queue, name="hotline_unit_queue"),
    # One appeal, for every member of staff who may see it
    path(f"{W}appeals/<id:pk>/", appeal.appeal_page, name="hotline_appeal"),
    path(f"{W}appeals/<id:pk>/accept/", appeal.accept, name="hotline_accept"),
    path(f"{W}appeals/<id:pk>/return/", appeal.return_appeal, name="hotline_return"),
    path(f"{W}appeals/<id:pk>/note/", appeal.note, name="hotline_note"),
    path(f"{W}appeals/<id:pk>/opinion/", appeal.opinion, name="hotline_opinion"),
    path(f"{W}appeals/<id:pk>/extension/", appeal.request_extension, name="hotline_extension"),
    path(f"{W}appeals/<id:pk>/reply/", appeal.reply, name="hotline_reply"),
    path(f"{W}appeals/<id:pk>/review/", appeal.review, name="hotline_review"),
    path(f"{W}attachments/<id:pk>/", appeal.attachment, name="hotline_attachment"),
]
