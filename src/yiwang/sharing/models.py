"""The access log of the base libraries (人口库, 法人库): every look-up of a person or an
enterprise by staff, granted or refused, with who, from which department, for which case
and why. Append-only; the person (or the enterprise's agents) reads it in their space
("谁查看了我的数据", in the spirit of Estonia's data tracker)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    GRANTED = "granted", _("已准许")
    REFUSED = "refused", _("已拒绝")


class SubjectKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人")


class AccessLog(models.Model):
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("查询人"),
    )
    # Names as they were at the time: people change jobs, departments rename.
    staff_name = models.CharField(_("查询人姓名"), max_length=100)
    org = models.ForeignKey(
        "identity.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("查询部门"),
    )
    org_name = models.CharField(_("查询部门名称"), max_length=200, blank=True)
    subject_kind = models.CharField(_("查询对象类型"), max_length=10, choices=SubjectKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_accesses",
        verbose_name=_("被查询人"),
    )
    enterprise = models.ForeignKey(
        "identity.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_accesses",
        verbose_name=_("被查询企业"),
    )
    # What was asked for, masked: kept also when no such subject exists.
    subject_masked = models.CharField(_("查询号码（部分隐藏）"), max_length=40, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("办件"),
    )
    case_number = models.CharField(_("办件编号"), max_length=32, blank=True)
    purpose = models.CharField(_("查询目的"), max_length=200, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("拒绝原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("基础数据访问记录")
        verbose_name_plural = _("基础数据访问记录")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["person", "-at"]),
            models.Index(fields=["enterprise", "-at"]),
            models.Index(fields=["staff", "-at"]),
        ]

    def __str__(self):
        return f"{self.staff_name} {self.subject_masked} {self.outcome}"
