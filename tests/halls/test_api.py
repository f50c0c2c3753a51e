"""The hall over the API (yiwang.halls.api): kiosks and phones take numbers without signing
in, follow them by token, and window staff call and serve them; errors are problem+json
with the services' codes."""

import datetime

import pytest
import time_machine

from tests.halls.conftest import SHANGHAI, id_number
from yiwang.halls import api as hall_api
from yiwang.halls.models import Ticket

OLD = id_number(datetime.date(1950, 5, 1))


def take(client, hall, category, headers=None, **body):
    return client.post(
        f"/api/v1/halls/{hall.pk}/tickets",
        {"category": category.pk, **body},
        format="json",
        **(headers or {}),
    )


def test_anyone_lists_the_halls_and_their_categories(api, hall, category, open_monday):
    halls = api.get("/api/v1/halls").json()["results"]
    centre = next(h for h in halls if h["id"] == hall.pk)
    assert centre["name"] == "示范区政务服务中心" and centre["open_now"] is True
    assert centre["schedule"]["6"] == [["09:00", "12:00"], ["14:00", "16:00"]]
    take(api, hall, category["A"])
    rows = api.get(f"/api/v1/halls/{hall.pk}/categories").json()
    assert [(r["letter"], r["name"], r["waiting"]) for r in rows] == [
        ("A", "市场准入", 1),
        ("B", "社会保障", 0),
        ("C", "不动产", 0),
    ]


def test_a_kiosk_takes_a_number_and_a_retry_does_not_take_a_second(
    api, hall, category, open_monday
):
    headers = {"HTTP_IDEMPOTENCY_KEY": "kiosk-7-0001"}
    first = take(api, hall, category["A"], headers, id_number=OLD)
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["number"], body["priority"], body["status"]) == ("A001", True, "waiting")
    assert body["ahead"] == 0 and body["token"]
    again = take(api, hall, category["A"], headers, id_number=OLD)
    assert again.json()["number"] == "A001" and again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


def test_the_ticket_page_shows_the_place_in_the_queue_and_nothing_personal(
    api, hall, category, open_monday
):
    take(api, hall, category["A"])
    young = id_number(datetime.date(1990, 1, 1))
    mine = take(api, hall, category["A"], id_number=young, phone="13900000001")
    page = api.get("/api/v1/tickets/by-token", {"token": mine.json()["token"]}).json()
    assert (page["number"], page["ahead"], page["status_display"]) == ("A002", 1, "等候中")
    assert page["estimated_wait_seconds"] == 600  # 10 minutes, one ahead, no window open
    assert "1390000" not in str(page) and young not in str(page) and "token" not in page
    missing = api.get("/api/v1/tickets/by-token", {"token": "nope"})
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_refusals_are_problems_with_stable_codes(api, hall, category, open_monday):
    wrong = take(api, hall, category["A"], id_number=OLD[:-1] + ("1" if OLD[-1] != "1" else "2"))
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "id_number_checksum"
    claimed = take(api, hall, category["A"], lane_claims=["pregnant"])
    assert claimed.status_code == 403
    with time_machine.travel(datetime.datetime(2025, 10, 1, 10, 0, tzinfo=SHANGHAI)):
        closed = take(api, hall, category["A"])
    assert (closed.status_code, closed.json()["code"]) == (409, "hall_closed")


def test_anonymous_numbers_are_rate_limited(api, hall, category, open_monday, monkeypatch):
    monkeypatch.setattr(hall_api.TicketThrottle, "rate", "2/min")
    assert [take(api, hall, category["A"]).status_code for _ in range(3)] == [201, 201, 429]


def test_window_staff_call_serve_and_finish_through_the_api(api_as, hall, category, staffed, staff):
    clerk = api_as("window-2")
    client = api_as("citizen")
    assert take(client, hall, category["A"]).status_code == 201
    called = clerk.post(f"/api/v1/windows/{staffed[2].pk}/call-next")
    assert called.status_code == 200, called.content
    ticket = called.json()
    assert (ticket["number"], ticket["window"], ticket["status"]) == ("A001", 2, "called")
    for step in ("recall", "start", "finish"):
        answer = clerk.post(f"/api/v1/tickets/{ticket['id']}/{step}")
        assert answer.status_code == 200, (step, answer.content)
    assert answer.json()["status"] == "done"
    assert clerk.post(f"/api/v1/windows/{staffed[2].pk}/call-next").status_code == 204
    paused = clerk.post(f"/api/v1/windows/{staffed[2].pk}/pause")
    assert paused.json()["status"] == "paused"


def test_staff_act_only_at_their_window_and_outsiders_not_at_all(
    api_as, api, hall, category, staffed, staff
):
    take(api, hall, category["A"])
    other = api_as("window-3").post(f"/api/v1/windows/{staffed[2].pk}/call-next")
    assert (other.status_code, other.json()["code"]) == (403, "not_your_window")
    street = api_as("street-window").post(f"/api/v1/windows/{staffed[2].pk}/call-next")
    assert street.status_code == 404
    citizen = api_as("citizen").post(f"/api/v1/windows/{staffed[2].pk}/call-next")
    assert citizen.status_code == 404


def test_a_number_is_transferred_to_another_category(api_as, api, hall, category, staffed):
    take(api, hall, category["A"])
    clerk = api_as("window-2")
    ticket = clerk.post(f"/api/v1/windows/{staffed[2].pk}/call-next").json()
    moved = clerk.post(
        f"/api/v1/tickets/{ticket['id']}/transfer", {"category": category["B"].pk}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert (moved.json()["status"], moved.json()["category"]["letter"]) == ("waiting", "B")
    busy_free = clerk.post(f"/api/v1/windows/{staffed[2].pk}/close")
    assert busy_free.json()["status"] == "closed"


@pytest.mark.parametrize("username", ["window-1", "hall-manager"])
def test_hall_staff_see_the_windows(api_as, hall, staffed, username):
    rows = api_as(username).get(f"/api/v1/halls/{hall.pk}/windows").json()
    assert [(w["number"], w["status"]) for w in rows] == [(1, "open"), (2, "open"), (3, "open")]
