"""The API under concurrent requests, on PostgreSQL where they really run at the same time
(SQLite serialises writers). Each thread has its own database connection and closes it."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from yiwang.catalog.models import ItemVersion
from yiwang.demo.forms import fill_in
from yiwang.journey.cases import services
from yiwang.journey.cases.models import Case, CaseMaterial

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so there is no race to test",
    ),
]

ITEM = "SCJ-XK-0005"
THREADS = 25  # two waves of 25: every connection busy at once, well under max_connections


@pytest.fixture
def citizen(demo_catalog, user_named):
    return user_named("citizen")


@pytest.fixture
def token(citizen):
    from yiwang.identity.services import issue_api_token

    return issue_api_token(citizen)


def run_together(count: int, request) -> list:
    """Call request(n) for n in range(count) from THREADS threads that start together."""
    results: list = [None] * count
    start = threading.Barrier(min(THREADS, count))

    def worker(numbers):
        try:
            start.wait()
            for n in numbers:
                results[n] = request(n)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(range(t, count, THREADS),))
        for t in range(min(THREADS, count))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def client_for(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_fifty_concurrent_submits_give_fifty_distinct_numbers(citizen, token):
    version = ItemVersion.objects.get(item__code=ITEM, status="published")
    drafts = []
    for _ in range(50):
        case = services.start_case(version.pk, by=citizen)
        fill_in(case, citizen)
        for material in case.materials.exclude(state__in=services.NOT_ASKED):
            services.provide_at_window(material.pk, by=citizen)
        drafts.append(case.pk)

    def submit(n):
        response = client_for(token).post(f"/api/v1/cases/{drafts[n]}/submit")
        return response.status_code, response.json().get("number")

    results = run_together(50, submit)
    assert [status for status, _number in results] == [200] * 50
    numbers = [number for _status, number in results]
    assert len(set(numbers)) == 50
    assert set(Case.objects.values_list("number", flat=True)) == set(numbers)
    assert not CaseMaterial.objects.filter(state=CaseMaterial.State.MISSING).exists()


def test_one_idempotency_key_sent_ten_times_at_once_creates_one_case(citizen, token):
    def create(_n):
        response = client_for(token).post(
            "/api/v1/cases", {"item": ITEM}, format="json", HTTP_IDEMPOTENCY_KEY="tap-tap-tap"
        )
        return response.status_code, response.content

    results = run_together(10, create)
    assert {status for status, _body in results} == {201}
    assert len({body for _status, body in results}) == 1  # every answer is the first one
    assert Case.objects.count() == 1
