"""The dispatch classifier (docs/hotline.md, "Routing and the classifier"): from an appeal's
text, type and area, the likely subject (诉求分类) and the likely lead unit (主办单位).

Pure: no database. `train(samples)` fits two complement naive Bayes heads (subject and
unit, scikit-learn's counts) over one feature vector per appeal:

- the text, cut by jieba into words (punctuation and a few function words dropped) plus
  the character bigrams of its Chinese runs — bigrams catch the words jieba's dictionary
  splits (暖气片, 二房东) — weighted by TF-IDF (sublinear term frequency, L2-normalised);
- the appeal's type (投诉, 咨询 …) and its street, each a one-hot block.

A problem the street itself handles (a neighbours' quarrel, a roof-top shed in a
residential block) goes to the street where it happened, whichever street that is: the
unit model learns one class for it, `AREA_UNIT`, which a prediction turns into the appeal's
street. So what the model learns from 和平街道's cases counts for 东风街道's too. A third
head, a logistic regression, decides that route apart: over the same features and whether
the caller asks the street or community to act (`street_cues`). A department the caller
asks for by its short name (`asked_units`: 请市场监管部门…) weighs more.

The trained model is kept as plain JSON numbers (vocabulary, idf, coefficients,
intercepts, classes) — never a pickle, which would run code when loaded — and predicts with
numpy alone from that JSON (`Model.from_json(...).predict(...)`). Confidences are the
softmax of the linear scores (what the naive Bayes and logistic regression's
probabilities are).

`cross_validate` measures it on appeals it did not train on (stratified k-fold, fixed
seed), beside `keyword_rank`, the plain keyword baseline that suggest.py falls back to when
no model is trained yet."""

from __future__ import annotations

import functools
import logging
import math
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

FORMAT = 1
# The unit class "the appeal's own street" (see the module's docstring).
AREA_UNIT = "@area"

# Function words that say nothing about what an appeal is about.
STOPWORDS = frozenset(
    "的 了 着 过 是 在 和 与 及 或 也 都 就 还 又 再 很 太 更 最 把 被 给 让 对 从 向 跟 比"
    " 我 你 他 她 它 我们 你们 他们 她们 咱们 自己 这 那 这个 那个 这些 那些 这里 那里 这样 那样"
    " 一个 一下 一些 什么 怎么 怎么办 如何 为什么 吗 呢 吧 啊 呀 哦 嗯 么 请问 您好 你好 谢谢"
    " 有 没有 没 不 能 会 要 想 可以 已经 现在 一直 每天 今天 昨天 上 下 里 中 个 说 去 来 到"
    " 但 但是 而且 因为 所以 如果 希望 请 帮 帮忙 一下子 好 多 几 非常 特别 还是 就是 可是".split()
)

_WORD = re.compile(r"\w", re.UNICODE)
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")

# How much the type and the street weigh beside the text (whose vector has length 1).
EXTRA_WEIGHT = 0.5
# Smoothing of the complement naive Bayes heads.
ALPHA = 0.1
# Each keyword of a subject found in the text adds this to the subject's score (a factor
# of e² to its odds).
KEYWORD_WEIGHT = 2.0
# A unit's confidence: this share from the unit head, the rest from the subjects' default
# units weighted by the subjects' confidences.
UNIT_HEAD_SHARE = 0.8
# Inverse regularisation of the street head (a logistic regression, scikit-learn's C).
STREET_C = 10.0
# Words naming the grassroots bodies — the street (街道) and community (社区) levels of the
# org tree, and the residents' and villagers' committees (居委会, 村委会; 《城市居民委员会组织法》,
# 《村民委员会组织法》) — which a caller asking the street to act names. The street head
# learns from the training appeals how much each one weighs.
GRASSROOTS = ("街道", "社区", "居委会", "村委会")
# A request: a request word and what follows it in the same clause — where a caller names
# whom they ask to act ("请社区和街道出面调解", "麻烦社区派人来看看", "请市场监管部门查一下").
# Naming a body elsewhere is not asking it: "我家住和平街道…", "社区卫生服务中心" name a place.
_REQUEST = re.compile(r"(?:请|让|找|麻烦|希望|要求|由)([^。！？；，、,.!?;]{2,12})")


@dataclass(frozen=True)
class Sample:
    """One appeal a dispatcher confirmed: its text, type (code or Chinese label), street
    code ("" when unknown), and the subject and lead unit it was dispatched with."""

    text: str
    subject: str
    unit: str
    area: str = ""
    type: str = ""


@dataclass(frozen=True)
class KeywordSubject:
    """What the subject tree itself says of a subject: its name, its dispatch keywords and
    its default unit."""

    code: str
    keywords: tuple[str, ...]
    unit: str = ""
    name: str = ""


@functools.cache
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def normalise(text: str) -> str:
    """Full-width to half-width, lower case; control characters become spaces."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)


def tokens(text: str) -> list[str]:
    """The words of a text (jieba, without the HMM so a text always cuts the same way) and
    the character bigrams of its Chinese runs, marked with a leading "_"."""
    text = normalise(text)
    words = [
        w.strip()
        for w in _tokenizer().cut(text, HMM=False)
        if _WORD.search(w) and w.strip() and w.strip() not in STOPWORDS
    ]
    bigrams = ["_" + run[i : i + 2] for run in _HAN_RUN.findall(text) for i in range(len(run) - 1)]
    return words + bigrams


def _extras(area: str, type_: str) -> list[str]:
    return [f"area:{area or '-'}", f"type:{type_ or '-'}"]


def street_cues(text: str, area: str = "") -> np.ndarray:
    """The street head's own features beside the text's: whether the appeal's street is
    known, which of the GRASSROOTS words the text names, and which of them it asks to act."""
    text = normalise(text)
    asked = {w for m in _REQUEST.finditer(text) for w in GRASSROOTS if w in m.group(1)}
    return np.array(
        [
            1.0 if area else 0.0,
            *(1.0 if w in text else 0.0 for w in GRASSROOTS),
            *(1.0 if w in asked else 0.0 for w in GRASSROOTS),
        ]
    )


STREET_CUES = 1 + 2 * len(GRASSROOTS)  # the length of street_cues()

# A caller asking a department by the short name they know it by (请市场监管部门查一下,
# 请城管核实, 请商务部门管一管): the words of a request (_REQUEST), cut at 和/或/跟/与, each
# tried from its longest beginning (five characters down to two) against the units' names
# in the org tree; a beginning whose characters occur in that order in exactly one unit's
# name (市场监 in 示范区市场监督管理局, 城管 in 示范区城市管理委员会) names that unit.
_AND = re.compile(r"和|或者|或|跟|与")
# The odds of a unit the caller asks for are multiplied by e^ASK_WEIGHT.
ASK_WEIGHT = 1.0


def _in_order(short: str, name: str) -> bool:
    rest = iter(name)
    return all(ch in rest for ch in short)


def asked_units(text: str, names: Mapping[str, str]) -> set[str]:
    """The codes of the units (`names`: code → name) the text asks to act by name."""
    found = set()
    for request in _REQUEST.finditer(normalise(text)):
        for part in _AND.split(request.group(1)):
            part = part.strip()
            for length in range(min(5, len(part)), 1, -1):
                matches = [code for code, name in names.items() if _in_order(part[:length], name)]
                if len(matches) == 1:
                    found.add(matches[0])
                    break
    return found


def keyword_hits(text: str, keywords: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """How many of each subject's keywords the (normalised) text contains."""
    text = normalise(text)
    found = {}
    for code, words in keywords.items():
        n = sum(1 for word in words if word and normalise(word) in text)
        if n:
            found[code] = n
    return found


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max()
    exp = np.exp(scores)
    return exp / exp.sum()


DIGITS = 6  # decimals kept of every learned number (the JSON stays small)


@dataclass
class Head:
    """One linear classifier, one row of scores per class:

        scores = coef · x + total · sum(x) + intercept

    and the confidences are their softmax. `coef` is sparse — a class's row holds only the
    features seen with it — so a head of a few dozen classes over ten thousand features
    stays a few hundred kilobytes of JSON."""

    classes: list[str]
    coef: np.ndarray  # (classes, features), mostly zeros
    total: np.ndarray  # (classes,)
    intercept: np.ndarray  # (classes,)

    def scores(self, x: np.ndarray) -> np.ndarray:
        used = np.flatnonzero(x)  # a text uses a hundred features of thousands
        return self.coef[:, used] @ x[used] + self.total * x[used].sum() + self.intercept

    def to_json(self) -> dict:
        rows = []
        for row in self.coef:
            (indices,) = np.nonzero(row)
            rows.append({"i": [int(i) for i in indices], "v": [float(row[i]) for i in indices]})
        return {
            "classes": list(self.classes),
            "rows": rows,
            "total": [float(v) for v in self.total],
            "intercept": [float(v) for v in self.intercept],
        }

    @classmethod
    def from_json(cls, data: Mapping, features: int) -> Head:
        classes = [str(c) for c in data["classes"]]
        rows = list(data["rows"])
        if not classes or len(rows) != len(classes):
            raise ValueError("not a trained head")
        coef = np.zeros((len(classes), features))
        for number, row in enumerate(rows):
            indices = np.asarray(row["i"], dtype=np.int64)
            values = np.asarray(row["v"], dtype=float)
            if indices.shape != values.shape or indices.ndim != 1:
                raise ValueError("not a trained head")
            if indices.size and (indices.min() < 0 or indices.max() >= features):
                raise ValueError("not a trained head")
            coef[number, indices] = values
        total = np.asarray(data["total"], dtype=float).reshape(len(classes))
        intercept = np.asarray(data["intercept"], dtype=float).reshape(len(classes))
        if not all(np.isfinite(a).all() for a in (coef, total, intercept)):
            raise ValueError("not a trained head")
        return cls(classes, coef, total, intercept)


Ranked = list[tuple[str, float]]


@dataclass
class Model:
    """A trained classifier: what turns a text into features, the two heads, and what the
    subject tree says (keywords, default units)."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    extras: dict[str, int]
    subject: Head
    unit: Head
    # "Does the appeal's own street handle it?" (classes "-" and AREA_UNIT) over the
    # features and the street cues; None when the training appeals never said (a model
    # trained before it existed, or no appeal with a known street): then the unit head's
    # AREA_UNIT class answers alone.
    street: Head | None = None
    keywords: dict[str, list[str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    # The departments' names (code → name), for the units a caller asks for by name.
    unit_names: dict[str, str] = field(default_factory=dict)
    ask_weight: float = ASK_WEIGHT
    extra_weight: float = EXTRA_WEIGHT
    keyword_weight: float = KEYWORD_WEIGHT
    unit_head_share: float = UNIT_HEAD_SHARE
    info: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        return len(self.vocabulary) + len(self.extras)

    def features(self, text: str, area: str = "", type: str = "") -> np.ndarray:
        """The feature vector: the text's TF-IDF (sublinear, L2-normalised, as
        scikit-learn's TfidfVectorizer computes it), then the type and street."""
        x = np.zeros(self.width)
        counts = Counter(t for t in tokens(text) if t in self.vocabulary)
        weights = {
            self.vocabulary[token]: (1.0 + math.log(n)) * float(self.idf[self.vocabulary[token]])
            for token, n in counts.items()
        }
        # The norm over the few weights, not the whole vector: numpy's BLAS would do the
        # ten-thousand-wide sum in threads that cost more than it.
        norm = math.sqrt(sum(w * w for w in weights.values()))
        for column, weight in weights.items():
            x[column] = weight / norm
        offset = len(self.vocabulary)
        for name in _extras(area, type):
            if name in self.extras:
                x[offset + self.extras[name]] = self.extra_weight
        return x

    def predict(self, text: str, area: str = "", type: str = "") -> tuple[Ranked, Ranked]:
        """(subjects, units), each [(code, confidence)] best first, confidences summing to
        1. `area` is the code of the appeal's street; the class "its own street" becomes
        that code, or is left out (the others renormalised) when the street is unknown."""
        x = self.features(text, area, type)
        scores = self.subject.scores(x)
        hits = keyword_hits(text, self.keywords)
        if hits:
            scores = scores + self.keyword_weight * np.array(
                [hits.get(code, 0) for code in self.subject.classes], dtype=float
            )
        p_subject = _softmax(scores)
        order = np.argsort(-p_subject, kind="stable")
        subjects = [(self.subject.classes[i], float(p_subject[i])) for i in order]

        units: dict[str, float] = {}
        p_unit = _softmax(self.unit.scores(x))
        street = self.street_probability(x, text, area)
        head = {}
        for code, p in zip(self.unit.classes, p_unit, strict=True):
            if code == AREA_UNIT:
                if not area or street is not None:
                    continue
                code = area
            head[code] = head.get(code, 0.0) + float(p)
        total = sum(head.values())
        share = self.unit_head_share if total else 0.0
        for code, p in head.items():
            units[code] = units.get(code, 0.0) + share * p / total
        for code, p in subjects:
            default = self.defaults.get(code)
            if default:
                units[default] = units.get(default, 0.0) + (1 - share) * p
        total = sum(units.values()) or 1.0
        units = {code: p / total for code, p in units.items()}
        asked = asked_units(text, self.unit_names) if self.unit_names else set()
        if asked:
            factor = math.exp(self.ask_weight)
            units = {code: p * (factor if code in asked else 1.0) for code, p in units.items()}
            for code in asked:
                units.setdefault(code, 0.0)
            total = sum(units.values()) or 1.0
            units = {code: p / total for code, p in units.items()}
        if street is not None:
            # Two routes: the appeal's own street, with the street head's confidence, or
            # a department, as the heads above rank them.
            units = {code: (1 - street) * p for code, p in units.items()}
            units[area] = units.get(area, 0.0) + street
        ranked = sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))
        return subjects, ranked

    def street_probability(self, x: np.ndarray, text: str, area: str) -> float | None:
        """The street head's confidence that the appeal's own street handles it; 0 when
        the street is unknown, None when the model has no street head."""
        if self.street is None:
            return None
        if not area:
            return 0.0
        scores = self.street.scores(np.concatenate([x, street_cues(text, area)]))
        return float(_softmax(scores)[self.street.classes.index(AREA_UNIT)])

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "vocabulary": sorted(self.vocabulary, key=self.vocabulary.__getitem__),
            "idf": [float(v) for v in self.idf],
            "extras": sorted(self.extras, key=self.extras.__getitem__),
            "subject": self.subject.to_json(),
            "unit": self.unit.to_json(),
            "street": self.street.to_json() if self.street is not None else None,
            "keywords": {code: list(words) for code, words in self.keywords.items()},
            "defaults": dict(self.defaults),
            "unit_names": dict(self.unit_names),
            "ask_weight": float(self.ask_weight),
            "extra_weight": float(self.extra_weight),
            "keyword_weight": float(self.keyword_weight),
            "unit_head_share": float(self.unit_head_share),
            "info": dict(self.info),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Model:
        """A model from its JSON; ValueError when the payload is not one."""
        try:
            if data.get("format") != FORMAT:
                raise ValueError("unknown classifier format")
            words = [str(w) for w in data["vocabulary"]]
            extras = [str(e) for e in data["extras"]]
            idf = np.asarray(data["idf"], dtype=float).reshape(len(words))
            width = len(words) + len(extras)
            street = data.get("street")
            if street is not None:
                street = Head.from_json(street, width + STREET_CUES)
                if sorted(street.classes) != sorted(["-", AREA_UNIT]):
                    raise ValueError("not a street head")
            return cls(
                vocabulary={w: i for i, w in enumerate(words)},
                idf=idf,
                extras={e: i for i, e in enumerate(extras)},
                subject=Head.from_json(data["subject"], width),
                unit=Head.from_json(data["unit"], width),
                street=street,
                keywords={str(k): [str(w) for w in v] for k, v in data["keywords"].items()},
                defaults={str(k): str(v) for k, v in data["defaults"].items()},
                unit_names={str(k): str(v) for k, v in (data.get("unit_names") or {}).items()},
                ask_weight=float(data.get("ask_weight", ASK_WEIGHT)),
                extra_weight=float(data["extra_weight"]),
                keyword_weight=float(data["keyword_weight"]),
                unit_head_share=float(data["unit_head_share"]),
                info=dict(data.get("info") or {}),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError("not a trained classifier") from error


def unit_label(sample: Sample) -> str:
    """The unit class a sample teaches: `AREA_UNIT` when its own street handled it."""
    return AREA_UNIT if sample.area and sample.unit == sample.area else sample.unit


def _fit_head(matrix, labels: Sequence[str], alpha: float) -> Head:
    """Complement naive Bayes (Rennie et al., 2003, "Tackling the poor assumptions of naive
    Bayes text classifiers"), which copes with classes of one or two examples better than a
    logistic regression here (bench/hotline/README.md). Its score of class c is

        Σ_f x_f · (log Z_c − log(N_f + α − n_cf)),   Z_c = Σ_f (N_f + α − n_cf)

    (n_cf: the weight of feature f in class c's examples, N_f in all). Split as
    log Z_c · Σx  +  Σ_f x_f · log((N_f + α) / (N_f + α − n_cf))  −  Σ_f x_f · log(N_f + α),
    the last term is the same for every class and drops out of the softmax, and the middle
    one is zero wherever n_cf is: what is kept is sparse. These are the scores of
    scikit-learn's ComplementNB, whose fitted counts are used."""
    classes = sorted(set(labels))
    width = matrix.shape[1]
    if len(classes) == 1:
        return Head(classes, np.zeros((1, width)), np.zeros(1), np.zeros(1))
    from sklearn.naive_bayes import ComplementNB

    fitted = ComplementNB(alpha=alpha)
    fitted.fit(matrix, labels)
    counts = np.asarray(fitted.feature_count_, dtype=float)
    every = np.asarray(fitted.feature_all_, dtype=float) + alpha
    complement = every - counts
    coef = np.where(counts > 0, np.log(every) - np.log(complement), 0.0)
    total = np.log(complement.sum(axis=1))
    return Head(
        [str(c) for c in fitted.classes_],
        np.round(coef, DIGITS),
        np.round(total, DIGITS),
        np.zeros(len(fitted.classes_)),
    )


def _fit_street_head(matrix, samples: Sequence[Sample], c: float) -> Head | None:
    """A logistic regression (scikit-learn, L2, inverse regularisation `c`) of "the
    appeal's own street handled it" over the appeals whose street is known: their features
    and street cues. None unless both answers occur. A feature no such appeal has keeps a
    weight of exactly 0 (it has no gradient), so the stored row stays sparse."""
    rows = [i for i, s in enumerate(samples) if s.area]
    labels = [AREA_UNIT if unit_label(samples[i]) == AREA_UNIT else "-" for i in rows]
    if len(set(labels)) < 2:
        return None
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    cues = np.array([street_cues(samples[i].text, samples[i].area) for i in rows])
    x = sparse.hstack([matrix[rows], sparse.csr_matrix(cues)]).tocsc()
    used = np.flatnonzero(x.getnnz(axis=0))  # the columns these appeals use (fits faster)
    fitted = LogisticRegression(C=c, max_iter=5000)
    fitted.fit(x[:, used].tocsr(), labels)
    classes = [str(k) for k in fitted.classes_]  # ["-", AREA_UNIT]
    coef = np.zeros((2, x.shape[1]))
    coef[1, used] = np.round(fitted.coef_[0], DIGITS)
    return Head(
        classes,
        coef,
        np.zeros(2),
        np.array([0.0, round(float(fitted.intercept_[0]), DIGITS)]),
    )


def subject_samples(subjects: Iterable[KeywordSubject]) -> list[Sample]:
    """One example per subject from the tree itself — its name and keywords — so a subject
    nobody has dispatched yet can still be suggested."""
    return [
        Sample(" ".join([s.name, *s.keywords]), s.code, s.unit)
        for s in subjects
        if s.unit and (s.name or s.keywords)
    ]


def train(
    samples: Iterable[Sample],
    *,
    subjects: Sequence[KeywordSubject] = (),
    extra: Iterable[Sample] = (),
    alpha: float = ALPHA,
    extra_weight: float = EXTRA_WEIGHT,
    keyword_weight: float = KEYWORD_WEIGHT,
    unit_head_share: float = UNIT_HEAD_SHARE,
    street_c: float | None = STREET_C,
    unit_names: Mapping[str, str] | None = None,
    ask_weight: float = ASK_WEIGHT,
    min_df: int = 1,
) -> Model:
    """Fit the model on confirmed appeals (`samples`), the subject tree (`subjects`: their
    keywords and default units, and one example each) and `extra` examples (knowledge-base
    articles). The street head learns from the appeals alone (`street_c` None: none).
    `unit_names` (code → name, the departments of the org tree) lets a caller's request
    for a unit by name count. ValueError when there is nothing to learn from."""
    appeals = list(samples)
    samples = [*appeals, *subject_samples(subjects), *extra]
    if not samples:
        raise ValueError("no samples to train on")
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=tokens, sublinear_tf=True, norm="l2", min_df=min_df)
    text = vectorizer.fit_transform([s.text for s in samples])
    extra_names = sorted({name for s in samples for name in _extras(s.area, s.type)})
    extras = {name: i for i, name in enumerate(extra_names)}
    rows, cols = [], []
    for row, s in enumerate(samples):
        for name in _extras(s.area, s.type):
            rows.append(row)
            cols.append(extras[name])
    matrix = sparse.hstack(
        [
            text,
            sparse.csr_matrix(
                (np.full(len(rows), extra_weight), (rows, cols)),
                shape=(len(samples), len(extras)),
            ),
        ]
    ).tocsr()
    return Model(
        vocabulary={str(w): int(i) for w, i in vectorizer.vocabulary_.items()},
        idf=np.round(np.asarray(vectorizer.idf_, dtype=float), DIGITS),
        extras=extras,
        subject=_fit_head(matrix, [s.subject for s in samples], alpha),
        unit=_fit_head(matrix, [unit_label(s) for s in samples], alpha),
        street=(
            _fit_street_head(matrix[: len(appeals)], appeals, street_c)
            if street_c is not None
            else None
        ),
        keywords={s.code: list(s.keywords) for s in subjects if s.keywords},
        defaults={s.code: s.unit for s in subjects if s.unit},
        unit_names={str(k): str(v) for k, v in (unit_names or {}).items() if k and v},
        ask_weight=ask_weight,
        extra_weight=extra_weight,
        keyword_weight=keyword_weight,
        unit_head_share=unit_head_share,
        info={"samples": len(samples)},
    )


# The keyword baseline ----------------------------------------------------------------------


def keyword_rank(
    text: str, subjects: Sequence[KeywordSubject], prior: Mapping[str, int] | None = None
) -> tuple[Ranked, Ranked]:
    """The baseline: subjects by how many of their keywords the text contains (ties by
    `prior`, e.g. how often each subject came before, then in their order); units are
    those subjects' default units, in the same order. Confidences are each one's share of
    the hits (0 when nothing matched)."""
    prior = prior or {}
    hits = keyword_hits(text, {s.code: s.keywords for s in subjects})
    total = sum(hits.values())
    ordered = sorted(
        enumerate(subjects),
        key=lambda item: (-hits.get(item[1].code, 0), -prior.get(item[1].code, 0), item[0]),
    )
    ranked = [(s.code, hits.get(s.code, 0) / total if total else 0.0) for _, s in ordered]
    units: dict[str, float] = {}
    for _, s in ordered:
        if s.unit:
            units[s.unit] = units.get(s.unit, 0.0) + (hits.get(s.code, 0) / total if total else 0.0)
    return ranked, list(units.items())


# Measuring it ------------------------------------------------------------------------------


def stratified_folds(labels: Sequence[str], k: int = 5, seed: int = 0) -> list[int]:
    """The fold (0..k-1) of each sample: each label's samples shuffled (fixed seed) and dealt
    to the folds in turn, continuing where the previous label stopped, so every fold gets
    its share of each label and about n/k samples."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible shuffle, not a secret
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    folds = [0] * len(labels)
    turn = 0
    for label in sorted(by_label):
        members = by_label[label]
        rng.shuffle(members)
        for i in members:
            folds[i] = turn % k
            turn += 1
    return folds


@dataclass
class Score:
    """Top-1 and top-3 hits of one predictor on one target."""

    n: int = 0
    top1: int = 0
    top3: int = 0

    def add(self, ranked: Sequence[tuple[str, float]], truth: str) -> None:
        codes = [code for code, _ in ranked]
        self.n += 1
        self.top1 += codes[:1] == [truth]
        self.top3 += truth in codes[:3]

    def rates(self) -> dict[str, float]:
        n = self.n or 1
        return {"top1": self.top1 / n, "top3": self.top3 / n}


def cross_validate(
    samples: Sequence[Sample],
    *,
    k: int = 5,
    seed: int = 0,
    baseline: Sequence[KeywordSubject] | None = None,
    extra: Sequence[Sample] = (),
    **options,
) -> dict:
    """Stratified k-fold cross-validation (by lead unit): top-1 and top-3 rates of subject
    and unit on the held-out folds, for the model and, given the subject tree
    (`baseline`: it trains with it too), for the keyword baseline; `extra` examples
    (knowledge-base articles) join every training fold. Fewer than two samples: no
    figures.

    Given the subject tree, three top-1 ceilings too, which show where the misses are:
    `oracle_default`, each appeal sent to its true subject's default unit (no model);
    `oracle_subject`, the true subject's default unit unless the street head sends it to
    its street (confidence ≥ ½); `oracle_route`, a perfect choice between the street and
    the departments, then the model's best department."""
    samples = list(samples)
    k = min(k, len(samples))
    if k < 2:
        return {}
    folds = stratified_folds([s.unit for s in samples], k, seed)
    names = ("subject", "unit", "baseline_subject", "baseline_unit")
    scores = {
        name: Score() for name in (*names, "oracle_default", "oracle_subject", "oracle_route")
    }
    defaults = {s.code: s.unit for s in baseline or () if s.unit}
    for fold in range(k):
        training = [s for s, f in zip(samples, folds, strict=True) if f != fold]
        held_out = [s for s, f in zip(samples, folds, strict=True) if f == fold]
        if not training or not held_out:
            continue
        model = train(training, subjects=baseline or (), extra=extra, **options)
        prior = Counter(s.subject for s in training)
        for s in held_out:
            subjects, units = model.predict(s.text, area=s.area, type=s.type)
            scores["subject"].add(subjects, s.subject)
            scores["unit"].add(units, s.unit)
            if baseline:
                b_subjects, b_units = keyword_rank(s.text, baseline, prior)
                scores["baseline_subject"].add(b_subjects, s.subject)
                scores["baseline_unit"].add(b_units, s.unit)
                default = defaults.get(s.subject, "")
                scores["oracle_default"].add([(default, 1.0)], s.unit)
                street = model.street_probability(
                    model.features(s.text, s.area, s.type), s.text, s.area
                )
                routed = s.area if s.area and (street or 0.0) >= 0.5 else default
                scores["oracle_subject"].add([(routed, 1.0)], s.unit)
                if s.area and s.unit == s.area:
                    scores["oracle_route"].add([(s.area, 1.0)], s.unit)
                else:
                    scores["oracle_route"].add([u for u in units if u[0] != s.area], s.unit)
    result = {"folds": k, "seed": seed, "samples": len(samples)}
    for name, score in scores.items():
        if score.n:
            result[name] = score.rates()
    return result
