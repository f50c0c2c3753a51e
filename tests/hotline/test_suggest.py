"""Dispatch suggestions (yiwang.hotline.suggest): the keyword baseline before any model,
the routing rules first, the trained model once there is one (cached per process, reloaded
when another is made current), and training from the dispatches dispatchers confirmed —
by the command and the weekly job."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.hotline import factories
from tests.hotline.factories import CGW, DONGFENG, HEPING, QINGNIANHU, SCJ, ZJW, org
from tests.statements import exactly
from yiwang.audit.models import AuditEvent
from yiwang.hotline import classifier, classifier_jobs, routing, services, subjects, suggest
from yiwang.hotline.models import Subject, TrainedModel
from yiwang.identity.models import OrgUnit

DATA = Path(suggest.__file__).resolve().parents[1] / "demo" / "data" / "hotline"


@pytest.fixture
def tree(demo):
    """The demo district's subject tree (categories.yaml)."""
    subjects.sync(yaml.safe_load((DATA / "categories.yaml").read_text(encoding="utf-8")))
    suggest.invalidate()
    yield {s.code: s for s in Subject.objects.all()}
    suggest.invalidate()


def leaf(code):
    return Subject.objects.get(code=code)


HEATING = "家里暖气一点都不热，室温只有十五度，供暖公司一直不来人"


def test_before_any_model_the_keywords_answer(tree):
    found = suggest.suggest(HEATING)
    assert found.source == "keywords"
    assert found.subjects[0].code == "SD-05" and found.subjects[0].name == "供热"
    assert found.units[0].code == CGW and isinstance(found.units[0].obj, OrgUnit)
    assert len(found.subjects) >= 3 and len(found.units) >= 3
    assert all(isinstance(s.obj, Subject) for s in found.subjects)
    assert [u.confidence for u in found.units] == sorted(
        (u.confidence for u in found.units), reverse=True
    )


def test_a_text_without_any_keyword_still_gets_three_of_each(tree):
    found = suggest.suggest("你好")
    assert len(found.subjects) == 5 and len(found.units) >= 3


def test_a_matching_rule_puts_its_unit_first_with_its_assisting_units(tree, line):
    routing.create_rule(
        by=line.dispatcher,
        subject=leaf("SD-05"),
        area=org(HEPING),
        unit=org(HEPING),
        assisting=[org(CGW)],
    )
    found = suggest.suggest(HEATING, area=org(QINGNIANHU))
    assert found.rule is not None and found.units[0].code == HEPING
    assert [a.code for a in found.assisting] == [CGW]
    assert found.units[0].confidence >= max(u.confidence for u in found.units[1:])
    assert abs(sum(u.confidence for u in found.units) - 1) < 0.01 or len(found.units) == 5
    # Elsewhere the rule does not apply.
    assert suggest.suggest(HEATING, area=org(DONGFENG)).units[0].code == CGW


def test_a_keyword_rule_is_certain(tree, line):
    routing.create_rule(by=line.dispatcher, keyword="电梯", unit=org(SCJ))
    found = suggest.suggest("小区电梯困人，物业不管")
    assert found.units[0].code == SCJ and found.units[0].confidence == 1.0


def _dispatched(line, text, code, lead, area=QINGNIANHU, status="dispatched"):
    return factories.make_appeal(
        status, line=line, subject=leaf(code), lead=lead, text=text, area=org(area)
    )


TRAINING = [
    ("暖气不热，屋里只有十五度", "SD-05", CGW),
    ("供暖以后暖气片还是凉的", "SD-05", CGW),
    ("楼里暖气温度不达标，请来测温", "SD-05", CGW),
    ("中介不退押金，说墙上有钉子眼", "ZF-02", ZJW),
    ("租房到期中介扣押金不还", "ZF-02", ZJW),
    ("二房东隔断出租，押金不退", "ZF-02", ZJW),
    ("饭店后厨卫生太差，吃完拉肚子", "SC-01", SCJ),
    ("超市卖过期食品，还不给退", "SC-01", SCJ),
    ("买的面包过期了好几天", "SC-01", SCJ),
    ("楼上邻居半夜跳绳扰民，请街道调解", "ST-03", HEPING),
    ("邻居家装修噪音从早到晚，请街道协调", "ST-03", HEPING),
    ("广场舞音响太吵，请街道出面", "ST-03", HEPING),
]


@pytest.fixture
def dispatched(tree, line):
    return [_dispatched(line, *row) for row in TRAINING]


def test_training_learns_the_confirmed_dispatches_and_becomes_current(dispatched, line):
    # A dispatch sent back (退单) waits for a new one: it teaches nothing.
    returned = _dispatched(line, "暖气的事情投诉给了市场监管", "SD-05", SCJ)
    services.return_appeal(
        returned, by=factories.handler_for(line, org(SCJ)), reason="不属于本单位职责"
    )
    factories.record(line, text="还没有派单的诉求，不能用来训练")
    trained = suggest.train_from_appeals()
    assert trained.is_current and trained.samples == len(TRAINING)
    assert trained.metrics["appeals"] == len(TRAINING) and trained.metrics["folds"] == 5
    assert set(trained.metrics["unit"]) == {"top1", "top3"}
    classifier.Model.from_json(trained.payload)  # plain JSON numbers, read back
    found = suggest.suggest("楼上住户深夜吵闹扰民，请街道调解", area=org(QINGNIANHU))
    assert found.source == "model"
    assert found.units[0].code == HEPING  # the street handles these
    event = AuditEvent.objects.get(action="hotline.classifier_trained")
    assert event.summary["appeals"] == len(TRAINING)


def test_a_new_model_replaces_the_cached_one(dispatched, line):
    first = suggest.train_from_appeals()
    assert suggest.current_model() is suggest.current_model()  # cached
    cached = suggest.current_model()
    second = suggest.train_from_appeals()
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    suggest._cache["pk"] = first.pk  # another process made `second` current meanwhile
    assert suggest.current_model() is not cached
    assert suggest._cache["pk"] == second.pk


def test_only_the_last_models_are_kept(tree):
    for _ in range(suggest.KEEP + 2):
        suggest.train_from_appeals()
    assert TrainedModel.objects.count() == suggest.KEEP
    assert TrainedModel.objects.filter(is_current=True).count() == 1


def test_a_damaged_model_falls_back_to_the_keywords(tree):
    trained = suggest.train_from_appeals()
    TrainedModel.objects.filter(pk=trained.pk).update(payload={"format": 1})
    suggest.invalidate()
    assert suggest.suggest(HEATING).source == "keywords"


def test_without_a_subject_tree_there_is_nothing_to_train(demo):
    assert suggest.train_from_appeals() is None
    with pytest.raises(CommandError):
        call_command("hotline", "train")


def test_training_costs_a_fixed_number_of_statements(dispatched):
    # The subject tree; the confirmed appeals; the streets; the articles; the departments'
    # names; savepoint; (PostgreSQL: the advisory lock;) the old model stepped down; the new
    # one; the models beyond KEEP (read; none to delete here); the audit event; release.
    with exactly(11, "train_from_appeals", postgresql=12):
        suggest.train_from_appeals()


def test_the_command_trains_and_prints_the_figures(dispatched):
    out = StringIO()
    call_command("hotline", "train", stdout=out)
    text = out.getvalue()
    assert f"Trained on {len(TRAINING)} dispatched appeals" in text
    assert "5-fold cross-validation" in text and "keyword rules" in text
    assert TrainedModel.objects.filter(is_current=True).count() == 1
    with pytest.raises(CommandError):
        call_command("hotline", "train", "--folds", "1")


def test_the_weekly_job_trains_only_when_the_model_is_a_week_old(tree):
    classifier_jobs.retrain_dispatch_classifier()
    assert TrainedModel.objects.count() == 1
    classifier_jobs.retrain_dispatch_classifier()  # a restarted worker: nothing new
    assert TrainedModel.objects.count() == 1
    TrainedModel.objects.update(trained_at=timezone.now() - datetime.timedelta(days=8))
    classifier_jobs.retrain_dispatch_classifier()
    assert TrainedModel.objects.count() == 2


def test_the_type_may_be_a_code_or_its_chinese_name():
    assert suggest.type_code("投诉") == "complaint" == suggest.type_code("complaint")
    assert suggest.type_code("别的") == "" == suggest.type_code(None)


def test_the_street_of_an_area(demo):
    assert suggest.street_of(org(QINGNIANHU)) == org(HEPING)
    assert suggest.street_of(org(HEPING)) == org(HEPING)
    assert suggest.street_of(None) is None
    assert suggest.street_of(org("990101")) is None
