"""What an uploaded material really is, decided by its content, not its name: PDF, JPEG or
PNG, nothing else, and nothing that is two of them at once (a PDF-JPEG polyglot)."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SIGNATURES = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def max_bytes() -> int:
    return getattr(settings, "YIWANG_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)


@dataclass(frozen=True)
class Checked:
    content_type: str
    size: int
    sha256: str
    safe_name: str


def _head_and_digest(uploaded) -> tuple[bytes, int, str]:
    digest, size, head = hashlib.sha256(), 0, b""
    for chunk in uploaded.chunks():
        if len(head) < 1024:
            head += chunk[: 1024 - len(head)]
        digest.update(chunk)
        size += len(chunk)
    uploaded.seek(0)
    return head, size, digest.hexdigest()


def check(uploaded) -> Checked:
    head, size, sha256 = _head_and_digest(uploaded)
    if size == 0:
        raise ValidationError(_("文件是空的，请重新选择。"), code="upload_empty")
    if size > max_bytes():
        raise ValidationError(
            _("文件太大，单个文件不能超过 %(mb)d MB。") % {"mb": max_bytes() // (1024 * 1024)},
            code="upload_too_large",
        )
    kinds = [kind for kind, magic in SIGNATURES.items() if head.startswith(magic)]
    if not kinds:
        raise ValidationError(
            _("只能上传 PDF、JPG 或 PNG 文件，这个文件的内容不是其中任何一种。"), code="upload_type"
        )
    kind = kinds[0]
    # PDF readers accept "%PDF-" anywhere in the first 1024 bytes, so an image carrying it
    # there is also a PDF (a polyglot): whatever opens it may show something other than what
    # the clerk saw.
    if kind != "application/pdf" and b"%PDF-" in head:
        raise ValidationError(
            _("文件内容异常（同时像是两种格式），请重新导出后上传。"), code="upload_polyglot"
        )
    original = (getattr(uploaded, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = "".join(ch for ch in original.rsplit(".", 1)[0] if ch.isalnum() or ch in "-_ ()（）")
    safe_name = f"{(stem.strip() or 'file')[:80]}.{EXTENSIONS[kind]}"
    return Checked(kind, size, sha256, safe_name)
