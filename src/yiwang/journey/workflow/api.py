"""Back-office approval (后台审批) over the API: the approver's inbox and tasks (claim,
release, complete), the case's clock (suspend, resume, extensions), the conclusion and its
decision document, result delivery, and the applicant's progress. Thin: every change goes
through workflow.services / clocks / delivery, every read through workflow.selectors, so
the policy decides who sees what (404 to outsiders, 403 to insiders without the right).

A case concludes through `complete` on its last approval task; there is no separate
"conclude" call. A conflict with the current state (a task already done, claimed by a
colleague, a case not suspended …) is a 409 problem with the service's code.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, renderers, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api import problems
from yiwang.api.helpers import ChoiceDisplay
from yiwang.api.helpers import absolute_url as _url
from yiwang.api.helpers import display_name as _name
from yiwang.api.helpers import validated as _valid
from yiwang.api.idempotency import idempotent
from yiwang.api.problems import ProblemSerializer
from yiwang.core import files
from yiwang.identity import policy
from yiwang.identity.roles import Role
from yiwang.journey.cases.api import (
    CaseEventSerializer,
    CaseMaterialSerializer,
    CaseOrgSerializer,
    ClockSerializer,
    EnterpriseRefSerializer,
)
from yiwang.journey.cases.models import Case, CaseMaterial, Status, Warning
from yiwang.workdays import calendar

from . import clocks, delivery, documents, position, process, selectors, services
from .models import (
    ApprovalTask,
    Collector,
    Confirmation,
    Decision,
    DeliveryMethod,
    DeliveryStatus,
    Extension,
    IdDocument,
    ResultDelivery,
    StepKind,
    Suspension,
    SuspensionKind,
    TaskStatus,
)

# The engine's rules that are about the object's current state, not a malformed request.
problems.register_codes(
    "task_done",
    "task_claimed_by_other",
    "case_suspended",
    "nothing_to_return_to",
    "not_suspended",
    "not_in_review",
    "extension_once",
    "already_delivered",
    "not_ready",
    "wrong_method",
    "nothing_to_deliver",
    status=409,
)
# Rules about who may act, beyond the roles: 审批分离, only the applicant chooses delivery.
problems.register_codes("separation_of_duties", "not_applicant", status=403)

PROCESS_STATES = [(state, state) for state in position.STEP_STATES]
CONCLUDED = {Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED}
CONCLUSIONS = [(s.value, s.label) for s in Status if s in CONCLUDED]


# --- serializers ----------------------------------------------------------------------------


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True, help_text=gettext_lazy("办件编号"))
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = ChoiceDisplay("status")
    status_code = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("全国办件状态代码")
    )
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField())
    def get_url(self, case) -> str:
        return _url(self.context["request"], "api:case", case.pk)


class JourneyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField()


class TaskCaseSerializer(CaseRefSerializer):
    applicant_name = serializers.CharField(source="applicant.display_name")
    parent = JourneyRefSerializer(
        allow_null=True, help_text=gettext_lazy("所属一件事（主办件），单事项办件为空")
    )


class TaskSerializer(serializers.Serializer):
    """One department's step in a case (审批环节), as the inbox lists it."""

    id = serializers.IntegerField()
    name = serializers.CharField(help_text=gettext_lazy("环节名称"))
    stage = serializers.IntegerField(help_text=gettext_lazy("环节序号"))
    round = serializers.IntegerField(help_text=gettext_lazy("轮次：退回后重新推送的环节加一"))
    role = serializers.ChoiceField(choices=Role.choices, help_text=gettext_lazy("办理岗位"))
    role_display = serializers.SerializerMethodField()
    org = CaseOrgSerializer(help_text=gettext_lazy("办理部门"))
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    status_display = ChoiceDisplay("status")
    assignee = serializers.SerializerMethodField(help_text=gettext_lazy("经办人"))
    case = TaskCaseSerializer()
    pushed_at = serializers.DateTimeField(source="created_at")
    started_at = serializers.DateTimeField(allow_null=True, help_text=gettext_lazy("签收时间"))
    completed_at = serializers.DateTimeField(allow_null=True)
    due_on = serializers.DateField(allow_null=True, help_text=gettext_lazy("办理期限"))
    due_at = serializers.SerializerMethodField(
        help_text=gettext_lazy("办理期限的截止时刻（当日工作时间结束，北京时间）")
    )
    due_provisional = serializers.BooleanField(
        help_text=gettext_lazy("期限跨入节假日安排尚未公布的年份，暂按周末计算")
    )
    warning = serializers.ChoiceField(
        choices=Warning.choices, help_text=gettext_lazy("预警：空为正常，yellow 黄牌，red 红牌")
    )
    warning_display = ChoiceDisplay("warning")
    workdays_left = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "距本办件承诺办结期限的工作日，与各页面显示的“剩余”相同；负数为已超期，暂停计时期间不变"
        )
    )
    decision = serializers.ChoiceField(choices=Decision.choices, allow_blank=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_role_display(self, task) -> str:
        return str(Role(task.role).label)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, task) -> str | None:
        return _name(task.assignee)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_due_at(self, task):
        return calendar.deadline_instant(task.due_on).isoformat() if task.due_on else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_workdays_left(self, task) -> int | None:
        if not task.is_open:
            return None
        stopped = self.context.get("stopped_on") or {}
        return position.clock(task.case, stopped=stopped.get(task.case_id)).days

    @extend_schema_field(serializers.URLField())
    def get_url(self, task) -> str:
        return _url(self.context["request"], "api:task", task.pk)


class OpinionSerializer(serializers.Serializer):
    """An earlier decision on the case (审批意见), oldest first."""

    task = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    round = serializers.IntegerField()
    org = CaseOrgSerializer()
    assignee = serializers.SerializerMethodField()
    decision = serializers.ChoiceField(choices=Decision.choices)
    decision_display = ChoiceDisplay("decision")
    opinion = serializers.CharField()
    completed_at = serializers.DateTimeField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, task) -> str | None:
        return _name(task.assignee)


class SuspensionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SuspensionKind.choices)
    kind_display = ChoiceDisplay("kind")
    reason = serializers.CharField()
    expected_workdays = serializers.IntegerField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    paused_workdays = serializers.IntegerField(
        help_text=gettext_lazy("暂停的工作日，恢复时各期限相应顺延（行政许可法第四十五条）")
    )


class ExtensionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = JourneyRefSerializer()
    workdays = serializers.IntegerField(help_text=gettext_lazy("延长的工作日"))
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=Extension.Status.choices)
    status_display = ChoiceDisplay("status")
    requested_by = serializers.SerializerMethodField()
    requested_at = serializers.DateTimeField()
    decided_by = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField(help_text=gettext_lazy("审批负责人的意见"))

    @extend_schema_field(serializers.CharField())
    def get_requested_by(self, extension) -> str:
        return extension.requested_by.display_name

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, extension) -> str | None:
        return _name(extension.decided_by)


class ClockTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    org = CaseOrgSerializer()
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    due_on = serializers.DateField(allow_null=True)
    due_provisional = serializers.BooleanField()
    warning = serializers.ChoiceField(choices=Warning.choices)


class CaseClockSerializer(CaseRefSerializer):
    """A case's clock after a change: deadlines, pauses, extensions, open tasks' due days."""

    deadlines = ClockSerializer(source="*")
    suspensions = serializers.SerializerMethodField()
    extensions = serializers.SerializerMethodField()
    open_tasks = serializers.SerializerMethodField()

    @extend_schema_field(SuspensionSerializer(many=True))
    def get_suspensions(self, case):
        return SuspensionSerializer(case.suspensions.order_by("started_on", "pk"), many=True).data

    @extend_schema_field(ExtensionSerializer(many=True))
    def get_extensions(self, case):
        extensions = case.extensions.select_related("case", "requested_by", "decided_by")
        return ExtensionSerializer(extensions.order_by("requested_at", "pk"), many=True).data

    @extend_schema_field(ClockTaskSerializer(many=True))
    def get_open_tasks(self, case):
        tasks = case.tasks.filter(status__in=[TaskStatus.PENDING, TaskStatus.ACTIVE])
        return ClockTaskSerializer(tasks.select_related("org").order_by("pk"), many=True).data


class SuspensionChangeSerializer(SuspensionSerializer):
    clock = CaseClockSerializer(source="case", help_text=gettext_lazy("变更后的办件期限"))


class ExtensionChangeSerializer(ExtensionSerializer):
    clock = CaseClockSerializer(source="case", help_text=gettext_lazy("变更后的办件期限"))


class TaskCaseDetailSerializer(TaskCaseSerializer):
    item = serializers.CharField(
        source="item_version.item.code", allow_null=True, help_text=gettext_lazy("事项编码")
    )
    department = CaseOrgSerializer(allow_null=True)
    place = CaseOrgSerializer()
    enterprise = EnterpriseRefSerializer(allow_null=True)
    tolerated = serializers.BooleanField(help_text=gettext_lazy("容缺受理"))
    deadlines = ClockSerializer(source="*")
    form_data = serializers.SerializerMethodField(
        help_text=gettext_lazy("申请表：本事项的表；一件事的事项为其中本事项要填的部分")
    )

    @extend_schema_field(serializers.DictField())
    def get_form_data(self, case) -> dict:
        # A bundle's child holds the part of the one form its own item asks, under its keys.
        return case.form_data or (case.parent.form_data if case.parent_id else {})


class TaskDetailSerializer(TaskSerializer):
    """The task page: the case summary, its materials (files behind the authorised
    download URL), earlier opinions, and the case's pauses and extensions."""

    case = TaskCaseDetailSerializer()
    opinion = serializers.CharField()
    materials = serializers.SerializerMethodField()
    opinions = serializers.SerializerMethodField(help_text=gettext_lazy("此前的审批意见"))
    suspensions = serializers.SerializerMethodField(help_text=gettext_lazy("特别程序"))
    extensions = serializers.SerializerMethodField(help_text=gettext_lazy("延期"))

    @extend_schema_field(CaseMaterialSerializer(many=True))
    def get_materials(self, task):
        case = task.case
        # Materials live on the journey; a 一件事 child shows those its item requires.
        materials = CaseMaterial.objects.filter(case_id=case.parent_id or case.pk)
        if case.parent_id:
            materials = materials.filter(requirements__version_id=case.item_version_id).distinct()
        materials = materials.prefetch_related("files").order_by("position", "pk")
        return CaseMaterialSerializer(materials, many=True, context=self.context).data

    @extend_schema_field(OpinionSerializer(many=True))
    def get_opinions(self, task):
        return OpinionSerializer(selectors.opinions(task.case), many=True).data

    @extend_schema_field(SuspensionSerializer(many=True))
    def get_suspensions(self, task):
        return SuspensionSerializer(
            task.case.suspensions.order_by("started_on", "pk"), many=True
        ).data

    @extend_schema_field(ExtensionSerializer(many=True))
    def get_extensions(self, task):
        extensions = task.case.extensions.select_related("case", "requested_by", "decided_by")
        return ExtensionSerializer(extensions.order_by("requested_at", "pk"), many=True).data


class TaskFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["open", *TaskStatus.values, "all"],
        required=False,
        help_text=gettext_lazy(
            "open（默认：待签收和办理中）、pending、active、done、cancelled、all"
        ),
    )
    warning = serializers.ChoiceField(
        choices=["none", Warning.YELLOW, Warning.RED],
        required=False,
        help_text=gettext_lazy("预警：none 正常、yellow 黄牌、red 红牌；不填为全部"),
    )
    q = serializers.CharField(
        required=False, help_text=gettext_lazy("办件编号（前缀）或申请事项中的文字")
    )


class CompleteSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=Decision.choices,
        help_text=gettext_lazy("approve 同意、deny 不同意、return 退回上一环节"),
    )
    opinion = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("办理意见；不同意或退回时必填"),
    )


class SuspendSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SuspensionKind.choices)
    reason = serializers.CharField()
    expected_workdays = serializers.IntegerField(
        required=False, default=0, min_value=0, help_text=gettext_lazy("预计工作日")
    )


class ExtensionRequestSerializer(serializers.Serializer):
    reason = serializers.CharField()
    workdays = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=gettext_lazy("延长的工作日；不填为法定的10个工作日（行政许可法第四十二条）"),
    )


class ExtensionDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text=gettext_lazy("true 批准延期，false 不批准"))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ConclusionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    concluded = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField(
        help_text=gettext_lazy("approved 准予许可、approved_tolerated 容缺准予、denied 不予许可")
    )
    status_code = serializers.IntegerField(allow_null=True)
    concluded_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(source="decision_reason", help_text=gettext_lazy("决定理由"))
    decision_document = serializers.SerializerMethodField(
        help_text=gettext_lazy("决定书 PDF（一件事的每个事项各有一份）")
    )

    @extend_schema_field(serializers.BooleanField())
    def get_concluded(self, case) -> bool:
        return case.status in CONCLUDED

    @extend_schema_field(serializers.ChoiceField(choices=CONCLUSIONS, allow_null=True))
    def get_outcome(self, case) -> str | None:
        return case.status if case.status in CONCLUDED else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_decision_document(self, case) -> str | None:
        if not documents.has_decision(case):
            return None
        return _url(self.context["request"], "api:case-decision-pdf", case.pk)


class ConclusionSerializer(ConclusionItemSerializer):
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = ChoiceDisplay("status")
    items = serializers.SerializerMethodField(
        help_text=gettext_lazy("一件事的各事项的办结情况；单事项办件为空")
    )

    @extend_schema_field(ConclusionItemSerializer(many=True))
    def get_items(self, case):
        if not case.is_bundle:
            return []
        children = case.children.select_related("item_version").order_by("pk")
        return ConclusionItemSerializer(children, many=True, context=self.context).data


class DeliveryCaseSerializer(CaseRefSerializer):
    applicant_name = serializers.CharField(source="applicant.display_name")


class DeliverySerializer(serializers.Serializer):
    """出件 / 送达 of a journey's results: pending → ready → delivered."""

    id = serializers.IntegerField()
    case = DeliveryCaseSerializer()
    method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    method_display = ChoiceDisplay("method")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    status_display = ChoiceDisplay("status")
    recipient = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    courier = serializers.CharField()
    tracking_number = serializers.CharField(help_text=gettext_lazy("运单号（邮寄送达）"))
    ready_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


class ChooseDeliverySerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    recipient = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    address = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=gettext_lazy("邮寄地址")
    )


class HandOverSerializer(serializers.Serializer):
    """窗口领取: the collector, the identity check and the confirmation."""

    collector = serializers.ChoiceField(choices=Collector.choices, default=Collector.APPLICANT)
    agent_name = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=gettext_lazy("代领人姓名")
    )
    authorisation_checked = serializers.BooleanField(
        default=False, help_text=gettext_lazy("代领时：已核验授权委托书")
    )
    id_document = serializers.ChoiceField(
        choices=IdDocument.choices, default=IdDocument.RESIDENT_ID
    )
    id_number = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("申请人本人：证件号码全号或后四位；代领人：全号"),
    )
    confirmation = serializers.ChoiceField(
        choices=Confirmation.choices, default=Confirmation.SMS_CODE
    )
    code = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=gettext_lazy("短信验证码")
    )
    signature = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("签名图像：data:image/png;base64,…"),
    )


class HandOverCodeSerializer(serializers.Serializer):
    phone_masked = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ResultFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=DeliveryStatus.choices,
        required=False,
        help_text=gettext_lazy("默认 ready（待出件）"),
    )
    method = serializers.ChoiceField(choices=DeliveryMethod.choices, required=False)


class ProgressTaskSerializer(serializers.Serializer):
    name = serializers.CharField()
    round = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    status_display = ChoiceDisplay("status")
    decision = serializers.ChoiceField(choices=Decision.choices, allow_blank=True)
    decision_display = ChoiceDisplay("decision")
    pushed_at = serializers.DateTimeField(source="created_at")
    completed_at = serializers.DateTimeField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)


class ProgressStageSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=StepKind.choices)
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField()
    org = serializers.CharField(help_text=gettext_lazy("办理部门"))
    days = serializers.IntegerField(help_text=gettext_lazy("时限（工作日）"))
    state = serializers.ChoiceField(choices=PROCESS_STATES)
    tasks = ProgressTaskSerializer(many=True)


class ProgressLaneSerializer(serializers.Serializer):
    """One item's process: its stages in order, with where the case is."""

    case = JourneyRefSerializer()
    status = serializers.ChoiceField(source="case.status", choices=Status.choices)
    status_display = serializers.CharField(source="case.get_status_display")
    state = serializers.ChoiceField(choices=PROCESS_STATES)
    stages = ProgressStageSerializer(many=True)


class ProgressEventSerializer(CaseEventSerializer):
    case = JourneyRefSerializer()
    department = serializers.CharField(source="case.department.name", allow_null=True, default=None)


class ProgressSerializer(serializers.Serializer):
    """The citizen's timeline of a journey: each department's step as it happens."""

    case = CaseRefSerializer()
    deadlines = ClockSerializer(source="case")
    is_bundle = serializers.BooleanField()
    main = ProgressLaneSerializer(
        many=True, help_text=gettext_lazy("依次办理的事项（一件事的主办事项）")
    )
    parallel = ProgressLaneSerializer(
        many=True, help_text=gettext_lazy("并联办理的事项：同时推送各部门，全部办结后汇总")
    )
    delivery = DeliverySerializer(allow_null=True)
    events = ProgressEventSerializer(many=True, help_text=gettext_lazy("办理过程"))


# --- helpers --------------------------------------------------------------------------------


def _task(request, pk) -> Response:
    task = selectors.task(request.user, pk)
    return Response(TaskDetailSerializer(task, context={"request": request}).data)


def _case(request, pk) -> Case:
    """A case the user may see, with what the documents and summaries show; else 404."""
    case = get_object_or_404(
        Case.objects.select_related(
            "applicant",
            "enterprise",
            "place",
            "department",
            "item_version__item",
            "bundle",
            "parent",
        ),
        pk=pk,
    )
    policy.require(request.user, "case.view", case)
    return case


def _clock(case_id) -> Case:
    """The case as the service left it, for the clock shown in the response."""
    return Case.objects.get(pk=case_id)


def _stopped_on(tasks) -> dict:
    """case id → the day its clock stopped, for the suspended cases of a page (one query)."""
    suspended = {t.case_id for t in tasks if t.case.status == Status.SUSPENDED}
    if not suspended:
        return {}
    pauses = Suspension.objects.filter(case_id__in=suspended, ended_on__isnull=True)
    return dict(pauses.values_list("case_id", "started_on"))


def _delivery(request, delivery_obj) -> Response:
    return Response(DeliverySerializer(delivery_obj, context={"request": request}).data)


ERRORS = {400: ProblemSerializer, 403: ProblemSerializer, 404: ProblemSerializer}
CONFLICTS = {**ERRORS, 409: ProblemSerializer}


# --- tasks ----------------------------------------------------------------------------------


class TaskList(generics.ListAPIView):
    """The approver's inbox (待办): the tasks their roles may handle where those roles
    reach, open ones by default, the most urgent first."""

    serializer_class = TaskSerializer
    queryset = ApprovalTask.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApprovalTask.objects.none()
        filters = _valid(TaskFilterSerializer, self.request.query_params)
        warning = filters.get("warning")
        return selectors.inbox(
            self.request.user,
            status=filters.get("status"),
            warning=Warning.NONE if warning == "none" else warning,
            q=filters.get("q"),
        )

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many"):
            kwargs["context"] = {
                **self.get_serializer_context(),
                "stopped_on": _stopped_on(args[0]),
            }
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        parameters=[TaskFilterSerializer],
        responses={200: TaskSerializer(many=True), 400: ProblemSerializer, 403: ProblemSerializer},
        summary="待办审批任务",
    )
    def get(self, request, *args, **kwargs):
        policy.require(request.user, "task.view")
        return super().get(request, *args, **kwargs)


class TaskDetail(APIView):
    @extend_schema(
        responses={200: TaskDetailSerializer, 404: ProblemSerializer}, summary="审批任务详情"
    )
    def get(self, request, pk):
        return _task(request, pk)


class TaskClaim(APIView):
    @extend_schema(
        request=None,
        responses={200: TaskDetailSerializer, **CONFLICTS},
        summary="签收",
        description="任务成为当前用户的。已由他人签收为 409 task_claimed_by_other。",
    )
    def post(self, request, pk):
        services.claim(pk, by=request.user)
        return _task(request, pk)


class TaskRelease(APIView):
    @extend_schema(
        request=None,
        responses={200: TaskDetailSerializer, **CONFLICTS},
        summary="退回待签收",
        description="经办人本人，或部门的审批负责人，把已签收的任务放回待签收。",
    )
    def post(self, request, pk):
        services.release(pk, by=request.user)
        return _task(request, pk)


class TaskComplete(APIView):
    @extend_schema(
        request=CompleteSerializer,
        responses={200: TaskDetailSerializer, **CONFLICTS},
        summary="办理（同意、不同意、退回）",
        description=(
            "办理并写明意见；未签收的任务办理时一并签收。一个环节的最后一个任务办结后，"
            "下一环节自动推送给经办部门（并联环节全部办结后才推送）。"
            "办件的最后一个审批任务办结即办结（办结没有单独的接口）：同意为准予许可"
            "（有未补齐的容缺材料时为容缺准予），不同意为不予许可；结果见 "
            "GET /api/v1/cases/{id}/conclusion。同一任务第二次办理为 409 task_done。"
        ),
    )
    def post(self, request, pk):
        data = _valid(CompleteSerializer, request.data)
        services.complete(pk, by=request.user, decision=data["decision"], opinion=data["opinion"])
        return _task(request, pk)


# --- the case's clock -----------------------------------------------------------------------


class CaseSuspend(APIView):
    @extend_schema(
        request=SuspendSerializer,
        responses={201: SuspensionChangeSerializer, **CONFLICTS},
        summary="特别程序（暂停计时）",
        description="听证、检验检测、专家评审等不计入办理期限（行政许可法第四十五条）："
        "办件及其未办结任务暂停计时。支持 Idempotency-Key。",
    )
    @idempotent
    def post(self, request, pk):
        data = _valid(SuspendSerializer, request.data)
        pause = clocks.suspend(pk, by=request.user, **data)
        pause.case = _clock(pk)
        data = SuspensionChangeSerializer(pause, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class CaseResume(APIView):
    @extend_schema(
        request=None,
        responses={200: SuspensionChangeSerializer, **CONFLICTS},
        summary="恢复计时",
        description="特别程序结束：办件和未办结任务的各期限按暂停的工作日顺延。",
    )
    def post(self, request, pk):
        pause = clocks.resume(pk, by=request.user)
        pause.case = _clock(pk)
        return Response(SuspensionChangeSerializer(pause, context={"request": request}).data)


class CaseExtensions(APIView):
    @extend_schema(
        request=ExtensionRequestSerializer,
        responses={201: ExtensionChangeSerializer, **CONFLICTS},
        summary="申请延期",
        description="经办人申请延长法定办结期限（行政许可法第四十二条），由部门审批负责人审批；"
        "每个办件只能延期一次。支持 Idempotency-Key。",
    )
    @idempotent
    def post(self, request, pk):
        data = _valid(ExtensionRequestSerializer, request.data)
        extension = clocks.request_extension(
            pk, by=request.user, reason=data["reason"], workdays=data.get("workdays")
        )
        extension.case = _clock(pk)
        data = ExtensionChangeSerializer(extension, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ExtensionList(generics.ListAPIView):
    """Extension requests waiting for the chief's decision, oldest first."""

    serializer_class = ExtensionSerializer
    queryset = Extension.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Extension.objects.none()
        return selectors.pending_extensions(self.request.user)

    @extend_schema(
        summary="待审批的延期申请",
        responses={200: ExtensionSerializer(many=True), 403: ProblemSerializer},
    )
    def get(self, request, *args, **kwargs):
        policy.require(request.user, "extension.decide")
        return super().get(request, *args, **kwargs)


class ExtensionDecide(APIView):
    @extend_schema(
        request=ExtensionDecisionSerializer,
        responses={200: ExtensionChangeSerializer, **CONFLICTS},
        summary="审批延期",
        description="部门审批负责人批准或不批准；批准后法定办结期限顺延。其他岗位为 403。",
    )
    def post(self, request, pk):
        data = _valid(ExtensionDecisionSerializer, request.data)
        extension = clocks.decide_extension(
            pk, by=request.user, approve=data["approve"], note=data["note"]
        )
        extension.case = _clock(extension.case_id)
        return Response(ExtensionChangeSerializer(extension, context={"request": request}).data)


# --- conclusion -----------------------------------------------------------------------------


class PdfRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CaseConclusion(APIView):
    @extend_schema(
        responses={200: ConclusionSerializer, 404: ProblemSerializer},
        summary="办结结果",
        description=(
            "办件的最后一个审批任务办结（POST /api/v1/tasks/{id}/complete）即办结，没有单独的"
            "办结接口。concluded 为 false 时尚未办结。一件事在每个事项都办结后办结，"
            "items 列出各事项的结果和决定书。"
        ),
    )
    def get(self, request, pk):
        case = _case(request, pk)
        return Response(ConclusionSerializer(case, context={"request": request}).data)


class CaseDecisionPdf(APIView):
    # Errors are problem+json whatever was negotiated (the exception handler builds them).
    renderer_classes = [PdfRenderer]

    @extend_schema(
        operation_id="v1_cases_decision_pdf_retrieve",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="决定书"),
            (404, "application/problem+json"): ProblemSerializer,
        },
        summary="决定书（PDF）",
        description="准予许可决定书或不予许可决定书；申请人本人或有权查看该办件的工作人员。"
        "一件事的每个事项各有一份（用事项办件的 id）。",
    )
    def get(self, request, pk):
        case = _case(request, pk)
        if not documents.has_decision(case):
            raise Http404
        title = documents.decision_title(case)
        response = HttpResponse(documents.decision_pdf(case), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            False, f"{case.number}-{title}.pdf"
        )
        return files.sandboxed(response)  # personal data: not cached either


# --- result delivery ------------------------------------------------------------------------


class ResultQueue(generics.ListAPIView):
    """The issuer's queue (出件): results ready at their service points, oldest first."""

    serializer_class = DeliverySerializer
    queryset = ResultDelivery.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ResultDelivery.objects.none()
        filters = _valid(ResultFilterSerializer, self.request.query_params)
        return selectors.result_queue(
            self.request.user,
            status=filters.get("status", DeliveryStatus.READY),
            method=filters.get("method"),
        )

    @extend_schema(
        parameters=[ResultFilterSerializer],
        responses={
            200: DeliverySerializer(many=True),
            400: ProblemSerializer,
            403: ProblemSerializer,
        },
        summary="待出件的办理结果",
    )
    def get(self, request, *args, **kwargs):
        policy.require(request.user, "delivery.issue")
        return super().get(request, *args, **kwargs)


class CaseDelivery(APIView):
    @extend_schema(
        request=ChooseDeliverySerializer,
        responses={200: DeliverySerializer, **CONFLICTS},
        summary="选择送达方式",
        description="申请人选择窗口自取或邮寄送达（邮寄须填收件人、电话、地址）；"
        "审查期间即可选择，办结后结果按此送达。一件事在主办件上选择。",
    )
    def post(self, request, pk):
        data = _valid(ChooseDeliverySerializer, request.data)
        chosen = delivery.choose_delivery(pk, by=request.user, **data)
        return _delivery(request, chosen)


class CaseHandOverCode(APIView):
    @extend_schema(
        request=None,
        responses={201: HandOverCodeSerializer, **CONFLICTS},
        summary="发送领取验证码",
        description="出件员向申请人登记的手机发送一次性验证码（10分钟内有效，错5次作废）。",
    )
    def post(self, request, pk):
        sent = delivery.send_hand_over_code(pk, by=request.user)
        return Response(HandOverCodeSerializer(sent).data, status=201)


class CaseHandOver(APIView):
    @extend_schema(
        request=HandOverSerializer,
        responses={200: DeliverySerializer, **CONFLICTS},
        summary="窗口出件",
        description="出件员在窗口把办理结果交给申请人本人或持授权委托书的代领人：核验证件，"
        "由申请人手机验证码或领取人签名确认；领取凭证见 /cases/{id}/hand-over.pdf。",
    )
    def post(self, request, pk):
        data = _valid(HandOverSerializer, request.data)
        return _delivery(request, delivery.hand_over(pk, by=request.user, **data))


class CaseShip(APIView):
    @extend_schema(
        request=None,
        responses={200: DeliverySerializer, **CONFLICTS},
        summary="邮寄送达",
        description="出件员把办理结果交快递寄出；返回运单号，申请人在办理进度中可见。",
    )
    def post(self, request, pk):
        return _delivery(request, delivery.ship(pk, by=request.user))


# --- progress -------------------------------------------------------------------------------


class CaseProgress(APIView):
    @extend_schema(
        responses={200: ProgressSerializer, 404: ProblemSerializer},
        summary="办理进度",
        description="整个办件（一件事为全部事项）的流程图与时间线：每个部门的环节何时推送、"
        "何时办结，以及送达情况。",
    )
    def get(self, request, pk):
        case = _case(request, pk)
        top = case.parent if case.parent_id else case
        diagram = process.diagram(top)
        data = {
            "case": top,
            "is_bundle": diagram.is_bundle,
            "main": diagram.main,
            "parallel": diagram.parallel,
            "delivery": selectors.delivery_of(top),
            "events": selectors.case_progress(top),
        }
        return Response(ProgressSerializer(data, context={"request": request}).data)
