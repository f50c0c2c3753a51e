"""The hall manager's figures (yiwang.halls.figures, the page `/workbench/hall/<hall>/`) on a
morning whose every minute is known; the daily rollup of the same morning and the hall
section of the supervision dashboard."""

import datetime

import pytest

from tests.halls.conftest import SHANGHAI
from yiwang.halls import figures, ratings, services
from yiwang.halls.models import TicketChannel
from yiwang.supervision import rollups
from yiwang.supervision import selectors as supervision
from yiwang.supervision.models import HallDailyRollup

KIOSK = TicketChannel.KIOSK
MONDAY = datetime.date(2025, 3, 3)


def at(hour, minute):
    return datetime.datetime(2025, 3, 3, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def morning(hall, category, staffed, staff, open_monday):
    """10:00 A1, A2 and B1 taken (estimates 0, 5 and 0 minutes); window 2 serves A1
    10:06–10:16 and A2 10:20–10:30; window 3 calls B1 at 10:10, nobody comes (no-show at
    10:12); C1 taken at 10:30 still waits. A1 is rated 非常满意. The clock stops at 10:40."""
    travel = open_monday

    def move(hour, minute):
        travel.move_to(at(hour, minute), tick=False)

    move(10, 0)
    a1 = services.take_ticket(hall, category["A"], channel=KIOSK)
    a2 = services.take_ticket(hall, category["A"], channel=KIOSK)
    b1 = services.take_ticket(hall, category["B"], channel=KIOSK)
    two, three = staffed[2], staffed[3]
    move(10, 6)
    services.start_service(services.call_next(two, by=staff["window-2"]), by=staff["window-2"])
    move(10, 10)
    services.call_next(three, by=staff["window-3"])
    move(10, 12)
    services.mark_no_show(b1, by=staff["window-3"])
    move(10, 16)
    services.finish_service(a1, by=staff["window-2"])
    move(10, 20)
    services.start_service(services.call_next(two, by=staff["window-2"]), by=staff["window-2"])
    move(10, 30)
    services.finish_service(a2, by=staff["window-2"])
    services.take_ticket(hall, category["C"], channel=KIOSK)
    move(10, 35)
    ratings.rate_ticket(a1.token, level=5)
    move(10, 40)
    return {"a1": a1, "a2": a2, "b1": b1}


def test_the_estimates_were_kept_when_the_numbers_were_taken(morning):
    for ticket, seconds in [(morning["a1"], 0), (morning["a2"], 300), (morning["b1"], 0)]:
        ticket.refresh_from_db()
        assert ticket.estimate_seconds == seconds


def test_the_mornings_live_figures(hall, morning):
    now = figures.live(hall)
    assert (now.taken, now.waiting, now.served, now.no_shows) == (4, 1, 2, 1)
    assert now.no_show_rate == pytest.approx(1 / 3)
    assert now.average_wait == pytest.approx((360 + 600 + 1200) / 3, abs=1)
    assert now.average_service == pytest.approx(600, abs=1)
    # |estimate − wait|: A1 |0 − 360|, B1 |0 − 600|, A2 |300 − 1200|
    assert now.error_today.n == 3
    assert now.error_today.median == pytest.approx(600, abs=1)
    assert now.error_today.p90 == pytest.approx(900, abs=1)
    assert now.error_30_days.median == pytest.approx(600, abs=1)
    waiting = {c.letter: (c.waiting, c.longest_wait) for c in now.categories}
    assert waiting["C"][0] == 1 and waiting["C"][1] == pytest.approx(600, abs=1)
    assert waiting["A"] == (0, None)
    assert now.longest_wait == pytest.approx(600, abs=1)
    assert now.ratings == 1 and now.satisfaction == 1


def test_a_window_counts_what_it_served_and_its_ratings(hall, morning, staff):
    windows = {w.number: w for w in figures.live(hall).windows}
    assert windows[2].served == 2 and windows[2].staff == staff["window-2"].display_name
    assert (windows[2].ratings, windows[2].satisfaction) == (1, 1)
    assert windows[3].served == 0 and windows[3].ratings == 0
    assert [w.status for w in windows.values()] == ["open", "open", "open"]


def test_the_live_figures_cost_a_fixed_number_of_queries(
    hall, morning, django_assert_max_num_queries
):
    # categories, waiting per category, the day, the error today (count + 2 ranks), over 30
    # days (count + 2 ranks), served per window, ratings per window, windows, ratings today
    with django_assert_max_num_queries(14):
        figures.live(hall)


def test_the_daily_rollup_keeps_the_mornings_figures(hall, morning):
    rollups.refresh(MONDAY)
    row = HallDailyRollup.objects.get(hall=hall, day=MONDAY)
    assert (row.taken, row.served, row.no_shows, row.waited) == (4, 2, 1, 3)
    assert row.wait_seconds == pytest.approx(2160, abs=2)
    assert row.service_seconds == pytest.approx(1200, abs=2)
    assert (row.estimate_error_median, row.estimate_error_p90) == (600, 900)
    assert (row.ratings, row.ratings_satisfied, row.rating_points) == (1, 1, 5)
    assert row.place_path == hall.org_path


def test_the_supervision_dashboard_shows_the_halls_in_scope(hall, morning, user_named):
    rollups.refresh(MONDAY)
    period = supervision.Period(MONDAY, MONDAY)
    shown = supervision.halls(user_named("supervisor"), period)
    assert [(h.name, h.taken, h.served) for h in shown] == [(hall.name, 4, 2)]
    assert shown[0].average_wait == pytest.approx(720, abs=1)
    street_supervisor = user_named("street-supervisor")  # 和平街道: not the district centre
    assert supervision.halls(street_supervisor, period) == []


def test_the_dashboard_page_has_the_hall_table(client, hall, morning, user_named):
    rollups.refresh(MONDAY)
    client.force_login(user_named("supervisor"))
    page = client.get("/workbench/supervision/?period=custom&from=2025-03-03&to=2025-03-03")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="hall-figures"' in body and hall.name in body


# --- the page -------------------------------------------------------------------------------


def test_the_hall_manager_sees_the_hall_now_and_its_history(client, hall, morning, user_named):
    client.force_login(user_named("hall-manager"))
    page = client.get(f"/workbench/hall/{hall.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-figure="waiting">1<' in body
    assert 'data-figure="served">2<' in body
    assert "33.3%" in body  # the no-show rate
    assert 'id="hall-chart-data"' in body and "hall-history" in body
    live = client.get(f"/workbench/hall/{hall.pk}/", headers={"HX-Request": "true"})
    assert live.status_code == 200 and "hall-history" not in live.content.decode()


@pytest.mark.parametrize("outsider", ["street-window", "citizen", "clerk"])
def test_others_get_a_404(client, hall, staff, user_named, outsider):
    client.force_login(user_named(outsider))
    assert client.get(f"/workbench/hall/{hall.pk}/").status_code == 404


def test_the_halls_window_staff_may_look(client, hall, staff):
    client.force_login(staff["window-1"])
    assert client.get(f"/workbench/hall/{hall.pk}/").status_code == 200
