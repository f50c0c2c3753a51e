"""A throw-away database with the demo catalogue, for the search benchmarks."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def django_with_demo_catalogue(workdir: str | None = None) -> str:
    """Point Django at a fresh SQLite file (or DATABASE_URL if given), migrate, import the
    demo catalogue. Returns the database URL."""
    workdir = workdir or tempfile.mkdtemp(prefix="yiwang-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("YIWANG_DATA_DIR", workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    for path in (ROOT, ROOT / "src"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    import django

    django.setup()
    from django.core.management import call_command

    if url.startswith("postgres"):
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    from yiwang.demo.loader import load_catalog

    load_catalog()
    return url
