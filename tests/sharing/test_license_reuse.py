"""电子证照库 reuse in applications (issue 6, part 4): a material whose source is the
library is satisfied by the applicant's valid licence of the linked type — nothing uploaded,
the case records exactly which licence, the clerk and the approver see it as A-level trust
material — and an expired or revoked licence is not used, with the reason told."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.sharing.conftest import household_register, id_card, upload_the_rest, version
from yiwang.journey.cases import services
from yiwang.journey.cases.models import CaseFile, CaseMaterial, Status
from yiwang.journey.workflow.models import ApprovalTask
from yiwang.licenses import services as licenses

A_LEVEL = "A级（电子证照，国办函〔2016〕108号）"


def test_citizen_applies_with_nothing_uploaded_for_id_card_and_household_register(
    submitted_case, licensed, people
):
    taken = {m.name: m for m in submitted_case.materials.filter(state="from_license")}
    assert set(taken) == {"居民身份证", "居民户口簿"}
    assert taken["居民身份证"].license == licensed["id_card"]  # exactly which licence
    assert taken["居民户口簿"].license == licensed["hkb"]
    assert not CaseFile.objects.filter(material__in=taken.values()).exists()
    assert submitted_case.status == Status.SUBMITTED

    services.accept(submitted_case.pk, by=people["street-clerk"])  # counts as provided
    submitted_case.refresh_from_db()
    assert submitted_case.status == Status.IN_REVIEW and not submitted_case.tolerated


def test_applicant_pages_say_taken_from_the_library_instead_of_an_upload_box(
    client, people, licensed
):
    citizen = people["citizen"]
    case = services.start_case(version().pk, by=citizen)
    client.force_login(citizen)
    page = client.get(f"/my/cases/{case.pk}/materials/").content.decode()
    card = case.materials.get(name="居民身份证")
    assert "已从电子证照库调取：居民身份证" in page and "已从电子证照库调取：居民户口簿" in page
    assert "SFZ-" in page and licensed["id_card"].number not in page  # masked
    assert f'id="files-{card.pk}"' not in page  # no upload box for it
    assert "电子证照库调取将在后续版本开通" not in page
    upload_the_rest(case, citizen)
    review = client.get(f"/my/cases/{case.pk}/review/").content.decode()
    assert "已从电子证照库调取：居民身份证" in review


def test_clerk_and_approver_see_the_licence_as_a_level_with_a_link_to_verify(
    client, accepted_case, people, licensed
):
    client.force_login(people["street-clerk"])
    page = client.get(f"/workbench/intake/{accepted_case.pk}/").content.decode()
    assert A_LEVEL in page
    assert f"/v/{licensed['id_card'].payload}" in page

    task = ApprovalTask.objects.filter(case=accepted_case, status__in=["pending", "active"]).get()
    client.force_login(people["head-wjw"])
    page = client.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert A_LEVEL in page and f"/v/{licensed['hkb'].payload}" in page


def test_an_expired_licence_is_not_used_and_the_applicant_is_told_why(people):
    citizen = people["citizen"]
    id_card(citizen, issued_on=datetime.date(2005, 1, 1), valid_until=datetime.date(2025, 1, 1))
    household_register(citizen)
    case = services.start_case(version().pk, by=citizen)
    card = case.materials.get(name="居民身份证")
    assert card.state == CaseMaterial.State.MISSING and card.license is None
    assert card.note == "您的居民身份证电子证照已过期，请上传"
    with pytest.raises(ValidationError, match="已过期"):
        services.submit(case.pk, by=citizen)


def test_a_licence_revoked_after_the_draft_is_caught_at_submit(people, licensed):
    citizen = people["citizen"]
    case = services.start_case(version().pk, by=citizen)
    upload_the_rest(case, citizen)
    licenses.revoke(licensed["hkb"].pk, by="test", reason="户口迁出")
    with pytest.raises(ValidationError, match="居民户口簿.*已注销"):
        services.submit(case.pk, by=citizen)
    register = case.materials.get(name="居民户口簿")
    assert register.state == CaseMaterial.State.MISSING and register.license is None
    assert register.note == "您的居民户口簿电子证照已注销，请上传"


def test_an_upload_replaces_the_library_licence(people, licensed):
    from django.core.files.uploadedfile import SimpleUploadedFile

    citizen = people["citizen"]
    case = services.start_case(version().pk, by=citizen)
    card = case.materials.get(name="居民身份证")
    scan = SimpleUploadedFile("card.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    stored = services.attach_file(card.pk, by=citizen, uploaded=scan)
    card.refresh_from_db()
    assert card.state == CaseMaterial.State.UPLOADED and card.license is None
    services.remove_file(stored.pk, by=citizen)
    card.refresh_from_db()  # back to the library's licence
    assert card.state == CaseMaterial.State.FROM_LICENSE and card.license == licensed["id_card"]


def test_the_api_shows_the_licence_masked_with_its_verify_url(api, people, licensed):
    citizen = people["citizen"]
    case = services.start_case(version().pk, by=citizen)
    api.force_authenticate(citizen)
    body = api.get(f"/api/v1/cases/{case.pk}").json()
    card = next(m for m in body["materials"] if m["name"] == "居民身份证")
    assert card["state"] == "from_license"
    assert card["license"]["type_code"] == "L-SFZ" and card["license"]["trust_level"] == "A"
    assert licensed["id_card"].number not in card["license"]["number_masked"]
    assert card["license"]["verify_url"].endswith(f"/v/{licensed['id_card'].payload}")
    form = next(m for m in body["materials"] if m["name"] == "生育登记申请表")
    assert form["state"] == "missing" and form["license"] is None
