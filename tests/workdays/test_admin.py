import datetime

import pytest

from yiwang.audit.models import AuditEvent
from yiwang.workdays import calendar
from yiwang.workdays.models import CalendarYear, DayOverride

pytestmark = pytest.mark.django_db

D = datetime.date


def test_adding_an_override_in_the_admin_is_audited_and_takes_effect(admin_client, admin_user):
    assert calendar.is_workday(D(2026, 3, 10))
    response = admin_client.post(
        "/admin/workdays/dayoverride/add/",
        {"date": "2026-03-10", "name": "本地假日", "note": "区政府通知"},  # unchecked: rest
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DayOverride.objects.get().name == "本地假日"
    assert not calendar.is_workday(D(2026, 3, 10))
    event = AuditEvent.objects.get(action="workdays.override_set")
    assert event.actor == admin_user
    assert event.summary["date"] == "2026-03-10"


def test_deleting_an_override_in_the_admin_is_audited(admin_client):
    override = DayOverride.objects.create(date=D(2026, 10, 1), is_workday=True, name="值班")
    calendar.refresh()
    assert calendar.is_workday(D(2026, 10, 1))
    response = admin_client.post(
        f"/admin/workdays/dayoverride/{override.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not DayOverride.objects.exists()
    assert AuditEvent.objects.filter(action="workdays.override_removed").count() == 1
    assert not calendar.is_workday(D(2026, 10, 1))


def test_marking_a_year_covered_in_the_admin_is_audited(admin_client):
    response = admin_client.post(
        "/admin/workdays/calendaryear/add/",
        {"year": "2027", "source": "override", "note": "国办发明电〔2026〕号"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarYear.objects.get().year == 2027
    assert calendar.is_covered(2027)
    assert AuditEvent.objects.filter(action="workdays.year_covered").count() == 1


def test_the_admin_lists_open(admin_client):
    DayOverride.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    assert admin_client.get("/admin/workdays/dayoverride/").status_code == 200
    assert admin_client.get("/admin/workdays/calendaryear/").status_code == 200
