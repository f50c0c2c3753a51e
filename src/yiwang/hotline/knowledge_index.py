"""The knowledge base's search index, held in memory per process (docs/hotline.md, "The
knowledge base"): the active articles cut into words by the catalogue's tokeniser
(catalog.search.text: jieba with the synonym dictionary's phrases kept whole), an inverted
index of those words with each article's bm25 share precomputed, and a few cached answers.

An agent's console asks it on every keystroke, so a query costs no SQL of its own and no
pass over the articles: it adds up the precomputed shares of its words' postings and
re-ranks the best hundred. The snapshot is built again when the articles change — at once
in the process that wrote them (`changed()`), in every process sharing the cache when the
writer's transaction commits (a generation token in the cache), and at the latest after
`RECHECK_SECONDS` when neither reaches a process (another count or last change) or after
`MAX_AGE_SECONDS` (a subject or an item renamed)."""

import heapq
import math
import threading
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max

from yiwang.catalog.search import query as catalog_query
from yiwang.catalog.search import text

from .models import Article

GENERATION_KEY = "hotline:knowledge:generation"
RECHECK_SECONDS = 10.0
MAX_AGE_SECONDS = 300.0
MAX_CANDIDATES = 100
MAX_CACHED = 4096  # ranked answers kept per snapshot

# Field weights of a word (docs/hotline.md): the question says what an article answers,
# the linked item and the subject what it is about, the answer only mentions things.
QUESTION_WEIGHT, ITEM_WEIGHT, SUBJECT_WEIGHT, ANSWER_WEIGHT = 10.0, 5.0, 3.0, 1.0
# Re-ranking: the share of the query's phrases the question holds counts most, then the
# item's name, then the subject; bm25 (scaled to the best candidate's) breaks ties.
QUESTION_COVER, ITEM_COVER, SUBJECT_COVER = 2.0, 1.0, 0.5
# Articles scoring below this share of the best are left out: an answer that only mentions
# a word of the query (营业执照 in an article about estate agents) is noise to an agent.
FOLD_SHARE = 0.2
# bm25's saturation and length terms, as the catalogue's (FTS5's k1 and b).
K1, B = 1.2, 0.75

_lock = threading.Lock()
_epoch = [0]
_current: list = [None]  # (key, snapshot, built at, last checked, stamp)


@dataclass(frozen=True)
class Doc:
    pk: int
    question: str  # normalised
    item: str
    subject: str  # the subject's name, its parent's and its keywords
    answer: str
    subject_id: int
    parent_id: int | None
    uses: int


def _generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        value = cache.get(GENERATION_KEY) or ""
    return value


def changed() -> None:
    """Articles were written: this process searches a new snapshot from now on, the others
    once the transaction commits."""
    _epoch[0] += 1

    def bump():
        _epoch[0] += 1
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)

    transaction.on_commit(bump)


def forget() -> None:
    """Drop the snapshot (tests, and a command that changed subjects or items)."""
    _current[0] = None


def _stamp() -> tuple:
    found = Article.objects.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    return (found["n"], found["last"], found["top"])


class Snapshot:
    def __init__(self, rows):
        self.docs: list[Doc] = []
        postings: dict[str, dict[int, float]] = {}
        fields_per_doc = []
        for row in rows:
            pk, question, answer, subject_id, subject, parent_id, parent, keywords, item, uses = row
            subject_text = " ".join([subject or "", parent or "", *(keywords or [])])
            doc = Doc(
                pk=pk,
                question=text.normalise(question),
                item=text.normalise(item or ""),
                subject=text.normalise(subject_text),
                answer=text.normalise(answer),
                subject_id=subject_id,
                parent_id=parent_id,
                uses=uses,
            )
            self.docs.append(doc)
            fields = (
                (QUESTION_WEIGHT, text.segment(question)),
                (ITEM_WEIGHT, text.segment(item or "")),
                (SUBJECT_WEIGHT, text.segment(subject_text)),
                (ANSWER_WEIGHT, text.segment(answer)),
            )
            fields_per_doc.append(fields)
        self.size = len(self.docs)
        lengths = [sum(len(words) for _, words in fields) for fields in fields_per_doc]
        average = (sum(lengths) / self.size) if self.size else 1.0
        for pos, fields in enumerate(fields_per_doc):
            # Each field counts a word once (a question that says 垃圾 twice is no better).
            saturation = (K1 + 1) / (1 + K1 * (1 - B + B * lengths[pos] / average))
            weights: dict[str, float] = {}
            for weight, words in fields:
                for word in set(words):
                    weights[word] = weights.get(word, 0.0) + weight
            for word, weight in weights.items():
                postings.setdefault(word, {})[pos] = weight * saturation
        # Each word's idf folded into its shares once: a query only adds them up.
        self.postings = {
            word: tuple((pos, share * self._idf(len(found))) for pos, share in found.items())
            for word, found in postings.items()
        }
        self.answers: dict = {}
        self.subjects: dict = {}
        self.lock = threading.Lock()

    def _idf(self, frequency: int) -> float:
        return math.log((self.size - frequency + 0.5) / (frequency + 0.5) + 1.0)

    def allowed(self, subject_ids: frozenset[int] | None):
        """Positions of the articles of these subjects (or their children), once per
        snapshot and filter."""
        if subject_ids is None:
            return None
        found = self.subjects.get(subject_ids)
        if found is None:
            found = frozenset(
                pos
                for pos, doc in enumerate(self.docs)
                if doc.subject_id in subject_ids or doc.parent_id in subject_ids
            )
            with self.lock:
                if len(self.subjects) > 256:
                    self.subjects.clear()
                self.subjects[subject_ids] = found
        return found

    def rank(self, raw: str, subject_ids: frozenset[int] | None, limit: int) -> list[int]:
        key = (raw, subject_ids, limit)
        found = self.answers.get(key)
        if found is None:
            found = self._rank(raw, subject_ids, limit)
            with self.lock:
                if len(self.answers) >= MAX_CACHED:
                    self.answers.clear()
                self.answers[key] = found
        return found

    def _rank(self, raw: str, subject_ids, limit: int) -> list[int]:
        parsed = catalog_query.parse(raw)
        terms = list(dict.fromkeys([*parsed.words, *parsed.expansions]))
        allowed = self.allowed(subject_ids)
        scores: dict[int, float] = {}
        for term in terms:
            for pos, share in self.postings.get(term, ()):
                if allowed is None or pos in allowed:
                    scores[pos] = scores.get(pos, 0.0) + share
        phrases = [p for p in dict.fromkeys([*parsed.expansions, *parsed.words]) if len(p) > 1]
        if not phrases and parsed.core:
            phrases = [parsed.core]
        if not scores:
            # Nothing by whole words (a fragment typed half-way, an unknown name): the
            # questions, items and subjects that contain the query's core as it is.
            core = parsed.core or parsed.text.replace(" ", "")
            if len(core) < 2:
                return []
            for pos, doc in enumerate(self.docs):
                if (allowed is None or pos in allowed) and (
                    core in doc.question or core in doc.item or core in doc.subject
                ):
                    scores[pos] = 1.0
            phrases = [core]
        if not scores:
            return []
        if len(scores) > MAX_CANDIDATES:
            best = heapq.nlargest(MAX_CANDIDATES, scores.items(), key=lambda kv: kv[1])
        else:
            best = list(scores.items())
        top = max(score for _, score in best) or 1.0
        total = sum(len(p) for p in phrases) or 1

        def cover(field: str) -> float:
            return sum(len(p) for p in phrases if p in field) / total

        ranked = []
        for pos, score in best:
            doc = self.docs[pos]
            final = (
                QUESTION_COVER * cover(doc.question)
                + ITEM_COVER * cover(doc.item)
                + SUBJECT_COVER * cover(doc.subject)
                + score / top
            )
            ranked.append((-final, -doc.uses, doc.pk))
        ranked.sort()
        cut = -ranked[0][0] * FOLD_SHARE
        return [pk for final, _, pk in ranked[:limit] if -final >= cut]


def _rows():
    return (
        Article.objects.filter(is_active=True)
        .order_by("pk")
        .values_list(
            "pk",
            "question",
            "answer",
            "subject_id",
            "subject__name",
            "subject__parent_id",
            "subject__parent__name",
            "subject__keywords",
            "item__published__name",
            "uses",
        )
    )


def snapshot() -> Snapshot:
    """The current snapshot (built on first use after a change)."""
    key = (_generation(), _epoch[0])
    now = time.monotonic()
    current = _current[0]
    if current is not None and current[0] == key and now - current[2] < MAX_AGE_SECONDS:
        if now - current[3] < RECHECK_SECONDS:
            return current[1]
        stamp = _stamp()
        if stamp == current[4]:
            _current[0] = (key, current[1], current[2], now, stamp)
            return current[1]
    with _lock:
        current = _current[0]
        if (
            current is not None
            and current[0] == key
            and now - current[3] < RECHECK_SECONDS
            and now - current[2] < MAX_AGE_SECONDS
        ):
            return current[1]
        stamp = _stamp()
        built = Snapshot(_rows().iterator(chunk_size=2000))
        _current[0] = (key, built, time.monotonic(), time.monotonic(), stamp)
        return built
