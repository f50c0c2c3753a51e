"""One kind of state machine for every status (docs/cases.md, "State machines"): the tables
are consistent, a forbidden move is refused with the machine's stable code and leaves the
state as it was, and every move of a case writes its national 办件状态 code."""

from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from hypothesis import given
from hypothesis import strategies as st

from yiwang.catalog import transitions as catalog_machines
from yiwang.core.machines import MACHINES, StateMachine, TransitionError
from yiwang.feedback import transitions as feedback_machines
from yiwang.halls import transitions as hall_machines
from yiwang.hotline import transitions as hotline_machines
from yiwang.journey.cases import transitions as case_machines
from yiwang.journey.cases.models import Status
from yiwang.journey.workflow import transitions as workflow_machines
from yiwang.licenses import transitions as licence_machines
from yiwang.notify import transitions as notify_machines
from yiwang.supervision import orders

ALL = [
    case_machines.CASE,
    case_machines.MATERIAL,
    catalog_machines.VERSION,
    catalog_machines.IMPORT,
    feedback_machines.RECTIFICATION,
    orders.ORDER,
    workflow_machines.TASK,
    workflow_machines.EXTENSION,
    workflow_machines.DELIVERY,
    licence_machines.LICENCE,
    notify_machines.MESSAGE,
    hall_machines.WINDOW,
    hall_machines.TICKET,
    hall_machines.APPOINTMENT,
    hotline_machines.APPEAL,
    hotline_machines.UNIT,
    hotline_machines.EXTENSION,
]

# The stable API codes of a refused move, as clients have known them.
CODES = {
    "case": "invalid_transition",
    "item_version": "invalid_transition",
    "approval_task": "invalid_task_transition",
    "rectification": "invalid_rectification_transition",
    "supervision_order": "invalid_order_transition",
    "result_delivery": "invalid_delivery_transition",
    "extension": "extension_decided",
    "case_material": "invalid_material_transition",
    "message": "invalid_message_transition",
    "catalog_import": "invalid_import_transition",
    "license": "invalid_license_transition",
    "hall_window": "invalid_window_transition",
    "queue_ticket": "invalid_ticket_transition",
    "appointment": "invalid_appointment_transition",
    "hotline_appeal": "invalid_appeal_transition",
    "hotline_unit": "invalid_appeal_unit_transition",
    "hotline_extension": "invalid_extension_transition",
}


def test_every_status_field_of_the_platform_has_its_machine():
    """A status or state with choices on any model is moved by one of the machines."""
    machined = {(m.states, m.field) for m in MACHINES.values()}
    fields = [
        (model, field)
        for model in apps.get_models()
        if model.__module__.startswith("yiwang.")
        for field in model._meta.get_fields()
        if field.name in ("status", "state") and getattr(field, "choices", None)
    ]
    assert fields
    for model, field in fields:
        assert any(
            field.name == name and {c for c, _ in field.choices} == set(states.values)
            for states, name in machined
        ), f"{model.__name__}.{field.name} has no state machine"
    assert {m.name for m in ALL} == set(MACHINES)


@pytest.mark.parametrize("machine", ALL, ids=lambda m: m.name)
def test_each_table_names_only_declared_states_and_keeps_its_code(machine):
    declared = set(machine.states)
    assert set(machine.table) == declared
    for source, targets in machine.table.items():
        assert targets <= declared, source
    assert machine.initial in declared
    assert machine.code == CODES[machine.name]
    # Every state but the first is reachable from it; the final ones end there.
    reached, frontier = {machine.initial}, [machine.initial]
    while frontier:
        for target in machine.targets(frontier.pop()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    unreachable = declared - reached
    if machine is case_machines.MATERIAL:  # made so at draft start, from the form or an item
        unreachable -= {
            case_machines.M.FROM_FORM,
            case_machines.M.FROM_EARLIER_ITEM,
        }
    assert not unreachable


def test_national_codes_cover_every_move_and_every_state_of_a_case():
    machine = case_machines.CASE
    assert set(machine.national) == set(machine.edges())
    coded = {target for (_, target), code in machine.national.items() if code is not None}
    assert coded == set(Status) - {Status.DRAFT}  # a draft is not yet a case nationally
    assert all(1 <= code <= 15 for code in machine.national.values() if code is not None)
    assert machine.check(Status.SUPPLEMENT, Status.SUBMITTED) == 7  # resubmitted, not 1


machines = st.sampled_from(ALL)


@st.composite
def walks(draw):
    machine = draw(machines)
    states = list(machine.states)
    return machine, draw(st.lists(st.sampled_from(states), max_size=25))


@given(walks())
def test_any_sequence_of_requested_moves_follows_the_table_or_is_refused_unchanged(walk):
    machine, requests = walk
    thing = SimpleNamespace(**{machine.field: machine.initial})
    for target in requests:
        before = getattr(thing, machine.field)
        if machine.allows(before, target):
            machine.move(thing, target)
            assert getattr(thing, machine.field) == target
            assert target in machine.table[before]
        else:
            with pytest.raises(TransitionError) as refused:
                machine.move(thing, target)
            error = refused.value
            assert getattr(thing, machine.field) == before  # nothing changed
            assert (error.current, error.target, error.machine) == (before, target, machine)
            assert isinstance(error, ValidationError)
            assert error.code == machine.refusals.get(target, (machine.code,))[0]
            assert str(error) and "%(" not in str(error)


@given(machines, st.data())
def test_a_final_state_refuses_every_move(machine, data):
    if not machine.final():
        return
    final = data.draw(st.sampled_from(sorted(machine.final())))
    target = data.draw(st.sampled_from(list(machine.states)))
    with pytest.raises(TransitionError):
        machine.check(final, target)


def test_the_refusal_reads_as_the_states_labels():
    error = case_machines.CASE.error(Status.REFUSED, Status.ACCEPTED)
    assert str(error) == "办件当前状态“不予受理”，不能变为“已受理”。"
    assert error.messages == [str(error)]


class Light(models.TextChoices):
    RED = "red", "红"
    GREEN = "green", "绿"


@pytest.mark.parametrize(
    "table",
    [
        {Light.RED: {Light.GREEN}},  # no row for green
        {Light.RED: {"blue"}, Light.GREEN: set()},  # an undeclared target
    ],
)
def test_a_table_that_is_not_consistent_is_refused_when_built(table):
    with pytest.raises((ImproperlyConfigured, ValueError)):
        StateMachine("test_light", Light, table, code="x", message="%(current)s")
    assert "test_light" not in MACHINES


def test_national_codes_must_name_exactly_the_moves():
    with pytest.raises(ImproperlyConfigured):
        StateMachine(
            "test_light",
            Light,
            {Light.RED: {Light.GREEN}, Light.GREEN: set()},
            code="x",
            message="%(current)s",
            national={(Light.GREEN, Light.RED): 1},
        )
    assert "test_light" not in MACHINES
