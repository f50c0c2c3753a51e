from django.core.management.base import BaseCommand, CommandError

from yiwang.audit import services


class Command(BaseCommand):
    help = "Audit log tools. `yiwang audit verify` checks the hash chain."

    def add_arguments(self, parser):
        parser.add_argument("operation", choices=["verify"])

    def handle(self, *args, operation, **options):
        result = services.verify()
        if result.ok:
            self.stdout.write(f"OK: {result.checked} audit events, chain intact.")
            return
        what = {"altered": "altered", "missing": "missing"}[result.problem]
        raise CommandError(
            f"Audit chain broken: event #{result.seq} is {what} "
            f"({result.checked} events before it are intact)."
        )
