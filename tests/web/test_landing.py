"""Where staff land after signing in (yiwang.web.landing)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.web import landing


@pytest.mark.parametrize(
    ("username", "queue"),
    [
        ("clerk", "intake_queue"),
        ("approver", "task_inbox"),
        ("issuer", "result_queue"),
        ("supervisor", "supervision_dashboard"),
        ("catalog-admin", "catalog_workbench"),
        ("hall-manager", "my_hall"),  # the figures of the hall they manage
        ("window-1", "window_workbench"),
        ("hotline-agent", "hotline_console"),
        ("dispatcher", "hotline_dispatch_queue"),
        ("handler-cgw", "hotline_unit_queue"),
    ],
)
def test_before_opening_a_queue_staff_land_on_their_roles_main_one(
    demo, user_named, username, queue
):
    assert landing.queue_for(user_named(username)) == queue


def test_a_remembered_queue_the_roles_no_longer_open_is_ignored(demo, user_named):
    clerk = user_named("clerk")
    clerk.last_queue = "supervision_dashboard"
    assert landing.queue_for(clerk) == "intake_queue"


def test_opening_a_queue_costs_one_update_then_none(client, demo, user_named):
    chief = user_named("chief")
    client.force_login(chief)
    client.get("/workbench/tasks/department/")  # warm up: sessions, caches
    chief.refresh_from_db()
    assert chief.last_queue == "task_department"

    client.get("/workbench/tasks/")
    with CaptureQueriesContext(connection) as opened:
        client.get("/workbench/tasks/department/")
    updates = [q["sql"] for q in opened if "last_queue" in q["sql"] and "UPDATE" in q["sql"]]
    assert len(updates) == 1
    with CaptureQueriesContext(connection) as again:
        client.get("/workbench/tasks/department/")
    assert not [q for q in again if "last_queue" in q["sql"] and "UPDATE" in q["sql"]]


def test_a_citizen_signs_in_to_the_home_page(client, demo):
    response = client.post("/login/", {"username": "citizen", "password": "yiwang-demo"})
    assert response.status_code == 302 and response.url == "/"


def test_staff_sign_in_to_their_queue(client, demo):
    response = client.post("/login/", {"username": "issuer", "password": "yiwang-demo"})
    assert response.url == "/workbench/start/"
    assert client.get(response.url).url == "/workbench/results/"


def test_the_hall_manager_signs_in_to_their_halls_figures(client, demo):
    from yiwang.halls import services as halls
    from yiwang.halls.models import Hall

    halls.sync_halls()
    centre = Hall.objects.get(org__code="990101-ZWZX")
    response = client.post("/login/", {"username": "hall-manager", "password": "yiwang-demo"})
    response = client.get(response.url, follow=True)
    assert response.redirect_chain[-1][0] == f"/workbench/hall/{centre.pk}/"
    page = response.content.decode()
    # The nav: the figures (this page) beside the hall's settings.
    assert f'href="/workbench/hall/{centre.pk}/" aria-current="page">大厅实况</a>' in page
    assert f'href="/workbench/hall/{centre.pk}/settings/"' in page
