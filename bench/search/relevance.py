"""Top-1 and top-3 hit rates of the search over the evaluation set (tests/search/*.csv), on
a fresh database with the demo catalogue: the tuning part and the held-back part (never
tuned on) apart, and the bundles' names and life events.

    .venv/bin/python bench/search/relevance.py

It prints the tuning part's misses, to tune on, and only the held-back part's figures: its
misses are never printed, so nobody can tune on them by accident.
"""

import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[2])]

from _setup import django_with_demo_catalogue  # noqa: E402


def main() -> None:
    started = time.perf_counter()
    django_with_demo_catalogue()
    loaded = time.perf_counter()
    from tests.search.evaluation import evaluate

    total = 0
    for part in ("tuning", "heldback"):
        figures = evaluate(part)
        total += figures.total
        print(figures.report(misses=part == "tuning"))
    print(
        f"(setup {loaded - started:.1f}s, {total} queries "
        f"{(time.perf_counter() - loaded) * 1000:.0f}ms)"
    )


if __name__ == "__main__":
    main()
