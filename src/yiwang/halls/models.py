"""The service hall (大厅): halls, their service categories (业务类别) and windows (窗口), the
queue tickets (取号) citizens take and window staff call, and appointments (预约) with the
places booked in each time slot (docs/halls.md).

Data only; every change of a window's or a ticket's status goes through services.py, with
the machines of transitions.py."""

import base64
import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.identity import crypto
from yiwang.identity.validators import mask_phone


class Lane(models.TextChoices):
    """Priority lanes (绿色通道). Their order is a hall's setting (Hall.lane_order)."""

    APPOINTMENT = "appointment", _("预约")
    ELDERLY = "elderly", _("70岁以上老人")
    DISABLED = "disabled", _("残疾人")
    PREGNANT = "pregnant", _("孕妇")
    SERVICEMAN = "serviceman", _("军人")
    NORMAL = "normal", _("普通")


DEFAULT_LANE_ORDER = [
    Lane.APPOINTMENT,
    Lane.ELDERLY,
    Lane.DISABLED,
    Lane.PREGNANT,
    Lane.SERVICEMAN,
    Lane.NORMAL,
]
PRIORITY_LANES = frozenset(Lane) - {Lane.NORMAL}
# What window staff may confirm by seeing a document (军官证, 残疾人证, a pregnancy record).
CLAIMABLE_LANES = frozenset({Lane.DISABLED, Lane.PREGNANT, Lane.SERVICEMAN})


def default_lane_order():
    return [str(lane) for lane in DEFAULT_LANE_ORDER]


class Hall(models.Model):
    """One per service centre or station of the org tree (an OrgUnit of kind 政务服务中心
    or 大厅), with its weekly opening hours and its queue settings."""

    org = models.OneToOneField(
        "identity.OrgUnit", on_delete=models.PROTECT, related_name="hall", verbose_name=_("机构")
    )
    # The org's path, copied so a scope is one prefix filter (identity.tree rewrites it).
    org_path = models.CharField(max_length=1000, editable=False)
    name = models.CharField(_("大厅名称"), max_length=200)
    # The 办公时间 text it was read from, and the schedule read (hours.Schedule.as_json).
    hours_text = models.CharField(_("办公时间"), max_length=300, blank=True)
    schedule = models.JSONField(_("每周办公时间"), default=dict, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    # Calling: the lanes in the order they are called, and the anti-starvation ratio.
    lane_order = models.JSONField(_("优先通道顺序"), default=default_lane_order)
    priority_streak = models.PositiveSmallIntegerField(
        _("连续叫优先号上限"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("一个窗口连续叫了这么多个优先号后，下一个叫等得最久的普通号。"),
    )
    sms_ahead = models.PositiveSmallIntegerField(
        _("提前短信提醒"),
        default=3,
        help_text=_("前面还有这么多人时给留了手机号码的群众发短信；0为不发。"),
    )
    # Appointments (预约).
    booking_horizon_days = models.PositiveSmallIntegerField(_("可预约天数"), default=7)
    booking_cutoff_hours = models.PositiveSmallIntegerField(
        _("预约截止（小时）"),
        default=2,
        help_text=_("时段开始前这么多小时起不能再预约、取消或改约。"),
    )
    bookings_per_day = models.PositiveSmallIntegerField(_("每人每天可预约次数"), default=2)
    no_show_limit = models.PositiveSmallIntegerField(
        _("爽约次数上限"), default=3, help_text=_("在统计期内爽约达到这么多次，暂停预约。")
    )
    no_show_window_days = models.PositiveSmallIntegerField(_("爽约统计期（天）"), default=30)
    no_show_ban_days = models.PositiveSmallIntegerField(_("暂停预约（天）"), default=30)
    slot_minutes = models.PositiveSmallIntegerField(
        _("预约时段长度（分钟）"),
        default=30,
        validators=[MinValueValidator(10), MaxValueValidator(240)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("大厅")
        verbose_name_plural = _("大厅")
        ordering = ["org_path"]
        indexes = [
            models.Index(
                fields=["org_path"], name="hall_org_path_idx", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self):
        return self.name

    @property
    def lanes(self) -> list[str]:
        """The lane order, every lane once (a stored order missing one lists it last)."""
        order = [lane for lane in self.lane_order or [] if lane in Lane.values]
        return list(dict.fromkeys(order)) + [lane for lane in Lane.values if lane not in order]


class ServiceCategory(models.Model):
    """业务类别: a group of items served by the same windows, with the letter of its
    tickets (A012)."""

    hall = models.ForeignKey(
        Hall, on_delete=models.CASCADE, related_name="categories", verbose_name=_("大厅")
    )
    letter = models.CharField(
        _("号码字母"),
        max_length=1,
        validators=[RegexValidator(r"^[A-Z]$", _("请用一个大写字母A–Z。"))],
    )
    name = models.CharField(_("业务类别"), max_length=100)
    items = models.ManyToManyField(
        "catalog.ServiceItem", blank=True, related_name="hall_categories", verbose_name=_("事项")
    )
    default_minutes = models.PositiveSmallIntegerField(
        _("平均办理时间（分钟）"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("还没有足够的办理记录时，用它估算等候时间。"),
    )
    # ISO weekdays (1 Monday … 7 Sunday) it is served; empty: every day the hall is open.
    weekdays = models.JSONField(_("受理日"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("业务类别")
        verbose_name_plural = _("业务类别")
        ordering = ["hall", "position", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "letter"], name="hall_category_letter_unique")
        ]

    def __str__(self):
        return f"{self.letter} {self.name}"

    def is_served_on(self, weekday: int) -> bool:
        return self.is_active and (not self.weekdays or weekday in self.weekdays)


class WindowKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合窗口")
    DEDICATED = "dedicated", _("专窗")


class WindowStatus(models.TextChoices):
    CLOSED = "closed", _("未开放")
    OPEN = "open", _("服务中")
    PAUSED = "paused", _("暂停服务")


class Window(models.Model):
    """窗口: a comprehensive window serves every category of its hall (无差别受理); a
    dedicated one the categories it lists."""

    hall = models.ForeignKey(
        Hall, on_delete=models.CASCADE, related_name="windows", verbose_name=_("大厅")
    )
    number = models.PositiveSmallIntegerField(_("窗口号"), validators=[MinValueValidator(1)])
    label = models.CharField(_("窗口名称"), max_length=100, blank=True)
    kind = models.CharField(
        _("窗口类型"), max_length=16, choices=WindowKind.choices, default=WindowKind.DEDICATED
    )
    categories = models.ManyToManyField(
        ServiceCategory, blank=True, related_name="windows", verbose_name=_("业务类别")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hall_windows",
        verbose_name=_("当前工作人员"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=WindowStatus.choices, default=WindowStatus.CLOSED
    )
    status_changed_at = models.DateTimeField(_("状态变化时间"), null=True, blank=True)
    # The ticket called or served here now (none between two).
    current_ticket = models.ForeignKey(
        "Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("当前号码"),
    )
    # Priority tickets called in a row here (the anti-starvation rule, services.call_next).
    priority_streak = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="hall_window_number_unique")
        ]

    def __str__(self):
        return self.label or str(_("%(n)d号窗口") % {"n": self.number})


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("等候中")
    CALLED = "called", _("已叫号")
    SERVING = "serving", _("办理中")
    DONE = "done", _("已办结")
    NO_SHOW = "no_show", _("过号")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")


class TicketChannel(models.TextChoices):
    KIOSK = "kiosk", _("自助取号机")
    MOBILE = "mobile", _("手机取号")
    STAFF = "staff", _("工作人员代取")
    APPOINTMENT = "appointment", _("预约签到")


class LaneBasis(models.TextChoices):
    """Why a ticket is in its lane: shown to the staff who call it."""

    NONE = "", _("普通")
    ID_NUMBER = "id_number", _("身份证号码显示年满70周岁")
    CASE = "case", _("办件申请人年满70周岁")
    STAFF = "staff", _("工作人员核实")
    APPOINTMENT = "appointment", _("预约签到")
    # The citizen ticked their consent and the e-licence library holds a valid 残疾人证 for
    # the ID number given (services.holds_disability_licence); nothing of it is kept here.
    LICENSE = "license", _("经本人同意查询，电子证照库中有有效的残疾人证")


class TicketCounter(models.Model):
    """The last number given in a category on a day: advanced by one upsert per ticket
    (services._next_seq), so only tickets of the same category wait on each other."""

    category = models.ForeignKey(ServiceCategory, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "day"], name="ticket_counter_unique")
        ]

    def __str__(self):
        return f"{self.category_id} {self.day}: {self.last}"


class Ticket(models.Model):
    """取号: one visit's place in the queue, numbered per category and day (A012)."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="tickets")
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("业务类别"),
    )
    day = models.DateField(_("日期"))
    seq = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("号码"), max_length=12)
    channel = models.CharField(_("取号方式"), max_length=12, choices=TicketChannel.choices)
    lane = models.CharField(_("通道"), max_length=12, choices=Lane.choices, default=Lane.NORMAL)
    lane_basis = models.CharField(
        _("优先依据"), max_length=12, choices=LaneBasis.choices, blank=True, default=""
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    close_reason = models.CharField(_("关闭原因"), max_length=200, blank=True)

    # Where it is called, and where a transfer sent it.
    window = models.ForeignKey(
        Window,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("窗口"),
    )
    for_window = models.ForeignKey(
        Window,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转至窗口"),
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人员"),
    )
    call_count = models.PositiveSmallIntegerField(_("叫号次数"), default=0)

    # Every step, timestamped.
    taken_at = models.DateTimeField(_("取号时间"))
    first_called_at = models.DateTimeField(_("首次叫号时间"), null=True, blank=True)
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始办理时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The wait promised when it was taken, to measure the estimate against what happened.
    estimate_seconds = models.PositiveIntegerField(_("取号时预计等候（秒）"), null=True, blank=True)

    # Who and what it is for. No ID number is kept: its keyed hash finds the same person
    # again (an appointment check-in, the no-show rule), the phone is encrypted and erased
    # when the day is closed.
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("群众"),
    )
    id_number_index = models.CharField(max_length=64, blank=True, editable=False)
    phone_encrypted = models.TextField(blank=True, editable=False)
    sms_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("办件"),
    )
    appointment_code = models.CharField(_("预约码"), max_length=32, blank=True)
    # The public ticket page's key: only its SHA-256 is kept (services.take_ticket returns
    # the token once, for the printed QR code).
    token_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("排队号")
        verbose_name_plural = _("排队号")
        ordering = ["day", "taken_at", "id"]
        constraints = [
            # A number is given once a day in a hall (a transferred ticket keeps its own).
            models.UniqueConstraint(
                fields=["hall", "day", "number"], name="ticket_number_per_day_unique"
            )
        ]
        indexes = [
            # call_next and positions: the waiting tickets of a hall's categories, by lane
            # and in the order they were taken.
            models.Index(
                fields=["hall", "category", "lane", "taken_at", "id"],
                name="ticket_waiting_idx",
                condition=models.Q(status="waiting"),
            ),
            # The day's board and figures: a hall's tickets of one day.
            models.Index(fields=["hall", "day", "status"], name="ticket_hall_day_idx"),
            # A window's ticket now (called or serving) and its recent service times.
            models.Index(fields=["window", "status"], name="ticket_window_status_idx"),
            models.Index(
                fields=["category", "finished_at"],
                name="ticket_category_done_idx",
                condition=models.Q(status="done"),
            ),
        ]

    def __str__(self):
        return self.number

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(str(token or "").encode()).hexdigest()

    @staticmethod
    def channel_for_hash(token_hash: str) -> str:
        """The live channel of a ticket's page (docs/live.md), made from what the table
        keeps: `ticket:` and 43 URL-safe characters of SHA-256 over the token's hash, with
        its own prefix. The page (which holds the token) and the services (which hold the
        hash) name the same channel; the name gives away neither the token, which opens
        the page and cancels the number, nor the stored hash."""
        digest = hashlib.sha256(b"yiwang.halls.ticket-live:" + token_hash.encode()).digest()
        return "ticket:" + base64.urlsafe_b64encode(digest).decode().rstrip("=")

    @property
    def live_channel(self) -> str:
        return self.channel_for_hash(self.token_hash)

    def set_phone(self, phone: str) -> None:
        self.phone_encrypted = crypto.encrypt(phone) if phone else ""

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_priority(self) -> bool:
        return self.lane in PRIORITY_LANES

    @property
    def lane_reason(self) -> str:
        """What the staff read beside the number: the lane and why (工作人员核实：孕妇)."""
        if self.lane == Lane.NORMAL:
            return ""
        if self.lane_basis == LaneBasis.STAFF:
            return f"{LaneBasis.STAFF.label}：{self.get_lane_display()}"
        return f"{self.get_lane_display()}（{self.get_lane_basis_display()}）"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CHECKED_IN = "checked_in", _("已签到")
    CANCELLED = "cancelled", _("已取消")
    NO_SHOW = "no_show", _("爽约")


class SlotBooking(models.Model):
    """The places booked in one time slot of a category: the row every booking of the slot
    takes its place on, with one conditional upsert (appointments._take_place), so twenty
    people booking the last place at once give exactly one booking."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(ServiceCategory, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    starts_at = models.DateTimeField()
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "starts_at"], name="slot_booking_unique")
        ]
        indexes = [models.Index(fields=["category", "day"], name="slot_booking_day_idx")]

    def __str__(self):
        return f"{self.category_id} {self.starts_at:%Y-%m-%d %H:%M}: {self.booked}"


class Appointment(models.Model):
    """预约: a place in a time slot of a hall's category, booked by a citizen (or by a clerk
    for a walk-in who wants to come back), checked in on the day for a ticket in the
    appointment lane (appointments.py; its status is transitions.APPOINTMENT)."""

    hall = models.ForeignKey(
        Hall, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("大厅")
    )
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("业务类别"),
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("事项"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("办件"),
    )
    day = models.DateField(_("预约日期"))
    starts_at = models.DateTimeField(_("时段开始"))
    ends_at = models.DateTimeField(_("时段结束"))

    # Who comes: an account, or (a walk-in without one) only the keyed hash of the ID
    # number, which finds the same person again, and an encrypted phone for the reminder.
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("群众"),
    )
    id_number_index = models.CharField(max_length=64, blank=True, editable=False)
    phone_encrypted = models.TextField(blank=True, editable=False)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("预约人"),
    )
    # What the citizen shows at the kiosk or the window (8 characters of CODE_ALPHABET).
    code = models.CharField(_("预约码"), max_length=8, unique=True, editable=False)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    booked_at = models.DateTimeField(_("预约时间"))
    rescheduled_count = models.PositiveSmallIntegerField(_("改约次数"), default=0)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("记为爽约时间"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签到取得的号"),
    )

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["starts_at", "id"]
        constraints = [
            # One active appointment per item and person, whatever races to book it.
            models.UniqueConstraint(
                fields=["citizen", "item"],
                condition=models.Q(status="booked", citizen__isnull=False, item__isnull=False),
                name="appointment_one_active_per_item",
            ),
            models.UniqueConstraint(
                fields=["id_number_index", "item"],
                condition=models.Q(status="booked", item__isnull=False)
                & ~models.Q(id_number_index=""),
                name="appointment_one_active_per_item_id",
            ),
        ]
        indexes = [
            models.Index(fields=["hall", "day", "status"], name="appointment_hall_day_idx"),
            # The jobs: booked appointments by the end (no-shows) and the day (reminders).
            models.Index(
                fields=["ends_at"],
                name="appointment_booked_end_idx",
                condition=models.Q(status="booked"),
            ),
            models.Index(
                fields=["day"],
                name="appointment_booked_day_idx",
                condition=models.Q(status="booked", reminder_sent_at__isnull=True),
            ),
            models.Index(fields=["citizen", "status"], name="appointment_citizen_idx"),
            models.Index(fields=["id_number_index", "status"], name="appointment_person_idx"),
        ]

    def __str__(self):
        return self.code

    def set_phone(self, phone: str) -> None:
        self.phone_encrypted = crypto.encrypt(phone) if phone else ""

    @property
    def phone(self) -> str:
        """The phone for the reminder: the one given at booking, else the account's."""
        if self.phone_encrypted:
            return crypto.decrypt(self.phone_encrypted)
        return self.citizen.phone if self.citizen_id else ""

    @property
    def code_display(self) -> str:
        """The code as people read it out: two groups of four."""
        return f"{self.code[:4]} {self.code[4:]}"

    @property
    def is_walk_in(self) -> bool:
        """Booked by staff for someone else (at the window)."""
        return self.booked_by_id is not None and self.booked_by_id != self.citizen_id
