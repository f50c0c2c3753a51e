"""The search API's result cards are built from one read of the catalogue per snapshot
(catalog/api.py): each must be exactly what the item serializer gives, and a search that
repeats or a bad parameter answers as before."""

from rest_framework.test import APIRequestFactory

from yiwang.catalog.api import ItemSummarySerializer
from yiwang.catalog.models import ItemVersion

from .test_api import catalog  # noqa: F401 - the fixture


def test_every_card_is_what_the_serializer_gives(api, catalog):  # noqa: F811
    body = api.get("/api/v1/items", {"page_size": 100}).json()
    assert len(body["results"]) == 6
    request = APIRequestFactory().get("/api/v1/items")
    for card in body["results"]:
        version = ItemVersion.objects.select_related("item", "department").get(
            item__code=card["code"], status="published"
        )
        expected = ItemSummarySerializer(version, context={"request": request}).data
        assert card == dict(expected)


def test_a_repeated_search_answers_the_same_bytes(api, catalog):  # noqa: F811
    first = api.get("/api/v1/items", {"q": "残疾证怎么办"})
    again = api.get("/api/v1/items", {"q": "残疾证怎么办"})
    assert first.content == again.content and first.json()["results"]


def test_a_bad_filter_is_named_as_before(api, catalog):  # noqa: F811
    response = api.get("/api/v1/items", {"q": "残疾证", "level": "galaxy", "theme": "0"})
    assert response.status_code == 400
    assert "level" in response.content.decode() and "theme" in response.content.decode()


def test_a_page_is_the_bytes_drf_would_render(api, catalog):  # noqa: F811
    """The page is put together around each card's JSON encoded beforehand (_PageRenderer):
    the very bytes DRF's JSONRenderer gives for the same data, on every page."""
    from rest_framework.renderers import JSONRenderer

    from yiwang.catalog.search import memory

    for params in ({}, {"page_size": 2}, {"page_size": 2, "page": 2}, {"q": "残疾证"}):
        memory.changed()  # the cards are encoded anew, then read again
        for _ in range(2):
            response = api.get("/api/v1/items", params)
            assert response.status_code == 200
            assert response.content == JSONRenderer().render(response.json())


def test_a_request_reads_the_generation_once(api, catalog, monkeypatch):  # noqa: F811
    from yiwang.catalog import cache as catalog_cache

    catalog_cache.generation()  # set (its first read also writes it)
    reads = []
    read = catalog_cache.cache.get

    def counting(key, *args, **kwargs):
        if key == catalog_cache._KEY:
            reads.append(key)
        return read(key, *args, **kwargs)

    monkeypatch.setattr(catalog_cache.cache, "get", counting)
    assert api.get("/api/v1/items", {"q": "残疾证 老人"}).status_code == 200
    assert len(reads) == 1
