"""The window's own service step (yiwang.halls.services.link_case): the case opened at the
window for the citizen being served is linked to their number, once service has started,
by the window's staff; audited and its cost pinned."""

import pytest
from django.core.exceptions import ValidationError

from tests.catalog.conftest import small_catalog  # noqa: F401 — a fixture
from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.halls import services
from yiwang.halls.models import Ticket, TicketChannel


@pytest.fixture
def case(small_catalog, user_named):  # noqa: F811 — the fixture above
    """企业设立登记 filed at the centre by its clerk for the demo citizen."""
    from yiwang.journey.cases import services as cases

    item = small_catalog["SCJ-XK-0001"]
    return cases.start_case(
        item.published_id, by=user_named("clerk"), applicant=user_named("citizen")
    )


@pytest.fixture
def called(case, hall, category, staffed, staff):
    services.take_ticket(hall, category["A"], channel=TicketChannel.KIOSK)
    return services.call_next(staffed[2], by=staff["window-2"])


def test_the_case_is_linked_once_service_started(called, case, staff):
    with pytest.raises(ValidationError) as refused:
        services.link_case(called, by=staff["window-2"], case=case)
    assert refused.value.code == "ticket_not_serving"
    services.start_service(called, by=staff["window-2"])
    services.link_case(called, by=staff["window-2"], case=case)
    assert Ticket.objects.get(pk=called.pk).case == case
    assert AuditEvent.objects.get(action="hall.case_linked").summary["case"] == case.pk


def test_only_the_windows_staff_link_a_case(called, case, staff):
    services.start_service(called, by=staff["window-2"])
    with pytest.raises(ValidationError) as refused:
        services.link_case(called, by=staff["window-1"], case=case)
    assert refused.value.code == "not_your_window"


def test_linking_a_case_costs_a_fixed_number_of_statements(called, case, staff):
    clerk = staff["window-2"]
    services.start_service(called, by=clerk)
    fresh(clerk)
    # Savepoint; the ticket locked with its hall, window and category; the grants; the
    # update; the audit event; release.
    with exactly(6, "link_case"):
        services.link_case(called, by=clerk, case=case)
