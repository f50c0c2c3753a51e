"""The dispatch classifier (yiwang.hotline.classifier): pure, no database. Its features,
its JSON (plain numbers, read back to the same predictions), its agreement with
scikit-learn, the street class and the street head, the units a caller asks for by name,
the keyword baseline, the folds, and its accuracy on demo appeals it did not train on."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.hotline import classifier
from yiwang.hotline.classifier import AREA_UNIT, KeywordSubject, Model, Sample

ROOT = Path(__file__).resolve().parents[2]

SUBJECTS = [
    KeywordSubject("SD-05", ("暖气", "供暖", "室温"), "990101-CGW", "供热"),
    KeywordSubject("ZF-02", ("中介", "押金", "租房"), "990101-ZJW", "房屋租赁与中介"),
    KeywordSubject("ST-03", ("噪音", "扰民"), "990101-STJ", "噪声扰民"),
    KeywordSubject("LD-01", ("欠薪", "工资"), "990101-RSJ", "拖欠工资"),
]
SAMPLES = [
    Sample(
        "家里暖气不热，室温只有十五度，老人孩子受不了",
        "SD-05",
        "990101-CGW",
        "990101001",
        "complaint",
    ),
    Sample("供暖期间暖气片冰凉，供热站一直不来人", "SD-05", "990101-CGW", "990101002", "complaint"),
    Sample("小区暖气温度太低，请供热公司测温", "SD-05", "990101-CGW", "", "help"),
    Sample("中介不退押金，说墙上有钉子眼要扣钱", "ZF-02", "990101-ZJW", "990101002", "complaint"),
    Sample("租房到期了房东和中介都不退押金", "ZF-02", "990101-ZJW", "", "complaint"),
    Sample(
        "楼上邻居每天半夜跳绳拖椅子，噪音扰民，请社区调解",
        "ST-03",
        "990101001",
        "990101001",
        "complaint",
    ),
    Sample(
        "楼上住户深夜吵闹扰民，敲门沟通无果，请街道调解",
        "ST-03",
        "990101002",
        "990101002",
        "complaint",
    ),
    Sample("工地夜间施工噪音太大，凌晨还在打桩", "ST-03", "990101-STJ", "990101003", "report"),
    Sample("包工头拖欠我们四个月工资，人找不到了", "LD-01", "990101-RSJ", "990101002", "help"),
    Sample("公司拖欠工资三个月，老板说没钱", "LD-01", "990101-RSJ", "", "complaint"),
]


NAMES = {
    "990101-CGW": "示范区城市管理委员会",
    "990101-ZJW": "示范区住房和城乡建设委员会",
    "990101-STJ": "示范区生态环境局",
    "990101-RSJ": "示范区人力资源和社会保障局",
    "990101-SCJ": "示范区市场监督管理局",
}


@pytest.fixture(scope="module")
def model() -> Model:
    return classifier.train(SAMPLES, subjects=SUBJECTS, unit_names=NAMES)


def test_tokens_are_words_and_bigrams_without_punctuation_or_function_words():
    found = classifier.tokens("我家的暖气，不热！！")
    assert "暖气" in found and "_暖气" in found and "_家的" in found
    assert "的" not in found and "我" not in found
    assert not any(t in {"，", "！", ""} for t in found)
    assert classifier.tokens("") == []
    # Control characters are spaces; full-width letters and digits are half-width.
    assert classifier.tokens("Ａ\x00Ｂ１") == ["a", "b1"]


def test_the_json_is_plain_numbers_and_predicts_identically(model):
    text = json.dumps(model.to_json())  # no pickle: json would refuse anything else
    again = Model.from_json(json.loads(text))
    for s in SAMPLES + [Sample("暖气不热还有中介押金的事", "", "", "990101003", "consult")]:
        assert again.predict(s.text, area=s.area, type=s.type) == model.predict(
            s.text, area=s.area, type=s.type
        )


def test_the_json_keeps_the_street_head_and_the_departments_names(model):
    data = json.loads(json.dumps(model.to_json()))
    assert data["street"]["classes"] == ["-", AREA_UNIT] and data["unit_names"] == NAMES
    assert Model.from_json(data).street is not None


def test_a_model_from_before_the_street_head_still_predicts(model):
    data = json.loads(json.dumps(model.to_json()))
    for key in ("street", "unit_names", "ask_weight"):
        del data[key]
    older = Model.from_json(data)
    assert older.street is None and older.unit_names == {}
    _, units = older.predict("楼上邻居半夜吵闹，请街道调解", area="990101003")
    assert abs(sum(p for _, p in units) - 1) < 1e-9  # the unit head's street class answers


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"format": 99},
        "not a dict",
        None,
    ],
)
def test_a_payload_that_is_not_a_model_is_refused(payload, model):
    with pytest.raises((ValueError, AttributeError)):
        Model.from_json(payload)


def test_a_damaged_head_is_refused(model):
    data = json.loads(json.dumps(model.to_json()))
    data["subject"]["rows"][0]["i"] = [10**9]  # a feature beyond the vocabulary
    data["subject"]["rows"][0]["v"] = [1.0]
    with pytest.raises(ValueError):
        Model.from_json(data)
    data = json.loads(json.dumps(model.to_json()))
    data["unit"]["total"] = data["unit"]["total"][:-1]
    with pytest.raises(ValueError):
        Model.from_json(data)
    data = json.loads(json.dumps(model.to_json()))
    data["street"]["classes"] = ["-", "990101-CGW"]
    with pytest.raises(ValueError):
        Model.from_json(data)
    data = json.loads(json.dumps(model.to_json()))
    data["street"]["rows"][1]["i"] = [model.width + classifier.STREET_CUES]  # beyond the cues
    data["street"]["rows"][1]["v"] = [1.0]
    with pytest.raises(ValueError):
        Model.from_json(data)


def test_the_heads_score_as_scikit_learns_complement_naive_bayes(model):
    from scipy import sparse
    from sklearn.naive_bayes import ComplementNB

    rows = np.array([model.features(s.text, s.area, s.type) for s in SAMPLES])
    labels = [s.subject for s in SAMPLES]
    head = classifier._fit_head(sparse.csr_matrix(rows), labels, classifier.ALPHA)
    reference = ComplementNB(alpha=classifier.ALPHA).fit(rows, labels)
    probe = model.features("暖气不热，中介不退押金", "990101001", "complaint")
    mine = classifier._softmax(head.scores(probe))
    theirs = reference.predict_proba(probe.reshape(1, -1))[0]
    assert head.classes == list(reference.classes_)
    assert np.allclose(mine, theirs, atol=1e-4)


def test_the_street_head_scores_as_scikit_learns_logistic_regression(model):
    from sklearn.linear_model import LogisticRegression

    with_area = [s for s in SAMPLES if s.area]
    rows = np.array(
        [
            np.concatenate([model.features(s.text, s.area, s.type), classifier.street_cues(s.text)])
            for s in with_area
        ]
    )
    rows[:, model.width] = 1.0  # the street is known
    labels = [AREA_UNIT if s.unit == s.area else "-" for s in with_area]
    used = np.flatnonzero(np.abs(rows).sum(axis=0))
    reference = LogisticRegression(C=classifier.STREET_C, max_iter=5000)
    reference.fit(rows[:, used], labels)
    text = "楼上住户深夜吵闹，请社区来调解"
    probe = np.concatenate([model.features(text, "990101003"), classifier.street_cues(text, "x")])
    theirs = reference.predict_proba(probe[used].reshape(1, -1))[0][1]
    assert model.street_probability(model.features(text, "990101003"), text, "990101003") == (
        pytest.approx(theirs, abs=1e-4)
    )
    assert model.street_probability(model.features(text), text, "") == 0.0  # street unknown


def test_asking_the_street_is_not_naming_it():
    asks = classifier.street_cues("楼上天天吵，请社区和街道出面调解一下", "990101001")
    lives = classifier.street_cues("我家住和平街道青年湖北街2号院，社区卫生服务中心很好", "")
    n = len(classifier.GRASSROOTS)
    assert asks[0] == 1.0 and lives[0] == 0.0  # the street is known, or not
    assert asks[1:3].tolist() == [1.0, 1.0] and lives[1:3].tolist() == [1.0, 1.0]  # named
    assert asks[1 + n : 3 + n].tolist() == [1.0, 1.0]  # and asked to act
    assert lives[1 + n :].tolist() == [0.0] * n  # only named
    assert len(asks) == classifier.STREET_CUES


def test_a_caller_asking_a_department_by_its_short_name():
    asked = classifier.asked_units
    assert asked("这种条款是不是霸王条款？请市场监管部门查一下", NAMES) == {"990101-SCJ"}
    assert asked("物业说制止不了，请街道和城管来查处", NAMES) == {"990101-CGW"}
    assert asked("请住建部门督促交接，再让环境局查查", NAMES) == {"990101-ZJW", "990101-STJ"}
    assert asked("城管和市场监管都来过了", NAMES) == set()  # named, not asked
    assert asked("请示范区尽快处理", NAMES) == set()  # in every name: none in particular
    assert asked("请市场监管部门查一下", {}) == set()


def test_a_department_asked_for_rises(model):
    text = "暖气不热，屋里只有十五度，请住建部门查一下"
    plain = classifier.train(SAMPLES, subjects=SUBJECTS)
    before = dict(plain.predict(text, area="990101001")[1])["990101-ZJW"]
    after = dict(model.predict(text, area="990101001")[1])["990101-ZJW"]
    assert after > before * 2


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=200))
def test_the_cues_of_any_text(text):
    cues = classifier.street_cues(text, "990101001")
    assert cues.shape == (classifier.STREET_CUES,) and set(cues.tolist()) <= {0.0, 1.0}
    assert classifier.asked_units(text, NAMES) <= set(NAMES)


def test_confidences_are_probabilities_best_first(model):
    subjects, units = model.predict("暖气不热", area="990101001", type="complaint")
    for ranked in (subjects, units):
        confidences = [p for _, p in ranked]
        assert confidences == sorted(confidences, reverse=True)
        assert abs(sum(confidences) - 1) < 1e-9
        assert all(0 <= p <= 1 for p in confidences)
    assert subjects[0][0] == "SD-05" and units[0][0] == "990101-CGW"


def test_a_problem_the_street_handles_goes_to_the_appeals_own_street(model):
    text = "楼上邻居半夜吵闹扰民，请社区和街道调解"
    _, units = model.predict(text, area="990101003", type="complaint")
    assert units[0][0] == "990101003"  # a street it never saw handle one
    assert AREA_UNIT not in dict(units)
    _, units = model.predict(text, area="", type="complaint")
    assert "990101003" not in dict(units) and AREA_UNIT not in dict(units)
    assert abs(sum(p for _, p in units) - 1) < 1e-9


def test_the_subject_tree_alone_lets_it_suggest_unseen_subjects():
    model = classifier.train([], subjects=SUBJECTS)
    subjects, units = model.predict("老板拖欠工资")
    assert subjects[0][0] == "LD-01" and units[0][0] == "990101-RSJ"


def test_nothing_to_train_on_is_an_error():
    with pytest.raises(ValueError):
        classifier.train([])


def test_one_class_is_certain():
    model = classifier.train([Sample("暖气不热", "SD-05", "990101-CGW")])
    subjects, units = model.predict("随便什么")
    assert subjects == [("SD-05", 1.0)] and units == [("990101-CGW", 1.0)]


def test_the_keyword_baseline_ranks_by_hits_then_prior():
    subjects, units = classifier.keyword_rank("中介不退押金，租房合同", SUBJECTS)
    assert subjects[0] == ("ZF-02", 1.0) and units[0] == ("990101-ZJW", 1.0)
    subjects, _ = classifier.keyword_rank("没有关键词", SUBJECTS, prior={"LD-01": 3})
    assert subjects[0] == ("LD-01", 0.0)
    assert [c for c, _ in subjects] == ["LD-01", "SD-05", "ZF-02", "ST-03"]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=60),
    st.integers(2, 6),
    st.integers(0, 1000),
)
def test_stratified_folds_share_out_each_label(labels, k, seed):
    folds = classifier.stratified_folds(labels, k, seed)
    assert len(folds) == len(labels) and set(folds) <= set(range(k))
    sizes = [folds.count(f) for f in range(k)]
    assert max(sizes) - min(sizes) <= 1  # about n/k each
    for label in set(labels):
        mine = [f for f, x in zip(folds, labels, strict=True) if x == label]
        counts = [mine.count(f) for f in range(k)]
        assert max(counts) - min(counts) <= 1  # each label spread evenly
    assert folds == classifier.stratified_folds(labels, k, seed)  # reproducible


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=300))
def test_any_text_predicts_without_error(model, text):
    subjects, units = model.predict(text, area="990101001", type="x")
    assert subjects and units


def test_held_out_demo_appeals_are_routed_well_above_the_keyword_rules():
    """One fold of five (fixed seed) of the 180 demo appeals, trained on the other four
    with the subject tree and the knowledge base (bench/hotline/accuracy.py runs all five:
    see bench/hotline/README.md for the figures)."""
    sys.path.insert(0, str(ROOT / "bench" / "hotline"))
    try:
        import accuracy
    finally:
        sys.path.remove(str(ROOT / "bench" / "hotline"))
    samples, subjects, extra = accuracy.load()
    folds = classifier.stratified_folds([s.unit for s in samples], 5, 0)
    training = [s for s, f in zip(samples, folds, strict=True) if f != 0]
    held_out = [s for s, f in zip(samples, folds, strict=True) if f == 0]
    model = classifier.train(
        training, subjects=subjects, extra=extra, unit_names=accuracy.unit_names()
    )
    unit, baseline = classifier.Score(), classifier.Score()
    for s in held_out:
        unit.add(model.predict(s.text, area=s.area, type=s.type)[1], s.unit)
        baseline.add(classifier.keyword_rank(s.text, subjects)[1], s.unit)
    assert unit.rates()["top1"] >= 0.65
    assert unit.rates()["top3"] >= 0.85
    assert unit.rates()["top1"] >= baseline.rates()["top1"] + 0.1
