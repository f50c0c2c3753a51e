from django.urls import path

from . import views

urlpatterns = [
    path("workbench/tasks/", views.inbox, name="task_inbox"),
    path("workbench/tasks/department/", views.department, name="task_department"),
    path("workbench/tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("workbench/tasks/<int:pk>/claim/", views.task_claim, name="task_claim"),
    path("workbench/tasks/<int:pk>/release/", views.task_release, name="task_release"),
    path("workbench/tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("workbench/tasks/<int:pk>/suspend/", views.task_suspend, name="task_suspend"),
    path("workbench/tasks/<int:pk>/resume/", views.task_resume, name="task_resume"),
    path("workbench/tasks/<int:pk>/extend/", views.task_extend, name="task_extend"),
    path("workbench/extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("workbench/cases/", views.warned_cases, name="warned_cases"),
    path("workbench/cases/<int:pk>/", views.workbench_case, name="workbench_case"),
    path("workbench/results/", views.result_queue, name="result_queue"),
    path("workbench/results/<int:pk>/hand-over/", views.result_hand_over, name="result_hand_over"),
    path("workbench/results/<int:pk>/ship/", views.result_ship, name="result_ship"),
    path("cases/<int:pk>/decision.pdf", views.decision_document, name="case_decision"),
    path("my/cases/<int:pk>/delivery/", views.choose_delivery, name="choose_delivery"),
]
