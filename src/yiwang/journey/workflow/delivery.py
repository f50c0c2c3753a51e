"""Result delivery (出件 / 送达), its own small machine (transitions.DELIVERY, docs/cases.md):
pending → ready → delivered. A journey has one delivery: a single case's result, or every approved result of
a bundle, handed over at the window by the issuer or shipped by courier. Choosing mail may
happen while the case is still under review (pending); the delivery is ready when the
journey concludes with a result."""

import base64
import binascii
import datetime
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from yiwang.audit import services as audit
from yiwang.core import limits
from yiwang.identity import crypto, policy
from yiwang.identity.validators import (
    mask_id_number,
    mask_name,
    normalize_id_number,
    validate_id_number,
)
from yiwang.journey.cases.models import Case
from yiwang.notify import services as notify

from . import aggregate, courier, decide_case
from . import services as engine
from .models import (
    Collector,
    Confirmation,
    DeliveryMethod,
    DeliveryStatus,
    HandOver,
    HandOverCode,
    IdCheck,
    IdDocument,
    ResultDelivery,
)
from .transitions import DELIVERY

NOT_DELIVERABLE = decide_case.NOT_DELIVERABLE


def _tell_applicant(case: Case, subject: str, body: str) -> None:
    transaction.on_commit(
        lambda: notify.site(case.applicant, subject, body, link=f"/my/cases/{case.pk}/")
    )


def make_ready_all(ready, writes) -> list[ResultDelivery]:
    """pending → ready for the cases of one completion whose result is now ready (the journey is locked, and was read with each case's delivery:
    aggregate.for_task): one write, and the timeline, events and the applicant's message
    go with the command's."""
    made, moved = [], []
    for case in ready:
        delivery = None
        if case.delivery_pk is not None:  # chosen already (read with the journey's lock)
            delivery = ResultDelivery(
                pk=case.delivery_pk,
                case=case,
                method=case.delivery_method,
                status=case.delivery_status,
            )
        if delivery is None:
            delivery = ResultDelivery(case=case, place_path=case.place_path)
            made.append(delivery)
        elif delivery.status != DeliveryStatus.PENDING:
            continue
        else:
            moved.append(delivery)
        DELIVERY.move(delivery, DeliveryStatus.READY)
        delivery.ready_at = writes.now
        how = DeliveryMethod(delivery.method).label
        writes.note(case, "result_ready", _("办理结果待出件（%(how)s）") % {"how": how})
        writes.announce("case.result_ready", case, method=delivery.method)
        subject = (
            _("办理结果待领取") if delivery.method == DeliveryMethod.PICKUP else _("办理结果待寄出")
        )
        body = _("%(title)s（%(number)s）的办理结果已准备好，送达方式：%(how)s。") % {
            "title": case.title,
            "number": case.number,
            "how": how,
        }
        writes.messages.append((case.applicant_id, subject, body, f"/my/cases/{case.pk}/"))
    if made:
        ResultDelivery.objects.bulk_create(made)
    if moved:
        ResultDelivery.objects.bulk_update(moved, ["status", "ready_at"])
    return made + moved


@transaction.atomic
def choose_delivery(
    case_id, *, by, method: str, recipient: str = "", phone: str = "", address: str = ""
) -> ResultDelivery:
    """The applicant chooses pickup at the window or mail to an address: the journey locked
    with its delivery (aggregate.for_case), the choice checked (decide_case.delivery_choice),
    the delivery and the timeline, audit written."""
    journey = aggregate.for_case(case_id, "delivery")
    case = journey.case
    policy.require(by, "case.view", case)
    recipient, phone, address = (
        limits.clean_text(
            value,
            label=label,
            field=name,
            max_chars=ResultDelivery._meta.get_field(name).max_length,
        )
        for name, label, value in (
            ("recipient", _("收件人"), recipient),
            ("phone", _("联系电话"), phone),
            ("address", _("邮寄地址"), address),
        )
    )
    delivery = aggregate.delivery_of(case)
    decide_case.delivery_choice(
        case.status,
        by_applicant=case.applicant_id == by.pk,
        is_item=bool(case.parent_id),
        has_results=delivery is not None,
        delivery_status=delivery.status if delivery else None,
        method=method,
        mail_complete=bool(recipient and phone and address),
    )
    if method == DeliveryMethod.MAIL:
        from yiwang.identity.services import validate_phone

        phone = validate_phone(phone)
    chosen = {"method": method, "recipient": "", "phone": "", "address": ""}
    if method == DeliveryMethod.MAIL:
        chosen |= {"recipient": recipient, "phone": phone, "address": address}
    if delivery is None:
        delivery = ResultDelivery.objects.create(case=case, place_path=case.place_path, **chosen)
    else:
        for name, value in chosen.items():
            setattr(delivery, name, value)
        delivery.save(update_fields=list(chosen))
    writes = engine._Writes(by)
    writes.note(
        case, "delivery_chosen", _("送达方式：%(how)s") % {"how": DeliveryMethod(method).label}
    )
    writes.audits.append(("delivery.chosen", delivery, {}, case.place_path))
    writes.save()
    return delivery


def _lock_ready(case_id, by, method) -> tuple[Case, ResultDelivery]:
    """The journey locked with its delivery, the applicant and the issuing centre read
    alongside (one statement); the issuer's right and the delivery's state checked."""
    case = aggregate.for_case(case_id, "delivery", related=("applicant", "place")).case
    delivery = aggregate.delivery_of(case)
    if delivery is None:
        policy.require(by, "case.view", case)
        raise ValidationError(_("该办件还没有可出件的结果。"), code="not_ready")
    policy.require(by, "delivery.issue", delivery)
    decide_case.issue(chosen=delivery.method, status=delivery.status, method=method)
    return case, delivery


# --- 窗口领取: who collects, how they are identified, how it is confirmed ----------------------

HAND_OVER_CODE_TTL = datetime.timedelta(minutes=10)
HAND_OVER_CODE_MAX_ATTEMPTS = 5
SIGNATURE_MAX_BYTES = 300 * 1024
SIGNATURE_MAX_SIDE = 2000


def _code_hash(delivery_id: int, code: str) -> str:
    """A keyed hash (docs/security.md: one-time codes are kept as keyed hashes only)."""
    key = crypto.blind_index(f"hand-over-code:{delivery_id}")
    return hmac.new(key.encode(), code.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def send_hand_over_code(case_id, *, by) -> HandOverCode:
    """Text a one-time code to the applicant's phone; the collector reads it out to the
    clerk. A new code replaces the earlier ones."""
    case, delivery = _lock_ready(case_id, by, DeliveryMethod.PICKUP)
    applicant = case.applicant
    if not applicant.phone:
        raise ValidationError(
            _("申请人没有登记手机号码，请改用领取人当场签名确认。"), code="no_phone"
        )
    now = timezone.now()
    HandOverCode.objects.filter(delivery=delivery, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    code = f"{secrets.randbelow(10**6):06d}"
    row = HandOverCode.objects.create(
        delivery=delivery,
        phone_masked=applicant.phone_masked,
        code_hash=_code_hash(delivery.pk, code),
        expires_at=now + HAND_OVER_CODE_TTL,
        sent_by=by,
    )
    notify.sms(
        applicant.phone,
        _(
            "【一网】%(title)s（%(number)s）的办理结果正在%(hall)s窗口领取，验证码 %(code)s，"
            "10分钟内有效。不是您本人或您委托的人领取，请勿告知他人。"
        )
        % {"title": case.title, "number": case.number, "hall": case.place.name, "code": code},
        recipient=applicant,
    )
    audit.record(by, "delivery.code_sent", delivery, org_path=delivery.place_path)
    return row


@dataclass(frozen=True)
class Identified:
    collector: str
    name: str
    id_document: str
    masked: str
    index: str
    check: str
    authorisation: bool


def _identify(
    case: Case, *, collector, id_document, id_number, agent_name, authorisation_checked
) -> Identified:
    """The collector and the check of their identity document. The applicant's number is
    compared with the one on their account (the full number or its last four); an agent's
    is recorded masked, with its keyed index, and needs the written authorisation."""
    if id_document not in IdDocument.values:
        raise ValidationError(_("请选择领取人出示的证件类型。"), code="id_document_required")
    number = normalize_id_number(id_number or "")
    if not number:
        raise ValidationError(_("请填写领取人的证件号码（全号或后四位）。"), code="id_required")
    if collector == Collector.APPLICANT:
        applicant = case.applicant
        own = applicant.reveal_id_number()
        if not own:
            raise ValidationError(
                _("申请人账户没有登记证件号码，无法核对，请申请人先完成实名登记。"),
                code="no_id_on_file",
            )
        if len(number) == 4:
            matched, check = hmac.compare_digest(number, own[-4:]), IdCheck.LAST4
        else:
            matched, check = hmac.compare_digest(number, own), IdCheck.FULL
        if not matched:
            raise ValidationError(_("证件号码与申请人登记的不一致，不能交付。"), code="id_mismatch")
        return Identified(
            collector, applicant.display_name, id_document, mask_id_number(own), "", check, False
        )
    if collector != Collector.AGENT:
        raise ValidationError(
            _("请选择领取人：申请人本人或受托代领人。"), code="collector_required"
        )
    name = limits.clean_text(agent_name, label=_("代领人姓名"), field="agent_name", max_chars=50)
    if not name:
        raise ValidationError(_("请填写代领人姓名。"), code="agent_name_required")
    if not authorisation_checked:
        raise ValidationError(
            _("代领须核验申请人签署的授权委托书，未核验不能交付。"),
            code="authorisation_required",
        )
    if id_document == IdDocument.RESIDENT_ID:
        number = validate_id_number(number)
    elif not 6 <= len(number) <= 30 or not number.isalnum():
        raise ValidationError(_("请填写代领人证件的完整号码。"), code="id_invalid")
    return Identified(
        collector,
        name,
        id_document,
        mask_id_number(number),
        crypto.blind_index(number),
        IdCheck.FULL,
        True,
    )


def _signature_image(signature) -> ContentFile:
    """A PNG drawn on the signature pad (a data: URL or bytes), checked to be an image."""
    data = signature or b""
    if isinstance(data, str):
        head, _sep, body = data.partition(",")
        if not head.startswith("data:image/png;base64"):
            raise ValidationError(_("请领取人在签名框内签名。"), code="signature_required")
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(
                _("签名图像无法读取，请重签。"), code="signature_invalid"
            ) from None
    if not data:
        raise ValidationError(_("请领取人在签名框内签名。"), code="signature_required")
    if len(data) > SIGNATURE_MAX_BYTES:
        raise ValidationError(_("签名图像过大，请重签。"), code="signature_invalid")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            ok = image.format == "PNG" and max(image.size) <= SIGNATURE_MAX_SIDE
    except Exception:  # noqa: BLE001 - any decoder error means "not a usable image"
        ok = False
    if not ok:
        raise ValidationError(_("签名图像无法读取，请重签。"), code="signature_invalid")
    if not _has_strokes(data):
        raise ValidationError(_("请领取人在签名框内签名。"), code="signature_required")
    return ContentFile(data, name="signature.png")


def _has_strokes(data: bytes) -> bool:
    """Something was drawn: a blank pad (white or transparent) is no signature."""
    with Image.open(io.BytesIO(data)) as image:
        sheet = Image.new("RGBA", image.size, "white")
        sheet.alpha_composite(image.convert("RGBA"))
    return (
        ImageOps.invert(sheet.convert("L")).point(lambda v: 255 if v > 32 else 0).getbbox()
        is not None
    )


def _use_code(delivery: ResultDelivery, code: str) -> ValidationError | None:
    """Check the newest code; a wrong try is counted (and kept, whatever happens next)."""
    row = (
        HandOverCode.objects.select_for_update()
        .filter(delivery=delivery, used_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None:
        return ValidationError(_("请先向申请人手机发送验证码。"), code="code_not_sent")
    if row.expires_at <= timezone.now():
        return ValidationError(_("验证码已过期，请重新发送。"), code="code_expired")
    if row.attempts >= HAND_OVER_CODE_MAX_ATTEMPTS:
        return ValidationError(_("验证码错误次数过多，请重新发送。"), code="code_locked")
    if not hmac.compare_digest(row.code_hash, _code_hash(delivery.pk, (code or "").strip())):
        row.attempts += 1
        row.save(update_fields=["attempts"])
        return ValidationError(_("验证码不正确。"), code="code_wrong")
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    return None


def hand_over(
    case_id,
    *,
    by,
    collector: str = Collector.APPLICANT,
    id_document: str = IdDocument.RESIDENT_ID,
    id_number: str = "",
    agent_name: str = "",
    authorisation_checked: bool = False,
    confirmation: str = Confirmation.SMS_CODE,
    code: str = "",
    signature=None,
) -> ResultDelivery:
    """窗口领取: the issuer hands the result to the applicant, or to an agent holding the
    applicant's written authorisation, after checking their identity document and having
    the collection confirmed by the code texted to the applicant's phone or by the
    collector's signature. One transaction: the delivery, its record and the timeline
    change together; a refusal changes nothing (a wrong code's try is still counted)."""
    refusal = None
    with transaction.atomic():
        case, delivery = _lock_ready(case_id, by, DeliveryMethod.PICKUP)
        who = _identify(
            case,
            collector=collector,
            id_document=id_document,
            id_number=id_number,
            agent_name=agent_name,
            authorisation_checked=authorisation_checked,
        )
        image = None
        if confirmation == Confirmation.SIGNATURE:
            image = _signature_image(signature)
        elif confirmation == Confirmation.SMS_CODE:
            refusal = _use_code(delivery, code)
        else:
            raise ValidationError(_("请选择确认方式。"), code="confirmation_required")
        if refusal is None:
            now = timezone.now()
            DELIVERY.move(delivery, DeliveryStatus.DELIVERED)
            delivery.delivered_at, delivery.delivered_by = now, by
            delivery.save(update_fields=["status", "delivered_at", "delivered_by"])
            record = HandOver(
                delivery=delivery,
                collector=who.collector,
                collector_name=who.name,
                id_document=who.id_document,
                id_number_masked=who.masked,
                id_number_index=who.index,
                id_check=who.check,
                authorisation_checked=who.authorisation,
                confirmation=confirmation,
                handed_over_by=by,
                handed_over_at=now,
            )
            if image is not None:
                record.signature.save(image.name, image, save=False)
            record.save()
            delivery.hand_over_record = record
            writes = engine._Writes(by)
            writes.note(case, "delivered", hand_over_words(record))
            writes.announce("case.result_delivered", case, method=delivery.method)
            summary = {"collector": who.collector, "confirmation": confirmation}
            writes.audits.append(("delivery.handed_over", delivery, summary, delivery.place_path))
            writes.save()
    if refusal is not None:
        raise refusal
    return delivery


def hand_over_words(record: HandOver) -> str:
    """The timeline's line: who collected (masked), the check and the confirmation."""
    who = (
        _("申请人本人领取")
        if record.collector == Collector.APPLICANT
        else _("受托代领人%(name)s凭授权委托书领取") % {"name": mask_name(record.collector_name)}
    )
    return _("%(who)s；%(document)s %(number)s，%(check)s；%(how)s确认") % {
        "who": who,
        "document": record.get_id_document_display(),
        "number": record.id_number_masked,
        "check": record.get_id_check_display(),
        "how": record.get_confirmation_display(),
    }


@transaction.atomic
def ship(case_id, *, by) -> ResultDelivery:
    """邮寄送达: the issuer hands the result to the courier; the tracking number goes into
    the timeline. Counted as delivered when shipped."""
    case, delivery = _lock_ready(case_id, by, DeliveryMethod.MAIL)
    carrier = courier.backend()
    tracking = carrier.ship(
        courier.Parcel(
            reference=case.number or str(case.pk),
            recipient=delivery.recipient,
            phone=delivery.phone,
            address=delivery.address,
            sender=case.place.name,
        )
    )
    delivery.courier, delivery.tracking_number = str(carrier.name), tracking
    DELIVERY.move(delivery, DeliveryStatus.DELIVERED)
    delivery.delivered_at, delivery.delivered_by = timezone.now(), by
    delivery.save(
        update_fields=["courier", "tracking_number", "status", "delivered_at", "delivered_by"]
    )
    writes = engine._Writes(by)
    writes.note(
        case,
        "shipped",
        _("办理结果已交%(courier)s寄出，运单号 %(number)s")
        % {"courier": delivery.courier, "number": tracking},
    )
    writes.announce("case.result_delivered", case, method=delivery.method)
    writes.audits.append(
        ("delivery.shipped", delivery, {"tracking": tracking}, delivery.place_path)
    )
    writes.save()
    _tell_applicant(
        case,
        _("办理结果已寄出"),
        _("%(title)s的办理结果已寄出，运单号 %(number)s。")
        % {"title": case.title, "number": tracking},
    )
    return delivery
