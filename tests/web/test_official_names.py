"""Official Chinese names on English pages (issue 18): English first, the Chinese kept and
marked lang="zh-Hans"; Chinese pages unchanged."""

from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation

LICENCE = SimpleNamespace(name="营业执照", name_en="Business licence")
UNNAMED = SimpleNamespace(name="食品小作坊登记", name_en="")


def render(text, **context):
    return Template(text).render(Context(context))


def test_an_english_page_shows_the_english_name_and_the_marked_chinese_one():
    with translation.override("en"):
        assert render("{{ x|official_name }}", x=LICENCE) == (
            'Business licence <span lang="zh-Hans">(营业执照)</span>'
        )
        assert render("{{ x|official_name }}", x=UNNAMED) == (
            '<span lang="zh-Hans">食品小作坊登记</span>'
        )
        assert render("{{ x|name_text }}", x=LICENCE) == "Business licence (营业执照)"


def test_a_chinese_page_shows_the_official_name_only():
    with translation.override("zh-hans"):
        assert render("{{ x|official_name }}", x=LICENCE) == "营业执照"
        assert render("{{ t|zh }}", t="申请人签字") == "申请人签字"


def test_catalogue_text_is_marked_chinese_and_a_fixed_fee_word_translated():
    with translation.override("en"):
        assert render("{{ t|zh }}", t="申请人签字<盖章>") == (
            '<span lang="zh-Hans">申请人签字&lt;盖章&gt;</span>'
        )
        assert render("{{ t|zh }}", t="<b>申请人</b>") == (
            '&lt;b&gt;<span lang="zh-Hans">申请人</span>&lt;/b&gt;'
        )
        assert render("{{ t|zh }}", t="不收费") == "Free of charge"
        assert render("{{ t|zh }}", t="80 yuan") == "80 yuan"


def test_chinese_inside_an_english_sentence_is_marked_run_by_run():
    with translation.override("en"):
        assert render("{{ t|zh }}", t="From the e-licence: 居民户口簿（证照编号 HKB-1）") == (
            'From the e-licence: <span lang="zh-Hans">居民户口簿（证照编号</span> HKB-1'
            '<span lang="zh-Hans">）</span>'
        )
