"""Application forms over the API (docs/forms.md): an item's or a bundle's form as JSON
Schema (draft 2020-12) with what the platform can prefill for the caller, and saving a
case's form. In the cases app because prefill is the applicant's journey (identity,
enterprise, e-licences), not the catalogue's."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api import problems
from yiwang.api.helpers import validated
from yiwang.api.problems import ProblemSerializer
from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import Bundle, ItemVersion
from yiwang.forms import definition as forms
from yiwang.forms.schema import json_schema
from yiwang.identity import policy
from yiwang.identity.validators import normalize_uscc

from . import prefill, services
from .models import Case, CaseMaterial

# --- serializers ----------------------------------------------------------------------------


class PrefillSourceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[prefill.IDENTITY, prefill.ENTERPRISE, prefill.LICENSE],
        help_text=gettext_lazy("identity 实名认证信息 / enterprise 企业信息 / license 电子证照"),
    )
    label = serializers.CharField(help_text=gettext_lazy("如“来自实名认证信息”"))


class PrefillSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text=gettext_lazy("预填的值，形式同申请表中该字段的值"))
    source = PrefillSourceSerializer()


class FormOfferSerializer(serializers.Serializer):
    schema = serializers.DictField(
        help_text=gettext_lazy("申请表的 JSON Schema（draft 2020-12）；属性名即数据元编码")
    )
    prefill = serializers.DictField(
        child=PrefillSerializer(),
        help_text=gettext_lazy("可预填的字段及来源；未登录时为空"),
    )


class FormQuerySerializer(serializers.Serializer):
    enterprise = serializers.CharField(
        required=False,
        max_length=18,
        help_text=gettext_lazy("以企业名义申请时，企业的统一社会信用代码（须有代办授权）"),
    )


class FormErrorSerializer(serializers.Serializer):
    pointer = serializers.CharField(
        help_text=gettext_lazy("出错位置（RFC 6901 JSON Pointer），如 /staff/0/name")
    )
    code = serializers.CharField(help_text=gettext_lazy("稳定的机器可读错误码"))
    detail = serializers.CharField()


class FormProblemSerializer(ProblemSerializer):
    """A refused form: every problem with its place in the submitted JSON."""

    errors = FormErrorSerializer(many=True, required=False)


class CaseFormSerializer(serializers.Serializer):
    form_data = serializers.DictField(help_text=gettext_lazy("申请表"))
    form_sources = serializers.DictField(help_text=gettext_lazy("预填字段的来源"))
    field_notes = serializers.DictField(
        child=serializers.CharField(),
        help_text=gettext_lazy("窗口一次性告知要求更正的字段及原因"),
    )
    updated_at = serializers.DateTimeField()


# --- helpers --------------------------------------------------------------------------------


def _enterprise(request, data):
    """The enterprise the caller acts for (an authorised agent), or None."""
    uscc = data.get("enterprise")
    if not uscc or not policy.is_authenticated(request.user):
        return None
    from yiwang.identity.services import enterprises_of

    found = enterprises_of(request.user).filter(uscc=normalize_uscc(uscc)).first()
    if found is None:
        raise DjangoValidationError(
            {"enterprise": [_("您没有代该企业办事的有效授权。")]}, code="not_authorised"
        )
    return found


def _offer(request, definition, *, title: str) -> Response:
    data = validated(FormQuerySerializer, request.query_params)
    enterprise = _enterprise(request, data)
    found = {}
    if policy.is_authenticated(request.user):
        found = prefill.prefill_for(definition, user=request.user, enterprise=enterprise)
    schema = json_schema(
        definition, schema_id=request.build_absolute_uri(request.path), title=title
    )
    return Response(
        {
            "schema": schema,
            "prefill": {
                key: {"value": p.value, "source": {"kind": p.kind, "label": p.label}}
                for key, p in found.items()
            },
        }
    )


def form_problem(errors, detail: str):
    return problems.problem(
        400,
        "form_invalid",
        detail,
        title=_("申请表有需要修改的地方"),
        errors=[{"pointer": e.pointer, "code": e.code, "detail": str(e.message)} for e in errors],
    )


OFFER_RESPONSES = {200: FormOfferSerializer, 404: ProblemSerializer}
OFFER_DESCRIPTION = (
    "申请表的 JSON Schema（draft 2020-12）与可预填的值。登录后按实名信息、代办企业"
    "（enterprise 参数）和电子证照预填，每读取一份电子证照都记入审计日志；未登录时 prefill 为空。"
)


# --- views ----------------------------------------------------------------------------------


class ItemForm(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[FormQuerySerializer],
        responses=OFFER_RESPONSES,
        summary="事项申请表",
        description=OFFER_DESCRIPTION,
    )
    def get(self, request, code):
        try:
            version = catalog.guide(code)
        except ItemVersion.DoesNotExist:
            raise Http404 from None
        return _offer(request, forms.for_version(version), title=version.name)


class BundleForm(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[FormQuerySerializer],
        responses=OFFER_RESPONSES,
        summary="一件事申请表（一表申请）",
        description=OFFER_DESCRIPTION + "各事项都要的数据元只填一次，取最严格的规则。",
    )
    def get(self, request, code):
        try:
            view = catalog.bundle(code)
        except Bundle.DoesNotExist:
            raise Http404 from None
        if not view.versions:
            raise Http404
        # As for a case (cases.filling.definition_of): an enterprise's own particulars are
        # asked (prefilled), not left to the main items' licences.
        sequential = 0 if request.query_params.get("enterprise") else len(view.main)
        definition = forms.for_versions(
            view.main + view.parallel, title=view.bundle.name, sequential=sequential
        )
        return _offer(request, definition, title=view.bundle.name)


class CaseFormView(APIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: CaseFormSerializer,
            400: FormProblemSerializer,
            403: ProblemSerializer,
            404: ProblemSerializer,
            409: ProblemSerializer,
        },
        summary="保存申请表",
        description=(
            "提交的字段按该办件申请表的规则（GET /items/{code}/form 的 JSON Schema）校验后"
            "合并进申请表，未提交的字段保持不变，值为 null 即清空该字段。必填项在提交申请时"
            "才检查。未知字段、不合规则的值、修改不允许修改的预填值：400，errors 逐项列出"
            "位置（pointer），什么也不保存。提交窗口一次性告知要求更正的字段即视为已更正或确认。"
        ),
        examples=[
            OpenApiExample(
                "联系电话与地址",
                value={
                    "contact_phone": "13800000000",
                    "contact_address": {"area": "", "detail": "示例市示范区人民路8号"},
                },
                request_only=True,
            )
        ],
    )
    def patch(self, request, pk):
        try:
            case = services.update_form(pk, by=request.user, data=request.data)
        except services.FormInvalid as exc:
            return form_problem(exc.field_errors, exc.messages[0])
        except (Case.DoesNotExist, CaseMaterial.DoesNotExist):
            raise Http404 from None
        return Response(CaseFormSerializer(case).data)
