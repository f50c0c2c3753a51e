"""The evaluation set: citizen-phrased queries and the items or bundles (一件事) they should
find. Two parts: `tuning` (eval_queries.csv, tuning_queries.csv, tuning_queries_2.csv,
tuning_queries_3.csv and tuning_queries_4.csv, the last three written over the whole catalogue), whose
misses the vocabulary and ranking were tuned on, and `heldback` (heldback_queries.csv), written before
any tuning and never tuned on; the benchmark prints the two scores separately."""

import csv
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
PARTS = {
    "tuning": (
        HERE / "eval_queries.csv",
        HERE / "tuning_queries.csv",
        HERE / "tuning_queries_2.csv",
        HERE / "tuning_queries_3.csv",
        HERE / "tuning_queries_4.csv",
    ),
    "heldback": (HERE / "heldback_queries.csv",),
}
QUERIES = PARTS["tuning"][0]


@dataclass
class Figures:
    total: int
    top1: int
    top3: int
    misses: list[tuple[str, list[str], list[str]]]  # query, expected, first three found
    part: str = "all"

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total

    def report(self, misses: bool = True) -> str:
        lines = [
            f"{self.part}: queries={self.total} top-1={self.top1_rate:.1%} ({self.top1}) "
            f"top-3={self.top3_rate:.1%} ({self.top3})"
        ]
        for query, expected, found in self.misses if misses else []:
            lines.append(f"  miss: {query!r} expected {expected} got {found}")
        return "\n".join(lines)


def rows(part: str | None = None) -> list[dict]:
    """The queries of one part, or of both."""
    paths = PARTS[part] if part else [p for paths in PARTS.values() for p in paths]
    found = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            found += list(csv.DictReader(handle))
    return found


def first_codes(raw: str, codes: dict, limit: int = 3) -> list[str]:
    """The codes a citizen sees first: matching bundles, then items."""
    from yiwang.catalog.models import Bundle
    from yiwang.catalog.search import query

    outcome = query.search(raw)
    bundles = dict(Bundle.objects.filter(pk__in=outcome.bundles).values_list("pk", "code"))
    found = [bundles[pk] for pk in outcome.bundles if pk in bundles]
    found += [codes[pk] for pk in outcome.ids[:limit]]
    return found[:limit]


def evaluate(part: str | None = None) -> Figures:
    """Run every query through the search the portal and API use; a hit is any expected
    code among the first one or three results (bundles shown first count first)."""
    from yiwang.catalog.models import ItemVersion

    codes = dict(ItemVersion.objects.values_list("pk", "item__code"))
    top1 = top3 = 0
    misses = []
    selected = rows(part)
    for row in selected:
        expected = row["expected"].split(";")
        found = first_codes(row["query"], codes)
        top1 += bool(found[:1] and found[0] in expected)
        hit = any(code in expected for code in found)
        top3 += hit
        if not hit or found[0] not in expected:
            misses.append((row["query"], expected, found))
    return Figures(len(selected), top1, top3, misses, part or "all")
