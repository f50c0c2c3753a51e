"""The booking pages (yiwang.halls.views_booking): the guide's "预约办理" leads through hall,
day and time to a confirmed booking in "我的预约" with its code and QR; cancel and
reschedule there; a case links to a booking for it; window staff book for a walk-in."""

import datetime

import pytest
from django.urls import reverse

from tests.halls.booking import ITEM, at
from yiwang.halls.models import Appointment, AppointmentStatus
from yiwang.journey.cases import services as cases
from yiwang.notify.models import Message


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def test_the_guide_offers_booking_once_the_item_is_bookable(client, hall, item, monday):
    page = client.get(reverse("item_guide", args=[ITEM])).content.decode()
    assert reverse("book_appointment", args=[ITEM]) in page and "预约办理" in page


def test_a_citizen_books_through_day_time_and_confirmation(signed_in, hall, category, item, monday):
    url = reverse("book_appointment", args=[ITEM])
    # Only category A of the centre books this item: the hall is chosen already.
    days = signed_in.get(url).content.decode()
    assert "第二步：选择日期" in days and "示范区政务服务中心" in days
    assert "明天 3月4日（周二）" in days
    slots = signed_in.get(url, {"category": category["A"].pk, "day": "2025-03-04"})
    assert "10:00-10:30" in slots.content.decode()
    confirm = signed_in.get(
        url, {"category": category["A"].pk, "day": "2025-03-04", "slot": "2025-03-04T10:00"}
    ).content.decode()
    assert "第四步：确认预约" in confirm and "确认预约" in confirm
    done = signed_in.post(
        f"{url}?category={category['A'].pk}", {"slot": "2025-03-04T10:00"}, follow=True
    )
    appointment = Appointment.objects.get()
    assert appointment.starts_at == at(2025, 3, 4, 10, 0) and appointment.item == item
    page = done.content.decode()
    assert "预约成功" in page and appointment.code_display in page
    assert "<svg" in page  # the code's QR


def test_a_refused_booking_says_why_on_the_page(signed_in, hall, category, item, monday):
    url = reverse("book_appointment", args=[ITEM])
    signed_in.post(f"{url}?category={category['A'].pk}", {"slot": "2025-03-04T10:00"})
    again = signed_in.post(
        f"{url}?category={category['A'].pk}", {"slot": "2025-03-05T10:00"}, follow=True
    )
    assert "您已预约了2025年3月4日 10:00办理同一事项" in again.content.decode()
    assert Appointment.objects.count() == 1


def test_my_appointments_cancel_and_reschedule(signed_in, hall, category, item, citizen, monday):
    from yiwang.halls import appointments

    appointment = appointments.book(category["A"], at(2025, 3, 4, 10, 0), by=citizen, item=item)
    page = signed_in.get(reverse("my_appointments")).content.decode()
    assert "3月4日（周二）10:00-10:30" in page and appointment.code_display in page
    move = reverse("appointment_reschedule", args=[appointment.pk])
    assert "第二步：选择日期" in signed_in.get(move).content.decode()
    signed_in.post(move, {"slot": "2025-03-05T15:00"})
    appointment.refresh_from_db()
    assert appointment.starts_at == at(2025, 3, 5, 15, 0)
    done = signed_in.post(reverse("appointment_cancel", args=[appointment.pk]), follow=True)
    assert "预约已取消" in done.content.decode()
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED


def test_my_space_links_my_appointments(signed_in, hall):
    assert reverse("my_appointments") in signed_in.get(reverse("my_space")).content.decode()


def test_a_case_page_offers_a_visit_linked_to_the_case(
    signed_in, hall, category, item, citizen, monday
):
    version = item.versions.get(status="published")
    case = cases.start_case(version.pk, by=citizen)
    case_url = reverse("my_case", args=[case.pk])
    assert "预约到窗口" not in signed_in.get(case_url).content.decode()  # a draft: not yet
    type(case).objects.filter(pk=case.pk).update(status="submitted")
    page = signed_in.get(case_url).content.decode()
    link = f"{reverse('book_appointment', args=[ITEM])}?case={case.pk}"
    assert link in page
    assert "本次预约关联办件" in signed_in.get(link).content.decode()
    signed_in.post(f"{link}&category={category['A'].pk}", {"slot": "2025-03-04T10:00"})
    assert Appointment.objects.get().case == case


def test_window_staff_book_for_a_walk_in(client, hall, category, item, staff, monday):
    client.force_login(staff["window-2"])
    url = reverse("hall_book_walk_in")
    page = client.get(url, {"category": category["A"].pk, "day": "2025-03-04"}).content.decode()
    assert "10:00-10:30" in page and "群众身份证号码" in page
    from tests.halls.conftest import id_number

    done = client.post(
        url,
        {
            "category": category["A"].pk,
            "day": "2025-03-04",
            "slot": "2025-03-04T10:00",
            "id_number": id_number(datetime.date(1948, 1, 1), 3),
            "phone": "13900000003",
            "item": ITEM,
        },
    )
    assert done.status_code == 200
    appointment = Appointment.objects.get()
    assert appointment.code_display in done.content.decode()
    assert Message.objects.filter(address="13900000003", body__contains=appointment.code_display)


def test_a_walk_in_refusal_keeps_what_was_typed(client, hall, category, staff, monday):
    client.force_login(staff["window-2"])
    refused = client.post(
        reverse("hall_book_walk_in"),
        {
            "category": category["A"].pk,
            "day": "2025-03-04",
            "slot": "2025-03-04T10:00",
            "id_number": "123",
            "phone": "13900000004",
        },
    )
    assert refused.status_code == 400
    assert "13900000004" in refused.content.decode()


def test_citizens_cannot_open_the_walk_in_page(signed_in, hall):
    assert signed_in.get(reverse("hall_book_walk_in")).status_code == 404


def test_an_item_without_appointments_has_no_booking_page(signed_in, hall, item):
    item.versions.filter(status="published").update(appointment=False)
    assert signed_in.get(reverse("book_appointment", args=[ITEM])).status_code == 404


def test_an_item_no_hall_books_sends_the_citizen_to_the_phone(signed_in, hall, item):
    category = item.hall_categories.get()
    category.items.remove(item)
    page = signed_in.get(reverse("book_appointment", args=[ITEM])).content.decode()
    assert "暂时不能在网上预约" in page and "取号办理" in page
