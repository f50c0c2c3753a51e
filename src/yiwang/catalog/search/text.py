"""Text shared by the index and the query, so both cut Chinese the same way: jieba
segmentation with the synonym dictionary's words added, pinyin and initials by pypinyin,
and the maintained dictionary of colloquial phrases (synonyms.txt, stopwords.txt)."""

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYNONYMS = HERE / "synonyms.txt"
STOPWORDS = HERE / "stopwords.txt"

_PUNCT = re.compile(r"[^\w]+", re.UNICODE)
_LATIN = re.compile(r"^[a-z0-9 ]+$")


BUNDLE_SUFFIX = "一件事"


@dataclass(frozen=True)
class Rule:
    colloquial: tuple[str, ...]
    official: tuple[str, ...]  # item terms
    bundles: tuple[str, ...] = ()  # names of bundles (一件事) the phrases stand for


def _lines(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


@functools.cache
def rules() -> tuple[Rule, ...]:
    parsed = []
    for line in _lines(SYNONYMS):
        left, _, right = line.partition("=>")
        colloquial = tuple(normalise(p) for p in left.split(",") if p.strip())
        terms = [normalise(p) for p in right.split(",") if p.strip()]
        official = tuple(t for t in terms if not t.endswith(BUNDLE_SUFFIX))
        bundles = tuple(t for t in terms if t.endswith(BUNDLE_SUFFIX))
        if colloquial and (official or bundles):
            parsed.append(Rule(colloquial, official, bundles))
    return tuple(parsed)


@functools.cache
def stopwords() -> frozenset[str]:
    return frozenset(_lines(STOPWORDS))


@functools.cache
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for rule in rules():
        for word in rule.colloquial + rule.official:
            if not word.isascii():
                # A high frequency keeps the dictionary's phrases whole (残疾人证, 个体工商户).
                tokenizer.add_word(word, freq=20000)
    return tokenizer


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, trimmed."""
    return unicodedata.normalize("NFKC", text or "").lower().strip()


def is_latin(text: str) -> bool:
    return bool(_LATIN.match(text))


def segment(text: str) -> list[str]:
    """Words for the index and the query: jieba's search mode yields the long words and the
    shorter ones inside them (残疾人 → 残疾, 残疾人), so a long match counts twice."""
    text = normalise(text)
    # Without the HMM, unknown text splits the same way in a name and in a query.
    words = _tokenizer().cut_for_search(text, HMM=False)
    return [w for w in (_PUNCT.sub("", w) for w in words) if w]


@functools.lru_cache(maxsize=4096)
def core(text: str) -> str:
    """The query without its question words: 残疾证怎么办 → 残疾证."""
    stop = stopwords()
    words = _tokenizer().cut(normalise(text), HMM=False)
    return "".join(w for w in (_PUNCT.sub("", w) for w in words) if w and w not in stop)


def tokens(text: str) -> str:
    return " ".join(segment(text))


def pinyin_forms(text: str) -> list[str]:
    """Joined full pinyin, per-word pinyin and initials: 残疾人证 → canjirenzheng, canjiren,
    zheng, cjrz, cjr, z."""
    from pypinyin import Style, lazy_pinyin

    text = _PUNCT.sub("", normalise(text))
    if not text:
        return []
    forms = []
    full = lazy_pinyin(text, errors="ignore")
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    forms += ["".join(full), "".join(initials)]
    words = segment(text)
    if len(words) > 1:
        for word in words:
            forms.append("".join(lazy_pinyin(word, errors="ignore")))
    return [f for f in dict.fromkeys(forms) if f]


def english_words(text: str) -> list[str]:
    """The words of an English name, lower case: "Business Licence (Re-issue)" → business,
    licence, re, issue."""
    return list(dict.fromkeys(re.findall(r"[a-z0-9]+", english_spelling(normalise(text)))))


def english_spelling(text: str) -> str:
    """One spelling for the words British and American English spell apart in names."""
    return text.replace("licence", "license")


def title_pinyin(text: str) -> str:
    """Full pinyin and initials of a name, for ranking Latin queries."""
    from pypinyin import Style, lazy_pinyin

    text = _PUNCT.sub("", normalise(text))
    return " ".join(
        [
            "".join(lazy_pinyin(text, errors="ignore")),
            "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")),
        ]
    )


def colloquial_for(texts: list[str]) -> list[str]:
    """The colloquial phrases of every rule whose official term occurs in these texts."""
    found = []
    for rule in rules():
        if any(term in text for term in rule.official for text in texts):
            found.extend(rule.colloquial)
    return list(dict.fromkeys(found))


def _contains(query: str, phrase: str) -> bool:
    if phrase.isascii():  # English words match whole: "id card", not "valid cards"
        return f" {phrase} " in f" {query} "
    return phrase in query


# Opening a shop, workshop or parlour the dictionary does not name (开个理发店, 开眼镜店,
# 开修理厂): when nothing is found, the business licence of a sole trader, which every one
# of them starts with (query.search).
_SHOP = re.compile(r"开(?:个|家|一家|一个|了)?[\u4e00-\u9fff]{1,5}(?:店|铺|馆|室|厂|坊|行|部|吧)")
SHOP_TERMS = ("个体工商户",)


def opens_shop(query: str) -> bool:
    return bool(_SHOP.search(query))


@functools.cache
def _phrase_index() -> tuple[dict[str, tuple[int, ...]], tuple[tuple[str, int], ...], int]:
    """The rules of each Chinese colloquial phrase, the English phrases (matched as whole
    words), and the longest Chinese phrase's length: a query is looked up by its substrings
    instead of testing every phrase (docs/search.md, "Speed")."""
    index: dict[str, list[int]] = {}
    english = []
    for number, rule in enumerate(rules()):
        for phrase in rule.colloquial:
            if phrase.isascii():
                english.append((phrase, number))
            else:
                index.setdefault(phrase, []).append(number)
    longest = max((len(p) for p in index), default=0)
    return {p: tuple(n) for p, n in index.items()}, tuple(english), longest


@functools.lru_cache(maxsize=2048)
def _found(query: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The rules whose colloquial phrases occur in the query, in the dictionary's order, each
    with those phrases in the rule's order. The longest phrase wins: a phrase inside a longer
    one found at the same place says nothing of its own (没有劳动能力 is not 劳动能力, 卖助听器
    is not 助听器), unless it names a life event (新生儿 in 新生儿落户 still names the bundle)."""
    index, english, longest = _phrase_index()
    every = rules()
    places = []  # (start, end, phrase, rule number)
    for start in range(len(query)):
        for end in range(start + 1, min(len(query), start + longest) + 1):
            for number in index.get(query[start:end], ()):
                places.append((start, end, query[start:end], number))
    hits: dict[int, set[str]] = {}
    for start, end, phrase, number in places:
        inside = any(s <= start and end <= e and e - s > end - start for s, e, _, _ in places)
        if not inside or every[number].bundles:
            hits.setdefault(number, set()).add(phrase)
    for phrase, number in english:
        if _contains(query, phrase):
            hits.setdefault(number, set()).add(phrase)
    return tuple((n, tuple(p for p in every[n].colloquial if p in hits[n])) for n in sorted(hits))


@functools.cache
def _official_index() -> tuple[frozenset[str], int]:
    terms = frozenset(
        t for rule in rules() for t in rule.official if not t.isascii() and len(t) > 1
    )
    return terms, max((len(t) for t in terms), default=0)


@functools.lru_cache(maxsize=2048)
def official_in(query: str) -> tuple[str, ...]:
    """The dictionary's official item terms the query itself says (出生医学证明)."""
    terms, longest = _official_index()
    found = []
    for start in range(len(query)):
        for end in range(start + 2, min(len(query), start + longest) + 1):
            if query[start:end] in terms:
                found.append(query[start:end])
    return tuple(dict.fromkeys(found))


def rules_in(query: str) -> list[Rule]:
    """The rules whose colloquial phrases occur in the query."""
    every = rules()
    return [every[n] for n, _ in _found(query)]


def expand(query: str) -> list[str]:
    """The official terms of every rule whose colloquial phrase occurs in the query."""
    every = rules()
    return list(dict.fromkeys(t for n, _ in _found(query) for t in every[n].official))


def life_events(query: str) -> dict[str, tuple[str, ...]]:
    """Bundle names the query's phrases stand for, each with the phrases that named it
    (孩子出生了要办什么 → 新生儿出生一件事: 孩子出生)."""
    found: dict[str, tuple[str, ...]] = {}
    every = rules()
    for number, phrases in _found(query):
        for name in every[number].bundles:
            found[name] = found.get(name, ()) + phrases
    return found


@functools.cache
def _pinyin_rules() -> dict[str, tuple[str, ...]]:
    """The official terms of each colloquial phrase and official term, under its joined
    pinyin (all lengths) and its initials (three characters or more: two letters name too
    much): hukoubu → 居民户口簿, sbk → 社会保障卡."""
    from pypinyin import Style, lazy_pinyin

    found: dict[str, list[str]] = {}
    for rule in rules():
        for phrase in rule.colloquial + rule.official:
            if phrase.isascii() or not rule.official:
                continue
            terms = rule.official if phrase in rule.colloquial else (phrase,)
            forms = ["".join(lazy_pinyin(phrase, errors="ignore"))]
            if len(phrase) >= 3:
                forms.append(
                    "".join(lazy_pinyin(phrase, style=Style.FIRST_LETTER, errors="ignore"))
                )
            for form in forms:
                found.setdefault(form, []).extend(terms)
    return {form: tuple(dict.fromkeys(terms)) for form, terms in found.items()}


def expand_pinyin(query: str) -> list[str]:
    """The official terms a Latin query names as the pinyin or initials of a phrase of the
    dictionary (the whole query, spaces dropped)."""
    return list(_pinyin_rules().get(query.replace(" ", ""), ()))


def item_phrases(query: str) -> list[str]:
    """The colloquial phrases in the query that stand for item terms."""
    every = rules()
    return [p for n, phrases in _found(query) if every[n].official for p in phrases]
