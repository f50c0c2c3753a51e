"""A case's filled form as pages show it, section by section (forms.display), to its
applicant and to the staff handling it.

Everyone who may see the case reads what they need to handle it — names, telephone
numbers and addresses, as the intake and task pages always showed them — but an identity
number stays masked on every page, the applicant's own included, as the applicant's card
always was: its full form is a separate, audited reveal (identity.services.reveal_id_number).
"""

from dataclasses import dataclass

from yiwang.forms.definition import visible_keys
from yiwang.forms.display import display_sections
from yiwang.forms.models import ElementKind, Mask

from . import filling


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    text: object  # a string, or a list of row texts for a group
    source: str
    note: str  # what the window asked to correct (一次性告知)

    @property
    def is_rows(self) -> bool:
        return isinstance(self.text, list)


def id_masked(field) -> bool:
    if field.kind == ElementKind.ID_NUMBER or field.mask == Mask.ID_NUMBER:
        return True
    return any(id_masked(child) for child in field.children)


def sections(case, *, viewer, definition=None) -> list[tuple[str, list[Row]]]:
    """[(section title, [Row])] of the fields the applicant's answers ask, as `viewer` (the
    applicant or staff who may see the case) reads them."""
    definition = definition or filling.definition_of(case)
    data, sources = case.form_data or {}, case.form_sources or {}
    notes = case.field_notes or {}
    shown = display_sections(definition, data, sources=sources, reveal=True)
    masked = display_sections(definition, data, sources=sources, reveal=False)
    visible = visible_keys(definition, data)
    fields = [f for s in definition.sections for f in s.fields if f.key in visible]
    out, n = [], 0
    for (title, rows), (_title, masked_rows) in zip(shown, masked, strict=True):
        section = []
        for (label, text, source), (_label, hidden, _source) in zip(rows, masked_rows, strict=True):
            field = fields[n]
            n += 1
            if id_masked(field):
                text = hidden
            section.append(Row(field.key, label, text, source, notes.get(field.key, "")))
        out.append((title, section))
    return out
