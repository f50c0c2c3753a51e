"""Tasks of the kernel, run by the worker."""

from django_tasks import task


@task()
def run_event_delivery(delivery_id: int) -> str:
    """A subscriber that runs as a task (`subscribe(..., later=True)`): one delivery."""
    from . import events

    return events.run(delivery_id)
