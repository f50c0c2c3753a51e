"""The demo's applicants fill in their forms: what prefill left open gets a plausible value
(forms.samples), as a person would type it, through the same service as the pages. The
tests of other apps use it too, to file a case whose form is complete."""

import random

from yiwang.forms.models import ElementKind
from yiwang.forms.samples import sample_value
from yiwang.journey.cases import filling
from yiwang.journey.cases import services as cases


def fill_in(case, by, *, seed: int = 0, address: str = "", statement: str = "", **values) -> list:
    """Fill every field of the case's form that is still empty; `address` is the street
    address of each address field, `statement` the applicant's 申请说明, `values` any
    field by key. Returns what was refused (forms.validation.FieldError), normally nothing."""
    case.refresh_from_db(fields=["form_data", "form_sources", "field_notes"])
    definition = filling.definition_of(case)
    rng = random.Random(seed)  # noqa: S311 - sample data, reproducible by seed
    data = {}
    for field in definition.fields:
        if field.key in case.form_data:
            continue
        if field.kind == ElementKind.ADDRESS and address:
            data[field.key] = {"area": "", "detail": address}
            continue
        value = sample_value(rng, field)
        if value is not None:
            data[field.key] = value
    if statement and definition.field("statement") is not None:
        data["statement"] = statement
    data.update({key: value for key, value in values.items() if definition.field(key)})
    return cases.save_form(case.pk, by=by, data=data)
