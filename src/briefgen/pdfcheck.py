"""Turn a finished PDF back into text to check what it really carries.

Templates can be wrong; the PDF is what reaches the reader. Public documents are read
back (page text, metadata, outline, link targets) and must not contain restricted text.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator, Sequence

from pypdf import PdfReader

_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    # Line breaks, hyphenation points and justified spacing differ between the source
    # and the extracted text; comparing without whitespace ignores all of them.
    return _SPACE.sub("", unicodedata.normalize("NFC", text)).casefold()


def pdf_strings(pdf: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a reader of the PDF can get at."""
    reader = PdfReader(io.BytesIO(pdf))
    for number, page in enumerate(reader.pages, start=1):
        yield f"page {number} text", page.extract_text() or ""
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                yield f"page {number} link", str(action["/URI"])
    for key, value in (reader.metadata or {}).items():
        yield f"metadata {key}", str(value)

    def outline(items: Sequence[object]) -> Iterator[tuple[str, str]]:
        for item in items:
            if isinstance(item, list):
                yield from outline(item)
            else:
                yield "outline", str(getattr(item, "title", ""))

    yield from outline(reader.outline)


def find_leaks(pdf: bytes, restricted: Sequence[str]) -> list[str]:
    """Restricted strings found in the PDF, each with where it was found."""
    needles = [(text, _squash(text)) for text in restricted if len(_squash(text)) >= 4]
    found = []
    for where, text in pdf_strings(pdf):
        hay = _squash(text)
        for original, needle in needles:
            if needle in hay:
                found.append(f"{original[:60]!r} in {where}")
    return found
