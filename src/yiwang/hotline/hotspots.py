"""热点发现: a subject, an area or a keyword whose appeals rise sharply against its own
baseline (docs/hotline.md, "Supervision, hotspots and the weekly report").

Each key (a subject code, a street or community code, a keyword) has a count per day
(Asia/Shanghai). For a day D and each window of w days ending on D (1, 7 and 28 days), the
count of the window is compared with what the BASELINE_DAYS days before the window lead
one to expect:

- the expected count is w × the baseline's mean per day, never below w / BASELINE_DAYS
  (as if the key had been seen once in the baseline), so a key never seen before still
  needs several appeals to stand out;
- counts of appeals are over-dispersed (a busy Monday, a quiet holiday), so the Poisson
  tail is taken on the quasi-Poisson scale: count and expectation divided by the
  baseline's dispersion φ = max(1, variance / mean), as public-health outbreak detection
  does with counts of cases;
- the score is −log10 of that upper tail P(X ≥ count); a window alerts when its score is
  at least THRESHOLD, its count at least twice the expectation and at least its window's
  least count (3 in a day, 4 in 7 days, 6 in 28 days).

The day's alert is its best window. `rise` is the pure judgement (property-tested);
`find_between` reads the counts with one GROUP BY per dimension over the days it needs
and stores HotspotAlert rows, replacing those of the days judged (idempotent).

Keywords are the nouns of an appeal's text (jieba's part-of-speech tagger; person names are
never keywords, nor words with digits, nor the stopwords below), each counted once per
appeal. They are counted once per day into KeywordDay, so the detector reads counts only.
"""

import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.db.models.functions import TruncDate

from yiwang.identity.models import OrgUnit
from yiwang.workdays.calendar import SHANGHAI

from .models import Appeal, AppealStatus, HotspotAlert, KeywordDay

BASELINE_DAYS = 56  # eight weeks: every weekday eight times
# (days in the window, least count in it)
WINDOWS: tuple[tuple[int, int], ...] = ((1, 3), (7, 4), (28, 6))
THRESHOLD = 4.0  # −log10 of the tail: at most one chance in 10 000
MIN_RATIO = 2.0
LOOKBACK = BASELINE_DAYS + max(w for w, _least in WINDOWS)
# The job catches up at most this many days per run (a fresh install's year of appeals is
# counted over a few runs, never in one long one that would hold up the other jobs).
CATCH_UP_DAYS = 31
HISTORY_DAYS = 366

SUBJECT = HotspotAlert.Dimension.SUBJECT
AREA = HotspotAlert.Dimension.AREA
KEYWORD = HotspotAlert.Dimension.KEYWORD


# --- the judgement (pure) -------------------------------------------------------------------


@dataclass(frozen=True)
class Rise:
    window: int  # days
    count: int  # appeals in the window
    baseline: float  # appeals the baseline expected in the window
    score: float  # −log10 P(X ≥ count)


def log10_tail(k: float, mu: float) -> float:
    """log10 P(X ≥ k) for X ~ Poisson(mu), k > 0, mu > 0; continuous in k (the regularised
    lower incomplete gamma function P(k, mu), by its series, which converges fast for the
    k > mu this is asked for)."""
    term = total = 1.0
    n = 1
    while n < 100_000:
        term *= mu / (k + n)
        total += term
        if term < 1e-17 * total:
            break
        n += 1
    value = k * math.log(mu) - mu - math.lgamma(k + 1) + math.log(total)
    return min(0.0, value) / math.log(10)


def _judge(count: int, base_sum: float, base_squares: float, window: int, least: int, days: int):
    """The Rise of a window of `window` days holding `count`, after `days` baseline days
    summing to `base_sum` (their squares to `base_squares`); None when it is no alert."""
    if count < least:
        return None
    mean = base_sum / days
    expected = window * max(mean, 1.0 / days)
    if count < MIN_RATIO * expected:
        return None
    variance = max(0.0, (base_squares - days * mean * mean) / (days - 1)) if days > 1 else 0.0
    dispersion = max(1.0, variance / mean) if mean > 0 else 1.0
    score = -log10_tail(count / dispersion, expected / dispersion)
    if score < THRESHOLD:
        return None
    return Rise(window=window, count=count, baseline=round(expected, 3), score=round(score, 2))


def rise(
    counts: Sequence[int],
    *,
    baseline_days: int = BASELINE_DAYS,
    windows: Iterable[tuple[int, int]] = WINDOWS,
) -> Rise | None:
    """Has the last day of `counts` (daily counts, oldest first) risen sharply? The best
    window's Rise, or None. A window needs `baseline_days` days before it; with fewer, the
    missing days count as zero."""
    best = None
    for window, least in windows:
        need = window + baseline_days
        series = [0] * max(0, need - len(counts)) + [int(c) for c in counts[-need:]]
        base = series[:baseline_days]
        found = _judge(
            sum(series[baseline_days:]),
            sum(base),
            sum(c * c for c in base),
            window,
            least,
            baseline_days,
        )
        if found and (best is None or found.score > best.score):
            best = found
    return best


def rises(counts: Sequence[int], first: int) -> dict[int, Rise]:
    """`rise` for every position from `first` to the end of `counts`, by prefix sums (a
    year of days costs a year of steps, not a year of baselines)."""
    sums, squares = [0], [0]
    for c in counts:
        sums.append(sums[-1] + c)
        squares.append(squares[-1] + c * c)
    least_of_all = min(least for _w, least in WINDOWS)
    widest = max(w for w, _least in WINDOWS)
    found = {}
    for end in range(max(first, 0), len(counts)):
        stop = end + 1
        if sums[stop] - sums[max(0, stop - widest)] < least_of_all:
            continue
        best = None
        for window, least in WINDOWS:
            start = stop - window
            base_start = start - BASELINE_DAYS
            base_sum = sums[max(0, start)] - sums[max(0, base_start)]
            base_squares = squares[max(0, start)] - squares[max(0, base_start)]
            one = _judge(
                sums[stop] - sums[max(0, start)],
                base_sum,
                base_squares,
                window,
                least,
                BASELINE_DAYS,
            )
            if one and (best is None or one.score > best.score):
                best = one
        if best:
            found[end] = best
    return found


# --- keywords -------------------------------------------------------------------------------

# Nouns (n), place names (ns), organisations (nt), other proper nouns (nz), verbal nouns
# (vn), nominal idioms and morphemes (nl, ng) and abbreviations (j, e.g. 中介). Never person
# names (nr…): a keyword is shown to supervisors and must not name anyone.
NOUN_TAGS = frozenset({"n", "ns", "nt", "nz", "vn", "nl", "ng", "j"})
STOPWORDS = frozenset(
    """
    问题 情况 时候 部门 工作 政府 电话 希望 人员 时间 地方 东西 事情 办法 现在 今天 昨天
    明天 小区 家里 回复 处理 相关 有关 单位 市民 群众 居民 领导 方面 街道 社区 公司 结果
    建议 全是 老人 孩子 师傅 地址 投诉 举报 咨询 求助 表扬 反映 诉求 热线 工作人员 有人
    情况下 地区 附近 旁边 门口 时间段 一下 样子 原因 意见 要求 规定 政策 材料 手续
    """.split()
)
MAX_KEYWORD = 12


@lru_cache(maxsize=1)
def _tagger():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    return jieba.posseg


def keywords_of(text: str) -> set[str]:
    """The appeal's keywords: its nouns, each once."""
    found = set()
    for word, tag in _tagger().cut(str(text or "")[:5000]):
        word = word.strip()
        if (
            tag in NOUN_TAGS
            and 2 <= len(word) <= MAX_KEYWORD
            and word not in STOPWORDS
            and not any(ch.isdigit() for ch in word)
            and word.isprintable()
        ):
            found.add(word)
    return found


def _start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=SHANGHAI)


def _counted():
    """Appeals that count: everything received but duplicates merged into another."""
    return Appeal.objects.exclude(status=AppealStatus.MERGED)


def count_keywords(first: datetime.date, last: datetime.date) -> int:
    """Count the keywords of the appeals received first..last into KeywordDay, replacing
    what those days held (one read of their texts, one delete, one bulk insert). Returns
    the number of appeals read."""
    per_day: dict[datetime.date, Counter] = {}
    appeals: Counter = Counter()
    texts = (
        _counted()
        .filter(received_at__gte=_start(first), received_at__lt=_start(last) + _DAY)
        .order_by()
        .values_list("received_at", "title", "text")
    )
    for received_at, title, text in texts.iterator(chunk_size=2000):
        day = received_at.astimezone(SHANGHAI).date()
        appeals[day] += 1
        per_day.setdefault(day, Counter()).update(keywords_of(f"{title}\n{text}"))
    rows = []
    day = first
    while day <= last:
        rows.append(KeywordDay(day=day, keyword="", count=appeals[day]))
        rows += [KeywordDay(day=day, keyword=w, count=n) for w, n in per_day.get(day, {}).items()]
        day += _DAY
    with transaction.atomic():
        KeywordDay.objects.filter(day__gte=first, day__lte=last).delete()
        KeywordDay.objects.bulk_create(rows, batch_size=2000)
    return sum(appeals.values())


_DAY = datetime.timedelta(days=1)


# --- counts per key and day -----------------------------------------------------------------

Series = dict[tuple[str, str], dict[datetime.date, int]]


def _by_day(queryset, *fields):
    return (
        queryset.annotate(day=TruncDate("received_at", tzinfo=SHANGHAI))
        .order_by()
        .values("day", *fields)
        .annotate(n=Count("pk"))
    )


def daily_counts(
    first: datetime.date, last: datetime.date
) -> tuple[Series, dict[tuple[str, str], str]]:
    """Counts per (dimension, key) and day, first..last, and each key's label: one GROUP BY
    for subjects, one for areas, one for keywords (only those seen at least
    min(least counts) times in the range), one for the areas' names."""
    series: Series = defaultdict(dict)
    labels: dict[tuple[str, str], str] = {}
    appeals = _counted().filter(received_at__gte=_start(first), received_at__lt=_start(last) + _DAY)
    for row in _by_day(appeals.filter(subject__isnull=False), "subject__code", "subject__name"):
        key = (SUBJECT, row["subject__code"])
        series[key][row["day"]] = series[key].get(row["day"], 0) + row["n"]
        labels[key] = row["subject__name"]
    # A street's appeals are its own and its communities': an appeal counts for each org
    # below the district on its area's path.
    for row in _by_day(appeals.exclude(area_path=""), "area_path"):
        for code in [p for p in row["area_path"].split("/") if p][1:]:
            key = (AREA, code)
            series[key][row["day"]] = series[key].get(row["day"], 0) + row["n"]
    area_codes = [code for dimension, code in series if dimension == AREA]
    for code, name in OrgUnit.objects.filter(code__in=area_codes).values_list("code", "name"):
        labels[(AREA, code)] = name
    least = min(least for _w, least in WINDOWS)
    in_range = KeywordDay.objects.filter(day__gte=first, day__lte=last).exclude(keyword="")
    frequent = (
        in_range.order_by()
        .values("keyword")
        .annotate(total=Sum("count"))
        .filter(total__gte=least)
        .values("keyword")
    )
    for day, keyword, n in in_range.filter(keyword__in=frequent).values_list(
        "day", "keyword", "count"
    ):
        series[(KEYWORD, keyword)][day] = n
        labels[(KEYWORD, keyword)] = keyword
    return series, labels


# --- finding and storing alerts -------------------------------------------------------------


def _uncounted(first: datetime.date, last: datetime.date) -> list[tuple]:
    """Spans of days first..last whose keywords were never counted."""
    counted = set(
        KeywordDay.objects.filter(day__gte=first, day__lte=last, keyword="").values_list(
            "day", flat=True
        )
    )
    spans, start, day = [], None, first
    while day <= last:
        if day in counted:
            if start:
                spans.append((start, day - _DAY))
                start = None
        elif start is None:
            start = day
        day += _DAY
    if start:
        spans.append((start, last))
    return spans


def find_between(first: datetime.date, last: datetime.date) -> list[HotspotAlert]:
    """Judge every day first..last and store its alerts: the days' keywords are counted
    again (and any uncounted day of their baseline), the alerts of those days replaced by
    what is found now (an alert kept keeps its acknowledgement). Returns the alerts."""
    since = first - datetime.timedelta(days=LOOKBACK)
    for start, stop in _uncounted(since, first - _DAY):
        count_keywords(start, stop)
    count_keywords(first, last)
    series, labels = daily_counts(since, last)
    days = (last - since).days + 1
    offset = (first - since).days
    found = []
    for (dimension, key), counts in series.items():
        dense = [counts.get(since + datetime.timedelta(days=n), 0) for n in range(days)]
        for position, one in rises(dense, offset).items():
            found.append(
                HotspotAlert(
                    day=since + datetime.timedelta(days=position),
                    dimension=dimension,
                    key=key[:100],
                    label=(labels.get((dimension, key)) or key)[:200],
                    window=one.window,
                    count=one.count,
                    baseline=one.baseline,
                    score=one.score,
                )
            )
    with transaction.atomic():
        stale = HotspotAlert.objects.filter(day__gte=first, day__lte=last)
        keep = {(a.day, a.dimension, a.key) for a in found}
        gone = [
            pk
            for pk, day, dimension, key in stale.values_list("pk", "day", "dimension", "key")
            if (day, dimension, key) not in keep
        ]
        if gone:
            HotspotAlert.objects.filter(pk__in=gone).delete()
        if found:
            HotspotAlert.objects.bulk_create(
                found,
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["day", "dimension", "key"],
                update_fields=["window", "label", "count", "baseline", "score"],
            )
    return found


def find_hotspots(day: datetime.date) -> list[HotspotAlert]:
    """The alerts of one day (stored; running it again changes nothing)."""
    return find_between(day, day)


def catch_up(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date] | None:
    """The worker's job: judge the days from the last one judged (recounted: it may have
    been judged before its end) to today, at most CATCH_UP_DAYS a run. A fresh install
    starts at its first appeal, no more than a year back. Returns the span judged."""
    from yiwang.journey.workflow import clocks  # tests travel in time through clocks.today

    today = today or clocks.today()
    last_judged = KeywordDay.objects.filter(keyword="", day__lte=today).aggregate(d=Max("day"))["d"]
    if last_judged is None:
        earliest = _counted().aggregate(at=Min("received_at"))["at"]
        if earliest is None:
            return None
        first = max(earliest.astimezone(SHANGHAI).date(), today - datetime.timedelta(HISTORY_DAYS))
    else:
        first = min(last_judged, today - _DAY)
    last = min(today, first + datetime.timedelta(days=CATCH_UP_DAYS - 1))
    find_between(first, last)
    return first, last


# --- reading alerts -------------------------------------------------------------------------


def alerts_between(first: datetime.date, last: datetime.date):
    """Alerts of the days first..last, newest day first, strongest first."""
    return HotspotAlert.objects.filter(day__gte=first, day__lte=last).order_by(
        "-day", "-score", "dimension", "key"
    )


def area_and_below(code: str):
    """The org `code` names and its subtree (a community's appeals count for its street)."""
    org = OrgUnit.objects.filter(code=code).first()
    return OrgUnit.objects.subtree_of(org).values("pk") if org else OrgUnit.objects.none()


def appeals_behind(alert: HotspotAlert):
    """The appeals an alert counted: its key's appeals in its window (keywords: those whose
    text holds the word), newest first."""
    first = alert.day - datetime.timedelta(days=alert.window - 1)
    appeals = _counted().filter(
        received_at__gte=_start(first), received_at__lt=_start(alert.day) + _DAY
    )
    if alert.dimension == SUBJECT:
        appeals = appeals.filter(subject__code=alert.key)
    elif alert.dimension == AREA:
        appeals = appeals.filter(area__in=area_and_below(alert.key))
    else:
        appeals = appeals.filter(text__contains=alert.key)
    return appeals.select_related("subject").order_by("-received_at", "-id")
