import pytest

from yiwang.core import schedule

pytestmark = pytest.mark.django_db  # run_due closes stale DB connections between jobs


def test_a_job_runs_when_due_and_waits_its_interval(monkeypatch):
    calls = []
    monkeypatch.setattr(schedule, "_jobs", {})
    schedule.every(60, name="count")(lambda: calls.append(1))

    assert schedule.run_due(now=1000.0) == ["count"]
    assert schedule.run_due(now=1030.0) == []
    assert schedule.run_due(now=1060.0) == ["count"]
    assert len(calls) == 2


def test_a_failing_job_does_not_stop_the_others(monkeypatch):
    monkeypatch.setattr(schedule, "_jobs", {})
    done = []
    schedule.every(60, name="broken")(lambda: 1 / 0)
    schedule.every(60, name="fine")(lambda: done.append(True))
    assert schedule.run_due(now=0.0) == ["broken", "fine"]
    assert done == [True]
