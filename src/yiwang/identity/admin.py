from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AgentAuthorisation, Enterprise, OrgUnit, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    autocomplete_fields = ["org"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "real_name", "kind", "masked_id_number", "is_active"]
    list_filter = ["kind", "is_active", "is_superuser", "must_change_password"]
    search_fields = ["username", "real_name"]
    inlines = [RoleGrantInline]
    actions = ["reset_password"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("实名信息"), {"fields": ["kind", "real_name", "phone", "phone_verified_at"]}),
    ]
    readonly_fields = ["must_change_password"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("密码重设"), {"fields": ["must_change_password"]})]

    @admin.action(description=_("重设密码：发临时密码，并要求重新绑定身份验证器"))
    def reset_password(self, request, queryset):
        """Staff are not reset by SMS: an administrator confirms, then sees each temporary
        password once (identity.services.reset_staff_password, audited)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "title": gettext("重设密码"),
        }
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request, "admin/identity/user/reset_password_confirm.html", context
            )
        results = []
        for user in queryset:
            try:
                results.append((user, services.reset_staff_password(user, by=request.user)))
            except ValidationError as exc:
                self.message_user(request, f"{user.username}：{exc.messages[0]}", messages.ERROR)
            except (PermissionDenied, Http404):
                self.message_user(
                    request,
                    gettext("%(username)s：您没有重设该账户密码的权限。")
                    % {"username": user.username},
                    messages.ERROR,
                )
        if not results:
            return None
        return TemplateResponse(
            request, "admin/identity/user/reset_password_done.html", {**context, "results": results}
        )

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
