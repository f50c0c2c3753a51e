from django.contrib import admin

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only and written by sharing.services."""

    list_display = ["at", "staff_name", "org_name", "subject_masked", "case_number", "outcome"]
    list_filter = ["outcome", "subject_kind"]
    search_fields = ["case_number", "staff_name", "org_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
