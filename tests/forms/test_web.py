import re
from decimal import Decimal
from html.parser import HTMLParser

from django.http import QueryDict
from django.template.loader import render_to_string
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.forms.definition import Field, FormDefinition, Section
from yiwang.forms.samples import sample_data
from yiwang.forms.validation import FieldError, clean, validate
from yiwang.forms.web import bound_fields, data_from_post, row_action

from .strategies import definitions

FORM = FormDefinition(
    (
        Section(
            "基本信息",
            (
                Field("uscc", "统一社会信用代码", "uscc", required=True, editable=False),
                Field("shop_name", "经营场所", "text", required=True, max_length=50,
                      help_text="与营业执照一致"),
                Field("staff_count", "从业人员数", "integer", required=True, unit="人",
                      min_value=Decimal(1)),
                Field("phone", "联系电话", "phone"),
                Field("home", "经营地址", "address"),
            ),
        ),
        Section(
            "经营信息",
            (
                Field("items", "经营项目", "multi_choice", required=True,
                      choices=(("hot", "热食类食品制售"), ("cold", "冷食类"))),
                Field("hot_area", "热食区面积", "decimal", required=True,
                      show_if=("items", ("hot",))),
                Field("chain", "是否连锁", "boolean"),
                Field("brand", "连锁品牌", "text", show_if=("chain", ("是",))),
                Field("level", "等级", "choice",
                      choices=tuple((str(n), f"{n}级") for n in range(1, 9))),
                Field("period", "经营期限", "date_range"),
                Field("staff", "从业人员", "group", max_length=3, children=(
                    Field("name", "姓名", "text", required=True),
                    Field("id", "身份证号码", "id_number", required=True),
                )),
                Field("remark", "备注", "long_text"),
            ),
        ),
    )
)  # fmt: skip

SOURCES = {"uscc": {"kind": "enterprise", "label": "示范公司"}}


class Controls(HTMLParser):
    """What a browser would send for the rendered fragment (no button pressed)."""

    def __init__(self):
        super().__init__()
        self.pairs, self.ids, self.labels_for, self.describedby = [], set(), set(), []
        self.tags, self.controls = [], []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.add(a["id"])
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a.get("id"))
        if tag == "label" and "for" in a:
            self.labels_for.add(a["for"])
        if a.get("aria-describedby"):
            self.describedby.extend(a["aria-describedby"].split())
        if tag == "input" and a.get("name"):
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif a.get("type") not in ("submit", "button"):
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.pairs.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea" and self._textarea:
            self.pairs.append(tuple(self._textarea))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data


def render(form, data, errors=(), sources=None, **kwargs):
    bound = bound_fields(form, data, list(errors), sources or {}, **kwargs)
    return render_to_string("forms/_form.html", {"form": bound})


def posted(html) -> QueryDict:
    parser = Controls()
    parser.feed(html)
    post = QueryDict(mutable=True)
    for name, value in parser.pairs:
        post.appendlist(name, value)
    return post


def parsed(html) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


GOOD = {
    "uscc": "91110000600037341L",
    "shop_name": "人民路88号",
    "staff_count": 12,
    "phone": "13800138000",
    "home": {"area": "110105000000", "detail": "建国路1号"},
    "items": ["hot", "cold"],
    "hot_area": 35.5,
    "chain": True,
    "brand": "示范",
    "level": "3",
    "period": {"start": "2026-01-01", "end": "2030-12-31"},
    "staff": [{"name": "张三", "id": "11010519491231002X"}],
    "remark": "第一行\n第二行",
}


def test_the_fragment_is_not_a_form_and_has_no_submit_but_row_buttons():
    html = render(FORM, GOOD)
    assert "<form" not in html
    buttons = re.findall(r"<button[^>]*>", html)
    assert buttons and all("_add_row" in b or "-DELETE" in b for b in buttons)
    assert "<script" in html and "forms/form.js" in html and "<script>" not in html


def test_what_the_page_posts_reads_back_as_the_same_data():
    data, added = data_from_post(FORM, posted(render(FORM, GOOD, sources=SOURCES)))
    assert added is None
    # The read-only credit code has no input: the page keeps the prefilled value.
    assert clean(FORM, data) == {k: v for k, v in GOOD.items() if k != "uscc"}


def test_every_control_has_a_label_and_every_description_exists():
    html = render(
        FORM, GOOD, errors=[FieldError("/shop_name", "shop_name", "请填写经营场所。", "required")]
    )
    p = parsed(html)
    assert len(p.controls) > 15 and all(c in p.labels_for for c in p.controls)
    assert set(p.describedby) <= p.ids


def test_an_error_sits_next_to_its_field_and_marks_it_invalid():
    errors = [FieldError("/shop_name", "shop_name", "请填写经营场所。", "required")]
    html = render(FORM, {}, errors=errors)
    field = re.search(
        r'<div class="field form-field field-invalid" data-field="shop_name".*?</div>', html, re.S
    ).group(0)
    assert "请填写经营场所。" in field and 'aria-invalid="true"' in field
    assert 'aria-describedby="f-shop_name-help f-shop_name-error"' in field
    assert '<a href="#f-shop_name">请填写经营场所。</a>' in html  # the summary links to it


def test_required_is_said_in_words_and_conditions_in_plain_chinese():
    html = render(FORM, {})
    assert '经营场所<span class="field-required">（必填）</span>' in html
    assert "仅当“经营项目”选“热食类食品制售”时填写" in html
    assert "仅当“是否连锁”选“是”时填写" in html
    assert 'data-show-if="chain" data-show-values="1"' in html


def test_a_prefilled_read_only_value_is_shown_with_its_source_not_asked():
    html = render(FORM, GOOD, sources=SOURCES)
    assert 'name="uscc"' not in html and 'value="uscc"' not in html
    assert "91110000600037341L" in html and "来自企业登记信息" in html


def test_a_window_note_is_shown_by_its_field():
    html = render(FORM, GOOD, notes={"shop_name": "与营业执照不一致"})
    assert "窗口意见：</span>与营业执照不一致" in html
    assert "f-shop_name-note" in html


def test_a_group_shows_its_rows_one_empty_row_and_an_add_button():
    html = render(FORM, GOOD)
    assert 'name="staff-0-name" value="张三"' in html
    assert 'name="staff-1-name" value=""' in html
    assert "staff-2-name" not in html
    assert 'name="_add_row" value="staff"' in html
    assert "从业人员第2行" in html


def test_a_full_group_offers_no_more_rows():
    rows = [{"name": "张三", "id": "11010519491231002X"}] * 3
    html = render(FORM, {**GOOD, "staff": rows})
    assert "staff-3-name" not in html and "_add_row" not in html


def test_adding_a_row_without_javascript():
    post = posted(render(FORM, GOOD))
    post["_add_row"] = "staff"
    data, added = data_from_post(FORM, post)
    assert added == "staff" and row_action(FORM, post)
    html = render(FORM, clean(FORM, data), extra_rows={added: 1})
    assert 'name="staff-2-name" value=""' in html


def test_removing_a_row_without_javascript():
    rows = [
        {"name": "张三", "id": "11010519491231002X"},
        {"name": "李四", "id": "11010519491231002X"},
    ]
    post = posted(render(FORM, {**GOOD, "staff": rows}))
    post["staff-0-DELETE"] = "1"
    data, added = data_from_post(FORM, post)
    assert added is None and row_action(FORM, post)
    assert data["staff"] == [{"name": "李四", "id": "11010519491231002X"}]


def test_a_cleared_checkbox_list_and_radio_clear_their_values():
    post = posted(render(FORM, GOOD))
    post.setlist("items", [])
    post.setlist("chain", [])
    data, _added = data_from_post(FORM, post)
    assert data["items"] == [] and data["chain"] == ""
    assert "items" not in clean(FORM, data)


def test_a_number_that_is_not_one_stays_text_for_validation_to_name():
    post = posted(render(FORM, GOOD))
    post["staff_count"] = "十二"
    data, _added = data_from_post(FORM, post)
    assert data["staff_count"] == "十二"
    assert [e.message for e in validate(FORM, clean(FORM, data))] == ["从业人员数应为整数。"]
    post["staff_count"] = "１２"
    assert data_from_post(FORM, post)[0]["staff_count"] == 12


def test_many_choices_are_a_list_few_are_radios():
    html = render(FORM, GOOD)
    assert '<select id="f-level" name="level"' in html
    assert '<option value="3" selected>3级</option>' in html
    assert 'type="radio" id="f-chain-1" name="chain" value="1" checked' in html


def test_errors_in_a_row_are_shown_in_that_row():
    errors = [
        FieldError("/staff/0/id", "staff", "身份证号码校验位不正确，请核对是否输错。", "format")
    ]
    html = render(FORM, GOOD, errors=errors)
    row = re.search(r'data-group-row="0".*?</fieldset>', html, re.S).group(0)
    assert "校验位不正确" in row and 'id="f-staff-0-id-error"' in row


@settings(max_examples=60, deadline=None)
@given(definitions(), st.integers(0, 100))
def test_any_form_round_trips_through_its_page(form, seed):
    data = sample_data(form, seed=seed)
    back, _added = data_from_post(form, posted(render(form, data)))
    assert clean(form, back) == data


def test_the_templates_have_no_inline_script_or_style():
    from pathlib import Path

    import yiwang.forms

    folder = Path(yiwang.forms.__file__).parent / "templates" / "forms"
    inline = re.compile(
        r"<style|\sstyle\s*=|<script(?![^>]*\ssrc=)|\son[a-z]+\s*=|javascript:", re.I
    )
    assert [p.name for p in folder.glob("*.html") if inline.search(p.read_text())] == []
