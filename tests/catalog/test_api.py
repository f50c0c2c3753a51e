"""The public catalogue API: search with the portal's ranking, guides, themes, departments,
bundles; cached until the next publication."""

import pytest

from yiwang.catalog import services
from yiwang.catalog.models import ServiceItem

from .conftest import small_sheets

CODES = ("SCJ-XK-0001", "SCJ-XK-0005", "SCJ-XK-0008", "CLJ-GG-0001", "CLJ-GG-0002", "GAJ-QR-0001")


@pytest.fixture
def catalog(demo):
    from yiwang.catalog import exchange

    exchange.import_sheets(small_sheets(CODES))
    return {code: ServiceItem.objects.get(code=code) for code in CODES}


def test_search_ranks_like_the_page_and_needs_no_login(api, catalog):
    response = api.get("/api/v1/items", {"q": "残疾证怎么办"})
    assert response.status_code == 200
    body = response.json()
    first = body["results"][0]
    assert first["code"] == "CLJ-GG-0001" and first["name"] == "残疾人证核发"
    assert first["department"]["code"] == "990101-CLJ"
    assert first["url"] == "http://testserver/items/CLJ-GG-0001/"
    assert {"level", "online_depth", "max_visits", "promised_days"} <= set(first)
    # Only the convincing results: the weaker ones the page folds under 更多相关 are left out.
    assert body["count"] == len(body["results"]) >= 1


def test_search_filters_and_paginates(api, catalog):
    every = api.get("/api/v1/items", {"page_size": 2}).json()
    assert every["count"] == len(CODES) and len(every["results"]) == 2 and every["next"]
    enterprise = api.get("/api/v1/items", {"q": "残疾人证", "audience": "enterprise"}).json()
    assert enterprise["count"] == 0
    street = api.get("/api/v1/items", {"level": "district"}).json()
    assert all(r["level"] == "district" for r in street["results"])


def test_invalid_filter_is_a_problem(api, catalog):
    response = api.get("/api/v1/items", {"level": "planet"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "level" in response.json()["errors"]


def test_item_detail_is_the_published_guide(api, catalog):
    body = api.get("/api/v1/items/CLJ-GG-0001").json()
    assert body["code"] == "CLJ-GG-0001" and body["version"] == 1
    assert body["materials"] and body["materials"][0]["seq"] == 1
    assert body["steps"] and body["places"] and "残疾人" in body["themes"]
    assert api.get("/api/v1/items/NOPE-0000").status_code == 404


def test_themes_and_departments_count_published_items(api, catalog):
    themes = api.get("/api/v1/themes", {"page_size": 100}).json()["results"]
    assert {"name": "残疾人", "item_count": 2}.items() <= next(
        t for t in themes if t["name"] == "残疾人"
    ).items()
    departments = api.get("/api/v1/departments").json()["results"]
    counts = {d["code"]: d["item_count"] for d in departments}
    assert counts["990101-CLJ"] == 2 and sum(counts.values()) == len(CODES)


def test_cached_answers_change_when_an_item_is_published(
    api, catalog, catalog_admin, catalog_reviewer, django_capture_on_commit_callbacks
):
    assert api.get("/api/v1/items/CLJ-GG-0002").json()["name"] == "残疾人证换领"
    with django_capture_on_commit_callbacks(execute=True):
        draft = services.start_draft(catalog["CLJ-GG-0002"].pk, by=catalog_admin)
        services.update_draft(draft.pk, by=catalog_admin, fields={"name": "残疾人证换发"})
        services.submit(draft.pk, by=catalog_admin)
        services.publish(draft.pk, by=catalog_reviewer)
    assert api.get("/api/v1/items/CLJ-GG-0002").json()["name"] == "残疾人证换发"
    found = api.get("/api/v1/items", {"q": "换发"}).json()["results"]
    assert found[0]["code"] == "CLJ-GG-0002"


def test_bundles_merge_materials_and_add_up_days(api, demo_catalog):
    bundles = api.get("/api/v1/bundles").json()
    assert bundles["count"] == 8
    first = next(b for b in bundles["results"] if b["code"] == "YJS-0001")
    assert first["items"][0] == "SCJ-XK-0005"

    body = api.get("/api/v1/bundles/YJS-0001").json()
    assert [i["code"] for i in body["main"]] == ["SCJ-XK-0005"]
    assert len(body["parallel"]) == 3
    names = [m["name"] for m in body["materials"]]
    assert len(names) == len(set(names))  # each document asked once
    assert body["total_promised_days"] == body["main"][0]["promised_days"] + max(
        i["promised_days"] for i in body["parallel"]
    )
    assert api.get("/api/v1/bundles/YJS-9999").status_code == 404
