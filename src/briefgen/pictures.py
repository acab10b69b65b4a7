"""Turn the first page of a finished PDF into PNG pictures for sharing online.

Rasterised from the PDF itself with PDFium, so the picture and the print are the same
thing. Two pictures: the whole page at 150 dpi (``.png``), and a 1080 × 1080 square
with the page centred on white (``_square.png``), the size social networks show best.
"""

from __future__ import annotations

import io

import pypdfium2
from PIL import Image

PAGE_DPI = 150
SQUARE_PX = 1080


def page_pictures(pdf: bytes) -> dict[str, bytes]:
    """``{".png": page, "_square.png": square}`` as deterministic PNG bytes."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=PAGE_DPI / 72).to_pil().convert("RGB")
    finally:
        document.close()
    square = Image.new("RGB", (SQUARE_PX, SQUARE_PX), "white")
    fitted = image.copy()
    fitted.thumbnail((SQUARE_PX, SQUARE_PX), Image.Resampling.LANCZOS)
    square.paste(fitted, ((SQUARE_PX - fitted.width) // 2, (SQUARE_PX - fitted.height) // 2))
    return {".png": _png(image), "_square.png": _png(square)}


# What an image in a template may hold: four times a full A4 page at 300 dpi
# (2480 x 3508). Pillow warns above 89 million pixels and refuses above twice that, and
# an image that large costs seconds and hundreds of MB in every document it is in.
MAX_IMAGE_PIXELS = 35_000_000


def image_size(data: bytes) -> tuple[int, int] | None:
    """The width and height of the raster image ``data`` (read from its header, not
    decoded), or None when Pillow does not read it as one (SVG, say)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # No metadata chunks (no time stamp): the same page gives the same bytes.
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
