"""Bundles (一件事) in the search. A citizen with a life event looks for the bundle, not for
its items one by one: a bundle matches by its name (开办餐饮店一件事, or 开办餐饮店), its
English name, or a life-event phrase of synonyms.txt that names it (人死了, 孩子出生了 →
身后一件事, 新生儿出生一件事).

A bundle is shown first when the query says no more than the life event; when it also names
an item (老人去世销户: 销户 is one item), the items come first and the bundle is offered as
related."""

from dataclasses import dataclass

from django.core.cache import cache

from .. import cache as catalog_cache
from ..models import Bundle
from . import text

# The bundle's own words must be most of the query: 就业创业证 is an item, not 就业一件事.
NAME_SHARE = 0.6
CACHE_SECONDS = 600  # as query.CACHE_SECONDS


@dataclass(frozen=True)
class Matches:
    first: list[int]
    related: list[int]


def _entries(filters):
    if filters.theme or filters.department or filters.level:
        return []  # bundles have no theme, department or level: a filtered list is of items
    # A handful of rows, asked by every search: cached as long as search results are.
    key = catalog_cache.key("search-bundles", filters.audience)
    entries = cache.get(key)
    if entries is None:
        bundles = Bundle.objects.filter(is_active=True)
        if filters.audience:
            bundles = bundles.filter(audience__in=[filters.audience, "both"])
        entries = list(bundles.order_by("code").values_list("pk", "name", "name_en"))
        cache.set(key, entries, CACHE_SECONDS)
    return entries


def _by_name(parsed, name: str, name_en: str) -> bool:
    if parsed.latin:
        words = text.normalise(name_en).replace("-", " ").split()
        return bool(parsed.words) and all(any(w.startswith(q) for w in words) for q in parsed.words)
    compact = parsed.text.replace(" ", "")
    query = text.core(compact).removesuffix(text.BUNDLE_SUFFIX) or compact
    short = name.removesuffix(text.BUNDLE_SUFFIX)
    return len(short) > 1 and short in compact and len(short) >= NAME_SHARE * len(query)


def matching(parsed, filters) -> Matches:
    """Active bundles the query matches: those to show first, and those to offer beside."""
    events = dict(parsed.events)
    # Item phrases inside a life-event phrase (老人去世 holds 去世) say nothing more.
    beyond = parsed.beyond
    first, related = [], []
    for pk, name, name_en in _entries(filters):
        name = text.normalise(name)
        if _by_name(parsed, name, name_en):
            first.append(pk)
        elif name in events:
            (related if beyond else first).append(pk)
    return Matches(first, related)
