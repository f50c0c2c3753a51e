"""Dispatch suggestions over the API (docs/hotline.md, "Routing and the classifier"):
`POST /api/v1/hotline/suggestions` with an appeal's text, area and type answers the likely
subjects and lead units, best first, with confidences — for the line's agents and
dispatchers only (the policy's "hotline.record"; anyone else signed in gets 403)."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api.helpers import TextField
from yiwang.api.helpers import validated as _valid
from yiwang.api.problems import ProblemSerializer
from yiwang.identity import policy
from yiwang.identity.models import OrgUnit

from . import suggest
from .models import TYPE_BY_LABEL, AppealType
from .services import AREA_KINDS, TEXT_MAX

TYPES = [*AppealType.values, *TYPE_BY_LABEL]
AREA_MAX = 64


class SuggestionRequestSerializer(serializers.Serializer):
    text = TextField(
        max_length=TEXT_MAX,
        trim_whitespace=True,
        help_text=gettext_lazy("诉求内容"),
    )
    area = TextField(
        required=False,
        allow_blank=True,
        default="",
        max_length=AREA_MAX,
        help_text=gettext_lazy("所在街道或社区的机构编码（选填），如 990101001"),
    )
    type = serializers.ChoiceField(
        choices=TYPES,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy(
            "诉求类型（选填）：consult 咨询、help 求助、complaint 投诉、report 举报、"
            "suggestion 建议、praise 表扬，或其中文名称"
        ),
    )

    def validate_area(self, value):
        if not value:
            return None
        area = OrgUnit.objects.filter(code=value, kind__in=AREA_KINDS, is_active=True).first()
        if area is None:
            raise serializers.ValidationError(
                gettext_lazy("所在区域须为本区的街道或社区机构编码。"), code="area_invalid"
            )
        return area


class ScoredSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("编码（单位为机构编码）"))
    name = serializers.CharField()
    confidence = serializers.FloatField(
        min_value=0.0, max_value=1.0, help_text=gettext_lazy("置信度（0–1）")
    )


class SuggestionSerializer(serializers.Serializer):
    subjects = ScoredSerializer(many=True, help_text=gettext_lazy("诉求分类，最可能的在前"))
    units = ScoredSerializer(many=True, help_text=gettext_lazy("主办单位，最可能的在前"))
    assisting = ScoredSerializer(
        many=True, help_text=gettext_lazy("派单规则给出的协办单位（无匹配规则时为空）")
    )
    source = serializers.ChoiceField(
        choices=["model", "keywords"],
        help_text=gettext_lazy("model：已训练的分类模型；keywords：尚未训练，按分类关键词"),
    )


ERRORS = {400: ProblemSerializer, 401: ProblemSerializer, 403: ProblemSerializer}


class Suggestions(APIView):
    @extend_schema(
        request=SuggestionRequestSerializer,
        responses={200: SuggestionSerializer, **ERRORS},
        summary="派单建议",
        description="按诉求内容、区域和类型给出可能的诉求分类和主办单位（各最多 5 个，"
        "置信度从高到低）。匹配的派单规则优先，其主办单位排在第一位；尚未训练模型时按"
        "分类关键词给出。仅话务员和派单员可用。",
        examples=[
            OpenApiExample(
                "供暖",
                value={"text": "家里暖气不热，室温只有十六度", "area": "990101001", "type": "投诉"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        policy.require(request.user, "hotline.record")
        data = _valid(SuggestionRequestSerializer, request.data)
        found = suggest.suggest(data["text"], area=data["area"], type=data["type"])
        body = found.as_json()
        body.pop("rule", None)
        return Response(body)
