"""The window's workbench (yiwang.halls.views_window): window staff sign in at a window of
their hall and work one screen — call, recall, no-show, start, finish, transfer, pause,
close — and a stale page gets a sentence, never a 500."""

import pytest

from tests.catalog.conftest import small_catalog  # noqa: F401 — a fixture
from yiwang.audit.models import AuditEvent
from yiwang.halls import services
from yiwang.halls.models import Ticket, TicketChannel, TicketStatus, Window, WindowStatus

HX = {"HTTP_HX_REQUEST": "true"}


def take(hall, category):
    return services.take_ticket(hall, category, channel=TicketChannel.KIOSK)


def act(client, window, action, **data):
    return client.post(f"/workbench/window/{window.pk}/{action}/", data, **HX)


@pytest.fixture
def at_two(client, staffed, staff):
    """window-2 signed in at window 2 (市场准入, A) and looking at its screen."""
    client.force_login(staff["window-2"])
    return staffed[2]


# --- getting to the window ------------------------------------------------------------------


def test_window_staff_pick_a_window_of_their_hall_and_sign_in(
    client, hall, windows, staff, open_monday
):
    client.force_login(staff["window-1"])
    page = client.get("/workbench/window/")
    assert page.status_code == 200
    assert "示范区政务服务中心" in page.text and "在1号窗口签到开窗" in page.text
    answer = client.post(f"/workbench/window/{windows[1].pk}/open/")
    assert answer.status_code == 302 and answer.url == f"/workbench/window/{windows[1].pk}/"
    assert Window.objects.get(pk=windows[1].pk).staff == staff["window-1"]
    # Next time the workbench goes straight to the window signed in at.
    assert client.get("/workbench/window/").url == f"/workbench/window/{windows[1].pk}/"


def test_the_workbench_nav_lists_the_window_page_for_window_staff(client, hall, staff):
    client.force_login(staff["window-1"])
    assert 'href="/workbench/window/"' in client.get("/workbench/").text


def test_window_staff_land_on_the_window_page_after_signing_in(client, hall, staff):
    client.force_login(staff["window-1"])
    assert client.get("/workbench/start/").url == "/workbench/window/"


def test_window_staff_of_another_hall_get_404(client, staffed, staff):
    client.force_login(staff["street-window"])
    window = staffed[2]
    assert client.get(f"/workbench/window/{window.pk}/").status_code == 404
    assert client.get(f"/workbench/window/{window.pk}/queue/").status_code == 404
    assert client.post(f"/workbench/window/{window.pk}/call/").status_code == 404
    assert Window.objects.get(pk=window.pk).current_ticket is None


def test_citizens_and_other_staff_cannot_use_the_window_page(client, hall, user_named):
    client.force_login(user_named("citizen"))
    assert client.get("/workbench/window/").status_code in (403, 404)
    client.force_login(user_named("approver"))
    assert client.get("/workbench/window/").status_code == 403


def test_a_colleagues_window_is_shown_but_not_operated(client, staffed, staff, category):
    take(staffed[2].hall, category["A"])
    client.force_login(staff["window-1"])
    page = client.get(f"/workbench/window/{staffed[2].pk}/")
    assert page.status_code == 200 and "这不是您的窗口" in page.text
    answer = act(client, staffed[2], "call")
    assert "您不是2号窗口当前的工作人员" in answer.text
    assert not Ticket.objects.filter(status=TicketStatus.CALLED).exists()


# --- the buttons ----------------------------------------------------------------------------


def test_call_next_shows_the_number_its_lane_and_the_queue(client, at_two, category):
    hall = at_two.hall
    first, second = take(hall, category["A"]), take(hall, category["A"])
    take(hall, category["B"])
    answer = act(client, at_two, "call")
    assert answer.status_code == 200
    assert f'data-testid="current-number">{first.number}<' in answer.text
    assert "已叫A001。" in answer.text
    assert Ticket.objects.get(pk=first.pk).status == TicketStatus.CALLED
    queue = client.get(f"/workbench/window/{at_two.pk}/queue/").text
    assert second.number in queue and "本窗口可叫：1人" in queue
    assert "B 社会保障" in queue  # every category's waiting count


def test_calling_with_nobody_waiting_says_so(client, at_two):
    answer = act(client, at_two, "call")
    assert "现在没有等候的号。" in answer.text


def test_recall_no_show_start_finish(client, at_two, category):
    hall = at_two.hall
    ticket = take(hall, category["A"])
    act(client, at_two, "call")
    assert "已叫2次" in act(client, at_two, "recall", ticket=ticket.pk).text
    act(client, at_two, "start", ticket=ticket.pk)
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SERVING
    answer = act(client, at_two, "finish", ticket=ticket.pk)
    assert "A001已办结。" in answer.text
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.DONE
    assert Window.objects.get(pk=at_two.pk).current_ticket is None

    nobody = take(hall, category["A"])
    act(client, at_two, "call")
    assert "A002已过号。" in act(client, at_two, "no-show", ticket=nobody.pk).text
    assert Ticket.objects.get(pk=nobody.pk).status == TicketStatus.NO_SHOW


def test_transfer_to_another_category_or_window(client, at_two, staffed, category):
    hall = at_two.hall
    ticket = take(hall, category["A"])
    act(client, at_two, "call")
    answer = act(client, at_two, "transfer", ticket=ticket.pk, category=category["B"].pk)
    assert "A001已转出。" in answer.text
    moved = Ticket.objects.get(pk=ticket.pk)
    assert (moved.status, moved.category) == (TicketStatus.WAITING, category["B"])

    other = take(hall, category["A"])
    act(client, at_two, "call")
    act(client, at_two, "transfer", ticket=other.pk, to_window=staffed[3].pk)
    assert Ticket.objects.get(pk=other.pk).for_window == staffed[3]


def test_transfer_needs_one_target(client, at_two, category):
    ticket = take(at_two.hall, category["A"])
    act(client, at_two, "call")
    answer = act(client, at_two, "transfer", ticket=ticket.pk)
    assert "请选择转至的业务类别或窗口" in answer.text
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CALLED


def test_pause_resume_and_close(client, at_two):
    act(client, at_two, "pause")
    assert Window.objects.get(pk=at_two.pk).status == WindowStatus.PAUSED
    answer = act(client, at_two, "call")
    assert "2号窗口未开放，请先开窗。" in answer.text
    act(client, at_two, "open")
    assert Window.objects.get(pk=at_two.pk).status == WindowStatus.OPEN
    answer = act(client, at_two, "close")
    assert answer["HX-Redirect"] == "/workbench/window/?pick=1"
    assert Window.objects.get(pk=at_two.pk).status == WindowStatus.CLOSED


def test_without_htmx_a_step_redirects_back_with_its_message(client, at_two, category):
    take(at_two.hall, category["A"])
    answer = client.post(f"/workbench/window/{at_two.pk}/call/", follow=True)
    assert answer.redirect_chain[-1][0] == f"/workbench/window/{at_two.pk}/"
    assert "已叫A001。" in answer.text


# --- stale pages ----------------------------------------------------------------------------


def test_a_step_on_a_number_no_longer_at_the_window_is_refused(client, at_two, category):
    ticket = take(at_two.hall, category["A"])
    act(client, at_two, "call")
    act(client, at_two, "start", ticket=ticket.pk)  # a second tab served it already
    act(client, at_two, "finish", ticket=ticket.pk)
    answer = act(client, at_two, "no-show", ticket=ticket.pk)
    assert answer.status_code == 200
    assert "这个号已不在本窗口（页面已过时）" in answer.text
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.DONE


def test_calling_while_a_number_is_at_the_window_is_refused(client, at_two, category):
    take(at_two.hall, category["A"])
    take(at_two.hall, category["A"])
    act(client, at_two, "call")
    answer = act(client, at_two, "call")  # a double press, or a stale second tab
    assert "还有正在叫号或办理的号" in answer.text
    assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 1


def test_opening_a_window_a_colleague_just_opened_is_refused(client, hall, windows, staff):
    services.open_window(windows[1], staff["window-1"])
    client.force_login(staff["window-2"])
    answer = client.post(f"/workbench/window/{windows[1].pk}/open/", follow=True)
    assert answer.status_code == 200
    assert "不能变为" in answer.text
    assert Window.objects.get(pk=windows[1].pk).staff == staff["window-1"]


def test_an_unknown_step_is_404(client, at_two):
    assert client.post(f"/workbench/window/{at_two.pk}/explode/").status_code == 404


def test_steps_are_audited_with_the_staff_member(client, at_two, category, staff):
    take(at_two.hall, category["A"])
    act(client, at_two, "call")
    event = AuditEvent.objects.filter(action="hall.ticket_called").get()
    assert event.actor_id == staff["window-2"].pk


# --- the case opened at the window -----------------------------------------------------------


@pytest.mark.usefixtures("small_catalog")
def test_the_window_links_the_case_opened_for_the_citizen(client, at_two, category, user_named):
    from yiwang.catalog.models import ServiceItem
    from yiwang.journey.cases import services as cases

    item = ServiceItem.objects.get(code="SCJ-XK-0001")  # 企业设立登记, at the centre
    case = cases.start_case(
        item.published_id, by=user_named("clerk"), applicant=user_named("citizen")
    )
    assert case.place.code == "990101-ZWZX"  # filed at the centre, where window-2 works
    ticket = take(at_two.hall, category["A"])
    act(client, at_two, "call")
    act(client, at_two, "start", ticket=ticket.pk)
    answer = act(client, at_two, "link-case", ticket=ticket.pk, case=case.pk)
    assert "已将办件关联到A001。" in answer.text
    assert f'href="/my/cases/{case.pk}/"' in answer.text
    assert Ticket.objects.get(pk=ticket.pk).case == case


def test_linking_an_unknown_case_is_refused(client, at_two, category):
    ticket = take(at_two.hall, category["A"])
    act(client, at_two, "call")
    act(client, at_two, "start", ticket=ticket.pk)
    answer = act(client, at_two, "link-case", ticket=ticket.pk, case=999999)
    assert "没有找到这个办件" in answer.text
