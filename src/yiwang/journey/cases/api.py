"""Cases (办件) over the API: an applicant's drafts, materials, submission and withdrawal, and
the comprehensive window's intake. Thin: every change goes through cases.services, every read
through cases.selectors, so the policy decides who sees what (outsiders get 404)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api.helpers import ChoiceDisplay
from yiwang.api.helpers import validated as _valid
from yiwang.api.idempotency import idempotent
from yiwang.api.parsers import FormParser, MultiPartParser
from yiwang.api.problems import ProblemSerializer
from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import Bundle
from yiwang.identity import policy
from yiwang.identity.models import Enterprise, OrgUnit
from yiwang.identity.validators import normalize_uscc

from . import reuse, selectors, services
from .form_api import form_problem
from .models import Case, CaseFile, CaseMaterial, Channel, Status, Warning

# Statuses in which a case's decision clock counts (or stands still, suspended).
CLOCK_RUNS = {Status.ACCEPTED, Status.IN_REVIEW, Status.SUSPENDED}


def deadline_note(case) -> str:
    return _("节假日安排未公布，期限为暂定") if case.due_provisional else ""


# --- serializers ----------------------------------------------------------------------------


class CaseOrgSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class EnterpriseRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    uscc = serializers.CharField(help_text=gettext_lazy("统一社会信用代码"))


class DeadlinesSerializer(serializers.Serializer):
    """The case's clock: receipt and the Art. 32 intake day, then acceptance and the
    promised and statutory decision days (working days, Asia/Shanghai)."""

    received_on = serializers.DateField(allow_null=True, help_text=gettext_lazy("接件日期"))
    intake_due_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("受理期限（接件后5个工作日）")
    )
    accepted_at = serializers.DateTimeField(allow_null=True)
    promised_due_on = serializers.DateField(allow_null=True, help_text=gettext_lazy("承诺办结期限"))
    statutory_due_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("法定办结期限")
    )
    due_provisional = serializers.BooleanField(
        help_text=gettext_lazy("期限跨入节假日安排尚未公布的年份，暂按周末计算")
    )
    deadline_note = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_deadline_note(self, case) -> str:
        return deadline_note(case)


class ClockSerializer(DeadlinesSerializer):
    """The deadlines plus where the clock stands: the warning level and the working days
    left to the promised deadline (frozen while suspended; none once concluded)."""

    warning = serializers.ChoiceField(
        choices=Warning.choices, help_text=gettext_lazy("预警：空为正常，yellow 黄牌，red 红牌")
    )
    warning_display = ChoiceDisplay("warning")
    workdays_left = serializers.SerializerMethodField(
        help_text=gettext_lazy("距承诺办结期限的工作日，负数为已超期")
    )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_workdays_left(self, case) -> int | None:
        from yiwang.journey.workflow import position  # lazily: the workflow imports cases

        if case.status not in CLOCK_RUNS:
            return None
        return position.clock(case).days


class CaseFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(
        help_text=gettext_lazy("下载地址：须登录且有权查看该办件")
    )

    @extend_schema_field(serializers.CharField())
    def get_url(self, stored) -> str:
        # Never the storage's own URL: the download view checks the policy first.
        path = f"/cases/files/{stored.pk}/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class MaterialLicenseSerializer(serializers.Serializer):
    """The e-licence a material was taken from (电子证照库调取): never the full number."""

    number_masked = serializers.CharField(help_text=gettext_lazy("证照编号（部分隐藏）"))
    type_code = serializers.CharField(help_text=gettext_lazy("证照类型编码，如 L-SFZ"))
    type_name = serializers.CharField()
    issuer = serializers.CharField(help_text=gettext_lazy("发证机构"))
    valid_until = serializers.DateField(allow_null=True, help_text=gettext_lazy("空：长期有效"))
    trust_level = serializers.CharField(
        help_text=gettext_lazy("可信等级：A 级（电子证照，国办函〔2016〕108号）")
    )
    verify_url = serializers.CharField(help_text=gettext_lazy("公开核验页面"))


class CaseMaterialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    required = serializers.BooleanField()
    tolerable = serializers.BooleanField(help_text=gettext_lazy("可容缺受理，受理后补交"))
    state = serializers.ChoiceField(choices=CaseMaterial.State.choices)
    state_display = ChoiceDisplay("state")
    note = serializers.CharField()
    license = serializers.SerializerMethodField(
        help_text=gettext_lazy("从电子证照库调取的证照（状态为 from_license 时）")
    )
    files = CaseFileSerializer(many=True)

    @extend_schema_field(MaterialLicenseSerializer(allow_null=True))
    def get_license(self, material):
        if material.state != CaseMaterial.State.FROM_LICENSE or not material.license_id:
            return None
        return MaterialLicenseSerializer(reuse.license_view(material.license)).data


class CaseEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    status_code = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("全国办件状态代码")
    )
    note = serializers.CharField()


class NoticeItemSerializer(serializers.Serializer):
    material = serializers.IntegerField(
        required=False, help_text=gettext_lazy("需补正的材料（告知材料时）")
    )
    field = serializers.CharField(
        required=False, help_text=gettext_lazy("需更正的申请表字段（告知字段时）")
    )
    name = serializers.CharField()
    reason = serializers.CharField()


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    items = NoticeItemSerializer(many=True)
    repeat_reason = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class CaseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True, help_text=gettext_lazy("办件编号，提交后生成"))
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = ChoiceDisplay("status")
    status_code = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("全国办件状态代码")
    )
    item = serializers.CharField(
        source="item_version.item.code", allow_null=True, help_text=gettext_lazy("事项编码")
    )
    bundle = serializers.CharField(
        source="bundle.code", allow_null=True, help_text=gettext_lazy("一件事编码")
    )
    place = CaseOrgSerializer()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    deadlines = DeadlinesSerializer(source="*")
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField())
    def get_url(self, case) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:case", kwargs={"pk": case.pk})
        )


class IntakeCaseSerializer(CaseSummarySerializer):
    applicant_name = serializers.CharField(source="applicant.real_name")
    enterprise = EnterpriseRefSerializer(allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices)


class ChildCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    item = serializers.CharField(source="item_version.item.code", allow_null=True)
    department = CaseOrgSerializer(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    status_code = serializers.IntegerField(allow_null=True)
    deadlines = ClockSerializer(source="*")


class CaseDetailSerializer(CaseSummarySerializer):
    deadlines = ClockSerializer(source="*")
    channel = serializers.ChoiceField(choices=Channel.choices)
    applicant_name = serializers.CharField(source="applicant.real_name")
    enterprise = EnterpriseRefSerializer(allow_null=True)
    department = CaseOrgSerializer(allow_null=True)
    form_data = serializers.DictField(help_text=gettext_lazy("申请表"))
    form_sources = serializers.DictField(
        help_text=gettext_lazy("预填字段的来源：{字段: {kind, label, license}}")
    )
    field_notes = serializers.DictField(
        child=serializers.CharField(),
        help_text=gettext_lazy("窗口一次性告知要求更正的字段及原因，更正或确认后清除"),
    )
    tolerated = serializers.BooleanField(help_text=gettext_lazy("容缺受理"))
    deemed_accepted = serializers.BooleanField(help_text=gettext_lazy("逾期视为受理"))
    refusal_reason = serializers.CharField()
    children = ChildCaseSerializer(many=True, help_text=gettext_lazy("一件事的各事项办件"))
    materials = CaseMaterialSerializer(many=True)
    notices = NoticeSerializer(many=True, help_text=gettext_lazy("一次性告知书"))
    events = CaseEventSerializer(many=True, help_text=gettext_lazy("办理过程"))


class CreateProblemSerializer(ProblemSerializer):
    """A refused new draft: a request field (errors by field name, as every problem) or the
    form sent with it (errors as a list with JSON pointers, as PATCH …/form answers)."""

    errors = serializers.JSONField(
        required=False,
        help_text=gettext_lazy(
            "请求字段有误时为对象（字段名 → 错误列表）；申请表有误时为列表（pointer、code、detail）"
        ),
    )


class CaseCreateSerializer(serializers.Serializer):
    item = serializers.CharField(required=False, help_text=gettext_lazy("事项编码"))
    bundle = serializers.CharField(required=False, help_text=gettext_lazy("一件事编码"))
    enterprise = serializers.CharField(
        required=False, help_text=gettext_lazy("代办企业的统一社会信用代码")
    )
    place = serializers.CharField(required=False, help_text=gettext_lazy("办理地点的机构编码"))
    form = serializers.DictField(
        required=False,
        help_text=gettext_lazy(
            "申请表的值（选填），与 PATCH /api/v1/cases/{id}/form 的规则相同；"
            "有任何一项不合规则时不新建草稿，返回 400 及每项的 JSON 指针"
        ),
    )

    def validate(self, data):
        if bool(data.get("item")) == bool(data.get("bundle")):
            raise ValidationError(
                _("请指定一个事项（item）或一件事（bundle）。"), code="item_or_bundle"
            )
        return data


class CaseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    number = serializers.CharField(required=False, help_text=gettext_lazy("办件编号"))


class UploadSerializer(serializers.Serializer):
    # Empty files reach uploads.check, which names the problem (upload_empty).
    file = serializers.FileField(
        allow_empty_file=True, help_text=gettext_lazy("PDF、JPG 或 PNG；按内容判断类型，不按文件名")
    )


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.WITHDRAW_REASON_MAX
    )


class AcceptSerializer(serializers.Serializer):
    tolerated = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("容缺受理：可后补的材料受理后补交")
    )


class SupplementItemSerializer(serializers.Serializer):
    material = serializers.IntegerField(required=False, help_text=gettext_lazy("材料编号"))
    field = serializers.CharField(
        required=False, max_length=40, help_text=gettext_lazy("申请表字段（数据元编码）")
    )
    reason = serializers.CharField(allow_blank=True, max_length=services.SUPPLEMENT_REASON_MAX)

    def validate(self, data):
        if ("material" in data) == ("field" in data):
            raise ValidationError(
                _("每一项须指定一项材料（material）或一个申请表字段（field），二选一。"),
                code="material_or_field",
            )
        return data


class SupplementSerializer(serializers.Serializer):
    items = SupplementItemSerializer(
        many=True,
        help_text=gettext_lazy("一次性告知：每一项需补正的材料或需更正的申请表字段，及原因"),
    )
    repeat_reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=gettext_lazy("再次告知的理由")
    )


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text=gettext_lazy("不予受理的理由"))


# --- helpers --------------------------------------------------------------------------------


def _call(service, *args, **kwargs):
    """Run a service; an id that names nothing is a 404, like one outside the caller's scope."""
    try:
        return service(*args, **kwargs)
    except (Case.DoesNotExist, CaseMaterial.DoesNotExist, CaseFile.DoesNotExist):
        raise Http404 from None


def _detail(request, pk, status_code=status.HTTP_200_OK) -> Response:
    case = selectors.detail(request.user, pk, for_api=True)
    data = CaseDetailSerializer(case, context={"request": request}).data
    headers = {}
    if status_code == status.HTTP_201_CREATED:
        headers["Location"] = reverse("api:case", kwargs={"pk": case.pk})
    return Response(data, status=status_code, headers=headers)


def _material_of(pk, material_id) -> None:
    """404 unless the material belongs to this case (the service checks who may edit it)."""
    if not CaseMaterial.objects.filter(pk=material_id, case_id=pk).exists():
        raise Http404


def _start(request, data) -> Case:
    enterprise = place = None
    if data.get("enterprise"):
        enterprise = Enterprise.objects.filter(uscc=normalize_uscc(data["enterprise"])).first()
        if enterprise is None:
            raise DjangoValidationError(
                _("找不到该统一社会信用代码的企业。"), code="unknown_enterprise"
            )
    if data.get("place"):
        place = OrgUnit.objects.filter(code=data["place"]).first()
        if place is None:
            raise DjangoValidationError(_("找不到该办理地点。"), code="unknown_place")
    common = {
        "by": request.user,
        "enterprise": enterprise,
        "place": place,
        "form": data.get("form") or None,
    }
    if data.get("bundle"):
        try:
            return services.start_bundle_case(data["bundle"], **common)
        except Bundle.DoesNotExist:
            raise DjangoValidationError(_("找不到该一件事。"), code="unknown_bundle") from None
    version = (
        catalog.published()
        .filter(item__code=data["item"])
        .select_related("item", "department")
        .first()
    )
    if version is None:
        raise DjangoValidationError(_("找不到该事项，或该事项当前不能申请。"), code="unknown_item")
    return services.start_case(version, **common)


ERRORS = {400: ProblemSerializer, 404: ProblemSerializer}
CONFLICTS = {
    400: ProblemSerializer,
    403: ProblemSerializer,
    404: ProblemSerializer,
    409: ProblemSerializer,
}


# --- applicant ------------------------------------------------------------------------------


class CaseList(generics.ListAPIView):
    """An applicant's own journeys; staff see the cases in their scope."""

    serializer_class = CaseSummarySerializer
    queryset = Case.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        filters = _valid(CaseFilterSerializer, self.request.query_params)
        user = self.request.user
        if policy.can(user, "case.view"):  # holds a role that sees cases of an org subtree
            cases = (
                selectors.visible(user)
                .filter(parent__isnull=True)
                .select_related("item_version__item", "bundle", "place")
                .order_by("-created_at", "-pk")
            )
        else:
            cases = selectors.my_cases(user)
        if "status" in filters:
            cases = cases.filter(status=filters["status"])
        if filters.get("number"):
            # A 一件事 child's number finds its journey.
            number = filters["number"].strip()
            parents = Case.objects.filter(number=number).values("parent_id")
            cases = cases.filter(Q(number=number) | Q(pk__in=parents))
        return cases

    @extend_schema(parameters=[CaseFilterSerializer], summary="我的办件 / 范围内的办件")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CaseCreateSerializer,
        responses={
            201: CaseDetailSerializer,
            **ERRORS,
            400: CreateProblemSerializer,
            422: ProblemSerializer,
        },
        summary="新建申请（草稿）",
        description=(
            "按事项或一件事新建草稿。申请表是该事项自己的表（一件事为合并后的一张表），"
            "按实名信息、代办企业和电子证照预填，来源见 form_sources。支持 Idempotency-Key。"
        ),
    )
    @idempotent
    def post(self, request):
        data = _valid(CaseCreateSerializer, request.data)
        try:
            # The draft and its form in one go: an app sends what it has in one request.
            case = _start(request, data)
        except services.FormInvalid as exc:
            return form_problem(exc.field_errors, exc.messages[0])
        return _detail(request, case.pk, status.HTTP_201_CREATED)


class CaseDetail(APIView):
    @extend_schema(
        responses={200: CaseDetailSerializer, 404: ProblemSerializer}, summary="办件详情"
    )
    def get(self, request, pk):
        return _detail(request, pk)


class MaterialUpload(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: CaseFileSerializer, **CONFLICTS, 422: ProblemSerializer},
        summary="上传材料",
        description="multipart 字段 file。文件类型按内容判断；伪装、超大、多重格式的文件被拒绝。",
    )
    @idempotent
    def post(self, request, pk, material_id):
        uploaded = _valid(UploadSerializer, request.data)["file"]
        stored = _call(
            services.attach_file, material_id, by=request.user, uploaded=uploaded, case_id=pk
        )
        data = CaseFileSerializer(stored, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class MaterialFileRemove(APIView):
    @extend_schema(
        request=None,
        responses={204: None, **CONFLICTS},
        summary="删除已上传的文件",
        description="草稿或待补正时，申请人（或代办的窗口人员）可以删除误传的文件。"
        "材料没有文件了就回到“未提供”。",
    )
    def delete(self, request, pk, material_id, file_id):
        if not CaseFile.objects.filter(
            pk=file_id, material_id=material_id, material__case_id=pk
        ).exists():
            raise Http404
        _call(services.remove_file, file_id, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MaterialAtWindow(APIView):
    @extend_schema(
        request=None,
        responses={200: CaseMaterialSerializer, **CONFLICTS},
        summary="材料到窗口提交",
    )
    def post(self, request, pk, material_id):
        _material_of(pk, material_id)
        material = _call(services.provide_at_window, material_id, by=request.user)
        return Response(CaseMaterialSerializer(material, context={"request": request}).data)


class CaseSubmit(APIView):
    @extend_schema(
        request=None,
        responses={200: CaseDetailSerializer, **CONFLICTS, 422: ProblemSerializer},
        summary="提交申请",
        description="生成办件编号。重复提交或重试请带同一 Idempotency-Key：只提交一次，返回同一响应。",
    )
    @idempotent
    def post(self, request, pk):
        _call(services.submit, pk, by=request.user)
        return _detail(request, pk)


class CaseWithdraw(APIView):
    @extend_schema(
        request=WithdrawSerializer,
        responses={200: CaseDetailSerializer, **CONFLICTS},
        summary="撤回申请",
    )
    def post(self, request, pk):
        reason = _valid(WithdrawSerializer, request.data)["reason"]
        _call(services.withdraw, pk, by=request.user, reason=reason)
        return _detail(request, pk)


# --- intake at the comprehensive window -----------------------------------------------------


class IntakeQueue(generics.ListAPIView):
    """Submitted journeys waiting at the service points in the clerk's scope, oldest first."""

    serializer_class = IntakeCaseSerializer
    queryset = Case.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.intake_queue(self.request.user)

    @extend_schema(
        summary="待受理办件",
        responses={200: IntakeCaseSerializer(many=True), 403: ProblemSerializer},
    )
    def get(self, request, *args, **kwargs):
        policy.require(request.user, "case.intake")
        return super().get(request, *args, **kwargs)


class CaseAccept(APIView):
    @extend_schema(
        request=AcceptSerializer, responses={200: CaseDetailSerializer, **CONFLICTS}, summary="受理"
    )
    def post(self, request, pk):
        tolerated = _valid(AcceptSerializer, request.data)["tolerated"]
        _call(services.accept, pk, by=request.user, tolerated=tolerated)
        return _detail(request, pk)


class CaseSupplement(APIView):
    @extend_schema(
        request=SupplementSerializer,
        responses={200: CaseDetailSerializer, **CONFLICTS},
        summary="一次性告知补正",
    )
    def post(self, request, pk):
        data = _valid(SupplementSerializer, request.data)
        items = [dict(item) for item in data["items"]]
        _call(
            services.request_supplement,
            pk,
            by=request.user,
            items=items,
            repeat_reason=data["repeat_reason"],
        )
        return _detail(request, pk)


class CaseRefuse(APIView):
    @extend_schema(
        request=RefuseSerializer,
        responses={200: CaseDetailSerializer, **CONFLICTS},
        summary="不予受理",
    )
    def post(self, request, pk):
        reason = _valid(RefuseSerializer, request.data)["reason"]
        _call(services.refuse, pk, by=request.user, reason=reason)
        return _detail(request, pk)
