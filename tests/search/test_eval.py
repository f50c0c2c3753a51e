"""The evaluation set: citizens' phrasings (colloquial, pinyin, initials, one wrong
character, enterprise questions) against the whole demo catalogue. Target: top-3 ≥ 90 %."""

from .evaluation import evaluate, rows


def test_the_set_is_large_and_names_real_items():
    import csv

    from yiwang.demo.loader import catalog_file

    items = catalog_file().parent / "items.csv"
    with items.open(encoding="utf-8") as handle:
        known = {row["事项编码"] for row in csv.DictReader(handle)}
    assert len(rows()) >= 60
    assert {"colloquial", "pinyin", "initials", "typo", "enterprise"} <= {r["kind"] for r in rows()}
    for row in rows():
        assert set(row["expected"].split(";")) <= known, row


def test_top3_hit_rate_is_at_least_90_percent(demo_catalog):
    figures = evaluate()
    print(figures.report())
    assert figures.top3_rate >= 0.9, figures.report()
    assert figures.top1_rate >= 0.8, figures.report()
