"""Working-day arithmetic on the Chinese calendar (holidays and 调休 make-up workdays).

Use the `calendar` module: `from yiwang.workdays import calendar`. The names below are also
reachable here (`yiwang.workdays.add_workdays_checked`), loaded on first use so importing the
package never touches models before Django is ready."""

_PUBLIC = {
    "Deadline",
    "PROVISIONAL_NOTICE",
    "UncoveredYear",
    "WorkdayCount",
    "add_workdays",
    "add_workdays_checked",
    "covered_years",
    "deadline_instant",
    "is_covered",
    "is_workday",
    "workdays_between",
    "workdays_between_checked",
}


def __getattr__(name):
    if name in _PUBLIC:
        from . import calendar

        return getattr(calendar, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
