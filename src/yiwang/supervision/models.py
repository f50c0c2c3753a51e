"""电子监察: the figures a supervisor watches, and the supervision orders (督办单) they send.

Dashboard figures are read from rollups, never from the case table per request:
`DailyRollup` counts what happened on a day per department, place and item (kept current by
the rollup job), `MonthlyRollup` sums them per month; `LiveFigure` holds open work now
(cases in progress, warnings, idle tasks), replaced by the same job. Scopes filter the copied org paths. Data only; every change goes
through rollups.py (figures) or orders.py (督办单)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class _Key(models.Model):
    """The key a figure is counted under: responsible department, service point and item."""

    department = models.ForeignKey(
        "identity.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主管部门"),
    )
    department_path = models.CharField(max_length=1000, blank=True)
    place = models.ForeignKey(
        "identity.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("办理地点"),
    )
    place_path = models.CharField(max_length=1000)
    item = models.ForeignKey(
        "catalog.ServiceItem",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("事项"),
    )
    level = models.CharField(_("层级"), max_length=12)  # identity.models.OrgLevel

    class Meta:
        abstract = True


class _Counts(_Key):
    """What happened under one key, counted as rollups.py documents."""

    received = models.PositiveIntegerField(_("收件"), default=0)
    accepted = models.PositiveIntegerField(_("受理"), default=0)
    deemed_accepted = models.PositiveIntegerField(_("逾期视为受理"), default=0)
    refused = models.PositiveIntegerField(_("不予受理"), default=0)
    notices = models.PositiveIntegerField(_("补正告知"), default=0)
    repeated_notices = models.PositiveIntegerField(_("重复补正告知"), default=0)
    concluded = models.PositiveIntegerField(_("办结"), default=0)
    concluded_on_time = models.PositiveIntegerField(_("按时办结"), default=0)
    repeated_returns = models.PositiveIntegerField(_("多次退回"), default=0)
    ratings = models.PositiveIntegerField(_("评价数"), default=0)
    ratings_satisfied = models.PositiveIntegerField(_("满意评价"), default=0)
    ratings_bad = models.PositiveIntegerField(_("差评"), default=0)
    rating_points = models.PositiveIntegerField(_("评价等级合计"), default=0)
    rectifications_opened = models.PositiveIntegerField(_("差评整改"), default=0)
    rectifications_closed = models.PositiveIntegerField(_("已整改"), default=0)
    refreshed_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class DailyRollup(_Counts):
    """What happened on one day (Asia/Shanghai) under one key. Each count is keyed by the
    day its event happened (received on the day of submission, concluded on the day of
    conclusion, a rating on the day it was given), so a past day changes only when
    something dated that day changes (see rollups.mark_dirty)."""

    day = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("每日汇总")
        verbose_name_plural = _("每日汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "department", "place", "item"], name="unique_daily_rollup"
            )
        ]
        indexes = [
            models.Index(fields=["day"]),
            models.Index(
                fields=["place_path", "day"],
                name="rollup_place_day_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            models.Index(
                fields=["department_path", "day"],
                name="rollup_dept_day_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.item_id}@{self.place_id}"


class MonthlyRollup(_Counts):
    """The sum of a month's DailyRollup rows per key (`month` is its first day), kept
    with them: a period of whole months (or up to today) reads a few rows per key instead
    of one per day, so a year's dashboard costs about what a month's does."""

    month = models.DateField(_("月份"))

    class Meta:
        verbose_name = _("每月汇总")
        verbose_name_plural = _("每月汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "department", "place", "item"], name="unique_monthly_rollup"
            )
        ]
        indexes = [
            models.Index(fields=["month"]),
            models.Index(
                fields=["place_path", "month"],
                name="rollup_place_month_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            models.Index(
                fields=["department_path", "month"],
                name="rollup_dept_month_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.item_id}@{self.place_id}"


class LiveFigure(_Key):
    """Open work now under one key, replaced by the rollup job each cycle."""

    in_progress = models.PositiveIntegerField(_("在办"), default=0)
    yellow = models.PositiveIntegerField(_("黄牌预警"), default=0)
    red = models.PositiveIntegerField(_("红牌超期"), default=0)
    idle_tasks = models.PositiveIntegerField(_("滞留环节"), default=0)
    refreshed_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("实时在办")
        verbose_name_plural = _("实时在办")
        constraints = [
            models.UniqueConstraint(fields=["department", "place", "item"], name="unique_live")
        ]

    def __str__(self):
        return f"{self.item_id}@{self.place_id}"


class HallDailyRollup(models.Model):
    """A service hall's day (halls.figures.daily): numbers taken, served, no-shows, the sums
    an average wait and service time are read from, the estimate's error, window ratings.
    Kept by the rollup job beside DailyRollup; scoped by the hall's org path."""

    day = models.DateField(_("日期"))
    hall = models.ForeignKey(
        "halls.Hall", on_delete=models.CASCADE, related_name="+", verbose_name=_("大厅")
    )
    place = models.ForeignKey(
        "identity.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("办理地点")
    )
    place_path = models.CharField(max_length=1000)
    taken = models.PositiveIntegerField(_("取号"), default=0)
    served = models.PositiveIntegerField(_("办结"), default=0)
    no_shows = models.PositiveIntegerField(_("过号"), default=0)
    closed = models.PositiveIntegerField(_("未叫到或取消"), default=0)
    waited = models.PositiveIntegerField(_("已叫号"), default=0)
    wait_seconds = models.BigIntegerField(_("等候时间合计（秒）"), default=0)
    longest_wait_seconds = models.PositiveIntegerField(_("最长等候（秒）"), default=0)
    serviced = models.PositiveIntegerField(_("有办理时长的办结"), default=0)
    service_seconds = models.BigIntegerField(_("办理时间合计（秒）"), default=0)
    estimated = models.PositiveIntegerField(_("有预计等候的叫号"), default=0)
    estimate_error_seconds = models.BigIntegerField(_("预计误差合计（秒）"), default=0)
    estimate_error_median = models.PositiveIntegerField(_("预计误差中位数（秒）"), default=0)
    estimate_error_p90 = models.PositiveIntegerField(_("预计误差90分位（秒）"), default=0)
    ratings = models.PositiveIntegerField(_("评价数"), default=0)
    ratings_satisfied = models.PositiveIntegerField(_("满意评价"), default=0)
    ratings_bad = models.PositiveIntegerField(_("差评"), default=0)
    rating_points = models.PositiveIntegerField(_("评价等级合计"), default=0)
    refreshed_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("大厅每日汇总")
        verbose_name_plural = _("大厅每日汇总")
        constraints = [
            models.UniqueConstraint(fields=["hall", "day"], name="unique_hall_daily_rollup")
        ]
        indexes = [
            models.Index(fields=["day"], name="hall_rollup_day_idx"),
            models.Index(
                fields=["place_path", "day"],
                name="hall_rollup_place_day_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.hall_id}"


class DirtyDay(models.Model):
    """A past day whose rollup must be counted again (a rectification opened that day was
    closed today, a holiday import moved deadlines …). The rollup job empties this."""

    day = models.DateField(unique=True)
    marked_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return str(self.day)


class OrderStatus(models.TextChoices):
    ISSUED = "issued", _("待反馈")
    RESPONDED = "responded", _("已反馈")
    CLOSED = "closed", _("已办结")


class SupervisionOrder(models.Model):
    """督办单: a supervisor tells a department to act by a deadline; it answers."""

    number = models.CharField(_("督办单号"), max_length=32, unique=True)
    department = models.ForeignKey(
        "identity.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("督办部门"),
    )
    department_path = models.CharField(max_length=1000, editable=False)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_orders",
        verbose_name=_("相关办件"),
    )
    subject = models.CharField(_("督办事由"), max_length=200)
    requirement = models.TextField(_("督办要求"))
    status = models.CharField(
        _("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.ISSUED
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("督办人"),
    )
    issued_at = models.DateTimeField(_("督办时间"), auto_now_add=True)
    due_on = models.DateField(_("反馈期限"))
    due_provisional = models.BooleanField(_("期限为暂定"), default=False)
    warning = models.CharField(_("预警"), max_length=6, blank=True, default="")
    response = models.TextField(_("办理情况"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("反馈人"),
    )
    responded_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("办结人"),
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    close_note = models.TextField(_("办结意见"), blank=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(
                fields=["department_path"],
                name="order_dept_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return self.number
