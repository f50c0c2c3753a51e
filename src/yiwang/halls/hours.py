"""Opening hours (办公时间): the text an org's sheet carries, read into a weekly schedule.

    >>> parse("周一至周五 9:00-12:00 14:00-20:00；周六 9:00-12:00；周日休息").days[5]
    ((540, 720),)

The text is read as a list of groups, each a set of days followed by time ranges or by a word
that closes them (休息, 闭馆, 不办公):

- days: 周一…周日 / 星期一…星期日(星期天) / 礼拜一…, joined by 至, 到, -, —, ～ into a range
  (周五至周一 runs over the weekend) and by 、 , ， into a list; 工作日 is Monday to Friday,
  每天 / 每日 / 全天候 every day;
- times: 9:00, 09:00, 9：00, 9点, 9点30(分), 9时30分, 24:00, joined by any of the same
  dashes, or 至 / 到; a day may have several ranges, which are merged where they overlap;
- full-width and half-width punctuation read the same (NFKC), and a later group overrides an
  earlier one for the days it names ("周一至周日 9:00-17:00；周六 9:00-12:00": Saturday
  closes at noon).

Anything else (a note in brackets such as "（法定节假日除外）": holidays come from the
working-day calendar, not from here) is skipped and reported in `Schedule.ignored`. A group
without times, or a range that ends before it starts, is reported in `Schedule.errors`; a text
from which no day at all could be read is an empty schedule whose `errors` say why. Pure:
no database, no clock."""

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

DAY_NAMES = "一二三四五六日"
WEEK = range(1, 8)  # ISO weekdays: 1 Monday … 7 Sunday
Range = tuple[int, int]  # minutes after midnight, [start, end)


@dataclass(frozen=True)
class Schedule:
    """The ranges of each ISO weekday (1–7), in order, not overlapping."""

    days: dict[int, tuple[Range, ...]] = field(default_factory=lambda: {d: () for d in WEEK})
    errors: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not any(self.days.values())

    def ranges(self, weekday: int) -> tuple[Range, ...]:
        return self.days.get(weekday, ())

    def is_open_at(self, weekday: int, minute: int) -> bool:
        return any(start <= minute < end for start, end in self.ranges(weekday))

    def as_json(self) -> dict[str, list[list[str]]]:
        """{"1": [["09:00", "12:00"], …], … "7": []}: what Hall.schedule stores."""
        return {str(d): [[_hhmm(s), _hhmm(e)] for s, e in self.ranges(d)] for d in WEEK}

    @classmethod
    def from_json(cls, data) -> "Schedule":
        data = data or {}
        return cls(
            {d: tuple((_minutes(s), _minutes(e)) for s, e in data.get(str(d), ())) for d in WEEK}
        )

    def describe(self) -> str:
        """The schedule in words, one group per run of days with the same hours."""
        parts, d = [], 1
        while d <= 7:
            end = d
            while end < 7 and self.ranges(end + 1) == self.ranges(d):
                end += 1
            if self.ranges(d):
                days = _day_word(d) if end == d else f"{_day_word(d)}至{_day_word(end)}"
                times = " ".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in self.ranges(d))
                parts.append(f"{days} {times}")
            d = end + 1
        return "；".join(parts)


class HoursError(ValueError):
    """The text holds no day the parser can read (`str()` says why, in the user's language)."""


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _day_word(day: int) -> str:
    return "周" + DAY_NAMES[day - 1]


# --- tokens ---------------------------------------------------------------------------------

_DAY = r"(?:周|星期|礼拜)(?P<day>[一二三四五六日天七1-7])"
_TIME = (
    r"(?P<hour>[0-9]{1,2})\s*(?:"
    r"[:.]\s*(?P<minute>[0-9]{2})"
    r"|[点时]\s*(?:(?P<cn_minute>[0-9]{1,2})\s*分?|半(?P<half>))?"
    r")"
)
_TOKENS = re.compile(
    "|".join(
        [
            _DAY,
            r"(?P<workdays>工作日)",
            r"(?P<everyday>每天|每日|全天候|全周)",
            _TIME,
            r"(?P<closed>休息|闭馆|不办公|不对外办公|休)",
            r"(?P<ampm>上午|早上|中午|下午|晚上)",
            r"(?P<dash>[-‐‑‒–—―~～至到])",
            r"(?P<list>[、,/和及])",
            r"(?P<stop>[;。\n|])",
            r"(?P<note>[(\[（【][^)\]）】]*[)\]）】])",
            r"(?P<space>\s+)",
            r"(?P<other>.)",
        ]
    ),
    re.S,
)
_DAY_NUMBER = (
    {c: i + 1 for i, c in enumerate(DAY_NAMES)} | {"天": 7, "七": 7} | {str(i): i for i in WEEK}
)


@dataclass
class _Token:
    kind: str
    value: object = None
    text: str = ""
    span: tuple[int, int] = (0, 0)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind in ("hour", "minute", "cn_minute", "half"):
            kind = "time"
        span = match.span()
        if kind == "day":
            tokens.append(_Token("day", _DAY_NUMBER[match["day"]], match[0], span))
        elif match["hour"] is not None:
            minute = int(
                match["minute"] or match["cn_minute"] or (30 if match["half"] is not None else 0)
            )
            hour = int(match["hour"])
            value = hour * 60 + minute if minute < 60 and hour <= 24 else -1
            tokens.append(_Token("time", value, match[0], span))
        elif kind == "ampm":
            tokens.append(_Token("ampm", match[0] in ("下午", "晚上"), match[0], span))
        elif kind != "space":
            tokens.append(_Token(kind, None, match[0], span))
    return tokens


# --- grammar --------------------------------------------------------------------------------


def _day_span(first: int, last: int) -> list[int]:
    """周五至周一: Friday, Saturday, Sunday, Monday."""
    days, day = [first], first
    while day != last:
        day = day % 7 + 1
        days.append(day)
    return days


def parse(text: str | None) -> Schedule:
    """Read 办公时间 text into a Schedule; never raises (see `parse_strict`)."""
    normal = unicodedata.normalize("NFKC", str(text or ""))
    tokens = _tokens(normal)
    days: dict[int, tuple[Range, ...]] = {d: () for d in WEEK}
    errors: list[str] = []
    ignored: list[str] = []
    i, any_day = 0, False

    def peek(offset=0):
        return tokens[i + offset] if i + offset < len(tokens) else _Token("end")

    while i < len(tokens):
        # A group's days.
        group: list[int] = []
        while True:
            token = peek()
            if token.kind == "day":
                first = token.value
                i += 1
                if peek().kind == "dash" and peek(1).kind == "day":
                    group.extend(_day_span(first, peek(1).value))
                    i += 2
                else:
                    group.append(first)
            elif token.kind == "workdays":
                group.extend(range(1, 6))
                i += 1
            elif token.kind == "everyday":
                group.extend(WEEK)
                i += 1
            elif token.kind == "list" and group:
                i += 1
                continue
            else:
                break
        # Its time ranges (or the word that closes the days).
        ranges: list[Range] = []
        closed = afternoon = False
        attempted = 0
        while True:
            token = peek()
            if token.kind == "ampm":
                afternoon = token.value
                i += 1
            elif token.kind == "time" and peek(1).kind == "dash" and _time_follows(peek, 2):
                start = _afternoon(token.value, afternoon)
                if peek(2).kind == "ampm":  # 上午9点至下午5点
                    afternoon = peek(2).value
                    i += 1
                # 下午2点至5点: the end of an afternoon range is in the afternoon too.
                end = _afternoon(peek(2).value, afternoon)
                words = f"{token.text}-{peek(2).text}"
                i += 3
                attempted += 1
                if start < 0 or end < 0 or start >= 24 * 60 or end > 24 * 60:
                    errors.append(_("“%(range)s”不是有效的时间。") % {"range": words})
                elif end <= start:
                    errors.append(_("“%(range)s”的结束时间早于开始时间。") % {"range": words})
                else:
                    ranges.append((start, end))
            elif token.kind == "closed":
                closed = True
                i += 1
            elif token.kind == "list":
                i += 1
            else:
                break
        if group:
            any_day = True
            if ranges or closed:
                merged = _merge(ranges)
                for day in group:
                    days[day] = merged
            elif not attempted:  # a range that was wrong is already reported
                words = _days_words(group)
                errors.append(_("%(days)s没有写明办公时间。") % {"days": words})
        elif ranges:
            errors.append(_("时间前没有写明星期几，已忽略。"))
        # Whatever does not start a group is skipped.
        while i < len(tokens) and peek().kind not in ("day", "workdays", "everyday", "time"):
            token = peek()
            if token.kind in ("note", "other", "dash", "closed", "ampm"):
                ignored.append(token.span)
            i += 1
        if (
            i < len(tokens)
            and peek().kind == "time"
            and not (peek(1).kind == "dash" and _time_follows(peek, 2))
        ):
            ignored.append(peek().span)
            i += 1
    if any_day and not errors and not any(days.values()):
        errors.append(_("每一天都写成了休息，没有办公时间。"))
    if not any_day:
        errors.insert(
            0,
            _("无法识别办公时间“%(text)s”，请按“周一至周五 9:00-12:00 14:00-17:30”的格式填写。")
            % {"text": normal.strip()[:60]},
        )
    return Schedule(days, tuple(errors), _pieces(normal, ignored))


def parse_strict(text: str | None) -> Schedule:
    """As `parse`, but a text that yields no opening hours at all raises HoursError."""
    schedule = parse(text)
    if schedule.is_empty:
        raise HoursError(schedule.errors[0] if schedule.errors else _("没有填写办公时间。"))
    return schedule


def _merge(ranges: list[Range]) -> tuple[Range, ...]:
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def _time_follows(peek, offset: int) -> bool:
    """A time at `offset`, or 上午/下午 and then a time."""
    if peek(offset).kind == "ampm":
        offset += 1
    return peek(offset).kind == "time"


def _days_words(days: list[int]) -> str:
    """周一至周五、周日: runs of days in words."""
    days = sorted(set(days))
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][1] + 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return "、".join(_day_word(a) if a == b else f"{_day_word(a)}至{_day_word(b)}" for a, b in runs)


def _afternoon(minute: int, afternoon: bool) -> int:
    """下午2:00 is 14:00; 下午14:00 stays as it is."""
    return minute + 12 * 60 if afternoon and 0 <= minute < 12 * 60 else minute


def _pieces(text: str, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    """The skipped text, touching spans joined into one piece."""
    joined: list[list[int]] = []
    for start, end in spans:
        if joined and text[joined[-1][1] : start].strip() == "":
            joined[-1][1] = end
        else:
            joined.append([start, end])
    return tuple(text[s:e].strip() for s, e in joined if text[s:e].strip())
