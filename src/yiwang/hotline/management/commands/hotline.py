from django.core.management.base import BaseCommand, CommandError

from yiwang.hotline import suggest


class Command(BaseCommand):
    help = (
        "12345 line tools. `yiwang hotline train` trains the dispatch classifier from the "
        "appeals dispatchers confirmed (with the subject tree and the knowledge base), "
        "prints its cross-validated accuracy and makes it current (docs/hotline.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("operation", choices=["train"])
        parser.add_argument(
            "--folds", type=int, default=suggest.FOLDS, help="cross-validation folds (2-10)"
        )

    def handle(self, *args, operation, folds, **options):
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
