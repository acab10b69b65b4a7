"""Turn the first page of a finished PDF into PNG pictures for sharing online.

Rasterised from the PDF itself with PDFium, so the picture and the print are the same
thing. Two pictures: the whole page at 150 dpi (``.png``), and a 1080 × 1080 square
(``_square.png``), the size social networks show best: the top of the page, as wide as
the picture, ending between two blocks of text. The whole page shrunk into the square
left its text too small to read (about 7 pixels to a lower-case letter); the top square
of a handout holds the event, the summary, the facts and the requests at 1.4 times that
size.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pypdfium2
from PIL import Image

PAGE_DPI = 150
SQUARE_PX = 1080


def page_pictures(pdf: bytes, gaps: Sequence[tuple[float, float]] = ()) -> dict[str, bytes]:
    """``{".png": page, "_square.png": square}`` as deterministic PNG bytes. ``gaps``:
    where the page may be cut, from its top in fractions of its height (the typesetter's
    ``first_page_gaps``); without them the square is cut at a band of white rows."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=PAGE_DPI / 72).to_pil().convert("RGB")
        # Rendered at the square's width, not scaled from the 150 dpi picture: sharper.
        wide = page.render(scale=SQUARE_PX / page.get_width()).to_pil().convert("RGB")
    finally:
        document.close()
    square = Image.new("RGB", (SQUARE_PX, SQUARE_PX), "white")
    top = wide.crop((0, 0, min(wide.width, SQUARE_PX), min(wide.height, SQUARE_PX)))
    if wide.height > SQUARE_PX:
        top = _cut_at_gap(top, wide.height, gaps) if gaps else _cut_at_blank_row(top)
    # A page wider than tall (never a handout) is centred on white instead.
    square.paste(top, (0, (SQUARE_PX - top.height) // 2))
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


# White rows between two blocks (paragraphs, lists), not the leading between two lines
# of one: 2.5 mm at the square's scale of about 5 pixels to the millimetre.
BLOCK_GAP_PX = 12


def _cut_at_gap(image: Image.Image, page_height: int,
                gaps: Sequence[tuple[float, float]]) -> Image.Image:
    """``image`` blanked below the lowest gap between blocks that starts within it (in
    its lower half; else left as it is). A band of white rows is not enough to know
    one: two lines of a paragraph with no descenders above and no ascenders below can
    be as far apart as two paragraphs."""
    starts = [round(start * page_height) for start, _ in gaps]
    cut = max((y for y in starts if image.height // 2 <= y < image.height), default=None)
    if cut is None:
        return image
    blanked = image.copy()
    blanked.paste("white", (0, cut, image.width, image.height))
    return blanked


def _cut_at_blank_row(image: Image.Image) -> Image.Image:
    """``image`` blanked below the lowest gap between two blocks of text, so that the
    square does not end in the middle of a line or a paragraph (searched in its last
    quarter; else left as it is)."""
    grey = image.convert("L")
    blank = 0
    for y in range(image.height - 1, image.height * 3 // 4, -1):
        darkest = grey.crop((0, y, image.width, y + 1)).getextrema()[0]
        blank = blank + 1 if isinstance(darkest, int | float) and darkest >= 250 else 0
        if blank == BLOCK_GAP_PX:
            cut = image.copy()
            cut.paste("white", (0, y, image.width, image.height))
            return cut
    return image


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # No metadata chunks (no time stamp): the same page gives the same bytes.
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
