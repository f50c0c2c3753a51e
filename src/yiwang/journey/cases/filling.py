"""A case's application form (申请表): which definition it is filled against, what a new
draft starts with, and what a save may change (docs/forms.md). cases.services holds the
locks and writes; this module decides.

A case pins its item version and with it the form; a bundle's parent holds the merged form
(一表申请) and each child the part its own item asks, under that item's own keys."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from yiwang.catalog import selectors as catalog_selectors
from yiwang.core import limits
from yiwang.forms import definition as forms
from yiwang.forms import validation
from yiwang.forms.display import source_label
from yiwang.forms.validation import FieldError

from . import prefill
from .models import Case


def children_of(case: Case) -> list[Case]:
    """A bundle parent's child cases in bundle order, with their item versions."""
    cached = getattr(case, "_prefetched_objects_cache", {}).get("children")
    if cached is not None and all("item_version" in c._state.fields_cache for c in cached):
        return list(cached)
    return list(
        case.children.select_related(
            "item_version__item", "item_version__result_license_type"
        ).order_by("pk")
    )


def definition_of(case: Case, children: list[Case] | None = None):
    """The form the case is filled against: its item version's, or for a bundle's parent
    the merged form of its children's versions."""
    if case.is_bundle:
        children = children_of(case) if children is None else children
        # The main items run first, one after another (一件事, docs/cases.md), so what their
        # licences say is not asked again by the items after them — unless an enterprise
        # applies, whose own particulars (credit code, name) are already known.
        main = frozenset() if case.enterprise_id else catalog_selectors.main_items(case.bundle_id)
        ordered = sorted(children, key=lambda c: (c.item_version.item_id not in main, c.pk))
        return forms.for_versions(
            [c.item_version for c in ordered],
            title=case.title,
            sequential=sum(c.item_version.item_id in main for c in ordered),
        )
    return forms.for_version(case.item_version)


def pointer(key: str) -> str:
    """RFC 6901: "~" and "/" in a key are escaped."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


# --- a new draft ----------------------------------------------------------------------------


def start(case: Case, definition) -> None:
    """Defaults, then what the platform already knows (prefill), with its sources."""
    found = prefill.prefill_for(
        definition, user=case.applicant, enterprise=case.enterprise, case=case
    )
    values = forms.defaults(definition)
    applicant_type = getattr(forms, "APPLICANT_TYPE", None)
    if applicant_type and definition.field(applicant_type) is not None:
        # A form for people and enterprises alike: as whom the applicant chose to apply.
        values[applicant_type] = forms.ENTERPRISE if case.enterprise_id else forms.PERSON
    case.form_data = {**values, **{key: value.value for key, value in found.items()}}
    case.form_sources = prefill.sources_of(found)


def parts(parent: Case, definition, children: list[Case]) -> None:
    """Each child case gets the part of the parent's form its own item asks."""
    for child in children:
        keys = forms.child_keys(definition, child.item_version)
        child.form_data = {
            own: parent.form_data[key] for key, own in keys.items() if key in parent.form_data
        }
        child.form_sources = {
            own: parent.form_sources[key] for key, own in keys.items() if key in parent.form_sources
        }


# --- a save ---------------------------------------------------------------------------------


@dataclass
class Change:
    """What a save does: the new form, its sources and notes, and what was refused."""

    data: dict
    sources: dict
    notes: dict
    changed: set = field(default_factory=set)
    errors: list = field(default_factory=list)


def _error(key: str, message: str, code: str) -> FieldError:
    return FieldError(pointer(key), key, message, code)


def _unknown(data: dict, definition) -> list[FieldError]:
    return [
        _error(str(key), _("申请表没有“%(key)s”这一项。") % {"key": str(key)[:40]}, "unknown_field")
        for key in data
        if definition.field(key) is None
    ]


def _control_chars(data: dict, definition) -> list[FieldError]:
    """Invisible control characters, in a value of any field (a hidden one's too)."""
    return [
        _error(
            key,
            limits.control_chars_error(definition.field(key).label).messages[0],
            "control_chars",
        )
        for key, value in data.items()
        if definition.field(key) is not None and limits.control_chars_in(value)
    ]


def _locked(case: Case, definition, proposed: dict, keys) -> list[FieldError]:
    """Changes to a prefilled value the item does not let the applicant change."""
    errors = []
    for key in keys:
        found = definition.field(key)
        if found.editable or key not in case.form_sources:
            continue
        if proposed.get(key) != case.form_data.get(key):
            errors.append(
                _error(
                    key,
                    _("“%(label)s”%(source)s，不能修改。")
                    % {"label": found.label, "source": source_label(case.form_sources[key])},
                    "not_editable",
                )
            )
    return errors


def _tidied(definition, stored: dict, wanted: dict) -> dict:
    """`stored` with `wanted` saved over it, each asked value tidied as the form stores it
    (forms.validation.clean); an emptied value clears its field. A value of a field the
    answers hide is kept as typed, unchecked, until submit drops it."""
    merged = {k: v for k, v in {**stored, **wanted}.items() if v is not None}
    tidy = validation.clean(definition, merged)
    shown = forms.visible_keys(definition, merged)
    result = dict(stored)
    for key, value in wanted.items():
        if key in shown:
            value = tidy.get(key)
        if value is None or value == "":
            result.pop(key, None)
        else:
            result[key] = value
    return result


def change(case: Case, definition, data, *, keep_valid: bool, confirmed=()) -> Change:
    """The form after saving `data` (a value of None clears a field) over what is stored.
    Each value is checked by the form's rules (required ones only at submit). With
    `keep_valid`, valid values are saved and the others reported (autosave); otherwise one
    refused value refuses the whole save. `confirmed` keys answer a window's note (一次性
    告知) without a change; a changed value answers it too."""
    unchanged = Change(case.form_data, case.form_sources, case.field_notes)
    if not isinstance(data, dict):
        unchanged.errors = [_error("", _("申请表须为“字段: 值”的对象。"), "form_not_object")]
        return unchanged
    refused = _unknown(data, definition) + _control_chars(data, definition)
    wanted = {k: v for k, v in data.items() if k not in {e.key for e in refused}}
    proposed = _tidied(definition, case.form_data, wanted)
    refused += _locked(case, definition, proposed, wanted)
    found = [
        e
        for e in validation.validate(definition, proposed, partial=True)
        if e.key in wanted or not e.key  # not the stored values' old problems
    ]
    errors = refused + found
    whole = [e for e in found if not e.key]  # too big, too many keys: nothing can be kept
    if whole or (errors and not keep_valid):
        unchanged.errors = errors
        return unchanged
    bad = {e.key for e in errors}
    if bad & set(wanted):
        kept = {k: v for k, v in wanted.items() if k not in bad}
        proposed = _tidied(definition, case.form_data, kept)
    stored = case.form_data
    changed = {k for k in set(proposed) | set(stored) if proposed.get(k) != stored.get(k)}
    # A value the applicant changed no longer comes from where it was prefilled.
    sources = {k: v for k, v in case.form_sources.items() if k not in changed}
    answered = changed | (set(confirmed) & definition.keys)
    notes = {k: v for k, v in case.field_notes.items() if k not in answered}
    return Change(proposed, sources, notes, changed=changed, errors=errors)


# --- submit ---------------------------------------------------------------------------------


def problems(case: Case, definition) -> list[FieldError]:
    """Everything the full form still needs, field by field (required ones included)."""
    return validation.validate(definition, case.form_data or {})


def cleaned(case: Case, definition) -> dict:
    """The form as filed: hidden fields' values dropped, values in their stored form."""
    return validation.clean(definition, case.form_data or {})


def label_of(definition, key: str) -> str:
    found = definition.field(key)
    return str(found.label) if found else key


def sentence(definition, error) -> str:
    """A problem in words that name its field (most messages do already)."""
    message = str(error.message)
    label = label_of(definition, error.key) if error.key else ""
    parts = error.pointer.split("/")
    if label and len(parts) > 2 and parts[2].isdigit():  # /food_staff/0/staff_name
        label = _("%(label)s第%(n)d行") % {"label": label, "n": int(parts[2]) + 1}
    elif not label or label in message:
        return message
    return _("%(label)s：%(message)s") % {"label": label, "message": message}


def sentences(definition, errors) -> str:
    return " ".join(sentence(definition, e) for e in errors)
