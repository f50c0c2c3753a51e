"""Demo guide content the exchange file does not carry: FAQs, a step-by-step 攻略 for every
hot item, and blank forms and filled samples for their application forms (PDFs made here
with ReportLab, stored through Django storage like any upload)."""

import hashlib
import io

from django.core.files.base import ContentFile
from django.db import transaction

from yiwang.catalog.models import Attachment, Faq, GuideStep, ItemVersion, VersionStatus

FAQS = {
    "SCJ-XK-0001": [
        (
            "企业设立登记需要跑几次？",
            "全程网办，零跑腿。营业执照可以选择邮寄或在政务服务中心自助领取。",
        ),
        (
            "没有实体办公场所可以注册吗？",
            "需要有符合规定的住所（经营场所），可使用住所（经营场所）申报承诺制。",
        ),
    ],
    "SCJ-XK-0005": [
        ("个体户营业执照多久能拿到？", "材料齐全、符合法定形式的，1个工作日内办结。"),
        ("个体户可以不起字号吗？", "可以。个体工商户可以使用字号，也可以不使用字号。"),
    ],
    "CLJ-GG-0001": [
        (
            "残疾证在哪里办？",
            "向户籍所在地街道便民服务中心或区残联提出申请，之后到指定医院评定残疾等级。",
        ),
        ("办理残疾证要交钱吗？", "不收费。残疾评定费用按本市规定减免。"),
    ],
    "GAJ-QR-0001": [
        (
            "孩子出生后多久要上户口？",
            "婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居申报出生登记。",
        ),
        ("父母户口不在一起，孩子随谁落户？", "可以随父落户，也可以随母落户。"),
    ],
    "MZJ-QR-0001": [
        ("结婚登记需要预约吗？", "建议在网上预约办理时间，到婚姻登记处现场办理，双方须本人到场。"),
    ],
    "RSJ-GG-0009": [
        ("社保卡丢了怎么办？", "先通过网上或电话挂失，再申请补领，新卡可邮寄到家。"),
    ],
}

_FORM_WORDS = ("申请书", "申请表", "登记表")


def _guide_steps(version: ItemVersion) -> list[tuple[str, str]]:
    materials = "、".join(m.name for m in version.materials.all()[:4])
    steps = [
        ("查看办事指南", f"确认您符合“{version.name}”的受理条件。"),
        ("准备材料", f"主要材料：{materials}。来自电子证照库的材料无需提交。"),
    ]
    if version.online_depth >= 3:
        steps.append(("在线申请", "登录一网，在事项页面点击“在线办理”，填写一张表并上传材料。"))
    else:
        steps.append(("到窗口申请", "携带材料到办理地点的综合窗口，可以先在网上预约。"))
    days = f"{version.promised_days}个工作日内" if version.promised_days else "当场"
    steps.append(("等待审核", f"受理后{days}办结，进度可在“我的办件”中查看。"))
    steps.append(
        ("领取结果", "可选择窗口领取或快递送达。" if version.courier else "到窗口领取结果。")
    )
    return steps


def _form_pdf(title: str, item_name: str, sample: bool) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from yiwang.core.pdf import font

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, initialFontName=font())
    page.setTitle(title)
    width, height = A4
    page.setFont(font(), 18)
    page.drawCentredString(width / 2, height - 30 * mm, title + ("（填写样表）" if sample else ""))
    page.setFont(font(), 11)
    page.drawCentredString(width / 2, height - 38 * mm, f"事项：{item_name}")
    fields = [
        ("申请人姓名", "张三"),
        ("公民身份号码", "110101198503152019"),
        ("联系电话", "13800000001"),
        ("联系地址", "示例市示范区人民路100号"),
        ("申请事项", item_name),
        ("申请日期", "2026年11月23日"),
    ]
    top = height - 55 * mm
    for index, (label, example) in enumerate(fields):
        y = top - index * 14 * mm
        page.rect(20 * mm, y - 4 * mm, width - 40 * mm, 12 * mm)
        page.drawString(24 * mm, y + 2 * mm, label)
        if sample:
            page.drawString(70 * mm, y + 2 * mm, example)
    page.drawString(
        20 * mm,
        top - len(fields) * 14 * mm - 6 * mm,
        "申请人承诺：所填内容真实、准确，如有虚假愿承担法律责任。",
    )
    page.drawString(
        120 * mm, top - len(fields) * 14 * mm - 20 * mm, "申请人签名：" + ("张三" if sample else "")
    )
    page.showPage()
    page.save()
    return buffer.getvalue()


@transaction.atomic
def load_guides() -> int:
    """Add FAQs, 攻略 and form attachments to hot items' published versions, once."""
    added = 0
    hot = (
        ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, hot=True)
        .select_related("item")
        .prefetch_related("materials")
    )
    for version in hot:
        if version.guide_steps.exists():
            continue
        GuideStep.objects.bulk_create(
            [
                GuideStep(version=version, seq=n, title=t, detail=d)
                for n, (t, d) in enumerate(_guide_steps(version), 1)
            ]
        )
        Faq.objects.bulk_create(
            [
                Faq(version=version, seq=n, question=q, answer=a)
                for n, (q, a) in enumerate(FAQS.get(version.item.code, []), 1)
            ]
        )
        for material in version.materials.all():
            if not material.name.endswith(_FORM_WORDS):
                continue
            for kind, sample in [
                (Attachment.Kind.BLANK_FORM, False),
                (Attachment.Kind.SAMPLE, True),
            ]:
                content = _form_pdf(material.name, version.name, sample)
                attachment = Attachment(
                    material=material,
                    kind=kind,
                    title=material.name + ("（样表）" if sample else ""),
                    sha256=hashlib.sha256(content).hexdigest(),
                )
                attachment.file.save(
                    f"{version.item.code}-{material.seq}-{kind}.pdf",
                    ContentFile(content),
                    save=False,
                )
                attachment.save()
        added += 1
    return added
