"""Applying and intake through the API, with tokens as a mobile app would (issue: cases API)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.demo.forms import fill_in
from yiwang.journey.cases.models import Case, CaseFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ITEM = (
    "SCJ-XK-0012"  # 食品小作坊登记: at the district centre, where `clerk` works; a generated form
)


def pdf(name="scan.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def citizen(demo_catalog, api_as):
    return api_as("citizen")


@pytest.fixture
def clerk(demo_catalog, api_as):
    return api_as("clerk")


def draft(client, **body):
    response = client.post("/api/v1/cases", body or {"item": ITEM}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def upload(client, case, material, uploaded):
    return client.post(
        f"/api/v1/cases/{case['id']}/materials/{material['id']}/files",
        {"file": uploaded},
        format="multipart",
    )


ADDRESS = {"area": "", "detail": "示例市示范区人民路8号"}


def fill(client, case):
    """What prefill left open of the item's (generated) form: the contact address."""
    response = client.patch(
        f"/api/v1/cases/{case['id']}/form", {"contact_address": ADDRESS}, format="json"
    )
    assert response.status_code == 200, response.content


def provide_everything(client, case):
    fill(client, case)
    for material in case["materials"]:
        assert upload(client, case, material, pdf()).status_code == 201


def submitted(client):
    case = draft(client)
    provide_everything(client, case)
    response = client.post(f"/api/v1/cases/{case['id']}/submit")
    assert response.status_code == 200, response.content
    return response.json()


def test_apply_supplement_resubmit_accept_through_the_api(citizen, clerk):
    case = draft(citizen)
    assert case["status"] == "draft" and case["number"] is None
    assert case["form_data"]["applicant_name"] == "张三"  # the one form starts pre-filled
    # 张三's identity card comes from the e-licence library (demo); the rest is owed.
    taken = {m["name"]: m for m in case["materials"] if m["state"] == "from_license"}
    assert list(taken) == ["居民身份证"]
    card = taken["居民身份证"]["license"]
    assert card["type_code"] == "L-SFZ" and card["trust_level"] == "A"
    assert "*" in card["number_masked"] and card["verify_url"].startswith("http")
    assert all(
        m["state"] == "missing" and m["license"] is None
        for m in case["materials"]
        if m["name"] not in taken
    )

    saved = citizen.patch(
        f"/api/v1/cases/{case['id']}/form",
        {"contact_address": ADDRESS, "statement": "开办明德小吃"},
        format="json",
    )
    assert saved.status_code == 200
    assert saved.json()["form_data"]["statement"] == "开办明德小吃"
    assert saved.json()["form_data"]["applicant_name"] == "张三"  # merged, not replaced

    early = citizen.post(f"/api/v1/cases/{case['id']}/submit")
    assert early.status_code == 400 and early.json()["code"] == "materials_missing"

    provide_everything(citizen, case)
    url = f"/api/v1/cases/{case['id']}/submit"
    first = citizen.post(url, HTTP_IDEMPOTENCY_KEY="submit-1")
    again = citizen.post(url, HTTP_IDEMPOTENCY_KEY="submit-1")
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and again["Idempotent-Replayed"] == "true"
    body = first.json()
    assert body["status"] == "submitted" and body["status_code"] == 1
    assert body["number"].startswith("YW") and len(body["number"]) == 16
    assert Case.objects.filter(number__isnull=False).count() == 1
    assert [e["status_code"] for e in body["events"] if e["status_code"]] == [1]
    assert body["deadlines"]["intake_due_on"] > body["deadlines"]["received_on"]
    uploaded = body["materials"][0]["files"][0]
    assert uploaded["url"].endswith(f"/cases/files/{uploaded['id']}/")
    assert uploaded["content_type"] == "application/pdf" and uploaded["size"] == len(PDF)
    # A retry without the key is a new request, which the state machine refuses.
    twice = citizen.post(url)
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"

    queue = clerk.get("/api/v1/intake").json()
    assert [c["number"] for c in queue["results"]] == [body["number"]]
    assert queue["results"][0]["applicant_name"] == "张三"

    first_material = body["materials"][0]
    notice = clerk.post(
        f"/api/v1/cases/{case['id']}/supplement",
        {"items": [{"material": first_material["id"], "reason": "复印件不清晰"}]},
        format="json",
    )
    assert notice.status_code == 200, notice.content
    assert notice.json()["status"] == "supplement" and notice.json()["status_code"] == 6
    mine = citizen.get(f"/api/v1/cases/{case['id']}").json()
    assert mine["notices"][0]["items"][0]["reason"] == "复印件不清晰"
    assert mine["materials"][0]["state"] == "defective"

    clear = pdf("clear.pdf", PDF.replace(b"\n", b"\n% a clearer scan\n", 1))
    assert upload(citizen, case, first_material, clear).status_code == 201
    resubmitted = citizen.post(url, HTTP_IDEMPOTENCY_KEY="submit-2").json()
    assert resubmitted["status_code"] == 7 and resubmitted["number"] == body["number"]

    accepted = clerk.post(f"/api/v1/cases/{case['id']}/accept", {"tolerated": False}, format="json")
    assert accepted.status_code == 200, accepted.content
    result = accepted.json()
    # Acceptance writes code 3, then the back office starts at once: in_review (8).
    assert result["status"] == "in_review" and result["status_code"] == 8
    deadlines = result["deadlines"]
    assert deadlines["promised_due_on"] and deadlines["statutory_due_on"]
    assert deadlines["statutory_due_on"] >= deadlines["promised_due_on"]
    assert deadlines["deadline_note"] == (
        "节假日安排未公布，期限为暂定" if deadlines["due_provisional"] else ""
    )
    assert [e["status_code"] for e in result["events"] if e["status_code"]] == [1, 6, 7, 3, 8]
    assert clerk.get("/api/v1/intake").json()["count"] == 0

    again = clerk.post(f"/api/v1/cases/{case['id']}/refuse", {"reason": "重复"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_outsiders_get_404_and_a_citizen_cannot_take_intake_actions(citizen, api_as):
    case = submitted(citizen)
    url = f"/api/v1/cases/{case['id']}"
    neighbour = api_as("citizen2")
    assert neighbour.get(url).status_code == 404
    assert neighbour.patch(f"{url}/form", {"x": "y"}, format="json").status_code == 404
    assert neighbour.post(f"{url}/withdraw").status_code == 404
    material = case["materials"][0]
    assert upload(neighbour, case, material, pdf()).status_code == 404
    assert neighbour.get("/api/v1/cases").json()["count"] == 0

    street = api_as("street-clerk")  # a street centre does not see the district's cases
    response = street.post(f"{url}/accept", {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert street.get("/api/v1/intake").json()["count"] == 0

    assert citizen.post(f"{url}/accept", {}, format="json").status_code == 403
    assert citizen.get("/api/v1/intake").status_code == 403
    assert citizen.get("/api/v1/cases/999999999").status_code == 404
    assert citizen.post("/api/v1/cases/999999999/submit").status_code == 404


def test_hostile_uploads_are_refused_with_their_codes(citizen, settings):
    case = draft(citizen)
    material = case["materials"][0]
    jpeg_pdf = b"\xff\xd8\xff\xe0" + b"\x00" * 20 + b"%PDF-1.4\n" + b"x" * 100 + b"%%EOF"
    hostile = [
        (SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 a program, not a PDF"), "upload_type"),
        (SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script>"), "upload_type"),
        (SimpleUploadedFile("../../etc/passwd.pdf", b"root:x:0:0::/root:/bin/sh"), "upload_type"),
        (SimpleUploadedFile("polyglot.jpg", jpeg_pdf), "upload_polyglot"),
        (SimpleUploadedFile("empty.pdf", b""), "upload_empty"),
    ]
    for uploaded, code in hostile:
        response = upload(citizen, case, material, uploaded)
        assert response.status_code == 400, (uploaded.name, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == code, uploaded.name

    settings.YIWANG_UPLOAD_MAX_BYTES = len(PDF) - 1
    response = upload(citizen, case, material, pdf())
    assert response.status_code == 400 and response.json()["code"] == "upload_too_large"
    settings.YIWANG_UPLOAD_MAX_BYTES = 20 * 1024 * 1024

    # Directory parts never reach storage: the name is cut to its last part and cleaned.
    stored = upload(citizen, case, material, pdf("..\\..\\windows\\system32.pdf"))
    assert stored.status_code == 201
    assert stored.json()["name"] == "system32.pdf"
    assert not any(c in f.file.name for f in CaseFile.objects.all() for c in ("..", "\\"))
    assert CaseFile.objects.count() == 1  # the refused ones left nothing behind

    missing = citizen.post(
        f"/api/v1/cases/{case['id']}/materials/{material['id']}/files", {}, format="multipart"
    )
    assert missing.status_code == 400 and missing.json()["errors"]["file"][0]["code"] == "required"


def test_a_case_lists_filters_and_refusal_needs_a_reason(citizen, clerk):
    case = submitted(citizen)
    other = draft(citizen)
    mine = citizen.get("/api/v1/cases").json()
    assert mine["count"] == 2 and {c["id"] for c in mine["results"]} == {case["id"], other["id"]}
    drafts = citizen.get("/api/v1/cases", {"status": "draft"}).json()["results"]
    assert [c["id"] for c in drafts] == [other["id"]]
    assert citizen.get("/api/v1/cases", {"status": "lost"}).status_code == 400

    found = clerk.get("/api/v1/cases", {"number": case["number"]}).json()["results"]
    assert [c["id"] for c in found] == [case["id"]]

    url = f"/api/v1/cases/{case['id']}/refuse"
    blank = clerk.post(url, {"reason": " "}, format="json")
    assert blank.status_code == 400 and blank.json()["code"] == "reason_required"
    refused = clerk.post(url, {"reason": "不属于本机关职权范围"}, format="json").json()
    assert refused["status"] == "refused" and refused["status_code"] == 5
    assert refused["refusal_reason"] == "不属于本机关职权范围"

    withdrawn = citizen.post(f"/api/v1/cases/{other['id']}/withdraw", {}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_same_idempotency_key_creates_one_draft(citizen):
    first = citizen.post(
        "/api/v1/cases", {"item": ITEM}, format="json", HTTP_IDEMPOTENCY_KEY="new-1"
    )
    second = citizen.post(
        "/api/v1/cases", {"item": ITEM}, format="json", HTTP_IDEMPOTENCY_KEY="new-1"
    )
    assert first.status_code == second.status_code == 201
    assert first.content == second.content and first["Location"] == second["Location"]
    assert Case.objects.count() == 1


def test_bad_create_requests_name_what_is_wrong(citizen):
    cases = [
        ({}, "item_or_bundle"),
        ({"item": ITEM, "bundle": "YJS-0001"}, "item_or_bundle"),
        ({"item": "NO-SUCH-ITEM"}, "unknown_item"),
        ({"bundle": "NO-SUCH-BUNDLE"}, "unknown_bundle"),
        ({"item": ITEM, "place": "NOWHERE"}, "unknown_place"),
        ({"item": ITEM, "place": "990101001-BMZX"}, "wrong_place"),
        ({"item": ITEM, "enterprise": "91990101MA0000001Y"}, "not_authorised"),
    ]
    for body, code in cases:
        response = citizen.post("/api/v1/cases", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["code"] == code, (body, response.json())
    assert not Case.objects.exists()


def test_a_bundle_application_shows_its_children_and_numbers_each(citizen, api_as, user_named):
    company = api_as("company")
    parent = draft(company, bundle="YJS-0001", enterprise="91990101MA0000001Y")
    assert parent["bundle"] == "YJS-0001" and parent["item"] is None
    assert len(parent["children"]) == 4
    assert "91990101MA0000001Y" in parent["form_data"].values()  # prefilled, enterprise
    fill_in(Case.objects.get(pk=parent["id"]), user_named("company"))
    for material in parent["materials"]:
        if material["state"] in ("from_form", "from_earlier"):
            continue  # nothing to bring: the form, or an earlier item's result
        response = company.post(
            f"/api/v1/cases/{parent['id']}/materials/{material['id']}/at-window"
        )
        assert response.status_code == 200 and response.json()["state"] == "at_window"
    done = company.post(f"/api/v1/cases/{parent['id']}/submit").json()
    numbers = [done["number"], *(c["number"] for c in done["children"])]
    assert all(numbers) and len(set(numbers)) == 5
    assert all(c["status_code"] == 1 for c in done["children"])
    child = done["children"][0]["id"]
    direct = company.post(f"/api/v1/cases/{child}/submit")
    assert direct.status_code in {400, 409}
    assert citizen.get(f"/api/v1/cases/{parent['id']}").status_code == 404


def test_a_file_uploaded_by_mistake_is_removed_with_delete(
    citizen, api_as, django_capture_on_commit_callbacks
):
    case = draft(citizen)
    material = case["materials"][0]
    stored = upload(citizen, case, material, pdf("wrong.pdf")).json()
    url = f"/api/v1/cases/{case['id']}/materials/{material['id']}/files/{stored['id']}"
    row = CaseFile.objects.get(pk=stored["id"])
    storage, name = row.file.storage, row.file.name

    outsider = api_as("citizen2").delete(url)
    assert outsider.status_code == 404
    assert outsider["Content-Type"] == "application/problem+json"
    wrong_path = f"/api/v1/cases/{case['id']}/materials/{material['id'] + 1}/files/{stored['id']}"
    assert citizen.delete(wrong_path).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        response = citizen.delete(url)
    assert response.status_code == 204 and not response.content
    assert not storage.exists(name)
    after = citizen.get(f"/api/v1/cases/{case['id']}").json()["materials"][0]
    assert after["state"] == "missing" and after["files"] == []
    assert citizen.delete(url).status_code == 404  # gone


def test_files_cannot_be_removed_through_the_api_after_submit(citizen):
    case = submitted(citizen)
    material = case["materials"][0]
    stored = material["files"][0]
    url = f"/api/v1/cases/{case['id']}/materials/{material['id']}/files/{stored['id']}"
    response = citizen.delete(url)
    assert response.status_code == 400
    assert response.json()["code"] == "not_editable"
    assert "办件已提交，不能再修改" in response.json()["detail"]
    assert CaseFile.objects.filter(pk=stored["id"]).exists()


def test_file_removal_is_in_the_schema(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/cases/{id}/materials/{material_id}/files/{file_id}"]
    assert set(operation["delete"]["responses"]) >= {"204", "400", "404"}


def test_reading_a_case_costs_the_same_however_much_it_holds(
    citizen, django_assert_max_num_queries
):
    case = draft(citizen)
    with django_assert_max_num_queries(12) as empty:  # token, grants, the case and its parts
        first = citizen.get(f"/api/v1/cases/{case['id']}").json()
    # Counted now: each request clears the connection's query log.
    queries = len(empty.captured_queries)
    assert first["children"] == [] and first["enterprise"] is None
    provide_everything(citizen, case)  # files on every material, events on the timeline
    with django_assert_max_num_queries(queries):
        full = citizen.get(f"/api/v1/cases/{case['id']}").json()
    assert all(m["files"] for m in full["materials"] if m["state"] == "uploaded")


def test_a_draft_can_be_created_with_its_form_all_or_nothing(citizen):
    """An app sends the form with the new draft; one invalid value creates nothing."""
    bad = citizen.post(
        "/api/v1/cases",
        {"item": ITEM, "form": {"contact_address": ADDRESS, "no_such_field": "x"}},
        format="json",
    )
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert [e["pointer"] for e in bad.json()["errors"]] == ["/no_such_field"]
    assert not Case.objects.exists()

    case = draft(citizen, item=ITEM, form={"contact_address": ADDRESS})
    assert case["form_data"]["contact_address"] == ADDRESS
