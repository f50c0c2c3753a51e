"""Result delivery (出件 / 送达), its own small machine (DESIGN.md §6): pending → ready →
delivered. A journey has one delivery: a single case's result, or every approved result of
a bundle, handed over at the window by the issuer or shipped by courier. Choosing mail may
happen while the case is still under review (pending); the delivery is ready when the
journey concludes with a result."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.audit import services as audit
from yiwang.cases import services as cases
from yiwang.cases.models import Case, Status
from yiwang.core import limits
from yiwang.identity import policy
from yiwang.notify import services as notify

from . import courier
from .models import DeliveryMethod, DeliveryStatus, ResultDelivery

NOT_DELIVERABLE = {Status.DRAFT, Status.REFUSED, Status.WITHDRAWN, Status.DENIED}

ALLOWED = {
    DeliveryStatus.PENDING: {DeliveryStatus.READY},
    DeliveryStatus.READY: {DeliveryStatus.DELIVERED},
    DeliveryStatus.DELIVERED: set(),
}


def _check(delivery: ResultDelivery, target) -> None:
    if target not in ALLOWED[delivery.status]:
        raise ValidationError(
            _("出件状态“%(current)s”，不能变为“%(target)s”。")
            % {
                "current": DeliveryStatus(delivery.status).label,
                "target": DeliveryStatus(target).label,
            },
            code="invalid_delivery_transition",
        )


def _tell_applicant(case: Case, subject: str, body: str) -> None:
    transaction.on_commit(
        lambda: notify.site(case.applicant, subject, body, link=f"/my/cases/{case.pk}/")
    )


def make_ready(case: Case, *, by) -> ResultDelivery:
    """Called by the engine when a journey concludes with a result (the case is locked)."""
    delivery, _created = ResultDelivery.objects.select_for_update().get_or_create(
        case=case, defaults={"place_path": case.place_path}
    )
    if delivery.status != DeliveryStatus.PENDING:
        return delivery
    _check(delivery, DeliveryStatus.READY)
    delivery.status, delivery.ready_at = DeliveryStatus.READY, timezone.now()
    delivery.save()
    how = DeliveryMethod(delivery.method).label
    cases.record_event(
        case, by=by, action="result_ready", note=_("办理结果待出件（%(how)s）") % {"how": how}
    )
    _tell_applicant(
        case,
        _("办理结果待领取") if delivery.method == DeliveryMethod.PICKUP else _("办理结果待寄出"),
        _("%(title)s（%(number)s）的办理结果已准备好，送达方式：%(how)s。")
        % {"title": case.title, "number": case.number, "how": how},
    )
    return delivery


def _lock_top(case_id) -> Case:
    try:
        case = cases.lock(case_id)
    except Case.DoesNotExist:
        raise Http404 from None
    return case


@transaction.atomic
def choose_delivery(
    case_id, *, by, method: str, recipient: str = "", phone: str = "", address: str = ""
) -> ResultDelivery:
    """The applicant chooses pickup at the window or mail to an address."""
    case = _lock_top(case_id)
    policy.require(by, "case.view", case)
    if case.applicant_id != by.pk:
        raise ValidationError(_("只有申请人可以选择送达方式。"), code="not_applicant")
    if case.parent_id:
        raise ValidationError(_("请在一件事主办件上选择送达方式。"), code="use_parent")
    # A 一件事 denied as a whole may still have approved items whose results go out.
    has_results = ResultDelivery.objects.filter(case=case).exists()
    if case.status in NOT_DELIVERABLE and not has_results:
        raise ValidationError(_("该办件没有需要送达的办理结果。"), code="nothing_to_deliver")
    if method not in DeliveryMethod.values:
        raise ValidationError(_("请选择送达方式。"), code="method_required")
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
    if method == DeliveryMethod.MAIL:
        if not (recipient and phone and address):
            raise ValidationError(
                _("邮寄送达需要收件人、联系电话和地址。"), code="address_required"
            )
        from yiwang.identity.services import validate_phone

        phone = validate_phone(phone)
    delivery, _created = ResultDelivery.objects.select_for_update().get_or_create(
        case=case, defaults={"place_path": case.place_path}
    )
    if delivery.status == DeliveryStatus.DELIVERED:
        raise ValidationError(_("办理结果已送达。"), code="already_delivered")
    delivery.method = method
    delivery.recipient, delivery.phone, delivery.address = (
        (recipient, phone, address) if method == DeliveryMethod.MAIL else ("", "", "")
    )
    delivery.save()
    cases.record_event(
        case,
        by=by,
        action="delivery_chosen",
        note=_("送达方式：%(how)s") % {"how": DeliveryMethod(method).label},
    )
    audit.record(by, "delivery.chosen", delivery, org_path=case.place_path)
    return delivery


def _lock_ready(case_id, by, method) -> tuple[Case, ResultDelivery]:
    case = _lock_top(case_id)
    delivery = ResultDelivery.objects.select_for_update().filter(case=case).first()
    if delivery is None:
        policy.require(by, "case.view", case)
        raise ValidationError(_("该办件还没有可出件的结果。"), code="not_ready")
    policy.require(by, "delivery.issue", delivery)
    if delivery.method != method:
        raise ValidationError(
            _("申请人选择的送达方式是“%(how)s”。") % {"how": delivery.get_method_display()},
            code="wrong_method",
        )
    _check(delivery, DeliveryStatus.DELIVERED)
    return case, delivery


@transaction.atomic
def hand_over(case_id, *, by) -> ResultDelivery:
    """窗口出件: the issuer hands the result to the applicant."""
    case, delivery = _lock_ready(case_id, by, DeliveryMethod.PICKUP)
    delivery.status, delivery.delivered_at, delivery.delivered_by = (
        DeliveryStatus.DELIVERED,
        timezone.now(),
        by,
    )
    delivery.save()
    cases.record_event(case, by=by, action="delivered", note=_("办理结果已在窗口领取"))
    audit.record(by, "delivery.handed_over", delivery, org_path=delivery.place_path)
    return delivery


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
    delivery.status, delivery.delivered_at, delivery.delivered_by = (
        DeliveryStatus.DELIVERED,
        timezone.now(),
        by,
    )
    delivery.save()
    cases.record_event(
        case,
        by=by,
        action="shipped",
        note=_("办理结果已交%(courier)s寄出，运单号 %(number)s")
        % {"courier": delivery.courier, "number": tracking},
    )
    audit.record(
        by,
        "delivery.shipped",
        delivery,
        org_path=delivery.place_path,
        summary={"tracking": tracking},
    )
    _tell_applicant(
        case,
        _("办理结果已寄出"),
        _("%(title)s的办理结果已寄出，运单号 %(number)s。")
        % {"title": case.title, "number": tracking},
    )
    return delivery
