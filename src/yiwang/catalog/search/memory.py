"""The published search documents held in memory, one snapshot per catalogue content
(docs/search.md, "Speed"): what ranking reads of every document (normalised name, phrases,
pinyin forms, hot, which follow-up its name is), the words of its name and keywords (an
inverted index), and what the database's full-text index answered for each term so far.

A query then costs one short full-text look-up per new term (LIMIT-ed: a term in thousands of
documents is not listed) and arithmetic over a capped candidate set, instead of scoring every
document that mentions a common word. The snapshot is rebuilt when the documents change:
another generation (catalog.cache), an index write in this process (`index.py` calls
`changed()`), a newer document id, or, every `RECHECK_SECONDS`, another count.
"""

import bisect
import gc
import math
import threading
import time
from array import array

from django.db import connection
from django.db.models import Count, Max

from .. import cache as catalog_cache
from ..models import SearchDocument
from . import text

RECHECK_SECONDS = 10.0
# A search asks for the snapshot two or three times; the newest document id (one query) is
# read again once this much time has passed, the generation and this process's writes on
# every call.
LAST_ID_SECONDS = 0.05
# A term in more documents than this share (and than COMMON_MIN) is common: the full-text
# index does not list its documents (身份证 is a material of most items); it still counts for
# the documents found by the query's other words, and lists those that hold it in their name
# or keywords when they are few.
COMMON_SHARE = 0.02
COMMON_MIN = 100
MAX_TERMS = 50_000  # looked-up terms kept per snapshot
MAX_CARDS = 50_000  # query.result_cards entries kept per snapshot
MAX_SHARES = 2_000_000  # documents' bm25 shares of the looked-up terms kept per snapshot
# A snapshot of at least this many documents is moved out of the garbage collector's reach
# once built (`gc.freeze`): a full collection would otherwise walk its hundreds of thousands
# of objects (a third of a second on 10,000 documents) every few thousand requests. A small
# catalogue (the tests' ones, rebuilt often) costs the collector nothing.
FREEZE_MIN = 2000

_epoch = 0
_lock = threading.Lock()
_current = None
_last_checked = [0.0]  # when the newest document id was last read


def changed() -> None:
    """The documents were written in this process: the next search takes a new snapshot."""
    global _epoch
    _epoch += 1


class Snapshot:
    def __init__(self, rows, follow_up_group):
        self.position: dict[int, int] = {}
        self.version: list[int] = []
        self.title: list[str] = []
        self.phrases: list[str] = []
        self.forms: list[list[str]] = []
        self.hot: list[bool] = []
        self.group: list[int] = []
        # What ranking reads of a document: (version id, title, phrases, name forms, hot,
        # which follow-up its name is).
        self.row: list[tuple] = []
        name_words: dict[str, array] = {}
        keyword_words: dict[str, array] = {}
        forms = []
        self.length: list[int] = []
        for pos, row in enumerate(rows):
            pk, version, title, phrases, title_pinyin, hot, name, keywords, body, pinyin = row
            title = text.normalise(title)
            self.position[pk] = pos
            self.version.append(version)
            self.title.append(title)
            self.phrases.append(phrases)
            self.forms.append(title_pinyin.split())
            self.hot.append(bool(hot))
            self.group.append(follow_up_group(title))
            self.row.append((version, title, phrases, self.forms[-1], bool(hot), self.group[-1]))
            for word in set(name.split()):
                name_words.setdefault(word, array("i")).append(pos)
            for word in set(keywords.split()):
                keyword_words.setdefault(word, array("i")).append(pos)
            forms.extend((form, pos) for form in self.forms[-1])
            # bm25 weighs a word by the length of the document it is found in (all columns).
            self.length.append(len(name.split()) + len(keywords.split()) + len(body.split()))
            self.length[-1] += len(pinyin.split())
        self.name_words = name_words
        self.keyword_words = keyword_words
        self.sorted_forms = sorted(forms)
        self.size = len(self.version)
        average = sum(self.length) / self.size if self.size else 1.0
        # bm25's length term (b 0.75, k1 1.2, as FTS5's) of each document.
        self.norm = [1.2 * (0.25 + 0.75 * n / average) for n in self.length]
        self.common = max(COMMON_MIN, int(COMMON_SHARE * self.size))
        self.terms: dict[tuple[str, bool], tuple[frozenset | None, int]] = {}
        self.shares: dict[tuple[str, bool], tuple] = {}  # query._shares, per term
        self.shared = 0  # how many documents' shares those hold
        self.allowed: dict[str, frozenset] = {}
        self.fuzzy = None
        self.cards: dict = {}
        self.lock = threading.Lock()

    # --- what the full-text index finds ------------------------------------------------------

    def term(self, term: str, prefix: bool = False) -> tuple[frozenset | None, int]:
        """(positions of the documents holding the term, or None when it is common; its
        document frequency), from the database's full-text index, once per snapshot."""
        key = (term, prefix)
        found = self.terms.get(key)
        if found is None:
            rows = _fulltext(term, prefix, self.common + 1)
            if len(rows) <= self.common:
                positions = frozenset(self.position[r] for r in rows if r in self.position)
                found = (positions, len(positions))
            else:
                found = (None, _fulltext_count(term, prefix))
            if len(self.terms) >= MAX_TERMS:
                self.terms.clear()
            self.terms[key] = found
        return found

    def idf(self, frequency: int) -> float:
        """bm25's inverse document frequency."""
        return math.log((self.size - frequency + 0.5) / (frequency + 0.5) + 1.0)

    def named(self, word: str) -> tuple[array, array]:
        """Positions of the documents with the word in their name, and in their keywords."""
        return self.name_words.get(word, _EMPTY), self.keyword_words.get(word, _EMPTY)

    def form_prefix(self, prefix: str) -> list[int]:
        """Positions of the documents one of whose name forms (pinyin, initials, English
        words) starts with the prefix."""
        found = []
        start = bisect.bisect_left(self.sorted_forms, (prefix, -1))
        for form, pos in self.sorted_forms[start:]:
            if not form.startswith(prefix):
                break
            found.append(pos)
        return found

    def allowed_positions(self, filters) -> frozenset:
        """Positions of the documents a filter lets through, once per snapshot and filter."""
        key = filters.key()
        found = self.allowed.get(key)
        if found is None:
            from ..selectors import published

            versions = set(filters.apply(published()).values_list("pk", flat=True))
            found = frozenset(p for p, v in enumerate(self.version) if v in versions)
            if len(self.allowed) > 64:
                self.allowed.clear()
            self.allowed[key] = found
        return found


_EMPTY = array("i")


def _fulltext(term: str, prefix: bool, limit: int) -> list[int]:
    # Only constants are formatted in; the term goes in as a parameter.
    if connection.vendor == "postgresql":
        sql = "SELECT id FROM catalog_searchdocument WHERE tsv @@ to_tsquery('simple', %s) LIMIT %s"
        expression = f"'{term}':*" if prefix else f"'{term}'"
    else:
        sql = "SELECT rowid FROM catalog_search_fts WHERE catalog_search_fts MATCH %s LIMIT %s"
        expression = f'"{term}"*' if prefix else f'"{term}"'
    with connection.cursor() as cursor:
        cursor.execute(sql, [expression, limit])
        return [row[0] for row in cursor.fetchall()]


def _fulltext_count(term: str, prefix: bool) -> int:
    if connection.vendor == "postgresql":
        sql = "SELECT count(*) FROM catalog_searchdocument WHERE tsv @@ to_tsquery('simple', %s)"
        expression = f"'{term}':*" if prefix else f"'{term}'"
    else:
        sql = "SELECT count(*) FROM catalog_search_fts WHERE catalog_search_fts MATCH %s"
        expression = f'"{term}"*' if prefix else f'"{term}"'
    with connection.cursor() as cursor:
        cursor.execute(sql, [expression])
        return cursor.fetchone()[0]


def _last_id():
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM catalog_searchdocument")
        return cursor.fetchone()[0]


def snapshot(follow_up_group) -> Snapshot:
    """The current snapshot (built on first use after a change)."""
    global _current
    generation = catalog_cache.generation()
    current = _current
    now = time.monotonic()
    if (
        current is not None
        and current[0][:2] == (generation, _epoch)
        and now - _last_checked[0] < LAST_ID_SECONDS
        and now - current[2] < RECHECK_SECONDS
    ):
        return current[1]
    last = _last_id()
    _last_checked[0] = now
    if current is not None and current[0] == (generation, _epoch, last):
        if now - current[2] < RECHECK_SECONDS:
            return current[1]
        # Another process may have removed a document without adding one.
        if SearchDocument.objects.count() == current[1].size:
            _current = (current[0], current[1], now)
            return current[1]
    with _lock:
        current = _current
        key = (generation, _epoch, last)
        if current is not None and current[0] == key and now - current[2] < RECHECK_SECONDS:
            return current[1]
        documents = SearchDocument.objects.aggregate(last=Max("pk"), count=Count("pk"))
        rows = SearchDocument.objects.order_by("version_id").values_list(
            "id",
            "version_id",
            "title",
            "phrases",
            "title_pinyin",
            "hot",
            "name",
            "keywords",
            "body",
            "pinyin",
        )
        built = Snapshot(rows.iterator(chunk_size=2000), follow_up_group)
        _current = ((generation, _epoch, documents["last"]), built, time.monotonic())
        if built.size >= FREEZE_MIN:
            _freeze()
        return built


def _freeze() -> None:
    """Every object alive now, the new snapshot's among them, out of the collector's reach
    (its permanent generation). The garbage is collected first, so that no cycle is kept
    for good; a replaced snapshot is still freed when nothing refers to it any more
    (reference counting: its objects form no cycles)."""
    gc.collect()
    gc.freeze()
