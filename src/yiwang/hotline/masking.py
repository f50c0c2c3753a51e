"""Masking personal data in what the message board publishes (docs/hotline.md, "Appeals:
the line's only door"). 《个人信息保护法》第二十八条 counts identity numbers and a person's
whereabouts among sensitive personal information, and a published government answer keeps
personal data out (《政府信息公开条例》第十五条). A board post and its reply go out with

- names after the usual patterns (张先生 and 王小明先生, 李女士, 姓王的, 我叫王小明, 联系人：刘强),
- identity numbers (18 digits, the last may be X) and every other run of 7 or more digits
  (mobile and fixed-line numbers, bank cards, QQ numbers), also a mobile number written
  in groups (138 0000 0001, 138-0000-0001), an identity number in groups (6-8-4) and a
  landline with its area code (010-6512…); digits of any script count (full-width,
  Arabic-Indic),
- house and room numbers (3号楼2单元501室, 12号院5号楼3层, 2栋1203, 1203房, 5-2-301),
- e-mail addresses,

replaced by ＊, one per character hidden. `mask` is idempotent: masking a masked text
changes nothing. A street number (人民路100号) is a public place and stays."""

import re

STAR = "＊"

_D = r"\d"  # any script's digits: full-width ０-９, Arabic-Indic ٠-٩ … hide a number too
_X = "[XxＸｘ]"
_HAN = r"[\u4e00-\u9fff]"
_COMPOUND = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|长孙|宇文|司徒|夏侯"
_FAMILY = rf"(?:{_COMPOUND}|{_HAN})"

_ID_NUMBER = re.compile(rf"{_D}{{17}}{_X}|{_D}{{6}}[ \-－]{_D}{{8}}[ \-－]{_D}{{3}}(?:{_D}|{_X})")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_LONG_DIGITS = re.compile(rf"{_D}{{7,}}")
_GROUPED_MOBILE = re.compile(rf"[1１]{_D}{{2}}[ \-－]{_D}{{4}}[ \-－]{_D}{{4}}")
_LANDLINE = re.compile(rf"[0０]{_D}{{2,3}}[ \-－]{_D}{{7,8}}")

# A house number: numbered parts of a building (…号院 …号楼 …单元 …层 …室), perhaps ending
# in a bare room number (2栋1203). Masked only when it names a part of a building, not for
# a street number alone (人民路100号).
_CN_NUM = "[一二三四五六七八九十]+"
_TOKEN = (
    rf"(?:{_D}+(?:号院|号楼|单元|栋|幢|座|层|楼|室|户|房|号)|{_CN_NUM}(?:号院|号楼|单元|栋|室))"
)
_HOUSE = re.compile(rf"(?:{_TOKEN})+(?:{_D}{{2,5}})?")
_BUILDING_PART = re.compile("号院|号楼|单元|栋|幢|座|层|室|户|房")
# 5-2-301: building, entrance and room, as residents write them (not a date: 2026-01-05).
_HOUSE_DASHED = re.compile(
    rf"(?<![\d\-－]){_D}{{1,2}}[\-－]{_D}{{1,2}}[\-－]{_D}{{3,4}}(?![\d\-－])"
)

_TITLE = "先生|女士|小姐|师傅|阿姨|大爷|大妈|老师|经理|老板"
# Words that end what comes before a title: 小区的王先生 hides 王, not 小区的.
_NOT_NAME = "的了是和与及或位个找叫给向跟被让请问说对在把等有"
_NAMES = [
    # 王先生 → ＊先生, 王小明先生 → ＊＊＊先生 (the given name too: up to four characters, 欧阳小明)
    re.compile(rf"(?P<name>(?:(?![{_NOT_NAME}]){_HAN}){{1,4}})(?=(?:{_TITLE}))"),
    # 姓王的, 姓刘， → 姓＊的
    re.compile(rf"(?<=姓)(?P<name>{_FAMILY})(?=[的，,。；;、\s]|$)"),
    # 我叫王小明, 名叫…, 联系人：刘强, 姓名：…
    re.compile(
        rf"(?:我叫|名叫|联系人[：:\s]*|姓名[：:\s]*)(?P<name>{_FAMILY}{_HAN}{{1,2}})",
    ),
]


def _all(match: re.Match) -> str:
    return STAR * len(match.group(0))


def _house(match: re.Match) -> str:
    text = match.group(0)
    return STAR * len(text) if _BUILDING_PART.search(text) else text


def _name(match: re.Match) -> str:
    start, end = match.span("name")
    whole_start = match.start(0)
    text = match.group(0)
    return text[: start - whole_start] + STAR * (end - start) + text[end - whole_start :]


def mask(text: str) -> str:
    """`text` with names, phone numbers, identity numbers and house numbers replaced by ＊
    (one per character hidden)."""
    text = str(text or "")
    for pattern in (_EMAIL, _ID_NUMBER, _GROUPED_MOBILE, _LANDLINE, _LONG_DIGITS, _HOUSE_DASHED):
        text = pattern.sub(_all, text)
    text = _HOUSE.sub(_house, text)
    for pattern in _NAMES:
        text = pattern.sub(_name, text)
    return text
