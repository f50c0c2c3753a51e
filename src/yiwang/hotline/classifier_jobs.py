"""The dispatch classifier's weekly retraining (yiwang.core.schedule; docs/hotline.md,
"Routing and the classifier"). The job looks every hour and trains only when the current
model is a week old (or there is none), so a restarted worker does not retrain, and two
workers at once make one current after the other (suggest.train_from_appeals)."""

from yiwang.core import schedule

from . import suggest


@schedule.every(3600)
def retrain_dispatch_classifier():
    """每周: the classifier learns the week's dispatches (and the dispatchers' corrections)."""
    if suggest.needs_training():
        suggest.train_from_appeals()
