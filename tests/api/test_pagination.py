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
