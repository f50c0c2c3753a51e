"""The hall manager's settings page (docs/halls.md, "Settings"): one page with the hall's
queue and booking settings, its opening hours as read from the org's 办公时间, its
categories and its windows, and who staffs which window now.

Thin: each form POSTs to its own view, which calls halls.configuration (or services, to
sign out a window); a refusal comes back as the page with the form's problems (400), a
success as a redirect to the page's section. Only hall managers of the hall's org subtree
reach it: the policy gives outsiders a 404, the hall's window staff a 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yiwang.identity import policy

from . import configuration, hours, services
from . import selectors_window as selectors
from .forms_settings import CategoryForm, HallSettingsForm, WindowForm
from .models import Hall, ServiceCategory, Window


def _hall(request, hall_id) -> Hall:
    hall = get_object_or_404(Hall.objects.select_related("org"), pk=hall_id)
    policy.require(request.user, "hall.manage", hall)
    return hall


def _page(request, hall, *, status=200, **bound):
    categories = list(
        ServiceCategory.objects.filter(hall=hall)
        .prefetch_related("items")
        .order_by("position", "letter")
    )
    windows = selectors.staffing(hall)
    parsed = hours.parse(hall.hours_text)
    category_forms = [
        (c, bound.get(f"category_{c.pk}") or CategoryForm(hall=hall, category=c, prefix=f"c{c.pk}"))
        for c in categories
    ]
    window_forms = [
        (w, bound.get(f"window_{w.pk}") or WindowForm(hall=hall, window=w, prefix=f"w{w.pk}"))
        for w in windows
    ]
    context = {
        "hall": hall,
        "hall_form": bound.get("hall_form") or HallSettingsForm(hall=hall),
        "schedule": services.schedule_of(hall),
        "parsed": parsed,
        "category_forms": category_forms,
        "new_category": bound.get("new_category")
        or CategoryForm(hall=hall, prefix="cnew", initial={"letter": _free_letter(categories)}),
        "window_forms": window_forms,
        "new_window": bound.get("new_window")
        or WindowForm(hall=hall, prefix="wnew", initial={"number": _free_number(windows)}),
        "windows": windows,
        "open_section": bound.get("section", ""),
    }
    return render(request, "halls/settings/page.html", context, status=status)


def _free_letter(categories) -> str:
    used = {c.letter for c in categories}
    return next((chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in used), "")


def _free_number(windows) -> int:
    return max((w.number for w in windows), default=0) + 1


def _refused(form, exc: ValidationError) -> None:
    """Put the service's refusal beside the field it concerns, or above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _back(hall, section: str, message: str, request):
    messages.success(request, message)
    return redirect(reverse("hall_settings", args=[hall.pk]) + f"#{section}")


@never_cache
@login_required
def settings_page(request, hall_id):
    return _page(request, _hall(request, hall_id))


@login_required
@require_POST
def save_settings(request, hall_id):
    hall = _hall(request, hall_id)
    form = HallSettingsForm(request.POST, hall=hall)
    if form.is_valid():
        try:
            configuration.configure_hall(hall, by=request.user, **form.settings())
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _back(hall, "queue-settings", _("大厅设置已保存。"), request)
    return _page(request, hall, status=400, hall_form=form, section="queue-settings")


def _category_values(form) -> dict:
    data = form.cleaned_data
    return {
        "letter": data["letter"],
        "name": data["name"],
        "items": list(data["items"]),
        "default_minutes": data["default_minutes"],
        "weekdays": data["weekdays"],
        "is_active": data["is_active"],
    }


@login_required
@require_POST
def save_category(request, hall_id, pk=None):
    hall = _hall(request, hall_id)
    category = None
    if pk is not None:
        category = get_object_or_404(ServiceCategory, pk=pk, hall=hall)
    prefix = f"c{pk}" if pk else "cnew"
    form = CategoryForm(request.POST, hall=hall, category=category, prefix=prefix)
    if form.is_valid():
        try:
            saved = configuration.save_category(
                hall, by=request.user, category=category, **_category_values(form)
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _back(
                hall,
                "categories",
                _("业务类别“%(letter)s %(name)s”已保存。")
                % {"letter": saved.letter, "name": saved.name},
                request,
            )
    key = f"category_{pk}" if pk else "new_category"
    return _page(request, hall, status=400, section="categories", **{key: form})


@login_required
@require_POST
def remove_category(request, hall_id, pk):
    hall = _hall(request, hall_id)
    category = get_object_or_404(ServiceCategory, pk=pk, hall=hall)
    try:
        deleted = configuration.remove_category(category, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(reverse("hall_settings", args=[hall.pk]) + "#categories")
    words = _("业务类别已删除。") if deleted else _("该类别已发过号，已停用并保留记录。")
    return _back(hall, "categories", words, request)


@login_required
@require_POST
def save_window(request, hall_id, pk=None):
    hall = _hall(request, hall_id)
    window = None
    if pk is not None:
        window = get_object_or_404(Window, pk=pk, hall=hall)
    prefix = f"w{pk}" if pk else "wnew"
    form = WindowForm(request.POST, hall=hall, window=window, prefix=prefix)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = configuration.save_window(
                hall,
                by=request.user,
                window=window,
                number=data["number"],
                label=data["label"],
                kind=data["kind"],
                categories=list(data["categories"]),
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _back(hall, "windows", _("%(window)s已保存。") % {"window": saved}, request)
    key = f"window_{pk}" if pk else "new_window"
    return _page(request, hall, status=400, section="windows", **{key: form})


@login_required
@require_POST
def remove_window(request, hall_id, pk):
    hall = _hall(request, hall_id)
    window = get_object_or_404(Window, pk=pk, hall=hall)
    name = str(window)
    try:
        configuration.remove_window(window, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(reverse("hall_settings", args=[hall.pk]) + "#windows")
    return _back(hall, "windows", _("%(window)s已删除。") % {"window": name}, request)


@login_required
@require_POST
def close_window(request, hall_id, pk):
    """The manager signs out a window its staff left open (it must have no number at it)."""
    hall = _hall(request, hall_id)
    window = get_object_or_404(Window, pk=pk, hall=hall)
    try:
        services.close_window(window, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(reverse("hall_settings", args=[hall.pk]) + "#staffing")
    return _back(hall, "staffing", _("%(window)s已关闭。") % {"window": window}, request)


@never_cache
@login_required
def staffing(request, hall_id):
    """Who staffs which window now, alone (htmx polls it on the settings page)."""
    hall = _hall(request, hall_id)
    return render(
        request,
        "halls/settings/_staffing.html",
        {"hall": hall, "windows": selectors.staffing(hall)},
    )
