"""`Idempotency-Key` for POSTs: retried submissions do not duplicate.

    class CitizenRegistration(APIView):
        @idempotent
        def post(self, request): ...

    class CaseViewSet(viewsets.GenericViewSet):
        @action(detail=True, methods=["post"])
        @idempotent
        def submit(self, request, pk=None): ...

A request without the header runs as usual. With it:

- same key, same owner (the signed-in user; for anonymous requests the client address),
  same request → the first response again (status, body, Location), and no second effect;
- same key with a different method, path or body → 422 `idempotency_key_reused`;
- an empty key or one longer than 255 characters → 400 `idempotency_key_invalid`;
- if the view raises or answers with an error status, nothing is kept and a retry may
  succeed.

The record is inserted *before* the view runs, in the transaction that carries the view's
effect, by one `INSERT … ON CONFLICT DO NOTHING`. Concurrent requests with one key
therefore meet at the unique (owner, key) index: on PostgreSQL the second insert waits
until the first transaction ends, then either inserts nothing (the first committed: replay
its response) or inserts (it rolled back: do the work); on
SQLite the write lock taken at BEGIN IMMEDIATE serialises them. Records expire after
`RETENTION`; `purge_expired()` deletes them (the worker calls it periodically).
"""

import datetime
import functools
import hashlib
import json

from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from yiwang.core.middleware import client_ip

from .models import IdempotencyRecord
from .problems import Problem

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RETENTION = datetime.timedelta(hours=24)
# Headers of the first response worth replaying; Content-Type is stored separately.
REPLAYED_HEADERS = ("Location",)

PARAMETER = OpenApiParameter(
    HEADER,
    # What `_key_of` accepts: 1–255 characters, not all blank.
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"\S"},
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "客户端生成的唯一值（如 UUID）。重试时使用同一值，服务端只处理一次并返回首次的响应；"
        "24小时内有效。"
    ),
)


class IdempotencyKeyInvalid(Problem):
    status_code = 400
    default_code = "idempotency_key_invalid"
    default_detail = _("Idempotency-Key 不能为空，且不能超过255个字符。")


class IdempotencyKeyReused(Problem):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _("该 Idempotency-Key 已用于另一个不同的请求，请为新请求生成新的键。")


class _NotKept(Exception):
    """Carries an error response out of the transaction so the record rolls back with it."""

    def __init__(self, response):
        self.response = response


def owner_of(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request) or 'unknown'}"


def _jsonable(value):
    if hasattr(value, "chunks") and hasattr(value, "size"):  # an uploaded file
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {
            "file": getattr(value, "name", ""),
            "size": value.size,
            "sha256": digest.hexdigest(),
        }
    return str(value)


def fingerprint_of(request) -> str:
    data = request.data
    if hasattr(data, "lists"):  # QueryDict from a form or multipart body
        data = dict(data.lists())
    canonical = json.dumps(
        [request.method, request.get_full_path(), data],
        sort_keys=True,
        ensure_ascii=False,
        default=_jsonable,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key_of(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyInvalid()
    return key


def _render(response) -> tuple[str, bytes, dict]:
    """The bytes a client receives, fixed now so the first answer and every replay match."""
    headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    if isinstance(response, Response):
        body = b"" if response.data is None else JSONRenderer().render(response.data)
        return "application/json", body, headers
    return response.get("Content-Type", "application/json"), response.content, headers


def _respond(record: IdempotencyRecord, *, replayed: bool) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    for name, value in record.headers.items():
        response[name] = value
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _insert(owner: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Our record, inserted; None when a record with this key is there already. One
    statement, `INSERT … ON CONFLICT DO NOTHING RETURNING` (no savepoint to recover from a
    unique violation): on PostgreSQL it waits for a concurrent insert of the key to commit
    (nothing inserted) or roll back (ours is)."""
    record = IdempotencyRecord(
        owner=owner,
        key=key,
        fingerprint=fingerprint,
        status_code=0,
        content_type="",
        body=b"",
        headers={},
        created_at=timezone.now(),
    )
    fields = [f for f in IdempotencyRecord._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = (
        f"INSERT INTO {quote(IdempotencyRecord._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote('owner')}, {quote('key')}) DO NOTHING "
        f"RETURNING {quote(IdempotencyRecord._meta.pk.column)}"
    )  # table and columns are the model's own, quoted; the values are parameters
    values = [f.get_db_prep_save(getattr(record, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    record.pk = row[0]
    return record


def _claim(owner: str, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """Insert our record (and return it with True), or return the one a previous request
    with this key committed (with False)."""
    for _attempt in range(2):
        mine = _insert(owner, key, fingerprint)
        if mine is not None:
            return mine, True
        existing = IdempotencyRecord.objects.get(owner=owner, key=key)
        if existing.created_at >= timezone.now() - RETENTION:
            break
        existing.delete()  # expired: the key is free again
    if existing.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return existing, False


def idempotent(handler):
    """Decorate a POST handler (an APIView method or a ViewSet action)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = _key_of(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        owner, fingerprint = owner_of(request), fingerprint_of(request)
        try:
            with transaction.atomic():
                record, mine = _claim(owner, key, fingerprint)
                if not mine:
                    return _respond(record, replayed=True)
                response = handler(view, request, *args, **kwargs)
                if response.status_code >= 400:
                    raise _NotKept(response)
                content_type, body, headers = _render(response)
                record.status_code = response.status_code
                record.content_type = content_type
                record.body = body
                record.headers = headers
                record.save(update_fields=["status_code", "content_type", "body", "headers"])
                return _respond(record, replayed=False)
        except _NotKept as refused:
            return refused.response

    return extend_schema(parameters=[PARAMETER])(wrapper)


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete records older than RETENTION; returns how many."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
