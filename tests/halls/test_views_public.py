"""The hall's public screens (yiwang.halls.views_public): the kiosk, the display board and a
citizen's ticket page — what a citizen at the kiosk, a person looking at the board and a
phone following its number see, and that none of them shows anything personal."""

import datetime
import re

from django.test import Client
from django.urls import reverse

from tests.halls.booking import at, book
from tests.halls.conftest import id_number
from yiwang.halls import services
from yiwang.halls.models import Lane, Ticket, TicketChannel, TicketStatus

SEVENTY_ONE = id_number(datetime.date(1954, 1, 1))
THIRTY = id_number(datetime.date(1995, 6, 1))
PHONE = "13800138000"


def kiosk_url(hall):
    return reverse("hall_kiosk", kwargs={"hall_id": hall.pk})


def take_at_kiosk(client, hall, category, **fields):
    return client.post(kiosk_url(hall), {"category": category.pk, **fields})


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the kiosk ------------------------------------------------------------------------------


def test_the_kiosk_needs_no_login_shows_each_queue_in_elderly_mode(
    client, hall, category, open_monday
):
    services.take_ticket(hall, category["B"], channel=TicketChannel.KIOSK)
    page = client.get(kiosk_url(hall))
    assert page.status_code == 200
    assert 'class="elderly kiosk"' in page.content.decode()  # 适老模式, on by default
    shown = text(page)
    assert "市场准入" in shown and "社会保障" in shown
    assert "1 人等候" in shown and "0 人等候" in shown
    chosen = client.get(kiosk_url(hall), {"category": category["A"].pk})
    assert "取号" in text(chosen) and "身份证号码" in text(chosen)


def test_a_number_taken_at_the_kiosk_prints_with_its_qr_code(client, hall, category, open_monday):
    services.take_ticket(hall, category["A"], channel=TicketChannel.KIOSK)
    response = take_at_kiosk(client, hall, category["A"])
    assert response.status_code == 201
    shown = text(response)
    assert "A002" in shown and "前面还有 1 人" in shown and "取号时间：2025-03-03 10:" in shown
    assert "<svg" in shown and 'class="qr"' in shown
    ticket = Ticket.objects.get(number="A002")
    assert ticket.channel == TicketChannel.KIOSK and ticket.lane == Lane.NORMAL
    # The printed ticket is the POST's answer: no redirect puts its link in the history.
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_wrong_id_number_at_the_kiosk_is_a_clear_error(client, hall, category, open_monday):
    response = take_at_kiosk(client, hall, category["A"], id_number="11010119540101001")
    assert response.status_code == 400
    assert "身份证号码应为18位" in text(response)
    assert not Ticket.objects.exists()


def test_seventy_or_older_by_id_number_gets_the_elderly_lane_at_the_kiosk(
    client, hall, category, open_monday
):
    response = take_at_kiosk(client, hall, category["A"], id_number=SEVENTY_ONE)
    assert response.status_code == 201
    assert "优先通道：70岁以上老人" in text(response)
    assert SEVENTY_ONE not in text(response)
    assert Ticket.objects.get().lane == Lane.ELDERLY
    younger = take_at_kiosk(client, hall, category["B"], id_number=THIRTY)
    assert "优先通道" not in text(younger)


def test_a_closed_hall_says_so_and_gives_no_number(client, hall, category):
    # No clock set: the real one; the hall is closed at 23:30 on a Sunday.
    import time_machine

    sunday_night = datetime.datetime(
        2025, 3, 2, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )
    with time_machine.travel(sunday_night):
        page = client.get(kiosk_url(hall))
        refused = take_at_kiosk(client, hall, category["A"])
    assert "现在不在办公时间，暂不能取号" in text(page)
    assert f"?category={category['A'].pk}" not in page.content.decode()
    assert refused.status_code == 409
    assert "现在不在办公时间，不能取号" in text(refused)
    assert not Ticket.objects.exists()


def test_the_kiosk_refuses_a_post_without_its_csrf_token(hall, category, open_monday):
    response = Client(enforce_csrf_checks=True).post(
        kiosk_url(hall), {"category": category["A"].pk}
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_a_case_number_needs_its_applicants_id_number(client, hall, category, open_monday):
    alone = take_at_kiosk(client, hall, category["A"], case_number="ZW2025000001")
    assert alone.status_code == 400
    assert "请同时输入办件申请人的身份证号码" in text(alone)
    wrong = take_at_kiosk(client, hall, category["A"], case_number="ZW2025000001", id_number=THIRTY)
    assert wrong.status_code == 400
    assert "没有找到这个办件编号，或身份证号码与办件申请人不一致" in text(wrong)
    assert not Ticket.objects.exists()


def test_anonymous_kiosk_numbers_are_limited_like_the_api(client, hall, category, open_monday):
    for _ in range(30):
        assert take_at_kiosk(client, hall, category["A"]).status_code == 201
    refused = take_at_kiosk(client, hall, category["A"])
    assert refused.status_code == 429
    assert "取号太频繁" in text(refused)


def test_an_appointment_code_checks_in_at_the_kiosk_for_a_priority_number(
    client, hall, category, item, citizen, monday
):
    appointment = book(category["A"], at(2025, 3, 4, 10, 0), by=citizen, item=item)
    monday.move_to(at(2025, 3, 4, 9, 45))
    wrong = client.post(kiosk_url(hall), {"action": "check_in", "code": "ZZZZ9999"})
    assert wrong.status_code == 400 and not Ticket.objects.exists()
    printed = client.post(kiosk_url(hall), {"action": "check_in", "code": appointment.code})
    assert printed.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.lane == Lane.APPOINTMENT and ticket.number in text(printed)


# --- a citizen's ticket ---------------------------------------------------------------------


def test_the_ticket_page_shows_the_number_and_how_many_are_ahead(
    client, hall, category, open_monday
):
    services.take_ticket(hall, category["A"], channel=TicketChannel.KIOSK)
    ticket = services.take_ticket(hall, category["A"], channel=TicketChannel.KIOSK)
    page = client.get(reverse("hall_ticket", kwargs={"token": ticket.token}))
    assert page.status_code == 200
    shown = text(page)
    assert "A002" in shown and "等候中" in shown and 'data-field="ahead">1<' in shown
    assert f'data-channel="{ticket.live_channel}"' in shown
    state = client.get(reverse("hall_ticket_state", kwargs={"token": ticket.token})).json()
    assert (state["number"], state["status"], state["ahead"], state["window"]) == (
        "A002",
        "waiting",
        1,
        None,
    )


def test_an_unknown_token_is_not_found(client, hall):
    assert client.get(reverse("hall_ticket", kwargs={"token": "x" * 22})).status_code == 404
    assert client.get(reverse("hall_ticket_state", kwargs={"token": "y" * 30})).status_code == 404


def test_a_called_ticket_shows_its_window_and_a_served_one_links_to_its_rating(
    client, hall, category, staffed, staff
):
    ticket = services.take_ticket(hall, category["A"], channel=TicketChannel.KIOSK)
    services.call_next(staffed[2], by=staff["window-2"])
    url = reverse("hall_ticket_state", kwargs={"token": ticket.token})
    state = client.get(url).json()
    assert (state["status"], state["window"], state["ahead"]) == ("called", 2, None)
    services.start_service(ticket, by=staff["window-2"])
    services.finish_service(ticket, by=staff["window-2"])
    state = client.get(url).json()
    assert state["status"] == "done"
    assert state["rate_url"] == f"/hall/rate/{ticket.token}/"
    page = client.get(reverse("hall_ticket", kwargs={"token": ticket.token}))
    assert f'href="/hall/rate/{ticket.token}/"' in page.content.decode()


def test_a_citizen_cancels_their_number_from_its_page(client, hall, category, open_monday):
    ticket = services.take_ticket(hall, category["A"], channel=TicketChannel.KIOSK)
    cancel = reverse("hall_ticket_cancel", kwargs={"token": ticket.token})
    page = client.post(cancel, follow=True)
    assert "已取消排队" in text(page)
    assert Ticket.objects.get().status == TicketStatus.CANCELLED
    again = client.post(cancel, follow=True)
    assert "这个号已经不在等候中，不能取消" in text(again)


# --- the board ------------------------------------------------------------------------------


def test_the_board_shows_the_call_the_recent_calls_and_each_queue(
    client, hall, category, staffed, staff
):
    for _ in range(3):
        services.take_ticket(hall, category["A"], channel=TicketChannel.KIOSK)
    services.take_ticket(hall, category["B"], channel=TicketChannel.KIOSK)
    services.call_next(staffed[2], by=staff["window-2"])
    services.call_next(staffed[3], by=staff["window-3"])
    page = client.get(reverse("hall_board", kwargs={"hall_id": hall.pk}))
    assert page.status_code == 200
    shown = text(page)
    assert 'board-latest-number">B001<' in shown  # the latest call, highlighted
    assert "A001" in shown and "2 号窗口" in shown
    assert "启用声音" in shown
    state = client.get(reverse("hall_board_state", kwargs={"hall_id": hall.pk})).json()
    assert [(c["number"], c["window"]) for c in state["calling"]] == [("B001", 3), ("A001", 2)]
    waiting = {c["letter"]: c["waiting"] for c in state["categories"]}
    assert waiting == {"A": 2, "B": 0, "C": 0}
    assert state["hall"]["hours_today"] == "09:00–12:00 14:00–20:00"


def test_nothing_personal_on_the_board_the_ticket_page_or_the_live_events(
    client, hall, category, staffed, staff, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.take_ticket(
            hall, category["A"], channel=TicketChannel.KIOSK, id_number=SEVENTY_ONE, phone=PHONE
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.call_next(staffed[2], by=staff["window-2"])
    screens = [
        client.get(reverse("hall_board", kwargs={"hall_id": hall.pk})),
        client.get(reverse("hall_board_state", kwargs={"hall_id": hall.pk})),
        client.get(reverse("hall_ticket", kwargs={"token": ticket.token})),
        client.get(reverse("hall_ticket_state", kwargs={"token": ticket.token})),
    ]
    sent = [response.content.decode() for response in screens] + [repr(published)]
    clerk = staff["window-2"].real_name
    for found in sent:
        assert "A001" in found
        for personal in (SEVENTY_ONE, PHONE, PHONE[-4:], "70岁以上老人", clerk, ticket.token_hash):
            assert personal not in found
    assert ticket.token not in sent[0] + sent[1] + sent[4]  # the board never holds a token
