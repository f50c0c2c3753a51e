"""Retried POSTs with the same Idempotency-Key do not duplicate."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from yiwang.api import idempotency
from yiwang.api.models import IdempotencyRecord
from yiwang.identity.models import User

from .conftest import VALID_REGISTRATION

URL = "/api/v1/citizens"


def register(api, key, data=VALID_REGISTRATION, **extra):
    return api.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


def test_same_key_twice_creates_one_user_and_answers_the_same(api, db):
    first = register(api, "k-1")
    second = register(api, "k-1")
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="liubei").count() == 1


def test_without_a_key_a_retry_is_a_new_request(api, db):
    assert api.post(URL, VALID_REGISTRATION, format="json").status_code == 201
    retry = api.post(URL, VALID_REGISTRATION, format="json")
    assert retry.json()["errors"]["username"][0]["code"] == "username_taken"


def test_same_key_with_another_body_is_refused(api, db):
    register(api, "k-1")
    response = register(api, "k-1", {**VALID_REGISTRATION, "username": "guanyu"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_key_reused"
    assert not User.objects.filter(username="guanyu").exists()


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_an_empty_or_overlong_key_is_invalid(api, db, key):
    response = register(api, key)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert not User.objects.exists()


def test_a_key_of_255_characters_is_fine(api, db):
    assert register(api, "x" * 255).status_code == 201


def test_a_refused_request_is_not_kept_so_the_retry_may_succeed(api, db):
    refused = register(api, "k-1", {**VALID_REGISTRATION, "id_number": "110101199003077775"})
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert register(api, "k-1").status_code == 201


def test_keys_belong_to_their_owner(api, db):
    register(api, "k-1")
    # Another client (address) with the same key is a different request, not a replay.
    other = register(api, "k-1", REMOTE_ADDR="10.2.3.4")
    assert other.status_code == 400
    assert other.json()["errors"]["username"][0]["code"] == "username_taken"


def test_signed_in_users_own_their_keys(api, demo, user_named):
    api.force_authenticate(user_named("citizen"))
    record_owner = f"user:{user_named('citizen').pk}"
    register(api, "k-1")
    assert IdempotencyRecord.objects.get(key="k-1").owner == record_owner


def test_expired_records_are_purged(api, db):
    register(api, "k-1")
    later = timezone.now() + datetime.timedelta(hours=25)
    assert idempotency.purge_expired(now=later) == 1
    assert not IdempotencyRecord.objects.exists()


def test_an_expired_key_may_be_used_again(api, db):
    register(api, "k-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    response = register(api, "k-1", {**VALID_REGISTRATION, "username": "guanyu"})
    assert response.json()["errors"]["id_number"][0]["code"] == "id_number_taken"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers, so there is no race to test",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_have_one_effect(monkeypatch):
    from django.db import connections
    from rest_framework.test import APIClient

    from yiwang.identity.api import CitizenRegistration

    monkeypatch.setattr(CitizenRegistration, "throttle_classes", [])
    start = threading.Barrier(10)
    responses = []

    def attempt():
        try:
            start.wait()
            responses.append(register(APIClient(), "same-key"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert User.objects.filter(username="liubei").count() == 1
    assert [r.status_code for r in responses] == [201] * 10
    assert len({r.content for r in responses}) == 1
    assert IdempotencyRecord.objects.count() == 1
