"""What the signature pad sends: a stroke on a white sheet, or nothing drawn."""

import io

from PIL import Image, ImageDraw


def png(*, blank=False, mode="RGB", background="white") -> bytes:
    image = Image.new(mode, (120, 40), background)
    if not blank:
        ImageDraw.Draw(image).line([(10, 30), (50, 10), (110, 30)], "black", 3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
