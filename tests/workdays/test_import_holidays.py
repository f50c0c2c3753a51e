import datetime

import pytest
from django.core.management import CommandError, call_command

from yiwang.audit.models import AuditEvent
from yiwang.workdays import calendar, signals
from yiwang.workdays.models import CalendarYear, DayOverride

pytestmark = pytest.mark.django_db

D = datetime.date
GOOD_2027 = """日期,类型,名称
2027-01-01,休息,元旦
2027-02-06,休息,春节
2027-02-07,上班,春节调休
2027-02-08,休息,春节
"""


def run(path, *args):
    call_command("import_holidays", str(path), *args)


def test_a_bad_file_reports_every_error_with_its_row_and_imports_nothing(schedule_file, capsys):
    path = schedule_file(
        "日期,类型,名称\n"
        "2027-01-01,休息,元旦\n"
        "2027/01/02,休息,元旦\n"  # row 3: date format
        "2027-01-03,放假,元旦\n"  # row 4: kind
        "2027-01-01,上班,\n"  # row 5: duplicate of row 2
        "2028-01-01,休息,元旦\n"  # row 6: outside --year
    )
    with pytest.raises(CommandError, match="4 处错误，未导入任何数据"):
        run(path, "--year", "2027")
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "第3行“日期”：日期应写作 YYYY-MM-DD，如 2027-01-01。",
        "第4行“类型”：类型只能是“休息”或“上班”。",
        "第5行“日期”：与第2行的日期重复。",
        "第6行“日期”：日期不在2027年内。",
    ]
    assert not DayOverride.objects.exists()
    assert not CalendarYear.objects.exists()
    assert not AuditEvent.objects.filter(action="workdays.schedule_imported").exists()


def test_a_file_without_the_header_is_refused(schedule_file, capsys):
    with pytest.raises(CommandError, match="3 处错误"):
        run(schedule_file("date,kind,name\n2027-01-01,休息,元旦\n"))
    assert "第1行“日期”：缺少该列。" in capsys.readouterr().err


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        run(tmp_path / "nope.csv")


def test_a_good_file_imports_its_days_and_covers_the_year(
    schedule_file, capsys, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, years, **kwargs):
        received.append(years)

    signals.schedule_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run(schedule_file(GOOD_2027), "--year", "2027")
    finally:
        signals.schedule_changed.disconnect(receiver)
    assert "新增 4 天" in capsys.readouterr().out
    assert list(DayOverride.objects.values_list("date", "is_workday", "name")) == [
        (D(2027, 1, 1), False, "元旦"),
        (D(2027, 2, 6), False, "春节"),
        (D(2027, 2, 7), True, "春节调休"),
        (D(2027, 2, 8), False, "春节"),
    ]
    assert CalendarYear.objects.get().year == 2027
    assert calendar.is_covered(2027)
    assert calendar.is_workday(D(2027, 2, 7))  # a Sunday, worked
    assert not calendar.is_workday(D(2027, 2, 8))  # a Monday, off
    assert calendar.is_workday(D(2027, 3, 1))  # unlisted weekday
    assert received == [[2027]]
    event = AuditEvent.objects.get(action="workdays.schedule_imported")
    assert event.actor_name == "yiwang import-holidays"
    assert event.summary["created"] == 4
    assert event.summary["covered_year"] == 2027


def test_reimporting_the_same_file_changes_nothing(schedule_file, capsys):
    path = schedule_file(GOOD_2027)
    run(path, "--year", "2027")
    run(path, "--year", "2027")
    assert "新增 0 天，修改 0 天，未变 4 天，删除 0 天" in capsys.readouterr().out
    assert DayOverride.objects.count() == 4
    assert CalendarYear.objects.count() == 1
    assert AuditEvent.objects.filter(action="workdays.schedule_imported").count() == 1


def test_a_complete_schedule_replaces_the_year_s_old_overrides(schedule_file):
    run(schedule_file(GOOD_2027), "--year", "2027")
    run(schedule_file("日期,类型,名称\n2027-01-01,休息,元旦\n", "v2.csv"), "--year", "2027")
    assert list(DayOverride.objects.values_list("date", flat=True)) == [D(2027, 1, 1)]
    assert calendar.is_workday(D(2027, 2, 8))


def test_without_year_rows_are_merged_and_the_year_stays_uncovered(schedule_file):
    run(schedule_file("日期,类型,名称\n2027-01-01,休息,元旦\n"))
    assert DayOverride.objects.count() == 1
    assert not calendar.is_covered(2027)
    assert calendar.add_workdays_checked(D(2026, 12, 30), 2).provisional


def test_a_bom_from_excel_is_accepted(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("日期,类型,名称\r\n2027-01-01,休息,元旦\r\n").encode("utf-8-sig"))
    run(path)
    assert DayOverride.objects.get().name == "元旦"


def test_yiwang_import_holidays_is_a_management_command():
    # `yiwang import-holidays` runs `import_holidays` (cli.py maps hyphens to underscores).
    from django.core.management import get_commands

    assert get_commands()["import_holidays"] == "yiwang.workdays"
