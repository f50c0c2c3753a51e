"""`yiwang hotline …`: the 12345 line's tools (docs/hotline.md).

yiwang hotline train [--folds N]       train the dispatch classifier from the appeals
                                       dispatchers confirmed; print its accuracy
yiwang hotline open311-client <name>   a client allowed to post through Open311; its
                                       api_key is printed once (only its SHA-256 is kept)
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yiwang.hotline import open311, suggest


class Command(BaseCommand):
    help = (
        "12345 line tools. `yiwang hotline train` trains the dispatch classifier from the "
        "appeals dispatchers confirmed (with the subject tree and the knowledge base), "
        "prints its cross-validated accuracy and makes it current; `yiwang hotline "
        "open311-client <name>` creates an Open311 client and prints its api_key once "
        "(docs/hotline.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("operation", choices=["train", "open311-client"])
        parser.add_argument("name", nargs="?", help="open311-client: the client's name")
        parser.add_argument(
            "--folds", type=int, default=suggest.FOLDS, help="train: cross-validation folds (2-10)"
        )

    def handle(self, *args, operation, folds, name=None, **options):
        if operation == "open311-client":
            return self._open311_client(name)
        return self._train(folds)

    def _train(self, folds):
        if not 2 <= folds <= 10:
            raise CommandError("--folds must be between 2 and 10.")
        trained = suggest.train_from_appeals(folds=folds)
        if trained is None:
            raise CommandError(
                "Nothing to train on: no subject tree and no dispatched appeals. "
                "Load the subjects first (`yiwang demo` does)."
            )
        m = trained.metrics
        self.stdout.write(
            f"Trained on {m['appeals']} dispatched appeals, {m['articles']} articles and "
            f"{m['subjects']} subjects; model #{trained.pk} is now current."
        )
        if "unit" in m:
            self.stdout.write(
                f"{m['folds']}-fold cross-validation: "
                f"subject top-1 {m['subject']['top1']:.1%}, top-3 {m['subject']['top3']:.1%}; "
                f"unit top-1 {m['unit']['top1']:.1%}, top-3 {m['unit']['top3']:.1%} "
                f"(keyword rules: unit top-1 {m['baseline_unit']['top1']:.1%}, "
                f"top-3 {m['baseline_unit']['top3']:.1%})."
            )
        else:
            self.stdout.write(
                f"Too few appeals for cross-validation (at least {2 * folds}); no figures."
            )

    def _open311_client(self, name):
        if not name:
            raise CommandError("Name the client: yiwang hotline open311-client <name>.")
        try:
            client, key = open311.create_client(name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Open311 client #{client.pk} {client.name!r} created.")
        self.stdout.write(f"api_key: {key}")
        self.stdout.write("Give the key to the client now: only its SHA-256 is kept.")
