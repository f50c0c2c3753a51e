"""The item's own form on the applicant's pages, and the filled form on the window's and the
approver's pages: prefilled values say where they came from, a locked one is shown not
asked, each field is saved as it is left, "添加一行" works without JavaScript, problems are
next to their fields in plain Chinese, the review shows the form by section; the window asks
for a field to be corrected in the same one-time notice as the materials, and only the
applicant changes it."""

import io

import pytest
from pypdf import PdfReader

from tests.journey.cases.conftest import FOOD, published, shop_licence
from yiwang.journey.cases import documents, services
from yiwang.journey.cases.models import CaseMaterial, Status
from yiwang.journey.workflow.models import ApprovalTask


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def citizen(people):
    return people["citizen"]


@pytest.fixture
def food(citizen):
    shop_licence(citizen)
    return services.start_case(published(FOOD).pk, by=citizen)


def form_post(**values):
    """The POST of the food licence's form as the page sends it (every editable field)."""
    fields = ["contact_phone", "shop_name", "business_address", "business_kind", "seats"]
    fields += ["food_staff", "remarks"]
    post = {
        "_fields": fields,
        "contact_phone": "13800000001",
        "shop_name": "张记面馆",
        "business_address-area": "",
        "business_address-detail": "示例市示范区人民路8号",
        "business_kind": "",
        "seats": "",
        "food_staff-0-staff_name": "",
        "food_staff-0-staff_phone": "",
        "remarks": "",
    }
    post.update(values)
    return post


def test_the_form_shows_prefilled_values_with_their_source_and_locks_what_the_item_locks(
    client, citizen, food
):
    client.force_login(citizen)
    page = text(client.get(f"/my/cases/{food.pk}/form/"))
    assert "经营者名称" in page and "主体业态" in page and "食品安全管理人员" in page
    assert 'value="张记面馆"' in page and "来自电子证照：个体工商户营业执照（证照编号" in page
    assert "来自电子证照：来自电子证照" not in page
    assert "来自实名认证" in page
    # 姓名 and the credit code are shown, not asked: no input carries them.
    assert 'name="applicant_name"' not in page and 'name="uscc"' not in page
    assert "92990101MA0000010R" in page
    assert f'hx-post="/my/cases/{food.pk}/form/save/"' in page and 'hx-trigger="change"' in page
    assert 'aria-live="polite"' in page


def test_autosave_keeps_what_is_valid_and_says_what_is_not(client, citizen, food):
    client.force_login(citizen)
    saved = client.post(
        f"/my/cases/{food.pk}/form/save/",
        form_post(business_kind="catering", contact_phone="12"),
    )
    words = text(saved)
    assert "已自动保存" in words and "还没有保存" in words and "联系电话应为11位手机号码" in words
    food.refresh_from_db()
    assert food.form_data["business_kind"] == "catering"
    assert food.form_data["contact_phone"] == "13800000001"


def test_add_a_row_without_javascript_then_errors_next_to_their_fields(client, citizen, food):
    client.force_login(citizen)
    url = f"/my/cases/{food.pk}/form/"
    page = client.post(
        url,
        form_post(
            **{
                "_add_row": "food_staff",
                "food_staff-0-staff_name": "李厨",
                "food_staff-0-staff_phone": "13900000000",
            }
        ),
    )
    assert page.status_code == 200
    html = text(page)
    assert 'name="food_staff-1-staff_name"' in html and 'name="food_staff-2-staff_name"' in html
    food.refresh_from_db()
    assert food.form_data["food_staff"] == [{"staff_name": "李厨", "staff_phone": "13900000000"}]

    response = client.post(url, form_post(seats="很多", business_kind="catering"))
    assert response.status_code == 400
    html = text(response)
    assert "座位数应为整数" in html and 'aria-invalid="true"' in html
    food.refresh_from_db()
    assert food.form_data["business_kind"] == "catering" and "seats" not in food.form_data

    done = client.post(url, form_post(seats="40", business_kind="catering"))
    assert done.status_code == 302 and done.url == f"/my/cases/{food.pk}/materials/"


def test_next_step_asks_for_required_fields_in_plain_chinese(client, citizen, food):
    client.force_login(citizen)
    response = client.post(f"/my/cases/{food.pk}/form/", form_post())
    assert response.status_code == 400 and "请填写主体业态。" in text(response)


def test_review_shows_the_form_by_section_and_submit_links_back_to_it(client, citizen, food):
    client.force_login(citizen)
    for material in food.materials.filter(state=CaseMaterial.State.MISSING, required=True):
        services.provide_at_window(material.pk, by=citizen)
    review = text(client.get(f"/my/cases/{food.pk}/review/"))
    assert "经营者" in review and "经营项目" in review and "张记面馆" in review
    assert "在线填写申请表" in review  # the 申请书 is the form itself
    refused = client.post(f"/my/cases/{food.pk}/submit/")
    assert refused.status_code == 400
    html = text(refused)
    assert "申请表还没有填好" in html and "请填写主体业态。" in html
    assert f'href="/my/cases/{food.pk}/form/"' in html and "回到申请表修改" in html
    services.update_form(food.pk, by=citizen, data={"business_kind": "sale"})
    assert client.post(f"/my/cases/{food.pk}/submit/").status_code == 302


@pytest.fixture
def submitted(citizen, food):
    services.update_form(
        food.pk,
        by=citizen,
        data={
            "business_kind": "catering",
            "seats": 40,
            "food_staff": [{"staff_name": "李厨", "staff_phone": "13900000000"}],
        },
    )
    for material in food.materials.filter(state=CaseMaterial.State.MISSING, required=True):
        services.provide_at_window(material.pk, by=citizen)
    services.submit(food.pk, by=citizen)
    return food


def test_the_window_reads_the_form_and_asks_for_a_field_in_the_one_notice(
    client, people, citizen, submitted
):
    client.force_login(people["clerk"])
    page = text(client.get(f"/workbench/intake/{submitted.pk}/"))
    assert "申请表" in page and "经营项目" in page and "餐饮服务经营者" in page
    assert "姓名：李厨" in page and "40" in page
    assert "110101198503152019" not in page and "110101********2019" in page  # masked
    assert 'name="field-shop_name"' in page and 'name="field-reason-shop_name"' in page

    bad = client.post(f"/workbench/intake/{submitted.pk}/supplement/", {"field-shop_name": "1"})
    assert bad.status_code == 400 and "请写明“经营者名称”需要更正的原因。" in text(bad)
    done = client.post(
        f"/workbench/intake/{submitted.pk}/supplement/",
        {"field-shop_name": "1", "field-reason-shop_name": "与营业执照不一致"},
    )
    assert done.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.SUPPLEMENT
    assert submitted.field_notes == {"shop_name": "与营业执照不一致"}

    client.force_login(citizen)
    journey = text(client.get(f"/my/cases/{submitted.pk}/"))
    assert "申请表：经营者名称" in journey and "去更正申请表" in journey
    form = text(client.get(f"/my/cases/{submitted.pk}/form/"))
    assert "窗口意见：" in form and "与营业执照不一致" in form
    assert 'name="_confirm" value="shop_name"' in form
    client.post(
        f"/my/cases/{submitted.pk}/form/save/",
        form_post(business_kind="catering", seats="40", _confirm="shop_name"),
    )
    submitted.refresh_from_db()
    assert submitted.field_notes == {}
    assert client.post(f"/my/cases/{submitted.pk}/submit/").status_code == 302


def test_the_notice_pdf_lists_the_field(client, people, submitted):
    services.request_supplement(
        submitted.pk, by=people["clerk"], items=[{"field": "seats", "reason": "座位数与平面图不符"}]
    )
    pdf = documents.notice_pdf(submitted, submitted.notices.get())
    assert pdf.startswith(b"%PDF")
    words = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "申请表：座位数" in words and "座位数与平面图不符" in words


def test_the_approver_reads_the_form_beside_the_materials(client, people, submitted):
    services.accept(submitted.pk, by=people["clerk"])
    task = ApprovalTask.objects.filter(case=submitted).earliest("pk")
    client.force_login(people["approver"])
    page = text(client.get(f"/workbench/tasks/{task.pk}/"))
    assert 'id="form-title"' in page and "经营项目" in page and "餐饮服务经营者" in page
    assert "张记面馆" in page and "（来自电子证照：个体工商户营业执照（证照编号 GTYY" in page
    assert "来自电子证照：来自电子证照" not in page
    assert "110101198503152019" not in page
