"""The one door for changing form rows and the data-element dictionary (docs/forms.md).

Rows travel as plain dicts in one shape (`ROW_KEYS`), whether they come from the
workbench editor or the exchange file: `field_rows` reads them, `replace_fields` checks every
rule and writes them, `copy_fields` copies them to a new version. The dictionary (code lists
and data elements) is imported and exported the same way. Nothing here imports `catalog`:
`catalog` calls down into `forms`, never the other way (docs/forms.md, "The pieces")."""

from django.db import transaction
from django.utils.translation import gettext as _

from . import definition, rules
from .models import CodeEntry, CodeList, DataElement, FormField
from .rules import Dictionary, FormRowsInvalid, Problem

__all__ = [
    "ROW_KEYS",
    "Dictionary",
    "FormRowsInvalid",
    "Problem",
    "code_list_rows",
    "copy_fields",
    "element_rows",
    "field_rows",
    "import_dictionary",
    "replace_fields",
    "row_of",
]

ROW_KEYS = rules.ROW_KEYS
# Statuses of catalog.ItemVersion whose rows are history (docs/forms.md: a published
# version's rows are never edited). Spelled here so forms need not import catalog.
_FROZEN = {"published", "retired"}


# --- form rows ---------------------------------------------------------------------------


def row_of(field: FormField) -> dict:
    """One stored row in the shared dict shape (element and code list by code)."""
    return {
        "seq": field.seq,
        "section": field.section,
        "key": field.key,
        "element": field.element.code if field.element_id else "",
        "label": field.label,
        "kind": field.kind,
        "code_list": field.code_list.code if field.code_list_id else "",
        "required": field.required,
        "help_text": field.help_text,
        "show_if": field.show_if,
        "default": field.default,
        "prefill": list(field.prefill),
        "no_prefill": field.no_prefill,
        "editable": field.editable,
        "max_length": field.max_length,
        "min_value": field.min_value,
        "max_value": field.max_value,
    }


def field_rows(version) -> list[dict]:
    """The version's form rows in `seq` order."""
    fields = FormField.objects.filter(version=version).select_related("element", "code_list")
    return [row_of(f) for f in fields.order_by("seq")]


def copy_fields(source_version, target_version) -> int:
    """Copy every row of one version to another (a new draft starts as a full copy)."""
    copies = [
        FormField(
            **{
                f.attname: getattr(field, f.attname)
                for f in FormField._meta.concrete_fields
                if f.attname not in {"id", "version_id"}
            },
            version=target_version,
        )
        for field in FormField.objects.filter(version=source_version)
    ]
    FormField.objects.bulk_create(copies)
    return len(copies)


@transaction.atomic
def replace_fields(
    version_id, *, rows: list[dict], by=None, dictionary: Dictionary | None = None
) -> list[FormField]:
    """The version's form exactly as `rows` say, or nothing at all.

    Every row is checked against the dictionary (see `rules.row_problems`); any problem
    raises `FormRowsInvalid`, a ValidationError whose messages name the row, and writes
    nothing. The caller decides who may edit which version (catalog.services.replace_form);
    a published or retired version is refused here too, because a case pins its rows.
    `dictionary` saves reading the stored one again when many forms are written at once."""
    version_model = FormField._meta.get_field("version").related_model
    version = version_model.objects.select_for_update().get(pk=version_id)
    if version.status in _FROZEN:
        raise FormRowsInvalid(
            [Problem(None, "", _("已发布或已停用的版本不能修改申请表，请先新建草稿。"))]
        )
    dictionary = dictionary or Dictionary.stored()
    rows = [rules.complete(row) for row in rows]
    problems = rules.row_problems(rows, dictionary)
    if problems:
        raise FormRowsInvalid(problems, rows)
    FormField.objects.filter(version=version).delete()
    created = FormField.objects.bulk_create([_field(version, row, dictionary) for row in rows])
    if by is not None:
        from yiwang.audit import services as audit

        audit.record(
            by,
            "forms.fields_replaced",
            version,
            summary={"keys": [row["key"] for row in rows]},
        )
    return created


def _field(version, row: dict, dictionary: Dictionary) -> FormField:
    return FormField(
        version=version,
        seq=row["seq"],
        section=row["section"],
        key=row["key"],
        element=dictionary.elements[row["element"]] if row["element"] else None,
        label=row["label"],
        kind=row["kind"],
        code_list=dictionary.lists[row["code_list"]] if row["code_list"] else None,
        required=row["required"],
        help_text=row["help_text"],
        show_if=row["show_if"],
        default=row["default"],
        prefill=list(row["prefill"]),
        no_prefill=row["no_prefill"],
        editable=row["editable"],
        max_length=row["max_length"],
        min_value=row["min_value"],
        max_value=row["max_value"],
    )


# --- the dictionary ----------------------------------------------------------------------

ELEMENT_KEYS = rules.ELEMENT_KEYS
CODE_ENTRY_KEYS = rules.CODE_ENTRY_KEYS


def element_rows() -> list[dict]:
    """Every data element in the shared dict shape, by code."""
    return [
        {
            "code": e.code,
            "name": e.name,
            "name_en": e.name_en,
            "kind": e.kind,
            "max_length": e.max_length,
            "pattern": e.pattern,
            "min_value": e.min_value,
            "max_value": e.max_value,
            "decimal_places": e.decimal_places,
            "unit": e.unit,
            "code_list": e.code_list.code if e.code_list_id else "",
            "mask": e.mask,
            "sources": list(e.sources),
            "children": list(e.children),
            "help_text": e.help_text,
        }
        for e in DataElement.objects.select_related("code_list").order_by("code")
    ]


def code_list_rows() -> list[dict]:
    """One row per active entry of every code list, lists by code, entries in order."""
    entries = CodeEntry.objects.filter(active=True).select_related("code_list")
    return [
        {
            "list_code": e.code_list.code,
            "list_name": e.code_list.name,
            "list_name_en": e.code_list.name_en,
            "value": e.value,
            "label": e.label,
            "label_en": e.label_en,
            "position": e.position,
        }
        for e in entries.order_by("code_list__code", "position", "value")
    ]


@transaction.atomic
def import_dictionary(element_rows: list[dict], code_list_rows: list[dict]) -> dict[str, int]:
    """Code lists, then elements, as the rows say; returns how many of each changed.

    A list named in the rows gets exactly those entries: entries no longer listed are
    switched off rather than deleted, so values already stored in cases keep their names.
    Elements and lists not named are left alone (form rows of old versions use them)."""
    lists_in_rows = {r["list_code"] for r in code_list_rows}
    dictionary = Dictionary.stored().with_rows(element_rows, code_list_rows)
    problems = rules.dictionary_problems(element_rows, code_list_rows, dictionary)
    if problems:
        raise FormRowsInvalid(problems, {"elements": element_rows, "code_lists": code_list_rows})
    summary = {
        "code_lists": _import_code_lists(code_list_rows, lists_in_rows),
        "elements": _import_elements(element_rows),
    }
    if any(summary.values()):
        # New rows are inserted in bulk, which sends no post_save: say it once for all.
        definition.dictionary_changed()
    return summary


def _changed(obj, values: dict) -> bool:
    """Set `values` on a stored object and save it if any differs (post_save is sent)."""
    if all(getattr(obj, k) == v for k, v in values.items()):
        return False
    for key, value in values.items():
        setattr(obj, key, value)
    obj.save()
    return True


def _import_code_lists(rows, codes) -> int:
    changed = set()
    lists = {c.code: c for c in CodeList.objects.filter(code__in=codes)}
    new_lists = {}
    for row in rows:
        values = {"name": row["list_name"], "name_en": row["list_name_en"]}
        code = row["list_code"]
        if code in lists:
            if _changed(lists[code], values):
                changed.add(code)
        elif code not in new_lists:
            new_lists[code] = CodeList(code=code, **values)
    if new_lists:
        CodeList.objects.bulk_create(new_lists.values())
        lists.update({c.code: c for c in CodeList.objects.filter(code__in=new_lists)})
        changed.update(new_lists)
    stored = {
        (e.code_list_id, e.value): e for e in CodeEntry.objects.filter(code_list__code__in=codes)
    }
    seen, new_entries = set(), []
    for row in rows:
        code_list = lists[row["list_code"]]
        values = {
            "label": row["label"],
            "label_en": row["label_en"],
            "position": row["position"],
            "active": True,
        }
        key = (code_list.pk, row["value"])
        seen.add(key)
        if key not in stored:
            new_entries.append(CodeEntry(code_list=code_list, value=row["value"], **values))
            changed.add(code_list.code)
        elif _changed(stored[key], values):
            changed.add(code_list.code)
    CodeEntry.objects.bulk_create(new_entries)
    code_of = {c.pk: c.code for c in lists.values()}
    for key, entry in stored.items():
        if key not in seen and _changed(entry, {"active": False}):
            changed.add(code_of[entry.code_list_id])
    return len(changed)


def _import_elements(rows) -> int:
    lists = {c.code: c.pk for c in CodeList.objects.all()}
    stored = {e.code: e for e in DataElement.objects.all()}
    changed, new = 0, []
    for row in rows:
        values = {k: row[k] for k in ELEMENT_KEYS if k not in {"code", "code_list"}}
        values["code_list_id"] = lists[row["code_list"]] if row["code_list"] else None
        current = stored.get(row["code"])
        if current is None:
            new.append(DataElement(code=row["code"], **values))
        elif _changed(current, values):
            changed += 1
    DataElement.objects.bulk_create(new)
    return changed + len(new)
