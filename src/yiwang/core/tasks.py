from django_tasks import task


@task()
def handle_event(event_id: int) -> dict[str, str]:
    """Run the subscribers of a committed domain event (core.events.dispatch)."""
    from . import events

    return events.dispatch(event_id)
