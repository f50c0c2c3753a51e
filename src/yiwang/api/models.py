from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The response to the first POST with an `Idempotency-Key`, replayed to retries.

    Inserted in the same transaction as the request's effect: the unique (owner, key) index
    lets exactly one of several concurrent requests commit, and on PostgreSQL a second insert
    waits for the first transaction to finish, then reads its stored response."""

    owner = models.CharField(_("请求方"), max_length=100)  # "user:<pk>" or "ip:<address>"
    key = models.CharField(_("幂等键"), max_length=255)
    fingerprint = models.CharField(_("请求指纹"), max_length=64)  # sha256 of method, path, body
    status_code = models.PositiveSmallIntegerField(_("响应状态码"))
    content_type = models.CharField(max_length=100)
    body = models.BinaryField(_("响应内容"))
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等记录")
        verbose_name_plural = _("幂等记录")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="unique_idempotency_key")
        ]

    def __str__(self):
        return f"{self.owner} · {self.key}"
