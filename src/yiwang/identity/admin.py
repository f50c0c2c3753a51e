from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services, tree
from .models import AgentAuthorisation, Enterprise, OrgUnit, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    """A user's grants, read-only: who holds which role changes only through the audited
    services (identity.services.grant_role / revoke_role), on the 角色授权 admin page."""

    model = RoleGrant
    extra = 0
    fields = ["role", "org", "granted_at", "valid_until"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "role", "org", "valid_until"]

    def clean(self):
        data = super().clean()
        if not self.instance.pk and all(data.get(k) for k in ("user", "role", "org")):
            services.check_grant(data["user"], data["role"], data["org"])
        return data


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """Grant and revoke through the services, which check that the administrator may
    manage staff at that org, refuse raising one's own rights, and audit each change. A
    grant is never edited: revoke it and grant anew."""

    form = RoleGrantForm
    list_display = ["user", "role", "org", "granted_at", "valid_until"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__real_name", "org__name", "org__code"]
    autocomplete_fields = ["user", "org"]
    actions = ["revoke_selected"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "role", "org", "granted_at", "valid_until"] if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        try:
            grant = services.grant_role(
                obj.user, obj.role, obj.org, by=request.user, valid_until=obj.valid_until
            )
        except Http404:
            raise PermissionDenied from None
        obj.pk = grant.pk  # the admin's redirect and message name the saved grant

    def delete_model(self, request, obj):
        try:
            services.revoke_role(obj, by=request.user)
        except Http404:
            raise PermissionDenied from None

    @admin.action(description=_("撤销所选角色授权"))
    def revoke_selected(self, request, queryset):
        for grant in queryset.select_related("user", "org"):
            try:
                services.revoke_role(grant, by=request.user)
            except (PermissionDenied, Http404):
                self.message_user(
                    request,
                    gettext("%(grant)s：您没有撤销该授权的权限。") % {"grant": grant},
                    messages.ERROR,
                )


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


class OrgUnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = [
            "code",
            "name",
            "name_en",
            "kind",
            "level",
            "division_code",
            "parent",
            "address",
            "phone",
            "hours",
            "is_active",
        ]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if self.instance.pk and parent != self.instance.parent:
            services.check_move(self.instance, parent)
        return parent


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    """A new parent moves the org with its subtree through services.move_org, which keeps
    every copied org path right (identity.tree) and is audited."""

    form = OrgUnitForm
    list_display = ["code", "name", "kind", "level", "parent"]
    list_filter = ["kind", "level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        moved = change and "parent" in form.changed_data
        new_parent = obj.parent
        before = OrgUnit.objects.get(pk=obj.pk) if change else None
        if moved:
            obj.parent = before.parent
        super().save_model(request, obj, form, change)
        if before is not None and obj.path != before.path:  # a new code: a new path
            tree.repath(before.path, obj.path)
        if moved:
            try:
                services.move_org(obj, new_parent, by=request.user)
            except Http404:
                raise PermissionDenied from None
            obj.refresh_from_db()


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "legal_representative"]
    search_fields = ["name", "uscc"]


@admin.register(AgentAuthorisation)
class AgentAuthorisationAdmin(admin.ModelAdmin):
    list_display = ["agent", "enterprise", "valid_from", "valid_until", "revoked_at"]
    autocomplete_fields = ["agent", "enterprise"]
