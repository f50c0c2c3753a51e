"""The 12345 line's services (docs/hotline.md, "Appeals: the line's only door"): each
state change, its refusals, its timeline and its statement count."""

import datetime

import pytest

from tests.hotline import factories
from tests.hotline.factories import CGW, ZJW, make_appeal, org, record
from yiwang.core.machines import TransitionError
from yiwang.core.models import DomainEvent
from yiwang.hotline import selectors, services
from yiwang.hotline.models import (
    Appeal,
    AppealStatus,
    AppealUnit,
    EntryKind,
    UnitStatus,
)
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db


def kinds(appeal, *, public=False):
    return [e.kind for e in selectors.timeline(appeal, public=public)]


# --- intake ------------------------------------------------------------------------------------


def test_an_agent_records_a_call(line, subject):
    appeal = record(line, subject=subject, caller_name="王先生", phone="13812345678")
    assert appeal.status == AppealStatus.PENDING
    assert appeal.token and Appeal.hash_token(appeal.token) == appeal.token_hash
    assert appeal.phone == "13812345678" and appeal.caller_name == "王先生"
    assert appeal.recorded_by == line.agent
    assert appeal.area_path == org(factories.QINGNIANHU).path
    assert kinds(appeal) == [EntryKind.RECEIVED]
    assert DomainEvent.objects.filter(kind="appeal.received", aggregate_id=appeal.pk).exists()


def test_a_number_is_the_day_and_the_id(line):
    appeal = record(line)
    assert appeal.number == f"20260302{appeal.pk:06d}"


def test_dispatch_sets_units_and_deadlines_on_the_working_day_calendar(line, subject):
    appeal = record(line)
    appeal = services.dispatch(
        appeal, by=line.dispatcher, subject=subject, lead=org(CGW), assisting=[org(ZJW)]
    )
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.unit_path == org(CGW).path
    # Monday 2 March 2026: accept by Wednesday, due 5 working days later (Monday 9 March).
    assert appeal.accept_by == datetime.date(2026, 3, 4)
    assert appeal.due_on == datetime.date(2026, 3, 9)
    assert not appeal.due_provisional
    units = {(u.org.code, u.role, u.status) for u in AppealUnit.objects.filter(appeal=appeal)}
    assert units == {(CGW, "lead", "dispatched"), (ZJW, "assist", "dispatched")}
    told = set(
        Message.objects.filter(subject__contains=appeal.number).values_list("recipient", flat=True)
    )
    assert {line.handler.pk, line.handler2.pk} <= told


def test_the_lead_unit_accepts_and_handling_starts(line, subject):
    appeal = make_appeal("dispatched", line=line, subject=subject, assisting=[ZJW])
    appeal = services.accept(appeal, by=line.handler)
    assert appeal.status == AppealStatus.HANDLING and appeal.accepted_at
    appeal = services.accept(appeal, by=line.handler2)  # the assisting unit's part only
    assert appeal.status == AppealStatus.HANDLING
    assert set(AppealUnit.objects.filter(appeal=appeal).values_list("status", flat=True)) == {
        UnitStatus.ACCEPTED
    }
    with pytest.raises(TransitionError):
        services.accept(appeal, by=line.handler)
