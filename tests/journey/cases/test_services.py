"""A case's first half: draft → submit → the window's intake actions (issue: apply and
intake). Dates are pinned with a covered calendar year so deadlines are exact."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tests.statements import exactly, fresh
from yiwang.catalog.models import ItemVersion
from yiwang.core.machines import TransitionError
from yiwang.demo.forms import fill_in
from yiwang.journey.cases import services, transitions
from yiwang.journey.cases.models import Case, CaseFile, CaseMaterial, Status
from yiwang.notify.models import Channel, Delivery, Message

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="scan.pdf"):
    """A PDF whose bytes differ by name: the same file twice on one material is refused."""
    content = PDF.replace(b"\n", f"\n% {name}\n".encode(), 1)
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def published(code):
    return ItemVersion.objects.get(item__code=code, status="published")


def provide_everything(case, by):
    """The whole form filled in, and a scan of every material."""
    fill_in(case, by)
    for material in case.materials.exclude(state__in=services.NOT_ASKED):
        services.attach_file(material.pk, by=by, uploaded=pdf())


@pytest.fixture
def people(demo_catalog, user_named):
    return {name: user_named(name) for name in ["citizen", "citizen2", "clerk", "street-clerk"]}


def test_a_bundle_is_a_parent_with_one_child_per_item_and_materials_asked_once(people):
    parent = services.start_bundle_case("YJS-0001", by=people["citizen"])
    children = list(parent.children.order_by("pk"))
    assert [c.item_version.item.code for c in children] == [
        "SCJ-XK-0005",
        "SCJ-XK-0008",
        "CGW-XK-0001",
        "XFJ-XK-0001",
    ]
    names = list(parent.materials.values_list("name", flat=True))
    assert names.count("居民身份证") == 1 and len(names) == len(set(names))
    assert "张三" in parent.form_data.values()  # the one form starts pre-filled
    assert {s["label"] for s in parent.form_sources.values()} >= {"来自实名认证信息"}


def test_a_bundle_draft_links_each_document_to_every_item_asking_it_in_a_few_queries(people):
    citizen = people["citizen"]
    services.start_bundle_case("YJS-0001", by=citizen)  # first draft: caches warm
    with CaptureQueriesContext(connection) as queries:
        parent = services.start_bundle_case("YJS-0001", by=citizen)
    materials = list(parent.materials.prefetch_related("requirements__version__item"))
    # Every document answers the requirement of each item that asks it, once.
    asked = {(r.version.item.code, r.name) for m in materials for r in m.requirements.all()}
    wanted = {
        (r.version.item.code, r.name)
        for child in parent.children.all()
        for r in child.item_version.materials.all()
    }
    assert asked == wanted and len(materials) < len(wanted)
    # The documents are written together, not one by one (a dozen of them); each audit event
    # is one INSERT.
    assert len(materials) >= 10 and len(queries) <= 29


def test_submit_numbers_every_case_and_sets_the_art32_intake_day(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    with pytest.raises(ValidationError, match="还缺少这些材料"):
        services.submit(case.pk, by=citizen)
    provide_everything(case, citizen)
    services.submit(case.pk, by=citizen)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and case.status_code == 1
    assert case.number.startswith("YW") and len(case.number) == 16
    assert case.intake_due_on > case.received_on


def test_clerk_supplement_then_resubmit_then_accept_starts_the_clock(people):
    citizen, clerk = people["citizen"], people["clerk"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    provide_everything(case, citizen)
    services.submit(case.pk, by=citizen)
    first = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    services.request_supplement(
        case.pk, by=clerk, items=[{"material": first.pk, "reason": "复印件不清晰"}]
    )
    case.refresh_from_db()
    assert case.status == Status.SUPPLEMENT and case.status_code == 6
    assert case.notices.get().items[0]["reason"] == "复印件不清晰"

    services.attach_file(first.pk, by=citizen, uploaded=pdf("clear.pdf"))
    services.submit(case.pk, by=citizen)
    case.refresh_from_db()
    assert case.status_code == 7  # resubmitted after a supplement
    services.accept(case.pk, by=clerk)
    case.refresh_from_db()
    # Accepted (3), then pushed to the back office at once (in_review, 8).
    assert case.events.filter(action="accept", status_code=3).exists()
    assert case.status == Status.IN_REVIEW and case.status_code == 8
    assert case.promised_due_on is not None and case.statutory_due_on >= case.promised_due_on


def test_a_second_notice_needs_a_reason(people):
    citizen, clerk = people["citizen"], people["clerk"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    provide_everything(case, citizen)
    services.submit(case.pk, by=citizen)
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    item = [{"material": material.pk, "reason": "缺页"}]
    services.request_supplement(case.pk, by=clerk, items=item)
    services.submit(case.pk, by=citizen)
    with pytest.raises(ValidationError, match="再次告知必须写明理由"):
        services.request_supplement(case.pk, by=clerk, items=item)
    services.request_supplement(case.pk, by=clerk, items=item, repeat_reason="申请人换了材料")
    assert case.notices.count() == 2


def test_refusal_needs_a_reason_and_ends_the_case(people):
    citizen, clerk = people["citizen"], people["clerk"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    provide_everything(case, citizen)
    services.submit(case.pk, by=citizen)
    with pytest.raises(ValidationError):
        services.refuse(case.pk, by=clerk, reason=" ")
    services.refuse(case.pk, by=clerk, reason="不属于本机关职权范围")
    case.refresh_from_db()
    assert case.status == Status.REFUSED and case.status_code == 5
    with pytest.raises(TransitionError):
        services.accept(case.pk, by=clerk)


def test_street_clerk_cannot_see_a_district_case_and_citizen2_cannot_see_citizens(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    provide_everything(case, citizen)
    services.submit(case.pk, by=citizen)
    with pytest.raises(Http404):
        services.accept(case.pk, by=people["street-clerk"])
    with pytest.raises(Http404):
        services.update_form(case.pk, by=people["citizen2"], data={"x": "y"})


def _submitted_without_tolerable_materials(citizen):
    """A case of an item that tolerates a material, filed with everything else provided."""
    version = ItemVersion.objects.filter(
        status="published", materials__necessity="tolerated"
    ).first()
    case = services.start_case(version.pk, by=citizen)
    fill_in(case, citizen)
    for material in case.materials.filter(tolerable=False).exclude(state__in=services.NOT_ASKED):
        services.attach_file(material.pk, by=citizen, uploaded=pdf())
    services.submit(case.pk, by=citizen)
    return case


def test_accept_with_tolerance_tracks_what_is_still_owed(people):
    citizen, clerk = people["citizen"], people["clerk"]
    case = _submitted_without_tolerable_materials(citizen)
    with pytest.raises(ValidationError):
        services.accept(case.pk, by=clerk)
    services.accept(case.pk, by=clerk, tolerated=True)
    case.refresh_from_db()
    assert case.tolerated
    assert case.materials.filter(state=CaseMaterial.State.TOLERATED).exists()


def test_a_material_owed_after_acceptance_is_not_moved_back(people):
    """容缺: a material accepted to come later stays owed; no move the table does not list
    (back to uploaded, missing or 补正) is made, and the refusal says which."""
    citizen, clerk = people["citizen"], people["clerk"]
    case = _submitted_without_tolerable_materials(citizen)
    services.accept(case.pk, by=clerk, tolerated=True)
    owed = case.materials.get(state=CaseMaterial.State.TOLERATED)
    for target in ("uploaded", "missing", "defective"):
        with pytest.raises(TransitionError) as refused:
            transitions.MATERIAL.move(owed, target)
        assert refused.value.code == "invalid_material_transition"
        assert owed.state == CaseMaterial.State.TOLERATED
    assert str(refused.value) == "材料当前状态“容缺后补”，不能变为“需补正”。"
    with pytest.raises(ValidationError):  # nor can the applicant upload it into the draft
        services.attach_file(owed.pk, by=citizen, uploaded=pdf())
    owed.refresh_from_db()
    assert owed.state == CaseMaterial.State.TOLERATED and not owed.files.exists()


def test_no_answer_within_five_working_days_is_deemed_accepted_on_receipt(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    provide_everything(case, citizen)
    services.submit(case.pk, by=citizen)
    case.refresh_from_db()
    later = case.intake_due_on + datetime.timedelta(days=1)
    assert services.deem_overdue_accepted(today=later) == [case.pk]
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW and case.deemed_accepted
    assert case.events.filter(action="deemed_accept", status_code=3).exists()
    assert services.deem_overdue_accepted(today=later) == []  # running twice changes nothing


def test_hostile_uploads_are_refused_with_a_clear_message(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    jpeg_pdf = b"\xff\xd8\xff\xe0" + b"\x00" * 20 + b"%PDF-1.4\n" + b"x" * 100 + b"%%EOF"
    cases = [
        (SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image"), "upload_type"),
        (SimpleUploadedFile("polyglot.jpg", jpeg_pdf), "upload_polyglot"),
        (SimpleUploadedFile("empty.pdf", b""), "upload_empty"),
    ]
    for uploaded, code in cases:
        with pytest.raises(ValidationError) as error:
            services.attach_file(material.pk, by=citizen, uploaded=uploaded)
        assert error.value.code == code
    stored = services.attach_file(material.pk, by=citizen, uploaded=pdf("../../etc/passwd.pdf"))
    assert "/" not in stored.original_name and ".." not in stored.original_name


def test_oversized_uploads_are_refused(people, settings):
    settings.YIWANG_UPLOAD_MAX_BYTES = 10
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    with pytest.raises(ValidationError) as error:
        services.attach_file(
            case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first().pk,
            by=citizen,
            uploaded=pdf(),
        )
    assert error.value.code == "upload_too_large"


def test_cases_are_numbered_uniquely(people):
    from yiwang.journey.cases.numbering import next_number

    day = datetime.date(2026, 11, 23)
    numbers = [next_number(day) for _ in range(5)]
    assert numbers == [f"YW20261123{n:06d}" for n in range(1, 6)]
    assert Case.objects.count() == 0


# --- removing a file uploaded by mistake -----------------------------------------------------


def test_removing_the_only_file_deletes_it_and_the_material_is_missing_again(
    people, django_capture_on_commit_callbacks
):
    from yiwang.audit.models import AuditEvent

    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    stored = services.attach_file(material.pk, by=citizen, uploaded=pdf("wrong.pdf"))
    storage, name = stored.file.storage, stored.file.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        services.remove_file(stored.pk, by=citizen)

    assert not CaseFile.objects.filter(pk=stored.pk).exists()
    assert not storage.exists(name)
    material.refresh_from_db()
    assert material.state == CaseMaterial.State.MISSING
    trace = AuditEvent.objects.get(action="case.file_removed")
    assert trace.summary["sha256"] == stored.sha256 and trace.object_id == str(case.pk)


def test_removing_one_of_two_files_keeps_the_material_uploaded(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    wrong = services.attach_file(material.pk, by=citizen, uploaded=pdf("wrong.pdf"))
    services.attach_file(material.pk, by=citizen, uploaded=pdf("right.pdf"))
    services.remove_file(wrong.pk, by=citizen)
    material.refresh_from_db()
    assert material.state == CaseMaterial.State.UPLOADED
    assert [f.original_name for f in material.files.all()] == ["right.pdf"]


def test_a_material_brought_to_the_window_stays_so_when_its_files_are_removed(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    stored = services.attach_file(material.pk, by=citizen, uploaded=pdf())
    services.provide_at_window(material.pk, by=citizen)
    services.remove_file(stored.pk, by=citizen)
    material.refresh_from_db()
    assert material.state == CaseMaterial.State.AT_WINDOW


def test_files_cannot_be_removed_after_submit(people, django_capture_on_commit_callbacks):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    provide_everything(case, citizen)
    services.submit(case.pk, by=citizen)
    stored = CaseFile.objects.filter(material__case=case).first()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError, match="办件已提交，不能再修改"),
    ):
        services.remove_file(stored.pk, by=citizen)
    assert CaseFile.objects.filter(pk=stored.pk).exists()
    assert stored.file.storage.exists(stored.file.name)


def test_a_file_can_be_removed_while_awaiting_supplement(people):
    citizen, clerk = people["citizen"], people["clerk"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    provide_everything(case, citizen)
    services.submit(case.pk, by=citizen)
    material = case.materials.filter(
        files__isnull=False, requirements__license_type__isnull=True
    ).first()
    services.request_supplement(
        case.pk, by=clerk, items=[{"material": material.pk, "reason": "复印件不清晰"}]
    )
    services.remove_file(material.files.get().pk, by=citizen)
    material.refresh_from_db()
    assert material.state == CaseMaterial.State.MISSING and not material.files.exists()


def test_citizen2_gets_404_for_removing_citizens_file(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    stored = services.attach_file(
        case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first().pk,
        by=citizen,
        uploaded=pdf(),
    )
    with pytest.raises(Http404):
        services.remove_file(stored.pk, by=people["citizen2"])
    assert CaseFile.objects.filter(pk=stored.pk).exists()


# --- notifications ---------------------------------------------------------------------------


def submit_for(citizen):
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    provide_everything(case, citizen)
    return services.submit(case.pk, by=citizen)


def test_submitting_sends_an_email_with_a_link_to_the_case(
    people, settings, django_capture_on_commit_callbacks
):
    settings.YIWANG_SITE_URL = "https://zwfw.example.org/"
    citizen = people["citizen"]
    assert citizen.email == "citizen@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        case = submit_for(citizen)
    mail = Message.objects.get(channel=Channel.EMAIL)
    assert mail.recipient == citizen and mail.address == "citizen@example.org"
    assert mail.subject == "【一网】办件已提交"
    assert case.number in mail.body and "张三" in mail.body
    assert f"https://zwfw.example.org/my/cases/{case.pk}/" in mail.body
    assert mail.status == Delivery.SENT  # the outbox backend keeps it and marks it sent


def test_with_email_enabled_a_real_mail_goes_out(
    people, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.YIWANG_EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        case = submit_for(people["citizen"])
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert sent.to == ["citizen@example.org"] and sent.subject == "【一网】办件已提交"
    assert f"/my/cases/{case.pk}/" in sent.body
    assert Message.objects.get(channel=Channel.EMAIL).status == Delivery.SENT


def test_no_email_address_means_no_email(people, mailoutbox, django_capture_on_commit_callbacks):
    citizen = people["citizen"]
    citizen.email = ""
    citizen.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        submit_for(citizen)
    assert not Message.objects.filter(channel=Channel.EMAIL).exists()
    assert Message.objects.filter(channel=Channel.SMS, recipient=citizen).exists()
    assert mailoutbox == []


# --- the same file twice ----------------------------------------------------------------------


def test_the_same_file_twice_on_one_material_is_refused_and_adds_nothing(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    services.attach_file(material.pk, by=citizen, uploaded=pdf("scan.pdf"))
    with pytest.raises(ValidationError) as error:
        # another name, the same bytes
        services.attach_file(
            material.pk, by=citizen, uploaded=SimpleUploadedFile("copy.pdf", pdf().read())
        )
    assert error.value.code == "upload_duplicate"
    assert "这个文件已经上传过了" in error.value.messages[0]
    assert material.files.count() == 1


def test_the_same_file_on_another_material_is_kept_and_names_where_else_it_is(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    first, second = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"])[:2]
    services.attach_file(first.pk, by=citizen, uploaded=pdf("scan.pdf"))
    stored = services.attach_file(second.pk, by=citizen, uploaded=pdf("scan.pdf"))
    assert stored.same_file_on == [first.name]
    assert second.files.count() == 1
    # In another case of the same person the file is no mix-up within one application.
    other = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    elsewhere = other.materials.get(name=first.name)
    stored = services.attach_file(elsewhere.pk, by=citizen, uploaded=pdf("scan.pdf"))
    assert stored.same_file_on == []


# --- statement budgets (tests/statements.py) ---------------------------------------------------


def filed_bundle(code, citizen):
    """A 一件事 journey filed by the applicant with its form and every material."""
    parent = services.start_bundle_case(code, by=citizen)
    provide_everything(parent, citizen)
    services.submit(parent.pk, by=citizen)
    parent.refresh_from_db()
    return parent


def filed_case(citizen):
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    provide_everything(case, citizen)
    services.submit(case.pk, by=citizen)
    return case


def askable(case):
    return case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"])


def test_starting_a_draft_costs_a_fixed_number_of_statements(people):
    version, citizen = published("SCJ-XK-0005").pk, people["citizen"]
    fresh(citizen)
    # The version with its department and its places; the case; the form (fields,
    # elements, code lists, licence types), the licence prefill reads (one read per type),
    # saved in one UPDATE; the documents in two INSERTs (their requirements are known, not
    # read back); the e-licence library once per document linked to it (2), and the use
    # of the licence, one UPDATE and its audit event; the timeline and the audit event.
    with exactly(20, "start_case"):
        services.start_case(version, by=citizen)


def test_attaching_a_file_with_its_duplicate_check_costs_a_fixed_number_of_statements(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    material = askable(case).first()
    services.attach_file(material.pk, by=citizen, uploaded=pdf("first.pdf"))
    upload = pdf("second.pdf")
    fresh(citizen)
    # Savepoint, the material's case, the case locked, the material under the lock, the
    # duplicate check (same SHA-256 in the case), the file, the audit event; the material,
    # uploaded already (a second file), is not written again. The API names the case in
    # its URL: one statement fewer there.
    with exactly(8, "attach_file"):
        services.attach_file(material.pk, by=citizen, uploaded=upload)


def test_bringing_a_material_to_the_window_costs_a_fixed_number_of_statements(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    material = askable(case).first()
    fresh(citizen)
    # Savepoint, the material, the case locked, its state under the lock, the UPDATE.
    with exactly(6, "provide_at_window"):
        services.provide_at_window(material.pk, by=citizen)


def test_removing_a_file_costs_a_fixed_number_of_statements(people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    stored = services.attach_file(askable(case).first().pk, by=citizen, uploaded=pdf())
    fresh(citizen)
    # Savepoint, the file's case, the case locked, the file read again and deleted, are
    # there other files, the library checked again for the material, its UPDATE, the audit.
    with exactly(10, "remove_file"):
        services.remove_file(stored.pk, by=citizen)


def test_withdrawing_costs_the_same_for_a_bundle_of_two_or_four_items(people):
    citizen = people["citizen"]
    case = filed_case(citizen)
    fresh(citizen)
    # Savepoint, the journey locked with its delivery (one statement, aggregate.for_case),
    # the open tasks of the journey cancelled (one UPDATE), the cases and their timeline
    # lines (one statement each), the audit and the domain event; a pending delivery is
    # dropped only when the lock read one. It was 10 (11 for a bundle).
    with exactly(8, "withdraw of a single case"):
        services.withdraw(case.pk, by=citizen, reason="不办了")
    for code, size in [("YJS-0007", 2), ("YJS-0001", 4)]:
        parent = filed_bundle(code, citizen)
        assert parent.children.count() == size
        fresh(citizen)
        # The same: the children are locked with the parent, and every case of the journey
        # and every timeline line are written in one statement each (workflow._Writes).
        with exactly(8, f"withdraw of a bundle of {size} items"):
            services.withdraw(parent.pk, by=citizen, reason="不办了")


def test_a_supplement_notice_costs_the_same_for_one_or_five_items(people):
    citizen, clerk = people["citizen"], people["clerk"]
    for n in (1, 5):
        parent = filed_bundle("YJS-0001", citizen)
        items = [{"material": m.pk, "reason": "复印件不清晰"} for m in askable(parent)[:n]]
        assert len(items) == n
        fresh(clerk, citizen)
        # Savepoint, the journey locked with whether a notice was given before (one
        # statement), the clerk's grants, the materials; the notice, the materials asked
        # again in ONE UPDATE however many, the cases and their timeline lines (one
        # statement each), the audit and the domain event, the applicant to tell after
        # commit. It was 14.
        with exactly(12, f"request_supplement with {n} items"):
            services.request_supplement(parent.pk, by=clerk, items=items)


def test_refusing_costs_the_same_for_a_bundle_of_two_or_four_items(people):
    citizen, clerk = people["citizen"], people["clerk"]
    case = filed_case(citizen)
    fresh(clerk, citizen)
    # Savepoint, the journey locked (one statement, its items with it), the clerk's grants,
    # the cases and their timeline lines, the audit, the domain event and its delivery to
    # feedback's subscriber (the invitation to rate).
    with exactly(9, "refuse of a single case"):
        services.refuse(case.pk, by=clerk, reason="不属于本机关职权范围")
    for code, size in [("YJS-0007", 2), ("YJS-0001", 4)]:
        parent = filed_bundle(code, citizen)
        fresh(clerk, citizen)
        with exactly(9, f"refuse of a bundle of {size} items"):  # it was 10
            services.refuse(parent.pk, by=clerk, reason="不属于本机关职权范围")


def test_submitting_costs_the_same_for_a_bundle_of_two_or_four_items(people):
    citizen = people["citizen"]
    filed_case(citizen)  # the calendar is read once per process (the single case's pin)
    for code, size in [("YJS-0007", 2), ("YJS-0001", 4)]:
        parent = services.start_bundle_case(code, by=citizen)
        provide_everything(parent, citizen)
        fresh(citizen)
        # Savepoint, the journey locked with its items' versions, items and result licence
        # types and the applicant (one statement, aggregate.for_case), the missing and
        # library materials, the bundle's main items (the merged form's order), the day's
        # counter (one upsert for every number), then the cases, their timeline lines, the
        # audit and the domain event in one statement each. It was 16 and 20 (the items
        # read, and each case written with its own timeline line).
        with exactly(10, f"submit of a bundle of {size} items"):
            services.submit(parent.pk, by=citizen)
        parent.refresh_from_db()
        assert parent.status == Status.SUBMITTED
        assert all(c.number and c.status == Status.SUBMITTED for c in parent.children.all())


def test_resubmitting_after_a_notice_costs_the_same_for_a_bundle_of_two_or_four_items(people):
    citizen, clerk = people["citizen"], people["clerk"]
    journeys = [
        (0, filed_case(citizen)),
        (2, filed_bundle("YJS-0007", citizen)),
        (4, filed_bundle("YJS-0001", citizen)),
    ]
    for size, case in journeys:
        first = askable(case).first()
        services.request_supplement(
            case.pk, by=clerk, items=[{"material": first.pk, "reason": "复印件不清晰"}]
        )
        services.attach_file(first.pk, by=citizen, uploaded=pdf("clear.pdf"))
        fresh(citizen)
        # Savepoint, the journey locked, the missing and library materials, the notice
        # answered (one UPDATE), the cases, the timeline, the audit and the domain event;
        # no counter (the numbers stay). A bundle also reads its main items (the merged
        # form). It was 9 for a case, 16 and 20 for a bundle of two and four items.
        with exactly(10 if size else 9, f"resubmit of a journey of {size} items"):
            services.submit(case.pk, by=citizen)
        case.refresh_from_db()
        assert case.status == Status.SUBMITTED and case.status_code == 7
        assert not case.notices.filter(answered_at__isnull=True).exists()


def test_accepting_costs_the_same_for_a_bundle_of_two_or_four_items(people):
    citizen, clerk = people["citizen"], people["clerk"]
    # The items' process templates are generated by the first acceptance of each version
    # (tests/journey/workflow/test_budgets.py pins that one).
    for case in [filed_case(citizen), filed_bundle("YJS-0007", citizen)]:
        services.accept(case.pk, by=clerk)
    services.accept(filed_bundle("YJS-0001", citizen).pk, by=clerk)
    journeys = [
        (0, filed_case(citizen)),
        (2, filed_bundle("YJS-0007", citizen)),
        (4, filed_bundle("YJS-0001", citizen)),
    ]
    for size, case in journeys:
        fresh(clerk, citizen)
        # Savepoint, the journey locked with its items' versions and the applicant (one
        # statement), the clerk's grants, the materials still open, the process templates;
        # then one statement per table: the cases (accepted with their clocks, then in
        # review), the first stage's tasks, the timeline, the audit event, the domain event,
        # the department's message. A bundle also reads its order (main and parallel
        # items). It was 15 for a case, 17 for a bundle.
        with exactly(13 if size else 12, f"accept of a journey of {size} items"):
            services.accept(case.pk, by=clerk)
        case.refresh_from_db()
        assert case.status == Status.IN_REVIEW and case.accepted_at is not None
        assert case.events.filter(action="accept", status_code=3).exists()
