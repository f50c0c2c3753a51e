"""Search over a small catalogue: the index follows publishing, citizens' words find items."""

import io

import pytest
from django.core.management import call_command

from yiwang.catalog import services
from yiwang.catalog.models import SearchDocument, ServiceItem
from yiwang.catalog.search import query, text

from .conftest import small_sheets

CODES = ("SCJ-XK-0001", "SCJ-XK-0005", "SCJ-XK-0008", "CLJ-GG-0001", "CLJ-GG-0002", "GAJ-QR-0001")


@pytest.fixture
def catalog(demo):
    from yiwang.catalog import exchange

    exchange.import_sheets(small_sheets(CODES))
    return {code: ServiceItem.objects.get(code=code) for code in CODES}


def codes(raw, **filters):
    found = query.search(raw, query.Filters(**filters)).ids
    by_id = dict(ServiceItem.objects.filter(published__in=found).values_list("published", "code"))
    return [by_id[pk] for pk in found]


def test_importing_publishes_and_indexes_every_item(catalog):
    documents = SearchDocument.objects.select_related("item", "version")
    assert sorted(d.item.code for d in documents) == sorted(CODES)
    assert all(d.version_id == d.item.published_id for d in documents)


def test_colloquial_words_find_the_official_item(catalog):
    assert codes("残疾证怎么办")[0] == "CLJ-GG-0001"
    assert codes("开饭店要什么证")[0] == "SCJ-XK-0008"
    assert codes("给孩子上户口")[0] == "GAJ-QR-0001"
    assert codes("个体户执照")[0] == "SCJ-XK-0005"


def test_full_pinyin_prefixes_and_initials_find_items(catalog):
    assert codes("canjizheng")[0] == "CLJ-GG-0001"  # the colloquial 残疾证, in pinyin
    assert codes("cjrz")[0] == "CLJ-GG-0001"
    assert codes("CanJiRen")[0] == "CLJ-GG-0001"
    assert codes("chushengdengji")[0] == "GAJ-QR-0001"


def test_one_wrong_character_is_corrected(catalog):
    outcome = query.search("出生等记")
    assert outcome.corrected == "出生登记"
    assert codes("出生等记")[0] == "GAJ-QR-0001"


def test_a_name_match_ranks_above_a_keyword_or_material_match(catalog):
    # 营业执照 is the name of no item here: it is the result of 企业设立登记 and 个体工商户设立登记
    # (keywords) and a material of others; the name match 个体工商户 decides.
    assert codes("个体工商户营业执照")[0] == "SCJ-XK-0005"


def test_nonsense_finds_nothing(catalog):
    assert codes("火星移民签证") == []


def test_filters_narrow_the_results(catalog):
    assert codes("残疾人证", audience="enterprise") == []
    assert set(codes("", department="990101-CLJ")) == {"CLJ-GG-0001", "CLJ-GG-0002"}
    assert codes("登记", level="street") == [
        c for c in codes("登记") if ServiceItem.objects.get(code=c).published.level == "street"
    ]


def test_publishing_a_new_version_replaces_its_document(catalog, catalog_admin, catalog_reviewer):
    item = catalog["CLJ-GG-0002"]
    draft = services.start_draft(item.pk, by=catalog_admin)
    services.update_draft(draft.pk, by=catalog_admin, fields={"name": "残疾人证换发"})
    services.submit(draft.pk, by=catalog_admin)
    services.publish(draft.pk, by=catalog_reviewer)

    document = SearchDocument.objects.get(item=item)
    assert document.version_id == draft.pk and document.title == "残疾人证换发"
    assert SearchDocument.objects.filter(item=item).count() == 1
    assert "CLJ-GG-0002" in codes("残疾人证换发")[:1]


def test_reindex_command_rebuilds_the_index(catalog, django_capture_on_commit_callbacks):
    SearchDocument.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reindex_search", stdout=io.StringIO())
    assert SearchDocument.objects.count() == len(CODES)
    assert codes("残疾人证")[0] == "CLJ-GG-0001"


def test_every_synonym_rule_parses_and_its_words_stay_whole():
    rules = text.rules()
    assert len(rules) > 100
    assert all(rule.colloquial and rule.official for rule in rules)
    assert "残疾人证" in text.segment("残疾人证核发")
    assert "个体工商户" in text.segment("个体工商户设立登记")


def test_a_search_with_spaces_caches_under_a_key_every_backend_accepts():
    import warnings

    from django.core.cache.backends.base import memcache_key_warnings

    from yiwang.catalog import cache as catalog_cache

    key = catalog_cache.key("search", "市场 监管" * 100, "None|None")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(memcache_key_warnings(key)) == []


def test_english_words_find_items_by_their_english_names(catalog):
    # 企业设立登记 and 个体工商户设立登记 give a 营业执照 (Business licence), in either spelling.
    for raw in ["business license", "Business licence"]:
        assert set(codes(raw)[:2]) == {"SCJ-XK-0001", "SCJ-XK-0005"}, raw
    assert codes("disability certificate")[0] == "CLJ-GG-0001"


def test_a_correction_is_kept_per_query_text():
    from yiwang.catalog.search.query import _FuzzyIndex

    index = _FuzzyIndex(["居民身份证", "社会保障卡"])
    assert index.correct("社会保障咔") == "社会保障卡"
    index.keys.clear()  # a second correction of the same text does not look again
    index.sounds.clear()
    assert index.correct("社会保障咔") == "社会保障卡"
    assert index.corrections == {"社会保障咔": "社会保障卡"}
