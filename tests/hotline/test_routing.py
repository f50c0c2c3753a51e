"""Routing rules (yiwang.hotline.routing): the first matching rule wins; dispatchers create,
change, reorder and delete them, each change audited and pinned in statements; the editor
pages under /workbench/hotline/routing/."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.hotline.factories import CGW, DONGFENG, HEPING, QINGNIANHU, SCJ, ZJW, org
from tests.statements import exactly, fresh
from yiwang.audit.models import AuditEvent
from yiwang.hotline import routing
from yiwang.hotline.models import RoutingRule


@pytest.fixture
def rules(line, subject):
    """Three rules: a keyword anywhere, the subject in 和平街道, the subject anywhere."""
    d = line.dispatcher
    return [
        routing.create_rule(by=d, keyword="电梯", unit=org(SCJ), note="电梯安全"),
        routing.create_rule(
            by=d, subject=subject, area=org(HEPING), unit=org(HEPING), assisting=[org(CGW)]
        ),
        routing.create_rule(by=d, subject=subject, unit=org(ZJW)),
    ]


def test_the_first_matching_rule_wins(rules, subject):
    found = routing.route(subject=subject, area=org(QINGNIANHU), text="垃圾没人清运")
    assert found.rule == rules[1] and found.unit == org(HEPING)  # 青年湖 is in 和平街道
    assert found.assisting == (org(CGW),)
    assert routing.route(subject=subject, area=org(DONGFENG), text="垃圾").rule == rules[2]
    assert routing.route(subject=subject, area=None, text="电梯困人").rule == rules[0]
    assert routing.route(subject=None, area=None, text="没有规则适用") is None


def test_an_inactive_rule_is_skipped(line, rules, subject):
    routing.update_rule(rules[1], by=line.dispatcher, **_values(rules[1]), is_active=False)
    assert routing.route(subject=subject, area=org(HEPING), text="").rule == rules[2]


def _values(rule):
    return {
        "subject": rule.subject,
        "area": rule.area,
        "keyword": rule.keyword,
        "unit": rule.unit,
        "assisting": list(rule.assisting.all()),
        "note": rule.note,
    }


def test_moving_swaps_with_the_neighbour_and_stops_at_the_ends(line, rules, subject):
    d = line.dispatcher
    routing.move_rule(rules[2], by=d, direction="up")
    assert [r.pk for r in routing.rules()] == [rules[0].pk, rules[2].pk, rules[1].pk]
    assert routing.route(subject=subject, area=org(HEPING), text="").rule == rules[2]
    routing.move_rule(rules[0], by=d, direction="up")  # already first: nothing moves
    routing.move_rule(rules[1], by=d, direction="down")  # already last
    assert [r.position for r in routing.rules()] == [1, 2, 3]
    with pytest.raises(ValidationError):
        routing.move_rule(rules[0], by=d, direction="sideways")


def test_deleting_keeps_the_others_in_order(line, rules):
    routing.delete_rule(rules[1], by=line.dispatcher)
    assert [r.pk for r in routing.rules()] == [rules[0].pk, rules[2].pk]
    event = AuditEvent.objects.filter(action="hotline.rule_deleted").get()
    assert event.summary["unit"] == HEPING


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({}, "subject", "rule_empty"),
        ({"keyword": "电梯\x00"}, "keyword", "keyword_invalid"),
        ({"keyword": "长" * 51}, "keyword", "keyword_invalid"),
        ({"keyword": "电梯", "note": "x" * 201}, "note", "note_invalid"),
        ({"area": "990101-CGW"}, "area", "area_invalid"),  # a department is not an area
        ({"keyword": "电梯", "assisting": ["990101"] * 1}, "assisting", "unit_invalid"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_saved(line, values, field, code):
    values = {k: (org(v) if k == "area" else v) for k, v in values.items()}
    if "assisting" in values:
        values["assisting"] = [org(c) for c in values["assisting"]]
    with pytest.raises(ValidationError) as refused:
        routing.create_rule(by=line.dispatcher, unit=org(CGW), **values)
    assert refused.value.error_dict[field][0].code == code
    assert not RoutingRule.objects.exists()


def test_a_parent_subject_is_not_a_rule_subject(line, subject):
    with pytest.raises(ValidationError) as refused:
        routing.create_rule(by=line.dispatcher, subject=subject.parent, unit=org(CGW))
    assert refused.value.error_dict["subject"][0].code == "subject_invalid"


def test_only_dispatchers_edit_rules(line, rules):
    for who in (line.agent, line.handler, line.supervisor, line.citizen):
        with pytest.raises(PermissionDenied):
            routing.create_rule(by=who, keyword="电梯", unit=org(SCJ))
        with pytest.raises(PermissionDenied):
            routing.delete_rule(rules[0], by=who)
    assert RoutingRule.objects.count() == 3


def test_every_change_is_audited(line, rules):
    routing.move_rule(rules[2], by=line.dispatcher, direction="up")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-4:] == ["hotline.rule_created"] * 3 + ["hotline.rule_moved"]


# --- statement budgets ------------------------------------------------------------------------


def test_creating_a_rule_costs_a_fixed_number_of_statements(line, subject):
    d = fresh(line.dispatcher)
    unit, units = org(SCJ), [org(CGW), org(ZJW)]
    # Grants; savepoint; the last position; the insert; the assisting units; the audit
    # event; release.
    with exactly(7, "create_rule"):
        routing.create_rule(by=d, subject=subject, unit=unit, assisting=units)


def test_changing_a_rule_costs_a_fixed_number_of_statements(line, rules):
    values = _values(rules[1]) | {"keyword": "绿地", "assisting": [org(ZJW)]}
    d = fresh(line.dispatcher)
    # Grants; savepoint; lock; update; assisting (read, remove, add); audit; release.
    with exactly(9, "update_rule"):
        routing.update_rule(rules[1], by=d, **values)


def test_moving_a_rule_costs_the_same_whatever_the_number_of_rules(line, rules, subject):
    d = fresh(line.dispatcher)
    # Grants; savepoint; lock all; one bulk update; audit; release.
    with exactly(6, "move_rule"):
        routing.move_rule(rules[2], by=d, direction="up")
    for _ in range(5):
        routing.create_rule(by=d, keyword="更多", unit=org(CGW))
    with exactly(5, "move_rule with more rules"):
        routing.move_rule(rules[2], by=d, direction="down")


def test_deleting_a_rule_costs_a_fixed_number_of_statements(line, rules):
    d = fresh(line.dispatcher)
    # Grants; savepoint; lock with what it names; its assisting units; audit; the delete
    # (the assisting links, the rule); release.
    with exactly(8, "delete_rule"):
        routing.delete_rule(rules[1], by=d)


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def dispatcher_client(client, line):
    client.force_login(line.dispatcher)
    return client


URL = "/workbench/hotline/routing/"


def test_the_list_shows_the_rules_in_order(dispatcher_client, rules):
    page = dispatcher_client.get(URL)
    assert page.status_code == 200
    text = page.text
    assert text.index("电梯") < text.index("和平街道") < text.index("住房和城乡建设委员会")
    assert "第 2 条上移" in text and "第 1 条上移" not in text and "第 3 条下移" not in text


def test_adding_a_rule_through_the_form(dispatcher_client, subject):
    page = dispatcher_client.post(
        f"{URL}new/",
        {
            "new-subject": subject.pk,
            "new-area": org(DONGFENG).pk,
            "new-keyword": "噪音",
            "new-unit": org(DONGFENG).pk,
            "new-assisting": [org(CGW).pk],
            "new-is_active": "on",
        },
    )
    assert page.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.subject, rule.area, rule.keyword, rule.unit) == (
        subject,
        org(DONGFENG),
        "噪音",
        org(DONGFENG),
    )
    assert list(rule.assisting.all()) == [org(CGW)]


def test_a_refused_rule_comes_back_with_the_problem(dispatcher_client):
    page = dispatcher_client.post(f"{URL}new/", {"new-unit": org(CGW).pk})
    assert page.status_code == 400
    assert "规则至少要指定诉求分类、区域或关键词中的一项" in page.text
    page = dispatcher_client.post(f"{URL}new/", {"new-unit": "99999999", "new-keyword": "x"})
    assert page.status_code == 400
    assert not RoutingRule.objects.exists()


def test_editing_moving_and_deleting_through_the_pages(dispatcher_client, rules):
    page = dispatcher_client.get(f"{URL}{rules[0].pk}/")
    assert page.status_code == 200 and 'value="电梯"' in page.text
    page = dispatcher_client.post(
        f"{URL}{rules[0].pk}/", {"rule-keyword": "电梯困人", "rule-unit": org(SCJ).pk}
    )
    assert page.status_code == 302
    rules[0].refresh_from_db()
    assert rules[0].keyword == "电梯困人" and not rules[0].is_active  # box unticked
    assert (
        dispatcher_client.post(f"{URL}{rules[0].pk}/move/", {"direction": "down"}).status_code
        == 302
    )
    assert [r.pk for r in routing.rules(active_only=False)][:2] == [rules[1].pk, rules[0].pk]
    assert dispatcher_client.post(f"{URL}{rules[0].pk}/delete/").status_code == 302
    assert not RoutingRule.objects.filter(pk=rules[0].pk).exists()
    assert dispatcher_client.post(f"{URL}{rules[0].pk}/delete/").status_code == 404
    assert dispatcher_client.get(f"{URL}99999999999999999999999/").status_code == 404


def test_testing_a_text_shows_the_matching_rule_and_suggestions(dispatcher_client, rules):
    page = dispatcher_client.post(
        f"{URL}test/", {"test-text": "电梯又困人了，物业不管", "test-type": "complaint"}
    )
    assert page.status_code == 200
    assert "命中派单规则：主办单位为示范区市场监督管理局" in page.text
    assert RoutingRule.objects.count() == 3
    page = dispatcher_client.post(f"{URL}test/", {"test-text": ""})
    assert page.status_code == 400


@pytest.mark.parametrize("who", ["agent", "handler", "supervisor", "citizen"])
def test_only_dispatchers_reach_the_editor(client, line, rules, who):
    client.force_login(getattr(line, who))
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}{rules[0].pk}/delete/").status_code == 403
    assert RoutingRule.objects.count() == 3


def test_signed_out_visitors_are_sent_to_sign_in(client, line):
    page = client.get(URL)
    assert page.status_code == 302 and "login" in page["Location"]
