"""Helpers of the citizen and board tests, on top of tests/hotline/factories.py (the line's
people, subjects): a citizen's own appeal (`filed`), a caller's (`called`), moving one
along through the services (`handling`, `answer`), a published board post (`post`), and
published posts written straight into the table for the read side's lists (`bare_post`)."""

import datetime
import uuid

from django.utils import timezone

from tests.hotline import factories
from yiwang.hotline import services
from yiwang.hotline.models import Appeal, AppealStatus, AppealType, BoardKind, Channel
from yiwang.identity.models import OrgUnit

CGW, ZJW, HEPING = factories.CGW, factories.ZJW, factories.HEPING
PHONE = "13800000001"  # the demo citizen's (张三) account phone
CALLER = "13900000009"


def street() -> OrgUnit:
    return OrgUnit.objects.get(code=HEPING)


def filed(citizen, subject=None, *, text="小区门口的垃圾三天没有清运，气味很大。", **extra):
    """An appeal the citizen filed on the web (or the board, with channel=board)."""
    fields = {
        "type": AppealType.COMPLAINT,
        "channel": Channel.WEB,
        "subject": subject,
        "area": street(),
        "phone": citizen.phone or PHONE,
        **extra,
    }
    return services.record_appeal(by=citizen, citizen=citizen, text=text, **fields)


def called(line, subject=None, *, phone=CALLER, text="楼下路灯坏了一个星期，晚上很黑。"):
    """An appeal a caller made by phone (no account); its tracking key on `.token`."""
    return factories.record(
        line,
        type=AppealType.HELP,
        text=text,
        subject=subject,
        area=street(),
        phone=phone,
        caller_name="赵六",
    )


def handling(appeal, line, subject, *, unit=CGW):
    """Dispatched to `unit` and accepted there."""
    lead = OrgUnit.objects.get(code=unit)
    appeal = services.dispatch(appeal, by=line.dispatcher, subject=subject, lead=lead)
    return services.accept(appeal, by=factories.handler_for(line, lead))


def answer(appeal, line, subject, *, reply="已安排环卫工人清运，并加强巡查。", unit=CGW):
    """Handled (if not yet), replied by the lead unit and approved by the dispatcher."""
    appeal = Appeal.objects.get(pk=appeal.pk)
    if appeal.status == AppealStatus.PENDING:
        appeal = handling(appeal, line, subject, unit=unit)
    handler = factories.handler_for(line, OrgUnit.objects.get(code=unit))
    appeal = services.reply(appeal, by=handler, text=reply)
    return services.review_reply(appeal, by=line.dispatcher, approve=True)


TYPE_OF_KIND = {
    BoardKind.ASK: AppealType.CONSULT,
    BoardKind.COMPLAIN: AppealType.COMPLAINT,
    BoardKind.SUGGEST: AppealType.SUGGESTION,
}


def post(citizen, line, subject, *, title, text, reply, kind=BoardKind.ASK, unit=CGW):
    """A board post, answered and so published (masked by the services)."""
    appeal = filed(
        citizen,
        subject,
        text=text,
        channel=Channel.BOARD,
        board_kind=kind,
        title=title,
        type=TYPE_OF_KIND[kind],
    )
    return answer(appeal, line, subject, reply=reply, unit=unit)


def bare_post(*, title="路灯不亮", text="路灯不亮。", reply="已修复。", at=None, **fields):
    """A published post written straight into the table, for the read side's lists (many
    posts without running every command for each). Its text has no personal data, so its
    public text is the text."""
    at = at or timezone.now()
    return Appeal.objects.create(
        received_at=at - datetime.timedelta(days=2),
        type=AppealType.CONSULT,
        title=title,
        text=text,
        channel=Channel.BOARD,
        board_kind=fields.pop("board_kind", BoardKind.ASK),
        status=AppealStatus.ANSWERED,
        answered_at=at,
        published_at=at,
        public_text=text,
        reply=reply,
        public_reply=reply,
        token_hash=Appeal.hash_token(uuid.uuid4().hex),
        **fields,
    )
