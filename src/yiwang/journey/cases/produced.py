"""Materials a bundle's earlier item produces (由本一件事前序事项产生): the 个体工商户营业执照
that 个体工商户设立登记 issues is a material of 食品经营许可 and the other later items. At
bundle start such a material is marked FROM_EARLIER_ITEM with `produced_by` naming the
earlier child case; when that case concludes approved and its licence is drafted, the
material is linked to the licence, so the staff of the later stages see it among the
materials (docs/forms.md, "Bundles"; docs/licenses.md, "Issue from a case").

Only the workflow calls `earlier_item_concluded`, inside the conclusion's transaction with
the journey locked."""

from django.utils.translation import gettext as _

from yiwang.audit import services as audit

from .models import CaseMaterial

NOTE_MAX = CaseMaterial._meta.get_field("note").max_length


def note_for(case, licence) -> str:
    return _("由本一件事前序事项《%(item)s》产生：%(type)s（%(number)s）") % {
        "item": case.title,
        "type": licence.license_type.name,
        "number": licence.number,
    }


def earlier_item_concluded(case, licence, *, by=None) -> list[CaseMaterial]:
    """Link every material `case` produces to its drafted `licence`, with a note naming the
    item, a timeline entry on the case holding the materials and an audit record. Safe to
    call twice: a material already linked to this licence is left alone. Returns the
    materials linked now."""
    if licence is None:
        return []
    materials = list(
        CaseMaterial.objects.select_for_update()
        .filter(produced_by=case, state=CaseMaterial.State.FROM_EARLIER_ITEM)
        .exclude(license=licence)
        .select_related("case")
        .order_by("case_id", "position")
    )
    if not materials:
        return []
    note = note_for(case, licence)[:NOTE_MAX]
    for material in materials:
        material.license, material.note = licence, note
    CaseMaterial.objects.bulk_update(materials, ["license", "note"])

    from . import services as cases  # services imports this module's neighbours

    holders = {}
    for material in materials:
        holders.setdefault(material.case_id, (material.case, []))[1].append(material.name)
    for holder, names in holders.values():
        cases.record_event(
            holder,
            by=by,
            action="material_produced",
            note=_("《%(item)s》已办结，%(type)s（%(number)s）作为后续事项的材料：%(names)s")
            % {
                "item": case.title,
                "type": licence.license_type.name,
                "number": licence.number,
                "names": "、".join(names),
            },
        )
        audit.record(
            by if by is not None else "cases.produced",
            "case.material_from_earlier_item",
            holder,
            org_path=holder.place_path,
            summary={
                "item_case": case.pk,
                "license": licence.number,
                "materials": names,
            },
        )
    return materials
