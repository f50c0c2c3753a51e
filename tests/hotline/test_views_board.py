"""网上留言板 (yiwang.hotline.views_board): only published posts, newest first, masked (never
a phone, an ID number, a house number or a name from the raw text), searchable by the words
of the question and the reply, filtered by kind and unit, a page at a time at a constant
cost; posting (signed in), shown only once answered; each unit's answer time and
satisfaction in one aggregate query."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.hotline.citizen_setup import CGW, PHONE, ZJW, answer, bare_post, filed, post, street
from yiwang.hotline import views_board
from yiwang.hotline.models import Appeal, AppealStatus, BoardKind, Channel
from yiwang.identity.models import OrgUnit

pytestmark = pytest.mark.django_db

BOARD = "/board/"
PERSONAL = ["13912345678", "110101198503152019", "3号楼2单元501室", "王建国", "王先生"]


@pytest.fixture
def citizen(line, user_named):
    return user_named("citizen")


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def _personal_post(citizen, line, subject):
    return post(
        citizen,
        line,
        subject,
        title="王先生反映：3号楼2单元501室楼道堆物",
        text=(
            "我是王先生，住3号楼2单元501室，电话13912345678，身份证110101198503152019。"
            "楼道里堆满了杂物，消防通道被堵。"
        ),
        reply="已联系物业清理楼道杂物。请王建国先生（13912345678）配合开门。",
        kind=BoardKind.COMPLAIN,
    )


def test_the_board_never_shows_a_phone_an_id_number_a_house_number_or_a_name(
    client, citizen, line, subject
):
    appeal = _personal_post(citizen, line, subject)
    assert appeal.published_at is not None
    pages = [
        client.get(BOARD).content.decode(),
        client.get(reverse("hotline_board_post", args=[appeal.number])).content.decode(),
        client.get(BOARD, {"q": "楼道"}).content.decode(),
    ]
    for page in pages:
        assert "楼道" in page  # the post is there …
        for secret in PERSONAL:
            assert secret not in page  # … masked
    detail = pages[1]
    assert "已联系物业清理楼道杂物" in detail and "消防通道被堵" in detail
    assert "＊" in detail


def test_a_search_for_someones_phone_finds_nothing(client, citizen, line, subject):
    _personal_post(citizen, line, subject)
    for secret in ["13912345678", "王先生反映"]:
        page = client.get(BOARD, {"q": secret}).content.decode()
        assert "没有找到符合条件的留言" in page


def test_only_published_posts_newest_first(client, citizen):
    now = timezone.now()
    older = bare_post(title="旧的留言", at=now - datetime.timedelta(days=3))
    newer = bare_post(title="新的留言", at=now - datetime.timedelta(days=1))
    waiting = filed(citizen, channel=Channel.BOARD, board_kind=BoardKind.ASK, title="还没答复")
    page = client.get(BOARD).content.decode()
    assert page.index("新的留言") < page.index("旧的留言")
    assert "还没答复" not in page
    assert client.get(reverse("hotline_board_post", args=[waiting.number])).status_code == 404
    assert client.get(reverse("hotline_board_post", args=[newer.number])).status_code == 200
    # A number with the right id and the wrong day is no post's.
    wrong_day = "19990101" + older.number[8:]
    assert client.get(reverse("hotline_board_post", args=[wrong_day])).status_code == 404


def test_search_by_the_question_or_the_reply(client, line):
    bare_post(title="垃圾", text="小区垃圾清运不及时，夏天气味大。", reply="已增加清运次数。")
    bare_post(title="物业", text="物业费上涨没有公示。", reply="已责令物业公示收费标准。")
    bare_post(title="路灯", text="路灯不亮。", reply="已修复。")

    def found(query):
        page = client.get(BOARD, {"q": query}).content.decode()
        return {t for t in ["垃圾", "物业", "路灯"] if f">{t}</a>" in page}

    assert found("垃圾清运") == {"垃圾"}
    assert found("垃圾没人清运") == {"垃圾"}
    assert found("清运次数") == {"垃圾"}  # a word of the reply
    assert found("物业费怎么办") == {"物业"}  # question words dropped
    assert found("物业 公示") == {"物业"}
    assert found("路灯 物业") == set()  # every word must match
    assert found("") == {"垃圾", "物业", "路灯"}


@pytest.mark.parametrize("query", ["%", "_", "'; drop table", "很" * 500, "９９", "\u200b"])
def test_a_hostile_search_is_answered_plainly(client, line, query):
    bare_post(title="垃圾", text="小区垃圾清运不及时。")
    page = client.get(BOARD, {"q": query}).content.decode()
    # Nothing found, or no word to search for (say so, and list the posts).
    assert "没有找到符合条件的留言" in page or "请输入要找的词" in page


@pytest.mark.parametrize("query", ["\x00", "垃圾\x00清运", "垃圾\x1b"])
def test_a_search_with_control_characters_is_refused_with_words(client, line, query):
    page = client.get(BOARD, {"q": query})
    assert page.status_code == 400 and "控制字符" in page.content.decode()


def test_search_terms_are_the_catalogues_words():
    assert views_board.search_terms("我要问物业费怎么办") == ["物业"]
    assert views_board.search_terms("垃圾清运") == ["垃圾", "清运"]
    assert views_board.search_terms("路灯  物业") == ["物业", "路灯"]
    assert views_board.search_terms("路灯 不亮") == ["路灯"]  # single characters only alone
    assert views_board.search_terms("树") == ["树"]
    assert views_board.search_terms("a\x00b") == ["a", "b"]
    assert len(views_board.search_terms("一二三四五六七八九十百千万亿")) <= views_board.MAX_TERMS


def test_filter_by_kind_and_unit(client, line):
    cgw, zjw = OrgUnit.objects.get(code=CGW), OrgUnit.objects.get(code=ZJW)
    bare_post(title="问垃圾", board_kind=BoardKind.ASK, lead_unit=cgw)
    bare_post(title="投诉物业", board_kind=BoardKind.COMPLAIN, lead_unit=zjw)
    bare_post(title="建议绿化", board_kind=BoardKind.SUGGEST, lead_unit=cgw)

    def titles(**query):
        page = client.get(BOARD, query).content.decode()
        return {t for t in ["问垃圾", "投诉物业", "建议绿化"] if f">{t}</a>" in page}

    assert titles(kind="complain") == {"投诉物业"}
    assert titles(unit=CGW) == {"问垃圾", "建议绿化"}
    assert titles(unit=CGW, kind="suggest") == {"建议绿化"}
    assert titles(kind="nonsense", unit="nobody") == {"问垃圾", "投诉物业", "建议绿化"}


def test_a_page_at_a_time_at_the_same_cost(client, line):
    now = timezone.now()
    for i in range(25):
        bare_post(
            title=f"留言第{i:02d}号",
            text=f"留言第{i:02d}号：路灯不亮。",
            at=now - datetime.timedelta(minutes=i),
        )

    def page(number):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(BOARD, {"page": number, "q": "留言"})
        return response.content.decode(), len(queries)

    first, cost = page("1")
    assert "留言第00号" in first and "留言第19号" in first and "留言第20号" not in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second, cost_two = page("2")
    assert "留言第24号" in second and "留言第19号" not in second
    assert 'rel="next"' not in second and 'rel="prev"' in second
    assert cost == cost_two  # the posts, the units for the filter: nothing per post
    for hostile in ["0", "-1", "abc", "9" * 50, "٣"]:
        assert client.get(BOARD, {"page": hostile}).status_code == 200


# --- posting ------------------------------------------------------------------------------------


def _post_form(**changes):
    data = {
        "board_kind": "suggest",
        "title": "建议在公园增加座椅",
        "text": "人民公园里座椅太少，老人走累了没地方坐，建议多装一些。",
        "area": str(street().pk),
        "phone": PHONE,
    }
    data.update(changes)
    return data


def test_posting_needs_an_account(client, line):
    assert client.get(reverse("hotline_board_new")).status_code == 302
    client.post(reverse("hotline_board_new"), _post_form())
    assert Appeal.objects.count() == 0


def test_a_post_appears_only_once_its_reply_is_reviewed(signed_in, citizen, line, subject):
    form = signed_in.get(reverse("hotline_board_new")).content.decode()
    assert "答复经过审核后" in form and f'value="{PHONE}"' in form
    response = signed_in.post(reverse("hotline_board_new"), _post_form())
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hotline_filed", args=[appeal.number])
    assert appeal.channel == Channel.BOARD and appeal.board_kind == BoardKind.SUGGEST
    assert appeal.type == "suggestion" and appeal.title == "建议在公园增加座椅"
    assert appeal.citizen == citizen and appeal.published_at is None
    done = signed_in.get(response["Location"]).content.decode()
    assert "已收到您的留言" in done and "审核通过后才会公开" in done
    assert "建议在公园增加座椅" not in signed_in.get(BOARD).content.decode()

    answer(appeal, line, subject, reply="已在公园增设座椅二十张。")
    board = signed_in.get(BOARD).content.decode()
    assert "建议在公园增加座椅" in board


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"board_kind": ""}, "请选择留言类型"),
        ({"board_kind": "praise"}, "请从列出的类型中选择"),
        ({"title": ""}, "请写一个标题"),
        ({"title": "标" * 121}, "120"),
        ({"text": ""}, "请写下留言内容"),
        ({"text": "座椅\x1b太少"}, "控制字符"),
        ({"phone": "phone"}, "11位"),
        ({"area": "0"}, "请从列出的街道或社区中选择"),
    ],
)
def test_a_bad_post_changes_nothing(signed_in, changes, says):
    response = signed_in.post(reverse("hotline_board_new"), _post_form(**changes))
    assert response.status_code == 400
    assert says in response.content.decode()
    assert Appeal.objects.count() == 0


# --- each unit's answer time and satisfaction ------------------------------------------------------


def test_unit_figures_in_one_query(client, line):
    cgw, zjw = OrgUnit.objects.get(code=CGW), OrgUnit.objects.get(code=ZJW)
    now = timezone.now()

    def answered(unit, hours, satisfaction=""):
        appeal = bare_post(lead_unit=unit, at=now, satisfaction=satisfaction)
        Appeal.objects.filter(pk=appeal.pk).update(
            received_at=now - datetime.timedelta(hours=hours)
        )

    answered(cgw, 10, "satisfied")
    answered(cgw, 20, "basic")
    answered(cgw, 30, "unsatisfied")
    answered(cgw, 40)  # not rated
    answered(zjw, 72, "unsatisfied")
    # Not answered: counts nowhere.
    Appeal.objects.filter(pk=bare_post(lead_unit=zjw, at=now).pk).update(
        answered_at=None, status=AppealStatus.HANDLING
    )

    with CaptureQueriesContext(connection) as queries:
        figures = views_board.unit_figures(since=now - datetime.timedelta(days=365))
    assert len(queries) == 1
    by_code = {row["code"]: row for row in figures}
    assert set(by_code) == {CGW, ZJW}
    assert by_code[CGW]["answered"] == 4 and by_code[CGW]["rated"] == 3
    assert by_code[CGW]["hours"] == pytest.approx(25)
    assert by_code[CGW]["share"] == pytest.approx(200 / 3)
    assert by_code[ZJW]["answered"] == 1 and by_code[ZJW]["share"] == 0
    assert by_code[ZJW]["days"] == pytest.approx(3)

    page = client.get(reverse("hotline_board_units")).content.decode()
    assert "城市管理委员会" in page or cgw.name in page
    assert "25.0 小时" in page and "67%" in page and "3.0 天" in page and "0%" in page
