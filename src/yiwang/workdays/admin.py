"""Admin pages for the local calendar. Saving and deleting go through the services, so the
change is audited, every process reloads the calendar and deadlines are recomputed."""

from django.contrib import admin

from . import services
from .models import CalendarYear, DayOverride


@admin.register(DayOverride)
class DayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "note", "updated_at"]
    list_filter = ["is_workday"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"

    def get_readonly_fields(self, request, obj=None):
        # The date is the key: to move a day, delete it and add the new one.
        return ["date", "updated_at"] if obj else ["updated_at"]

    def save_model(self, request, obj, form, change):
        saved = services.set_override(
            obj.date, is_workday=obj.is_workday, name=obj.name, note=obj.note, by=request.user
        )
        obj.pk, obj.updated_at = saved.pk, saved.updated_at

    def delete_model(self, request, obj):
        services.remove_override(obj.date, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.remove_override(obj.date, by=request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "note", "imported_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["year", "imported_at"] if obj else ["imported_at"]

    def save_model(self, request, obj, form, change):
        saved = services.mark_year_covered(
            obj.year, note=obj.note, source=obj.source, by=request.user
        )
        obj.pk, obj.imported_at = saved.pk, saved.imported_at

    def delete_model(self, request, obj):
        services.unmark_year_covered(obj.year, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.unmark_year_covered(obj.year, by=request.user)
