"""One kind of state machine for every status in the platform (docs/cases.md, "State
machines").

A `StateMachine` is data: the states (a `TextChoices` class), a table of the moves allowed
from each state, the stable error `code` a forbidden move raises, and — for the case — the
national 办件状态 code each move writes. The service function that changes a status asks
the machine first and only then changes the object:

    CASE.check(case.status, Status.ACCEPTED)   # the national code, or TransitionError
    case.status = Status.ACCEPTED

A forbidden move is always an error (`TransitionError`, with the machine's stable `code`),
never a no-op; a move a service repeats on purpose (a second file on an uploaded material)
is declared in the table as a move to the same state. `TransitionError` is a Django
`ValidationError`, so the pages show it where they show any refused action, and the API
maps it once, to a 409 application/problem+json with its `code` (yiwang.api.problems).

The table is checked when the machine is built: every row and every target is a declared
state, every state has a row (an empty one for a final state), and a national-code table,
when given, names exactly the allowed moves."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils.functional import Promise

# Every machine built, by name: the docs' list and the tests walk it.
MACHINES: dict[str, "StateMachine"] = {}


class TransitionError(ValidationError):
    """A move the machine forbids. `code` is stable (the API's problem code); `machine`,
    `current` and `target` say which move was refused."""

    def __init__(self, machine: "StateMachine", current, target, code: str, message: str):
        self.machine, self.current, self.target = machine, current, target
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return str(self.message)


class StateMachine:
    """The moves allowed between the states of one status field, as data."""

    def __init__(
        self,
        name: str,
        states: type[models.Choices],
        table: Mapping[str, Iterable[str]],
        *,
        code: str,
        message: str | Promise,
        refusals: Mapping[str, tuple[str, str | Promise]] | None = None,
        national: Mapping[tuple[str, str], int | None] | None = None,
        initial: str | None = None,
        field: str = "status",
    ):
        """`message` is the refusal, formatted with %(current)s and %(target)s (the states'
        labels); `refusals` gives a move *to* a state its own (code, message) where the API
        already had one. `national` maps each allowed move to the national code it writes
        (None: the move has none). `initial` is the state a new object starts in; `field`
        the model field that holds the state."""
        self.name, self.states, self.code, self.message = name, states, code, message
        self.field = field
        self.table = {
            states(source): frozenset(states(t) for t in targets)
            for source, targets in table.items()
        }
        self.refusals = dict(refusals or {})
        self.national = None if national is None else dict(national)
        self.initial = states(initial) if initial is not None else None
        self._validate()
        MACHINES[name] = self

    def _validate(self) -> None:
        declared = set(self.states)
        if set(self.table) != declared:
            missing = sorted(declared - set(self.table))
            raise ImproperlyConfigured(f"machine {self.name}: no row for {missing}")
        if unknown := set(self.refusals) - declared:
            raise ImproperlyConfigured(f"machine {self.name}: refusals for {sorted(unknown)}")
        if self.national is not None and set(self.national) != set(self.edges()):
            difference = set(self.national) ^ set(self.edges())
            raise ImproperlyConfigured(
                f"machine {self.name}: national codes differ from the moves at {difference}"
            )

    def __repr__(self) -> str:
        return f"<StateMachine {self.name}>"

    # --- reading the table ------------------------------------------------------------------

    def edges(self) -> list[tuple[str, str]]:
        """Every allowed move, as (from, to)."""
        return [(s, t) for s, targets in self.table.items() for t in sorted(targets)]

    def targets(self, current) -> frozenset:
        """The states `current` may move to (none for an unknown state)."""
        return self.table.get(current, frozenset())

    def allows(self, current, target) -> bool:
        return target in self.targets(current)

    def sources(self, target) -> frozenset:
        """The states that may move to `target`."""
        return frozenset(s for s, targets in self.table.items() if target in targets)

    def final(self) -> frozenset:
        """The states nothing leaves."""
        return frozenset(s for s, targets in self.table.items() if not targets)

    def national_code(self, current, target) -> int | None:
        return None if self.national is None else self.national.get((current, target))

    # --- refusing ---------------------------------------------------------------------------

    def _label(self, state) -> str:
        try:
            return str(self.states(state).label)
        except ValueError:
            return str(state)

    def error(self, current, target) -> TransitionError:
        code, message = self.refusals.get(target, (self.code, self.message))
        words = str(message) % {"current": self._label(current), "target": self._label(target)}
        return TransitionError(self, current, target, code, words)

    def check(self, current, target) -> int | None:
        """Raise `TransitionError` unless `current` → `target` is allowed; return the
        national code the move writes (None for a machine without one)."""
        if not self.allows(current, target):
            raise self.error(current, target)
        return self.national_code(current, target)

    def move(self, obj, target) -> int | None:
        """Check, then set the object's state field (the caller saves). Nothing changes
        when the move is refused."""
        code = self.check(getattr(obj, self.field), target)
        setattr(obj, self.field, self.states(target))
        return code

    def update(self, queryset, target, **fields) -> int:
        """Move, in one UPDATE, the rows of `queryset` whose state may move to `target`
        (with `fields` set alongside); the others are left as they are. Returns how many
        moved: a caller that expected one says so when none did."""
        rows = queryset.filter(**{f"{self.field}__in": self.sources(target)})
        return rows.update(**{self.field: self.states(target)}, **fields)
