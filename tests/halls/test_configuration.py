"""A hall's setup (yiwang.halls.configuration): the manager changes the queue and booking
rules, the categories and the windows; each change is audited, refused with a clear reason
when it would break the day's numbers or a window in use, and its cost pinned."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.catalog.conftest import small_catalog  # noqa: F401 — a fixture
from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.catalog.models import ServiceItem
from yiwang.core.models import DomainEvent
from yiwang.halls import configuration, services
from yiwang.halls.models import Lane, ServiceCategory, TicketChannel, Window, WindowKind


@pytest.fixture
def manager(hall, user_named):
    return user_named("hall-manager")


def take(hall, category):
    return services.take_ticket(hall, category, channel=TicketChannel.KIOSK)


# --- the hall's settings --------------------------------------------------------------------


def test_the_manager_reorders_the_lanes_and_changes_the_ratio(hall, manager):
    order = [Lane.ELDERLY, Lane.APPOINTMENT, Lane.DISABLED, Lane.PREGNANT, Lane.SERVICEMAN]
    configuration.configure_hall(
        hall, by=manager, lane_order=[*order, Lane.NORMAL], priority_streak=2
    )
    hall.refresh_from_db()
    assert hall.lanes[0] == Lane.ELDERLY and hall.priority_streak == 2
    event = AuditEvent.objects.get(action="hall.configured")
    assert event.summary["priority_streak"] == [3, 2]
    assert DomainEvent.objects.filter(kind="hall.hall_configured").exists()


def test_a_lane_order_missing_a_lane_is_refused(hall, manager):
    with pytest.raises(ValidationError) as refused:
        configuration.configure_hall(hall, by=manager, lane_order=[Lane.NORMAL])
    assert "lane_order" in refused.value.error_dict


def test_a_ratio_out_of_range_is_refused_beside_it(hall, manager):
    with pytest.raises(ValidationError) as refused:
        configuration.configure_hall(hall, by=manager, priority_streak=0)
    assert list(refused.value.error_dict) == ["priority_streak"]


def test_nothing_changed_records_nothing(hall, manager):
    configuration.configure_hall(hall, by=manager, priority_streak=hall.priority_streak)
    assert not AuditEvent.objects.filter(action="hall.configured").exists()


def test_only_the_halls_managers_configure_it(hall, staff, user_named):
    with pytest.raises(Http404):  # another hall's staff do not see it
        configuration.configure_hall(hall, by=staff["street-window"], sms_ahead=5)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # its window staff see it, but do not manage it
        configuration.configure_hall(hall, by=staff["window-1"], sms_ahead=5)


def test_configuring_costs_a_fixed_number_of_statements(hall, manager):
    fresh(manager)
    # Savepoint; the hall locked; the manager's grants; the update; the audit and domain
    # events; release.
    with exactly(7, "configure_hall"):
        configuration.configure_hall(hall, by=manager, priority_streak=4, sms_ahead=2)


# --- categories -----------------------------------------------------------------------------


@pytest.mark.usefixtures("small_catalog")
def test_adding_a_category_with_its_items(hall, manager):
    items = list(ServiceItem.objects.order_by("pk")[:2])
    assert len(items) == 2
    added = configuration.save_category(
        hall, by=manager, letter="d", name="公积金", items=items, default_minutes=12
    )
    assert (added.letter, added.position) == ("D", 3)
    assert set(added.items.all()) == set(items)
    assert AuditEvent.objects.filter(action="hall.category_saved").exists()


def test_a_letter_is_one_per_hall(hall, manager, category):
    with pytest.raises(ValidationError) as refused:
        configuration.save_category(hall, by=manager, letter="B", name="重复")
    assert refused.value.error_dict["letter"][0].code == "letter_taken"


def test_a_letter_is_not_changed_on_a_day_it_gave_numbers(hall, manager, category, open_monday):
    take(hall, category["C"])
    with pytest.raises(ValidationError) as refused:
        configuration.save_category(
            hall, by=manager, category=category["C"], letter="E", name="不动产"
        )
    assert refused.value.error_dict["letter"][0].code == "letter_in_use_today"
    # Its name may change the same day.
    configuration.save_category(hall, by=manager, category=category["C"], letter="C", name="房产")
    assert ServiceCategory.objects.get(pk=category["C"].pk).name == "房产"


def test_a_category_with_waiting_numbers_is_neither_switched_off_nor_removed(
    hall, manager, category, open_monday
):
    take(hall, category["B"])
    with pytest.raises(ValidationError) as refused:
        configuration.save_category(
            hall, by=manager, category=category["B"], letter="B", name="社会保障", is_active=False
        )
    assert refused.value.code == "category_has_waiting"
    with pytest.raises(ValidationError) as refused:
        configuration.remove_category(category["B"], by=manager)
    assert refused.value.code == "category_has_waiting"


def test_a_category_that_gave_numbers_is_switched_off_not_deleted(
    hall, manager, category, staffed, staff
):
    ticket = take(hall, category["C"])
    services.call_next(staffed[1], by=staff["window-1"])
    services.mark_no_show(ticket, by=staff["window-1"])
    assert configuration.remove_category(category["C"], by=manager) is False
    assert ServiceCategory.objects.get(pk=category["C"].pk).is_active is False
    unused = configuration.save_category(hall, by=manager, letter="Z", name="临时")
    assert configuration.remove_category(unused, by=manager) is True
    assert not ServiceCategory.objects.filter(pk=unused.pk).exists()


@pytest.mark.usefixtures("small_catalog")
def test_saving_a_category_costs_a_fixed_number_of_statements(hall, manager, category):
    items = list(ServiceItem.objects.order_by("pk")[:3])
    assert len(items) == 3
    fresh(manager)
    # Savepoint; the hall locked; the grants; the category locked; the items checked; the
    # letter free; the update; the items: read, added (none removed); the audit and domain
    # events; release.
    with exactly(12, "save_category (3 items)"):
        configuration.save_category(
            hall, by=manager, category=category["A"], letter="A", name="市场准入", items=items
        )


def test_removing_a_category_costs_a_fixed_number_of_statements(hall, manager):
    unused = configuration.save_category(hall, by=manager, letter="Z", name="临时")
    fresh(manager)
    # Savepoint; the hall locked; the grants; the category locked; its open tickets; a
    # savepoint around the delete; the collector: its tickets (protected), its items' and
    # windows' links, its day counters, its appointments (protected) and its slot rows,
    # then itself; release; the audit and domain events; release. (A model that
    # points at categories adds its own statement here.)
    with exactly(17, "remove_category"):
        assert configuration.remove_category(unused, by=manager) is True


# --- windows --------------------------------------------------------------------------------


def test_adding_a_dedicated_window(hall, manager, category):
    window = configuration.save_window(
        hall, by=manager, number=9, label="不动产专窗", categories=[category["C"]]
    )
    assert list(window.categories.all()) == [category["C"]]
    assert AuditEvent.objects.filter(action="hall.window_saved").exists()


def test_a_window_number_is_one_per_hall(hall, manager, category):
    with pytest.raises(ValidationError) as refused:
        configuration.save_window(hall, by=manager, number=2, categories=[category["A"]])
    assert refused.value.error_dict["number"][0].code == "window_number_taken"


def test_a_dedicated_window_serves_at_least_one_category_of_its_hall(hall, manager):
    with pytest.raises(ValidationError) as refused:
        configuration.save_window(hall, by=manager, number=9)
    assert refused.value.error_dict["categories"][0].code == "window_needs_category"
    comprehensive = configuration.save_window(
        hall, by=manager, number=9, kind=WindowKind.COMPREHENSIVE
    )
    assert not comprehensive.categories.exists()


def test_an_open_windows_number_is_not_changed(hall, manager, staffed, category):
    with pytest.raises(ValidationError) as refused:
        configuration.save_window(
            hall, by=manager, window=staffed[2], number=12, categories=[category["A"]]
        )
    assert refused.value.error_dict["number"][0].code == "window_open_number"


def test_a_window_in_use_or_with_history_is_not_removed(hall, manager, staffed, staff, category):
    with pytest.raises(ValidationError) as refused:
        configuration.remove_window(staffed[2], by=manager)
    assert refused.value.code == "window_in_use"
    ticket = take(hall, category["A"])
    services.call_next(staffed[2], by=staff["window-2"])
    services.mark_no_show(ticket, by=staff["window-2"])
    services.close_window(staffed[2], by=staff["window-2"])
    with pytest.raises(ValidationError) as refused:
        configuration.remove_window(staffed[2], by=manager)
    assert refused.value.code == "window_has_history"


def test_removing_a_window_costs_a_fixed_number_of_statements(hall, manager, windows):
    fresh(manager)
    # Savepoint; the hall locked; the grants; the window locked; its tickets; the delete:
    # its categories' links, then itself (Django's collector), with the tickets pointing at
    # it set null (two updates); the audit and domain events; release.
    with exactly(12, "remove_window"):
        configuration.remove_window(windows[3], by=manager)
    assert not Window.objects.filter(pk=windows[3].pk).exists()


def test_saving_a_window_costs_a_fixed_number_of_statements(hall, manager, windows, category):
    fresh(manager)
    # Savepoint; the hall locked; the grants; the window locked; its categories checked; the
    # number free; the update; its categories: read, added; the audit and domain events;
    # release.
    with exactly(12, "save_window"):
        configuration.save_window(
            hall,
            by=manager,
            window=windows[3],
            number=3,
            categories=[category["B"], category["C"]],
        )
