"""A hall's setup, the hall manager's door (docs/halls.md, "Settings"): the queue and booking
settings, the service categories (业务类别) and the windows (窗口).

As in services.py, each change is one function in one transaction: lock the hall (so two
managers' edits of one hall take turns) → authorise (`hall.manage`) → validate → change →
audit → announce (the board and the kiosks list the categories and windows). Errors a
manager can cause are ValidationErrors with stable codes, keyed by the field they concern
where there is one."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.catalog.models import ServiceItem
from yiwang.identity import policy

from .models import Hall, Lane, ServiceCategory, Ticket, Window, WindowKind
from .models import TicketStatus as T
from .models import WindowStatus as W
from .services import _announce, local

# What configure_hall may change: the queue's and the bookings' settings.
HALL_SETTINGS = (
    "lane_order",
    "priority_streak",
    "sms_ahead",
    "booking_horizon_days",
    "booking_cutoff_hours",
    "bookings_per_day",
    "no_show_limit",
    "no_show_window_days",
    "no_show_ban_days",
)
MAX_MINUTES = 480
# Tickets that still need the category or the window: waiting, called, at a window.
OPEN_TICKETS = (T.WAITING, T.CALLED, T.SERVING)


def _invalid(field: str, message, code: str) -> ValidationError:
    """A refusal beside the field it concerns, with its stable code."""
    return ValidationError({field: ValidationError(message, code=code)})


def _lock_hall(hall_id) -> Hall:
    hall = Hall.objects.select_for_update().filter(pk=hall_id).first()
    if hall is None:
        raise Http404
    return hall


def _managed(hall_id, by) -> Hall:
    hall = _lock_hall(hall_id)
    policy.require(by, "hall.manage", hall)
    return hall


def _today() -> datetime.date:
    return local().date()


# --- the hall's settings --------------------------------------------------------------------


def _clean_lane_order(value) -> list[str]:
    order = [str(lane) for lane in value or ()]
    if sorted(order) != sorted(Lane.values):
        raise ValidationError(_("请把每个通道各排一次。"), code="lane_order_incomplete")
    return order


@transaction.atomic
def configure_hall(hall: Hall, *, by, **changes) -> Hall:
    """Change the hall's queue and booking settings (HALL_SETTINGS): the order of the
    priority lanes (every lane once), the anti-starvation ratio, the text message ahead, the
    booking horizon, cut-off and per-day limit, and the no-show rule. Unchanged values are
    not written; nothing changed, nothing recorded."""
    unknown = set(changes) - set(HALL_SETTINGS)
    if unknown:
        raise TypeError(f"configure_hall: not a hall setting: {', '.join(sorted(unknown))}")
    hall = _managed(hall.pk, by)
    errors: dict[str, list] = {}
    cleaned = {}
    for name, value in changes.items():
        try:
            if name == "lane_order":
                cleaned[name] = _clean_lane_order(value)
            else:
                cleaned[name] = Hall._meta.get_field(name).clean(value, hall)
        except ValidationError as exc:
            errors[name] = exc.error_list
    if errors:
        raise ValidationError(errors)
    changed = {
        name: [getattr(hall, name), value]
        for name, value in cleaned.items()
        if getattr(hall, name) != value
    }
    if not changed:
        return hall
    for name, (_old, new) in changed.items():
        setattr(hall, name, new)
    hall.save(update_fields=list(changed))
    audit.record(by, "hall.configured", hall, org_path=hall.org_path, summary=changed)
    _announce(hall, {"event": "hall_configured", "changed": sorted(changed)}, by=by)
    return hall


# --- categories -----------------------------------------------------------------------------


def _clean_letter(letter) -> str:
    letter = str(letter or "").strip().upper()
    if len(letter) != 1 or not ("A" <= letter <= "Z"):
        raise _invalid("letter", _("请用一个大写字母A–Z。"), "invalid_letter")
    return letter


@transaction.atomic
def save_category(
    hall: Hall,
    *,
    by,
    category: ServiceCategory | None = None,
    letter: str,
    name: str,
    items=(),
    default_minutes: int = 10,
    weekdays=(),
    position: int | None = None,
    is_active: bool = True,
) -> ServiceCategory:
    """Add a category to the hall (`category` None) or change one: its letter (one per
    hall; not changed on a day it has given numbers, so no number is given twice), its name,
    the catalogue items it serves, its default service minutes (the estimate's fallback),
    the weekdays it is served (empty: every open day). A category with numbers still waiting
    or at a window is not switched off."""
    hall = _managed(hall.pk, by)
    if category is not None:
        category = ServiceCategory.objects.select_for_update().filter(pk=category.pk).first()
        if category is None or category.hall_id != hall.pk:
            raise Http404
    letter = _clean_letter(letter)
    name = str(name or "").strip()
    if not name or len(name) > 100:
        raise _invalid("name", _("请填写业务类别名称（100字以内）。"), "invalid_name")
    try:
        default_minutes = int(default_minutes)
    except (TypeError, ValueError):
        default_minutes = 0
    if not 1 <= default_minutes <= MAX_MINUTES:
        raise _invalid(
            "default_minutes",
            _("平均办理时间应在1到%(max)d分钟之间。") % {"max": MAX_MINUTES},
            "invalid_minutes",
        )
    weekdays = sorted({int(d) for d in weekdays or ()})
    if any(not 1 <= d <= 7 for d in weekdays):
        raise _invalid("weekdays", _("受理日只能是周一至周日。"), "invalid_weekdays")
    item_ids = sorted({getattr(i, "pk", i) for i in items or ()})
    if item_ids and ServiceItem.objects.filter(pk__in=item_ids).count() != len(item_ids):
        raise _invalid("items", _("所选事项有的不存在。"), "unknown_item")

    same_letter = ServiceCategory.objects.filter(hall=hall, letter=letter)
    if category is not None:
        same_letter = same_letter.exclude(pk=category.pk)
    if same_letter.exists():
        raise _invalid(
            "letter",
            _("字母%(letter)s已被本大厅的其他业务类别使用。") % {"letter": letter},
            "letter_taken",
        )
    new_letter = category is None or category.letter != letter
    if new_letter:
        used_today = Q(number__startswith=letter)
        if category is not None:
            used_today |= Q(category=category)
        if Ticket.objects.filter(used_today, hall=hall, day=_today()).exists():
            raise _invalid(
                "letter",
                _("今天已经用这个字母或这个类别发过号，字母请在下一个办公日再改。"),
                "letter_in_use_today",
            )
    if category is not None and category.is_active and not is_active:
        _refuse_open_tickets(category)

    created = category is None
    if created:
        category = ServiceCategory(hall=hall)
        if position is None:
            position = hall.categories.count()
    category.letter, category.name = letter, name
    category.default_minutes, category.weekdays = default_minutes, weekdays
    category.is_active = is_active
    if position is not None:
        category.position = position
    if created:
        category.save()
    else:
        category.save(
            update_fields=["letter", "name", "default_minutes", "weekdays", "is_active", "position"]
        )
    category.items.set(item_ids)
    audit.record(
        by,
        "hall.category_saved",
        category,
        org_path=hall.org_path,
        summary={
            "created": created,
            "letter": letter,
            "name": name,
            "items": item_ids,
            "default_minutes": default_minutes,
            "active": is_active,
        },
    )
    _announce(hall, {"event": "categories_changed", "category": category.pk}, by=by)
    return category


def _refuse_open_tickets(category: ServiceCategory) -> None:
    if Ticket.objects.filter(category=category, status__in=OPEN_TICKETS).exists():
        raise ValidationError(
            _("“%(category)s”还有等候或正在办理的号，请先叫完或转到其他类别。")
            % {"category": category.name},
            code="category_has_waiting",
        )


@transaction.atomic
def remove_category(category: ServiceCategory, *, by) -> bool:
    """Remove a category with no number waiting or at a window. One that has given numbers
    is kept, switched off, for its history (the day's figures, the estimate): returns True
    when the row was deleted, False when it was switched off."""
    hall = _managed(category.hall_id, by)
    category = ServiceCategory.objects.select_for_update().filter(pk=category.pk).first()
    if category is None:
        raise Http404
    _refuse_open_tickets(category)
    summary = {"letter": category.letter, "name": category.name}
    try:
        with transaction.atomic():
            category.delete()
        deleted = True
    except ProtectedError:  # it has given numbers (or other rows keep it)
        ServiceCategory.objects.filter(pk=category.pk).update(is_active=False)
        deleted = False
    audit.record(
        by,
        "hall.category_removed" if deleted else "hall.category_switched_off",
        hall,
        org_path=hall.org_path,
        summary=summary,
    )
    _announce(hall, {"event": "categories_changed", "category": category.pk or None}, by=by)
    return deleted


# --- windows --------------------------------------------------------------------------------


@transaction.atomic
def save_window(
    hall: Hall,
    *,
    by,
    window: Window | None = None,
    number: int,
    label: str = "",
    kind: str = WindowKind.DEDICATED,
    categories=(),
) -> Window:
    """Add a window (`window` None) or change one: its number (one per hall; not changed
    while it is open, the board shows it), its name, its kind (a comprehensive window serves
    every category; a dedicated one those listed, at least one)."""
    hall = _managed(hall.pk, by)
    if window is not None:
        window = Window.objects.select_for_update().filter(pk=window.pk).first()
        if window is None or window.hall_id != hall.pk:
            raise Http404
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 999:
        raise _invalid("number", _("窗口号应在1到999之间。"), "invalid_number")
    if kind not in WindowKind.values:
        raise _invalid("kind", _("请选择窗口类型。"), "invalid_kind")
    label = str(label or "").strip()[:100]
    category_ids = sorted({getattr(c, "pk", c) for c in categories or ()})
    if kind == WindowKind.COMPREHENSIVE:
        category_ids = []
    elif not category_ids:
        raise _invalid("categories", _("专窗请至少选择一个业务类别。"), "window_needs_category")
    elif ServiceCategory.objects.filter(pk__in=category_ids, hall=hall).count() != len(
        category_ids
    ):
        raise _invalid("categories", _("只能选择本大厅的业务类别。"), "category_other_hall")
    taken = Window.objects.filter(hall=hall, number=number)
    if window is not None:
        taken = taken.exclude(pk=window.pk)
    if taken.exists():
        raise _invalid("number", _("%(n)d号窗口已经有了。") % {"n": number}, "window_number_taken")
    if window is not None and window.number != number and window.status != W.CLOSED:
        raise _invalid("number", _("窗口正在服务，关窗后才能改窗口号。"), "window_open_number")
    created = window is None
    if created:
        window = Window(hall=hall)
    window.number, window.label, window.kind = number, label, kind
    # Only these: the window's status, staff and ticket belong to the calling services.
    window.save(**({} if created else {"update_fields": ["number", "label", "kind"]}))
    window.categories.set(category_ids)
    audit.record(
        by,
        "hall.window_saved",
        window,
        org_path=hall.org_path,
        summary={"created": created, "number": number, "kind": kind, "categories": category_ids},
    )
    _announce(hall, {"event": "windows_changed", "window": number}, by=by)
    return window


@transaction.atomic
def remove_window(window: Window, *, by) -> None:
    """Remove a closed window that never called a number and has none sent to it. A window
    with history stays (its figures and ratings count for it): keep it closed."""
    hall = _managed(window.hall_id, by)
    window = Window.objects.select_for_update().filter(pk=window.pk).first()
    if window is None:
        raise Http404
    if window.status != W.CLOSED:
        raise ValidationError(
            _("%(window)s正在服务，请先关窗。") % {"window": window}, code="window_in_use"
        )
    if Ticket.objects.filter(Q(window=window) | Q(for_window=window)).exists():
        raise ValidationError(
            _("%(window)s已有叫号记录，为保留统计不能删除；不用时保持关闭即可。")
            % {"window": window},
            code="window_has_history",
        )
    number = window.number
    window.delete()
    audit.record(
        by, "hall.window_removed", hall, org_path=hall.org_path, summary={"number": number}
    )
    _announce(hall, {"event": "windows_changed", "window": number}, by=by)
