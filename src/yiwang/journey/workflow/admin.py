from django.contrib import admin

from .models import (
    ApprovalTask,
    Extension,
    ProcessTemplate,
    ResultDelivery,
    Suspension,
    TemplateStep,
)


class TemplateStepInline(admin.TabularInline):
    model = TemplateStep
    extra = 0
    can_delete = False
    readonly_fields = ["seq", "name", "kind", "role", "org", "days", "source_seq", "deny_ends_case"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProcessTemplate)
class ProcessTemplateAdmin(admin.ModelAdmin):
    """Templates are generated from the catalogue and never edited."""

    list_display = ["item_version", "created_at"]
    search_fields = ["item_version__item__code", "item_version__name"]
    inlines = [TemplateStepInline]
    readonly_fields = ["item_version", "created_at"]

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """State changes go through the services (docs/architecture.md); the admin only looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApprovalTask)
class ApprovalTaskAdmin(ReadOnlyAdmin):
    list_display = ["case", "name", "org", "role", "status", "assignee", "due_on", "warning"]
    list_filter = ["status", "role", "warning"]
    search_fields = ["case__number", "name"]
    list_select_related = ["case", "org", "assignee"]
    raw_id_fields = ["case", "assignee"]


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "started_on", "ended_on", "paused_workdays"]
    list_filter = ["kind"]
    search_fields = ["case__number"]


@admin.register(Extension)
class ExtensionAdmin(ReadOnlyAdmin):
    list_display = ["case", "workdays", "status", "requested_by", "decided_by"]
    list_filter = ["status"]
    search_fields = ["case__number"]


@admin.register(ResultDelivery)
class ResultDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["case", "method", "status", "tracking_number", "delivered_at"]
    list_filter = ["method", "status"]
    search_fields = ["case__number", "tracking_number"]
