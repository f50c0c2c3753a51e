"""Local calendar data. The chinesecalendar package knows the State Council's schedule for
the years it was released with; these tables hold what an operator adds on top: single days
(a local holiday, next year's 春节 before the package has it) and years whose whole schedule
was loaded here, which makes them "covered" — no longer provisional."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """A year whose full schedule is known locally: weekdays are workdays and weekends rest
    days, except the dates listed in `DayOverride`."""

    class Source(models.TextChoices):
        OVERRIDE = "override", _("本地导入")
        PACKAGE = "package", _("chinesecalendar 软件包")

    year = models.PositiveSmallIntegerField(
        _("年份"), unique=True, validators=[MinValueValidator(1949), MaxValueValidator(2200)]
    )
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.OVERRIDE
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("已公布节假日安排的年份")
        verbose_name_plural = _("已公布节假日安排的年份")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class DayOverride(models.Model):
    """One date whose status differs from the weekday rule or from the package: a holiday
    on a weekday, or a make-up workday (调休上班) on a weekend. Wins over the package."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(
        _("上班"), help_text=_("勾选表示当天上班（如调休上班），不勾选表示当天休息。")
    )
    name = models.CharField(_("名称"), max_length=50, blank=True, help_text=_("如：春节、调休上班"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["date"]

    def __str__(self):
        kind = _("上班") if self.is_workday else _("休息")
        return f"{self.date.isoformat()} {kind} {self.name}".strip()
