import datetime

from django.utils import timezone
from django_tasks import task


@task()
def deliver_message(message_id: int) -> str:
    from . import services

    status = services.deliver(message_id)
    if status == "retry" and deliver_message.get_backend().supports_defer:
        delay = datetime.timedelta(seconds=30 * 2 ** services.attempts_of(message_id))
        deliver_message.using(run_after=timezone.now() + delay).enqueue(message_id)
    return status
