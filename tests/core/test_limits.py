"""yiwang.core.limits: control characters and sizes of stored text."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core import limits

CONTROL = [chr(c) for c in range(32) if chr(c) not in "\t\n\r"]


@given(st.text(), st.sampled_from(CONTROL), st.text())
def test_any_text_with_a_control_character_is_refused(before, control, after):
    with pytest.raises(ValidationError) as error:
        limits.clean_text(before + control + after, label="理由", max_chars=10**6)
    assert error.value.code == "control_chars"


@given(
    st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]) | st.sampled_from("\t\n\r"))
)
def test_text_without_control_characters_passes_stripped(text):
    assert limits.clean_text(text, label="理由", max_chars=10**6) == text.strip()


def test_too_long_names_the_field_and_both_numbers(settings):
    settings.YIWANG_TEXT_MAX_CHARS = 5
    with pytest.raises(ValidationError) as error:
        limits.clean_text("一二三四五六", label="理由", field="reason")
    message = error.value.message_dict["reason"][0]
    assert "理由" in message and "5" in message and "6" in message


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=10).filter(str.strip), st.text(max_size=20), max_size=20
    )
)
def test_a_small_clean_form_merges(data):
    clean = {k: v for k, v in data.items() if not limits.has_control_chars(k + v)}
    assert limits.clean_form_data(clean, existing={"old": "1"}) == {"old": "1", **clean}


def test_control_characters_in_nested_json_are_found():
    assert limits.control_chars_in({"a": [{"b": "x\x00"}]})
    assert limits.control_chars_in({"x\x1f": 1})
    assert not limits.control_chars_in({"a": ["b\n", {"c": "d\t"}], "e": 1})
