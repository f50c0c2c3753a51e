"""Hypothesis strategies for form definitions of every kind (no database)."""

from decimal import Decimal

from hypothesis import strategies as st

from yiwang.forms.definition import Field, FormDefinition, Section
from yiwang.forms.models import ElementKind as K

KEYS = st.text(alphabet="abcdefgh0123_", max_size=10).map(lambda s: "k" + s)
LABELS = st.sampled_from(["经营场所", "从业人员数", "姓名", "面积", "说明", "日期", "电话"])
SIMPLE_PATTERNS = st.sampled_from(["", "^[A-Z]{2}[0-9]{3}$", "^[^0-9]", "号$", "^(东|西)区"])
CHOICES = st.lists(
    st.tuples(
        st.text(alphabet="abc123", min_size=1, max_size=5), st.sampled_from(["甲", "乙", "丙"])
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda c: c[0],
).map(tuple)
PLAIN_KINDS = [k for k in K.values if k != K.GROUP]


@st.composite
def bounds(draw, kind):
    if kind not in (K.INTEGER, K.DECIMAL, K.MONEY):
        return None, None
    low = draw(st.none() | st.integers(-1000, 1000))
    high = draw(st.none() | st.integers(-1000, 5000))
    if low is not None and high is not None and high < low:
        low, high = high, low
    if kind == K.MONEY and high is not None and high < 1:
        high = None
    return (None if low is None else Decimal(low)), (None if high is None else Decimal(high))


@st.composite
def fields(draw, *, key=None, kinds=None, in_row=False):
    kind = draw(st.sampled_from(kinds or PLAIN_KINDS))
    low, high = draw(bounds(kind))
    choices = draw(CHOICES) if kind in (K.CHOICE, K.MULTI_CHOICE) else ()
    max_length = None
    if kind in (K.TEXT, K.LONG_TEXT, K.ADDRESS):
        max_length = draw(st.none() | st.integers(5, 200))
    elif kind == K.MULTI_CHOICE:
        max_length = draw(st.none() | st.integers(1, 6))
    pattern = draw(SIMPLE_PATTERNS) if kind == K.TEXT else ""
    return Field(
        key=key or draw(KEYS),
        label=draw(LABELS),
        kind=kind,
        required=True if in_row else draw(st.booleans()),
        max_length=max_length,
        min_value=low,
        max_value=high,
        decimal_places=draw(st.none() | st.integers(0, 4)) if kind == K.DECIMAL else None,
        unit=draw(st.sampled_from(["", "人", "平方米"])),
        pattern=pattern,
        choices=choices,
        help_text=draw(st.sampled_from(["", "按营业执照填写"])),
    )


@st.composite
def groups(draw, key):
    children = draw(
        st.lists(fields(in_row=True), min_size=1, max_size=3, unique_by=lambda f: f.key)
    )
    return Field(
        key=key,
        label="从业人员",
        kind=K.GROUP,
        required=draw(st.booleans()),
        max_length=draw(st.none() | st.integers(1, 5)),
        children=tuple(children),
    )


@st.composite
def definitions(draw, *, min_size=1, max_size=8):
    keys = draw(st.lists(KEYS, min_size=min_size, max_size=max_size, unique=True))
    out = []
    for key in keys:
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(groups(key)))
        else:
            out.append(draw(fields(key=key)))
    # Now and then a condition on an earlier choice.
    for n, f in enumerate(out):
        earlier = [c for c in out[:n] if c.kind in (K.CHOICE, K.MULTI_CHOICE, K.BOOLEAN)]
        if earlier and draw(st.booleans()):
            ctrl = draw(st.sampled_from(earlier))
            values = ("是",) if ctrl.kind == K.BOOLEAN else (ctrl.choices[0][0],)
            out[n] = Field(**{**f.__dict__, "show_if": (ctrl.key, values)})
    half = len(out) // 2
    sections = [Section("申请人", tuple(out[:half])), Section("申请内容", tuple(out[half:]))]
    return FormDefinition(tuple(s for s in sections if s.fields), title="测试")
