"""Uploaded materials are checked over their whole content (penetration test, finding 7):
a second format hidden after byte 1,024, a PDF that acts when opened, an image that does
not decode or carries data after its end are refused, each with what was found."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from yiwang.journey.cases import uploads

HTML = b"<html><body><script>fetch('/api/v1/me')</script></body></html>"


def image(kind: str, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, kind)
    return out.getvalue()


def clean_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with(change) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def open_action_js(writer):
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hi')"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)


def embedded_file(writer):
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 a program")


def destination_open_action(writer):
    # "Open at page 1, fit the width": a view, not an action; Word and LaTeX write these.
    from pypdf.generic import ArrayObject

    page = writer.pages[0].indirect_reference
    writer._root_object[NameObject("/OpenAction")] = ArrayObject([page, NameObject("/FitH")])


def jpeg_with_pdf_in_a_comment() -> bytes:
    jpeg = image("JPEG")
    pdf = clean_pdf()
    assert len(pdf) < 65000
    comment = b"\xff\xfe" + (len(pdf) + 2 + 1100).to_bytes(2, "big") + b"\x00" * 1100 + pdf
    return jpeg[:2] + comment + jpeg[2:]  # the PDF starts well after byte 1,024


def checked(content: bytes, name="file"):
    return uploads.check(SimpleUploadedFile(name, content))


def refusal(content: bytes, name="file") -> ValidationError:
    with pytest.raises(ValidationError) as error:
        checked(content, name)
    return error.value


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (clean_pdf(), "application/pdf"),
        (pdf_with(destination_open_action), "application/pdf"),
        (image("JPEG"), "image/jpeg"),
        (image("PNG"), "image/png"),
    ],
    ids=["pdf", "pdf-opening-at-page-1", "jpeg", "png"],
)
def test_clean_files_are_accepted(content, kind):
    result = checked(content, "scan")
    assert result.content_type == kind and result.size == len(content)


@pytest.mark.parametrize(
    ("build", "code", "named"),
    [
        (jpeg_with_pdf_in_a_comment, "upload_polyglot", "PDF"),
        (lambda: image("JPEG") + clean_pdf(), "upload_polyglot", "PDF"),
        (lambda: image("PNG") + b"\x00" * 2048 + clean_pdf(), "upload_polyglot", "PDF"),
        (lambda: clean_pdf() + HTML, "upload_polyglot", "HTML"),
        (
            lambda: clean_pdf().replace(b"%%EOF", b"%" + HTML + b"\n%%EOF"),
            "upload_polyglot",
            "HTML",
        ),
        (lambda: image("PNG") + b"<svg onload=alert(1)>", "upload_polyglot", "SVG"),
        (lambda: pdf_with(open_action_js), "upload_active_content", "/OpenAction"),
        (lambda: pdf_with(open_action_js), "upload_active_content", "/JavaScript"),
        (lambda: pdf_with(embedded_file), "upload_active_content", "/EmbeddedFiles"),
        (lambda: image("JPEG")[:-200], "upload_broken", ""),
        (lambda: image("JPEG") + b"trailing bytes", "upload_trailing_data", ""),
    ],
    ids=[
        "jpeg-with-a-pdf-after-byte-1024",
        "jpeg-with-a-pdf-appended",
        "png-with-a-pdf-appended",
        "pdf-with-html-appended",
        "pdf-with-html-inside",
        "png-with-svg",
        "pdf-open-action",
        "pdf-javascript",
        "pdf-embedded-file",
        "truncated-jpeg",
        "jpeg-with-trailing-data",
    ],
)
def test_hostile_files_are_refused_naming_what_was_found(build, code, named):
    error = refusal(build())
    assert error.code == code
    assert named in error.messages[0]


def test_a_pdf_refusal_reads_in_chinese_and_says_what_to_do():
    message = refusal(pdf_with(open_action_js)).messages[0]
    assert "自动运行" in message and "重新扫描" in message


class Chunked(File):
    """A file read in 64 KB chunks, as Django reads a large upload from its temporary file,
    counting what was read."""

    def __init__(self, content: bytes, name: str):
        super().__init__(io.BytesIO(content), name=name)
        self.read_bytes = 0

    def chunks(self, chunk_size=None):
        for chunk in super().chunks(64 * 1024):
            self.read_bytes += len(chunk)
            yield chunk


def test_an_oversized_file_is_refused_without_reading_it_all(settings):
    settings.YIWANG_UPLOAD_MAX_BYTES = 100_000
    big = Chunked(clean_pdf() + b"%" + b"x" * 1_000_000, "big.pdf")
    with pytest.raises(ValidationError) as error:
        uploads.check(big)
    assert error.value.code == "upload_too_large"
    assert big.read_bytes <= 2 * 64 * 1024  # stopped at the second chunk, not at 1 MB


def test_a_signature_split_across_two_chunks_is_still_found():
    jpeg = image("JPEG")
    filler = b"\x00" * (64 * 1024 - len(jpeg) + 1)
    content = jpeg[:-2] + filler + b"%PDF-1.4 " + jpeg[-2:]  # "%" ends the first chunk
    assert content[64 * 1024 - 1 : 64 * 1024] == b"%"
    with pytest.raises(ValidationError) as error:
        uploads.check(Chunked(content, "split.jpg"))
    assert error.value.code == "upload_polyglot"
