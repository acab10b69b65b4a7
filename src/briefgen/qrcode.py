"""Turn a web address into a QR code as an SVG data URI, vector for print."""

from __future__ import annotations

import segno


def qr_svg_data_uri(url: str) -> str:
    # Error correction M survives a crease or a smudge on a photocopied handout; the
    # border of 4 modules is the quiet zone phone cameras need to find the code.
    code = segno.make(url, error="m", micro=False)
    return str(code.svg_data_uri(scale=4, border=4, dark="#000", light="#fff",
                                 omitsize=False))
