"""The base libraries over the API: a staff look-up for a case they handle, and the
citizen's own access log. Thin: sharing.services decides, logs and audits."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api import problems
from yiwang.api.problems import ProblemSerializer

from . import services
from .models import Outcome, SubjectKind

# A refused look-up is a rule about who may see whom: 403 with the reason (and logged).
problems.register(services.LookupRefused, status=403, code="lookup_refused")


class LookupRequestSerializer(serializers.Serializer):
    subject_id_number = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("自然人的身份证号码")
    )
    uscc = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("法人的统一社会信用代码")
    )
    case_number = serializers.CharField(help_text=gettext_lazy("您正在办理的办件编号"))
    purpose = serializers.CharField(max_length=200, help_text=gettext_lazy("查询目的"))


class RecordFieldSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class LookupResultSerializer(serializers.Serializer):
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices)
    name = serializers.CharField()
    fields = RecordFieldSerializer(many=True, help_text=gettext_lazy("身份证号码等部分隐藏"))
    case_number = serializers.CharField()
    access_log_id = serializers.IntegerField()


class DataAccessSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    department = serializers.CharField(source="org_name")
    staff_name = serializers.CharField()
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices)
    enterprise = serializers.CharField(source="enterprise.name", allow_null=True, default=None)
    case_number = serializers.CharField()
    purpose = serializers.CharField()
    # Named apart from the conclusion's `outcome` so each gets its own schema enum.
    access_outcome = serializers.ChoiceField(
        source="outcome", choices=Outcome.choices, help_text=gettext_lazy("准许或拒绝")
    )
    reason = serializers.CharField(help_text=gettext_lazy("拒绝原因"))


class Lookups(APIView):
    @extend_schema(
        summary="基础数据查询（人口库、法人库）",
        description=(
            "只能查询自己正在办理的办件的申请人或申请企业，并说明目的；"
            "准许和拒绝都会记录，被查询人可以看到。"
        ),
        request=LookupRequestSerializer,
        responses={200: LookupResultSerializer, 400: ProblemSerializer, 403: ProblemSerializer},
    )
    def post(self, request):
        data = LookupRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        record = services.lookup(
            request.user,
            subject_id_number=values.get("subject_id_number", ""),
            uscc=values.get("uscc", ""),
            case_number=values["case_number"],
            purpose=values["purpose"],
        )
        return Response(
            LookupResultSerializer(
                {
                    "subject_kind": record.kind,
                    "name": record.name,
                    "fields": [{"label": k, "value": v} for k, v in record.fields],
                    "case_number": record.case.number or "",
                    "access_log_id": record.log.pk,
                }
            ).data
        )


class MyDataAccess(generics.ListAPIView):
    """Who looked up my data (or my enterprise's), when, for which case, why; newest first."""

    serializer_class = DataAccessSerializer

    def get_queryset(self):
        return services.accesses_of(self.request.user)

    @extend_schema(summary="谁查看了我的数据")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
