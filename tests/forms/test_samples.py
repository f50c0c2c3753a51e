from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.forms.definition import for_version
from yiwang.forms.models import ElementKind as K
from yiwang.forms.samples import matching, sample_data
from yiwang.forms.validation import clean, validate

from . import factories as f
from .strategies import definitions


def test_sample_data_fills_a_real_form_validly(version):
    f.food_form(version)
    form = for_version(version)
    data = sample_data(form, seed=3)
    assert validate(form, data) == []
    assert {"shop_name", "uscc", "staff_count", "business_items"} <= data.keys()
    assert len(data["staff"]) == 2


def test_a_controlling_answer_shows_what_depends_on_it(version):
    f.food_form(version)
    data = sample_data(for_version(version))
    assert "hot" in data["business_items"] and "hot_area" in data


def test_generated_forms_get_valid_samples(versions):
    for audience in ("person", "enterprise", "both"):
        form = for_version(versions(audience=audience))
        assert validate(form, sample_data(form, seed=1)) == []


def test_the_same_seed_gives_the_same_data(version):
    form = for_version(version)
    assert sample_data(form, seed=7) == sample_data(form, seed=7)


@settings(max_examples=200, deadline=None)
@given(definitions(), st.integers(0, 10_000), st.integers(0, 4))
def test_sample_data_always_validates(form, seed, rows):
    data = sample_data(form, seed=seed, rows=rows)
    assert validate(form, data) == []
    assert clean(form, data) == data  # already in its stored form
    for field in form.fields:
        if field.required and field.show_if is None and field.kind != K.GROUP:
            assert field.key in data


@given(st.sampled_from(["^[A-Z]{2}[0-9]{3}$", "^(东|西)区", "^[^0-9]", "号$", r"^\d{6}$"]))
def test_a_text_matching_a_pattern_is_found(pattern):
    import random
    import re

    text = matching(random.Random(0), (pattern,))
    assert text is not None and re.search(pattern, text)
