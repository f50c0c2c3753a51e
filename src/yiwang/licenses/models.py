"""The e-licence library (电子证照库): licences and the keys that sign them.

A licence's stored `status` is what a person decided (valid, revoked, replaced); whether it
has expired is derived from `valid_until` and the day you ask (`status_on`), so nothing has
to run at midnight for a licence to read as expired. A licence issued from a case is a draft
(`final` False, unsigned) until the issuing side confirms it; only final licences are signed,
shown to third parties and reused in applications."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已注销")
    REPLACED = "replaced", _("已被换发")


# What a licence is on a given day: the stored status, or "expired" when a valid licence's
# date has passed. Also the verdicts of verification (plus "not_genuine").
EXPIRED = "expired"
NOT_GENUINE = "not_genuine"
STATUS_WORDS = {
    Status.VALID.value: _("有效"),
    EXPIRED: _("已过期"),
    Status.REVOKED.value: _("已注销"),
    Status.REPLACED.value: _("已被换发"),
    NOT_GENUINE: _("非真实证照"),
}


class License(models.Model):
    number = models.CharField(_("证照编号"), max_length=64, unique=True)
    license_type = models.ForeignKey(
        "catalog.LicenseType",
        on_delete=models.PROTECT,
        related_name="licenses",
        verbose_name=_("证照类型"),
    )
    holder_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licenses",
        verbose_name=_("持证人（自然人）"),
    )
    holder_enterprise = models.ForeignKey(
        "identity.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licenses",
        verbose_name=_("持证主体（法人）"),
    )
    # The name as printed on the licence when it was issued (people and firms rename).
    holder_name = models.CharField(_("持证人名称"), max_length=200)
    data = models.JSONField(_("照面信息"), default=dict)
    # Where each 照面字段 of a licence drafted from a case came from (licenses.filling):
    # {name: {"kind": "form" | "decision" | "applicant" | "earlier" | "issuer", "from": …}}.
    field_sources = models.JSONField(_("照面字段来源"), default=dict, blank=True)
    issued_on = models.DateField(_("签发日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)  # null: 长期有效
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.VALID
    )
    issuer = models.ForeignKey(
        "identity.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("发证机构")
    )
    # The issuer's materialised path, copied so the policy scopes by prefix on one table.
    issuer_path = models.CharField(max_length=1000, editable=False)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licenses",
        verbose_name=_("来源办件"),
    )
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
        verbose_name=_("换发后的证照"),
    )
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    revoke_reason = models.TextField(_("注销原因"), blank=True)

    final = models.BooleanField(_("已确认制证"), default=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    # The signature over the canonical payload (licenses.signing); set when final.
    kid = models.CharField(_("签名密钥"), max_length=40, blank=True)
    signature = models.TextField(_("签名"), blank=True)  # base64url
    payload_hash = models.CharField(_("签名内容摘要"), max_length=64, blank=True)  # SHA-256
    payload = models.TextField(_("签名载荷"), blank=True)  # the compact form the QR carries
    signed_at = models.DateTimeField(_("签名时间"), null=True, blank=True)

    expiry_notified_on = models.DateField(_("到期提醒日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("入库时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(holder_person__isnull=False, holder_enterprise__isnull=True)
                    | models.Q(holder_person__isnull=True, holder_enterprise__isnull=False)
                ),
                name="license_exactly_one_holder",
            ),
        ]
        indexes = [
            # The wallet and reuse: one holder's licences of one type that are still valid.
            models.Index(fields=["holder_person", "license_type", "status"]),
            models.Index(fields=["holder_enterprise", "license_type", "status"]),
            models.Index(fields=["license_type", "status"]),
            # The expiry reminder job.
            models.Index(fields=["status", "valid_until"]),
            models.Index(
                fields=["issuer_path"],
                name="license_issuer_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.license_type.name} {self.number}"

    def save(self, *args, **kwargs):
        self.issuer_path = self.issuer.path
        super().save(*args, **kwargs)

    @property
    def holder(self):
        return self.holder_person if self.holder_person_id else self.holder_enterprise

    def is_expired(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.valid_until is not None and self.valid_until < today

    def status_on(self, today: datetime.date | None = None) -> str:
        """valid / expired / revoked / replaced on that day."""
        if self.status == Status.VALID and self.is_expired(today):
            return EXPIRED
        return self.status

    def status_words(self, today: datetime.date | None = None) -> str:
        return str(STATUS_WORDS[self.status_on(today)])


class LicenseNumberCounter(models.Model):
    """The last sequence number used for one type and year (see services.next_number)."""

    prefix = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.prefix} {self.last}"


class SigningKey(models.Model):
    """A key that signs licences. One is active; retired keys stay to verify what they
    signed. The private key is encrypted with YIWANG_DATA_KEY like identity numbers."""

    kid = models.CharField(_("密钥编号"), max_length=40, unique=True)
    algorithm = models.CharField(_("算法"), max_length=20, default="Ed25519")
    public_key = models.TextField(_("公钥"))  # base64 of the raw public key
    private_key_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    active = models.BooleanField(_("启用"), default=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("证照签名密钥")
        verbose_name_plural = _("证照签名密钥")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_signing_key"
            ),
        ]

    def __str__(self):
        return self.kid


class ShareLink(models.Model):
    """A time-limited link a holder gives a third party (a bank, a landlord) to verify one
    licence without logging in. Only the SHA-256 of the token is kept: the link is shown
    once, when it is made, and a database reader cannot reopen it."""

    license = models.ForeignKey(
        License, on_delete=models.CASCADE, related_name="share_links", verbose_name=_("证照")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    opened_count = models.PositiveIntegerField(_("打开次数"), default=0)
    last_opened_at = models.DateTimeField(_("最近打开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("证照分享链接")
        verbose_name_plural = _("证照分享链接")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.license.number} → {self.expires_at:%Y-%m-%d %H:%M}"

    def state_on(self, now: datetime.datetime | None = None) -> str:
        """active / expired / revoked."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"

    @property
    def is_active(self) -> bool:
        return self.state_on() == "active"
