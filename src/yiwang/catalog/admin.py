from django.contrib import admin

from .models import Bundle, BundleItem, ItemVersion, LicenseType, ServiceItem, Theme


class ReadOnlyAdmin(admin.ModelAdmin):
    """Catalogue content changes through the workbench (drafts, review, publish) or an
    import, so history stays intact; the admin only looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ["code", "published"]
    search_fields = ["code", "published__name"]


@admin.register(ItemVersion)
class ItemVersionAdmin(ReadOnlyAdmin):
    list_display = ["item", "number", "name", "status", "department", "published_at"]
    list_filter = ["status", "level", "hot"]
    search_fields = ["item__code", "name"]


@admin.register(LicenseType)
class LicenseTypeAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "issuer", "holder_kind", "validity_years"]


@admin.register(Theme)
class ThemeAdmin(ReadOnlyAdmin):
    list_display = ["name", "audience", "position"]


class BundleItemInline(admin.TabularInline):
    model = BundleItem
    extra = 0


@admin.register(Bundle)
class BundleAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "audience"]
    inlines = [BundleItemInline]
