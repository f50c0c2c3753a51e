"""The catalogue workbench pages: list, edit, review, publish, import and export."""

import io
import re

import openpyxl
import pytest

from yiwang.catalog import exchange
from yiwang.catalog.models import CatalogImport, ServiceItem, VersionStatus

from .conftest import small_sheets
from .test_exchange import broken_demo_file

pytestmark = pytest.mark.django_db
CODE = "SCJ-XK-0001"


@pytest.fixture
def as_user(client, user_named):
    def log_in(username):
        client.force_login(user_named(username))
        return client

    return log_in


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def draft_form(version, **changes):
    """The editor's fields form as the browser would post it, with some values changed."""
    from yiwang.catalog.forms import DraftForm

    initial = DraftForm.initial_for(version)
    data = {}
    for key, value in initial.items():
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, list):
            data[key] = [str(v) for v in value]
        elif value is not None:
            data[key] = str(value)
    data.update(changes)
    return data


def test_list_shows_items_with_filters_and_a_constant_number_of_queries(
    small_catalog, as_user, django_assert_max_num_queries
):
    client = as_user("catalog-admin")
    with django_assert_max_num_queries(12):
        page = client.get("/workbench/catalog/").content.decode()
    assert "企业设立登记" in page and "共 3 个事项" in page
    page = client.get("/workbench/catalog/", {"q": "变更"}).content.decode()
    assert "企业变更登记" in page and "企业设立登记" not in page
    page = client.get("/workbench/catalog/", {"department": "990101-MZJ"}).content.decode()
    assert "共 1 个事项" in page
    page = client.get("/workbench/catalog/", {"status": "draft"}).content.decode()
    assert "没有符合条件的事项" in page


def test_list_of_the_whole_catalogue_costs_the_same_queries_per_page(
    demo_catalog, as_user, django_assert_max_num_queries
):
    client = as_user("catalog-reviewer")
    with django_assert_max_num_queries(12):
        response = client.get("/workbench/catalog/", {"page": 2})
    page = response.content.decode()
    assert "共 209 个事项" in page and "第 2 页，共 5 页" in page
    assert len(re.findall(r'<td class="mono">', page)) == 50


def test_outsiders_and_citizens_do_not_reach_the_workbench(small_catalog, as_user):
    assert as_user("citizen").get("/workbench/catalog/").status_code == 403
    assert as_user("clerk").get(f"/workbench/catalog/items/{CODE}/").status_code == 404


def test_admin_edits_reviewer_publishes_and_history_keeps_the_old_version(small_catalog, as_user):
    client = as_user("catalog-admin")
    page = client.get(f"/workbench/catalog/items/{CODE}/").content.decode()
    assert "版本历史" in page and ">编辑</button>" in page

    response = client.post(f"/workbench/catalog/items/{CODE}/edit/")
    assert response.status_code == 302 and response["Location"].endswith("/v2/edit/")
    small_item = ServiceItem.objects.get(code=CODE)
    draft = small_item.versions.get(number=2)
    page = client.get(f"/workbench/catalog/items/{CODE}/v2/edit/").content.decode()
    assert "保存事项信息" in page and "保存申请材料" in page

    # Promised above statutory: the message sits next to the field and nothing is saved.
    data = draft_form(draft, name="企业设立登记（试行）", statutory_days="3", promised_days="5")
    response = client.post(f"/workbench/catalog/items/{CODE}/v2/edit/", data)
    assert response.status_code == 400
    assert 'id="id_promised_days_error"' in response.content.decode()
    assert "承诺时限不能超过法定时限。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.name == "企业设立登记"

    data = draft_form(
        draft, name="企业设立登记（试行）", name_en="Company registration (pilot)", fee="每件10元"
    )
    response = client.post(f"/workbench/catalog/items/{CODE}/v2/edit/", data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.fee) == ("企业设立登记（试行）", "每件10元")
    assert draft.name_en == "Company registration (pilot)"  # the English name is edited too
    assert (
        exchange.item_row(draft)["主题分类"] == exchange.item_row(small_item.published)["主题分类"]
    )

    response = client.post(f"/workbench/catalog/items/{CODE}/v2/submit/")
    assert response.status_code == 302

    client = as_user("catalog-reviewer")
    page = client.get("/workbench/catalog/review/").content.decode()
    assert "企业设立登记（试行）" in page
    page = client.get(f"/workbench/catalog/items/{CODE}/v2/review/").content.decode()
    assert "企业设立登记（试行）" in page and "不收费" in page and "每件10元" in page
    assert "共 3 处变化" in page  # name, English name, fee
    response = client.post(f"/workbench/catalog/items/{CODE}/v2/publish/")
    assert response.status_code == 302

    small_item.refresh_from_db()
    assert small_item.published.number == 2 and small_item.published.name == "企业设立登记（试行）"
    page = client.get(f"/workbench/catalog/items/{CODE}/v1/").content.decode()
    assert "企业设立登记" in page and "已停用" in page
    page = client.get(f"/workbench/catalog/items/{CODE}/compare/?a=1&b=2").content.decode()
    assert "每件10元" in page and "共 3 处变化" in page


def test_reviewer_returns_with_a_required_comment_shown_to_the_admin(
    small_item, catalog_admin, as_user
):
    from yiwang.catalog import services

    draft = services.start_draft(small_item.pk, by=catalog_admin)
    services.submit(draft.pk, by=catalog_admin)
    client = as_user("catalog-reviewer")
    page = client.get(f"/workbench/catalog/items/{CODE}/v2/review/").content.decode()
    assert "无变化" in page
    response = client.post(f"/workbench/catalog/items/{CODE}/v2/return/", {"comment": ""})
    assert response.status_code == 400 and "退回时请写明修改意见。" in response.content.decode()
    response = client.post(
        f"/workbench/catalog/items/{CODE}/v2/return/", {"comment": "请补充收费依据"}
    )
    assert response.status_code == 302
    page = as_user("catalog-admin").get(f"/workbench/catalog/items/{CODE}/v2/edit/")
    assert "请补充收费依据" in page.content.decode()


def test_admins_cannot_publish_and_reviewers_cannot_edit(small_item, catalog_admin, as_user):
    from yiwang.catalog import services

    draft = services.start_draft(small_item.pk, by=catalog_admin)
    reviewer_client = as_user("catalog-reviewer")
    assert reviewer_client.get(f"/workbench/catalog/items/{CODE}/v2/edit/").status_code == 403
    services.submit(draft.pk, by=catalog_admin)
    admin_client = as_user("catalog-admin")
    assert admin_client.post(f"/workbench/catalog/items/{CODE}/v2/publish/").status_code == 403
    draft.refresh_from_db()
    assert draft.status == VersionStatus.IN_REVIEW


def _formset(prefix, rows, extra=2):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + extra),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                value = "on"
            if value is not False and value is not None:
                data[f"{prefix}-{index}-{key}"] = str(value)
    for index in range(len(rows), len(rows) + extra):  # blank rows as the browser sends them
        data.update(
            {
                f"{prefix}-{index}-kind": "原件",
                f"{prefix}-{index}-copies": "1",
                f"{prefix}-{index}-medium": "纸质",
                f"{prefix}-{index}-source": "申请人自备",
                f"{prefix}-{index}-necessity": "required",
                f"{prefix}-{index}-role": "前台受理员",
                f"{prefix}-{index}-days": "0",
            }
        )
    return data


def test_materials_are_reordered_deleted_and_added_in_one_save(small_item, catalog_admin, as_user):
    from yiwang.catalog import forms, services

    draft = services.start_draft(small_item.pk, by=catalog_admin)
    rows = forms.material_initial(draft)
    rows[0]["ORDER"] = 99  # first goes last
    rows[1]["DELETE"] = True
    rows.append(
        {
            "name": "授权委托书",
            "kind": "原件",
            "copies": 1,
            "medium": "纸质",
            "source": "申请人自备",
            "necessity": "optional",
            "ORDER": 50,
        }
    )
    data = _formset("materials", rows[:-1], extra=2)
    # the new row is typed into the first blank row
    for key, value in rows[-1].items():
        data[f"materials-{len(rows) - 1}-{key}"] = str(value)
    client = as_user("catalog-admin")
    response = client.post(f"/workbench/catalog/items/{CODE}/v2/materials/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    names = list(draft.materials.values_list("name", flat=True))
    original = [r["name"] for r in forms.material_initial(small_item.published)]
    assert names == original[2:] + ["授权委托书", original[0]]

    # A library source without a licence type is refused and nothing changes.
    bad = forms.material_initial(draft)
    bad[0]["source"] = "电子证照库"
    bad[0]["license_type"] = None
    response = client.post(
        f"/workbench/catalog/items/{CODE}/v2/materials/", _formset("materials", bad)
    )
    assert response.status_code == 400
    assert "来源为电子证照库时，应选择证照类型。" in response.content.decode()
    assert list(draft.materials.values_list("name", flat=True)) == names


def test_steps_are_saved_from_the_numbered_rows(small_item, catalog_admin, as_user):
    from yiwang.catalog import services

    draft = services.start_draft(small_item.pk, by=catalog_admin)
    data = _formset(
        "steps",
        [
            {"name": "受理", "role": "前台受理员", "days": 0, "ORDER": 1},
            {"name": "决定", "role": "审批负责人", "days": 2, "ORDER": 2},
        ],
        extra=1,
    )
    data["steps-INITIAL_FORMS"] = "0"
    response = as_user("catalog-admin").post(f"/workbench/catalog/items/{CODE}/v2/steps/", data)
    assert response.status_code == 302
    assert [(s.seq, s.name, s.days) for s in draft.steps.all()] == [(1, "受理", 0), (2, "决定", 2)]


def test_each_editable_table_labels_its_cells_as_its_header_says(
    small_item, catalog_admin, as_user
):
    """A screen reader hears the same column names a sighted editor sees, row by row."""
    from yiwang.catalog import services

    services.start_draft(small_item.pk, by=catalog_admin)
    page = as_user("catalog-admin").get(f"/workbench/catalog/items/{CODE}/v2/edit/")
    html = page.content.decode()
    headers = {
        anchor: re.findall(r'<th scope="col">([^<]+)</th>', section)
        for anchor, section in re.findall(
            r'<section class="card" id="(\w+)"(.*?)</section>', html, re.S
        )
    }
    assert headers["steps"] == ["顺序", "环节名称", "办理岗位", "时限(工作日)", "删除"]
    assert headers["faqs"] == ["顺序", "问题", "解答", "删除"]
    assert headers["guide"] == ["顺序", "步骤", "说明", "删除"]
    assert headers["materials"][0] == "顺序" and headers["materials"][-1] == "删除"
    assert '<label class="visually-hidden" for="id_steps-0-ORDER">第1行 顺序</label>' in html
    assert '<label class="visually-hidden" for="id_guide-0-DELETE">第1行 删除</label>' in html


def test_attachments_are_checked_by_content(small_item, catalog_admin, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.catalog import services

    draft = services.start_draft(small_item.pk, by=catalog_admin)
    material = draft.materials.first()
    client = as_user("catalog-admin")
    url = f"/workbench/catalog/items/{CODE}/v2/attachments/"
    fake = SimpleUploadedFile("申请书.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(
        url, {"material": material.pk, "kind": "blank", "title": "申请书", "file": fake}
    )
    assert response.status_code == 400
    assert "只能上传 PDF、Word（DOC/DOCX）、Excel（XLS/XLSX）、JPG 或 PNG 文件。" in (
        response.content.decode()
    )
    real = SimpleUploadedFile("申请书.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    response = client.post(
        url, {"material": material.pk, "kind": "blank", "title": "申请书", "file": real}
    )
    assert response.status_code == 302
    assert material.attachments.get().title == "申请书"


def test_import_page_shows_every_error_and_imports_nothing(
    demo, as_user, django_capture_on_commit_callbacks, tmp_path
):
    client = as_user("catalog-admin")
    assert "上传并导入" in client.get("/workbench/catalog/import/").content.decode()
    path = broken_demo_file(tmp_path)
    with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/workbench/catalog/import/", {"file": handle})
    assert response.status_code == 302
    record = CatalogImport.objects.get()
    assert record.status == CatalogImport.Status.REJECTED and len(record.errors) == 3
    page = client.get(response["Location"]).content.decode()
    assert "发现 3 处错误，未导入任何数据" in page
    assert page.count("<tr><td>事项</td>") == 2 and "关联证照类型编码" in page
    assert 'hx-trigger="every 1s"' not in page  # finished: the polling stops
    assert ServiceItem.objects.count() == 0


def test_import_page_runs_a_good_file_and_its_progress_partial(
    demo, as_user, django_capture_on_commit_callbacks, tmp_path
):
    path = tmp_path / "small.xlsx"
    _write(small_sheets(), path)
    client = as_user("catalog-admin")
    with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/workbench/catalog/import/", {"file": handle})
    record = CatalogImport.objects.get()
    assert record.status == CatalogImport.Status.DONE and record.progress == 100
    assert record.summary["items_created"] == 3
    partial = client.get(f"/workbench/catalog/import/{record.pk}/progress/", HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert "<html" not in text and 'value="100"' in text and "导入完成" in text

    # A queued import polls every second and offers a refresh link without JavaScript.
    CatalogImport.objects.filter(pk=record.pk).update(status="queued", progress=0)
    text = client.get(f"/workbench/catalog/import/{record.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in text and ">刷新</a>" in text
    assert response.status_code == 302


def test_upload_that_is_not_a_workbook_is_refused(demo, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_user("catalog-admin")
    response = client.post(
        "/workbench/catalog/import/", {"file": SimpleUploadedFile("catalog.xlsx", b"a,b\n1,2\n")}
    )
    assert response.status_code == 400
    assert "请上传 Excel 2007 及以上版本的 .xlsx 文件。" in response.content.decode()
    assert not CatalogImport.objects.exists()
    assert as_user("catalog-reviewer").get("/workbench/catalog/import/").status_code == 403


def test_export_downloads_the_published_catalogue(small_catalog, as_user):
    response = as_user("catalog-reviewer").get("/workbench/catalog/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="catalog-')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert [r[0] for r in workbook["事项"].iter_rows(min_row=2, values_only=True)] == sorted(
        ["SCJ-XK-0001", "SCJ-XK-0002", "MZJ-QR-0001"]
    )


def test_workbench_home_links_to_the_catalogue_for_catalogue_roles(demo, as_user):
    assert "/workbench/catalog/" in as_user("catalog-admin").get("/workbench/").content.decode()
    assert "/workbench/catalog/" not in as_user("clerk").get("/workbench/").content.decode()


def _write(sheets, path):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, columns in exchange.COLUMNS.items():
        sheet = workbook.create_sheet(name)
        sheet.append(columns)
        for row in sheets[name]:
            sheet.append([row[c] for c in columns])
    workbook.save(path)


def test_faqs_and_walkthrough_are_edited_in_the_draft_editor(small_item, catalog_admin, as_user):
    from yiwang.catalog import services

    draft = services.start_draft(small_item.pk, by=catalog_admin)
    client = as_user("catalog-admin")
    page = client.get(f"/workbench/catalog/items/{CODE}/v2/edit/").content.decode()
    assert 'id="faqs"' in page and 'id="guide"' in page

    faqs = {
        "faqs-TOTAL_FORMS": "2",
        "faqs-INITIAL_FORMS": "0",
        "faqs-0-question": "需要本人到场吗？",
        "faqs-0-answer": "全程网办，不用到场。",
        "faqs-0-ORDER": "1",
        "faqs-1-question": "",
        "faqs-1-answer": "",
        "faqs-1-ORDER": "",
    }
    response = client.post(f"/workbench/catalog/items/{CODE}/v2/faqs/", faqs)
    assert response.status_code == 302
    assert [f.question for f in draft.faqs.all()] == ["需要本人到场吗？"]

    faqs["faqs-0-answer"] = ""  # a question without an answer is refused, nothing changes
    response = client.post(f"/workbench/catalog/items/{CODE}/v2/faqs/", faqs)
    assert response.status_code == 400 and "请填写解答" in response.content.decode()
    assert draft.faqs.get().answer == "全程网办，不用到场。"

    guide = {
        "guide-TOTAL_FORMS": "1",
        "guide-INITIAL_FORMS": "0",
        "guide-0-title": "在线填写申请",
        "guide-0-detail": "登录后填写一张表。",
        "guide-0-ORDER": "1",
    }
    response = client.post(f"/workbench/catalog/items/{CODE}/v2/guide/", guide)
    assert response.status_code == 302
    assert [g.title for g in draft.guide_steps.all()] == ["在线填写申请"]


def test_admin_adds_a_conditional_field_reviewer_sees_it_and_publishes(demo, as_user):
    """The form is part of the version: edited in the draft, shown in the diff, published
    with it, and the version before keeps the rows it had."""
    from yiwang.catalog import forms
    from yiwang.forms import services as form_services

    from .test_exchange import form_sheets

    exchange.import_sheets(form_sheets())
    client = as_user("catalog-admin")
    assert client.post(f"/workbench/catalog/items/{CODE}/edit/").status_code == 302
    item = ServiceItem.objects.get(code=CODE)
    draft = item.versions.get(number=2)
    assert len(form_services.field_rows(draft)) == 6  # the draft starts as a full copy
    page = client.get(f"/workbench/catalog/items/{CODE}/v2/edit/").content.decode()
    assert 'id="form"' in page and "保存申请表" in page
    assert '<label class="visually-hidden" for="id_form-0-element">第1行 数据元</label>' in page

    def post(show_if):
        rows = forms.form_field_initial(draft)
        for row in rows[3:]:  # make room after 经营形式 (3) for the new field
            row["ORDER"] += 1
        data = _formset("form", rows, extra=0)
        data["form-TOTAL_FORMS"] = str(len(rows) + 1)
        new = {
            "key": "platform_name",
            "label": "网店平台名称",
            "kind": "text",
            "show_if": show_if,
            "help_text": "如在多个平台经营，填写主要平台",
            "ORDER": "4",
        }
        data.update({f"form-{len(rows)}-{k}": v for k, v in new.items()})
        return client.post(f"/workbench/catalog/items/{CODE}/v2/form/", data)

    response = post("business_form=market")
    assert response.status_code == 400
    html = response.content.decode()
    assert "申请表有错误，请看标出的行。没有保存任何修改。" in html
    assert 'id="id_form-6-show_if_error"' in html  # on the row that breaks the rule
    assert "序号4（网店平台名称）：“market”不是字段“business_form”的可选值" in html
    assert len(form_services.field_rows(draft)) == 6

    response = post("business_form=online")
    assert response.status_code == 302 and response["Location"].endswith("/v2/edit/#form")
    rows = form_services.field_rows(draft)
    assert [r["key"] for r in rows][2:5] == ["business_form", "platform_name", "web_address"]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    # What the editor does not show is kept: 拟设企业名称 still is never prefilled.
    assert rows[0]["no_prefill"] is True and rows[0]["max_length"] == 50

    preview = client.get(f"/workbench/catalog/items/{CODE}/v2/form/preview/")
    assert preview.status_code == 200
    assert "网店平台名称" in preview.content.decode()

    assert client.post(f"/workbench/catalog/items/{CODE}/v2/submit/").status_code == 302
    reviewer = as_user("catalog-reviewer")
    page = reviewer.get(f"/workbench/catalog/items/{CODE}/v2/review/").content.decode()
    assert "网店平台名称（platform_name）" in page
    assert "显示条件:business_form=online" in page and "字段顺序" not in page
    assert reviewer.post(f"/workbench/catalog/items/{CODE}/v2/publish/").status_code == 302

    item.refresh_from_db()
    assert item.published.number == 2
    old = item.versions.get(number=1)
    assert "platform_name" not in [r["key"] for r in form_services.field_rows(old)]
    page = reviewer.get(f"/workbench/catalog/items/{CODE}/v1/").content.decode()
    assert "拟设企业名称" in page and "网店平台名称" not in page
