"""好差评 of a window's service (yiwang.halls.ratings, the page `/hall/rate/<token>/`): rated
once, only when done, by the ticket's token, without logging in; counted for the window, its
staff member and the department; a bad rating opens a rectification."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tests.statements import exactly
from yiwang.feedback.models import Evaluation, Rectification, SubjectKind
from yiwang.halls import ratings, services
from yiwang.halls.models import TicketChannel

KIOSK = TicketChannel.KIOSK


def served(hall, category, window, staff):
    """A ticket taken, called at `window`, served and finished; with its token."""
    ticket = services.take_ticket(hall, category, channel=KIOSK)
    token = ticket.token
    called = services.call_next(window, by=staff)
    assert called.pk == ticket.pk
    services.start_service(called, by=staff)
    services.finish_service(called, by=staff)
    return ticket, token


@pytest.fixture
def done(hall, category, staffed, staff):
    return served(hall, category["B"], staffed[3], staff["window-3"])


def test_a_done_ticket_is_rated_once_and_counts_for_its_window_staff_and_hall(
    done, staffed, staff, hall
):
    ticket, token = done
    evaluation = ratings.rate_ticket(token, level=5)
    assert evaluation.subject_kind == SubjectKind.TICKET
    assert evaluation.ticket.window == staffed[3]
    assert evaluation.staff == staff["window-3"]
    assert evaluation.place == hall.org
    assert evaluation.channel == "window"
    assert evaluation.rater is None and not evaluation.real_name  # taken at the kiosk
    with pytest.raises(ValidationError) as refused:
        ratings.rate_ticket(token, level=1, comment="再评一次试试")
    assert refused.value.code == "already_rated"
    assert Evaluation.objects.filter(ticket=ticket).count() == 1


def test_rating_costs_a_fixed_number_of_statements(done):
    _ticket, token = done
    # savepoint; lock the ticket; the category's departments; already rated?; insert
    # (savepoint around it: 3); audit event; release
    with exactly(9, "rate_ticket"):
        ratings.rate_ticket(token, level=4)


def test_a_ticket_not_yet_served_cannot_be_rated(hall, category, staffed, staff):
    ticket = services.take_ticket(hall, category["A"], channel=KIOSK)
    with pytest.raises(ValidationError) as refused:
        ratings.rate_ticket(ticket.token, level=5)
    assert refused.value.code == "not_served"
    services.call_next(staffed[2], by=staff["window-2"])
    with pytest.raises(ValidationError):
        ratings.rate_ticket(ticket.token, level=5)


def test_an_unknown_token_is_not_found(hall):
    with pytest.raises(Http404):
        ratings.rate_ticket("no-such-token", level=5)


def test_without_items_of_one_department_the_hall_answers(done):
    ticket, _token = done
    assert ratings.responsible_department(ticket) is None


def test_a_bad_rating_opens_a_rectification_for_the_hall(done, hall):
    _ticket, token = done
    evaluation = ratings.rate_ticket(token, level=1, reasons=["attitude"], comment="态度生硬")
    rectification = Rectification.objects.get(evaluation=evaluation)
    assert rectification.department == hall.org  # no department: the centre answers
    assert evaluation.subject_words()["number"].startswith(_ticket.number)


# --- the page -------------------------------------------------------------------------------


def test_the_page_shows_five_big_buttons_without_login(client, done):
    _ticket, token = done
    page = client.get(f"/hall/rate/{token}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('name="level"') == 5
    assert "非常满意" in body and "非常不满意" in body
    assert 'class="elderly' in body  # large type on the tablet


def test_one_tap_rates_and_thanks(client, done):
    ticket, token = done
    answer = client.post(f"/hall/rate/{token}/", {"level": "5"})
    assert answer.status_code == 200
    assert "感谢您的评价" in answer.content.decode()
    assert Evaluation.objects.get(ticket=ticket).level == 5
    again = client.get(f"/hall/rate/{token}/")
    assert again.status_code == 409
    assert "已经评价过了" in again.content.decode()


def test_a_bad_tap_asks_what_went_wrong_before_it_counts(client, done):
    ticket, token = done
    first = client.post(f"/hall/rate/{token}/", {"level": "2"})
    assert first.status_code == 200
    assert "哪里不满意" in first.content.decode()
    assert not Evaluation.objects.filter(ticket=ticket).exists()
    empty = client.post(f"/hall/rate/{token}/", {"level": "2", "step": "reasons"})
    assert empty.status_code == 400
    answer = client.post(
        f"/hall/rate/{token}/", {"level": "2", "step": "reasons", "reasons": ["service_efficiency"]}
    )
    assert answer.status_code == 200
    assert Evaluation.objects.get(ticket=ticket).reasons == ["service_efficiency"]


def test_the_page_of_a_waiting_ticket_says_to_come_back_after_service(
    client, hall, category, open_monday
):
    ticket = services.take_ticket(hall, category["A"], channel=KIOSK)
    page = client.get(f"/hall/rate/{ticket.token}/")
    assert page.status_code == 409
    assert "办理结束后才能评价" in page.content.decode()


def test_an_unknown_token_is_a_404_page(client, hall):
    assert client.get("/hall/rate/nothing-here/").status_code == 404


def test_the_supervisors_rating_list_names_the_window_service(client, done, user_named):
    ticket, token = done
    ratings.rate_ticket(token, level=1, reasons=["attitude"], comment="态度生硬")
    client.force_login(user_named("supervisor"))
    body = client.get("/workbench/evaluations/").content.decode()
    assert ticket.number in body and "3号窗口的窗口服务" in body
    rectification = Rectification.objects.get(evaluation__ticket=ticket)
    page = client.get(f"/workbench/rectifications/{rectification.pk}/")
    assert page.status_code == 200 and ticket.number in page.content.decode()
