"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2; docs/hotline.md, "Open311 and
the API") under /open311/v2/: discovery, the services (one per active second-level
subject), a service's definition, service requests listed, posted and read, and a token's
request. Every resource answers in XML (the format the specification requires) and JSON,
chosen by its extension (`services.xml`, `services.json`).

What it shows is public: anyone may read it without a key. So it lists only appeals whose
text is meant to be seen — the message board's published posts (their masked text and
reply) and appeals filed through Open311 itself, which are not 举报 and not confidential,
with their text, address and reply passed through `masking.mask` — and never a caller's
name or phone. Posting needs an `api_key` (an Open311Client, kept as its SHA-256).

Input is form-encoded, as the specification says; nothing here parses XML. Every parameter
is checked before anything is read from the database (ASCII digits only, lengths, ranges);
a bad one is a 400, an unknown resource a 404, a missing or wrong api_key a 403, each as
GeoReport's error list: [{"code": 400, "description": "…"}]."""

import datetime
import decimal
import hashlib
import json
import re
import secrets
import xml.etree.ElementTree as ET  # noqa: S405 - builds output only; no input is parsed
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from yiwang.core import links

from . import masking, selectors, services, subjects
from .models import (
    OPEN_STATUSES,
    Appeal,
    AppealType,
    Channel,
    Open311Client,
    Subject,
)
from .models import TYPE_BY_LABEL as _TYPE_BY_LABEL

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed (discovery's `changeset`).
CHANGESET = "2026-12-08T00:00:00+08:00"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")

# GeoReport v2, GET Service Requests: without dates the last 90 days; a date range spans at
# most 90 days; at most 1000 requests an answer (newest first; narrow the dates for more).
DEFAULT_DAYS = 90
MAX_SPAN_DAYS = 90
MAX_RESULTS = 1000
MAX_IDS = 100  # service_request_id=1,2,… in one call
MAX_CODES = 100  # service_code=A,B,… in one call

# Lengths of what a client may send (a longer value is a 400, never cut).
MAX_KEY = 128
MAX_NAME = 50
MAX_PHONE = 30
MAX_EMAIL = 254
MAX_ADDRESS = 300  # Appeal.address
MAX_SHORT = 100  # jurisdiction_id, device_id, account_id, address_id, a service_code
MAX_URL = 2000
MAX_DATE = 40
MAX_ID = 2**63  # a bigint's bound: a longer number is no appeal's

ASCII_DECIMAL = re.compile(r"^[+-]?[0-9]{1,3}(\.[0-9]{1,15})?$")
ASCII_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
PRINTABLE_ASCII = re.compile(r"^[\x21-\x7e]+$")
# Characters XML 1.0 cannot carry (stored text has no C0 controls, but U+FFFE/U+FFFF…).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
DEFAULT_TYPE = AppealType.HELP  # a GeoReport request asks the city to fix something: 求助


class Open311Error(Exception):
    """A GeoReport error: its HTTP status is also its `code`."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = str(description)


def bad_request(description: str) -> Open311Error:
    return Open311Error(400, description)


def not_found(description: str = "") -> Open311Error:
    return Open311Error(404, description or _("请求的资源不存在。"))


# --- output -------------------------------------------------------------------------------


@dataclass
class Many:
    """A list in the output: JSON's array, XML's `<tag>` repeated inside its parent."""

    tag: str
    items: list


def _clean(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _put(parent, tag: str, value) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, child in value.items():
            _put(element, key, child)
    elif isinstance(value, Many):
        for item in value.items:
            _put(element, value.tag, item)
    else:
        element.text = _clean(value)


def _plain(value):
    if isinstance(value, Many):
        return [_plain(item) for item in value.items]
    if isinstance(value, dict):
        return {key: _plain(child) for key, child in value.items()}
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    return value


def render(fmt: str, root: str, body, status: int = 200) -> HttpResponse:
    """`body` is a dict (one element) or a Many (the root holds a list), as XML under
    `root` or as JSON."""
    if fmt == "json":
        content = json.dumps(_plain(body), ensure_ascii=False, separators=(",", ":"))
    else:
        element = ET.Element(root)
        if isinstance(body, Many):
            for item in body.items:
                _put(element, body.tag, item)
        else:
            for key, value in body.items():
                _put(element, key, value)
        content = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
            element, encoding="unicode"
        )
    return HttpResponse(content.encode(), status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, error: Open311Error, headers: dict | None = None) -> HttpResponse:
    body = Many("error", [{"code": error.status, "description": error.description}])
    response = render(fmt if fmt in CONTENT_TYPES else "xml", "errors", body, error.status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def endpoint(*methods: str):
    """A GeoReport view: the methods it answers, errors as GeoReport's list, `fmt` given by
    the URL."""

    def decorate(view):
        def wrapped(request, *args, fmt: str = "xml", **kwargs):
            if request.method not in methods:
                error = Open311Error(405, _("不支持该请求方法。"))
                return error_response(fmt, error, {"Allow": ", ".join(methods)})
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return error_response(fmt, error)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return csrf_exempt(wrapped)  # a client authenticates by api_key, never by a cookie

    return decorate


def iso(moment: datetime.datetime | None) -> str | None:
    """ISO 8601 with its offset, in the district's time (GeoReport: a timezone is required)."""
    if moment is None:
        return None
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


# --- input --------------------------------------------------------------------------------


def _one(data, name: str, *, limit: int, label: str = "") -> str:
    """One parameter, stripped; a repeated one or one over `limit` characters is a 400."""
    values = data.getlist(name)
    if len(values) > 1:
        raise bad_request(_("参数 %(name)s 只能给出一次。") % {"name": name})
    value = (values[0] if values else "").strip()
    if len(value) > limit:
        raise bad_request(
            _("参数 %(name)s 最多 %(max)d 个字符。") % {"name": label or name, "max": limit}
        )
    return value


def _ascii_token(value: str, name: str) -> str:
    if value and not PRINTABLE_ASCII.match(value):
        raise bad_request(_("参数 %(name)s 含有不允许的字符。") % {"name": name})
    return value


def _list(data, name: str, *, limit: int, each: int) -> list[str]:
    raw = _one(data, name, limit=limit * (each + 1))
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if len(items) > limit:
        raise bad_request(_("参数 %(name)s 最多 %(max)d 项。") % {"name": name, "max": limit})
    for item in items:
        if len(item) > each:
            raise bad_request(_("参数 %(name)s 的值过长。") % {"name": name})
    return items


def parse_coordinate(value: str, name: str, bound: int) -> decimal.Decimal:
    """A latitude or longitude: ASCII digits, within ±bound, kept to six decimals."""
    if not ASCII_DECIMAL.match(value):
        raise bad_request(_("参数 %(name)s 应为十进制数（如 39.9042）。") % {"name": name})
    number = decimal.Decimal(value)
    if abs(number) > bound:
        raise bad_request(
            _("参数 %(name)s 应在 -%(bound)d 与 %(bound)d 之间。") % {"name": name, "bound": bound}
        )
    return number.quantize(decimal.Decimal("0.000001"), rounding=decimal.ROUND_HALF_EVEN)


def parse_datetime(value: str, name: str) -> datetime.datetime:
    """ISO 8601 (ASCII digits only); without an offset, the district's time."""
    if not ASCII_DATETIME.match(value):
        raise bad_request(
            _("参数 %(name)s 应为 ISO 8601 时间（如 2026-01-05T08:00:00+08:00）。") % {"name": name}
        )
    text = value.replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise bad_request(_("参数 %(name)s 不是有效的时间。") % {"name": name}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


def parse_request_id(value: str) -> int:
    """The appeal's id in its public number (ASCII digits, its day and id)."""
    pk = Appeal.id_of_number(value)
    if pk is None or pk >= MAX_ID or Appeal.day_of_number(value) is None:
        raise bad_request(
            _("service_request_id 应为诉求编号（14至20位数字）：%(value)s") % {"value": value[:30]}
        )
    return pk


# --- what is public -----------------------------------------------------------------------


def public_appeals():
    """The appeals GeoReport shows to anyone: published board posts, and what came through
    Open311 unless it is a 举报 or confidential."""
    shown = Q(published_at__isnull=False) | (
        Q(channel=Channel.OPEN311) & Q(confidential=False) & ~Q(type=AppealType.REPORT)
    )
    return Appeal.objects.filter(shown).select_related("subject", "lead_unit")


def _mask(text: str) -> str:
    return masking.mask(text) if text else ""


def request_row(appeal: Appeal) -> dict:
    """One service request as GeoReport lists it, in the specification's order."""
    published = appeal.published_at is not None
    if published:
        description, reply = appeal.public_text, appeal.public_reply
    else:
        description = _mask(appeal.text)
        reply = _mask(appeal.reply) if selectors.reply_shown(appeal) else ""
    from_open311 = appeal.channel == Channel.OPEN311
    expected = None
    if appeal.due_on and appeal.is_open:
        # A deadline is the end of its working day (docs/architecture.md, "Time").
        expected = iso(
            datetime.datetime.combine(appeal.due_on, datetime.time(23, 59, 59), SHANGHAI)
        )
    subject = appeal.subject
    return {
        "service_request_id": appeal.number,
        "status": "open" if appeal.status in OPEN_STATUSES else "closed",
        "status_notes": reply or str(appeal.get_status_display()),
        "service_name": subject.name if subject else "",
        "service_code": subject.code if subject else "",
        "description": description,
        "agency_responsible": appeal.lead_unit.name if appeal.lead_unit_id else "",
        "service_notice": "",
        "requested_datetime": iso(appeal.received_at),
        "updated_datetime": iso(appeal.updated_at),
        "expected_datetime": expected,
        "address": _mask(appeal.address) if from_open311 else "",
        "address_id": "",
        "zipcode": "",
        "lat": float(appeal.lat) if from_open311 and appeal.lat is not None else None,
        "long": float(appeal.long) if from_open311 and appeal.long is not None else None,
        "media_url": "",
    }


def _services():
    return subjects.leaves()


def service_row(subject: Subject) -> dict:
    group = subject.parent.name if subject.parent_id else ""
    return {
        "service_code": subject.code,
        "service_name": subject.name,
        "description": f"{group} / {subject.name}" if group else subject.name,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(str(k) for k in (subject.keywords or [])),
        "group": group,
    }


# --- views --------------------------------------------------------------------------------


def _base_url(request) -> str:
    path = reverse("hotline_open311_discovery", kwargs={"fmt": "json"}).rsplit("/", 1)[0]
    if links.site_url():
        return links.absolute(path)
    return request.build_absolute_uri(path)


@endpoint("GET", "HEAD")
def discovery(request, *, fmt):
    """Service discovery: where this GeoReport v2 endpoint is and what it speaks."""
    formats = Many("format", ["text/xml", "application/json"])
    body = {
        "changeset": CHANGESET,
        "contact": _("12345政务服务便民热线"),
        "key_service": _("api_key 由平台管理员发放（yiwang hotline open311-client <名称>）。"),
        "endpoints": Many(
            "endpoint",
            [
                {
                    "specification": SPECIFICATION,
                    "url": _base_url(request),
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": formats,
                }
            ],
        ),
    }
    return render(fmt, "discovery", body)


@endpoint("GET", "HEAD")
def service_list(request, *, fmt):
    """Every active second-level subject, as a service."""
    _one(request.GET, "jurisdiction_id", limit=MAX_SHORT)
    rows = [service_row(subject) for subject in _services()]
    return render(fmt, "services", Many("service", rows))


@endpoint("GET", "HEAD")
def service_definition(request, code: str, *, fmt):
    """A service's definition: no attributes beyond GeoReport's own fields."""
    _one(request.GET, "jurisdiction_id", limit=MAX_SHORT)
    if len(code) > MAX_SHORT or not _services().filter(code=code).exists():
        raise not_found(_("没有这项服务：%(code)s") % {"code": code[:MAX_SHORT]})
    body = {"service_code": code, "attributes": Many("attribute", [])}
    return render(fmt, "service_definition", body)


@endpoint("GET", "HEAD", "POST")
def service_requests(request, *, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    return _list_requests(request, fmt)


def _list_requests(request, fmt):
    """GET Service Requests: by ids, or by service codes, dates and status."""
    query = request.GET
    _one(query, "jurisdiction_id", limit=MAX_SHORT)
    ids = _list(query, "service_request_id", limit=MAX_IDS, each=20)
    if ids:  # GeoReport: with ids given, the other filters are ignored
        numbers = {value: parse_request_id(value) for value in ids}
        found = public_appeals().filter(pk__in=set(numbers.values()))
        rows = [request_row(a) for a in found if numbers.get(a.number) == a.pk]
        return render(fmt, "service_requests", Many("request", rows))
    codes = _list(query, "service_code", limit=MAX_CODES, each=MAX_SHORT)
    statuses = _list(query, "status", limit=2, each=10)
    for value in statuses:
        if value not in ("open", "closed"):
            raise bad_request(_("参数 status 应为 open 或 closed。"))
    start_text = _one(query, "start_date", limit=MAX_DATE)
    end_text = _one(query, "end_date", limit=MAX_DATE)
    end = parse_datetime(end_text, "end_date") if end_text else timezone.now()
    start = (
        parse_datetime(start_text, "start_date")
        if start_text
        else end - datetime.timedelta(days=DEFAULT_DAYS)
    )
    if start > end:
        raise bad_request(_("start_date 不能晚于 end_date。"))
    if end - start > datetime.timedelta(days=MAX_SPAN_DAYS):
        raise bad_request(
            _("start_date 与 end_date 相隔不能超过 %(days)d 天。") % {"days": MAX_SPAN_DAYS}
        )
    appeals = public_appeals().filter(received_at__gte=start, received_at__lte=end)
    if codes:
        appeals = appeals.filter(subject__code__in=codes)
    if set(statuses) == {"open"}:
        appeals = appeals.filter(status__in=OPEN_STATUSES)
    elif set(statuses) == {"closed"}:
        appeals = appeals.exclude(status__in=OPEN_STATUSES)
    appeals = appeals.order_by("-received_at", "-id")[:MAX_RESULTS]
    return render(fmt, "service_requests", Many("request", [request_row(a) for a in appeals]))


@endpoint("GET", "HEAD")
def service_request(request, request_id: str, *, fmt):
    """GET Service Request: one, as a list of one."""
    _one(request.GET, "jurisdiction_id", limit=MAX_SHORT)
    pk = Appeal.id_of_number(request_id)
    found = pk is not None and pk < MAX_ID
    appeal = public_appeals().filter(pk=pk).first() if found else None
    if appeal is None or appeal.number != request_id:
        raise not_found(_("没有这个诉求编号：%(id)s") % {"id": request_id[:30]})
    return render(fmt, "service_requests", Many("request", [request_row(appeal)]))


@endpoint("GET", "HEAD")
def token(request, token_id: str, *, fmt):
    """GET request_id from a token: the tracking key a POST answered with."""
    _one(request.GET, "jurisdiction_id", limit=MAX_SHORT)
    appeal = None
    if len(token_id) <= MAX_SHORT and PRINTABLE_ASCII.match(token_id):
        appeal = (
            Appeal.objects.filter(token_hash=Appeal.hash_token(token_id))
            .only("pk", "received_at")
            .first()
        )
    if appeal is None:
        raise not_found(_("没有这个 token。"))
    row = {"service_request_id": appeal.number, "token": token_id}
    return render(fmt, "service_requests", Many("request", [row]))


def client_for_key(key: str) -> Open311Client | None:
    if not key or len(key) > MAX_KEY or not PRINTABLE_ASCII.match(key):
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()
    return Open311Client.objects.filter(key_hash=digest, is_active=True).first()


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _post_request(request, fmt):
    """POST Service Request: an appeal recorded through services.record_appeal, channel
    Open311, by nobody (the client is not a person)."""
    if request.content_type not in FORM_TYPES:
        raise bad_request(_("请以 application/x-www-form-urlencoded 表单提交。"))
    data = request.POST
    if request.FILES:
        raise bad_request(_("不接受上传文件；图片请用 media_url 提供链接。"))
    keys = data.getlist("api_key")
    client = client_for_key(keys[0].strip()) if len(keys) == 1 else None
    if client is None:
        raise Open311Error(403, _("api_key 无效或已停用。"))
    _one(data, "jurisdiction_id", limit=MAX_SHORT)
    fields = _posted_fields(data)
    try:
        appeal = services.record_appeal(by=None, channel=Channel.OPEN311, **fields)
    except ValidationError as error:
        raise bad_request(" ".join(error.messages)) from None
    row = {
        "service_request_id": appeal.number,
        "token": getattr(appeal, "token", None),
        "service_notice": _(
            "诉求已受理，编号 %(number)s。承办单位将在规定时限内办理并答复，可凭编号查询进度。"
        )
        % {"number": appeal.number},
        "account_id": None,
    }
    return render(fmt, "service_requests", Many("request", [row]), status=201)


def _posted_fields(data) -> dict:
    """record_appeal's arguments from GeoReport's fields; every one checked first."""
    code = _one(data, "service_code", limit=MAX_SHORT)
    if not code:
        raise bad_request(_("缺少 service_code。"))
    subject = _services().filter(code=code).first()
    if subject is None:
        raise bad_request(_("没有这项服务：%(code)s") % {"code": code})
    description = _one(data, "description", limit=services.TEXT_MAX, label="description")
    if not description:
        raise bad_request(_("请填写 description（诉求内容）。"))
    lat_text = _one(data, "lat", limit=MAX_SHORT)
    long_text = _one(data, "long", limit=MAX_SHORT)
    address = _one(data, "address_string", limit=MAX_ADDRESS)
    address_id = _one(data, "address_id", limit=MAX_SHORT)
    if bool(lat_text) != bool(long_text):
        raise bad_request(_("lat 与 long 须同时给出。"))
    if not (lat_text or address):
        if address_id:
            raise bad_request(_("不支持 address_id，请给出 lat/long 或 address_string。"))
        raise bad_request(_("请给出位置：lat 与 long，或 address_string。"))
    lat = parse_coordinate(lat_text, "lat", 90) if lat_text else None
    long = parse_coordinate(long_text, "long", 180) if long_text else None
    phone = _ascii_token(_one(data, "phone", limit=MAX_PHONE), "phone")
    first = _one(data, "first_name", limit=MAX_NAME)
    last = _one(data, "last_name", limit=MAX_NAME)
    # Kept by nothing (no field of an appeal), but checked as everything sent is.
    _one(data, "email", limit=MAX_EMAIL)
    _one(data, "device_id", limit=MAX_SHORT)
    _one(data, "account_id", limit=MAX_SHORT)
    _one(data, "media_url", limit=MAX_URL)
    kind = _one(data, "attribute[type]", limit=MAX_SHORT)
    appeal_type = DEFAULT_TYPE
    if kind:
        appeal_type = _TYPE_BY_LABEL.get(kind) or (kind if kind in AppealType.values else None)
        if appeal_type is None:
            raise bad_request(
                _("attribute[type] 应为：%(types)s") % {"types": "、".join(_TYPE_BY_LABEL)}
            )
    return {
        "type": appeal_type,
        "text": description,
        "subject": subject,
        "address": address,
        "lat": lat,
        "long": long,
        # Chinese order: family name first.
        "caller_name": f"{last}{first}".strip(),
        "phone": phone,
    }


# --- clients ------------------------------------------------------------------------------


def create_client(name: str) -> tuple[Open311Client, str]:
    """A new client and its api_key, which is shown once: only its SHA-256 is kept."""
    from yiwang.audit import services as audit

    name = str(name or "").strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise ValidationError(_("客户端名称应为1至100个可见字符。"), code="invalid_name")
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        client = Open311Client.objects.create(
            name=name, key_hash=hashlib.sha256(key.encode()).hexdigest()
        )
        audit.record(
            "yiwang hotline open311-client",
            "hotline.open311_client_created",
            client,
            summary={"name": name},
        )
    return client, key


def refused(request, status: int, description: str) -> HttpResponse:
    """A request refused before any view ran (web.middleware.RequestInputMiddleware: control
    characters, a body too large) as GeoReport's error list, in the format its path asks
    for — XML, the required one, unless it ends in .json."""
    fmt = "json" if request.path_info.rstrip("/").endswith(".json") else "xml"
    return error_response(fmt, Open311Error(status, description))


def not_found_view(request, *args, **kwargs):
    """Anything else under /open311/v2/: GeoReport's 404 (in XML, its required format,
    unless the path asked for JSON)."""
    fmt = "json" if request.path_info.endswith(".json") else "xml"
    return error_response(fmt, not_found())
