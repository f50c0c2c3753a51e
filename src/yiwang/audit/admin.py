from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only and only services write it."""

    list_display = ["seq", "at", "actor_name", "action", "object_type", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_name", "action", "object_id", "request_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
