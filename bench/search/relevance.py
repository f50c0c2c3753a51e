"""Top-1 and top-3 hit rates of the search over the evaluation set
(tests/search/eval_queries.csv), on a fresh database with the demo catalogue.

    .venv/bin/python bench/search/relevance.py
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import django_with_demo_catalogue  # noqa: E402


def main() -> None:
    started = time.perf_counter()
    django_with_demo_catalogue()
    loaded = time.perf_counter()
    from tests.search.evaluation import evaluate

    figures = evaluate()
    print(figures.report())
    print(
        f"(setup {loaded - started:.1f}s, {figures.total} queries "
        f"{(time.perf_counter() - loaded) * 1000:.0f}ms)"
    )


if __name__ == "__main__":
    main()
