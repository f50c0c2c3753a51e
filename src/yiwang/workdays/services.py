"""Changing the local calendar: single overrides (the admin), covered years, and whole
schedule files (`yiwang import-holidays`). Every change is audited, makes every process
reload the calendar, and — once committed — sends `signals.schedule_changed` so deadlines
that depend on the changed years are recomputed."""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.core.exchange import ImportRejected

from . import calendar, signals
from .models import CalendarYear, DayOverride

COLUMNS = ("日期", "类型", "名称")
KINDS = {"休息": False, "上班": True}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
NAME_MAX = DayOverride._meta.get_field("name").max_length


# --- single changes -----------------------------------------------------------------------


@transaction.atomic
def set_override(
    day: datetime.date, *, is_workday: bool, name: str = "", note: str = "", by
) -> DayOverride:
    """Make `day` a workday or a rest day, whatever the package says."""
    override, created = DayOverride.objects.update_or_create(
        date=day, defaults={"is_workday": is_workday, "name": name, "note": note}
    )
    audit.record(
        by,
        "workdays.override_set",
        override,
        summary={"date": day, "is_workday": is_workday, "name": name, "created": created},
    )
    _changed([day.year])
    return override


@transaction.atomic
def remove_override(day: datetime.date, *, by) -> bool:
    """Give `day` back to the package (or the weekday rule). False if there was none."""
    override = DayOverride.objects.filter(date=day).first()
    if override is None:
        return False
    audit.record(
        by,
        "workdays.override_removed",
        override,
        summary={"date": day, "is_workday": override.is_workday, "name": override.name},
    )
    override.delete()
    _changed([day.year])
    return True


@transaction.atomic
def mark_year_covered(
    year: int, *, by, note: str = "", source: str = CalendarYear.Source.OVERRIDE
) -> CalendarYear:
    """Declare that the overrides of `year` are its complete schedule: from now on its
    deadlines are final, no longer provisional."""
    row, created = CalendarYear.objects.update_or_create(
        year=year, defaults={"note": note, "source": source}
    )
    audit.record(
        by, "workdays.year_covered", row, summary={"year": year, "source": source, "new": created}
    )
    _changed([year])
    return row


@transaction.atomic
def unmark_year_covered(year: int, *, by) -> bool:
    row = CalendarYear.objects.filter(year=year).first()
    if row is None:
        return False
    audit.record(by, "workdays.year_uncovered", row, summary={"year": year})
    row.delete()
    _changed([year])
    return True


# --- schedule files -----------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    date: datetime.date
    is_workday: bool
    name: str
    row: int = 0


@dataclass(frozen=True)
class ScheduleError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("第%(row)d行“%(column)s”：%(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


def parse_schedule(source, *, year: int | None = None) -> list[ScheduleRow]:
    """Read a schedule CSV (UTF-8, header `日期,类型,名称`; 类型 is 休息 or 上班) from a path
    or a text stream. Every problem is collected and raised at once as `ImportRejected`.
    With `year`, every date must fall in that year."""
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8-sig", newline="") as stream:
            text = stream.read()
    else:
        text = source.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
    try:
        records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as exc:
        raise ImportRejected([ScheduleError(1, "", _("无法读取 CSV：%s") % exc)]) from None
    header = [cell.strip() for cell in records[0]] if records else []
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ImportRejected([ScheduleError(1, column, _("缺少该列。")) for column in missing])
    position = {column: header.index(column) for column in COLUMNS}

    rows: list[ScheduleRow] = []
    errors: list[ScheduleError] = []
    first_seen: dict[datetime.date, int] = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {
            column: (record[i].strip() if i < len(record) else "") for column, i in position.items()
        }
        day = _parse_date(cells["日期"], number, year, errors)
        kind = cells["类型"]
        if kind not in KINDS:
            errors.append(ScheduleError(number, "类型", _("类型只能是“休息”或“上班”。")))
        if len(cells["名称"]) > NAME_MAX:
            errors.append(
                ScheduleError(number, "名称", _("名称不能超过%(max)d个字。") % {"max": NAME_MAX})
            )
        if day is not None:
            if day in first_seen:
                errors.append(
                    ScheduleError(
                        number,
                        "日期",
                        _("与第%(row)d行的日期重复。") % {"row": first_seen[day]},
                    )
                )
            else:
                first_seen[day] = number
        if day is not None and kind in KINDS:
            rows.append(ScheduleRow(day, KINDS[kind], cells["名称"], number))
    if not rows and not errors:
        errors.append(ScheduleError(1, "", _("文件中没有任何日期。")))
    if errors:
        raise ImportRejected(errors)
    return rows


def _parse_date(text: str, number: int, year: int | None, errors: list) -> datetime.date | None:
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        day = datetime.date.fromisoformat(text)
    except ValueError:
        errors.append(ScheduleError(number, "日期", _("日期应写作 YYYY-MM-DD，如 2027-01-01。")))
        return None
    if year is not None and day.year != year:
        errors.append(ScheduleError(number, "日期", _("日期不在%(year)d年内。") % {"year": year}))
        return None
    return day


@transaction.atomic
def import_schedule(rows, *, by, year: int | None = None, note: str = "") -> dict:
    """Store parsed rows as overrides (a re-import changes nothing). With `year`, the rows
    are that year's complete schedule: its other overrides are removed and the year is
    marked covered, which ends provisional deadlines there."""
    rows = list(rows)
    existing = {o.date: o for o in DayOverride.objects.filter(date__in=[r.date for r in rows])}
    created = updated = unchanged = removed = 0
    for row in rows:
        current = existing.get(row.date)
        if current is None:
            DayOverride.objects.create(date=row.date, is_workday=row.is_workday, name=row.name)
            created += 1
        elif current.is_workday != row.is_workday or current.name != row.name:
            current.is_workday, current.name = row.is_workday, row.name
            current.save(update_fields=["is_workday", "name", "updated_at"])
            updated += 1
        else:
            unchanged += 1
    newly_covered = False
    if year is not None:
        listed = {row.date for row in rows}
        stale = DayOverride.objects.filter(date__year=year).exclude(date__in=listed)
        removed, _deleted = stale.delete()
        newly_covered = not CalendarYear.objects.filter(year=year).exists()
        CalendarYear.objects.update_or_create(
            year=year,
            defaults={
                "source": CalendarYear.Source.OVERRIDE,
                "note": note or _("由 yiwang import-holidays 导入"),
                "imported_at": timezone.now(),
            },
        )
    years = sorted({row.date.year for row in rows} | ({year} if year is not None else set()))
    summary = {
        "years": years,
        "covered_year": year,
        "newly_covered": newly_covered,
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "removed": removed,
    }
    if created or updated or removed or newly_covered:
        audit.record(by, "workdays.schedule_imported", None, summary=summary)
        _changed(years)
    return summary


def import_schedule_file(source, *, by, year: int | None = None, note: str = "") -> dict:
    """Parse and import in one step; nothing is imported if any row is wrong."""
    return import_schedule(parse_schedule(source, year=year), by=by, year=year, note=note)


# --- after every change -------------------------------------------------------------------


def _changed(years) -> None:
    years = sorted(set(years))
    # Now, so this transaction sees its own change; again after commit, so other processes
    # never keep a table they read before the commit.
    calendar.refresh()

    def after_commit():
        calendar.refresh()
        signals.schedule_changed.send(sender=DayOverride, years=years)

    transaction.on_commit(after_commit)
