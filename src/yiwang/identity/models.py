import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from . import crypto
from .roles import Role
from .validators import ID_NUMBER_FORMAT, mask_id_number, mask_phone


class OrgKind(models.TextChoices):
    DISTRICT = "district", _("行政区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    DEPARTMENT = "department", _("部门")
    SERVICE_CENTRE = "service_centre", _("政务服务中心")
    HALL = "hall", _("大厅")


class OrgLevel(models.TextChoices):
    DISTRICT = "district", _("区级")
    STREET = "street", _("街道级")
    COMMUNITY = "community", _("社区级")


class OrgUnitQuerySet(models.QuerySet):
    def subtree_of(self, org):
        return self.filter(path__startswith=org.path)


class OrgUnit(models.Model):
    """A node of the org tree. `path` is the materialised path of codes ("990101/990101001/"),
    so a subtree is one indexed prefix query whatever the table size."""

    code = models.CharField(_("机构编码"), max_length=64, unique=True)
    name = models.CharField(_("机构名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    kind = models.CharField(_("机构类型"), max_length=20, choices=OrgKind.choices)
    level = models.CharField(_("层级"), max_length=20, choices=OrgLevel.choices)
    division_code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=1000, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    address = models.CharField(_("办公地址"), max_length=300, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=50, blank=True)
    hours = models.CharField(_("办公时间"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' whatever
            # the database collation; other databases ignore the operator class.
            models.Index(
                fields=["path"], name="orgunit_path_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = self.compute_path()
        self.depth = self.path.count("/") - 1
        super().save(*args, **kwargs)

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.code}/"

    def is_within(self, other: "OrgUnit") -> bool:
        return self.path.startswith(other.path)


class User(AbstractUser):
    """Anyone who signs in: a citizen (natural person, possibly an enterprise's agent) or a
    civil servant. What a civil servant may do comes from RoleGrant, not from this row."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("自然人")
        STAFF = "staff", _("工作人员")

    kind = models.CharField(
        _("用户类型"), max_length=10, choices=Kind.choices, default=Kind.CITIZEN
    )
    real_name = models.CharField(_("真实姓名"), max_length=100, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    phone_verified_at = models.DateTimeField(_("手机验证时间"), null=True, blank=True)
    # GB 11643 number, encrypted; the index is an HMAC so equal numbers can be found.
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_index = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    # Set when an administrator gives a temporary password (services.reset_staff_password);
    # the user reaches nothing but the change-password page until they choose their own.
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    # The workbench queue a staff member opened last (a URL name); they land there after
    # signing in (yiwang.web.landing).
    last_queue = models.CharField(
        _("上次打开的工作队列"), max_length=40, blank=True, editable=False
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.real_name or self.username

    def set_id_number(self, number: str) -> None:
        """Store a number that validators.validate_id_number returned. The blind index is
        only unique per person if every number in it is in that one ASCII form."""
        if not ID_NUMBER_FORMAT.fullmatch(number):
            raise ValueError("set_id_number takes the output of validate_id_number")
        self.id_number_encrypted = crypto.encrypt(number)
        self.id_number_index = crypto.blind_index(number)

    def reveal_id_number(self) -> str:
        """The plain number. Callers go through identity.services.reveal_id_number, which
        checks the policy and writes the audit event."""
        return crypto.decrypt(self.id_number_encrypted) if self.id_number_encrypted else ""

    @cached_property
    def id_number_masked(self) -> str:
        number = self.reveal_id_number()
        return mask_id_number(number) if number else ""

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def display_name(self) -> str:
        return self.real_name or self.username


class Enterprise(models.Model):
    name = models.CharField(_("企业名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=100)
    address = models.CharField(_("住所"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self):
        return self.name


class AgentAuthorisationQuerySet(models.QuerySet):
    def valid_on(self, day):
        return self.filter(valid_from__lte=day, revoked_at__isnull=True).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )


class AgentAuthorisation(models.Model):
    """An agent (经办人) acts for an enterprise between two dates."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="authorisations", verbose_name=_("企业")
    )
    agent = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="authorisations", verbose_name=_("经办人")
    )
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = AgentAuthorisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("经办人授权")
        verbose_name_plural = _("经办人授权")
        indexes = [models.Index(fields=["agent", "enterprise"])]

    def __str__(self):
        return f"{self.agent} → {self.enterprise}"


class RoleGrantQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=now))


class RoleGrant(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    org = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="grants", verbose_name=_("机构")
    )
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    valid_until = models.DateTimeField(_("有效期至"), null=True, blank=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org"], name="unique_role_grant")
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} @ {self.org}"


class PhoneChallenge(models.Model):
    """A one-time code sent by SMS; only its hash is kept."""

    class Purpose(models.TextChoices):
        VERIFY_PHONE = "verify_phone", _("验证手机号码")
        PASSWORD_RESET = "password_reset", _("重设密码")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="phone_challenges")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.VERIFY_PHONE)
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.user} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """An app's sign-in (API 令牌). Only the SHA-256 of the key is kept, so the table cannot
    be replayed; the key is shown once, when issued. It expires, and a token issued to staff
    records the TOTP device that confirmed the sign-in: when the device goes, so does the
    token's standing (yiwang.api.authentication refuses it where staff need a second factor)."""

    digest = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    otp_device = models.ForeignKey(
        "otp_totp.TOTPDevice",
        verbose_name=_("验证设备"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def digest_of(key: str) -> str:
        # A plain hash suffices: keys are 160 random bits, not passwords to stretch.
        return hashlib.sha256(key.encode()).hexdigest()

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at
