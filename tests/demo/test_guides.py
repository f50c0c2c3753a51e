from tests.pdf_fonts import assert_self_contained


def test_hot_items_get_a_walkthrough_faqs_and_downloadable_forms(demo_catalog):
    from yiwang.catalog.models import Attachment, ItemVersion

    version = ItemVersion.objects.get(item__code="SCJ-XK-0005", status="published")
    titles = [step.title for step in version.guide_steps.all()]
    assert titles[0] == "查看办事指南" and "在线申请" in titles
    assert version.faqs.filter(question__contains="营业执照").exists()
    blank = Attachment.objects.get(material__version=version, kind="blank")
    content = blank.file.open("rb").read()
    assert content.startswith(b"%PDF")
    assert_self_contained(content, "申请人姓名", "公民身份号码")
