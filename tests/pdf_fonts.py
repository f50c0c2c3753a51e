"""What every generated PDF must be: each font embedded (a reader without Chinese fonts shows
the characters, an archive copy is self-contained) and its text readable back."""

from io import BytesIO

from pypdf import PdfReader

# A guide, receipt, decision or licence stays small although it carries its font subset.
MAX_PDF_BYTES = 400_000


def fonts_of(pdf: bytes) -> dict[str, bool]:
    """Every font the pages use, by base name, and whether its glyphs are in the file."""
    fonts = {}
    for page in PdfReader(BytesIO(pdf)).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"])] = embedded
    return fonts


def text_of(pdf: bytes) -> str:
    pages = PdfReader(BytesIO(pdf)).pages
    return "".join("".join(page.extract_text().split()) for page in pages)


def assert_self_contained(pdf: bytes, *words: str) -> None:
    fonts = fonts_of(pdf)
    assert fonts and all(fonts.values()), fonts
    text = text_of(pdf)
    for word in words:
        assert word in text, word
    assert len(pdf) < MAX_PDF_BYTES, len(pdf)
