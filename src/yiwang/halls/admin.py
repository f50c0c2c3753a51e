"""Read-only views of the hall's rows for operators; every change goes through services."""

from django.contrib import admin

from .models import Hall, ServiceCategory, Ticket, Window


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Hall)
class HallAdmin(ReadOnly):
    list_display = ["name", "hours_text", "is_active"]
    search_fields = ["name"]


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(ReadOnly):
    list_display = ["hall", "letter", "name", "default_minutes", "is_active"]
    list_filter = ["hall"]


@admin.register(Window)
class WindowAdmin(ReadOnly):
    list_display = ["hall", "number", "kind", "status", "staff"]
    list_filter = ["hall", "status"]


@admin.register(Ticket)
class TicketAdmin(ReadOnly):
    list_display = ["number", "hall", "day", "lane", "status", "window", "taken_at"]
    list_filter = ["hall", "status", "lane"]
    date_hierarchy = "day"
