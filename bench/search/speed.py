"""Search API throughput and latency on a synthetic 10,000-item catalogue, beside a bare
Django JSON view on the same server in the same run (STYLE.md: benchmarks compare in the
same run).

    .venv/bin/python bench/search/speed.py [--items 10000] [--threads 8] [--requests 1500]

A temporary SQLite database (or DATABASE_URL's PostgreSQL, flushed first) is migrated, the
demo catalogue imported and copied into a synthetic catalogue, reindexed; then `yiwang serve`
(uvicorn) runs on a free loopback port with YIWANG_BENCH=1, which adds the bare view.
Three rounds: the bare view; search with every URL new to the server (each query/filter
combination asked once, so the full-text query and ranking run every time); the same URLs
again (answers from the cache, as most traffic to a published catalogue is).
"""

import argparse
import random
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[2])]

from _setup import django_with_demo_catalogue  # noqa: E402

from bench._load import free_port, line, measure, start_server  # noqa: E402

VARIANTS = [
    "（试点）",
    "（一网通办）",
    "（告知承诺制）",
    "（跨省通办）",
    "（容缺受理）",
    "（联办）",
]


def synthesise(total: int) -> int:
    """Copy the published versions (materials and themes too) under new codes until the
    catalogue holds `total` items; names get a variant suffix so they stay distinct."""
    from django.db import transaction
    from django.utils import timezone

    from yiwang.catalog.models import ItemVersion, MaterialRequirement, ServiceItem
    from yiwang.catalog.search import index

    base = list(
        ItemVersion.objects.filter(status="published").prefetch_related("themes", "materials")
    )
    wanted = total - len(base)
    now = timezone.now()
    with transaction.atomic():
        items = ServiceItem.objects.bulk_create(
            [ServiceItem(code=f"{base[n % len(base)].item.code}-S{n:05d}") for n in range(wanted)]
        )
        versions = []
        for n, item in enumerate(items):
            source = base[n % len(base)]
            fields = {
                f.attname: getattr(source, f.attname)
                for f in ItemVersion._meta.concrete_fields
                if f.attname not in {"id", "item_id"}
            }
            fields["name"] = f"{source.name}{VARIANTS[n % len(VARIANTS)]}{n // len(base) + 1}"
            fields.update(number=1, status="published", published_at=now, source="import")
            versions.append(ItemVersion(item=item, **fields))
        versions = ItemVersion.objects.bulk_create(versions, batch_size=500)
        for item, version in zip(items, versions, strict=True):
            item.published = version
        ServiceItem.objects.bulk_update(items, ["published"], batch_size=500)
        themes, materials = [], []
        Theme = ItemVersion.themes.through
        for n, version in enumerate(versions):
            source = base[n % len(base)]
            themes += [Theme(itemversion_id=version.pk, theme_id=t.pk) for t in source.themes.all()]
            for m in source.materials.all():
                materials.append(
                    MaterialRequirement(
                        version=version,
                        seq=m.seq,
                        name=m.name,
                        kind=m.kind,
                        copies=m.copies,
                        medium=m.medium,
                        source=m.source,
                        license_type_id=m.license_type_id,
                        necessity=m.necessity,
                        notes=m.notes,
                    )
                )
        Theme.objects.bulk_create(themes, batch_size=1000)
        MaterialRequirement.objects.bulk_create(materials, batch_size=1000)
    return index.rebuild()


def search_paths() -> list[str]:
    """Distinct search URLs: the evaluation set's queries, without and with filters."""
    from tests.search.evaluation import rows

    queries = [row["query"] for row in rows()]
    filters = [{}, {"audience": "person"}, {"audience": "enterprise"}, {"level": "district"}]
    paths = [
        "/api/v1/items?" + urllib.parse.urlencode({"q": q, **extra})
        for extra in filters
        for q in queries
    ]
    random.Random(1).shuffle(paths)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--requests", type=int, default=1500)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="yiwang-bench-")
    started = time.perf_counter()
    url = django_with_demo_catalogue(workdir)
    indexed = synthesise(args.items)
    print(
        f"catalogue: {indexed} published items indexed on {url.split(':')[0]} "
        f"({time.perf_counter() - started:.0f}s)"
    )
    from django.db import connections

    connections.close_all()

    port = free_port()
    server = start_server(port, workdir)
    try:
        paths = search_paths()
        warm = ["/api/v1/items?q=" + urllib.parse.quote(q) for q in ("warm", "热身", "re shen")]
        measure(port, ["/api/v1/_bench/bare"] * 50 + warm, args.threads)
        bare = measure(port, ["/api/v1/_bench/bare"] * args.requests, args.threads)
        cold = measure(port, paths, args.threads)
        # The default local-memory cache keeps 300 entries (two per search URL): the cached
        # round asks 100 distinct URLs, as a busy day's popular questions would be.
        popular = paths[:100]
        repeated = (popular * (args.requests // len(popular) + 1))[: args.requests]
        measure(port, popular, args.threads)
        cached = measure(port, repeated, args.threads)
    finally:
        server.terminate()
        server.wait(timeout=10)
    bare_line = line(bare)
    print(f"search uncached ({len(paths)} distinct URLs, each asked once)")
    print(f"  search {line(cold)} | bare {bare_line} | ratio {cold['rps'] / bare['rps']:.2f}")
    print(f"search cached ({args.requests} requests over 100 of those URLs, from the cache)")
    print(f"  search {line(cached)} | bare {bare_line} | ratio {cached['rps'] / bare['rps']:.2f}")


if __name__ == "__main__":
    main()
