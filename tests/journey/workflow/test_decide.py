"""The engine's rules on plain values (workflow.decide): no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.journey.cases.models import Status
from yiwang.journey.workflow import decide
from yiwang.journey.workflow.models import Decision

STEPS = (decide.Step(1), decide.Step(2), decide.Step(3))
CASE = decide.Member(10, Status.IN_REVIEW)


def complete(stage, decision=Decision.APPROVE, *, others_open=False, case=CASE, **kw):
    return decide.completion(
        stage=stage,
        decision=decision,
        opinion="理由" if decision != Decision.APPROVE else "",
        steps=kw.pop("steps", STEPS),
        others_open=others_open,
        case=case,
        **kw,
    )


def test_an_approval_pushes_the_next_stage_once_the_stage_is_done():
    assert complete(1).push == 2
    waiting = complete(1, others_open=True)  # AND-join: another department is still at it
    assert waiting.push is None and not waiting.conclude


def test_the_last_stage_concludes_and_the_result_is_made_ready():
    outcome = complete(3)
    assert outcome.conclude == [(10, Status.APPROVED, "")] and outcome.ready == [10]
    owed = complete(3, case=decide.Member(10, Status.IN_REVIEW, owed=True))
    assert owed.conclude == [(10, Status.APPROVED_TOLERATED, "")]


def test_a_deny_ends_the_case_and_its_stage_without_a_result():
    outcome = complete(2, Decision.DENY, others_open=True)
    assert outcome.cancel_stage and outcome.conclude == [(10, Status.DENIED, "理由")]
    assert not outcome.ready


def test_a_deny_where_the_template_lets_the_case_go_on_counts_as_done():
    steps = (decide.Step(1, deny_ends_case=False), decide.Step(2))
    assert complete(1, Decision.DENY, steps=steps).push == 2


def test_a_return_goes_back_one_stage_but_not_from_the_first():
    outcome = complete(2, Decision.RETURN, others_open=True)
    assert outcome.cancel_stage and outcome.push == 1
    with pytest.raises(decide.NothingToReturnTo):
        complete(1, Decision.RETURN)


def bundle(*children, parent=Status.IN_REVIEW):
    return decide.Journey(decide.Member(1, parent), tuple(children))


MAIN = decide.Member(2, Status.IN_REVIEW, main=True)
WAITING = [decide.Member(pk, Status.ACCEPTED) for pk in (3, 4, 5)]


def test_the_main_item_approved_starts_the_parallel_items_together():
    outcome = complete(3, case=MAIN, journey=bundle(MAIN, *WAITING))
    assert outcome.start == [3, 4, 5] and not outcome.ready  # the parent is still open


def test_the_main_item_denied_ends_the_waiting_items_and_the_journey():
    outcome = complete(1, Decision.DENY, case=MAIN, journey=bundle(MAIN, *WAITING))
    assert outcome.end_unstarted == [3, 4, 5]
    assert outcome.conclude[-1][:2] == (1, Status.DENIED) and not outcome.ready


def test_the_last_item_concludes_the_parent_once():
    done = [decide.Member(pk, Status.APPROVED) for pk in (2, 3, 4)]
    last = decide.Member(5, Status.IN_REVIEW)
    outcome = complete(3, case=last, journey=bundle(*done, last))
    assert outcome.conclude == [(5, Status.APPROVED, ""), (1, Status.APPROVED, "")]
    assert outcome.ready == [1]
    already = complete(3, case=last, journey=bundle(*done, last, parent=Status.APPROVED))
    assert already.conclude == [(5, Status.APPROVED, "")]


statuses = st.sampled_from([Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED])


@given(st.lists(statuses, min_size=1, max_size=6), st.sampled_from(list(Decision)))
def test_a_journey_concludes_as_its_items_did(earlier, decision):
    """Whatever the items decided, the parent is denied when one item is, approved with
    tolerance when one is, approved otherwise — and a result is delivered when any item
    was granted."""
    children = [decide.Member(pk, s) for pk, s in enumerate(earlier, start=2)]
    last = decide.Member(100, Status.IN_REVIEW)
    outcome = complete(3, decision, case=last, journey=bundle(*children, last))
    if decision == Decision.RETURN:
        assert outcome.push == 2 and not outcome.conclude
        return
    mine = Status.DENIED if decision == Decision.DENY else Status.APPROVED
    everything = {*earlier, mine}
    parent = outcome.conclude[-1]
    assert parent[0] == 1
    if Status.DENIED in everything:
        assert parent[1] == Status.DENIED
    elif Status.APPROVED_TOLERATED in everything:
        assert parent[1] == Status.APPROVED_TOLERATED
    else:
        assert parent[1] == Status.APPROVED
    granted = everything & {Status.APPROVED, Status.APPROVED_TOLERATED}
    assert outcome.ready == ([1] if granted else [])
