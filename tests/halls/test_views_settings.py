"""The hall manager's settings page (yiwang.halls.views_settings): one page for the queue
and booking rules, the hours as read, the categories and the windows, and who staffs which
window now; only the hall's managers reach it."""

import pytest

from yiwang.halls import services
from yiwang.halls.models import Hall, Lane, ServiceCategory, TicketChannel, Window, WindowKind


@pytest.fixture
def manager(client, hall, user_named):
    client.force_login(user_named("hall-manager"))
    return user_named("hall-manager")


def url(hall, rest=""):
    return f"/workbench/hall/{hall.pk}/settings/{rest}"


def test_the_page_shows_settings_hours_categories_windows_and_staffing(
    client, manager, hall, staffed, staff
):
    page = client.get(url(hall))
    assert page.status_code == 200
    text = page.text
    assert "周一至周五 09:00-12:00 14:00-20:00" in text  # the hours as read
    assert "市场准入" in text and "社会保障" in text and "不动产" in text
    # Who staffs windows 1 and 2 now (the demo's window staff, by their names).
    assert staff["window-1"].display_name in text and staff["window-2"].display_name in text
    assert 'name="lane_1"' in text and 'name="priority_streak"' in text


def test_the_workbench_nav_links_the_settings_for_managers(client, manager, hall):
    assert f'href="/workbench/hall/{hall.pk}/settings/"' in client.get("/workbench/").text


def test_a_parse_error_in_the_hours_is_shown(client, manager, hall):
    Hall.objects.filter(pk=hall.pk).update(hours_text="随时欢迎")
    page = client.get(url(hall))
    assert "办公时间没有读懂" in page.text


def test_outsiders_get_404_and_the_halls_window_staff_403(client, hall, staff, user_named):
    client.force_login(staff["street-window"])
    assert client.get(url(hall)).status_code == 404
    client.force_login(user_named("citizen"))
    assert client.get(url(hall)).status_code == 404
    client.force_login(staff["window-1"])
    assert client.get(url(hall)).status_code == 403
    answer = client.post(url(hall, "windows/"), {"wnew-number": 9, "wnew-kind": "comprehensive"})
    assert answer.status_code == 403
    assert not Window.objects.filter(number=9).exists()


def test_a_manager_of_another_hall_gets_404(client, hall, user_named):
    street = Hall.objects.get(org__code="990101001-BMZX")
    client.force_login(user_named("hall-manager"))  # at the district centre
    assert client.get(url(street)).status_code == 404


def test_saving_the_lane_order_and_the_ratio(client, manager, hall):
    order = [Lane.ELDERLY, Lane.APPOINTMENT, Lane.DISABLED, Lane.PREGNANT, Lane.SERVICEMAN]
    data = {f"lane_{i}": lane for i, lane in enumerate([*order, Lane.NORMAL], 1)}
    data.update(
        priority_streak=2,
        sms_ahead=3,
        booking_horizon_days=14,
        booking_cutoff_hours=2,
        bookings_per_day=2,
        no_show_limit=3,
        no_show_window_days=30,
        no_show_ban_days=30,
    )
    answer = client.post(url(hall, "queue/"), data, follow=True)
    assert "大厅设置已保存。" in answer.text
    hall.refresh_from_db()
    assert hall.lanes[:2] == [Lane.ELDERLY, Lane.APPOINTMENT]
    assert (hall.priority_streak, hall.booking_horizon_days) == (2, 14)


def test_a_lane_twice_is_refused_beside_the_form(client, manager, hall):
    data = {f"lane_{i}": Lane.NORMAL for i in range(1, 7)}
    data.update(
        priority_streak=3,
        sms_ahead=3,
        booking_horizon_days=7,
        booking_cutoff_hours=2,
        bookings_per_day=2,
        no_show_limit=3,
        no_show_window_days=30,
        no_show_ban_days=30,
    )
    answer = client.post(url(hall, "queue/"), data)
    assert answer.status_code == 400
    assert "请把每个通道各排一次。" in answer.text


def test_adding_a_category_with_items(client, manager, hall):
    answer = client.post(
        url(hall, "categories/"),
        {
            "cnew-letter": "d",
            "cnew-name": "公积金",
            "cnew-default_minutes": 8,
            "cnew-is_active": "on",
        },
        follow=True,
    )
    assert "业务类别“D 公积金”已保存。" in answer.text
    added = ServiceCategory.objects.get(hall=hall, letter="D")
    assert (added.name, added.default_minutes, added.is_active) == ("公积金", 8, True)


def test_a_letter_taken_is_refused_beside_the_letter(client, manager, hall):
    answer = client.post(
        url(hall, "categories/"),
        {"cnew-letter": "A", "cnew-name": "重复", "cnew-default_minutes": 8},
    )
    assert answer.status_code == 400
    assert "字母A已被本大厅的其他业务类别使用。" in answer.text


def test_a_category_with_waiting_numbers_is_not_removed(
    client, manager, hall, category, open_monday
):
    services.take_ticket(hall, category["C"], channel=TicketChannel.KIOSK)
    answer = client.post(url(hall, f"categories/{category['C'].pk}/remove/"), follow=True)
    assert "还有等候或正在办理的号" in answer.text
    assert ServiceCategory.objects.get(pk=category["C"].pk).is_active


def test_adding_and_removing_a_window(client, manager, hall, category):
    answer = client.post(
        url(hall, "windows/"),
        {
            "wnew-number": 7,
            "wnew-label": "不动产专窗",
            "wnew-kind": WindowKind.DEDICATED,
            "wnew-categories": [category["C"].pk],
        },
        follow=True,
    )
    assert "不动产专窗已保存。" in answer.text
    window = Window.objects.get(hall=hall, number=7)
    assert list(window.categories.all()) == [category["C"]]
    answer = client.post(url(hall, f"windows/{window.pk}/remove/"), follow=True)
    assert "不动产专窗已删除。" in answer.text
    assert not Window.objects.filter(pk=window.pk).exists()


def test_a_dedicated_window_needs_a_category(client, manager, hall):
    answer = client.post(url(hall, "windows/"), {"wnew-number": 8, "wnew-kind": "dedicated"})
    assert answer.status_code == 400
    assert "专窗请至少选择一个业务类别。" in answer.text


def test_the_manager_signs_out_a_window_left_open(client, manager, hall, staffed):
    answer = client.post(url(hall, f"windows/{staffed[3].pk}/close/"), follow=True)
    assert "3号窗口已关闭。" in answer.text
    assert Window.objects.get(pk=staffed[3].pk).staff is None


def test_the_staffing_fragment(client, manager, hall, staffed, staff):
    fragment = client.get(url(hall, "staffing/"))
    assert fragment.status_code == 200
    assert staff["window-3"].display_name in fragment.text and "服务中" in fragment.text
