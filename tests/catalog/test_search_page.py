"""The search page and the header box's suggestions."""

import pytest

from yiwang.catalog.models import ServiceItem

from .conftest import small_sheets

CODES = ("SCJ-XK-0001", "SCJ-XK-0005", "SCJ-XK-0008", "CLJ-GG-0001", "CLJ-GG-0002", "GAJ-QR-0001")


@pytest.fixture
def catalog(demo):
    from yiwang.catalog import exchange

    exchange.import_sheets(small_sheets(CODES))
    return {code: ServiceItem.objects.get(code=code) for code in CODES}


def test_results_list_items_in_the_apis_order(client, api, catalog):
    html = client.get("/search/", {"q": "残疾证怎么办"}).content.decode()
    api_first = api.get("/api/v1/items", {"q": "残疾证怎么办"}).json()["results"][0]
    assert "item=CLJ-GG-0001" in html
    assert html.index(api_first["name"]) < html.index("残疾人证换领")
    assert "12345" in html  # the footer at least; the no-result block is absent
    assert "没有找到与" not in html


def test_no_result_page_offers_a_way_on(client, catalog):
    html = client.get("/search/", {"q": "火星移民签证"}).content.decode()
    assert "没有找到与“火星移民签证”相关的事项" in html
    assert 'href="tel:12345"' in html
    assert "大家常办的事" in html and "按主题查找" in html


def test_no_result_page_still_shows_matching_service_points(client, catalog):
    html = client.get("/search/", {"q": "便民服务中心"}).content.decode()
    assert "相关的办事机构和服务网点" in html and "街道便民服务中心" in html


def test_a_corrected_query_says_so(client, catalog):
    html = client.get("/search/", {"q": "出生等记"}).content.decode()
    assert "已为您按“出生登记”搜索" in html and "item=GAJ-QR-0001" in html


def test_filters_work_without_javascript(client, catalog):
    html = client.get("/search/", {"department": "990101-CLJ"}).content.decode()
    assert "残疾人证核发" in html and "企业设立登记" not in html
    assert '<option value="990101-CLJ" selected>' in html


def test_suggestions_are_a_small_fragment_of_links(client, catalog):
    response = client.get("/search/suggest", {"q": "canjizheng"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'href="/items/CLJ-GG-0001/"' in html and "查看“canjizheng”的全部结果" in html
    assert client.get("/search/suggest", {"q": ""}).content.strip() == b""


def test_header_box_asks_for_suggestions_as_you_type(client, catalog):
    html = client.get("/").content.decode()
    assert 'hx-get="/search/suggest"' in html and 'hx-trigger="keyup changed delay:300ms' in html
    assert 'id="site-search-suggestions"' in html and 'aria-live="polite"' in html
