"""The compiled, read-only form of an item version (or of a bundle): sections of `Field`s.

Pages, the JSON Schema, validation, display and licence filling all read a
`FormDefinition`, never the rows. A version's rows compile in at most three queries; a
version with no rows gets a generated form (docs/forms.md, "A form per item version").
Published versions never change (editing makes a new draft), so their compiled forms are
kept in this process; drafts compile fresh every time.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property

from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yiwang.forms.models import CodeEntry, DataElement, ElementKind, FormField

K = ElementKind

# Kinds whose value is a JSON string typed by the applicant.
TEXT_KINDS = frozenset({K.TEXT, K.LONG_TEXT, K.ID_NUMBER, K.USCC, K.PHONE, K.EMAIL, K.DATE})
NUMBER_KINDS = frozenset({K.INTEGER, K.DECIMAL, K.MONEY})
CHOICE_KINDS = frozenset({K.CHOICE, K.MULTI_CHOICE})

TRUE_WORDS = frozenset({"1", "true", "yes", "on", "是", "y"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "否", "n"})


@dataclass(frozen=True)
class Field:
    """One question of a form. `key` is the property name of its value in the form's JSON.

    A group's `children` are the fields of one row; `max_length` is then the most rows (for a
    multi-choice, the most selections). `show_if` is (controlling key, values): the field is
    asked only when that field has one of the values. `items` lists the item codes of a
    bundle that ask it (empty for a single version's form)."""

    key: str
    label: str
    kind: str
    required: bool = False
    help_text: str = ""
    section: str = ""
    element_code: str | None = None
    max_length: int | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    decimal_places: int | None = None
    unit: str = ""
    pattern: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    children: tuple[Field, ...] = ()
    show_if: tuple[str, tuple[str, ...]] | None = None
    default: object = None
    sources: tuple[str, ...] = ()
    no_prefill: bool = False
    editable: bool = True
    mask: str = ""
    items: tuple[str, ...] = ()
    # A bundle keeps the pattern of every item that asks the field (all must hold).
    extra_patterns: tuple[str, ...] = ()
    # Entries no longer offered, still named when an older case shows its value.
    retired_choices: tuple[tuple[str, str], ...] = ()

    @property
    def patterns(self) -> tuple[str, ...]:
        return tuple(p for p in (self.pattern, *self.extra_patterns) if p)

    @property
    def is_local(self) -> bool:
        return self.element_code is None

    def choice_label(self, value) -> str:
        for code, label in self.choices + self.retired_choices:
            if code == value:
                return label
        return "" if value is None else str(value)

    def child(self, key: str) -> Field | None:
        return next((c for c in self.children if c.key == key), None)


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class FormDefinition:
    sections: tuple[Section, ...]
    title: str = ""
    generated: bool = False
    # For a bundle: per version pk, (merged key, the version's own key) of each field it asks.
    parts: tuple[tuple[int, tuple[tuple[str, str], ...]], ...] = ()
    # Derived artefacts (schema, compiled validator), built once per definition.
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for section in self.sections for f in section.fields)

    @cached_property
    def _by_key(self) -> dict[str, Field]:
        return {f.key: f for f in self.fields}

    def field(self, key: str) -> Field | None:
        return self._by_key.get(key)

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(self._by_key)


# --- compiling a version's rows ---------------------------------------------------------


def _parse_show_if(text: str) -> tuple[str, tuple[str, ...]] | None:
    key, sep, values = (text or "").partition("=")
    key = key.strip()
    if not sep or not key:
        return None
    options = tuple(v.strip() for v in values.split("|") if v.strip())
    return (key, options) if options else None


def _narrow_max(*values):
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _narrow_min(*values):
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _in_english() -> bool:
    return (get_language() or "").startswith("en")


def _entry_label(entry: CodeEntry) -> str:
    return entry.label_en if entry.label_en and _in_english() else entry.label


def _element_name(element: DataElement) -> str:
    return element.name_en if element.name_en and _in_english() else element.name


def _choices(code_list_id, entries: dict) -> tuple[tuple, tuple]:
    rows = entries.get(code_list_id, ())
    active = tuple((e.value, _entry_label(e)) for e in rows if e.active)
    retired = tuple((e.value, _entry_label(e)) for e in rows if not e.active)
    return active, retired


def _typed_default(kind: str, text: str):
    text = (text or "").strip()
    if not text:
        return None
    if kind == K.BOOLEAN:
        low = text.lower()
        return True if low in TRUE_WORDS else False if low in FALSE_WORDS else None
    if kind == K.INTEGER:
        try:
            return int(text)
        except ValueError:
            return None
    if kind in (K.DECIMAL, K.MONEY):
        try:
            return float(Decimal(text))
        except ArithmeticError:
            return None
    if kind == K.MULTI_CHOICE:
        return tuple(v.strip() for v in text.replace(";", "|").split("|") if v.strip())
    if kind in (K.GROUP, K.DATE_RANGE, K.ADDRESS):
        return None
    return text


def _element_field(element: DataElement, entries: dict, *, section: str = "") -> Field:
    """A data element asked as it is in the dictionary (a group's child, a generated row)."""
    choices, retired = _choices(element.code_list_id, entries)
    return Field(
        key=element.code,
        label=_element_name(element),
        kind=element.kind,
        required=False,
        help_text=element.help_text,
        section=section,
        element_code=element.code,
        max_length=element.max_length,
        min_value=element.min_value,
        max_value=element.max_value,
        decimal_places=element.decimal_places,
        unit=element.unit,
        pattern=element.pattern,
        choices=choices,
        retired_choices=retired,
        sources=tuple(element.sources or ()),
        mask=element.mask,
    )


def _children(element: DataElement, children: dict, entries: dict) -> tuple[Field, ...]:
    # A row holds plain values: a group inside a group is not asked.
    return tuple(
        replace(_element_field(children[code], entries), required=True)
        for code in element.children or ()
        if code in children and children[code].kind != K.GROUP
    )


def _row_sources(row: FormField, element: DataElement | None) -> tuple[tuple[str, ...], bool]:
    prefill = row.prefill
    if isinstance(prefill, str):
        prefill = [prefill] if prefill else []
    prefill = [str(p) for p in prefill or []]
    if row.no_prefill or [p.lower() for p in prefill] == ["none"]:
        return (), True
    if prefill:
        return tuple(prefill), False
    return tuple(element.sources or ()) if element else (), False


def _row_field(row: FormField, children: dict, entries: dict) -> Field:
    element = row.element
    sources, no_prefill = _row_sources(row, element)
    if element is None:
        kind = row.kind or K.TEXT
        choices, retired = _choices(row.code_list_id, entries)
        return Field(
            key=row.key,
            label=row.label or row.key,
            kind=kind,
            required=row.required,
            help_text=row.help_text,
            section=row.section,
            max_length=row.max_length,
            min_value=row.min_value,
            max_value=row.max_value,
            choices=choices,
            retired_choices=retired,
            show_if=_parse_show_if(row.show_if),
            default=_typed_default(kind, row.default),
            sources=sources,
            no_prefill=no_prefill,
            editable=row.editable,
        )
    base = _element_field(element, entries, section=row.section)
    return replace(
        base,
        key=row.key or element.code,
        label=row.label or _element_name(element),
        required=row.required,
        help_text=row.help_text or element.help_text,
        max_length=_narrow_max(element.max_length, row.max_length),
        min_value=_narrow_min(element.min_value, row.min_value),
        max_value=_narrow_max(element.max_value, row.max_value),
        children=_children(element, children, entries) if element.kind == K.GROUP else (),
        show_if=_parse_show_if(row.show_if),
        default=_typed_default(element.kind, row.default),
        sources=sources,
        no_prefill=no_prefill,
        editable=row.editable,
    )


def _sections(fields: list[Field]) -> tuple[Section, ...]:
    """Consecutive fields with the same section title make one section."""
    sections: list[Section] = []
    for f in fields:
        if sections and sections[-1].title == f.section:
            sections[-1] = Section(f.section, sections[-1].fields + (f,))
        else:
            sections.append(Section(f.section, (f,)))
    return tuple(sections)


def _entries_for(code_list_ids) -> dict:
    ids = {i for i in code_list_ids if i}
    entries: dict = {}
    if ids:
        for entry in CodeEntry.objects.filter(code_list_id__in=ids).order_by(
            "code_list_id", "position", "value"
        ):
            entries.setdefault(entry.code_list_id, []).append(entry)
    return entries


def _compile_rows(rows: list[FormField]) -> FormDefinition:
    child_codes = {
        code
        for row in rows
        if row.element is not None and row.element.kind == K.GROUP
        for code in row.element.children or ()
    }
    children = (
        {e.code: e for e in DataElement.objects.filter(code__in=child_codes)} if child_codes else {}
    )
    entries = _entries_for(
        [row.code_list_id for row in rows]
        + [row.element.code_list_id for row in rows if row.element is not None]
        + [e.code_list_id for e in children.values()]
    )
    return FormDefinition(_sections([_row_field(row, children, entries) for row in rows]))


# --- the generated form ------------------------------------------------------------------

APPLICANT = _("申请人")
CONTENT = _("申请内容")

# Stand-ins for the dictionary's elements, so a generated form works even when the
# dictionary does not (yet) have them. Same codes and sources as the seeded dictionary.
BUILTIN = {
    "applicant_name": dict(label=_("姓名"), kind=K.TEXT, max_length=50, mask="name",
                           sources=("identity:real_name",)),
    "applicant_id_number": dict(label=_("身份证号码"), kind=K.ID_NUMBER, mask="id_number",
                                sources=("identity:id_number",)),
    "contact_phone": dict(label=_("联系电话"), kind=K.PHONE, mask="phone",
                          sources=("identity:phone",)),
    "contact_address": dict(label=_("联系地址"), kind=K.ADDRESS, max_length=200,
                            mask="address"),
    "ent_name": dict(label=_("企业名称"), kind=K.TEXT, max_length=100,
                     sources=("enterprise:name",)),
    "uscc": dict(label=_("统一社会信用代码"), kind=K.USCC, sources=("enterprise:uscc",)),
    "legal_rep": dict(label=_("法定代表人"), kind=K.TEXT, max_length=50, mask="name",
                      sources=("enterprise:legal_representative",)),
    "ent_address": dict(label=_("住所"), kind=K.ADDRESS, max_length=200,
                        sources=("enterprise:address",)),
    "contact_person": dict(label=_("联系人"), kind=K.TEXT, max_length=50, mask="name",
                           sources=("identity:real_name",)),
    "statement": dict(label=_("申请说明"), kind=K.LONG_TEXT, max_length=2000,
                      help_text=_("选填。写明您的具体请求或需要说明的情况。")),
}  # fmt: skip

PERSON_FIELDS = ("applicant_name", "applicant_id_number", "contact_phone", "contact_address")
ENTERPRISE_FIELDS = ("ent_name", "uscc", "legal_rep", "ent_address", "contact_person")
# Values the applicant's identity or enterprise record vouches for: shown, not retyped.
VOUCHED = frozenset({"applicant_name", "applicant_id_number", "ent_name", "uscc"})
APPLICANT_TYPE = "applicant_type"
PERSON, ENTERPRISE = "person", "enterprise"


def _builtin(code: str, elements: dict, entries: dict, section: str) -> Field:
    if code in elements:
        f = _element_field(elements[code], entries, section=section)
        if elements[code].kind == K.GROUP:  # a dictionary oddity; ask it as text
            f = replace(f, kind=K.TEXT)
        return f
    spec = BUILTIN[code]
    # Not in the dictionary, but a standard code all the same: a bundle asks it once.
    return Field(
        key=code,
        label=str(spec["label"]),
        kind=spec["kind"],
        section=section,
        element_code=code,
        max_length=spec.get("max_length"),
        help_text=str(spec.get("help_text", "")),
        sources=spec.get("sources", ()),
        mask=spec.get("mask", ""),
    )


def _generated(version) -> FormDefinition:
    """docs/forms.md: the applicant (as a person, an enterprise, or either), then the result
    licence's 照面字段 the applicant provides, then a statement."""
    from yiwang.catalog.models import Audience  # forms sits below catalog: import lazily

    license_type = version.result_license_type if version.result_license_type_id else None
    mapped = []
    if license_type is not None:
        for code in license_type.field_elements or ():
            if code and not code.startswith("@") and code not in mapped:
                mapped.append(code)
    wanted = set(BUILTIN) | set(mapped)
    elements = {
        e.code: e for e in DataElement.objects.filter(code__in=wanted).select_related("code_list")
    }
    entries = _entries_for(e.code_list_id for e in elements.values())
    section = str(APPLICANT)

    def ask(code, *, show_if=None, required=True):
        f = _builtin(code, elements, entries, section)
        return replace(
            f, required=required, show_if=show_if, editable=code not in VOUCHED, section=section
        )

    fields: list[Field] = []
    audience = version.audience
    if audience == Audience.BOTH:
        fields.append(
            Field(
                key=APPLICANT_TYPE,
                label=str(_("申请人类型")),
                element_code=APPLICANT_TYPE,
                kind=K.CHOICE,
                required=True,
                section=section,
                choices=((PERSON, str(_("个人"))), (ENTERPRISE, str(_("企业或其他组织")))),
                default=PERSON,
            )
        )
        as_person, as_enterprise = (APPLICANT_TYPE, (PERSON,)), (APPLICANT_TYPE, (ENTERPRISE,))
        fields += [ask(c, show_if=as_person) for c in PERSON_FIELDS if c != "contact_phone"]
        fields += [ask(c, show_if=as_enterprise) for c in ENTERPRISE_FIELDS]
        fields.append(ask("contact_phone"))
    elif audience == Audience.ENTERPRISE:
        fields += [ask(c) for c in ENTERPRISE_FIELDS]
        fields.append(ask("contact_phone"))
    else:
        fields += [ask(c) for c in PERSON_FIELDS]

    section = str(CONTENT)
    asked = {f.key for f in fields}
    for code in mapped:
        element = elements.get(code)
        # Values about the applicant themselves are the applicant section's; the rest
        # (typed, or prefilled from an e-licence) are asked here.
        if element is None or code in asked:
            continue
        if any(s.startswith(("identity:", "enterprise:")) for s in element.sources or ()):
            continue
        f = _element_field(element, entries, section=section)
        if element.kind == K.GROUP:
            kids = element.children or ()
            more = {e.code: e for e in DataElement.objects.filter(code__in=kids)}
            f = replace(f, children=_children(element, more, _entries_for(
                e.code_list_id for e in more.values()
            )))  # fmt: skip
        fields.append(replace(f, required=True))
        asked.add(code)
    if "statement" not in asked:
        fields.append(ask("statement", required=False))
    return FormDefinition(_sections(fields), title=version.name, generated=True)


# --- the cache -----------------------------------------------------------------------------

_CACHE_SIZE = 512
_compiled: OrderedDict = OrderedDict()
_lock = threading.Lock()
GENERATION_KEY = "forms:dictionary-generation"
CACHED_STATUSES = frozenset({"published", "retired"})


def dictionary_changed(**kwargs):
    """A code list, entry, element or row changed: compiled forms made before are stale
    (a published version's rows never change, but the dictionary they name may). Saves
    send this through signals; bulk writes (imports) call it themselves."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def _generation() -> str:
    # A token, not a counter: when the cache loses it (cleared, evicted, a test's fresh
    # cache) every compiled form is stale, never wrongly current.
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        token = cache.get(GENERATION_KEY, "")
    return token


def clear_cache():
    with _lock:
        _compiled.clear()


def _cache_key(version):
    stamp = version.updated_at.isoformat() if version.updated_at else ""
    # Labels are compiled in the language of the request (built-in labels, English names).
    return (version.pk, stamp, _generation(), get_language())


def _compile(version) -> FormDefinition:
    rows = list(
        FormField.objects.filter(version_id=version.pk).select_related("element").order_by("seq")
    )
    if not rows:
        return _generated(version)
    return replace(_compile_rows(rows), title=version.name)


def for_version(version) -> FormDefinition:
    """The form of one item version: its rows, or a generated form when it has none."""
    if version.status not in CACHED_STATUSES or version.pk is None:
        return _compile(version)
    key = _cache_key(version)
    with _lock:
        found = _compiled.get(key)
        if found is not None:
            _compiled.move_to_end(key)
            return found
    definition = _compile(version)
    with _lock:
        _compiled[key] = definition
        while len(_compiled) > _CACHE_SIZE:
            _compiled.popitem(last=False)
    return definition


# --- bundles -------------------------------------------------------------------------------


def _stricter(a: Field, b: Field) -> Field:
    """One field asked by two items: the stricter rule of each holds."""
    patterns = tuple(dict.fromkeys(a.patterns + b.patterns))
    if a.show_if == b.show_if:
        show_if = a.show_if
    else:
        # Asked on different conditions: ask it whenever either would (always), required
        # only where some item requires it whatever the answers.
        show_if = None
    required = (a.required and a.show_if is None) or (b.required and b.show_if is None)
    if show_if is not None:
        required = a.required or b.required
    children = a.children
    if a.kind == K.GROUP:
        theirs = {c.key: c for c in b.children}
        children = tuple(_stricter(c, theirs[c.key]) if c.key in theirs else c for c in a.children)
        children += tuple(c for c in b.children if a.child(c.key) is None)
    return replace(
        a,
        required=required,
        help_text=a.help_text or b.help_text,
        max_length=_narrow_max(a.max_length, b.max_length),
        min_value=_narrow_min(a.min_value, b.min_value),
        max_value=_narrow_max(a.max_value, b.max_value),
        decimal_places=_narrow_max(a.decimal_places, b.decimal_places),
        pattern=patterns[0] if patterns else "",
        extra_patterns=patterns[1:],
        children=children,
        show_if=show_if,
        default=a.default if a.default is not None else b.default,
        sources=a.sources or b.sources,
        no_prefill=a.no_prefill and b.no_prefill,
        editable=a.editable and b.editable,
        mask=a.mask or b.mask,
        items=tuple(dict.fromkeys(a.items + b.items)),
    )


def _item_code(version) -> str:
    return version.item.code


def for_versions(versions: list, *, title: str = "") -> FormDefinition:
    """The one form of a bundle (一表申请): the union of its items' forms in bundle order,
    each data element asked once with the stricter rule; a local key that another item
    also uses becomes `<key>__<n>`, n the item's 1-based position. Pass versions with
    their item loaded (select_related("item")) to save a query each."""
    versions = list(versions)
    return merge(
        [(_item_code(v), v.pk, for_version(v)) for v in versions],
        title=title,
    )


def merge(parts: list[tuple[str, object, FormDefinition]], *, title: str = "") -> FormDefinition:
    """Merge forms given as (item code, version pk, definition), in bundle order."""
    codes = [code for code, _pk, _d in parts]
    definitions = [d for _code, _pk, d in parts]
    owners: dict[str, set[int]] = {}
    for n, definition in enumerate(definitions):
        for f in definition.fields:
            owners.setdefault(f.key, set()).add(n)

    merged: dict[str, Field] = {}
    order: list[str] = []
    pairs_of = []
    for n, definition in enumerate(definitions):
        renames = {
            f.key: f"{f.key}__{n + 1}"
            for f in definition.fields
            if f.is_local and len(owners[f.key]) > 1
        }
        pairs = []
        for f in definition.fields:
            key = renames.get(f.key, f.key)
            show_if = f.show_if
            if show_if is not None:
                show_if = (renames.get(show_if[0], show_if[0]), show_if[1])
            mine = replace(f, key=key, show_if=show_if, items=(codes[n],))
            if key in merged and not merged[key].is_local and not mine.is_local:
                merged[key] = _stricter(merged[key], mine)
            else:
                while key in merged:  # a renamed key some item already uses as it is
                    key = f"{key}__{n + 1}"
                merged[key] = replace(mine, key=key)
                order.append(key)
            pairs.append((key, f.key))
        pairs_of.append((parts[n][1], tuple(pairs)))

    # Sections by title, in the order they first appear; fields in bundle order.
    sections: dict[str, list[Field]] = {}
    for key in order:
        f = merged[key]
        sections.setdefault(f.section, []).append(f)
    return FormDefinition(
        tuple(Section(t, tuple(fs)) for t, fs in sections.items()),
        title=title,
        generated=bool(definitions) and all(d.generated for d in definitions),
        parts=tuple(pairs_of),
    )


def child_keys(merged: FormDefinition, version) -> dict[str, str]:
    """{merged key: the version's own key} of every field that version asks, so a bundle's
    save can write each child case its part."""
    for pk, pairs in merged.parts:
        if pk == version.pk:
            return dict(pairs)
    return {}


def child_data(merged: FormDefinition, version, data: dict) -> dict:
    """The part of a bundle's merged form data that one of its versions asks, under that
    version's own keys."""
    return {own: data[key] for key, own in child_keys(merged, version).items() if key in data}


# --- conditions ----------------------------------------------------------------------------


def _as_words(value) -> set[str]:
    if isinstance(value, bool):
        return {"true", "1", "是"} if value else {"false", "0", "否"}
    if isinstance(value, list | tuple):
        return {str(v) for v in value if not isinstance(v, list | dict)}
    if value is None or isinstance(value, dict):
        return set()
    return {str(value)}


def condition_holds(values: tuple[str, ...], value) -> bool:
    words = _as_words(value)
    return any(v in words or v.lower() in words for v in values)


def visible_keys(definition: FormDefinition, data) -> set[str]:
    """Keys of the fields asked given the answers: a field whose condition does not hold,
    whose controlling field is itself not asked, or whose condition names no field of the
    form (or loops back to itself), is hidden."""
    data = data if isinstance(data, dict) else {}
    state: dict[str, bool] = {}

    def shown(f: Field) -> bool:
        if f.key in state:
            return state[f.key]
        state[f.key] = False  # while deciding: a condition that loops back fails
        if f.show_if is None:
            result = True
        else:
            ctrl, values = f.show_if
            controller = definition.field(ctrl)
            result = (
                controller is not None
                and shown(controller)
                and condition_holds(values, data.get(ctrl))
            )
        state[f.key] = result
        return result

    return {f.key for f in definition.fields if shown(f)}


def without_hidden(definition: FormDefinition, data) -> dict:
    """The data with the values of hidden fields dropped (keys the form does not know are
    kept, for validation to report)."""
    if not isinstance(data, dict):
        return {}
    shown = visible_keys(definition, data)
    return {k: v for k, v in data.items() if k in shown or k not in definition.keys}


def defaults(definition: FormDefinition) -> dict:
    """The values a new form starts with."""
    out = {}
    for f in definition.fields:
        if f.default is not None:
            out[f.key] = list(f.default) if isinstance(f.default, tuple) else f.default
    return out
