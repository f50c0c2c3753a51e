"""Top-1 and top-3 hit rates of the search over the evaluation set (tests/search/*.csv), on
a fresh database with the demo catalogue: the tuning part and the held-back part (never
tuned on) apart, and the bundles' names and life events.

    .venv/bin/python bench/search/relevance.py [--misses]
"""

import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[2])]

from _setup import django_with_demo_catalogue  # noqa: E402


def main() -> None:
    misses = "--misses" in sys.argv
    started = time.perf_counter()
    django_with_demo_catalogue()
    loaded = time.perf_counter()
    from tests.search.evaluation import evaluate

    total = 0
    for part in ("tuning", "heldback"):
        figures = evaluate(part)
        total += figures.total
        # The held-back part's misses are printed only on request: reading them is tuning.
        print(figures.report(misses=misses or part == "tuning"))
    print(
        f"(setup {loaded - started:.1f}s, {total} queries "
        f"{(time.perf_counter() - loaded) * 1000:.0f}ms)"
    )


if __name__ == "__main__":
    main()
