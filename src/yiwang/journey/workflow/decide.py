"""What completing an approval task does to a journey, decided on the loaded state alone.

Nothing here reads or writes the database: `services.complete` loads the journey (its rows
locked), checks the actor, calls `completion`, and writes the `Outcome` in bulk. So the
rules of the engine — AND-join of a stage, return to the previous stage, a deny that ends
the case, a bundle's main items in sequence and the others in parallel, the parent
concluding once — are plain functions over plain values, tested on their own
(tests/journey/workflow/test_decide.py, with hypothesis)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from yiwang.journey.cases.models import Status

from .models import Decision

CONCLUDED = frozenset({Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED})
ENDED = CONCLUDED | {Status.WITHDRAWN}


@dataclass(frozen=True)
class Step:
    """One approval step of the case's template."""

    seq: int
    deny_ends_case: bool = True


@dataclass(frozen=True)
class Member:
    """A case of the journey: its status, whether a tolerated (容缺) material it needs is
    still owed, and for a bundle child whether it is a main item (run in sequence)."""

    pk: int
    status: str
    owed: bool = False
    main: bool = False


@dataclass(frozen=True)
class Journey:
    """A bundle parent and its children in the order they run (main items first, in their
    order, then the parallel ones)."""

    parent: Member
    children: tuple[Member, ...]

    @property
    def main(self) -> list[Member]:
        return [c for c in self.children if c.main]

    @property
    def parallel(self) -> list[Member]:
        return [c for c in self.children if not c.main]


@dataclass
class Outcome:
    """What the engine writes. Cases concluded and ended appear in the order they end."""

    cancel_stage: bool = False  # the other open tasks of the task's stage end with it
    push: int | None = None  # the task's case gets the stage of this step seq next
    start: list[int] = field(default_factory=list)  # accepted children going in_review
    conclude: list[tuple[int, str, str]] = field(default_factory=list)  # (case, status, why)
    end_unstarted: list[int] = field(default_factory=list)  # children denied unstarted
    ready: list[int] = field(default_factory=list)  # cases whose result is ready to deliver


class NothingToReturnTo(ValueError):
    """A return decision on the first stage."""


def completion(
    *,
    stage: int,
    decision: str,
    opinion: str,
    steps: tuple[Step, ...],
    others_open: bool,
    case: Member,
    journey: Journey | None = None,
) -> Outcome:
    """The outcome of completing one task of `case` at step `stage` with `decision`.
    `others_open`: whether other tasks of the same stage and round are still open."""
    position = next(i for i, s in enumerate(steps) if s.seq == stage)
    outcome = Outcome()
    if decision == Decision.RETURN:
        if position == 0:
            raise NothingToReturnTo(stage)
        outcome.cancel_stage = True
        outcome.push = steps[position - 1].seq
    elif decision == Decision.DENY and steps[position].deny_ends_case:
        outcome.cancel_stage = True
        _conclude(outcome, case, Status.DENIED, opinion, journey)
    elif not others_open:
        if position + 1 < len(steps):
            outcome.push = steps[position + 1].seq
        else:
            approved = Status.APPROVED_TOLERATED if case.owed else Status.APPROVED
            _conclude(outcome, case, approved, "", journey)
    return outcome


def _conclude(outcome: Outcome, case: Member, status: str, reason: str, journey) -> None:
    outcome.conclude.append((case.pk, status, reason))
    if journey is None:
        if status != Status.DENIED:
            outcome.ready.append(case.pk)
        return
    statuses = {c.pk: c.status for c in journey.children}
    statuses[case.pk] = status
    main = [c.pk for c in journey.main]
    if case.pk in main:
        if status == Status.DENIED:
            # Later items build on the main item: without it they cannot be granted.
            reason = _("主办事项不予许可，本事项终止办理。")
            for waiting in journey.children:
                if statuses[waiting.pk] == Status.ACCEPTED:
                    outcome.end_unstarted.append(waiting.pk)
                    outcome.conclude.append((waiting.pk, Status.DENIED, reason))
                    statuses[waiting.pk] = Status.DENIED
        else:
            index = main.index(case.pk)
            following = main[index + 1 : index + 2] or [c.pk for c in journey.parallel]
            for pk in following:
                outcome.start.append(pk)
                statuses[pk] = Status.IN_REVIEW
    if journey.parent.status in CONCLUDED or not all(s in ENDED for s in statuses.values()):
        return
    outcome.conclude.append((journey.parent.pk, *parent_outcome(set(statuses.values()))))
    if statuses and set(statuses.values()) & {Status.APPROVED, Status.APPROVED_TOLERATED}:
        outcome.ready.append(journey.parent.pk)


def parent_outcome(statuses: set[str]) -> tuple[str, str]:
    """一件事 concludes once: approved when every item is approved (with tolerance when
    one is), denied when any item is denied. Each child keeps its own decision, and the
    results of approved children are delivered either way."""
    if Status.DENIED in statuses:
        return Status.DENIED, _("部分事项不予许可，详见各事项决定书。")
    if Status.APPROVED_TOLERATED in statuses:
        return Status.APPROVED_TOLERATED, ""
    return Status.APPROVED, ""
