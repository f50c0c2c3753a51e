"""A form definition as an HTML form and back.

`bound_fields()` is the context of `forms/_form.html`, which a page includes inside its own
<form>; `data_from_post()` reads that form's POST back to typed values. Everything works
without JavaScript: conditional fields are all shown with their condition in words, and a
group shows its rows, one empty row and a "添加一行" submit button (`forms/form.js` only
hides what does not apply and adds or removes rows in place).

Input names: `key`; `key-start` / `key-end` (date range); `key-area` / `key-detail`
(address); `key-N-child` (row N of a group; `key-N-DELETE` removes it); a multi-choice is
one name with several values; a yes/no is radios "1" / "0". Each editable field also posts
`_fields=key`, so a cleared checkbox list clears its value and a read-only field, which has
no input, is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from yiwang.forms.definition import Field, FormDefinition, condition_holds
from yiwang.forms.display import source_label, text_value
from yiwang.forms.models import ElementKind as K
from yiwang.forms.validation import FieldError, clean_number
from yiwang.identity.validators import mask_id_number

ADD_ROW = "_add_row"
FIELDS = "_fields"
MAX_ROW_INDEX = 999
# Up to this many options are radios (every choice visible, large targets); more, a list.
RADIO_LIMIT = 6

INPUT_TYPES = {
    K.PHONE: ("tel", "tel", "tel"),
    K.EMAIL: ("email", "email", "email"),
    K.INTEGER: ("text", "numeric", ""),
    K.DECIMAL: ("text", "decimal", ""),
    K.MONEY: ("text", "decimal", ""),
    K.ID_NUMBER: ("text", "text", ""),
    K.USCC: ("text", "text", ""),
    K.DATE: ("date", "", ""),
}
TEMPLATES = {
    K.LONG_TEXT: "forms/_textarea.html",
    K.CHOICE: "forms/_choice.html",
    K.MULTI_CHOICE: "forms/_multi_choice.html",
    K.BOOLEAN: "forms/_boolean.html",
    K.DATE_RANGE: "forms/_date_range.html",
    K.ADDRESS: "forms/_address.html",
    K.GROUP: "forms/_group.html",
}
# Composite kinds are a <fieldset> whose <legend> is the label.
FIELDSET_KINDS = frozenset({K.MULTI_CHOICE, K.BOOLEAN, K.DATE_RANGE, K.GROUP})


# --- POST → data -----------------------------------------------------------------------------


def _from_post(f: Field, post, name: str):
    kind = f.kind
    if kind == K.MULTI_CHOICE:
        return [v for v in post.getlist(name) if v != ""]
    if kind == K.BOOLEAN:
        raw = post.get(name, "")
        return True if raw == "1" else False if raw == "0" else ""
    if kind == K.DATE_RANGE:
        return {"start": post.get(f"{name}-start", ""), "end": post.get(f"{name}-end", "")}
    if kind == K.ADDRESS:
        return {"area": post.get(f"{name}-area", ""), "detail": post.get(f"{name}-detail", "")}
    if kind in (K.INTEGER, K.DECIMAL, K.MONEY):
        return clean_number(kind, post.get(name, ""))
    if kind == K.GROUP:
        return _rows_from_post(f, post, name)
    return post.get(name, "")


def _blank(value) -> bool:
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    return value is None or value == "" or value == []


def row_indices(post, name: str) -> list[int]:
    pattern = re.compile(rf"{re.escape(name)}-([0-9]{{1,3}})-")
    found = {int(m.group(1)) for key in post.keys() if (m := pattern.match(key))}
    return sorted(n for n in found if n <= MAX_ROW_INDEX)


def _rows_from_post(f: Field, post, name: str) -> list[dict]:
    rows = []
    for n in row_indices(post, name):
        if post.get(f"{name}-{n}-DELETE"):
            continue
        row = {c.key: _from_post(c, post, f"{name}-{n}-{c.key}") for c in f.children}
        if not _blank(row):
            rows.append(row)
    return rows


def data_from_post(definition: FormDefinition, post) -> tuple[dict, str | None]:
    """Typed values of the fields the page showed (numbers that do not read as numbers stay
    strings, for validation to name), and the key of the group whose "添加一行" button was
    pressed (None otherwise). A row whose "删除" button was pressed is left out; see
    `row_action()` to tell either button from a real submit."""
    listed = set(post.getlist(FIELDS)) if FIELDS in post else set(definition.keys)
    data = {f.key: _from_post(f, post, f.key) for f in definition.fields if f.key in listed}
    added = post.get(ADD_ROW)
    group = definition.field(added) if added else None
    return data, (added if group is not None and group.kind == K.GROUP else None)


def row_action(definition: FormDefinition, post) -> bool:
    """Whether the POST came from a group's add-row or remove-row button (the page should
    save a draft and show the form again, not move on)."""
    if post.get(ADD_ROW):
        return True
    return any(
        key.endswith("-DELETE") and key.split("-", 1)[0] in definition.keys for key in post.keys()
    )


# --- data → template context -----------------------------------------------------------------


@dataclass
class Choice:
    value: str
    label: str
    selected: bool
    id: str


@dataclass
class BoundRow:
    index: int
    number: int  # 1-based, as people count
    legend: str  # "从业人员第2行"
    fields: list
    errors: list[str]
    blank: bool
    delete_name: str


def row_legend(label: str, number) -> str:
    return _("%(label)s第%(n)s行") % {"label": label, "n": number}


@dataclass
class BoundField:
    field: Field
    name: str
    id: str
    value: object = None
    text: str = ""  # the value in its text input
    errors: list[str] = field(default_factory=list)
    source_label: str = ""
    note: str = ""
    readonly: bool = False
    readonly_text: str = ""
    condition_text: str = ""
    show_if_name: str = ""
    show_if_values: str = ""
    choices: list[Choice] = field(default_factory=list)
    parts: dict = field(default_factory=dict)  # date range / address: {part: text}
    part_errors: dict = field(default_factory=dict)
    rows: list[BoundRow] = field(default_factory=list)
    can_add: bool = False
    next_index: int = 0
    in_row: bool = False

    @property
    def key(self) -> str:
        return self.field.key

    @property
    def kind(self) -> str:
        return self.field.kind

    @property
    def label(self) -> str:
        return self.field.label

    @property
    def required(self) -> bool:
        return self.field.required

    @property
    def help_text(self) -> str:
        return self.field.help_text

    @property
    def unit(self) -> str:
        return self.field.unit or (_("元") if self.field.kind == K.MONEY else "")

    @property
    def template(self) -> str:
        if self.readonly:
            return "forms/_readonly.html"
        return TEMPLATES.get(self.field.kind, "forms/_input.html")

    @property
    def is_fieldset(self) -> bool:
        if self.kind == K.CHOICE:
            return self.as_radios
        return self.kind in FIELDSET_KINDS

    @property
    def as_radios(self) -> bool:
        return self.kind == K.CHOICE and len(self.field.choices) <= RADIO_LIMIT

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.kind, ("text", "", ""))[0]

    @property
    def inputmode(self) -> str:
        return INPUT_TYPES.get(self.kind, ("text", "", ""))[1]

    @property
    def autocomplete(self) -> str:
        return INPUT_TYPES.get(self.kind, ("text", "", ""))[2]

    @property
    def limit_text(self) -> str:
        # Said, not enforced with `maxlength`: a browser would cut a pasted text silently.
        if self.kind in (K.TEXT, K.LONG_TEXT, K.ADDRESS) and self.field.max_length:
            return _("最多%(n)d个字。") % {"n": self.field.max_length}
        if self.kind == K.MULTI_CHOICE and self.field.max_length:
            return _("最多选%(n)d项。") % {"n": self.field.max_length}
        if self.kind == K.GROUP and self.field.max_length:
            return _("最多%(n)d行。") % {"n": self.field.max_length}
        return ""

    @property
    def hint(self) -> bool:
        return bool(self.help_text or self.limit_text)

    @property
    def row_label(self) -> str:
        """The row legend with "{n}" for the number, for form.js to number new rows."""
        return row_legend(self.label, "{n}")

    @property
    def max_rows(self):
        return self.field.max_length if self.kind == K.GROUP else None

    @property
    def first_id(self) -> str:
        """Where the error summary links to: the first control of the field."""
        if self.kind == K.DATE_RANGE:
            return f"{self.id}-start"
        if self.kind == K.ADDRESS:
            return f"{self.id}-detail"
        if self.choices and self.is_fieldset:
            return self.choices[0].id
        if self.kind == K.GROUP and self.rows and self.rows[0].fields:
            return self.rows[0].fields[0].first_id
        return self.id

    def describedby(self) -> str:
        ids = []
        if self.hint:
            ids.append(f"{self.id}-help")
        if self.condition_text:
            ids.append(f"{self.id}-cond")
        if self.source_label:
            ids.append(f"{self.id}-source")
        if self.note:
            ids.append(f"{self.id}-note")
        if self.errors:
            ids.append(f"{self.id}-error")
        return " ".join(ids)

    @property
    def aria_describedby(self) -> str:
        return self.describedby()

    @property
    def invalid(self) -> bool:
        return bool(self.errors)


@dataclass
class BoundSection:
    title: str
    fields: list[BoundField]


class BoundForm(list):
    """The sections of a form ready for `forms/_form.html`; `summary` lists every error
    as (anchor id, text) for the error summary at the top (anchor "" for an error about
    the whole form)."""

    summary: list

    def __init__(self, sections, summary):
        super().__init__(sections)
        self.summary = summary

    @property
    def errors(self):
        return self.summary


def _input_text(value) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _quoted(words) -> str:
    return _("或").join(f"“{w}”" for w in words)


def _condition(definition: FormDefinition, f: Field) -> tuple[str, str, str]:
    """(words, controlling input name, values as its inputs post them)."""
    if f.show_if is None:
        return "", "", ""
    ctrl, values = f.show_if
    controller = definition.field(ctrl)
    if controller is None:
        return "", "", ""
    if controller.kind == K.BOOLEAN:
        posted = []
        names = []
        if condition_holds(values, True):
            posted.append("1")
            names.append(_("是"))
        if condition_holds(values, False):
            posted.append("0")
            names.append(_("否"))
    else:
        posted = list(values)
        names = [controller.choice_label(v) for v in values]
    text = _("仅当“%(label)s”选%(values)s时填写") % {
        "label": controller.label,
        "values": _quoted(names),
    }
    return text, ctrl, "|".join(posted)


def _errors_by_pointer(errors) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in errors or ():
        if isinstance(error, FieldError):
            found.setdefault(error.pointer, []).append(error.message)
    return found


def _take(found: dict, prefix: str, *, deep: bool = False) -> list[str]:
    """Messages at `prefix` (and, with deep, anywhere under it)."""
    messages = list(found.get(prefix, ()))
    if deep:
        for pointer, texts in found.items():
            if pointer.startswith(prefix + "/"):
                messages.extend(texts)
    return messages


def _bind(
    f: Field,
    value,
    found: dict,
    pointer: str,
    name: str,
    *,
    definition: FormDefinition | None = None,
    sources: dict | None = None,
    notes: dict | None = None,
    extra_rows: int = 0,
    in_row: bool = False,
) -> BoundField:
    bound = BoundField(field=f, name=name, id=f"f-{name}", value=value, in_row=in_row)
    if sources is not None:
        bound.source_label = source_label(sources.get(f.key))
        source = sources.get(f.key) or {}
        # An ID number the real-name identity gave is never retyped, and never shown whole
        # on a page (docs/security.md): the applicant sees it masked, as on every page.
        from_identity = f.kind == K.ID_NUMBER and source.get("kind") == "identity"
        bound.readonly = f.key in sources and (not f.editable or from_identity)
        if bound.readonly:
            text = text_value(f, value)
            bound.readonly_text = mask_id_number(text) if f.kind == K.ID_NUMBER else text
    if notes is not None and notes.get(f.key):
        bound.note = str(notes[f.key])
    if definition is not None:
        bound.condition_text, bound.show_if_name, bound.show_if_values = _condition(definition, f)

    kind = f.kind
    if kind == K.GROUP:
        bound.errors = _take(found, pointer)
        _bind_rows(bound, value, found, pointer, extra_rows)
        return bound
    if kind in (K.DATE_RANGE, K.ADDRESS):
        parts = ("start", "end") if kind == K.DATE_RANGE else ("area", "detail")
        value = value if isinstance(value, dict) else {}
        bound.parts = {p: _input_text(value.get(p)) for p in parts}
        bound.part_errors = {p: _take(found, f"{pointer}/{p}") for p in parts}
        bound.errors = _take(found, pointer) + [m for p in parts for m in bound.part_errors[p]]
        return bound
    bound.errors = _take(found, pointer, deep=True)
    if kind == K.MULTI_CHOICE:
        chosen = {str(v) for v in value} if isinstance(value, list | tuple) else set()
        bound.choices = [
            Choice(v, label, v in chosen, f"f-{name}-{n}") for n, (v, label) in enumerate(f.choices)
        ]
    elif kind == K.CHOICE:
        bound.choices = [
            Choice(v, label, v == value, f"f-{name}-{n}") for n, (v, label) in enumerate(f.choices)
        ]
    elif kind == K.BOOLEAN:
        bound.choices = [
            Choice("1", _("是"), value is True, f"f-{name}-1"),
            Choice("0", _("否"), value is False, f"f-{name}-0"),
        ]
    else:
        bound.text = _input_text(value)
    return bound


def _bind_rows(bound: BoundField, value, found: dict, pointer: str, extra_rows: int):
    f = bound.field
    rows = value if isinstance(value, list) else []
    limit = f.max_length
    blanks = 1 + max(extra_rows, 0)
    if limit:
        blanks = max(0, min(blanks, limit - len(rows)))
    out = []
    for n in range(len(rows) + blanks):
        row = rows[n] if n < len(rows) and isinstance(rows[n], dict) else {}
        prefix = f"{bound.name}-{n}"
        children = [
            _bind(
                c, row.get(c.key), found, f"{pointer}/{n}/{c.key}", f"{prefix}-{c.key}", in_row=True
            )
            for c in f.children
        ]
        out.append(
            BoundRow(
                index=n,
                number=n + 1,
                legend=row_legend(f.label, n + 1),
                fields=children,
                errors=_take(found, f"{pointer}/{n}"),
                blank=n >= len(rows),
                delete_name=f"{prefix}-DELETE",
            )
        )
    bound.rows = out
    bound.next_index = len(out)
    bound.can_add = not limit or len(out) < limit


def bound_fields(
    definition: FormDefinition,
    data,
    errors,
    sources,
    *,
    notes=None,
    extra_rows=None,
) -> BoundForm:
    """The context of `forms/_form.html`: per section, per field, everything its markup
    needs. `errors` are `validation.FieldError`s; `sources` is `Case.form_sources`
    ({key: {"kind", "label"}}: a prefilled value that is not `editable` is shown, not asked);
    `notes` is `Case.field_notes` ({key: what the window asked to correct}); `extra_rows`
    ({group key: n}) shows n more empty rows (after "添加一行" without JavaScript)."""
    data = data if isinstance(data, dict) else {}
    sources = sources if isinstance(sources, dict) else {}
    notes = notes if isinstance(notes, dict) else {}
    extra_rows = extra_rows or {}
    found = _errors_by_pointer(errors)
    sections = []
    summary = []
    for section in definition.sections:
        bound_section = []
        for f in section.fields:
            bound = _bind(
                f,
                data.get(f.key),
                found,
                "/" + f.key.replace("~", "~0").replace("/", "~1"),
                f.key,
                definition=definition,
                sources=sources,
                notes=notes,
                extra_rows=int(extra_rows.get(f.key, 0) or 0),
            )
            bound_section.append(bound)
            summary.extend(_summary_of(bound))
        sections.append(BoundSection(section.title, bound_section))
    # Errors about the form as a whole, or about keys it does not have.
    known = {f"/{f.key}" for f in definition.fields}
    for pointer, messages in found.items():
        top = "/" + pointer.split("/")[1] if pointer.count("/") else ""
        if top not in known:
            summary.extend(("", m) for m in messages)
    return BoundForm(sections, summary)


def _named(label: str, message: str) -> str:
    return (
        message
        if label in message
        else _("%(label)s：%(message)s")
        % {
            "label": label,
            "message": message,
        }
    )


def _summary_of(bound: BoundField):
    if bound.kind == K.GROUP:
        for message in bound.errors:
            yield bound.first_id, _named(bound.label, message)
        for row in bound.rows:
            for message in row.errors:
                anchor = row.fields[0].first_id if row.fields else bound.id
                yield anchor, _named(row.legend, message)
            for child in row.fields:
                for message in child.errors:
                    yield child.first_id, _named(row.legend, _named(child.label, message))
        return
    for message in bound.errors:
        yield bound.first_id, _named(bound.label, message)
