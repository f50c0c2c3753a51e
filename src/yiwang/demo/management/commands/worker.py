from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules

from yiwang.core import schedule


class Command(BaseCommand):
    help = "Run the background task worker (django-tasks database backend) and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run every outstanding task and every periodic job once, then exit.",
        )

    def handle(self, *args, batch, **options):
        autodiscover_modules("jobs")  # each app's jobs.py registers its periodic jobs
        if batch:
            schedule.run_due()
            call_command("db_worker", "--no-reload", "--batch")
            return
        schedule.start_in_background()
        call_command("db_worker", "--no-reload")
