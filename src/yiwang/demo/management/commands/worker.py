import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.management.commands.db_worker import TASKS_LOGGER
from django_tasks_db.management.commands.db_worker import Command as DbWorker

from yiwang.core import schedule


class QuietDbWorker(DbWorker):
    """django-tasks' worker, which at the default verbosity logs every task's start and
    end: hundreds of lines that bury the demo's banner and an operator's real warnings.
    Here failures and warnings still show; `-v 2` shows every task again."""

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        if verbosity == 1:
            for name in (TASKS_LOGGER, "django_tasks_db"):
                logging.getLogger(name).setLevel(logging.WARNING)


class Command(BaseCommand):
    help = "Run the background task worker (django-tasks database backend) and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run every outstanding task and every periodic job once, then exit.",
        )

    def handle(self, *args, batch, verbosity, **options):
        autodiscover_modules("jobs")  # each app's jobs.py registers its periodic jobs
        if batch:
            schedule.run_due()
            call_command(QuietDbWorker(), "--no-reload", "--batch", verbosity=verbosity)
            return
        schedule.start_in_background()
        call_command(QuietDbWorker(), "--no-reload", verbosity=verbosity)
