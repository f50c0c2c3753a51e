"""The evaluation set: citizen-phrased queries and the items they should find."""

import csv
from dataclasses import dataclass
from pathlib import Path

QUERIES = Path(__file__).with_name("eval_queries.csv")


@dataclass
class Figures:
    total: int
    top1: int
    top3: int
    misses: list[tuple[str, list[str], list[str]]]  # query, expected, first three found

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total

    def report(self) -> str:
        lines = [
            f"queries={self.total} top-1={self.top1_rate:.1%} ({self.top1}) "
            f"top-3={self.top3_rate:.1%} ({self.top3})"
        ]
        for query, expected, found in self.misses:
            lines.append(f"  miss: {query!r} expected {expected} got {found}")
        return "\n".join(lines)


def rows() -> list[dict]:
    with QUERIES.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def evaluate() -> Figures:
    """Run every query through the search the portal and API use; a hit is any expected
    code among the first one or three results."""
    from yiwang.catalog.models import ItemVersion
    from yiwang.catalog.search import query

    codes = dict(ItemVersion.objects.values_list("pk", "item__code"))
    top1 = top3 = 0
    misses = []
    for row in rows():
        expected = row["expected"].split(";")
        found = [codes[pk] for pk in query.search(row["query"]).ids[:3]]
        top1 += bool(found[:1] and found[0] in expected)
        hit = any(code in expected for code in found)
        top3 += hit
        if not hit:
            misses.append((row["query"], expected, found))
    return Figures(len(rows()), top1, top3, misses)
