"""`yiwang hotline …`: the 12345 line's tools (docs/hotline.md).

yiwang hotline open311-client <name>   a client allowed to post through Open311; its
                                       api_key is printed once (only its SHA-256 is kept)
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "12345 line tools. `yiwang hotline open311-client <name>` creates an Open311 client "
        "and prints its api_key once (only its SHA-256 is kept; docs/hotline.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("operation", choices=["open311-client"])
        parser.add_argument("name", nargs="?", help="open311-client: the client's name")

    def handle(self, *args, operation, name=None, **options):
        if operation == "open311-client":
            return self._open311_client(name)
        raise CommandError(f"unknown operation {operation!r}")

    def _open311_client(self, name):
        from yiwang.hotline import open311

        if not name:
            raise CommandError("Name the client: yiwang hotline open311-client <name>.")
        try:
            client, key = open311.create_client(name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Open311 client #{client.pk} {client.name!r} created.")
        self.stdout.write(f"api_key: {key}")
        self.stdout.write("Give the key to the client now: only its SHA-256 is kept.")
