"""The comprehensive window's pages: the queue in the clerk's scope with the Art. 32 time
left, the checklist with previews, the four actions and filing for a walk-in applicant."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.catalog.models import ItemVersion
from yiwang.demo.forms import fill_in
from yiwang.journey.cases import services
from yiwang.journey.cases.models import Case, CaseMaterial, Status

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A real 1×1 PNG: uploads must decode, not only start with the signature.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\r\xefF\xb8"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def published(code):
    return ItemVersion.objects.get(item__code=code, status="published")


@pytest.fixture
def people(demo_catalog, user_named):
    return {n: user_named(n) for n in ["citizen", "citizen2", "clerk", "street-clerk"]}


@pytest.fixture
def submit(people):
    def make(code="SCJ-XK-0005", *, by=None, skip=()):
        applicant = by or people["citizen"]
        case = services.start_case(published(code).pk, by=applicant)
        fill_in(case, applicant)
        for material in case.materials.exclude(state__in=services.NOT_ASKED):
            if material.name not in skip:
                first = not case.materials.filter(files__isnull=False).exists()
                services.attach_file(
                    material.pk,
                    by=applicant,
                    uploaded=SimpleUploadedFile(
                        "scan.png" if first else "scan.pdf", PNG if first else PDF
                    ),
                )
        services.submit(case.pk, by=applicant)
        case.refresh_from_db()
        return case

    return make


def text(response):
    return response.content.decode()


def test_queue_shows_submitted_cases_with_time_left_in_words(client, people, submit):
    case = submit()
    client.force_login(people["clerk"])
    page = text(client.get("/workbench/intake/"))
    assert case.number in page and "张三" in page and "110101198503152019" not in page
    assert "剩余5个工作日" in page or "剩余" in page
    assert "time-left-ok" in page  # colour too, never alone
    found = text(client.get("/workbench/intake/", {"q": case.number.lower()}))
    assert case.number in found
    missing = text(client.get("/workbench/intake/", {"q": "YW00000000000000"}))
    assert case.number not in missing and "没有找到" in missing


def test_time_left_words(db):
    import datetime

    from yiwang.journey.cases.templatetags.case_words import intake_time_left

    day = datetime.date(2026, 3, 2)  # a Monday in a covered year
    assert intake_time_left(day, day)["words"] == "今天到期"
    assert intake_time_left(day, day + datetime.timedelta(days=1))["words"] == "已逾期"
    assert intake_time_left(day + datetime.timedelta(days=1), day) == {
        "tone": "warn",
        "words": "剩余1个工作日",
    }
    assert intake_time_left(day + datetime.timedelta(days=7), day)["words"] == "剩余5个工作日"


def test_street_clerk_neither_sees_nor_opens_a_district_case(client, people, submit):
    case = submit()
    client.force_login(people["street-clerk"])
    assert case.number not in text(client.get("/workbench/intake/"))
    assert client.get(f"/workbench/intake/{case.pk}/").status_code == 404
    assert client.post(f"/workbench/intake/{case.pk}/accept/").status_code == 404
    assert client.post(f"/workbench/intake/{case.pk}/refuse/", {"reason": "x"}).status_code == 404
    assert client.post(f"/workbench/intake/{case.pk}/supplement/").status_code == 404
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    client.force_login(people["citizen"])
    assert client.get("/workbench/intake/").status_code == 403


def test_queue_query_count_is_constant(client, people, submit, django_assert_max_num_queries):
    submit()
    client.force_login(people["clerk"])
    client.get("/workbench/intake/")  # warm caches (calendar, session)
    with django_assert_max_num_queries(12) as one:
        client.get("/workbench/intake/")
    for _ in range(4):
        submit()
    services.start_bundle_case("YJS-0004", by=people["citizen2"])  # a draft: not queued
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = text(client.get("/workbench/intake/"))
    assert page.count('href="/workbench/intake/') >= 5


def test_checklist_previews_and_accept(client, people, submit):
    case = submit()
    client.force_login(people["clerk"])
    page = text(client.get(f"/workbench/intake/{case.pk}/"))
    files = sorted((f for m in case.materials.all() for f in m.files.all()), key=lambda f: f.pk)
    assert f'<img src="/cases/files/{files[0].pk}/preview/"' in page
    assert f'<iframe src="/cases/files/{files[1].pk}/preview/"' in page
    assert "受理" in page and "一次性告知书" in page and "不予受理" in page
    assert "容缺受理" not in page.split("受理决定")[1].split("不予受理")[0]
    preview = client.get(f"/cases/files/{files[0].pk}/preview/")
    assert preview["X-Frame-Options"] == "SAMEORIGIN"  # the checklist frames it, sandboxed
    assert preview["Content-Security-Policy"].startswith("sandbox")
    download = client.get(f"/cases/files/{files[0].pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Frame-Options"] == "DENY"
    response = client.post(f"/workbench/intake/{case.pk}/accept/")
    assert response.url == f"/workbench/intake/{case.pk}/"
    case.refresh_from_db()
    # Accepted (3), then pushed to the back office at once (8).
    assert case.status == Status.IN_REVIEW and case.promised_due_on
    assert case.events.filter(action="accept", status_code=3).exists()
    assert "已受理" in text(client.get(response.url))


def test_accept_with_tolerance_only_when_every_open_material_may_come_later(client, people, submit):
    version = ItemVersion.objects.filter(
        status="published",
        materials__necessity="tolerated",
        online_depth__gte=3,
        places__code="990101-ZWZX",
    ).first()
    tolerable = [m.name for m in version.materials.filter(necessity="tolerated")]
    case = submit(version.item.code, skip=tolerable)
    client.force_login(people["clerk"])
    page = text(client.get(f"/workbench/intake/{case.pk}/"))
    assert "容缺受理" in page and "还有必要材料未提供" in page
    response = client.post(f"/workbench/intake/{case.pk}/accept/")
    assert response.status_code == 400 and "还有材料未提供" in text(response)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    client.post(f"/workbench/intake/{case.pk}/accept/", {"tolerated": "1"})
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW and case.tolerated


def test_one_complete_supplement_notice_and_a_second_needs_a_reason(client, people, submit):
    case = submit()
    client.force_login(people["clerk"])
    first, second = list(case.materials.all())[:2]
    url = f"/workbench/intake/{case.pk}/supplement/"
    response = client.post(url, {f"material-{first.pk}": "1"})
    assert response.status_code == 400 and "需要补正的原因" in text(response)
    response = client.post(url, {})
    assert response.status_code == 400 and "请勾选需要补正的每一项材料或申请表内容" in text(
        response
    )
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and not case.notices.exists()

    client.post(
        url,
        {
            f"material-{first.pk}": "1",
            f"reason-{first.pk}": "复印件不清晰",
            f"material-{second.pk}": "1",
            f"reason-{second.pk}": "缺少签字",
        },
    )
    notice = case.notices.get()
    assert [i["reason"] for i in notice.items] == ["复印件不清晰", "缺少签字"]
    case.refresh_from_db()
    assert case.status == Status.SUPPLEMENT
    services.attach_file(first.pk, by=people["citizen"], uploaded=SimpleUploadedFile("b.pdf", PDF))
    services.attach_file(second.pk, by=people["citizen"], uploaded=SimpleUploadedFile("c.pdf", PDF))
    services.submit(case.pk, by=people["citizen"])
    page = text(client.get(f"/workbench/intake/{case.pk}/"))
    assert "再次告知理由" in page
    again = {f"material-{first.pk}": "1", f"reason-{first.pk}": "仍不清晰"}
    response = client.post(url, again)
    assert response.status_code == 400 and "再次告知必须写明理由" in text(response)
    assert case.notices.count() == 1
    client.post(url, {**again, "repeat_reason": "新上传的文件仍然模糊"})
    assert case.notices.count() == 2


def test_refuse_needs_a_reason(client, people, submit):
    case = submit()
    client.force_login(people["clerk"])
    url = f"/workbench/intake/{case.pk}/refuse/"
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "请写明不予受理的理由" in text(response)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    client.post(url, {"reason": "不属于本机关职权范围"})
    case.refresh_from_db()
    assert case.status == Status.REFUSED and case.refusal_reason == "不属于本机关职权范围"
    client.force_login(people["citizen"])
    journey = text(client.get(f"/my/cases/{case.pk}/"))
    assert "不予受理" in journey and "不属于本机关职权范围" in journey


def test_walk_in_filing_by_the_clerk(client, people):
    clerk = people["clerk"]
    client.force_login(clerk)
    assert "第一步" in text(client.get("/workbench/intake/new/"))
    response = client.post("/workbench/intake/new/", {"id_number": "110101199001011234"})
    assert response.status_code == 400 and "错误" in text(response)
    found = text(client.post("/workbench/intake/new/", {"id_number": "110101198503152019"}))
    assert "第二步" in found and "张三" in found
    response = client.post("/workbench/intake/new/", {"item_code": "", "bundle_code": ""})
    assert response.status_code == 400 and "二选一" in text(response)
    assert not Case.objects.exists()
    response = client.post("/workbench/intake/new/", {"item_code": "scj-xk-0005"})
    case = Case.objects.get()
    assert response.url == f"/my/cases/{case.pk}/form/"
    assert case.applicant == people["citizen"] and case.filed_by == clerk
    assert case.channel == "window"
    form = text(client.get(response.url))
    assert "代 张三 办理" in form
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    client.post(f"/my/cases/{case.pk}/materials/{material.pk}/window/", {"at_window": "1"})
    material.refresh_from_db()
    assert material.state == CaseMaterial.State.AT_WINDOW
    # The street clerk cannot file for an item handled only at the district centre.
    client.force_login(people["street-clerk"])
    client.post("/workbench/intake/new/", {"id_number": "110101198503152019"})
    response = client.post("/workbench/intake/new/", {"item_code": "SCJ-XK-0005"})
    assert response.status_code == 400 and "不在您所在的服务网点办理" in text(response)
    assert Case.objects.count() == 1
