"""好差评: the citizen's rating of a service, and the rectification of a bad one.

A rating is on one subject: a concluded case, or a queue ticket served at a hall's window
(halls.Ticket, rated on the window's tablet or the citizen's phone; hotline appeals will be
rated the same way: a nullable foreign key per subject kind). The responsible
department, place and item are copied onto the rating when it is given, so scopes filter one
table; a rating counts for every department that handled the case (Charge: one per item of
a 一件事 journey), so figures read the charges. Data only; every change goes through
services.py."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """The five national levels of 好差评 (国办发〔2019〕51号)."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASICALLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


# 不满意 and 非常不满意 are 差评: each opens a rectification.
BAD_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})
# The satisfaction rate counts 非常满意, 满意 and 基本满意.
SATISFIED_LEVELS = frozenset({Level.VERY_SATISFIED, Level.SATISFIED, Level.BASICALLY_SATISFIED})


class Channel(models.TextChoices):
    ONLINE = "online", _("网上办事")
    WINDOW = "window", _("窗口办事")


# The national indicators of each channel. A rating is one question (the five levels,
# GB/T 39734-2020); the indicators other than the overall one are the reasons a citizen may
# tick for 不满意 or 非常不满意. Ratings given before that also scored each indicator 1–5
# (Evaluation.scores), and keep those scores.
INDICATORS = {
    Channel.ONLINE: [
        ("overall", _("整体满意度")),
        ("efficiency", _("办事效率")),
        ("guide_accuracy", _("办事指南精确度")),
        ("convenience", _("办事便捷度")),
        ("usability", _("平台操作性")),
    ],
    Channel.WINDOW: [
        ("overall", _("整体满意度")),
        ("service_efficiency", _("服务效率")),
        ("service_level", _("服务水平")),
        ("attitude", _("服务态度")),
    ],
}


OTHER_REASON = ("other", _("其他"))


def reasons_for(channel: str) -> list[tuple[str, str]]:
    """The reasons a citizen may give for a bad rating: the channel's indicators."""
    indicators = INDICATORS.get(channel, INDICATORS[Channel.ONLINE])
    return [(key, label) for key, label in indicators if key != "overall"] + [OTHER_REASON]


class SubjectKind(models.TextChoices):
    CASE = "case", _("办件")
    TICKET = "ticket", _("窗口服务")


class Evaluation(models.Model):
    """好差评: one rating of one subject, given once."""

    subject_kind = models.CharField(
        _("评价对象"), max_length=10, choices=SubjectKind.choices, default=SubjectKind.CASE
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("办件"),
    )
    # A window's service: the queue ticket served (halls), and the staff member who served
    # it, copied so a person's ratings are one indexed filter. The hall's app gives these
    # (halls.services.rate_ticket); feedback never imports halls.
    ticket = models.ForeignKey(
        "halls.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("排队号"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("窗口人员"),
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("评价人"),
    )
    # Every real-name bad review gets a return call (回访).
    real_name = models.BooleanField(_("实名评价"), default=True)
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    channel = models.CharField(_("评价渠道"), max_length=10, choices=Channel.choices)
    scores = models.JSONField(_("指标评分"), default=dict, blank=True)  # ratings before 2026-12
    reasons = models.JSONField(_("不满意的原因"), default=list, blank=True)  # reasons_for keys
    comment = models.TextField(_("评价内容"), blank=True)
    via_link = models.BooleanField(_("通过短信链接评价"), default=False)

    department = models.ForeignKey(
        "identity.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任部门"),
    )
    department_path = models.CharField(max_length=1000, blank=True, editable=False)
    place = models.ForeignKey(
        "identity.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("办理地点"),
    )
    place_path = models.CharField(max_length=1000, blank=True, editable=False)
    item = models.ForeignKey(
        "catalog.ServiceItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("事项"),
    )
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)
    rated_on = models.DateField(_("评价日期"))  # Asia/Shanghai, for daily figures

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(case__isnull=False),
                name="one_evaluation_per_case",
            ),
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(ticket__isnull=False),
                name="one_evaluation_per_ticket",
            ),
        ]
        indexes = [
            models.Index(fields=["rated_on"]),
            models.Index(fields=["level", "-created_at"]),
            models.Index(
                fields=["department_path"],
                name="evaluation_dept_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["place_path"],
                name="evaluation_place_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.get_level_display()} · {self.case or self.ticket or self.subject_kind}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS

    def subject_words(self) -> dict:
        """{"number", "title"}: how notices and lists name what was rated — a case's number
        and title, or a ticket's number and day and the hall's window."""
        if self.ticket_id:
            ticket = self.ticket
            window = ticket.window if ticket.window_id else ""
            return {
                "number": f"{ticket.number}（{ticket.day.isoformat()}）",
                "title": _("%(hall)s%(window)s的窗口服务")
                % {"hall": ticket.hall.name, "window": window},
            }
        case = self.case
        return {"number": case.number if case else "", "title": case.title if case else ""}


class Charge(models.Model):
    """A rating counted for one department that handled the case: the case itself for one
    item; each member item's case for a 一件事 journey, so every department of the bundle
    answers for the rating in its figures, not only the main item's. Written with the
    rating, never changed; level and day are copied so figures read one table."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="charges")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("办件")
    )
    department = models.ForeignKey(
        "identity.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任部门"),
    )
    place = models.ForeignKey(
        "identity.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("办理地点"),
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("事项"),
    )
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    rated_on = models.DateField(_("评价日期"))

    class Meta:
        verbose_name = _("评价计入部门")
        verbose_name_plural = _("评价计入部门")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "case"], name="one_charge_per_case")
        ]
        indexes = [models.Index(fields=["rated_on"])]

    def __str__(self):
        return f"{self.evaluation_id} → {self.department_id}"


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RESPONDED = "responded", _("待核实")
    VERIFIED = "verified", _("待回访")
    CLOSED = "closed", _("已办结")


class Rectification(models.Model):
    """差评整改: the responsible department explains and rectifies, the supervisor verifies,
    and the citizen gets a return call. The deadline is in working days."""

    evaluation = models.OneToOneField(
        Evaluation,
        on_delete=models.PROTECT,
        related_name="rectification",
        verbose_name=_("差评"),
    )
    department = models.ForeignKey(
        "identity.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("整改部门"),
    )
    department_path = models.CharField(max_length=1000, blank=True, editable=False)
    place_path = models.CharField(max_length=1000, blank=True, editable=False)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    created_at = models.DateTimeField(_("转办时间"), auto_now_add=True)
    created_on = models.DateField(_("转办日期"))
    due_on = models.DateField(_("整改期限"))
    due_provisional = models.BooleanField(_("期限为暂定"), default=False)
    # "red" once the deadline has passed while the rectification is still open.
    warning = models.CharField(_("预警"), max_length=6, blank=True, default="")

    explanation = models.TextField(_("情况说明"), blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    responded_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("反馈人"),
    )
    returned_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核实人"),
    )
    verify_note = models.TextField(_("核实意见"), blank=True)

    # 回访: the return call to the citizen.
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("回访人"),
    )
    callback_reached = models.BooleanField(_("已联系上"), null=True, blank=True)
    callback_satisfied = models.BooleanField(_("对整改满意"), null=True, blank=True)
    callback_note = models.TextField(_("回访记录"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["created_on"]),
            models.Index(
                fields=["department_path"],
                name="rectification_dept_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            # A street supervisor's scope: rectifications of cases handled at its points.
            models.Index(
                fields=["place_path"],
                name="rectification_place_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.department} · {self.get_status_display()}"


class RectificationEvent(models.Model):
    """The rectification's history: every step with who and what was said. Append-only."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("环节"), max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["rectification", "at"])]

    def __str__(self):
        return f"{self.rectification_id} {self.action}"


class RatingLink(models.Model):
    """The rating link of a conclusion notice: a random token that stands for the case's
    applicant for YIWANG_RATING_LINK_DAYS days. Only the token's SHA-256 is kept (like a
    licence's share link), so neither the link nor the database row names the case or the
    person, and a database reader cannot rebuild a link."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("办件")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评价链接")
        verbose_name_plural = _("评价链接")

    def __str__(self):
        return f"{self.case_id} {self.created_at:%Y-%m-%d}"
