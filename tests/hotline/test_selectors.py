"""Reading the 12345 line: queues scoped by the policy, without a query per row; finding one
appeal for its citizen, a tracking key, a phone, or a staff member (docs/hotline.md)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tests.hotline import factories
from tests.hotline.factories import CGW, DONGFENG, SCJ, ZJW, make_appeal, make_citizen, org, record
from tests.statements import fresh
from yiwang.hotline import selectors, services
from yiwang.hotline.models import AppealStatus, Channel
from yiwang.identity.roles import Role

pytestmark = pytest.mark.django_db


def ids(queryset):
    return {appeal.pk for appeal in queryset}


def test_the_dispatcher_sees_the_whole_line_and_others_do_not(line, subject):
    pending = record(line)
    dispatched = make_appeal("dispatched", line=line, subject=subject)
    assert ids(selectors.for_dispatcher(line.dispatcher)) >= {pending.pk, dispatched.pk}
    assert ids(selectors.for_dispatcher(line.dispatcher, status="pending")) >= {pending.pk}
    assert dispatched.pk not in ids(selectors.for_dispatcher(line.dispatcher, status="pending"))
    for outsider in (line.agent, line.handler, line.supervisor, line.citizen):
        assert not ids(selectors.for_dispatcher(outsider))


def test_a_unit_sees_what_it_leads_or_assists_and_nothing_else(line, subject):
    led = make_appeal("dispatched", line=line, subject=subject)
    assisted = make_appeal("dispatched", line=line, subject=subject, lead=ZJW, assisting=[CGW])
    other = make_appeal("dispatched", line=line, subject=subject, lead=ZJW)
    pending = record(line)
    mine = ids(selectors.for_unit(line.handler))
    assert {led.pk, assisted.pk} <= mine and not mine & {other.pk, pending.pk}
    # And what the queue lists, the policy agrees with.
    assert selectors.load_for(line.handler, "hotline.handle", assisted.pk) == assisted
    with pytest.raises(Http404):
        selectors.load_for(line.handler, "hotline.view", other.pk)
    stranger = factories.make_user(role=Role.HANDLER, at=SCJ)
    assert not ids(selectors.for_unit(stranger))
    assert not ids(selectors.for_unit(line.dispatcher))


def test_a_queue_reads_its_rows_in_one_statement(line, subject):
    for _ in range(3):
        make_appeal("dispatched", line=line, subject=subject)
    fresh(line.dispatcher, line.handler)
    for queue in (selectors.for_dispatcher(line.dispatcher), selectors.for_unit(line.handler)):
        with CaptureQueriesContext(connection) as queries:
            rows = [(a.number, a.subject.name, a.lead_unit.name, a.area.name) for a in queue[:20]]
        assert len(rows) >= 3
        assert len(queries) <= 2  # the grants (once per request) and the page


def test_supervisors_watch_through_the_lead_unit_and_the_area(line, subject):
    heping = make_appeal("dispatched", line=line, subject=subject)  # 青年湖社区, 和平街道
    dongfeng = make_appeal("dispatched", line=line, subject=subject, area=org(DONGFENG))
    assert selectors.load_for(line.supervisor, "hotline.view", dongfeng.pk) == dongfeng
    assert selectors.load_for(line.street_supervisor, "hotline.view", heping.pk) == heping
    with pytest.raises(Http404):
        selectors.load_for(line.street_supervisor, "hotline.view", dongfeng.pk)


def test_load_for_is_404_to_outsiders_and_403_to_those_who_see_it(line, subject):
    appeal = make_appeal("dispatched", line=line, subject=subject)
    with pytest.raises(PermissionDenied):
        selectors.load_for(line.agent, "hotline.dispatch", appeal.pk)
    with pytest.raises(Http404):
        selectors.load_for(line.citizen, "hotline.view", appeal.pk)
    with pytest.raises(Http404):
        selectors.load_for(line.dispatcher, "hotline.view", "12abc")
    assert selectors.load_for(line.dispatcher, "hotline.dispatch", str(appeal.pk)) == appeal


def test_the_citizen_finds_their_own_appeal_by_its_number(line):
    appeal = record(line, by=line.citizen, channel=Channel.WEB)
    assert selectors.appeal_for_citizen(line.citizen, appeal.number) == appeal
    for who, number in [
        (make_citizen(), appeal.number),  # someone else
        (line.citizen, str(appeal.pk)),  # not a number
        (line.citizen, "19990101" + f"{appeal.pk:06d}"),  # the wrong day
        (line.citizen, "２０２６０３０２" + f"{appeal.pk:06d}"),  # full-width digits
    ]:
        with pytest.raises(Http404):
            selectors.appeal_for_citizen(who, number)


def test_a_caller_tracks_by_number_and_token_or_phone(line):
    appeal = record(line, phone="13755556666")
    assert selectors.appeal_by_token(appeal.number, appeal.token) == appeal
    assert selectors.appeal_by_token(appeal.number, "nope") is None
    assert selectors.appeal_by_token(appeal.number, "") is None
    assert selectors.appeal_for_tracking(appeal.number, "137-5555-6666") == appeal
    assert selectors.appeal_for_tracking(appeal.number, "13755556667") is None
    assert selectors.appeal_for_tracking(appeal.number, "\x00") is None
    assert selectors.appeal_for_tracking("20260302", "13755556666") is None


def test_the_caller_history_is_by_phone_newest_first(line):
    first = record(line, phone="13788889999")
    second = record(line, phone="13788889999", text="第二次来电反映另一个问题，路灯不亮。")
    record(line, phone="13788880000")
    assert selectors.caller_history("13788889999") == [second, first]
    assert selectors.caller_history("13788889999", limit=1) == [second]
    assert selectors.caller_history("not a phone") == []


def test_the_public_timeline_leaves_out_internal_entries(line, subject):
    appeal = make_appeal("dispatched", line=line, subject=subject)
    appeal = services.return_appeal(appeal, by=line.handler, reason="请改派街道")
    services.add_note(appeal, by=line.dispatcher, text="改派前先电话核实地址")
    public = selectors.timeline(appeal, public=True)
    everything = selectors.timeline(appeal, public=False)
    assert all(not e.internal for e in public)
    assert len(everything) > len(public)
    assert "请改派街道" not in " ".join(e.text for e in public)
    assert appeal.status == AppealStatus.PENDING
