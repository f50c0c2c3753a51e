"""Plausible, valid values for any form: the demo fills its cases with them and the
benchmarks and property tests check that `validation.validate()` accepts them."""

from __future__ import annotations

import datetime
import random
import re
from decimal import Decimal

from stdnum.cn import ric, uscc

from yiwang.forms.definition import Field, FormDefinition, condition_holds, without_hidden
from yiwang.forms.models import ElementKind as K

try:  # Python's own regular-expression parser, to write a text a pattern accepts.
    import re._constants as sre_constants
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants
    import sre_parse

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
STREETS = ["人民路", "解放路", "建设路", "中山路", "和平街", "文化路", "新华街", "滨河路"]
WORDS = [
    "示范区",
    "便民",
    "服务",
    "经营",
    "综合",
    "社区",
    "餐饮",
    "商贸",
    "文化",
    "科技",
]
# Province-level prefixes of real places (GB/T 2260), with a county each.
AREAS = ["110101", "310104", "440106", "330106", "510107", "420102", "320102", "370102"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGEX_SAMPLE_TRIES = 20


def id_number(rng: random.Random) -> str:
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 20000))
    body = f"{rng.choice(AREAS)}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")  # it expects a full 18-character number


def credit_code(rng: random.Random) -> str:
    body = "91" + rng.choice(AREAS) + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _text(rng: random.Random, f: Field, limit: int | None) -> str:
    label = f.label or ""
    if "姓名" in label or label.endswith(("人", "代表人", "负责人")):
        text = person_name(rng)
    elif "地址" in label or "住所" in label or "场所" in label:
        text = f"示范区{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
    else:
        text = "".join(rng.choice(WORDS) for _ in range(3))
    return text[: limit or None] if limit else text


# --- a text a pattern accepts ---------------------------------------------------------------


def _category(rng, name) -> str:
    if name == sre_constants.CATEGORY_DIGIT:
        return rng.choice("0123456789")
    if name == sre_constants.CATEGORY_SPACE:
        return " "
    if name == sre_constants.CATEGORY_WORD:
        return rng.choice("abcxyz0123")
    return "a"


def _one_of(rng, items) -> str:
    negate = any(op == sre_constants.NEGATE for op, _ in items)
    if negate:
        banned = set()
        for op, value in items:
            if op == sre_constants.LITERAL:
                banned.add(chr(value))
        return next(c for c in "a0中_Z9" if c not in banned)
    op, value = rng.choice([i for i in items if i[0] != sre_constants.NEGATE])
    if op == sre_constants.LITERAL:
        return chr(value)
    if op == sre_constants.RANGE:
        return chr(rng.randint(*value))
    if op == sre_constants.CATEGORY:
        return _category(rng, value)
    return "a"


def _emit(rng, parsed, groups) -> str:
    out = []
    for op, value in parsed:
        if op == sre_constants.LITERAL:
            out.append(chr(value))
        elif op == sre_constants.NOT_LITERAL:
            out.append("a" if chr(value) != "a" else "b")
        elif op == sre_constants.ANY:
            out.append("a")
        elif op == sre_constants.IN:
            out.append(_one_of(rng, value))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, high, sub = value
            high = low + 3 if high == sre_constants.MAXREPEAT else high
            out.extend(_emit(rng, sub, groups) for _ in range(rng.randint(low, max(low, high))))
        elif op == sre_constants.SUBPATTERN:
            group, _add, _del, sub = value
            text = _emit(rng, sub, groups)
            if group:
                groups[group] = text
            out.append(text)
        elif op == sre_constants.BRANCH:
            out.append(_emit(rng, rng.choice(value[1]), groups))
        elif op == sre_constants.GROUPREF:
            out.append(groups.get(value, ""))
        elif op == sre_constants.CATEGORY:
            out.append(_category(rng, value))
        # AT (anchors) and look-arounds write nothing.
    return "".join(out)


def matching(rng: random.Random, patterns: tuple[str, ...], *, limit: int | None = None):
    """A text every pattern accepts (searching, as JSON Schema does), or None."""
    try:
        parsed = [sre_parse.parse(p) for p in patterns]
        compiled = [re.compile(p) for p in patterns]
    except (re.error, RecursionError, ValueError):
        return None
    for _try in range(REGEX_SAMPLE_TRIES):
        for tree in parsed:
            try:
                text = _emit(rng, tree, {})
            except (ValueError, IndexError, StopIteration):
                continue
            if limit and len(text) > limit:
                continue
            if all(c.search(text) for c in compiled):
                return text
    return None


# --- values per kind ------------------------------------------------------------------------


def _bounds(f: Field, low_default, high_default):
    low = Decimal(f.min_value) if f.min_value is not None else None
    high = Decimal(f.max_value) if f.max_value is not None else None
    if f.kind == K.MONEY:
        low = max(low or Decimal(0), Decimal(0))
    if low is None:
        low = Decimal(low_default) if high is None else min(Decimal(low_default), high)
    if high is None:
        high = max(low, Decimal(high_default))
    return low, max(low, high)


def _date(rng) -> datetime.date:
    return datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randrange(0, 2500))


def _number(rng, f: Field):
    if f.kind == K.INTEGER:
        low, high = _bounds(f, 1, 100)
        first = int(-(-low // 1))  # ceiling: the smallest whole number allowed
        last = int(high // 1)
        return rng.randint(first, max(first, last))
    places = 2 if f.kind == K.MONEY else (f.decimal_places if f.decimal_places is not None else 2)
    if f.kind == K.MONEY and f.decimal_places is not None:
        places = min(places, 2)
    low, high = _bounds(f, 1, 10000)
    high = min(high, low + 10000)  # stay where a float keeps every decimal place
    step = Decimal(1).scaleb(-places)
    start = (low / step).to_integral_value(rounding="ROUND_CEILING")
    stop = (high / step).to_integral_value(rounding="ROUND_FLOOR")
    value = Decimal(rng.randint(int(start), max(int(start), int(stop)))) * step
    return int(value) if value == value.to_integral_value() else float(value)


def sample_value(rng: random.Random, f: Field, *, rows: int = 2):
    kind = f.kind
    if kind in (K.TEXT, K.LONG_TEXT):
        limit = f.max_length
        if f.patterns:
            text = matching(rng, f.patterns, limit=limit)
            return text if text is not None else None
        text = _text(rng, f, limit)
        if kind == K.LONG_TEXT:
            text = (text + "。本人承诺所填内容真实有效。")[: limit or None]
        return text or None
    if kind in (K.INTEGER, K.DECIMAL, K.MONEY):
        return _number(rng, f)
    if kind == K.DATE:
        return _date(rng).isoformat()
    if kind == K.DATE_RANGE:
        start = _date(rng)
        end = start + datetime.timedelta(days=rng.randrange(30, 1900))
        return {"start": start.isoformat(), "end": end.isoformat()}
    if kind == K.CHOICE:
        return rng.choice(f.choices)[0] if f.choices else None
    if kind == K.MULTI_CHOICE:
        if not f.choices:
            return None
        most = min(len(f.choices), f.max_length or len(f.choices), 3)
        picked = set(rng.sample([v for v, _label in f.choices], rng.randint(1, most)))
        return [value for value, _label in f.choices if value in picked]
    if kind == K.BOOLEAN:
        return rng.random() < 0.5
    if kind == K.ID_NUMBER:
        return id_number(rng)
    if kind == K.USCC:
        return credit_code(rng)
    if kind == K.PHONE:
        return mobile(rng)
    if kind == K.EMAIL:
        return f"user{rng.randrange(1000, 9999)}@example.cn"
    if kind == K.ADDRESS:
        detail = f"示范区{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
        if f.patterns:
            detail = matching(rng, f.patterns, limit=f.max_length)
            if detail is None:
                return None
        return {"area": "", "detail": detail[: f.max_length or None]}
    if kind == K.GROUP:
        count = min(rows, f.max_length) if f.max_length else rows
        out = []
        for _n in range(max(count, 1 if f.required else 0)):
            row = {}
            for child in f.children:
                value = sample_value(rng, child, rows=rows)
                if value is not None:
                    row[child.key] = value
            if row:
                out.append(row)
        return out or None
    return None


def sample_data(definition: FormDefinition, *, seed: int = 0, rows: int = 2) -> dict:
    """A value for every field asked, each valid for its field; a controlling field gets a
    value that shows the fields depending on it where it can."""
    rng = random.Random(seed)  # noqa: S311 - sample data, reproducible by seed
    data = {}
    for f in definition.fields:
        value = sample_value(rng, f, rows=rows)
        if value is not None:
            data[f.key] = value
    for f in definition.fields:
        if f.show_if is None:
            continue
        ctrl, values = f.show_if
        controller = definition.field(ctrl)
        if controller is None or ctrl not in data:
            continue
        if controller.kind == K.CHOICE and values[0] in dict(controller.choices):
            data[ctrl] = values[0]
        elif controller.kind == K.BOOLEAN:
            data[ctrl] = condition_holds(values, True) or not condition_holds(values, False)
        elif controller.kind == K.MULTI_CHOICE:
            wanted = [v for v in values if v in dict(controller.choices)][:1]
            chosen = list(dict.fromkeys(wanted + data[ctrl]))
            limit = controller.max_length or len(chosen)
            kept = set(chosen[: max(limit, 1)])
            data[ctrl] = [v for v, _label in controller.choices if v in kept]
    return without_hidden(definition, data)
