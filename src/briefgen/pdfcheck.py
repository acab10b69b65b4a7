"""Turn a finished PDF back into text to check what it really carries.

Templates can be wrong; the PDF is what reaches the reader. Public documents are read
back (page text, metadata, outline, named destinations, link targets, attachments) and
must not contain restricted text.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

import pypdfium2
from pypdf import PdfReader

_SPACE = re.compile(r"\s+")
# Scripts written without spaces between words, or with particles attached to them
# (Korean): a restricted string found inside a longer run is still a leak there.
_UNSPACED = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff"
                       r"\uac00-\ud7af\uf900-\ufaff]")


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _squash(text: str) -> tuple[str, list[bool]]:
    """Text without whitespace, and for each character whether whitespace preceded it.

    Line breaks, justified spacing and the spaces extractors add between CJK characters
    differ between the source and the extracted text; comparing without whitespace
    ignores all of them, and the flags keep the word boundaries for the check below.
    """
    chars: list[str] = []
    spaced: list[bool] = []
    gap = True
    for char in _normalise(text):
        if char.isspace():
            gap = True
            continue
        chars.append(char)
        spaced.append(gap)
        gap = False
    return "".join(chars), spaced


def _word_char(char: str) -> bool:
    return char.isalnum() and not _UNSPACED.match(char)


def contains(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` as words, not inside longer words.

    "pilot" is not found in "autopilot"; "대위" is found in "대위가" (Korean attaches
    particles to words), and Chinese is matched anywhere.
    """
    return _contains(_squash(haystack), needle)


def _contains(squashed: tuple[str, list[bool]], needle: str) -> bool:
    hay, spaced = squashed
    target, _ = _squash(needle)
    if not target:
        return False
    start = hay.find(target)
    while start != -1:
        end = start + len(target)
        left_ok = spaced[start] or not (_word_char(target[0]) and _word_char(hay[start - 1]))
        right_ok = end >= len(hay) or spaced[end] or not (
            _word_char(target[-1]) and _word_char(hay[end]))
        if left_ok and right_ok:
            return True
        start = hay.find(target, start + 1)
    return False


def pdf_strings(pdf: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a reader of the PDF can get at.

    Page text comes from PDFium (as Chrome reads it; four times faster than pypdf's
    extraction, which matters because every public document is checked), the rest
    from pypdf: two independent readers.
    """
    document = pypdfium2.PdfDocument(pdf)
    try:
        for number, page in enumerate(document, start=1):
            textpage = page.get_textpage()
            yield f"page {number} text", str(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()
    reader = PdfReader(io.BytesIO(pdf))
    for number, page in enumerate(reader.pages, start=1):
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                yield f"page {number} link", str(action["/URI"])
    for key, value in (reader.metadata or {}).items():
        yield f"metadata {key}", str(value)
    xmp = reader.xmp_metadata
    if xmp is not None:
        yield "XMP metadata", xmp.stream.get_data().decode("utf-8", "replace")
    for name in reader.named_destinations:
        yield "named destination", str(name)
    for name, contents in reader.attachments.items():
        yield "attachment name", name
        for data in contents:
            yield f"attachment {name}", data.decode("utf-8", "replace")

    def outline(items: Sequence[Any]) -> Iterator[tuple[str, str]]:
        for item in items:
            if isinstance(item, list):
                yield from outline(item)
            else:
                yield "outline", str(getattr(item, "title", ""))

    yield from outline(reader.outline)


# Where a restricted text has several sentences, each long enough to be telling is
# looked for on its own: copying one sentence of a restricted fact leaks it as surely as
# copying all of it. Shorter sentences ("He agreed.") would be found in unrelated text.
_SENTENCE_END = re.compile(r"(?<=[。！？])\s*|(?<=[.!?])\s+")  # CJK puts no space after
MIN_SENTENCE = 20  # characters, not counting whitespace; a CJK character counts as two


def _telling(sentence: str) -> bool:
    squashed = _squash(sentence)[0]
    return sum(2 if _UNSPACED.match(c) else 1 for c in squashed) >= MIN_SENTENCE


def needles(restricted: Sequence[str]) -> list[str]:
    """What to look for: each restricted text, and each of its sentences of at least
    :data:`MIN_SENTENCE` characters."""
    found: dict[str, None] = {}
    for text in restricted:
        if len(_squash(text)[0]) >= 3:
            found[text] = None
        sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
        if len(sentences) > 1:
            found.update((s, None) for s in sentences if _telling(s))
    return list(found)


def find_leaks(pdf: bytes, restricted: Sequence[str], *, filename: str = "") -> list[str]:
    """Restricted strings (or sentences of them) found in the PDF or its file name, each
    with where."""
    looked_for = needles(restricted)
    found = []
    places = [("file name", filename), *pdf_strings(pdf)]
    for where, text in places:
        squashed = _squash(text)
        for needle in looked_for:
            if _contains(squashed, needle):
                found.append(f"{needle[:60]!r} in {where}")
    return found
