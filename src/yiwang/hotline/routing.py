"""Routing rules (派单规则, docs/hotline.md, "Routing and the classifier"): the dispatcher's
own ordered list of "this subject, in this area, with this word in the text → this lead
unit, with these assisting units". Rules are tried in order; the first that matches wins.
A rule names at least one condition (a rule with none would catch every appeal).

`route(...)` finds the matching rule; the services below create, edit, reorder and delete
rules — each in one transaction, authorised by "hotline.dispatch" and audited."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.identity import policy
from yiwang.identity.models import OrgKind, OrgUnit

from .models import RoutingRule, Subject

KEYWORD_MAX = 50
NOTE_MAX = 200
MAX_ASSISTING = 5
AREA_KINDS = frozenset({OrgKind.DISTRICT, OrgKind.STREET, OrgKind.COMMUNITY})
UNIT_KINDS = frozenset({OrgKind.DEPARTMENT, OrgKind.STREET, OrgKind.COMMUNITY})


@dataclass(frozen=True)
class Route:
    rule: RoutingRule
    unit: OrgUnit
    assisting: tuple[OrgUnit, ...]


def rules(*, active_only: bool = True) -> list[RoutingRule]:
    """The rules in their order, with what they name (two statements)."""
    found = RoutingRule.objects.select_related("subject", "area", "unit").prefetch_related(
        "assisting"
    )
    if active_only:
        found = found.filter(is_active=True)
    return list(found.order_by("position", "id"))


def matches(rule: RoutingRule, *, subject=None, area=None, text: str = "") -> bool:
    """Does the rule cover this appeal? A subject rule needs that subject; an area rule an
    area inside its subtree; a keyword rule the word in the text."""
    if rule.subject_id is not None and (subject is None or subject.pk != rule.subject_id):
        return False
    if rule.area_id is not None:
        if area is None or not area.is_within(rule.area):
            return False
    if rule.keyword and rule.keyword not in (text or ""):
        return False
    return rule.subject_id is not None or rule.area_id is not None or bool(rule.keyword)


def first_match(candidates, *, subject=None, area=None, text: str = "") -> RoutingRule | None:
    for rule in candidates:
        if rule.is_active and matches(rule, subject=subject, area=area, text=text):
            return rule
    return None


def route(*, subject=None, area=None, text: str = "", candidates=None) -> Route | None:
    """The lead and assisting units of the first active rule matching the appeal, or None."""
    rule = first_match(
        rules() if candidates is None else candidates, subject=subject, area=area, text=text
    )
    if rule is None:
        return None
    assisting = tuple(o for o in rule.assisting.all() if o.pk != rule.unit_id and o.is_active)
    return Route(rule, rule.unit, assisting)


# Editing the rules -------------------------------------------------------------------------


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _clean(*, subject, area, keyword, unit, assisting, note) -> dict:
    errors: dict[str, list] = {}

    def fail(field, message, code):
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if subject is not None and (
        not isinstance(subject, Subject) or not subject.is_leaf or not subject.is_active
    ):
        fail("subject", _("请选择启用的二级诉求分类。"), "subject_invalid")
    if area is not None and (
        not isinstance(area, OrgUnit) or area.kind not in AREA_KINDS or not area.is_active
    ):
        fail("area", _("区域须为区、街道或社区。"), "area_invalid")
    keyword = str(keyword or "").strip()
    if len(keyword) > KEYWORD_MAX or any(ord(ch) < 32 or ord(ch) == 127 for ch in keyword):
        fail(
            "keyword",
            _("关键词不能超过 %(n)d 个字，且不能含控制字符。") % {"n": KEYWORD_MAX},
            "keyword_invalid",
        )
    note = str(note or "").strip()
    if len(note) > NOTE_MAX or any(ord(ch) < 32 or ord(ch) == 127 for ch in note):
        fail(
            "note",
            _("说明不能超过 %(n)d 个字，且不能含控制字符。") % {"n": NOTE_MAX},
            "note_invalid",
        )
    if not isinstance(unit, OrgUnit) or unit.kind not in UNIT_KINDS or not unit.is_active:
        fail("unit", _("请选择主办单位（部门、街道或社区）。"), "unit_invalid")
    assisting = list(dict.fromkeys(assisting or ()))
    if any(
        not isinstance(o, OrgUnit) or o.kind not in UNIT_KINDS or not o.is_active for o in assisting
    ):
        fail("assisting", _("协办单位须为部门、街道或社区。"), "unit_invalid")
    elif len(assisting) > MAX_ASSISTING:
        fail(
            "assisting",
            _("协办单位最多 %(n)d 个。") % {"n": MAX_ASSISTING},
            "too_many_units",
        )
    if subject is None and area is None and not keyword and "keyword" not in errors:
        fail("subject", _("规则至少要指定诉求分类、区域或关键词中的一项。"), "rule_empty")
    if errors:
        raise ValidationError(errors)
    unit_pk = getattr(unit, "pk", None)
    return {
        "subject": subject,
        "area": area,
        "keyword": keyword,
        "unit": unit,
        "assisting": [o for o in assisting if o.pk != unit_pk],
        "note": note,
    }


def _summary(rule: RoutingRule, assisting) -> dict:
    return {
        "position": rule.position,
        "subject": rule.subject.code if rule.subject_id else "",
        "area": rule.area.code if rule.area_id else "",
        "keyword": rule.keyword,
        "unit": rule.unit.code,
        "assisting": [o.code for o in assisting],
        "active": rule.is_active,
    }


def create_rule(
    *, by, unit, subject=None, area=None, keyword="", assisting=(), note="", is_active=True
) -> RoutingRule:
    """A new rule, tried after the existing ones."""
    policy.require(by, "hotline.dispatch")
    values = _clean(
        subject=subject, area=area, keyword=keyword, unit=unit, assisting=assisting, note=note
    )
    assisting = values.pop("assisting")
    with transaction.atomic():
        last = RoutingRule.objects.aggregate(last=Max("position"))["last"] or 0
        rule = RoutingRule.objects.create(position=last + 1, is_active=bool(is_active), **values)
        if assisting:
            rule.assisting.add(*assisting)  # a new rule has none: one INSERT, no read
        audit.record(by, "hotline.rule_created", rule, summary=_summary(rule, assisting))
    return rule


def update_rule(
    rule: RoutingRule,
    *,
    by,
    unit,
    subject=None,
    area=None,
    keyword="",
    assisting=(),
    note="",
    is_active=True,
) -> RoutingRule:
    """Change what a rule matches and where it sends; its place stays."""
    policy.require(by, "hotline.dispatch")
    values = _clean(
        subject=subject, area=area, keyword=keyword, unit=unit, assisting=assisting, note=note
    )
    assisting = values.pop("assisting")
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
        for name, value in values.items():
            setattr(rule, name, value)
        rule.is_active = bool(is_active)
        rule.save()
        rule.assisting.set(assisting)
        audit.record(by, "hotline.rule_changed", rule, summary=_summary(rule, assisting))
    return rule


def move_rule(rule: RoutingRule, *, by, direction: str) -> RoutingRule:
    """Swap the rule with the one before it ("up") or after it ("down"); at either end
    nothing moves. The positions are renumbered 1…n on the way."""
    policy.require(by, "hotline.dispatch")
    if direction not in ("up", "down"):
        raise ValidationError(_("移动方向不正确。"), code="direction_invalid")
    with transaction.atomic():
        ordered = list(RoutingRule.objects.select_for_update().order_by("position", "id"))
        index = next((i for i, r in enumerate(ordered) if r.pk == rule.pk), None)
        if index is None:
            raise RoutingRule.DoesNotExist
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(ordered):
            return ordered[index]
        ordered[index], ordered[other] = ordered[other], ordered[index]
        changed = []
        for position, row in enumerate(ordered, start=1):
            if row.position != position:
                row.position = position
                changed.append(row)
        RoutingRule.objects.bulk_update(changed, ["position"])
        moved = ordered[other]
        audit.record(
            by, "hotline.rule_moved", moved, summary={"direction": direction, "to": other + 1}
        )
    return moved


def delete_rule(rule: RoutingRule, *, by) -> None:
    """Remove a rule (the audit event keeps what it said); the others keep their order."""
    policy.require(by, "hotline.dispatch")
    with transaction.atomic():
        locked = (
            RoutingRule.objects.select_for_update(of=("self",))
            .select_related("subject", "area", "unit")
            .filter(pk=rule.pk)
            .first()
        )
        if locked is None:
            raise RoutingRule.DoesNotExist
        summary = _summary(locked, list(locked.assisting.all()))
        audit.record(by, "hotline.rule_deleted", locked, summary=summary)
        locked.delete()
