"""Read-mostly admin: licences change only through licenses.services (revoke, replace,
confirm); keys only through `yiwang rotate-license-key`. Private keys are never shown."""

from django.contrib import admin

from .models import License, SigningKey


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ["number", "license_type", "holder_name", "issued_on", "valid_until", "status"]
    list_filter = ["status", "final", "license_type"]
    search_fields = ["number"]
    list_select_related = ["license_type"]
    raw_id_fields = ["holder_person", "holder_enterprise", "case", "replaced_by", "confirmed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["kid", "algorithm", "active", "created_at", "retired_at"]
    exclude = ["private_key_encrypted"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
