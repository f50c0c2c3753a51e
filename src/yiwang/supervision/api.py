"""电子监察 figures over the API: the dashboard (figures, by department, by item, daily
series), the weekly ranking of departments and the cases behind a figure. Read-only and
thin: selectors read the rollups (the case list reads cases, one page at a time), and the
scope is the supervisor's org subtree (403 to anyone without the supervisor role)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.api.helpers import ChoiceDisplay
from yiwang.api.problems import ProblemSerializer
from yiwang.identity import policy
from yiwang.identity.models import OrgLevel
from yiwang.journey.cases.models import Case, Status, Warning

from . import selectors
from .selectors import FIGURES, PRESETS

PRESET_CHOICES = [p for p, _label in PRESETS] + ["custom"]


class FiltersSerializer(serializers.Serializer):
    """Period and filters, shared by the dashboard and the case list."""

    period = serializers.ChoiceField(
        choices=PRESET_CHOICES,
        required=False,
        help_text=gettext_lazy(
            "统计周期：week 本周、month 本月、30d 近30天（默认）、year 本年、custom 自定义"
        ),
    )
    # The query's names are `from` and `to`; `from` is a Python keyword.
    locals()["from"] = serializers.DateField(
        required=False, help_text=gettext_lazy("自定义周期的开始日期（含）")
    )
    to = serializers.DateField(
        required=False, help_text=gettext_lazy("自定义周期的结束日期（含），不晚于今天")
    )
    department = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=gettext_lazy("主管部门的机构编码"),
    )
    item = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text=gettext_lazy("事项编码")
    )
    level = serializers.ChoiceField(
        choices=OrgLevel.choices, required=False, help_text=gettext_lazy("办理地点的层级")
    )


def _query(request, serializer_class=FiltersSerializer):
    form = serializer_class(data=request.query_params)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    period = selectors.period(data.get("period"), data.get("from"), data.get("to"))
    filters = selectors.Filters(
        department=data.get("department", ""),
        item=data.get("item", ""),
        level=data.get("level", ""),
    )
    return data, period, filters


class PeriodSerializer(serializers.Serializer):
    first = serializers.DateField(help_text=gettext_lazy("周期第一天"))
    last = serializers.DateField(help_text=gettext_lazy("周期最后一天（含）"))
    preset = serializers.CharField()


class FigureRowSerializer(serializers.Serializer):
    """Figures of one department, one item or the whole scope: counts over the period,
    open work now, and the rates (null when nothing to count them on)."""

    code = serializers.CharField(help_text=gettext_lazy("部门机构编码或事项编码；合计为空"))
    name = serializers.CharField()
    received = serializers.IntegerField(help_text=gettext_lazy("收件（首次提交）"))
    accepted = serializers.IntegerField(help_text=gettext_lazy("受理（含视为受理）"))
    deemed_accepted = serializers.IntegerField(
        help_text=gettext_lazy("逾期视为受理（行政许可法第三十二条）")
    )
    refused = serializers.IntegerField(help_text=gettext_lazy("不予受理"))
    notices = serializers.IntegerField(help_text=gettext_lazy("补正告知"))
    repeated_notices = serializers.IntegerField(help_text=gettext_lazy("第二次及以后的补正告知"))
    concluded = serializers.IntegerField(help_text=gettext_lazy("办结"))
    concluded_on_time = serializers.IntegerField(help_text=gettext_lazy("按时办结"))
    late = serializers.IntegerField(help_text=gettext_lazy("超期办结"))
    repeated_returns = serializers.IntegerField(help_text=gettext_lazy("退回两次及以上的办件"))
    ratings = serializers.IntegerField(help_text=gettext_lazy("评价数"))
    ratings_satisfied = serializers.IntegerField(
        help_text=gettext_lazy("满意评价（基本满意及以上）")
    )
    ratings_bad = serializers.IntegerField(help_text=gettext_lazy("差评"))
    rating_points = serializers.IntegerField(
        help_text=gettext_lazy("评价等级合计（5非常满意…1非常不满意）")
    )
    rectifications_opened = serializers.IntegerField(help_text=gettext_lazy("差评整改"))
    rectifications_closed = serializers.IntegerField(help_text=gettext_lazy("其中已办结"))
    in_progress = serializers.IntegerField(help_text=gettext_lazy("当前在办"))
    yellow = serializers.IntegerField(help_text=gettext_lazy("当前黄牌"))
    red = serializers.IntegerField(help_text=gettext_lazy("当前红牌（超期在办）"))
    idle_tasks = serializers.IntegerField(help_text=gettext_lazy("当前滞留的审批环节"))
    overdue = serializers.IntegerField(
        help_text=gettext_lazy("超期合计：当前红牌 + 周期内超期办结")
    )
    on_time_rate = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("按时办结率 0–1；没有办结时为 null")
    )
    satisfaction_rate = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("满意率 0–1；没有评价时为 null")
    )
    rectification_rate = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("差评整改率 0–1；没有整改时为 null")
    )


class SeriesPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    received = serializers.IntegerField()
    concluded = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    period = PeriodSerializer()
    figures = FigureRowSerializer(help_text=gettext_lazy("监察范围内的合计"))
    by_department = FigureRowSerializer(many=True)
    by_item = FigureRowSerializer(many=True, help_text=gettext_lazy("超期最多的事项在前"))
    items_total = serializers.IntegerField(help_text=gettext_lazy("有数据的事项总数"))
    series = SeriesPointSerializer(
        many=True,
        help_text=gettext_lazy("每日收件与办结；周期超过62天时为每月（day 为当月第一天）"),
    )
    series_unit = serializers.ChoiceField(choices=["day", "month"])
    refreshed_at = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("汇总数据的更新时间")
    )


class DashboardQuerySerializer(FiltersSerializer):
    top = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy("按事项统计返回的事项数（默认20，0为全部）"),
    )


def _period(period) -> dict:
    return {"first": period.first, "last": period.last, "preset": period.preset}


class SupervisionDashboard(APIView):
    @extend_schema(
        parameters=[DashboardQuerySerializer],
        responses={200: DashboardSerializer, 400: ProblemSerializer, 403: ProblemSerializer},
        summary="效能监察数据",
        description="监察范围内（授权机构的下级机构，按办理地点或主管部门）的办件效能："
        "在办、黄牌、红牌和滞留环节为当前数字，其余为周期内的统计。数据来自每日汇总，"
        "每个汇总周期（YIWANG_ROLLUP_SECONDS）更新。",
    )
    def get(self, request):
        policy.require(request.user, selectors.VIEW)
        data, period, filters = _query(request, DashboardQuerySerializer)
        top = data.get("top", selectors.TOP_ITEMS)
        dashboard = selectors.dashboard(request.user, period, filters, top=top)
        # Plain data in the documented shape: serialising ~1,000 numbers field by field
        # would cost more than reading them.
        return Response(
            {
                "period": _period(period),
                "figures": dashboard.totals.as_dict(),
                "by_department": [r.as_dict() for r in dashboard.by_department],
                "by_item": [r.as_dict() for r in dashboard.by_item],
                "items_total": dashboard.items_total,
                "series": dashboard.series,
                "series_unit": dashboard.series_unit,
                "refreshed_at": dashboard.refreshed_at,
            }
        )


class RankingQuerySerializer(serializers.Serializer):
    week = serializers.RegexField(
        r"^\d{4}-W\d{2}$",
        required=False,
        help_text=gettext_lazy("ISO 周，如 2026-W49；默认上一个完整的周"),
    )


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    code = serializers.CharField(help_text=gettext_lazy("部门机构编码"))
    name = serializers.CharField()
    concluded = serializers.IntegerField()
    concluded_on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    ratings = serializers.IntegerField()
    ratings_satisfied = serializers.IntegerField()
    satisfaction_rate = serializers.FloatField(allow_null=True)
    interview_on_time = serializers.BooleanField(
        help_text=gettext_lazy("按时办结率低于阈值，提示约谈")
    )
    interview_satisfaction = serializers.BooleanField(
        help_text=gettext_lazy("满意率低于阈值，提示约谈")
    )


class RankingSerializer(serializers.Serializer):
    week = serializers.CharField()
    period = PeriodSerializer()
    on_time_below = serializers.FloatField(help_text=gettext_lazy("按时办结率约谈阈值 0–1"))
    satisfaction_below = serializers.FloatField(help_text=gettext_lazy("满意率约谈阈值 0–1"))
    previous = serializers.CharField()
    next = serializers.CharField(allow_null=True)
    results = RankingRowSerializer(many=True)


class SupervisionRanking(APIView):
    @extend_schema(
        parameters=[RankingQuerySerializer],
        responses={200: RankingSerializer, 400: ProblemSerializer, 403: ProblemSerializer},
        summary="部门每周排名",
        description="按按时办结率、再按满意率排名；低于阈值的部门提示约谈。"
        "本周没有办结（或没有评价）的部门该项率为 null，不提示。",
    )
    def get(self, request):
        policy.require(request.user, selectors.VIEW)
        form = RankingQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        year, week = selectors.week_of(form.validated_data.get("week"))
        ranking = selectors.ranking(request.user, year, week)
        return Response(
            RankingSerializer(
                {
                    "week": ranking.label,
                    "period": _period(ranking.period),
                    "on_time_below": ranking.on_time_below,
                    "satisfaction_below": ranking.satisfaction_below,
                    "previous": ranking.previous,
                    "next": ranking.next,
                    "results": [
                        {
                            "rank": r.rank,
                            **r.row.as_dict(),
                            "interview_on_time": r.flag_on_time,
                            "interview_satisfaction": r.flag_satisfaction,
                        }
                        for r in ranking.rows
                    ],
                }
            ).data
        )


class CaseQuerySerializer(FiltersSerializer):
    figure = serializers.ChoiceField(
        choices=list(FIGURES),
        help_text=gettext_lazy(
            "指标：in_progress 在办、yellow、red/overdue 超期在办、idle 滞留、received、"
            "accepted、deemed、refused、notices、repeated_notice、returned、concluded、"
            "on_time、late、ratings、satisfied、bad_rating、rectifications、rectified"
        ),
    )


class FigureOrgSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class FigureCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True, help_text=gettext_lazy("办件编号"))
    title = serializers.CharField()
    item = serializers.CharField(
        source="item_version.item.code", help_text=gettext_lazy("事项编码")
    )
    department = FigureOrgSerializer(allow_null=True, help_text=gettext_lazy("主管部门"))
    place = FigureOrgSerializer(help_text=gettext_lazy("办理地点"))
    status = serializers.ChoiceField(choices=Status.choices)
    status_display = ChoiceDisplay("status")
    warning = serializers.ChoiceField(choices=Warning.choices)
    submitted_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    deemed_accepted = serializers.BooleanField()
    promised_due_on = serializers.DateField(allow_null=True, help_text=gettext_lazy("承诺办结期限"))
    concluded_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField())
    def get_url(self, case) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:case", kwargs={"pk": case.pk})
        )


class SupervisionCases(generics.ListAPIView):
    """The cases behind a figure, in the supervisor's scope, in the order the page lists
    them (the most urgent or the most recent first); the count stops at 1,001."""

    serializer_class = FigureCaseSerializer
    queryset = Case.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        data, period, filters = _query(self.request, CaseQuerySerializer)
        return selectors.cases_behind(self.request.user, data["figure"], period, filters)

    @extend_schema(
        parameters=[CaseQuerySerializer],
        responses={
            200: FigureCaseSerializer(many=True),
            400: ProblemSerializer,
            403: ProblemSerializer,
        },
        summary="效能监察指标背后的办件",
    )
    def get(self, request, *args, **kwargs):
        policy.require(request.user, selectors.VIEW)
        return super().get(request, *args, **kwargs)
