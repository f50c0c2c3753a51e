"""`yiwang hotline …`: the 12345 line's tools (docs/hotline.md).

yiwang hotline open311-client <name>   a client allowed to post through Open311; its
                                       api_key is printed once (only its SHA-256 is kept)
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "The 12345 line's tools. `yiwang hotline open311-client <name>` creates an Open311 "
        "client and prints its api_key once."
    )

    def add_arguments(self, parser):
        operations = parser.add_subparsers(dest="operation", required=True)
        client = operations.add_parser(
            "open311-client",
            help="create an Open311 client and print its api_key once",
        )
        client.add_argument("name", help="the client's name (an app, a partner)")

    def handle(self, *args, operation, **options):
        if operation == "open311-client":
            return self._open311_client(options["name"])
        raise CommandError(f"unknown operation {operation!r}")

    def _open311_client(self, name):
        from yiwang.hotline import open311

        try:
            client, key = open311.create_client(name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Open311 client #{client.pk} {client.name!r} created.")
        self.stdout.write(f"api_key: {key}")
        self.stdout.write("Give the key to the client now: only its SHA-256 is kept.")
