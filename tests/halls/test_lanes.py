"""Priority lanes beyond the ID number (docs/halls.md, "Lanes and fairness"): a 残疾人证 found
in the e-licence library when its holder consents — at the kiosk and at the window — and
lanes hall staff confirm for a number already taken (`claim_lane`)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.halls.conftest import id_number
from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.catalog.models import LicenseType
from yiwang.halls import services
from yiwang.halls.models import Lane, LaneBasis, Ticket, TicketChannel, TicketStatus
from yiwang.identity.models import OrgUnit, User
from yiwang.licenses import services as licences
from yiwang.sharing.models import AccessLog

HX = {"HTTP_HX_REQUEST": "true"}
SEVENTY_ONE = id_number(datetime.date(1954, 1, 1))
CONSENT = "同意查询电子证照库中的残疾人证以优先办理"


@pytest.fixture
def disability_type(demo):
    """中华人民共和国残疾人证 as the demo catalogue defines it (license_types.csv)."""
    kind, _created = LicenseType.objects.get_or_create(
        code=services.DISABILITY_LICENSE_TYPE,
        defaults={
            "name": "中华人民共和国残疾人证",
            "issuer": OrgUnit.objects.get(code="990101-CLJ"),
            "holder_kind": LicenseType.HolderKind.PERSON,
            "validity_years": 10,
            "fields": ["姓名", "性别", "公民身份号码", "残疾类别", "残疾等级", "证号", "发证日期"],
        },
    )
    return kind


def _issue(kind, person, **changes):
    data = {
        "姓名": person.real_name,
        "性别": "女",
        "公民身份号码": person.reveal_id_number(),
        "残疾类别": "肢体残疾",
        "残疾等级": "三级",
        "证号": person.reveal_id_number() + "43",
        "发证日期": "2020年5月6日",
    }
    return licences.issue(
        kind,
        holder_person=person,
        data=data,
        by="test",
        issued_on=datetime.date(2020, 5, 6),
        valid_until=datetime.date(2030, 5, 5),
        notify_holder=False,
        **changes,
    )


@pytest.fixture
def holder(disability_type, user_named):
    """李四 (citizen2, born 1990), who holds a valid 残疾人证."""
    person = user_named("citizen2")
    _issue(disability_type, person)
    return person


def take(hall, category, **kwargs):
    """A number as the kiosk takes it; with the licence look-up, as window staff issue it (the
    look-up is theirs, the person present)."""
    if kwargs.get("licence_consent"):
        if "by" not in kwargs:
            kwargs["by"] = User.objects.get(username="window-1")
        kwargs.setdefault("channel", TicketChannel.STAFF)
    kwargs.setdefault("channel", TicketChannel.KIOSK)
    return services.take_ticket(hall, category, **kwargs)


# --- the 残疾人证, with consent -------------------------------------------------------------


def test_with_consent_a_valid_licence_puts_the_number_in_the_disabled_lane(
    hall, category, holder, open_monday
):
    ticket = take(hall, category["A"], id_number=holder.reveal_id_number(), licence_consent=True)
    assert (ticket.lane, ticket.lane_basis) == (Lane.DISABLED, LaneBasis.LICENSE)
    assert ticket.lane_reason == "残疾人（经本人同意查询，电子证照库中有有效的残疾人证）"
    # The holder reads the look-up in 谁查看了我的数据: who at the centre, and why.
    entry = AccessLog.objects.get(person=holder)
    assert (entry.staff.username, entry.org_name) == ("window-1", hall.name)
    assert entry.subject_masked == "电子证照：中华人民共和国残疾人证"
    assert entry.purpose == "大厅取号：核验残疾人证以优先办理（本人同意）"


def test_nothing_of_the_licence_is_kept_on_the_ticket(hall, category, holder, open_monday):
    licence = holder.licenses.get()
    ticket = take(hall, category["A"], id_number=holder.reveal_id_number(), licence_consent=True)
    row = Ticket.objects.filter(pk=ticket.pk).values().get()
    kept = " ".join(str(value) for value in row.values())
    for secret in (licence.number, licence.data["残疾类别"], licence.data["残疾等级"]):
        assert secret not in kept
    assert holder.reveal_id_number() not in kept


def test_without_consent_the_library_is_not_asked(hall, category, holder, open_monday):
    ticket = take(hall, category["A"], id_number=holder.reveal_id_number())
    assert ticket.lane == Lane.NORMAL
    assert not AccessLog.objects.exists()


def test_no_valid_licence_gives_a_normal_number_and_says_why(
    hall, category, disability_type, user_named, open_monday
):
    citizen = user_named("citizen")  # holds no 残疾人证
    ticket = take(hall, category["A"], id_number=citizen.reveal_id_number(), licence_consent=True)
    assert ticket.lane == Lane.NORMAL
    assert "电子证照库中没有查到您有效的残疾人证" in ticket.explanation
    # Asked all the same, so logged all the same.
    assert AccessLog.objects.filter(person=citizen).count() == 1


def test_a_revoked_licence_does_not_count(hall, category, holder, user_named, open_monday):
    licence = holder.licenses.get()
    licences.revoke(licence.pk, by=user_named("head-clj"), reason="重新评定不再符合残疾标准")
    ticket = take(hall, category["A"], id_number=holder.reveal_id_number(), licence_consent=True)
    assert ticket.lane == Lane.NORMAL


def test_the_library_is_not_asked_when_an_earlier_lane_already_applies(
    hall, category, disability_type, open_monday
):
    ticket = take(hall, category["A"], id_number=SEVENTY_ONE, licence_consent=True)
    assert ticket.lane == Lane.ELDERLY
    assert not AccessLog.objects.exists()


def test_the_look_up_is_refused_without_hall_staff(hall, category, holder, open_monday):
    with pytest.raises(PermissionDenied):
        services.take_ticket(
            hall,
            category["A"],
            channel=TicketChannel.KIOSK,
            id_number=holder.reveal_id_number(),
            licence_consent=True,
        )
    assert not Ticket.objects.exists()


def test_consent_without_an_id_number_is_a_clear_error(hall, category, open_monday):
    with pytest.raises(ValidationError) as refused:
        take(hall, category["A"], licence_consent=True)
    assert refused.value.code == "id_number_required"


def test_taking_a_number_with_consent_costs_a_fixed_number_of_statements(
    hall, category, holder, open_monday
):
    take(hall, category["A"])  # the day's counter row exists
    number = holder.reveal_id_number()
    clerk = User.objects.get(username="window-1")
    fresh(clerk)
    # Savepoint; the clerk's grants (hall staff); the library: the account of the ID number,
    # the licence type, the licence;
    # the centre's org; the access log in its savepoint (savepoint, insert, audit, release);
    # then as without consent: the person's waiting ticket; the tickets ahead (none: the
    # disabled lane is ahead of the normal number, so no service times are read); the
    # counter; the ticket; audit; domain event; release.
    with exactly(17, "take_ticket (with consent to the licence look-up)"):
        take(hall, category["A"], id_number=number, licence_consent=True, by=clerk)


def test_the_kiosk_never_looks_in_the_licence_library(client, hall, category, holder, open_monday):
    """Anyone at an unattended kiosk could type another person's ID number: the lane would
    tell whether that person holds a 残疾人证. The look-up is the window's, with the person there."""
    url = f"/hall/{hall.pk}/kiosk/"
    page = client.get(url, {"category": category["A"].pk})
    assert 'name="licence_consent"' not in page.text and "出示残疾人证" in page.text
    answer = client.post(
        url,
        {
            "category": category["A"].pk,
            "id_number": holder.reveal_id_number(),
            "licence_consent": "1",
        },
    )
    assert answer.status_code == 201
    assert Ticket.objects.get().lane != Lane.DISABLED
    assert not AccessLog.objects.filter(person=holder).exists()


def test_the_holder_sees_the_look_up_in_their_space(client, hall, category, holder, open_monday):
    take(hall, category["A"], id_number=holder.reveal_id_number(), licence_consent=True)
    client.force_login(holder)
    page = client.get("/my/data-access/")
    assert hall.name in page.text and "核验残疾人证以优先办理" in page.text


def test_window_staff_issue_a_number_with_the_persons_consent(
    client, hall, category, holder, staffed, staff
):
    client.force_login(staff["window-2"])
    answer = client.post(
        f"/workbench/window/{staffed[2].pk}/issue/",
        {
            "category": category["A"].pk,
            "id_number": holder.reveal_id_number(),
            "licence_consent": "1",
        },
        **HX,
    )
    ticket = Ticket.objects.get()
    assert (ticket.lane, ticket.channel) == (Lane.DISABLED, TicketChannel.STAFF)
    assert f"已为群众取号 {ticket.number}" in answer.text and "/hall/ticket/" in answer.text
    entry = AccessLog.objects.get(person=holder)
    assert (entry.staff, entry.org_name) == (staff["window-2"], hall.name)


def test_window_staff_issue_a_number_in_a_lane_they_confirmed(
    client, hall, category, staffed, staff
):
    client.force_login(staff["window-2"])
    page = client.get(f"/workbench/window/{staffed[2].pk}/")
    assert "代群众取号" in page.text and CONSENT in page.text
    answer = client.post(
        f"/workbench/window/{staffed[2].pk}/issue/",
        {"category": category["B"].pk, "lane_claims": [Lane.PREGNANT]},
    )
    assert answer.status_code == 201  # the page itself: the number's page is linked once
    ticket = Ticket.objects.get()
    assert (ticket.lane, ticket.lane_reason) == (Lane.PREGNANT, "工作人员核实：孕妇")
    assert "工作人员核实：孕妇" in answer.text


# --- lanes staff confirm for a number already taken -----------------------------------------


def test_staff_move_a_waiting_number_to_a_lane_keeping_its_time(hall, category, staffed, staff):
    first = take(hall, category["A"])
    second = take(hall, category["A"])
    claimed = services.claim_lane(second, Lane.SERVICEMAN, by=staff["window-2"])
    assert (claimed.lane, claimed.lane_reason) == (Lane.SERVICEMAN, "工作人员核实：军人")
    assert Ticket.objects.get(pk=second.pk).taken_at == second.taken_at
    event = AuditEvent.objects.get(action="hall.lane_claimed")
    assert event.summary == {"number": second.number, "lane": "serviceman", "from": "normal"}
    # Called before the number taken earlier in the normal lane.
    assert services.call_next(staffed[2], by=staff["window-2"]).pk == second.pk
    assert first.lane == Lane.NORMAL


def test_a_claim_never_moves_a_number_back_nor_a_finished_one(hall, category, staffed, staff):
    elderly = take(hall, category["A"], id_number=SEVENTY_ONE)
    with pytest.raises(ValidationError) as refused:
        services.claim_lane(elderly, Lane.PREGNANT, by=staff["window-2"])
    assert refused.value.code == "lane_not_earlier"
    with pytest.raises(ValidationError) as refused:
        services.claim_lane(elderly, Lane.ELDERLY, by=staff["window-2"])
    assert refused.value.code == "lane_not_claimable"
    Ticket.objects.filter(pk=elderly.pk).update(status=TicketStatus.DONE)
    with pytest.raises(ValidationError) as refused:
        services.claim_lane(elderly, Lane.DISABLED, by=staff["window-2"])
    assert refused.value.code == "ticket_not_in_hall"


def test_only_the_halls_staff_confirm_a_lane(hall, category, staff, user_named, open_monday):
    ticket = take(hall, category["A"])
    with pytest.raises(Http404):
        services.claim_lane(ticket, Lane.PREGNANT, by=staff["street-window"])
    with pytest.raises(Http404):
        services.claim_lane(ticket, Lane.PREGNANT, by=user_named("citizen"))
    assert Ticket.objects.get(pk=ticket.pk).lane == Lane.NORMAL


def test_claiming_a_lane_costs_a_fixed_number_of_statements(hall, category, staffed, staff):
    ticket = take(hall, category["A"])
    by = fresh(staff["window-2"])
    # Savepoint; the ticket locked with its hall, window and category; the staff member's
    # grants; the ticket's lane; the audit event; the domain event; release.
    with exactly(7, "claim_lane"):
        services.claim_lane(ticket, Lane.PREGNANT, by=by)


def test_the_window_confirms_a_lane_for_the_number_at_it(client, hall, category, staffed, staff):
    take(hall, category["A"])
    client.force_login(staff["window-2"])
    window = staffed[2]
    client.post(f"/workbench/window/{window.pk}/call/", **HX)
    page = client.get(f"/workbench/window/{window.pk}/")
    assert "核实优先（孕妇、军人、残疾人）" in page.text and 'value="A001"' in page.text
    answer = client.post(
        f"/workbench/window/{window.pk}/claim-lane/",
        {"number": "a001", "lane": Lane.DISABLED},
        **HX,
    )
    assert "A001已改走“残疾人”优先通道（工作人员核实）" in answer.text
    assert Ticket.objects.get().lane == Lane.DISABLED


def test_the_window_says_when_a_number_is_not_in_the_hall(client, hall, staffed, staff):
    client.force_login(staff["window-2"])
    answer = client.post(
        f"/workbench/window/{staffed[2].pk}/claim-lane/",
        {"number": "A999", "lane": Lane.PREGNANT},
        **HX,
    )
    assert "没有找到今天等候中或正在办理的A999号" in answer.text
