"""Domain events (docs/events.md): what happened to a journey, appended inside the command's
transaction and handed to the subscribed apps once it commits."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DomainEvent(models.Model):
    """One state change, never updated or deleted: triggers created by core migration 0001
    refuse UPDATE and DELETE on both databases. The payload holds ids, codes and dates only
    (no names, reasons or other personal data), since a row can never be erased."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("事件"), max_length=64)
    aggregate_type = models.CharField(_("对象类型"), max_length=32)
    aggregate_id = models.BigIntegerField(_("对象"))
    org_path = models.CharField(_("机构"), max_length=1000, blank=True)
    payload = models.JSONField(_("内容"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # A plain id, not a foreign key: nothing done to a user may touch this row.
    actor_id = models.BigIntegerField(_("操作人"), null=True, blank=True)

    class Meta:
        verbose_name = _("领域事件")
        verbose_name_plural = _("领域事件")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["aggregate_type", "aggregate_id", "id"], name="core_event_aggregate"
            ),
            models.Index(fields=["kind", "id"], name="core_event_kind"),
        ]

    def __str__(self):
        return f"{self.kind} {self.aggregate_type}:{self.aggregate_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("domain events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("domain events are append-only")


class AppendOnlyError(Exception):
    pass


class EventDelivery(models.Model):
    """One subscriber's handling of one event (the outbox): written pending with the event,
    marked done by the run that handled it. A handler runs at most once per event to
    completion; a failed run is recorded here and retried by the periodic job."""

    event = models.ForeignKey(
        DomainEvent, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("事件")
    )
    handler = models.CharField(_("处理程序"), max_length=200)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    tried_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("事件处理")
        verbose_name_plural = _("事件处理")
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="core_delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=Q(done_at__isnull=True), name="core_delivery_pending"
            ),
        ]

    def __str__(self):
        return f"{self.handler} ← {self.event_id}"
