"""Appointments over the API (yiwang.halls.api_appointments): anyone reads the slots, a
citizen books (a retry with the same Idempotency-Key books once), lists, moves and cancels
their appointments, and checks in at the hall for a priority ticket; refusals are problems
with the services' codes."""

import pytest

from tests.halls.booking import at
from yiwang.halls.models import Appointment, Ticket
from yiwang.identity.models import User

TEN = at(2025, 3, 4, 10, 0)


@pytest.fixture
def citizen_api(api_as, hall):
    return api_as("citizen")


def book(client, category, starts_at=TEN, headers=None, **body):
    return client.post(
        "/api/v1/appointments",
        {"category": category.pk, "starts_at": starts_at.isoformat(), **body},
        format="json",
        **(headers or {}),
    )


def test_anyone_reads_the_slots_of_a_day(api, hall, category, monday):
    response = api.get(
        f"/api/v1/halls/{hall.pk}/slots", {"category": category["A"].pk, "day": "2025-03-04"}
    )
    assert response.status_code == 200
    rows = response.json()
    assert rows[0]["label"] == "09:00-09:30" and rows[0]["left"] == 6
    assert rows[0]["starts_at"] == "2025-03-04T09:00:00+08:00"
    later = api.get(
        f"/api/v1/halls/{hall.pk}/slots", {"category": category["A"].pk, "day": "2025-03-20"}
    )
    assert later.json() == []  # beyond the seven days one may book ahead
    bad = api.get(f"/api/v1/halls/{hall.pk}/slots", {"category": category["A"].pk})
    assert bad.status_code == 400


def test_a_citizen_books_once_whatever_the_retries(citizen_api, hall, category, item, monday):
    headers = {"HTTP_IDEMPOTENCY_KEY": "app-booking-1"}
    first = book(citizen_api, category["A"], headers=headers, item=item.code)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "booked" and body["item"] == item.code and len(body["code"]) == 8
    again = book(citizen_api, category["A"], headers=headers, item=item.code)
    assert again.json()["id"] == body["id"]
    assert Appointment.objects.count() == 1
    listed = citizen_api.get("/api/v1/appointments").json()["results"]
    assert [a["code"] for a in listed] == [body["code"]]


def test_anonymous_cannot_book(api, hall, category, monday):
    assert book(api, category["A"]).status_code in (401, 403)


def test_a_refusal_is_a_problem_with_its_code(citizen_api, hall, category, item, monday):
    book(citizen_api, category["A"], item=item.code)
    second = book(citizen_api, category["A"], at(2025, 3, 5, 10, 0), item=item.code)
    assert second.status_code == 409
    assert second.json()["code"] == "appointment_exists"
    assert second["Content-Type"].startswith("application/problem+json")
    gone = book(citizen_api, category["B"], at(2025, 3, 3, 9, 0))
    assert (gone.status_code, gone.json()["code"]) == (409, "slot_unavailable")


def test_moving_and_cancelling(citizen_api, api_as, hall, category, item, monday):
    pk = book(citizen_api, category["A"], item=item.code).json()["id"]
    moved = citizen_api.post(
        f"/api/v1/appointments/{pk}/reschedule",
        {"starts_at": at(2025, 3, 5, 15, 0).isoformat()},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["day"] == "2025-03-05"
    other = api_as("citizen2").post(f"/api/v1/appointments/{pk}/cancel")
    assert other.status_code == 404
    cancelled = citizen_api.post(f"/api/v1/appointments/{pk}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    again = citizen_api.post(f"/api/v1/appointments/{pk}/cancel")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_appointment_transition")


def test_checking_in_at_the_kiosk_by_code(api, citizen_api, hall, category, item, monday):
    code = book(citizen_api, category["A"], item=item.code).json()["code"]
    monday.move_to(at(2025, 3, 4, 9, 45))
    response = api.post(f"/api/v1/halls/{hall.pk}/check-in", {"code": code}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "A001" and body["priority"] is True and body["late"] is False
    assert body["token"]
    twice = api.post(f"/api/v1/halls/{hall.pk}/check-in", {"code": code}, format="json")
    assert (twice.status_code, twice.json()["code"]) == (409, "already_checked_in")
    wrong = api.post(f"/api/v1/halls/{hall.pk}/check-in", {"code": "ZZZZ2222"}, format="json")
    assert (wrong.status_code, wrong.json()["code"]) == (404, "appointment_not_found")


def test_an_id_number_does_not_check_in_for_an_outsider(api, citizen_api, hall, category, monday):
    """The ID number alone would tell anyone whether its holder booked here today, and when."""
    book(citizen_api, category["B"])
    monday.move_to(at(2025, 3, 4, 9, 50))
    number = User.objects.get(username="citizen").reveal_id_number()
    response = api.post(f"/api/v1/halls/{hall.pk}/check-in", {"id_number": number}, format="json")
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_a_signed_in_citizen_checks_in_without_the_code(citizen_api, hall, category, monday):
    book(citizen_api, category["B"])
    monday.move_to(at(2025, 3, 4, 9, 50))
    response = citizen_api.post(f"/api/v1/halls/{hall.pk}/check-in", {}, format="json")
    assert response.status_code == 201 and response.json()["number"] == "B001"
