from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AgentAuthorisation, Enterprise, OrgUnit, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    autocomplete_fields = ["org"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "real_name", "kind", "masked_id_number", "is_active"]
    list_filter = ["kind", "is_active", "is_superuser"]
    search_fields = ["username", "real_name"]
    inlines = [RoleGrantInline]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("实名信息"), {"fields": ["kind", "real_name", "phone", "phone_verified_at"]}),
    ]

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, user):
        # Masked even here; full numbers are revealed only through the audited service.
        return user.id_number_masked


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level", "parent"]
    list_filter = ["kind", "level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "legal_representative"]
    search_fields = ["name", "uscc"]


@admin.register(AgentAuthorisation)
class AgentAuthorisationAdmin(admin.ModelAdmin):
    list_display = ["agent", "enterprise", "valid_from", "valid_until", "revoked_at"]
    autocomplete_fields = ["agent", "enterprise"]
