"""The applicant's pages (issue: apply and intake): start, the one form with autosave,
materials, review, submit, receipt, my cases, the journey, files. Errors are in Chinese and
change nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.catalog.models import ItemVersion
from yiwang.demo.forms import fill_in
from yiwang.journey.cases import filling, services
from yiwang.journey.cases.models import Case, CaseFile, CaseMaterial, Status

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A real 1×1 PNG: uploads must decode, not only start with the signature.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\r\xefF\xb8"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def pdf(name="scan.pdf"):
    """A PDF whose bytes differ by name: the same file twice on one material is refused."""
    content = PDF.replace(b"\n", f"\n% {name}\n".encode(), 1)
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def published(code):
    return ItemVersion.objects.get(item__code=code, status="published")


@pytest.fixture
def people(demo_catalog, user_named):
    return {n: user_named(n) for n in ["citizen", "citizen2", "company", "clerk"]}


@pytest.fixture
def as_user(client, people):
    def login(name):
        client.force_login(people[name])
        return client

    return login


def text(response):
    return response.content.decode()


def test_guide_and_bundle_pages_link_to_apply(client, demo_catalog):
    guide = text(client.get("/items/SCJ-XK-0005/"))
    assert 'href="/apply/SCJ-XK-0005/"' in guide and "在线办理" in guide
    bundle = text(client.get("/bundles/YJS-0004/"))
    assert 'href="/apply/bundle/YJS-0004/"' in bundle


def test_start_asks_as_whom_and_creates_a_prefilled_draft(as_user, people):
    client = as_user("company")
    page = text(client.get("/apply/SCJ-XK-0005/"))
    assert "以谁的名义申请" in page and "示范区明德餐饮有限公司" in page
    from yiwang.identity.services import enterprises_of

    enterprise = enterprises_of(people["company"]).get()
    response = client.post("/apply/SCJ-XK-0005/", {"applicant_as": str(enterprise.pk)})
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/my/cases/{case.pk}/form/"
    assert case.enterprise == enterprise and case.status == Status.DRAFT
    form = text(client.get(response.url))
    assert "王五" in form and "来自实名认证" in form  # prefilled, and says from where
    assert f'hx-post="/my/cases/{case.pk}/form/save/"' in form and 'aria-live="polite"' in form
    # A second visit offers the draft again (resume on any device).
    assert f"/my/cases/{case.pk}/form/" in text(client.get("/apply/SCJ-XK-0005/"))


def test_start_for_someone_elses_enterprise_is_refused(as_user):
    client = as_user("citizen")
    response = client.post("/apply/SCJ-XK-0005/", {"applicant_as": "99999"})
    assert response.status_code == 400 and "您没有代该企业办事的有效授权" in text(response)
    assert not Case.objects.exists()


def test_street_level_items_ask_for_a_service_point(as_user):
    client = as_user("citizen")
    version = ItemVersion.objects.filter(
        status="published", level="street", online_depth__gte=3
    ).first()
    code = version.item.code
    page = text(client.get(f"/apply/{code}/"))
    assert "办理地点" in page and "请选择离您近的服务网点" in page
    response = client.post(f"/apply/{code}/", {"applicant_as": "self"})
    assert response.status_code == 400 and "请选择办理地点。" in text(response)
    assert not Case.objects.exists()
    place = version.places.order_by("code").last()
    client.post(f"/apply/{code}/", {"applicant_as": "self", "place": str(place.pk)})
    assert Case.objects.get().place == place


def keys_of(case, kind) -> list[str]:
    """The keys of the case's form fields of one kind (a bundle's merged form)."""
    return [f.key for f in filling.definition_of(case).fields if f.kind == kind]


def test_the_one_form_autosaves_and_refuses_bad_input(as_user, people):
    client = as_user("citizen")
    case = services.start_bundle_case("YJS-0004", by=people["citizen"])
    page = text(client.get(f"/my/cases/{case.pk}/form/"))
    assert "一表申请" in page and "张三" in page and "110101198503152019" not in page
    assert "110101********2019" in page  # the applicant's ID number, shown masked
    phone, addresses = keys_of(case, "phone")[0], keys_of(case, "address")
    post = {"_fields": [phone, *addresses], phone: "12"}
    for key in addresses:
        post[f"{key}-detail"] = "人民路1号"
    saved = client.post(f"/my/cases/{case.pk}/form/save/", post)
    assert "已自动保存" in text(saved) and "联系电话" in text(saved)
    case.refresh_from_db()
    assert case.form_data[addresses[0]] == {"area": "", "detail": "人民路1号"}
    assert case.form_data[phone] == "13800000001"  # the bad value was not saved

    post = {**post, phone: "abc", **{f"{key}-detail": "" for key in addresses}}
    response = client.post(f"/my/cases/{case.pk}/form/", post)
    assert response.status_code == 400
    # Each problem beside its field, in plain Chinese: the phone's format, the empty address.
    assert "联系电话应为11位手机号码" in text(response) and "地址。" in text(response)
    assert "请填写" in text(response)
    case.refresh_from_db()
    assert case.form_data[phone] == "13800000001"
    post = {**post, phone: "13900000000", **{f"{key}-detail": "人民路2号" for key in addresses}}
    response = client.post(f"/my/cases/{case.pk}/form/", post)
    case.refresh_from_db()
    assert case.form_data[phone] == "13900000000"  # corrected values are kept


def test_materials_upload_check_and_at_window(as_user, people):
    client = as_user("citizen")
    case = services.start_bundle_case("YJS-0004", by=people["citizen"])
    page = text(client.get(f"/my/cases/{case.pk}/materials/"))
    assert "已从电子证照库调取：居民身份证" in page  # 张三's card, from the demo library
    assert "必要" in page and "非必要" in page
    id_card = case.materials.get(name="居民身份证")
    # One document for every item that asks an identity card, whatever it calls it.
    assert {r.license_type.code for r in id_card.requirements.all()} == {"L-SFZ"}
    assert id_card.requirements.values("version").distinct().count() == 3
    url = f"/my/cases/{case.pk}/materials/{id_card.pk}/upload/"
    bad = client.post(url, {"files": [pdf(), SimpleUploadedFile("x.jpg", b"MZ not an image")]})
    assert bad.status_code == 400
    assert "只能上传 PDF、JPG 或 PNG 文件" in text(bad) and "没有保存任何文件" in text(bad)
    assert not CaseFile.objects.exists()
    good = client.post(url, {"files": [pdf("a.pdf"), SimpleUploadedFile("b.png", PNG)]})
    assert good.status_code == 302
    id_card.refresh_from_db()
    assert id_card.state == CaseMaterial.State.UPLOADED and id_card.files.count() == 2

    photo = case.materials.get(name="近期二寸免冠彩色照片")
    window = f"/my/cases/{case.pk}/materials/{photo.pk}/window/"
    client.post(window, {"at_window": "1"})
    photo.refresh_from_db()
    assert photo.state == CaseMaterial.State.AT_WINDOW
    client.post(window, {"at_window": "0"})
    photo.refresh_from_db()
    assert photo.state == CaseMaterial.State.MISSING


def test_review_submit_receipt_and_double_submit(as_user, people):
    client = as_user("citizen")
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    fill_in(case, citizen, address="人民路1号")
    response = client.post(f"/my/cases/{case.pk}/submit/")
    assert response.status_code == 400 and "还缺少这些材料" in text(response)
    case.refresh_from_db()
    assert case.status == Status.DRAFT and not case.number
    for material in case.materials.exclude(state__in=services.NOT_ASKED):
        services.attach_file(material.pk, by=citizen, uploaded=pdf())
    review = text(client.get(f"/my/cases/{case.pk}/review/"))
    assert "提交申请" in review and "人民路1号" in review and "data-submit-once" in review
    response = client.post(f"/my/cases/{case.pk}/submit/")
    assert response.url == f"/my/cases/{case.pk}/receipt/"
    case.refresh_from_db()
    receipt = text(client.get(response.url))
    assert case.number in receipt and "我的办件" in receipt and "已收到的材料" in receipt
    assert f"/cases/{case.pk}/receipt.pdf" in receipt
    again = client.post(f"/my/cases/{case.pk}/submit/")  # a double click
    assert again.url == f"/my/cases/{case.pk}/receipt/"
    assert case.events.filter(action="submit").count() == 1
    # Submitted: the edit pages send the applicant to the journey instead.
    assert client.get(f"/my/cases/{case.pk}/form/").url == f"/my/cases/{case.pk}/"


def test_my_cases_and_the_journey_in_plain_words(as_user, people):
    client = as_user("citizen")
    citizen, clerk = people["citizen"], people["clerk"]
    case = services.start_bundle_case("YJS-0004", by=citizen)
    fill_in(case, citizen)
    # 残疾人证 comes from the journey's first item: nothing to upload for it.
    assert case.materials.get(name="中华人民共和国残疾人证").state == "from_earlier"
    for material in case.materials.filter(required=True).exclude(state__in=services.NOT_ASKED):
        services.attach_file(material.pk, by=citizen, uploaded=pdf())
    services.submit(case.pk, by=citizen)
    listing = text(client.get("/my/cases/"))
    assert "残疾人服务一件事" in listing and "已提交，等待窗口受理" in listing
    assert "下一步：" in listing and "窗口会在" in listing
    material = case.materials.get(name="残疾评定表")
    services.request_supplement(
        case.pk, by=clerk, items=[{"material": material.pk, "reason": "缺少评定机构盖章"}]
    )
    journey = text(client.get(f"/my/cases/{case.pk}/"))
    assert "一次性告知书" in journey and "缺少评定机构盖章" in journey
    for child in case.children.all():
        assert child.number in journey and child.title in journey
    assert "办理过程" in journey and "需要补正材料" in journey
    # A child case's page is its journey.
    child = case.children.first()
    assert client.get(f"/my/cases/{child.pk}/").url == f"/my/cases/{case.pk}/"


def test_withdraw_from_the_journey(as_user, people):
    client = as_user("citizen")
    case = services.start_case(published("SCJ-XK-0005").pk, by=people["citizen"])
    assert "撤回申请" in text(client.get(f"/my/cases/{case.pk}/"))
    client.post(f"/my/cases/{case.pk}/withdraw/", {"reason": "不办了"})
    case.refresh_from_db()
    assert case.status == Status.WITHDRAWN
    assert "撤回申请" not in text(client.get(f"/my/cases/{case.pk}/"))


def test_citizen2_gets_404_for_citizens_case_and_file(client, people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    stored = services.attach_file(material.pk, by=citizen, uploaded=pdf())
    client.force_login(people["citizen2"])
    for url in ["", "form/", "materials/", "review/", "receipt/"]:
        assert client.get(f"/my/cases/{case.pk}/{url}").status_code == 404, url
    for url in [
        "form/save/",
        "submit/",
        "withdraw/",
        f"materials/{material.pk}/window/",
        f"materials/{material.pk}/upload/",
    ]:
        assert client.post(f"/my/cases/{case.pk}/{url}").status_code == 404, url
    assert client.get(f"/cases/files/{stored.pk}/").status_code == 404
    case.refresh_from_db()
    assert case.status == Status.DRAFT

    assert client.get(f"/cases/files/{stored.pk}/preview/").status_code == 404
    client.force_login(citizen)
    response = client.get(f"/cases/files/{stored.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == pdf().read()
    preview = client.get(f"/cases/files/{stored.pk}/preview/")
    assert preview["Content-Disposition"].startswith("inline")
    assert preview["Content-Security-Policy"].startswith("sandbox")
    assert preview["X-Frame-Options"] == "SAMEORIGIN"


def test_pages_need_login(client, demo_catalog):
    for url in ["/apply/SCJ-XK-0005/", "/my/cases/", "/my/cases/1/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url


def test_a_file_uploaded_by_mistake_can_be_removed_from_the_materials_page(
    as_user, people, django_capture_on_commit_callbacks
):
    client = as_user("citizen")
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    stored = services.attach_file(material.pk, by=citizen, uploaded=pdf("wrong.pdf"))
    storage, name = stored.file.storage, stored.file.name
    url = f"/my/cases/{case.pk}/materials/{material.pk}/files/{stored.pk}/delete/"

    page = text(client.get(f"/my/cases/{case.pk}/materials/"))
    form = page[page.index(f'action="{url}"') :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in page and "csrfmiddlewaretoken" in form
    assert '删除<span class="visually-hidden"> wrong.pdf</span>' in form  # says which file

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert response.redirect_chain[0][0] == f"/my/cases/{case.pk}/materials/#material-{material.pk}"
    assert "已删除“wrong.pdf”" in text(response) and "wrong.pdf</a>" not in text(response)
    assert not CaseFile.objects.filter(pk=stored.pk).exists() and not storage.exists(name)
    material.refresh_from_db()
    assert material.state == CaseMaterial.State.MISSING


def test_removing_a_file_is_refused_after_submit_and_to_others(client, people):
    citizen = people["citizen"]
    case = services.start_case(published("SCJ-XK-0005").pk, by=citizen)
    for material in case.materials.exclude(state__in=services.NOT_ASKED):
        services.attach_file(material.pk, by=citizen, uploaded=pdf())
    stored = CaseFile.objects.filter(material__case=case).first()
    url = f"/my/cases/{case.pk}/materials/{stored.material_id}/files/{stored.pk}/delete/"

    client.force_login(people["citizen2"])
    assert client.post(url).status_code == 404

    client.force_login(citizen)
    assert client.get(url).status_code == 405  # removing is a POST
    fill_in(case, citizen)
    services.submit(case.pk, by=citizen)
    response = client.post(url, follow=True)
    assert response.redirect_chain[0][0] == f"/my/cases/{case.pk}/"
    assert "申请已提交，不能再修改" in text(response)
    assert CaseFile.objects.filter(pk=stored.pk).exists()


def test_after_an_upload_the_page_says_what_was_uploaded_at_that_material(as_user, people):
    client = as_user("citizen")
    case = services.start_case(published("SCJ-XK-0005").pk, by=people["citizen"])
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    url = f"/my/cases/{case.pk}/materials/{material.pk}/upload/"
    response = client.post(url, {"files": [pdf("租赁合同.pdf")]}, follow=True)
    assert response.redirect_chain[0][0] == f"/my/cases/{case.pk}/materials/#material-{material.pk}"
    page = text(response)
    item = page[page.index(f'id="material-{material.pk}"') :]
    item = item[: item.index("</li>\n")]
    assert 'tabindex="-1"' in item and "data-focus-on-load" in item  # the keyboard goes here
    assert 'role="status"' in item and "已上传：租赁合同.pdf" in item
    assert page.count("data-focus-on-load") == 1
    again = text(client.get(f"/my/cases/{case.pk}/materials/"))  # said once, not forever
    assert "已上传：" not in again and "data-focus-on-load" not in again


def test_the_same_file_twice_on_one_material_is_refused_with_a_clear_message(as_user, people):
    client = as_user("citizen")
    case = services.start_case(published("SCJ-XK-0005").pk, by=people["citizen"])
    material = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"]).first()
    url = f"/my/cases/{case.pk}/materials/{material.pk}/upload/"
    client.post(url, {"files": [pdf("scan.pdf")]})
    again = client.post(url, {"files": [pdf("scan.pdf")]})
    assert again.status_code == 400
    assert "这个文件已经上传过了" in text(again) and "没有保存任何文件" in text(again)
    twice = client.post(url, {"files": [pdf("new.pdf"), pdf("new.pdf")]})  # in one go
    assert twice.status_code == 400 and "这个文件已经上传过了" in text(twice)
    assert [f.original_name for f in material.files.all()] == ["scan.pdf"]


def test_the_same_file_on_another_material_is_saved_with_a_warning(as_user, people):
    client = as_user("citizen")
    case = services.start_case(published("SCJ-XK-0005").pk, by=people["citizen"])
    first, second = case.materials.exclude(state__in=[*services.NOT_ASKED, "from_license"])[:2]
    client.post(f"/my/cases/{case.pk}/materials/{first.pk}/upload/", {"files": [pdf()]})
    response = client.post(
        f"/my/cases/{case.pk}/materials/{second.pk}/upload/", {"files": [pdf()]}, follow=True
    )
    page = text(response)
    assert f"“scan.pdf”和“{first.name}”里的文件完全相同，请确认没有传错。" in page
    assert second.files.count() == 1
