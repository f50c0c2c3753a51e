"""The decision document (准予许可决定书 / 不予许可决定书) of a concluded case, as PDF built
on request from the case. Same look and helpers as the case's other papers
(cases.documents): the embedded CJK font of core.pdf, dates from the case, never the clock."""

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from yiwang.core import pdf
from yiwang.journey.cases import documents as papers
from yiwang.journey.cases.models import Case, Status
from yiwang.workdays import calendar

from .models import ApprovalTask, TaskStatus

DECIDED = {Status.APPROVED, Status.APPROVED_TOLERATED, Status.DENIED}


def decision_title(case: Case) -> str:
    return _("不予许可决定书") if case.status == Status.DENIED else _("准予许可决定书")


def has_decision(case: Case) -> bool:
    """A decision document exists for a concluded item case (not a bundle's parent: each
    item has its own decision)."""
    return case.status in DECIDED and case.item_version_id is not None


def _opinion_rows(case: Case) -> list[tuple[str, str]]:
    tasks = ApprovalTask.objects.filter(case=case, status=TaskStatus.DONE).select_related("org")
    return [
        (f"{t.org.name} {t.name}", f"{t.get_decision_display()}　{t.opinion}".strip())
        for t in tasks.order_by("completed_at", "pk")
    ]


def result_words(case: Case) -> str:
    """This item's own result — in a bundle, each child names its own, never the first
    item's — with the number of the licence drafted from the case, when there is one."""
    version = case.item_version
    kind = version.result_license_type
    name = version.result_name or (kind.name if kind is not None else "")
    if kind is None:
        return name
    from yiwang.licenses.models import License

    number = License.objects.filter(case=case).values_list("number", flat=True).first()
    if not number:
        return name
    return _("%(name)s（证照编号 %(number)s）") % {"name": name, "number": number}


def decision_pdf(case: Case) -> bytes:
    if not has_decision(case):
        raise ValueError("the case has no decision")
    styles = pdf.styles()
    title = decision_title(case)
    issuer = case.department.name if case.department_id else case.place.name
    denied = case.status == Status.DENIED
    words = (
        _("您于%(received)s提出的“%(item)s”申请（办件编号 %(number)s），经审查，决定不予许可。")
        if denied
        else _(
            "您于%(received)s提出的“%(item)s”申请（办件编号 %(number)s），经审查，符合法定条件、标准，决定准予许可。"
        )
    ) % {"received": pdf.date_words(case.received_on), "item": case.title, "number": case.number}
    rows = [
        *papers.applicant_rows(case),
        (_("申请事项"), papers.item_words(case)),
        (_("受理日期"), pdf.date_words(case.accepted_at)),
        (_("决定日期"), pdf.date_words(case.concluded_at)),
    ]
    if denied:
        rows.append((_("不予许可理由"), case.decision_reason))
    elif result := result_words(case):
        rows.append((_("办理结果"), result))
    if case.status == Status.APPROVED_TOLERATED:
        rows.append((_("容缺说明"), _("容缺受理的材料须在规定期限内补齐。")))
    story = [
        pdf.paragraph(title, styles["title"]),
        pdf.paragraph(_("办件编号 %(number)s") % {"number": case.number}, styles["subtitle"]),
        Spacer(1, 6 * mm),
        pdf.paragraph(_("%(name)s：") % {"name": papers.addressee(case)}, styles["base"]),
        pdf.paragraph(words, styles["body"]),
        Spacer(1, 2 * mm),
        pdf.fields(rows, styles),
        pdf.paragraph(_("审批意见"), styles["h2"]),
        pdf.fields(_opinion_rows(case), styles),
    ]
    if denied:
        story.append(
            pdf.paragraph(
                _(
                    "如不服本决定，可以自收到本决定书之日起六十日内依照《中华人民共和国行政复议法》"
                    "的规定申请行政复议，或者自收到本决定书之日起六个月内依照《中华人民共和国"
                    "行政诉讼法》的规定向人民法院提起行政诉讼。"
                ),
                styles["body"],
            )
        )
    story += papers.signature(issuer, case.concluded_at, styles)
    return papers.build(story, title=title, case=case)


# --- 领取凭证: the receipt of a hand-over at the window ---------------------------------------


def hand_over_title() -> str:
    return _("领取凭证")


def hand_over_pdf(case: Case) -> bytes:
    """The receipt of a result collected at the window: case, item(s) and result(s), the
    collector (masked), the identity check, the confirmation, the clerk, the time and the
    hall. Built from the hand-over record (delivery.hand_over), never from the clock."""
    from yiwang.identity.validators import mask_name

    from .delivery import hand_over_words
    from .models import Collector, HandOver

    record = (
        HandOver.objects.select_related("delivery", "handed_over_by")
        .filter(delivery__case=case)
        .first()
    )
    if record is None:
        raise ValueError("the case's result was not handed over at the window")
    styles = pdf.styles()
    title = hand_over_title()
    items = list(case.children.filter(status__in=DECIDED - {Status.DENIED}).order_by("pk"))
    results = [r for item in (items or [case]) if (r := result_words(item))]
    collector = (
        _("申请人本人：%(name)s")
        if record.collector == Collector.APPLICANT
        else _("受托代领人：%(name)s")
    ) % {"name": mask_name(record.collector_name)}
    at = record.handed_over_at.astimezone(calendar.SHANGHAI)
    rows = [
        (_("办件编号"), case.number or "—"),
        (_("申请事项"), papers.item_words(case)),
        (_("办理结果"), "；".join(results) or "—"),
        (_("申请人"), mask_name(case.applicant.display_name)),
        (_("领取人"), collector),
        (
            _("身份核验"),
            _("%(document)s %(number)s，%(check)s")
            % {
                "document": record.get_id_document_display(),
                "number": record.id_number_masked,
                "check": record.get_id_check_display(),
            },
        ),
    ]
    if record.authorisation_checked:
        rows.append((_("授权委托"), _("已核验申请人签署的授权委托书")))
    rows += [
        (_("确认方式"), record.get_confirmation_display()),
        (_("经办人"), record.handed_over_by.display_name),
        (_("领取时间"), at.strftime("%Y-%m-%d %H:%M")),
        (_("领取地点"), case.place.name),
    ]
    story = [
        pdf.paragraph(title, styles["title"]),
        pdf.paragraph(_("办件编号 %(number)s") % {"number": case.number}, styles["subtitle"]),
        Spacer(1, 6 * mm),
        pdf.fields(rows, styles),
        Spacer(1, 4 * mm),
        pdf.paragraph(hand_over_words(record), styles["body"]),
    ]
    story += papers.signature(case.place.name, record.handed_over_at, styles)
    return papers.build(story, title=title, case=case)
