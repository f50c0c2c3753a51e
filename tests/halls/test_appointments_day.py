"""The hall's day of appointments (`/workbench/hall/<hall>/appointments/?day=`), a checked-in
appointment on the window's screen, and appointment times in English."""

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from tests.halls.booking import TUESDAY, at, book
from yiwang.halls import appointments, services
from yiwang.halls import views_appointments as views

HX = {"HTTP_HX_REQUEST": "true"}
TEN = at(2025, 3, 4, 10, 0)
TWO = at(2025, 3, 4, 14, 0)


@pytest.fixture
def tuesday(hall, category, item, citizen, user_named, monday):
    """Two appointments on Tuesday 4 March — 张三 at 10:00 for 个体工商户设立登记, 李四 at
    14:00 in 市场准入 — and 张三 checked in at 09:40 (number A001)."""
    first = book(category["A"], TEN, by=citizen, item=item)
    second = book(category["A"], TWO, by=user_named("citizen2"))
    monday.move_to(at(2025, 3, 4, 9, 40))
    ticket = appointments.check_in(hall, code=first.code)
    return first, second, ticket


def _page(client, hall, **params):
    return client.get(f"/workbench/hall/{hall.pk}/appointments/", {"day": "2025-03-04", **params})


def test_the_manager_sees_the_days_appointments_by_slot_and_category(
    client, hall, tuesday, user_named
):
    first, second, _ticket = tuesday
    client.force_login(user_named("hall-manager"))
    page = _page(client, hall)
    assert page.status_code == 200
    text = page.text
    assert "3月4日（周二）的预约" in text
    assert "共2个预约：待签到1，已签到1，爽约0，已取消0。" in text
    assert text.index("10:00-10:30") < text.index("14:00-14:30")
    assert "个体工商户设立登记" in text and "张*" in text and "李*" in text
    assert '09:40 · <span class="mono">A001</span>' in text
    assert f'id="appointment-{first.pk}"' in text and f'id="appointment-{second.pk}"' in text
    assert f"/workbench/hall/{hall.pk}/settings/" in text  # the manager's link to the rules


def test_the_settings_page_links_to_the_days_appointments(client, hall, user_named):
    client.force_login(user_named("hall-manager"))
    page = client.get(f"/workbench/hall/{hall.pk}/settings/")
    assert f'href="/workbench/hall/{hall.pk}/appointments/"' in page.text


def test_the_list_is_paginated(client, hall, tuesday, user_named, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 1)
    client.force_login(user_named("hall-manager"))
    first = _page(client, hall).text
    assert "张*" in first and "李*" not in first and "page=2" in first
    assert "李*" in _page(client, hall, page=2).text


def test_window_staff_read_it_and_outsiders_do_not(client, hall, tuesday, staff, user_named):
    client.force_login(staff["window-1"])
    page = _page(client, hall)
    assert page.status_code == 200 and "张*" in page.text
    assert "预约规则" not in page.text  # read-only: the rules are the manager's
    client.force_login(staff["street-window"])
    assert _page(client, hall).status_code == 404
    client.force_login(user_named("supervisor"))  # sees the hall, not who comes
    assert _page(client, hall).status_code == 403
    client.force_login(user_named("citizen"))
    assert _page(client, hall).status_code == 404


def test_the_window_shows_a_checked_in_appointments_item_and_slot(
    client, hall, windows, staff, tuesday
):
    first, _second, ticket = tuesday
    services.open_window(windows[2], staff["window-2"])
    services.call_next(windows[2], by=staff["window-2"])
    client.force_login(staff["window-2"])
    page = client.get(f"/workbench/window/{windows[2].pk}/").text
    assert "个体工商户设立登记 · 3月4日（周二）10:00-10:30" in page
    assert "09:40签到" in page and first.code_display in page
    link = f"/workbench/hall/{hall.pk}/appointments/?day=2025-03-04#appointment-{first.pk}"
    assert link in page


# --- in English -----------------------------------------------------------------------------

# The English of these words (their entries in the translations, merged separately).
ENGLISH = {
    "%(date)s（%(weekday)s）": "%(date)s (%(weekday)s)",
    "%(day)s%(start)s-%(end)s": "%(day)s %(start)s–%(end)s",
    "month and day\x04n月j日": "j F",
    "周二": "Tue",
}


@pytest.fixture
def english():
    with translation.override("en"):
        catalog = trans_real.translation("en")._catalog._catalogs[0]
        added = {key: value for key, value in ENGLISH.items() if key not in catalog}
        catalog.update(added)
        try:
            yield
        finally:
            for key in added:
                catalog.pop(key, None)


def test_an_appointments_time_reads_in_english(hall, category, item, citizen, monday, english):
    appointment = book(category["A"], TEN, by=citizen, item=item)
    assert appointments.when_words(appointment) == "4 March (Tue) 10:00–10:30"
    assert appointments.day_words(TUESDAY) == "4 March (Tue)"
