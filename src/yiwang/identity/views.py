"""Identity pages: sign-in, registration, phone verification, my space, the staff workbench
and the staff second factor. Thin: state changes go through identity.services, permission
checks through identity.policy."""

import base64
import time

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import policy, services
from .forms import (
    LoginForm,
    PasswordResetConfirmForm,
    PasswordResetRequestForm,
    PersonLookupForm,
    PhoneCodeForm,
    RegistrationForm,
    TotpCodeForm,
)
from .models import OrgUnit, RoleGrant, User
from .roles import ALL_STAFF_ROLES

ORGS_PER_PAGE = 50
PHONE_RESEND_SECONDS = 60
_RESEND_KEY = "yiwang_phone_code_sent_at"
_RESET_LOGIN_KEY = "yiwang_password_reset_login"


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def is_staff_user(user) -> bool:
    return policy.is_authenticated(user) and (
        user.is_superuser or user.is_staff or policy.has_role(user, *ALL_STAFF_ROLES)
    )


# --- sign in / out ----------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "identity/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Without ?next=: staff go to their workbench queue (yiwang.web.landing), everyone
        else to LOGIN_REDIRECT_URL."""
        if policy.can(self.request.user, "workbench.use"):
            return reverse("staff_landing")
        return super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    template_name = "identity/logged_out.html"


# --- registration and phone -------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("my_space")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        form_ok = form.is_valid()
        data = form.cleaned_data
        registration = services.Registration(
            username=data.get("username", ""),
            password=data.get("password1", ""),
            real_name=data.get("real_name", ""),
            id_number=data.get("id_number", ""),
            phone=data.get("phone", ""),
        )
        if not form_ok:
            # Show every problem at once, not the form's first and the service's later.
            form.add_service_errors(ValidationError(services.check_registration(registration)))
        else:
            try:
                user = services.register_citizen(registration)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                request.session[_RESEND_KEY] = time.time()
                messages.success(
                    request, _("注册成功。验证码已发送到您的手机，请输入验证码完成验证。")
                )
                return redirect("phone_verify")
    id_number_taken = any(
        error.code == "id_number_taken" for error in form.errors.as_data().get("id_number", [])
    )
    return render(
        request, "identity/register.html", {"form": form, "id_number_taken": id_number_taken}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def phone_verify(request):
    user = request.user
    form = PhoneCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verify_phone(user, form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            messages.success(request, _("手机号码验证成功。"))
            return redirect("my_space")
    return render(
        request,
        "identity/phone_verify.html",
        {"form": form, "verified": bool(user.phone_verified_at)},
    )


@login_required
@require_POST
def phone_resend(request):
    last = request.session.get(_RESEND_KEY, 0)
    wait = int(last + PHONE_RESEND_SECONDS - time.time())
    if wait > 0:
        messages.warning(request, _("发送太频繁，请在%(seconds)s秒后再试。") % {"seconds": wait})
    elif not request.user.phone:
        messages.error(request, _("您的账户没有登记手机号码。"))
    else:
        services.send_phone_code(request.user)
        request.session[_RESEND_KEY] = time.time()
        messages.success(request, _("新的验证码已发送。"))
    return redirect("phone_verify")


# --- forgotten password (找回密码) and changing one's password ----------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Step 1: the login. The next page is the same whether or not the account exists."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_password_reset(form.cleaned_data["login"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session[_RESET_LOGIN_KEY] = form.cleaned_data["login"]
            return redirect("password_reset_confirm")
    return render(request, "identity/password_reset.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request):
    """Step 2: the texted code and the new password."""
    login_name = request.session.get(_RESET_LOGIN_KEY)
    if not login_name:
        return redirect("password_reset")
    form = PasswordResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_password_reset(
                login_name, form.cleaned_data["code"], form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            del request.session[_RESET_LOGIN_KEY]
            messages.success(request, _("密码已重设，其他设备上的登录都已退出。请用新密码登录。"))
            return redirect("login")
    return render(request, "identity/password_reset_confirm.html", {"form": form})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """One's own new password; the only page open after an administrator's reset."""
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.change_password(user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)  # this session stays, the others end
        messages.success(request, _("密码已修改，其他设备上的登录都已退出。"))
        return redirect(_safe_next(request, reverse("my_space")))
    return render(
        request,
        "identity/password_change.html",
        {"form": form, "required": user.must_change_password, "next": _safe_next(request, "")},
    )


# --- my space ---------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_space(request):
    # The model instance, not request.user's lazy wrapper: the policy looks objects up by type.
    user = User.objects.get(pk=request.user.pk)
    revealed = ""
    if request.method == "POST":
        # Shown once in this response, never stored in the session; each reveal is audited.
        revealed = services.reveal_id_number(user, by=request.user)
    return render(
        request,
        "identity/my_space.html",
        {
            "person": user,
            "revealed_id_number": revealed,
            "enterprises": services.enterprises_of(user),
            "is_staff_user": is_staff_user(user),
        },
    )


# --- workbench --------------------------------------------------------------------------------


@login_required
def workbench(request):
    policy.require(request.user, "workbench.use")
    grants = (
        RoleGrant.objects.active()
        .filter(user=request.user)
        .select_related("org")
        .order_by("org__path", "role")
    )
    return render(
        request,
        "identity/workbench.html",
        {
            "grants": grants,
            "can_lookup": policy.can(request.user, "person.lookup"),
        },
    )


@login_required
def org_list(request):
    policy.require(request.user, "workbench.use")
    query = request.GET.get("q", "").strip()
    orgs = policy.scope(request.user, OrgUnit.objects.all())
    if query:
        orgs = orgs.filter(name__icontains=query)
    page = Paginator(orgs.order_by("path"), ORGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "identity/org_list.html", {"page": page, "query": query})


@login_required
def org_detail(request, code):
    policy.require(request.user, "workbench.use")
    org = get_object_or_404(OrgUnit.objects.select_related("parent"), code=code)
    policy.require(request.user, "org.view", org)
    children = policy.scope(request.user, org.children.all()).order_by("path")
    grants = (
        policy.scope(request.user, RoleGrant.objects.active().filter(org=org))
        .select_related("user")
        .order_by("role", "user__username")
    )
    parent_visible = org.parent is not None and policy.can(request.user, "org.view", org.parent)
    return render(
        request,
        "identity/org_detail.html",
        {"org": org, "children": children, "grants": grants, "parent_visible": parent_visible},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def person_lookup(request):
    """At the comprehensive window: identify a walk-in applicant by their ID card. Through
    the base library's door, which logs each look-up (and reveal) where the person sees it
    with the purpose “窗口代办身份核验”."""
    from yiwang.sharing import services as sharing  # sharing builds on identity

    policy.require(request.user, "person.lookup")
    form = PersonLookupForm()
    person, searched, revealed = None, False, ""
    if request.method == "POST" and request.POST.get("reveal"):
        person = get_object_or_404(User, pk=request.POST.get("reveal"))
        revealed = sharing.reveal_for_walk_in(person, by=request.user)
        searched = True
    elif request.method == "POST":
        form = PersonLookupForm(request.POST)
        if form.is_valid():
            try:
                person = sharing.identify_walk_in(form.cleaned_data["id_number"], by=request.user)
            except ValidationError as exc:
                form.add_error("id_number", exc)
            else:
                searched = True
    return render(
        request,
        "identity/person_lookup.html",
        {
            "form": form,
            "person": person,
            "searched": searched,
            "revealed_id_number": revealed,
            "can_reveal": person is not None
            and policy.can(request.user, "person.reveal_id_number", person),
            "enterprises": services.enterprises_of(person) if person else [],
        },
    )


# --- staff second factor ----------------------------------------------------------------------


def _qr_svg(uri: str) -> str:
    # segno writes plain SVG paths: no scripts, no style attributes, so CSP stays strict.
    return segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=_("身份验证器设置二维码"), svgclass="qr"
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp(request):
    user = request.user
    if not is_staff_user(user):
        raise PermissionDenied
    next_url = _safe_next(request, reverse("workbench"))
    if user.is_verified():
        return redirect(next_url)
    form = TotpCodeForm(request.POST or None)
    device = services.totp_device(user)
    if device is not None:
        if request.method == "POST" and form.is_valid():
            device = services.verify_totp(user, form.cleaned_data["code"])
            if device is not None:
                django_otp.login(request, device)
                return redirect(next_url)
            form.add_error("code", _("动态码不正确或已过期，请稍后输入新的动态码。"))
        return render(request, "identity/otp_verify.html", {"form": form, "next": next_url})

    if request.method == "POST" and form.is_valid():
        device = services.confirm_totp(user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            messages.success(request, _("身份验证器已绑定。以后登录时请输入其中的动态码。"))
            return redirect(next_url)
        form.add_error("code", _("动态码不正确，请确认手机时间准确后重试。"))
    setup = services.start_totp_setup(user)
    secret = base64.b32encode(setup.bin_key).decode()
    return render(
        request,
        "identity/otp_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": _qr_svg(setup.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "issuer": settings.OTP_TOTP_ISSUER,
        },
    )
