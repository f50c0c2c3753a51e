"""The citizen's catalogue: portal home, item guides, history, bundles, browsing, downloads
and the generation cache. Loading the demo catalogue costs ~2 s, so each test that needs it
checks several things a citizen would notice."""

import re

import pytest
from django.http import HttpResponse
from django.urls import include, path

from yiwang.catalog import cache as catalog_cache
from yiwang.catalog import selectors, services
from yiwang.catalog.models import Attachment, ItemVersion, ServiceItem, VersionStatus

pytestmark = pytest.mark.django_db


def _page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def _text(html):
    """The page as a reader sees it: tags gone, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_published_guide_opens_and_speaks_plain_words(client, demo_catalog):
    codes = list(ServiceItem.objects.filter(published__isnull=False).values_list("code", flat=True))
    assert len(codes) == 209
    for code in codes:
        assert client.get(f"/items/{code}/").status_code == 200, code

    # 企业设立登记: fully online, no visit, ID card from the e-licence library, a tolerated
    # material, a fee, places with hours and phone, and its FAQs, 攻略 and form downloads.
    guide = _page(client, "/items/SCJ-XK-0001/")
    text = _text(guide)
    assert "<h1>企业设立登记</h1>" in guide
    for words in [
        "SCJ-XK-0001",
        "行政许可",
        "示范区市场监督管理局",
        "区级",
        "自然人和法人",
        "设立变更",
        "《中华人民共和国市场主体登记管理条例》第三条",
        "3个工作日",  # statutory
        "1个工作日",  # promised
        "不收费",
        "全程网办",
        "零跑腿",
        "营业执照",
        "居民身份证",
        "可从电子证照库调取，无需提交",
        "容缺后补",
        "暂时没有也能先受理，之后再补交",
        "示例市示范区人民路88号",
        "办公时间",
        "受理",
        "常见问题",
        "办事攻略",
        "下载空白表格",
        "打印/下载办事指南(PDF)",
    ]:
        assert words in text, words
    assert 'href="/items/SCJ-XK-0001/guide.pdf"' in guide
    # The online application page exists (cases): the button leads to it.
    assert 'href="/apply/SCJ-XK-0001/">在线办理</a>' in guide
    assert "网上申请功能即将开通" not in text
    # The booking page exists (halls): the button leads to it instead of a phone number.
    assert 'href="/book/SCJ-XK-0001/"' in guide and "预约办理" in text
    assert "支持预约：请致电" not in text

    # An item one must visit once, and an item that is handled on the spot.
    once = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, max_visits=1).first()
    assert "最多跑一次" in _text(_page(client, f"/items/{once.code}/"))
    instant = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, statutory_days=0).first()
    assert "即办" in _text(_page(client, f"/items/{instant.code}/"))

    _page(client, "/items/NO-SUCH-0001/", status=404)


def test_a_guide_page_costs_a_fixed_number_of_queries(
    client, demo_catalog, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        client.get("/items/SCJ-XK-0001/")
    with django_assert_max_num_queries(20):
        client.get("/items/MZJ-QR-0001/")


def test_home_bundles_and_browsing(client, demo_catalog):
    home = _page(client, "/")
    text = _text(home)
    assert "欢迎来到示范区政务服务网" in text and "示范区政务服务中心" in text  # kept
    assert 'action="/search/" method="get"' in home and 'name="q"' in home
    for words in ["热门事项", "个人办事", "企业办事", "按部门找", "按办理层级找", "一件事一次办"]:
        assert words in text, words
    assert selectors.hot()[0].name in text
    assert "开办餐饮店一件事" in text
    assert "区级 在区政务服务中心办理 163 项" in text
    assert 'href="/levels/street/"' in home and 'href="/departments/990101-SCJ/"' in home
    theme_link = re.search(r'href="(/themes/\d+/)"', home).group(1)

    # 一件事: main items in order, then the parallel ones; each document asked once.
    bundle = _page(client, "/bundles/YJS-0001/")
    text = _text(bundle)
    names = re.findall(r'class="material-seq">\d+\. </span>([^<]+)</span>', bundle)
    assert names.count("居民身份证") == 1 and len(names) == len(set(names))
    row = re.search(r"\. </span>居民身份证</span>.*?</tr>", bundle, re.S).group(0)
    assert "个体工商户设立登记" in row and "食品经营许可（新办）" in row
    assert "主办事项依次办理，并联事项同时办理" in text
    assert "合计 5个工作日" in text and "合计 23个工作日" in text
    assert text.index("个体工商户设立登记") < text.index("户外招牌设置许可")
    assert 'href="/items/SCJ-XK-0005/"' in bundle
    assert "开办餐饮店一件事" in _text(_page(client, "/bundles/"))
    _page(client, "/bundles/YJS-9999/", status=404)

    # Browsing: 163 district items, 20 a page.
    first = _page(client, "/levels/district/")
    assert first.count('class="card item-card"') == 20
    assert "共 163 个事项" in _text(first) and "第 1 页，共 9 页" in _text(first)
    last = _page(client, "/levels/district/?page=9")
    assert last.count('class="card item-card"') == 3
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert _page(client, "/levels/district/?page=99").count('class="card item-card"') == 3
    card = re.search(r'<li class="card item-card">.*?</li>\s*</ul>\s*</li>', first, re.S).group(0)
    assert re.search("全程网办|在线申报|在线预约|信息公开", card)
    assert re.search("零跑腿|最多跑", card) and re.search("工作日办结|当场办结", card)
    department = _text(_page(client, "/departments/990101-SCJ/"))
    assert "示范区市场监督管理局" in department and "企业设立登记" in department
    assert "个事项" in _text(_page(client, theme_link))
    _page(client, "/levels/province/", status=404)
    _page(client, "/departments/990101/", status=404)  # the district is not a department


def test_home_without_a_catalogue_still_shows_service_points(client, demo):
    text = _text(_page(client, "/"))
    assert "服务网点" in text and "热门事项" not in text


def test_a_retired_version_stays_readable_after_a_new_one_is_published(
    client, demo_catalog, user_named, django_capture_on_commit_callbacks
):
    admin, reviewer = user_named("catalog-admin"), user_named("catalog-reviewer")
    item = ServiceItem.objects.get(code="MZJ-QR-0001")
    old_name = item.published.name
    assert old_name in _page(client, "/items/MZJ-QR-0001/")  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        draft = services.start_draft(item.pk, by=admin)
        services.update_draft(
            draft.pk, by=admin, fields={"name": f"{old_name}（新）", "fee": "工本费 9 元"}
        )
        services.submit(draft.pk, by=admin)
        services.publish(draft.pk, by=reviewer)

    current = _text(_page(client, "/items/MZJ-QR-0001/"))
    assert f"{old_name}（新）" in current and "工本费 9 元" in current
    assert "第 2 版" in current and "现行版本" in current
    assert 'href="/items/MZJ-QR-0001/v/1/"' in _page(client, "/items/MZJ-QR-0001/")

    old = _text(_page(client, "/items/MZJ-QR-0001/v/1/"))
    assert "这是历史版本" in old and old_name in old and "工本费 9 元" not in old
    assert "查看现行办事指南" in old and "历史版本只供查阅" in old
    assert client.get("/items/MZJ-QR-0001/v/2/").url == "/items/MZJ-QR-0001/"

    services.start_draft(item.pk, by=admin)  # version 3: a draft, not public
    _page(client, "/items/MZJ-QR-0001/v/3/", status=404)
    _page(client, "/items/MZJ-QR-0001/v/9/", status=404)


def test_pages_come_from_the_cache_until_the_catalogue_changes(
    client, demo_catalog, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    hot = selectors.hot()[0]  # shown on the home page too
    url = f"/items/{hot.code}/"
    assert hot.name in _page(client, url) and hot.name in _page(client, "/")
    # Behind the services' back: the cached pages do not notice...
    ItemVersion.objects.filter(pk=hot.pk).update(name="改过名的事项")
    with django_assert_max_num_queries(3):  # session and the frame only; no catalogue query
        assert hot.name in _page(client, url)
    assert "改过名的事项" not in _page(client, "/")
    # ...until the generation moves, as publishing does.
    with django_capture_on_commit_callbacks(execute=True):
        catalog_cache.invalidate()
    assert "改过名的事项" in _page(client, url)
    assert "改过名的事项" in _page(client, "/")


def test_form_downloads_stream_only_for_public_versions(client, demo_catalog, user_named):
    attachment = Attachment.objects.select_related("material__version").filter(
        material__version__item__code="SCJ-XK-0001"
    )[0]
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    # The same form copied into a draft is not public until the draft is published.
    draft = services.start_draft(
        attachment.material.version.item_id, by=user_named("catalog-admin")
    )
    copy = Attachment.objects.get(material__version=draft, title=attachment.title)
    assert client.get(f"/attachments/{copy.pk}/").status_code == 404
    assert client.get("/attachments/999999/").status_code == 404


def _apply(request, code):
    return HttpResponse("apply")


urlpatterns = [
    path("apply/<str:code>/", _apply, name="apply_item"),
    path("book/<str:code>/", _apply, name="book_appointment"),
    path("", include("yiwang.urls")),
]


@pytest.mark.urls(__name__)
def test_apply_and_booking_buttons_appear_once_their_pages_exist(client, demo_catalog):
    guide = _page(client, "/items/SCJ-XK-0001/")
    assert 'href="/apply/SCJ-XK-0001/"' in guide and "在线办理" in guide
    assert 'href="/book/SCJ-XK-0001/"' in guide and "预约办理" in guide
    low = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, online_depth__lte=2).first()
    assert "/apply/" not in _page(client, f"/items/{low.code}/")
