"""Dates follow the active language (issue 18): 2026年12月7日 in Chinese, 7 December 2026
in English, in pages, PDFs and filled forms alike."""

import datetime

from django.template import Context, Template
from django.utils import translation

from yiwang.core import dates, pdf

DAY = datetime.date(2026, 12, 7)


def test_a_date_reads_as_chinese_or_english_in_the_active_language():
    with translation.override("zh-hans"):
        assert dates.long_date(DAY) == "2026年12月7日"
        assert pdf.date_words(DAY) == "2026年12月7日"
    with translation.override("en"):
        assert dates.long_date(DAY) == "7 December 2026"
        assert pdf.date_words(DAY) == "7 December 2026"
        assert dates.long_date("2026-12-07") == "7 December 2026"


def test_templates_date_filter_and_long_date_follow_the_language():
    template = Template("{{ day|date }} / {{ day|long_date }}")
    with translation.override("en"):
        assert template.render(Context({"day": DAY})) == "7 December 2026 / 7 December 2026"
    with translation.override("zh-hans"):
        assert template.render(Context({"day": DAY})) == "2026年12月7日 / 2026年12月7日"


def test_a_moment_is_shown_in_local_time_on_the_24_hour_clock():
    moment = datetime.datetime(2026, 12, 7, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Shanghai
    with translation.override("en"):
        assert dates.long_datetime(moment) == "7 December 2026, 09:30"
