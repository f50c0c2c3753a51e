from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    """One thing that happened. A state change appends its event in its own transaction with
    no shared row locked; the sealer (`services.seal`) later links committed events into the
    hash chain in id order, giving each its place `seq` and the hash of its predecessor, the
    way Certificate Transparency logs (RFC 6962, section 3) append first and integrate in
    batches. An event without `seq` is "unsealed". Once sealed, a row is never updated or
    deleted: an edit or a gap breaks the chain and `yiwang audit verify` finds it."""

    seq = models.BigIntegerField(_("序号"), unique=True, null=True, blank=True)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
        db_constraint=False,
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=80)
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象名称"), max_length=200, blank=True)
    org_path = models.CharField(_("机构"), max_length=1000, blank=True)
    summary = models.JSONField(_("变更摘要"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        # The id is the order events were appended in, sealed or not; `seq` is the chain's.
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "-id"], name="audit_actor_id_idx"),
            # What the sealer reads each second: the few events not yet in the chain.
            models.Index(
                fields=["id"], name="audit_unsealed_idx", condition=models.Q(seq__isnull=True)
            ),
            models.Index(
                fields=["org_path"], name="audit_org_path_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action}" if self.seq else f"(unsealed {self.pk}) {self.action}"

    def save(self, *args, **kwargs):
        # The sealer fills seq and the hashes of unsealed rows with one bulk UPDATE, which
        # does not go through save(); the database refuses any change of a sealed row
        # (migration 0004).
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")


class ChainHead(models.Model):
    """The last link of the chain, one row. Only the sealer locks it (never a request), so
    two sealers never chain onto the same predecessor."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"head #{self.seq}"
