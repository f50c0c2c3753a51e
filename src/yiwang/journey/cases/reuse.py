"""Materials taken from the e-licence library (电子证照库) instead of uploaded: "电子证照库里
已有的材料就不需要申请人再次提交". A material whose requirement's source is 电子证照库 is
satisfied by the holder's valid licence of the linked type — the applicant's own for a
person's licence, the case's enterprise's for an enterprise's — and the material records
exactly which licence. An expired, revoked or replaced licence is not used: the material
stays an upload and its note tells the applicant why.

Only cases.services calls `apply` (at draft start and again at submit); pages and the API
read `license_view`."""

from django.urls import reverse
from django.utils.translation import gettext as _

from yiwang.catalog.models import LicenseType, MaterialSource

from . import transitions

# 国办函〔2016〕108号《“互联网+政务服务”技术体系建设指南》: an electronic licence from the
# library is A-level (highest) trust material and may be used as the original.
TRUST_LEVEL_A = "A"


def library_types(material) -> list:
    """The licence types the material's library-sourced requirements link to, in order: a
    material asked once for several items (or standing in for another type, 营业执照 and
    个体工商户营业执照) may be answered by a licence of any of them."""
    found = []
    for requirement in material.requirements.all():
        if requirement.source == MaterialSource.LICENSE_LIBRARY and requirement.license_type_id:
            if requirement.license_type not in found:
                found.append(requirement.license_type)
    return found


def _holder(case, license_type):
    if license_type.holder_kind == LicenseType.HolderKind.ENTERPRISE:
        return case.enterprise  # None when a person applies: nothing to take
    return case.applicant


def _why_not(license_type, reason: str, *, enterprise: bool) -> str:
    whose = _("贵单位的") if enterprise else _("您的")
    words = {
        "expired": _("%(whose)s%(type)s电子证照已过期，请上传"),
        "revoked": _("%(whose)s%(type)s电子证照已注销，请上传"),
        "replaced": _("%(whose)s%(type)s电子证照已被换发，新证尚未入库，请上传"),
        "none": _("电子证照库中没有%(whose)s%(type)s，请上传"),
    }
    return words.get(reason, words["none"]) % {"whose": whose, "type": license_type.name}


def apply(material, case, today=None) -> bool:
    """Take the material from the library when the holder has a valid licence, or fall back
    to an upload with the reason in the note. Returns whether the material changed; the
    caller saves it. Files already uploaded are the applicant's choice and win."""
    from yiwang.licenses import services as licenses  # licenses imports cases' models

    types = library_types(material)
    if not types:
        return False
    from_library = material.state == material.State.FROM_LICENSE
    if material.state not in (material.State.MISSING, material.State.FROM_LICENSE):
        return False
    license_type, holder, found = types[0], _holder(case, types[0]), None
    for candidate in types:
        owner = _holder(case, candidate)
        if owner is None:
            continue
        available = licenses.valid_for(owner, candidate, today)
        if available or found is None:
            license_type, holder, found = candidate, owner, available
        if available:
            break
    if holder is None or found is None:
        found = None
        note = ""
    else:
        # Nothing in the library for an optional material is not worth a sentence.
        quiet = found or (found.reason == "none" and not material.required)
        note = (
            ""
            if quiet
            else _why_not(
                license_type,
                found.reason,
                enterprise=license_type.holder_kind == LicenseType.HolderKind.ENTERPRISE,
            )
        )
    if found:
        changed = not from_library or material.license_id != found.license.pk
        transitions.MATERIAL.move(material, material.State.FROM_LICENSE)
        material.license, material.note = found.license, ""
        return changed
    if from_library or note != material.note:
        if from_library:
            transitions.MATERIAL.move(material, material.State.MISSING)
        material.license, material.note = None, note
        return True
    return False


def mask_license_number(number: str) -> str:
    """SFZ-*******0101: enough to match the holder's own card, not to copy it."""
    number = number or ""
    if len(number) <= 8:
        return number[:2] + "*" * max(len(number) - 4, 0) + number[-2:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def license_view(licence) -> dict | None:
    """What pages and the API show of a material's licence: masked number, type, trust level
    and the public verification link."""
    if licence is None:
        return None
    from yiwang.licenses import services as licenses

    return {
        "number_masked": mask_license_number(licence.number),
        "type_code": licence.license_type.code,
        "type_name": licence.license_type.name,
        "issuer": licence.issuer.name,
        "valid_until": licence.valid_until,
        "trust_level": TRUST_LEVEL_A,
        "verify_path": reverse("license_verify", args=[licence.payload]) if licence.payload else "",
        "verify_url": licenses.verification_url(licence) if licence.payload else "",
    }
