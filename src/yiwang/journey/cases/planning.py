"""Which documents a journey asks, each once (docs/forms.md, "Bundles").

A bundle's items ask many of the same documents. One row is made per document: the same
name, or the same licence type — where a type another item asks stands in for it
(`LicenseType.satisfies`: a 个体工商户营业执照 is a 营业执照), the two are one document.
Two kinds of document are never asked of the applicant:

- a licence an earlier main item of the same bundle produces (its result licence type, or
  a type that result stands in for): the later items use that result (FROM_EARLIER_ITEM,
  marked satisfied when the earlier item concludes);
- the application form itself (source 在线填报): the online form is it (FROM_FORM).

Pure: reads the versions' requirements (and their licence types) and returns the plan;
cases.services writes it."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from yiwang.catalog.models import ItemVersion, MaterialSource, Necessity

from .models import CaseMaterial


@dataclass
class Planned:
    name: str
    requirements: list = field(default_factory=list)
    # The index (in `versions`) of the item asking each requirement, aligned with it.
    askers: list[int] = field(default_factory=list)
    required: bool = True
    tolerable: bool = False
    state: str = CaseMaterial.State.MISSING
    note: str = ""
    # The earlier main item whose result this document is (FROM_EARLIER_ITEM).
    produced_by: ItemVersion | None = None


def _type_code(requirement) -> str:
    return requirement.license_type.code if requirement.license_type_id else ""


def _canonical(codes: set[str], types: dict) -> dict[str, str]:
    """Each asked licence type → the asked type that stands in for it (or itself)."""
    result = {}
    for code in codes:
        result[code] = next(
            (
                other
                for other in sorted(codes)
                if other != code and code in (types[other].satisfies or [])
            ),
            code,
        )
    return result


def produces(result_type, wanted_type) -> bool:
    """Whether a licence of `result_type` answers a requirement for `wanted_type`."""
    if result_type is None or wanted_type is None:
        return False
    return result_type.code == wanted_type.code or wanted_type.code in (result_type.satisfies or [])


def _producer(index: int, requirement, mains: list[tuple[int, ItemVersion]]):
    """The first main item before the asking one whose result answers the requirement."""
    if requirement.source == MaterialSource.ONLINE_FORM or not requirement.license_type_id:
        return None
    for position, version in mains:
        if position < index and produces(version.result_license_type, requirement.license_type):
            return version
    return None


def plan(versions: list[ItemVersion], *, mains: list[ItemVersion] = ()) -> list[Planned]:
    """The documents of these item versions (in order), each once. `mains` are the bundle's
    main items (they run one after another, before the parallel ones)."""
    requirements = [(i, r) for i, version in enumerate(versions) for r in version.materials.all()]
    types = {r.license_type.code: r.license_type for _i, r in requirements if r.license_type_id}
    canonical = _canonical(set(types), types)
    groups: list[Planned] = []
    by_key: dict[tuple[str, str], Planned] = {}
    for index, requirement in requirements:
        keys = [("name", requirement.name)]
        if requirement.license_type_id:
            keys.append(("type", canonical[_type_code(requirement)]))
        group = next((by_key[k] for k in keys if k in by_key), None)
        if group is None:
            group = Planned(name=requirement.name)
            groups.append(group)
        group.requirements.append(requirement)
        group.askers.append(index)
        for key in keys:
            by_key.setdefault(key, group)
    for group in groups:
        # Named after the licence that stands in for the others (个体工商户营业执照, not 营业执照).
        types = {_type_code(r) for r in group.requirements if r.license_type_id}
        standing = {canonical[t] for t in types}
        named = [r.name for r in group.requirements if _type_code(r) in standing]
        if named:
            group.name = named[0]
    positions = {v.pk: i for i, v in enumerate(versions)}
    ordered_mains = [(positions[m.pk], m) for m in mains if m.pk in positions]
    for group in groups:
        _decide(group, ordered_mains)
    return groups


def _decide(group: Planned, mains) -> None:
    requirements = group.requirements
    group.required = any(r.necessity != Necessity.OPTIONAL for r in requirements)
    group.tolerable = all(r.necessity != Necessity.REQUIRED for r in requirements)
    producers = [_producer(i, r, mains) for i, r in zip(group.askers, requirements, strict=True)]
    if all(producers):
        group.state = CaseMaterial.State.FROM_EARLIER_ITEM
        group.produced_by = producers[0]
        group.note = _("由本一件事的“%(item)s”办结后产生，不需要提交。") % {
            "item": producers[0].name
        }
    elif all(r.source == MaterialSource.ONLINE_FORM for r in requirements):
        group.state = CaseMaterial.State.FROM_FORM
        group.note = _("在线填写的申请表就是这份材料，不需要另外提交。")
    elif all(r.source == MaterialSource.DATA_SHARING for r in requirements):
        # Shared base data is fetched by the department, so the applicant owes nothing.
        group.required = False
        group.note = _("由部门通过数据共享获取")
