"""From what a citizen types to ranked published versions.

1. Normalise; Latin letters are pinyin or initials (canjizheng, cjrz), matched as prefixes.
2. Otherwise segment with jieba, drop question words (怎么办, 要什么), and add the official
   terms of every colloquial phrase in the query (synonyms.txt: 残疾证 → 残疾人证).
3. The database's full-text index finds candidates, OR-ing the words, ranked with field
   weights: name > keywords > materials and conditions (FTS5 bm25 / PostgreSQL ts_rank).
4. The candidates are re-ranked: how much of the query (longer phrases count more) the
   name covers, then the keywords and colloquial phrases, a little for hot items.
5. Nothing convincing? One wrong character is tolerated: the query is compared with every
   distinct name and phrase of the catalogue (a symmetric-deletion index held in memory per
   catalogue generation), corrected, and searched again.
"""

import dataclasses
import functools
import heapq
from dataclasses import dataclass, field

from django.core.cache import cache

from .. import cache as catalog_cache
from ..selectors import published
from . import bundles, memory, text

MAX_RESULTS = 100  # candidates ranked per query (bm25 first); nobody pages further
MAX_QUERY = 100
CACHE_SECONDS = 600
# Below this share of the query found in the best names, a one-character correction is tried.
WEAK_MATCH = 0.8
# Results scoring below this share of the best are folded under 更多相关 (at most MAX_FOLDED).
FOLD_SHARE = 0.4
MAX_FOLDED = 30

# Field weights of a word found in a document's name, keywords (and colloquial phrases,
# themes, result), elsewhere (materials, conditions, department); a Latin prefix anywhere.
NAME_WEIGHT, KEYWORD_WEIGHT, BODY_WEIGHT, PREFIX_WEIGHT = 10.0, 5.0, 1.0, 8.0


@dataclass(frozen=True)
class Filters:
    theme: int | None = None
    department: str | None = None  # org code
    level: str | None = None
    audience: str | None = None  # person | enterprise (items for both match either)

    def __bool__(self):
        return any((self.theme, self.department, self.level, self.audience))

    def key(self) -> str:
        return f"{self.theme}|{self.department}|{self.level}|{self.audience}"

    def apply(self, versions):
        if self.theme:
            versions = versions.filter(themes=self.theme)
        if self.department:
            versions = versions.filter(department__code=self.department)
        if self.level:
            versions = versions.filter(level=self.level)
        if self.audience:
            versions = versions.filter(audience__in=[self.audience, "both"])
        return versions


@dataclass(frozen=True)
class Parsed:
    text: str
    latin: bool
    words: tuple[str, ...]  # segmented, question words removed (Latin: the query's words)
    expansions: tuple[str, ...]  # official terms of the colloquial phrases found
    core: str = ""  # the query without question words
    events: tuple[tuple[str, tuple[str, ...]], ...] = ()  # bundle names, the phrases naming them
    item_phrases: tuple[str, ...] = ()  # colloquial phrases found that stand for items
    # Official terms only a life event stands for, when the query also names an item beyond
    # it (残疾人死了残疾证怎么办: 残疾人证注销, not 死亡户口注销): searched, not ranked on.
    minor: tuple[str, ...] = ()

    @property
    def prefixes(self) -> list[str]:
        """Latin queries: pinyin (joined) and English words, matched as prefixes."""
        if not self.latin:
            return []
        return list(dict.fromkeys([self.text.replace(" ", ""), *self.words]))

    @property
    def terms(self) -> list[str]:
        """What the full-text index is asked for (whole words)."""
        # An official term is one word to the segmenter (the dictionary holds it), so the
        # documents that contain it carry it whole.
        found = [*self.expansions] if self.latin else [*self.words, *self.expansions]
        return list(dict.fromkeys(t for t in found if t))

    @property
    def phrases(self) -> list[str]:
        """What a name or keyword should contain, for re-ranking (single characters say
        too little)."""
        found = [*self.expansions, *self.words]
        # A life event's own words say nothing of which item, once the query names one
        # besides it (新生儿医保: 医保, not 出生登记 whose phrases hold 新生儿).
        said = [p for _, phrases in self.events for p in phrases] if self.minor else []
        return list(
            dict.fromkeys(
                p
                for p in found
                if len(p) > 1 and p not in self.minor and not any(p in e for e in said)
            )
        )

    @property
    def beyond(self) -> list[str]:
        """Phrases naming an item besides the life events' own phrases (老人去世销户: 销户;
        宝宝出生医学证明: 出生医学证明, an official term said as it is)."""
        # The bundle's own name says the event too (结婚后户口迁到老公家: 结婚, of 结婚落户).
        said = [p for name, phrases in self.events for p in (name, *phrases)]
        items = [*self.item_phrases, *text.official_in(self.text.replace(" ", ""))]
        return [p for p in dict.fromkeys(items) if not any(p in e for e in said)]


@dataclass
class Outcome:
    ids: list[int] = field(default_factory=list)  # published version ids, best first
    corrected: str = ""  # the query actually searched, when one character was corrected
    expansions: list[str] = field(default_factory=list)
    bundles: list[int] = field(default_factory=list)  # bundles (一件事) matching, shown first
    more: list[int] = field(default_factory=list)  # weaker results, folded under 更多相关
    related_bundles: list[int] = field(default_factory=list)  # offered beside the items


def parse(raw: str) -> Parsed:
    return _parse(raw)


@functools.lru_cache(maxsize=2048)
def _parse(raw: str) -> Parsed:
    query = " ".join(text.normalise(raw)[:MAX_QUERY].split())
    events = tuple(text.life_events(query).items())
    items = tuple(text.item_phrases(query))
    if text.is_latin(query) and any(c.isalpha() for c in query):
        query = text.english_spelling(query)
        words = tuple(w for w in dict.fromkeys(query.split()) if len(w) > 1)
        expansions = tuple(dict.fromkeys([*text.expand(query), *text.expand_pinyin(query)]))
        return Parsed(query, True, words, expansions, query, events, items)
    stop = text.stopwords()
    words = [w for w in dict.fromkeys(text.segment(query)) if w not in stop]
    if any(len(w) > 1 for w in words):
        # A lone character (不, 正) matches half the catalogue once there are real words.
        words = [w for w in words if len(w) > 1 or w.isascii()]
    core = text.core(query)
    parsed = Parsed(query, False, tuple(words), tuple(text.expand(query)), core, events, items)
    if events and parsed.beyond:
        named = {t for rule in text.rules_in(query) if not rule.bundles for t in rule.official}
        minor = {t for rule in text.rules_in(query) if rule.bundles for t in rule.official}
        parsed = dataclasses.replace(parsed, minor=tuple(sorted(minor - named)))
    return parsed


# --- candidates -------------------------------------------------------------------------


def _candidates(parsed: Parsed, filters: Filters) -> list[tuple]:
    """(rank, (version_id, title, phrases, name forms, hot, follow-up group)), best rank
    first, at most MAX_RESULTS.

    The database's full-text index lists the documents of each word (whole words; a Latin
    query's words as prefixes), once per snapshot of the catalogue (memory.py); the rank is
    bm25 with field weights (name > keywords > the rest), each field counting a word once. A
    word too common to list (身份证, a material of most items) adds to the documents found by
    the other words, and finds those holding it in their name or keywords when they are few;
    when every word is that common, the least common one finds those."""
    if not parsed.terms and not parsed.prefixes:
        return []
    snapshot = memory.snapshot(_follow_up_group)
    allowed = snapshot.allowed_positions(filters) if filters else None
    scores: dict[int, float] = {}
    common = []  # (number of documents naming it, its shares)
    for prefix in parsed.prefixes:
        _, shares = _shares(snapshot, prefix, True)
        _bm25(scores, shares, allowed)
    for term in parsed.terms:
        named, shares = _shares(snapshot, term)
        if named is not None:
            common.append((named, shares))
            continue
        _bm25(scores, shares, allowed)
    if not scores and common:
        _bm25(scores, min(common, key=lambda c: c[0])[1], allowed)
    elif scores:
        for _, shares in common:
            _bm25(scores, shares, scores)
    # Positions follow version ids: equal ranks keep the order of the ids.
    if len(scores) > MAX_RESULTS:
        cut = heapq.nlargest(MAX_RESULTS, scores.values())[-1]
        kept = [(-score, pos) for pos, score in scores.items() if score >= cut]
    else:
        kept = [(-score, pos) for pos, score in scores.items()]
    kept.sort()
    row = snapshot.row
    return [(-score, row[pos]) for score, pos in kept[:MAX_RESULTS]]


def _shares(snapshot, term: str, prefix: bool = False) -> tuple[int | None, dict[int, float]]:
    """A word's bm25 share of each document holding it, once per snapshot: (None, shares),
    or, for a word too common to list whose name and keyword documents are many too, (how
    many those are, their shares), which only add to documents other words found.

    bm25 (k1 1.2, as FTS5's) with field weights: in the name, the keywords, elsewhere
    (the full-text index's list; a Latin prefix anywhere, or in the names' forms), each
    field counting the word once."""
    key = (term, prefix)
    found = snapshot.shares.get(key)
    if found is not None:
        return found
    positions, frequency = snapshot.term(term, prefix=prefix)
    if prefix:
        if positions is None:
            positions = snapshot.form_prefix(term)  # the names' pinyin, initials, English
        named, weighted = None, dict.fromkeys(positions, PREFIX_WEIGHT)
    else:
        name, keywords = snapshot.named(term)
        named = None
        if positions is None and len(name) + len(keywords) > snapshot.common:
            named = len(name) + len(keywords)
        weighted = dict.fromkeys(positions or (), BODY_WEIGHT)
        for pos in keywords:
            weighted[pos] = KEYWORD_WEIGHT
        for pos in name:
            also = KEYWORD_WEIGHT if weighted.get(pos) == KEYWORD_WEIGHT else 0.0
            weighted[pos] = NAME_WEIGHT + also
    norm, factor = snapshot.norm, snapshot.idf(frequency) * 2.2
    shares = {pos: factor * weight / (weight + norm[pos]) for pos, weight in weighted.items()}
    found = (named, shares)
    # Threads may race here: at worst a term's shares are computed twice, the count is off.
    if snapshot.shared + len(shares) > memory.MAX_SHARES:
        snapshot.shares.clear()
        snapshot.shared = 0
    snapshot.shares[key] = found
    snapshot.shared += len(shares)
    return found


def _bm25(scores: dict[int, float], shares: dict[int, float], only=None) -> None:
    """Adds a word's shares to the scores, of the documents in `only` (a set, or the
    scores themselves) if given."""
    if only is not None:
        if len(only) < len(shares):
            shares = {pos: shares[pos] for pos in only if pos in shares}
        else:
            shares = {pos: share for pos, share in shares.items() if pos in only}
    if not scores:
        scores.update(shares)
        return
    get = scores.get
    for pos, share in shares.items():
        scores[pos] = get(pos, 0.0) + share


def _coverage(phrases: list[str], haystack: str, total: int) -> float:
    return sum(len(p) for p in phrases if p in haystack) / total if total else 0.0


def _uncovered(phrases: list[str], title: str) -> float:
    """The share of a name the query's phrases leave out: 居民身份证申领 answers 身份证
    better than 临时居民身份证申领."""
    return _left_out([p for p in phrases if p in title], title)


def _left_out(present: list[str], title: str) -> float:
    """_uncovered, given the phrases the title holds."""
    if not title:
        return 0.0
    if not present:
        return 1.0
    if len(present) == 1 and title.count(present[0]) == 1:
        return 1 - len(present[0]) / len(title)
    covered = set()
    for phrase in present:
        start = title.find(phrase)
        while start >= 0:
            covered.update(range(start, start + len(phrase)))
            start = title.find(phrase, start + 1)
    return 1 - len(covered) / len(title)


def _core_covered(parsed: Parsed, haystack: str) -> float:
    """The share of the query's own characters found, in words, in the haystack."""
    covered = set()
    for word in parsed.words:
        if len(word) > 1 and word in haystack:
            start = parsed.core.find(word)
            while start >= 0:
                covered.update(range(start, start + len(word)))
                start = parsed.core.find(word, start + 1)
    return len(covered) / len(parsed.core) if parsed.core else 0.0


def _match(parsed: Parsed, title: str, doc_phrases: str) -> float:
    """How convincingly a result answers the query, 0–1: its name holds an official term
    the query's phrase stands for, or most of the query itself (keywords count less)."""
    if parsed.latin:
        return 1.0
    if any(term in title for term in parsed.expansions):
        return 1.0
    on_keywords = 0.8 if any(term in doc_phrases for term in parsed.expansions) else 0.0
    return max(
        on_keywords,
        _core_covered(parsed, title),
        0.8 * _core_covered(parsed, doc_phrases),
    )


# A follow-up of a licence (its 补领, 换领, 变更, 延续, 注销) ranks below the licence itself
# unless the query says which: one of the cue words, or a colloquial phrase standing for it.
FOLLOW_UPS = (
    (
        ("补领", "补发", "补办"),
        ("补", "丢", "掉", "不见", "遗失", "丢失", "被偷", "找不", "寻不", "lost", "reissu"),
    ),
    (
        ("换领",),
        ("换", "过期", "到期", "有效期", "期满", "坏", "旧", "破", "烂", "损", "毁", "消磁")
        + ("renew", "expir", "replac", "damag"),
    ),
    (("变更",), ("变", "改", "换", "搬", "chang", "amend")),
    (("延续",), ("延续", "续", "到期", "过期", "有效期", "期满", "renew", "extend")),
    (
        ("注销",),
        ("注销", "销", "关", "不干", "不开", "不做", "停", "不要了", "不用了")
        + ("cancel", "deregist", "clos"),
    ),
    (("签注",), ("签注", "续", "延期", "到期", "renew", "extend")),
    (("迁出",), ("迁出", "迁走", "迁到", "转出", "迁回", "迁往", "move out")),
    (("迁入",), ("迁入", "迁进", "迁来", "过来", "落户", "转入", "投靠", "move in")),
    (("迁移",), ("迁", "转到", "转回", "搬到", "move", "transfer")),
)
# A damaged paper is exchanged (换领) where the catalogue has an exchange for it, else
# reissued like a lost one (补领/补发: 《居民身份证法》第十一条 exchanges a damaged card; a
# damaged licence or title deed is reissued): 执照破了 → 营业执照补领. A lost paper the
# catalogue has no reissue for is exchanged (残疾人证丢了 → 残疾人证换领).
DAMAGE = ("坏", "破", "烂", "损", "毁", "damag")
LOST = ("丢", "掉了", "不见了", "遗失", "丢失", "被偷", "找不", "寻不", "lost")
REISSUE, EXCHANGE = 0, 1
FOLLOW_UP_PENALTY = 4.0  # times the share of the query the name holds: its name credit
FOLLOW_UP_BONUS = 1.0  # the query says which: 身份证丢了 → 补领 before 申领
# When the query asks for a follow-up and a named one is found, what it follows loses this
# much of its name credit: 结婚证补办 → 补领结婚证 before 结婚登记.
SUPERSEDED_PENALTY = 2.0


def _follow_up_group(title: str) -> int:
    """Which follow-up a name is (the index in FOLLOW_UPS), or -1; held per document."""
    for group, (words, _) in enumerate(FOLLOW_UPS):
        if any(w in title for w in words):
            return group
    return -1


def _follow_up(
    parsed: Parsed, title: str, group: int, exchange: bool = True, reissue: bool = True
) -> float:
    """-1 for a follow-up the query does not ask for, +1 for one it asks for, else 0.
    `exchange`, `reissue`: an exchange (换领), a reissue (补领) of what the query names is
    among the candidates."""
    if group < 0:
        return 0.0
    if _cued(parsed, group, exchange, reissue):
        return 1.0
    return _named_follow_up(parsed, title, group)


def _cued(parsed: Parsed, group: int, exchange: bool, reissue: bool) -> bool:
    """The query's own words ask for this kind of follow-up (whatever the name)."""
    if any(c in parsed.text for c in FOLLOW_UPS[group][1]):
        return True
    if group == REISSUE and not exchange and any(c in parsed.text for c in DAMAGE):
        return True
    return group == EXCHANGE and not reissue and any(c in parsed.text for c in LOST)


def _named_follow_up(parsed: Parsed, title: str, group: int) -> float:
    """+1 when an official term the query stands for names this follow-up in the name."""
    words = FOLLOW_UPS[group][0]
    if any(w in e for e in parsed.expansions if e in title for w in words):
        return 1.0
    return -1.0


def _ranked(parsed: Parsed, rows: list[tuple]) -> list[tuple[float, int, str, str]]:
    """(score, version_id, title, phrases) best first."""
    if not rows:
        return []
    best = max(row[0] for row in rows) or 1.0
    latin = parsed.latin
    phrases = parsed.phrases
    total = sum(len(p) for p in phrases)
    compact = parsed.text.replace(" ", "")
    expansions = list(parsed.expansions)
    # The query's phrases each name holds, and their share of the query.
    present = [] if latin else [[p for p in phrases if p in row[1][1]] for row in rows]
    on_names = [sum(map(len, found)) / total if total else 0.0 for found in present]
    named = {row[1][-1] for row, on_name in zip(rows, on_names, strict=False) if on_name > 0}
    exchange, reissue = EXCHANGE in named, REISSUE in named
    cued: dict[int, bool] = {}  # per follow-up kind: the query's words ask for it
    scores, follow_ups, credits, answers = [], [], [], []
    for n, (rank, (_, title, doc_phrases, forms, hot, group)) in enumerate(rows):
        score = rank / best
        if latin:
            # The name's forms: its pinyin, initials and English words.
            if any(f.startswith(compact) for f in forms):
                score += 2.0
            elif len(compact) >= 4 and forms and compact in forms[0]:
                score += 1.0  # inside the name's pinyin: hukoubu in juminhukoububuling
            if parsed.words:
                english = sum(any(f.startswith(w) for f in forms) for w in parsed.words)
                score += 2.0 * english / len(parsed.words)
            on_name = float(any(term in title for term in expansions))
            on_phrases = float(any(term in doc_phrases for term in expansions))
            score += 3.0 * on_name - 0.5 * _uncovered(expansions, title)
        else:
            on_name = on_names[n]
            on_phrases = (
                sum([len(p) for p in phrases if p in doc_phrases]) / total if total else 0.0
            )
            found = present[n]
            if len(found) == 1 and title.count(found[0]) == 1:
                left_out = 1 - len(found[0]) / len(title)  # _left_out's common case
            else:
                left_out = _left_out(found, title)
            score += 3.0 * on_name + 1.5 * on_phrases - 0.5 * left_out
        if group < 0:
            follow_up = 0.0
        else:
            asks = cued.get(group)
            if asks is None:
                asks = cued[group] = _cued(parsed, group, exchange, reissue)
            follow_up = 1.0 if asks else _named_follow_up(parsed, title, group)
            if follow_up > 0:
                score += FOLLOW_UP_BONUS
        if hot:
            score += 0.3
        scores.append(score)
        follow_ups.append(follow_up)
        credits.append(on_name)
        answers.append(on_name if on_name >= on_phrases else on_phrases)
    asked = any(f > 0 and c > 0 for f, c in zip(follow_ups, credits, strict=True))
    # A follow-up not asked for loses its name credit only as far as something that is no
    # follow-up answers the query too (by name, keywords or result): 户口本 → 居民户口簿补领,
    # the only item about it.
    base = max((a for f, a in zip(follow_ups, answers, strict=True) if f == 0), default=0.0)
    ranked = []
    for (_, row), score, f, on_name in zip(rows, scores, follow_ups, credits, strict=True):
        if f < 0:
            score -= FOLLOW_UP_PENALTY * (on_name if on_name <= base else base)
        elif f == 0 and asked:
            score -= SUPERSEDED_PENALTY * on_name
        ranked.append((score, row[0], row[1], row[2]))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return ranked


# --- one wrong character ------------------------------------------------------------------


def _one_edit(a: str, b: str) -> bool:
    """Exactly one substitution, insertion or deletion apart (a shared deletion key alone
    also pairs 民签证 with 良民证, two edits apart)."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if abs(len(a) - len(b)) != 1:
        return False
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


class _FuzzyIndex:
    """Every distinct name and phrase (≥ 3 characters) under itself and each of its
    one-character deletions; two strings within one substitution, insertion or deletion
    share a key (the symmetric-deletion method). A key keeps every phrase under it (社保 is a
    deletion of 社保卡 and of 交社保), longest first."""

    MIN_LENGTH = 3
    MIN_SOUND = 4
    MAX_CORRECTIONS = 20_000  # query texts whose correction is kept

    def __init__(self, phrases):
        # Each query text's correction, once per index: a weak match is corrected again for
        # every filter, page and language it is asked with.
        self.corrections: dict[str, str] = {}
        self.keys: dict[str, list[str]] = {}
        self.lengths: set[int] = set()
        # Longest first, then in code-point order: the same correction in every process.
        for phrase in sorted(set(phrases), key=lambda p: (-len(p), p)):
            if len(phrase) < self.MIN_LENGTH:
                continue
            self.lengths.add(len(phrase))
            for key in dict.fromkeys(self._deletions(phrase)):
                self.keys.setdefault(key, []).append(phrase)
        # Phrases of four characters or more under their pinyin: an input method's
        # homophones, however many (养犬等级 → 养犬登记).
        self.sounds: dict[str, list[str]] = {}
        for phrase in sorted(set(phrases), key=lambda p: (-len(p), p)):
            if len(phrase) >= self.MIN_SOUND and not phrase.isascii():
                self.sounds.setdefault(_spoken(phrase), []).append(phrase)
        self.sound_lengths = sorted({len(p) for ps in self.sounds.values() for p in ps})
        # A query of two or three characters that sounds like a phrase as short, whole: the
        # input method's homophone (低宝 → 低保, 离昏 → 离婚); inside a longer query such a
        # short sound says too little.
        self.short_sounds: dict[str, str] = {}
        for phrase in sorted(set(phrases), key=lambda p: (-len(p), p)):
            if len(phrase) < self.MIN_SOUND and not phrase.isascii():
                self.short_sounds.setdefault(_spoken(phrase), phrase)

    @staticmethod
    def _deletions(word: str):
        yield word
        for i in range(len(word)):
            yield word[:i] + word[i + 1 :]

    def correct(self, query: str) -> str:
        """`_correct`, once per query text."""
        found = self.corrections.get(query)
        if found is None:
            found = self._correct(query)
            if len(self.corrections) >= self.MAX_CORRECTIONS:
                self.corrections.clear()
            self.corrections[query] = found
        return found

    def _correct(self, query: str) -> str:
        """The query with its best one-character correction, or ''. The longest phrase
        wins; among as long ones, a character spelled the same in pinyin (社保咔 → 社保卡),
        then a character missing or extra, then any other substitution (in a phrase of
        three characters, of its middle one only). A character missing
        at a phrase's edge is not corrected: 公司 is no typo of 关公司."""
        query = query[:24]
        if len(query) < self.MIN_SOUND:
            phrase = self.short_sounds.get(_spoken(query), query)
            if phrase != query:
                return phrase
        best = None  # (phrase length, kind, -start), start, end, phrase
        for length in self.sound_lengths:
            for start in range(len(query) - length + 1):
                window = query[start : start + length]
                for phrase in self.sounds.get(_spoken(window), ()):
                    rank = (len(phrase), 2, -start)
                    if phrase != window and (best is None or rank > best[0]):
                        best = (rank, start, start + length, phrase)
        for length in sorted({n + d for n in self.lengths for d in (-1, 0, 1)}, reverse=True):
            if best and length + 1 < best[0][0]:
                break  # shorter windows find no phrase as long
            if length < self.MIN_LENGTH or length > len(query):
                continue
            for start in range(len(query) - length + 1):
                window = query[start : start + length]
                for key in self._deletions(window):
                    for phrase in self.keys.get(key, ()):
                        if phrase == window or not _one_edit(window, phrase):
                            continue
                        if len(phrase) > len(window) and (
                            phrase[1:] == window or phrase[:-1] == window
                        ):
                            continue  # a word added at the edge (公司 → 关公司) is no typo
                        kind = _edit_kind(window, phrase)
                        if kind == 0 and len(phrase) < 4 and window[1] == phrase[1]:
                            continue  # 家里装 is no typo of 家里穷, 居往证 is one of 居住证
                        rank = (len(phrase), kind, -start)
                        if best is None or rank > best[0]:
                            best = (rank, start, start + length, phrase)
        if not best:
            return ""
        _, start, end, phrase = best
        return query[:start] + phrase + query[end:]


def _edit_kind(window: str, phrase: str) -> int:
    """2 for a substitution by a character of the same pinyin, 1 for a character missing or
    extra, 0 for another substitution."""
    if len(window) != len(phrase):
        return 1
    pairs = [(a, b) for a, b in zip(window, phrase, strict=True) if a != b]
    return 2 if pairs and _sound(pairs[0][0]) == _sound(pairs[0][1]) else 0


def _spoken(text: str) -> str:
    return " ".join(_sound(c) for c in text)


@functools.lru_cache(maxsize=4096)
def _sound(character: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(character))


def _fuzzy_index() -> _FuzzyIndex:
    """The snapshot's names and phrases and the dictionary's, built on the first weak match."""
    snapshot = memory.snapshot(_follow_up_group)
    index = snapshot.fuzzy
    if index is None:
        with snapshot.lock:
            index = snapshot.fuzzy
            if index is None:
                phrases = list(snapshot.title)
                for lines in snapshot.phrases:
                    phrases.extend(lines.splitlines())
                for rule in text.rules():
                    phrases.extend(rule.colloquial + rule.official)
                index = snapshot.fuzzy = _FuzzyIndex(phrases)
    return index


# --- the one entry point ------------------------------------------------------------------


def _search(parsed: Parsed, filters: Filters) -> list[tuple[float, int, str, str]]:
    return _ranked(parsed, _candidates(parsed, filters))


def _best_match(parsed: Parsed, ranked) -> float:
    return max((_match(parsed, title, phrases) for _, _, title, phrases in ranked[:3]), default=0.0)


def _fold(ranked) -> tuple[list[int], list[int]]:
    """Results scoring below a share of the best are folded away (更多相关): a query whose
    words also occur in half the catalogue's materials (身份证) lists what it is about."""
    if not ranked:
        return [], []
    threshold = FOLD_SHARE * ranked[0][0]
    shown = [r[1] for r in ranked if r[0] >= threshold]
    folded = [r[1] for r in ranked if r[0] < threshold][:MAX_FOLDED]
    return shown, folded


def search(raw: str, filters: Filters | None = None) -> Outcome:
    """Published version ids for a query, best first, and the bundles it matches; cached
    per catalogue generation."""
    filters = filters or Filters()
    parsed = parse(raw)
    if not parsed.text:
        return Outcome(ids=list(_browse(filters)))
    key = catalog_cache.key("search-results", parsed.text, filters.key())
    outcome = cache.get(key)
    if outcome is not None:
        return outcome
    ranked = _search(parsed, filters)
    corrected = ""
    if not parsed.latin and _best_match(parsed, ranked) < WEAK_MATCH:
        candidate = _fuzzy_index().correct(parsed.text.replace(" ", ""))
        if candidate:
            reparsed = parse(candidate)
            better = _search(reparsed, filters)
            if _best_match(reparsed, better) > _best_match(parsed, ranked):
                corrected, parsed = candidate, reparsed
                seen = {r[1] for r in better}
                ranked = better + [r for r in ranked if r[1] not in seen]
    if not ranked and text.opens_shop(parsed.text):
        parsed = dataclasses.replace(parsed, expansions=parsed.expansions + text.SHOP_TERMS)
        ranked = _search(parsed, filters)
    matches = bundles.matching(parse(raw), filters)
    if corrected and not (matches.first or matches.related):
        matches = bundles.matching(parsed, filters)
    shown, folded = _fold(ranked)
    outcome = Outcome(
        ids=shown,
        corrected=corrected,
        expansions=list(parsed.expansions),
        bundles=matches.first,
        related_bundles=matches.related,
        more=folded,
    )
    cache.set(key, outcome, CACHE_SECONDS)
    return outcome


def result_cards() -> dict:
    """A dictionary kept as long as the catalogue's documents do not change (memory.py),
    for what callers derive from published versions (the API's result cards)."""
    snapshot = memory.snapshot(_follow_up_group)
    if len(snapshot.cards) > memory.MAX_CARDS:
        snapshot.cards.clear()
    return snapshot.cards


def _browse(filters: Filters):
    """No words, only filters (or none): hot items first, then by code."""
    return filters.apply(published()).order_by("-hot", "item__code").values_list("pk", flat=True)


def suggestions(raw: str, limit: int = 6) -> list[int]:
    """Version ids to offer while typing: the first results of the same search."""
    parsed = parse(raw)
    if not parsed.text:
        return []
    return search(raw).ids[:limit]
