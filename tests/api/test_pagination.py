"""Long lists stop counting at 1,000 rows: a page over a million cases costs what a page
over ten thousand does, and says that the count is capped."""

import pytest

from yiwang.api.pagination import COUNT_CAP, CappedPaginator
from yiwang.notify.models import Message


@pytest.mark.django_db
def test_a_long_list_counts_to_the_cap_and_says_so():
    Message.objects.bulk_create(
        Message(channel="sms", address="13800000009", body=str(n)) for n in range(COUNT_CAP + 5)
    )
    paginator = CappedPaginator(Message.objects.order_by("pk"), 20)
    assert paginator.count == COUNT_CAP + 1 and paginator.capped
    assert [m.body for m in paginator.page(2)] == [str(n) for n in range(20, 40)]


@pytest.mark.django_db
def test_a_short_list_counts_exactly():
    Message.objects.bulk_create(Message(channel="sms", body=str(n)) for n in range(3))
    paginator = CappedPaginator(Message.objects.order_by("pk"), 2)
    assert paginator.count == 3 and not paginator.capped


# What a client sending ?page= and ?page_size= notices (the schema says page ≥ 1 and
# 1 ≤ page_size ≤ 100; each value outside that is refused naming the parameter).


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"page": 0}, "page", "min_value"),
        ({"page": "last"}, "page", "invalid"),
        ({"page_size": "null"}, "page_size", "invalid"),
        ({"page_size": 0}, "page_size", "min_value"),
        ({"page_size": 101}, "page_size", "max_value"),
    ],
)
def test_a_page_or_page_size_out_of_bounds_is_refused(api, db, query, field, code):
    response = api.get("/api/v1/themes", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["code"] for e in response.json()["errors"][field]] == [code]


def test_empty_page_parameters_mean_the_defaults(api, db):
    response = api.get("/api/v1/themes", {"page": "", "page_size": ""})
    assert response.status_code == 200 and response.json()["previous"] is None
