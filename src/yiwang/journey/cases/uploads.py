"""What an uploaded material really is, decided by its whole content, not its name: PDF,
JPEG or PNG, nothing else, nothing that is two of them at once (a polyglot), and nothing
that runs when it is opened.

One pass over the file computes its digest and size (stopping as soon as it is too
large) and looks, across the whole content, for the signatures of formats that do not
belong in it: a PDF, an HTML page, a script, an SVG or a ZIP archive hidden after byte
1,024 of a photo opens as that other thing in whatever reader is lenient enough. Then
the file must be what it claims to be all the way through: an image decodes completely
(Pillow) and ends where the format says it ends, and a PDF (pypdf) carries no active
content: no JavaScript, no automatic or launch actions, no embedded files, rich media or
XFA forms. Each refusal names what was found.
"""

import hashlib
import io
import logging
import re
import warnings
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

# Formats hidden inside another, matched on the lower-cased content. A ZIP archive is
# matched by a local file header with a plausible "version needed" (10, 20, 45, 51, 63)
# or an end-of-directory record of a single-disk archive, so that the random bytes of
# compressed image data do not look like one.
EMBEDDED = [
    ("PDF", re.compile(rb"%pdf-")),
    ("HTML", re.compile(rb"<html|<!doctype html|<iframe|<body[\s>]")),
    ("JavaScript", re.compile(rb"<script")),
    ("SVG", re.compile(rb"<svg")),
    ("ZIP", re.compile(rb"pk\x03\x04[\x0a\x14\x2d\x33\x3f]\x00|pk\x05\x06\x00\x00\x00\x00")),
]
# A PDF begins with its own signature, and its compressed streams may hold JPEG data.
NOT_EMBEDDED_IN = {"application/pdf": {"PDF"}}
OVERLAP = 16  # longer than any signature above, so one split across two chunks is seen

# PDF names that make a document act on its own when opened or clicked (ISO 32000-1
# §12.6 actions, §7.11.4 embedded files, §12.7.8 XFA; RichMedia from Adobe's extension).
ACTIVE_KEYS = {
    "/JavaScript",
    "/JS",
    "/OpenAction",
    "/AA",
    "/Launch",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/RichMedia",
    "/XFA",
}
ACTIVE_TYPES = {"/JavaScript", "/Launch", "/RichMedia", "/EmbeddedFile", "/RichMediaExecute"}
# The same names written out in the raw file, for objects no cross-reference table lists
# (only names long enough that compressed data will not spell them by chance).
# /OpenAction is left to the structural check: as a destination it is harmless.
RAW_ACTIVE = re.compile(rb"/(JavaScript|Launch|EmbeddedFiles?|RichMedia)[\s/<>\[\]()]")
NAME_IN_STREAM = re.compile(
    rb"/(JavaScript|JS|AA|Launch|EmbeddedFiles?|RichMedia|XFA)[\s/<>\[\]()]"
)

logger = logging.getLogger(__name__)


def max_bytes() -> int:
    return settings.YIWANG_UPLOAD_MAX_BYTES


@dataclass(frozen=True)
class Checked:
    content_type: str
    size: int
    sha256: str
    safe_name: str


@dataclass
class _Pass:
    head: bytes = b""
    tail: bytes = b""
    size: int = 0
    digest: str = ""
    embedded: tuple[str, ...] = ()
    raw_active: tuple[str, ...] = ()


def _too_large() -> ValidationError:
    return ValidationError(
        _("文件太大，单个文件不能超过 %(mb)d MB。") % {"mb": max_bytes() // (1024 * 1024)},
        code="upload_too_large",
    )


def _read_once(uploaded) -> _Pass:
    """Digest, size, head, last bytes and every signature found, in one pass."""
    digest, seen = hashlib.sha256(), _Pass()
    embedded: set[str] = set()
    raw_active: set[str] = set()
    carry = b""
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        seen.size += len(chunk)
        if seen.size > max_bytes():
            raise _too_large()
        digest.update(chunk)
        if len(seen.head) < 1024:
            seen.head += chunk[: 1024 - len(seen.head)]
        window = carry + chunk
        lowered = window.lower()
        for name, pattern in EMBEDDED:
            if name not in embedded and pattern.search(lowered):
                embedded.add(name)
        raw_active.update(m.decode() for m in RAW_ACTIVE.findall(window))
        carry = window[-OVERLAP:]
        seen.tail = (seen.tail + chunk)[-64:]
    uploaded.seek(0)
    seen.digest = digest.hexdigest()
    seen.embedded = tuple(sorted(embedded))
    seen.raw_active = tuple(sorted(raw_active))
    return seen


def _polyglot(found) -> ValidationError:
    return ValidationError(
        _("文件里藏有另一种格式的内容（%(found)s），不能作为材料上传。请重新扫描或导出后上传。")
        % {"found": "、".join(found)},
        code="upload_polyglot",
    )


# --- images -------------------------------------------------------------------------------


def _check_image(uploaded, kind: str, tail: bytes) -> None:
    from PIL import Image

    broken = ValidationError(
        _("图片文件已损坏或不完整，无法打开。请重新拍摄或导出后上传。"), code="upload_broken"
    )
    expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[kind]
    try:
        with warnings.catch_warnings():
            # A "decompression bomb" (a few KB that decode to gigapixels) is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            uploaded.seek(0)
            with Image.open(uploaded) as image:
                if image.format != expected:
                    raise broken
                image.verify()
            uploaded.seek(0)
            with Image.open(uploaded) as image:
                image.load()
    except ValidationError:
        raise
    except Exception:  # Pillow raises many kinds for a broken file; all mean "broken"
        raise broken from None
    finally:
        uploaded.seek(0)
    # Nothing after the image's end: trailing data is where a second format hides. A
    # JPEG ends with EOI (FF D9; MPF photos end with their last picture's EOI), a PNG
    # with its IEND chunk.
    end = b"\xff\xd9" if kind == "image/jpeg" else b"IEND\xaeB`\x82"
    trimmed = tail.rstrip(b"\x00\r\n\t ") if kind == "image/jpeg" else tail
    if not trimmed.endswith(end):
        raise ValidationError(
            _("图片结尾之后还附带了其他数据，不能作为材料上传。请重新拍摄或导出后上传。"),
            code="upload_trailing_data",
        )


# --- PDF ----------------------------------------------------------------------------------


def _pdf_reader(uploaded):
    from pypdf import PdfReader

    uploaded.seek(0)
    try:
        return PdfReader(uploaded, strict=False)
    except Exception:  # noqa: BLE001 - then let pypdf rebuild the table from the objects
        logger.debug("PDF cross-reference table unreadable, rebuilding", exc_info=True)
    # No (or a broken) cross-reference table: viewers rebuild it from the "N 0 obj"
    # markers, and so does pypdf when pointed at an offset that is not a table.
    uploaded.seek(0)
    data = uploaded.read() + b"\nstartxref\n0\n%%EOF\n"
    uploaded.seek(0)
    return PdfReader(io.BytesIO(data), strict=False)


def _active_in(obj, found: set[str]) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    # Direct values only: every indirect object is visited on its own (no cycles).
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                if key == "/OpenAction":
                    # A destination (an array: "open at page 1, fit width") only
                    # positions the view; an action dictionary acts.
                    target = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(target, DictionaryObject):
                        found.add(str(key))
                elif key in ACTIVE_KEYS:
                    found.add(str(key))
                if key in ("/S", "/Subtype", "/Type") and isinstance(value, NameObject):
                    if value in ACTIVE_TYPES:
                        found.add(str(value))
                if isinstance(value, DictionaryObject | ArrayObject):
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(v for v in item if isinstance(v, DictionaryObject | ArrayObject))


def _active_content(uploaded, raw_active: tuple[str, ...]) -> list[str]:
    """The active-content names of the PDF; raises when pypdf cannot read it at all."""
    from pypdf.generic import IndirectObject, StreamObject

    reader = _pdf_reader(uploaded)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception:  # noqa: BLE001 - an unknown algorithm is as closed as a password
            opened = 0
        if not opened:
            raise ValidationError(
                _("PDF 文件设置了打开密码，无法检查其内容。请去掉密码后重新上传。"),
                code="upload_pdf_encrypted",
            )
    found = {f"/{name}" for name in raw_active}
    ids = [(num, gen) for gen, nums in reader.xref.items() for num in nums]
    ids += [(num, 0) for num in reader.xref_objStm]
    for num, gen in ids:
        try:
            obj = reader.get_object(IndirectObject(num, gen, reader))
        except Exception:  # noqa: BLE001 - an unreadable object is skipped, like a viewer does
            logger.debug("PDF object %s unreadable", num, exc_info=True)
            continue
        _active_in(obj, found)
        if isinstance(obj, StreamObject) and obj.get("/Type") == "/ObjStm":
            # Objects packed in an object stream: read their names from the decoded text,
            # in case the table that lists them was the broken part.
            try:
                packed = obj.get_data()
            except Exception:  # noqa: BLE001 - the raw scan above still saw it
                logger.debug("PDF object stream %s undecodable", num, exc_info=True)
                continue
            found.update(f"/{m.decode()}" for m in NAME_IN_STREAM.findall(packed))
    _active_in(reader.trailer, found)
    return sorted(found)


def _check_pdf(uploaded, raw_active: tuple[str, ...]) -> None:
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a repaired table is not news
    try:
        found = _active_content(uploaded, raw_active)
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - pypdf raises many kinds for a file it cannot read
        logger.info("upload refused: pypdf could not read the PDF", exc_info=True)
        raise ValidationError(
            _("PDF 文件已损坏，无法打开。请重新扫描或导出后上传。"), code="upload_broken"
        ) from None
    finally:
        uploaded.seek(0)
    if found:
        raise ValidationError(
            _(
                "PDF 文件含有打开时会自动运行的内容（%(found)s），不能作为材料上传。"
                "请打印后重新扫描，或用“打印为 PDF”另存一份后上传。"
            )
            % {"found": "、".join(found)},
            code="upload_active_content",
        )


# --- the one check ------------------------------------------------------------------------


def check(uploaded) -> Checked:
    seen = _read_once(uploaded)
    if seen.size == 0:
        raise ValidationError(_("文件是空的，请重新选择。"), code="upload_empty")
    kinds = [kind for kind, magic in SIGNATURES.items() if seen.head.startswith(magic)]
    if not kinds:
        raise ValidationError(
            _("只能上传 PDF、JPG 或 PNG 文件，这个文件的内容不是其中任何一种。"), code="upload_type"
        )
    kind = kinds[0]
    hidden = [name for name in seen.embedded if name not in NOT_EMBEDDED_IN.get(kind, ())]
    if hidden:
        raise _polyglot(hidden)
    if kind == "application/pdf":
        _check_pdf(uploaded, seen.raw_active)
    else:
        _check_image(uploaded, kind, seen.tail)
    original = (getattr(uploaded, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = "".join(ch for ch in original.rsplit(".", 1)[0] if ch.isalnum() or ch in "-_ ()（）")
    safe_name = f"{(stem.strip() or 'file')[:80]}.{EXTENSIONS[kind]}"
    return Checked(kind, seen.size, seen.digest, safe_name)
