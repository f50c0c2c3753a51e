"""The evaluation set: citizens' phrasings (questions, life events, colloquial, dialect,
pinyin, initials, typos, English) against the whole demo catalogue, in a tuning part and a
held-back part that was written before any tuning (bench/search/README.md has the figures)."""

import csv

from .evaluation import evaluate, first_codes, rows

BUNDLE_EVENTS = {
    "YJS-0001": ["开办餐饮店一件事", "我要开餐饮店"],
    "YJS-0002": ["企业开办一件事", "新办企业"],
    "YJS-0003": ["新生儿出生一件事", "孩子出生了要办什么"],
    "YJS-0004": ["残疾人服务一件事", "残疾人能办什么"],
    "YJS-0005": ["二手房转移登记一件事", "买卖二手房"],
    "YJS-0006": ["就业一件事", "失业了要办什么"],
    "YJS-0007": ["身后一件事", "家里老人去世了", "人死了要办什么"],
    "YJS-0008": ["结婚落户一件事", "结婚了户口迁过来"],
}


def test_the_set_is_large_varied_and_names_real_items_and_bundles():
    from yiwang.demo.loader import catalog_file

    folder = catalog_file().parent
    with (folder / "items.csv").open(encoding="utf-8") as handle:
        known = {row["事项编码"] for row in csv.DictReader(handle)}
    with (folder / "bundles.csv").open(encoding="utf-8") as handle:
        known |= {row["一件事编码"] for row in csv.DictReader(handle)}
    assert len(rows()) >= 300
    assert len(rows("heldback")) >= 150
    kinds = {"question", "life_event", "dialect", "typo", "pinyin", "initials"}
    assert kinds <= {r["kind"] for r in rows("heldback")}
    tuning = {r["query"] for r in rows("tuning")}
    assert not tuning & {r["query"] for r in rows("heldback")}
    for row in rows():
        assert set(row["expected"].split(";")) <= known, row


def test_a_bundle_is_first_for_its_name_and_its_life_event(demo_catalog):
    from yiwang.catalog.models import ItemVersion

    codes = dict(ItemVersion.objects.values_list("pk", "item__code"))
    for code, queries in BUNDLE_EVENTS.items():
        for query in queries:
            assert first_codes(query, codes, 1) == [code], query


def test_tuning_part_hit_rates(demo_catalog):
    figures = evaluate("tuning")
    print(figures.report())
    # Both databases only list documents; the ranking is the same (docs/search.md, "Speed"):
    # measured 97.9 % / 99.4 % on SQLite and on PostgreSQL over 1,598 queries.
    assert figures.top1_rate >= 0.97, figures.report()
    assert figures.top3_rate >= 0.99, figures.report()


def test_held_back_part_is_measured(demo_catalog):
    """The held-back score is reported as it is (bench/search/README.md); this guards it
    against falling back below what was measured."""
    figures = evaluate("heldback")
    print(figures.report(misses=False))
    # Measured 92.4 % / 98.1 % on SQLite and on PostgreSQL (bench/search/README.md).
    assert figures.top1_rate >= 0.91 and figures.top3_rate >= 0.97, figures.report(misses=False)
