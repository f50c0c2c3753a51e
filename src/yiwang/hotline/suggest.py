"""Dispatch suggestions (docs/hotline.md, "Routing and the classifier"): for an appeal's
text, area and type, the likely subjects and lead units, best first, with confidences —
what the dispatcher sees on the dispatch screen and what `POST /api/v1/hotline/suggestions`
answers.

Three sources, in this order of authority:

1. the dispatcher's routing rules (routing.py): a rule matching the best subject, the area
   and the text puts its unit first, with its assisting units;
2. the current trained classifier (`TrainedModel.is_current`, classifier.py), loaded once
   per process and reloaded when another is made current;
3. each subject's default unit — and, before any model is trained, the subjects' keywords
   alone (the keyword baseline), so the line answers from its first day.

`train_from_appeals()` trains a new model from the appeals dispatchers confirmed — the
subject and lead unit they dispatched with, so their corrections of a suggestion are what
the next model learns — with the subject tree and the knowledge base, measures it by
cross-validation and makes it current."""

import datetime
import threading
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.audit import services as audit
from yiwang.identity.models import OrgKind, OrgUnit

from . import classifier, routing, subjects
from .models import (
    TYPE_BY_LABEL,
    Appeal,
    AppealStatus,
    AppealType,
    Article,
    RoutingRule,
    Subject,
    TrainedModel,
)

LIMIT = 5  # subjects and units suggested, each
# Appeals whose dispatch stands: sent and not sent back (a returned appeal waits for a new
# dispatch), not merged or withdrawn before anyone handled it.
CONFIRMED = (
    AppealStatus.DISPATCHED,
    AppealStatus.HANDLING,
    AppealStatus.REPLIED,
    AppealStatus.ANSWERED,
    AppealStatus.CLOSED,
)
FOLDS = 5
# A new model is trained when the current one is older than this (the weekly job).
RETRAIN_AFTER = datetime.timedelta(days=7)
KEEP = 4  # trained models kept (the current one and the ones before it, to compare)
_LOCK_KEY = 0x5957_0121  # PostgreSQL advisory lock: one model made current at a time


@dataclass
class Scored:
    code: str
    name: str
    confidence: float
    obj: Subject | OrgUnit

    def as_json(self) -> dict:
        return {"code": self.code, "name": self.name, "confidence": round(self.confidence, 4)}


@dataclass
class Suggestions:
    subjects: list[Scored]
    units: list[Scored]
    # The routing rule that decided the first unit, and its assisting units (协办).
    assisting: list[Scored] = field(default_factory=list)
    rule: RoutingRule | None = None
    # "model" (a trained classifier answered) or "keywords" (none is trained yet).
    source: str = "keywords"

    def as_json(self) -> dict:
        """What the API answers and what a dispatch keeps (Appeal.suggestion)."""
        return {
            "subjects": [s.as_json() for s in self.subjects],
            "units": [u.as_json() for u in self.units],
            "assisting": [a.as_json() for a in self.assisting],
            "rule": self.rule.pk if self.rule is not None else None,
            "source": self.source,
        }


# The current model, per process -------------------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict = {"pk": None, "model": None}


def current_model() -> classifier.Model | None:
    """The current trained classifier, or None. One small query tells whether the one
    this process holds is still current; the payload is read and parsed only when not."""
    pk = TrainedModel.objects.filter(is_current=True).values_list("pk", flat=True).first()
    if pk is None:
        return None
    with _cache_lock:
        if _cache["pk"] == pk:
            return _cache["model"]
    payload = TrainedModel.objects.filter(pk=pk).values_list("payload", flat=True).first()
    try:
        model = classifier.Model.from_json(payload or {})
    except ValueError:
        model = None  # a damaged payload: answer from the keywords rather than fail
    with _cache_lock:
        _cache["pk"], _cache["model"] = pk, model
    return model


def current_model_info() -> dict | None:
    """When the current model was trained, on how many appeals, and how it scored."""
    return (
        TrainedModel.objects.filter(is_current=True)
        .values("pk", "trained_at", "samples", "metrics")
        .first()
    )


def invalidate() -> None:
    with _cache_lock:
        _cache["pk"], _cache["model"] = None, None


# Suggesting -----------------------------------------------------------------------------------


def type_code(value) -> str:
    """An appeal type from its code or its Chinese name; "" when it is neither."""
    value = str(value or "").strip()
    if value in AppealType.values:
        return value
    return str(TYPE_BY_LABEL.get(value, ""))


def street_of(area: OrgUnit | None) -> OrgUnit | None:
    """The street (街道) an area is or lies in."""
    if area is None:
        return None
    if area.kind == OrgKind.STREET:
        return area
    codes = [code for code in area.path.split("/") if code]
    return OrgUnit.objects.filter(code__in=codes, kind=OrgKind.STREET).first()


def _keyword_subjects(leaves) -> list[classifier.KeywordSubject]:
    return [
        classifier.KeywordSubject(
            code=s.code,
            keywords=tuple(s.keywords or ()),
            unit=s.org.code if s.org_id else "",
            name=s.name,
        )
        for s in leaves
    ]


def suggest(text: str, *, area: OrgUnit | None = None, type: str = "") -> Suggestions:
    """Subjects and lead units for an appeal, best first, at most LIMIT of each (at least
    three where the tree has three). Unit codes are org codes."""
    text = str(text or "")
    leaves = {s.code: s for s in subjects.leaves()}
    street = street_of(area)
    model = current_model()
    if model is not None:
        ranked_subjects, ranked_units = model.predict(
            text, area=street.code if street else "", type=type_code(type)
        )
        source = "model"
    else:
        ranked_subjects, ranked_units = classifier.keyword_rank(
            text, _keyword_subjects(leaves.values())
        )
        source = "keywords"

    scored_subjects = [
        Scored(code, leaves[code].name, p, leaves[code])
        for code, p in ranked_subjects
        if code in leaves
    ][:LIMIT]
    if len(scored_subjects) < min(3, len(leaves)):  # a model that knows too few subjects
        known = {s.code for s in scored_subjects}
        scored_subjects += [
            Scored(code, s.name, 0.0, s) for code, s in leaves.items() if code not in known
        ][: min(3, len(leaves)) - len(scored_subjects)]

    units = dict(ranked_units)
    # Each suggested subject's default unit is a candidate, whatever the model knows.
    for s in scored_subjects:
        if s.obj.org_id:
            units.setdefault(s.obj.org.code, 0.0)

    rule = None
    if scored_subjects or area is not None or text:
        rule = routing.first_match(
            routing.rules(),
            subject=scored_subjects[0].obj if scored_subjects else None,
            area=area,
            text=text,
        )
    assisting: list[OrgUnit] = []
    rule_unit = None
    if rule is not None:
        rule_unit = rule.unit
        assisting = [o for o in rule.assisting.all() if o.pk != rule.unit_id and o.is_active]
        # The rule is as sure as the subject it relied on (certain when it names none).
        sure = scored_subjects[0].confidence if rule.subject_id and scored_subjects else 1.0
        before = units.pop(rule_unit.code, 0.0)
        confidence = max(sure, before)
        rest = sum(units.values())
        scale = (1.0 - confidence) / rest if rest else 0.0
        units = {rule_unit.code: confidence, **{c: p * scale for c, p in units.items()}}

    wanted = list(units)[: LIMIT * 3]
    orgs = {
        o.code: o for o in OrgUnit.objects.filter(code__in=[c for c in wanted if c], is_active=True)
    }
    if rule_unit is not None:
        orgs[rule_unit.code] = rule_unit
    ordered = sorted(
        (c for c in wanted if c in orgs),
        key=lambda c: (c != getattr(rule_unit, "code", None), -units[c]),
    )
    scored_units = [Scored(c, orgs[c].name, units[c], orgs[c]) for c in ordered][:LIMIT]
    return Suggestions(
        subjects=scored_subjects,
        units=scored_units,
        assisting=[Scored(o.code, o.name, 1.0, o) for o in assisting],
        rule=rule,
        source=source,
    )


# Training -------------------------------------------------------------------------------------


def confirmed_samples() -> list[classifier.Sample]:
    """The appeals dispatchers confirmed, as training samples: the subject and lead unit
    they were dispatched with, their type, and the street they happened in."""
    rows = (
        Appeal.objects.filter(
            status__in=CONFIRMED,
            dispatched_at__isnull=False,
            subject__isnull=False,
            lead_unit__isnull=False,
        )
        .order_by("id")
        .values_list("text", "type", "area_path", "subject__code", "lead_unit__code")
    )
    streets = set(OrgUnit.objects.filter(kind=OrgKind.STREET).values_list("code", flat=True))
    samples = []
    for text, type_, area_path, subject, unit in rows.iterator(chunk_size=2000):
        street = next((c for c in (area_path or "").split("/") if c in streets), "")
        samples.append(classifier.Sample(text, subject, unit, area=street, type=type_))
    return samples


def article_samples(leaves) -> list[classifier.Sample]:
    """The knowledge base's active articles: the words of a subject's standard answers."""
    defaults = {s.pk: (s.code, s.org.code if s.org_id else "") for s in leaves}
    samples = []
    for subject_id, question, answer in Article.objects.filter(
        is_active=True, subject_id__in=defaults
    ).values_list("subject_id", "question", "answer"):
        code, unit = defaults[subject_id]
        if unit:
            samples.append(classifier.Sample(f"{question} {answer}", code, unit))
    return samples


def department_names(tree, samples) -> dict[str, str]:
    """The names of the departments the subject tree and the confirmed appeals name (code →
    name), for a caller who asks for one by its short name (classifier.asked_units)."""
    codes = {s.unit for s in tree if s.unit} | {s.unit for s in samples}
    return dict(
        OrgUnit.objects.filter(code__in=codes, kind=OrgKind.DEPARTMENT).values_list("code", "name")
    )


def train_from_appeals(*, by=None, folds: int = FOLDS, now=None) -> TrainedModel | None:
    """Train a classifier from the confirmed appeals, the subject tree and the knowledge
    base; store it with its cross-validated figures and make it current. None when there
    is nothing to learn from (no subject tree)."""
    leaves = list(subjects.leaves())
    tree = _keyword_subjects(leaves)
    samples = confirmed_samples()
    extra = article_samples(leaves)
    if not tree and not samples:
        return None
    names = department_names(tree, samples)
    model = classifier.train(samples, subjects=tree, extra=extra, unit_names=names)
    metrics = {
        "appeals": len(samples),
        "articles": len(extra),
        "subjects": len(tree),
        "per_subject": dict(Counter(s.subject for s in samples).most_common(10)),
    }
    if len(samples) >= 2 * folds:
        metrics.update(
            classifier.cross_validate(
                samples, k=folds, seed=0, baseline=tree, extra=extra, unit_names=names
            )
        )
    payload = model.to_json()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        TrainedModel.objects.filter(is_current=True).update(is_current=False)
        trained = TrainedModel.objects.create(
            trained_at=now or timezone.now(),
            samples=len(samples),
            payload=payload,
            metrics=metrics,
            is_current=True,
        )
        older = TrainedModel.objects.order_by("-trained_at", "-id").values_list("pk", flat=True)
        TrainedModel.objects.filter(pk__in=list(older[KEEP:])).delete()
        summary = {k: v for k, v in metrics.items() if k != "per_subject"}
        audit.record(
            by or "hotline.classifier", "hotline.classifier_trained", trained, summary=summary
        )
    invalidate()
    return trained


def needs_training(now=None) -> bool:
    """No current model, or one older than RETRAIN_AFTER while appeals were confirmed."""
    now = now or timezone.now()
    current = TrainedModel.objects.filter(is_current=True).values("trained_at").first()
    if current is None:
        return Subject.objects.filter(~Q(parent=None), is_active=True).exists()
    return current["trained_at"] <= now - RETRAIN_AFTER
