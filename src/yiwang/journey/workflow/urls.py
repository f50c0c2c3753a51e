from django.urls import path

from . import views

urlpatterns = [
    path("workbench/tasks/", views.inbox, name="task_inbox"),
    path("workbench/tasks/department/", views.department, name="task_department"),
    path("workbench/tasks/<id:pk>/", views.task_detail, name="task_detail"),
    path("workbench/tasks/<id:pk>/claim/", views.task_claim, name="task_claim"),
    path("workbench/tasks/<id:pk>/release/", views.task_release, name="task_release"),
    path("workbench/tasks/<id:pk>/complete/", views.task_complete, name="task_complete"),
    path("workbench/tasks/<id:pk>/suspend/", views.task_suspend, name="task_suspend"),
    path("workbench/tasks/<id:pk>/resume/", views.task_resume, name="task_resume"),
    path("workbench/tasks/<id:pk>/extend/", views.task_extend, name="task_extend"),
    path("workbench/extensions/<id:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("workbench/cases/", views.warned_cases, name="warned_cases"),
    path("workbench/cases/<id:pk>/", views.workbench_case, name="workbench_case"),
    path("workbench/results/", views.result_queue, name="result_queue"),
    path("workbench/results/<id:pk>/hand-over/", views.result_hand_over, name="result_hand_over"),
    path("workbench/results/<id:pk>/ship/", views.result_ship, name="result_ship"),
    path("cases/<id:pk>/decision.pdf", views.decision_document, name="case_decision"),
    path("cases/<id:pk>/hand-over.pdf", views.hand_over_receipt, name="case_hand_over_receipt"),
    path("my/cases/<id:pk>/delivery/", views.choose_delivery, name="choose_delivery"),
    path("my/cases/<id:pk>/urge/", views.urge_case, name="urge_case"),
]
