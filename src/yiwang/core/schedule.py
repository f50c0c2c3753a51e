"""Periodic jobs, run by `yiwang worker` in a background thread.

Django Tasks has no scheduler yet, so each worker runs the registered jobs at their interval.
Several workers may run the same job: every job must be idempotent (safe to run twice)."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections

log = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every_seconds: int
    func: Callable[[], object]
    next_run: float = 0.0


_jobs: dict[str, Job] = {}


def every(seconds: int, name: str | None = None):
    def register(func):
        job_name = name or f"{func.__module__}.{func.__qualname__}"
        _jobs[job_name] = Job(job_name, seconds, func)
        return func

    return register


def jobs() -> list[Job]:
    return list(_jobs.values())


def run_due(now: float | None = None) -> list[str]:
    """Run every job whose time has come; return their names. A failing job is logged and
    tried again at its next interval."""
    now = time.monotonic() if now is None else now
    ran = []
    for job in _jobs.values():
        if job.next_run > now:
            continue
        job.next_run = now + job.every_seconds
        close_old_connections()
        try:
            job.func()
        except Exception:
            log.exception("periodic job %s failed", job.name)
        ran.append(job.name)
    return ran


def start_in_background(tick_seconds: float = 1.0) -> threading.Thread:
    # One second: the audit sealer runs every second (yiwang.audit.jobs).
    def loop():
        while True:
            run_due()
            time.sleep(tick_seconds)

    thread = threading.Thread(target=loop, name="yiwang-scheduler", daemon=True)
    thread.start()
    return thread
