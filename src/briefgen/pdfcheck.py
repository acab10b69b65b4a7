"""Turn a finished PDF back into text to check what it really carries.

Templates can be wrong; the PDF is what reaches the reader. Public documents are read
back (page text, metadata, outline, named destinations, link targets, attachments) and
must not contain restricted text. The HTML the PDF was made from is read too: a sentence
that a page break cuts in two is on no one page, but it is whole in the HTML.
"""

from __future__ import annotations

import bisect
import html.parser
import io
import itertools
import re
import unicodedata
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pikepdf
import pypdfium2

from briefgen.markup import plain_text
from briefgen.model import RestrictedText

_SPACE = re.compile(r"\s+")
# Scripts written without spaces between words, or with particles attached to them
# (Korean): a restricted string found inside a longer run is still a leak there.
_UNSPACED = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff"
                       r"\uac00-\ud7af\uf900-\ufaff]")


# What matching folds away, in restricted and public text alike:
# - invisible marks, dropped: soft hyphens, zero-width spaces and joiners, direction
#   marks, variation selectors, the combining grapheme joiner, tag characters, and the
#   Hangul fillers (which print as a gap: "리ㅤ철호" is still read as 리철호);
# - the Cyrillic and Greek letters that print as Latin ones, folded to them: "Chоl"
#   with a Cyrillic о reads, and is read, as "Chol".
_FOLD = str.maketrans({
    **dict.fromkeys("\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d"
                    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062"
                    "\u2063\u2064\u2066\u2067\u2068\u2069\u2800\u3164\ufeff\uffa0",
                    None),
    **dict.fromkeys(map(chr, range(0xFE00, 0xFE10)), None),
    **dict.fromkeys(map(chr, range(0xE0000, 0xE0080)), None),
    **dict.fromkeys(map(chr, range(0xE0100, 0xE01F0)), None),
    **dict(zip("аеіјосрухѕԁԛԝӏһ", "aeijocpyxsdqwlh", strict=True)),  # Cyrillic
    **dict(zip("οαικνρτυχ", "oaiknptux", strict=True)),  # Greek
})


# Capitals that print as Latin ones but whose small letters do not ("Н" is H, "н" is not
# h), folded before case is: Cyrillic, Greek, and the dotless i.
_FOLD_CAPITALS = str.maketrans(dict(zip("АВЕЅІЈКМНОРСТХУΑΒΕΖΗΙΚΜΝΟΡΤΥΧı",
                                        "ABESIJKMHOPCTXYABEZHIKMNOPTYXi", strict=True)))


def _normalise(text: str) -> str:
    return (unicodedata.normalize("NFKC", text).translate(_FOLD_CAPITALS).casefold()
            .translate(_FOLD))


# PDFium gives a hyphen that ends a line ("north-|eastern") as U+FFFE, joining the two
# lines: read back as the hyphen and line break it stands for.
_PDFIUM_LINE_END_HYPHEN = "\ufffe"


def _page_readings(text: str) -> list[tuple[str, frozenset[int]]]:
    return [_squash(text.replace(_PDFIUM_LINE_END_HYPHEN, "-\n"))]


# A word: letters and digits. Everything else between them (spaces, line breaks,
# hyphens and dashes, apostrophes, slashes, underscores, the rest of punctuation)
# separates words and is not compared: "Ri Chol-ho", "Ri Chol Ho", "Ri Cholho",
# "ri-chol-ho" in an id or a URL's slug, and the word hyphenated at a line end
# ("Chol-|ho", by the text or by ``hyphens: auto``) are the same words.
_WORD = re.compile(r"[^\W_]+")


def _squash(text: str) -> tuple[str, frozenset[int]]:
    """The words of ``text`` run together, and the positions in that where a word
    starts.

    Line breaks, justified spacing and the spaces extractors add between CJK characters
    differ between the source and the extracted text, as do the ways a name is
    hyphenated or spaced; comparing the words run together ignores all of them, and the
    positions keep the word boundaries for the check below.
    """
    words = _WORD.findall(_normalise(text))
    starts = frozenset(itertools.accumulate((len(word) for word in words[:-1]), initial=0))
    return "".join(words), starts


def _word_char(char: str) -> bool:
    return char.isalnum() and not _UNSPACED.match(char)


_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_SPACE_BETWEEN = re.compile(r"[^\W_]+|[\W_]+")


# A needle: its words run together, the positions in that where its words were apart
# by a space (not a hyphen or other mark) between letters of spaced scripts, and the
# positions where any of its words start.
Needle = tuple[str, frozenset[int], frozenset[int]]


def _needle(text: str) -> Needle:
    """``text`` as :func:`_contains` looks for it. Where the text has a space between two
    words, the public text must part them too: "Han Na" is not in "Hanna", and "Ri
    Chol-ho" is in "Ri Cholho" but not in "Richol Ho". Korean and Chinese words may be
    spaced either way ("리 철호", "리철호")."""
    joined, spaced, starts, space_before = "", set(), set(), False
    for piece in _SPACE_BETWEEN.findall(_normalise(text)):
        if piece[0].isalnum():
            if joined and space_before and not (_UNSPACED.match(joined[-1])
                                                or _UNSPACED.match(piece[0])):
                spaced.add(len(joined))
            starts.add(len(joined))
            joined += piece
        space_before = not piece[0].isalnum() and any(c.isspace() for c in piece)
    return joined, frozenset(spaced), frozenset(starts)


def contains(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` as words, not inside longer words.

    "pilot" is not found in "autopilot"; "대위" is found in "대위가" (Korean attaches
    particles to the end of a word) but not in "부대 위치" or "현대위성", "리철호" also
    in "주민리철호", and Chinese is matched anywhere.
    """
    return _contains(_squash(haystack), _needle(needle))


def _contains(squashed: tuple[str, frozenset[int]], target: str | Needle) -> bool:
    """Whether ``target`` (squashed, or a :func:`_needle`) occurs in the squashed
    haystack as words."""
    hay, starts = squashed
    text, apart, words = (target, frozenset(), frozenset()) if isinstance(target, str) \
        else target
    if not text:
        return False
    # Korean particles attach at a word's end, never its start: a Korean word must
    # begin one, unless it is long enough to be told apart inside a compound (see
    # MIN_KOREAN_INSIDE). Chinese and Japanese words are not spaced, so may begin
    # anywhere.
    hangul = bool(_HANGUL.match(text[0]))
    inside = hangul and _may_start_inside(text, words)
    start = hay.find(text)
    while start != -1:
        end = start + len(text)
        if start in starts or not hangul:
            left_ok = start in starts or not (_word_char(text[0]) and _word_char(hay[start - 1]))
        else:
            # Started inside a public word, the match must not reach across that text's
            # spaces where the needle has none: "주민리 철호" does not name 리철호.
            left_ok = inside and all(at - start in words
                                     for at in range(start + 1, end) if at in starts)
        right_ok = end >= len(hay) or end in starts or not (
            _word_char(text[-1]) and _word_char(hay[end]))
        if left_ok and right_ok and all(start + at in starts for at in apart):
            return True
        start = hay.find(text, start + 1)
    return False


# Korean writes compounds and a name after its title as one word ("북한군대위",
# "북한주민리철호"), so a restricted Korean word may follow another with no space. Two
# syllables are part of too many unrelated words for that ("현대위성", "부대위치"); from
# three, a Korean word is nearly as rare as a two-character Chinese one, which is
# matched anywhere.
MIN_KOREAN_INSIDE = 3  # syllables of a Korean text's first word for it to start mid-word


def _may_start_inside(text: str, words: frozenset[int]) -> bool:
    first = min((at for at in words if at), default=len(text))
    return sum(1 for char in text[:first] if _HANGUL.match(char)) >= MIN_KOREAN_INSIDE


def pdf_strings(pdf: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a reader of the PDF can get at.

    Page text comes from PDFium (as Chrome reads it), the rest from qpdf (through
    pikepdf): two independent readers. Both are compiled: every public document is
    checked, and pypdf, which parses every object of WeasyPrint's one object stream in
    Python, took 90 ms per brief for the part qpdf reads in 10.
    """
    for number, text in _page_texts(pdf):
        yield f"page {number} text", text
    with pikepdf.open(io.BytesIO(pdf)) as reader:
        for number, page in enumerate(reader.pages, start=1):
            for annot in page.obj.get("/Annots", ()):
                action = annot.get("/A")
                if isinstance(action, pikepdf.Dictionary) and "/URI" in action:
                    yield f"page {number} link", str(action["/URI"])
        for key, value in reader.docinfo.items():
            yield f"metadata {key}", str(value)
        xmp = reader.Root.get("/Metadata")
        if isinstance(xmp, pikepdf.Stream):
            yield "XMP metadata", xmp.read_bytes().decode("utf-8", "replace")
        yield from (("named destination", name) for name in _destination_names(reader))
        for name, spec in reader.attachments.items():
            yield "attachment name", name
            yield f"attachment {name}", spec.get_file().read_bytes().decode("utf-8", "replace")
        with reader.open_outline() as outline:
            items = list(outline.root)
            while items:
                item = items.pop(0)
                yield "outline", item.title
                items[:0] = item.children


class _HtmlText(html.parser.HTMLParser):
    """The text of an HTML document, each element's apart from the next (a cell's last
    word is not one word with the next cell's first), and its attribute values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.text.append(" ")
        self.attributes += [(name, value) for name, value in attrs if value]
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        self.text.append(" ")
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def html_strings(document: str) -> Iterator[tuple[str, str]]:
    """(where, text) for the text of an HTML document and its attribute values."""
    parser = _HtmlText()
    parser.feed(document)
    parser.close()
    yield "the document text", "".join(parser.text)
    for name, value in parser.attributes:
        yield f"an HTML {name} attribute", value


def _page_texts(pdf: bytes) -> Iterator[tuple[int, str]]:
    """(number, text) of each page, as PDFium reads it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        for number, page in enumerate(document, start=1):
            textpage = page.get_textpage()
            yield number, str(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()


def pages_without(pdf: bytes, text: str) -> list[int]:
    """The numbers of the pages whose text (read by PDFium) does not contain ``text``."""
    target = _needle(text)
    return [number for number, page in _page_texts(pdf)
            if not any(_contains(reading, target) for reading in _page_readings(page))]


def _destination_names(reader: pikepdf.Pdf) -> list[str]:
    # PDF 1.2 and later keep them in a name tree; PDF 1.1 in a dictionary on the catalog.
    names: list[str] = []
    tree = reader.Root.get("/Names")
    if isinstance(tree, pikepdf.Dictionary) and "/Dests" in tree:
        names.extend(pikepdf.NameTree(tree["/Dests"]).keys())
    old = reader.Root.get("/Dests")
    if isinstance(old, pikepdf.Dictionary):
        names.extend(str(key).removeprefix("/") for key in old)
    return names


# Where a restricted text has several sentences, each long enough to be telling is
# looked for on its own: copying one sentence of a restricted fact leaks it as surely as
# copying all of it. Shorter sentences ("He agreed.") would be found in unrelated text.
# CJK puts no space after a full stop; a quotation may close after one ("… office.”).
_SENTENCE_END = re.compile(r"(?<=[。！？])[」』”’]?\s*|(?<=[.!?])\s+|(?<=[.!?][\"'”’»)\]])\s+")
MIN_SENTENCE = 20  # characters, not counting whitespace; a CJK character counts as two
# A restricted text shorter than this (same count) is too short to look for: two Latin
# letters are in every text. A two-character Chinese name or Korean word is not.
MIN_TEXT = 3

# And so is each clause of a sentence, where it is telling too: "Members of the group
# have two family members in Seoul" is what a sentence that goes on ", according to
# Phil Robertson …" restricts. A clause is looked for without the words that attribute
# or hedge it at its start or end ("says …", "…라고 밝혔다", "据说…"), and not at all
# when it only attributes the sentence: when little is left of it but names, reporting
# words and dates ("according to Phil Robertson of Human Rights Watch", "HRW said on 21
# November", "UPI가 인용한 한국 정부 소식통은", "此说法来自合众国际社"). Its sources are
# public, and a public fact may be attributed in the same words.
_CLAUSE_END = re.compile(r"\s*[,;:()\[\]，；：、（）—–]\s*|\s+-\s+")
_LEAD_IN = re.compile(
    r"^(?:(?:and|but|also|that|says|said|say|told|tells|reportedly|allegedly)\s+)+"
    r"|^据(?:说|信|了解|传|悉|称|报道|报导)|^有消息称", re.IGNORECASE)
_TOLD_THAT = re.compile(r"^(?:told|tells)\s+(?:[A-Z][\w.'’-]*\s+)+that\s+")
_TAIL_OFF = re.compile(
    r"\s*(?:이?라고|고)\s*(?:밝혔다|전했다|보도했다|말했다|주장했다|알려졌다|알렸다)$")
_ATTRIBUTION = re.compile(
    r"(?:따르면|의하면)$|^(?:据(?!说|信|了解|传|悉|称|报道|报导)|此说法|该说法|消息来自|来源"
    r"|援引|引述)", re.IGNORECASE)
_REPORTING_WORDS = frozenset({
    "according", "to", "as", "by", "of", "the", "a", "an", "in", "on", "at", "from", "for",
    "with", "and", "or", "reported", "reports", "report", "reporting", "reportedly",
    "said", "says", "say", "told", "tells", "quoted", "quoting", "cited", "citing",
    "source", "sources", "official", "officials", "government", "spokesperson",
    "spokesman", "news", "statement", "interview", "who", "that", "which", "was", "were",
    "is", "are", "has", "had", "its", "their", "his", "her", "it", "blog", "post",
    "article", "outlet", "agency", "newspaper", "website"
})
_REPORTING_STEMS = ("따르면", "의하면", "보도", "밝혔", "전했", "인용", "소식통", "관계자", "정부",
                    "통신", "뉴스", "기자", "대변인", "당국", "말했", "블로그", "기사", "매체",
                    "언론")
_REPORTING_HAN = re.compile(
    "根据|据|报道|报导|表示|指出|援引|引述|转述|消息人士|人士|来源|说法|来自|新闻|官员|政府|一名"
    "|国际社|观察|媒体|博客|文章|引用|称|此|该|的")
# What of a clause must be left once the attribution is taken out for it to be telling.
MIN_CLAUSE_RESIDUE = 12  # characters, a CJK one counting two

# A clause is also cut where a conjunction joins two clauses without a comma ("Two of
# them are from Hoeryong and one was a soldier", "두 명은 회령 출신이고 한 명은
# 군인이었다"). A part with a verb of its own has a subject and says something of it, so
# it is telling from fewer characters than a phrase ("near the North Korean border",
# "handed over to China", "possible execution" of a list joined by "and"). Korean is cut
# only after the connective endings of a verb or of 이다 (이고, 했으며), so each part has
# its verb; not at every 고 (보고, 최고), the quoting 라고 and 다고, nor before an
# auxiliary verb (하고 있다). Chinese is not cut: it writes a comma before 但 and 而
# between clauses, and both are parts of other words (但是, 然而).
_JOINED = re.compile(r"\s+(?:and|but|while|whereas)\s+"
                     r"|(?<=[이였했었았있없으하])(?:고|며)\s+(?!있|계|싶|말|나서|보)",
                     re.IGNORECASE)
_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|could|may|might"
                   r"|must|shall|should|do|does|did)\b|[\uac00-\ud7a3]", re.IGNORECASE)
MIN_JOINED_CLAUSE = 14  # characters, a CJK one counting two, as MIN_SENTENCE
MIN_JOINED_RESIDUE = 10  # as MIN_CLAUSE_RESIDUE


def _residue(clause: str) -> int:
    """The weight of what a clause says besides who says it: its words less names
    (capitalised Latin words), reporting words, numbers and dates."""
    kept = []
    for word in _WORD.findall(clause):  # as written: a capital marks a name
        if word[0].isupper() or word[0].isdigit() or word.casefold() in _REPORTING_WORDS:
            continue
        if _HANGUL.search(word) and any(stem in word for stem in _REPORTING_STEMS):
            continue
        kept.append(_REPORTING_HAN.sub("", word))
    return _weight(" ".join(kept))


def _clause_needle(clause: str, *, joined: bool = False) -> str | None:
    """``clause`` as it is looked for, or None when it is not telling on its own.
    ``joined``: cut from the next clause at a conjunction (see :data:`_JOINED`)."""
    clause = _trimmed(_TAIL_OFF.sub("", _LEAD_IN.sub("", _TOLD_THAT.sub("", clause.strip()))))
    least, residue = (MIN_JOINED_CLAUSE, MIN_JOINED_RESIDUE) if joined \
        and _VERB.search(clause) else (MIN_SENTENCE, MIN_CLAUSE_RESIDUE)
    if _weight(clause) < least or _ATTRIBUTION.search(clause) \
            or _residue(clause) < residue:
        return None
    return clause


def _weight(text: str) -> int:
    """Length as telling goes: characters without whitespace, a CJK one counting two."""
    return sum(2 if _UNSPACED.match(c) else 1 for c in _squash(text)[0])


def _telling(sentence: str) -> bool:
    return _weight(sentence) >= MIN_SENTENCE


def _trimmed(text: str) -> str:
    """``text`` without the punctuation at its ends: a sentence copied with a semicolon
    for its full stop, or out of its quotation marks, is the same sentence."""
    start, end = 0, len(text)
    while start < end and (text[start].isspace()
                           or unicodedata.category(text[start]).startswith("P")):
        start += 1
    while end > start and (text[end - 1].isspace()
                           or unicodedata.category(text[end - 1]).startswith("P")):
        end -= 1
    return text[start:end]


def _parts(text: str, pattern: re.Pattern[str]) -> list[str]:
    return [part for part in map(_trimmed, pattern.split(text)) if part]


# What part of a restricted text a needle is, as an error names it without the text.
WHOLE, SENTENCE, CLAUSE = "restricted text", "a sentence of restricted text", \
    "a clause of restricted text"


# North and South Korea spell the first sound of a word apart (두음법칙): the North's
# 리철호, 로동, 녀성 are the South's 이철호, 노동, 여성. ㄹ and ㄴ before ㅣ, ㅑ, ㅕ, ㅛ, ㅠ, ㅖ
# become ㅇ, and ㄹ before the other vowels ㄴ. Initials and medials are indices into
# the Hangul syllable block (U+AC00 + (initial × 21 + medial) × 28 + final).
_RIEUL, _NIEUN, _IEUNG = 5, 2, 11
_Y_OR_I = frozenset({2, 6, 7, 12, 17, 20})  # ㅑ ㅕ ㅖ ㅛ ㅠ ㅣ


def _first_sound_variants(text: str) -> list[str]:
    """``text`` with its first syllable as the other Korea writes it, if it differs."""
    if not text or not 0xAC00 <= ord(text[0]) <= 0xD7A3:
        return []
    index = ord(text[0]) - 0xAC00
    initial, medial, final = index // 588, index // 28 % 21, index % 28
    if initial in (_RIEUL, _NIEUN) and medial in _Y_OR_I:
        others = [_IEUNG]
    elif initial == _RIEUL:
        others = [_NIEUN]
    elif initial == _IEUNG and medial in _Y_OR_I:
        others = [_RIEUL, _NIEUN]
    elif initial == _NIEUN:
        others = [_RIEUL]
    else:
        return []
    return [chr(0xAC00 + (other * 21 + medial) * 28 + final) + text[1:] for other in others]


def needles(restricted: Sequence[RestrictedText | str]) -> dict[str, str]:
    """What to look for, each with where its restricted text is written: each restricted
    text (unless only its sentences are, see :class:`RestrictedText`) of at least
    :data:`MIN_TEXT` characters, each of its sentences and of their clauses of at least
    :data:`MIN_SENTENCE` (a part joined by a conjunction with a verb of its own, of
    :data:`MIN_JOINED_CLAUSE`; but clauses that attribute it); all without the
    punctuation at their ends."""
    return {needle: where for needle, (where, _part) in _needles(restricted).items()}


def _needles(restricted: Sequence[RestrictedText | str]) -> dict[str, tuple[str, str]]:
    """:func:`needles`, each also with the part of its restricted text it is."""
    found: dict[str, tuple[str, str]] = {}
    for item in restricted:
        if isinstance(item, str):
            item = RestrictedText(item, "")
        text = _trimmed(item.text)
        if item.whole and _weight(text) >= MIN_TEXT:
            found.setdefault(text, (item.where, WHOLE))
        sentences = _parts(item.text, _SENTENCE_END)
        for sentence in sentences:
            if (len(sentences) > 1 or not item.whole) and _telling(sentence):
                found.setdefault(sentence, (item.where, WHOLE if sentence == text else SENTENCE))
            clauses = _parts(sentence, _CLAUSE_END)
            for clause in clauses:
                parts = _parts(clause, _JOINED)
                candidates = [_clause_needle(clause)] if len(clauses) > 1 else []
                if len(parts) > 1:
                    candidates += [_clause_needle(part, joined=True) for part in parts]
                for needle in filter(None, candidates):
                    found.setdefault(needle, (item.where, CLAUSE))
    # A Korean name or word spelt as the other Korea spells it is the same (a restricted
    # 리철호 is printed 이철호 by a South Korean outlet).
    for needle, found_at in list(found.items()):
        for variant in _first_sound_variants(needle):
            found.setdefault(variant, found_at)
    return found


# Needles are first looked up by their opening characters among the haystack's: a public
# document is checked against every case's restricted items, thousands in a large
# content repository, and a full search for each in each page cost seconds per document.
_SHINGLE = 6


def _candidates(targets: Sequence[tuple[str, str]], lengths: Sequence[int],
                readings: Sequence[tuple[str, frozenset[int]]]) -> Sequence[tuple[str, str]]:
    """The targets (shortest first, ``lengths`` theirs) that may occur in one of
    ``readings``: each no longer than it whose first characters do (all of those too
    short to tell)."""
    longest = max((len(hay) for hay, _ in readings), default=0)
    fitting = targets[:bisect.bisect_right(lengths, longest)]
    if longest < _SHINGLE or len(fitting) < 16:
        return fitting
    openings = {hay[i:i + _SHINGLE] for hay, _ in readings
                for i in range(len(hay) - _SHINGLE + 1)}
    return [(needle, target) for needle, target in fitting
            if len(target) < _SHINGLE or target[:_SHINGLE] in openings]


@dataclass(frozen=True)
class Leak:
    """A restricted text found in a public document."""

    text: str  # the restricted text, or the sentence of it, that was found
    found_in: tuple[str, ...]  # where in the document: "the document text", "the file name"
    restricted_at: str  # where the restricted text is written ("" when not known)
    # Where the public text that repeats it is written ("path:line"), when one string the
    # document shows holds it whole: what to reword.
    repeated_by: tuple[str, ...] = ()
    part: str = WHOLE  # which part of the restricted text it is, in words

    def __str__(self) -> str:
        # Not the restricted text itself: this is printed in CI logs, which are often
        # read more widely than the content; where it is written says which it is.
        return (f"{self.part} in {', '.join(self.found_in)}"
                + (f" (restricted: {self.restricted_at})" if self.restricted_at else ""))


def find_leaks(pdf: bytes | None, restricted: Sequence[RestrictedText | str], *,
               filename: str = "", html: str = "",
               shown: Sequence[tuple[str, str]] = ()) -> list[Leak]:
    """Restricted strings (or sentences of them) found in the PDF, its file name or the
    HTML it was made from, each with where it was found and where the restricted text is
    written. Without a PDF (``briefgen validate``), the file name and HTML only.

    ``shown`` is every string the document shows with where it is written (content or
    catalog, "path:line"): a leak names those that hold it."""
    looked_for = _needles(restricted)
    found: dict[str, list[str]] = {}
    # An id in a file name writes "Ri Chol-ho" as "ri-chol-ho", which the words match.
    name = _squash(filename)
    wanted = {needle: _needle(needle) for needle in looked_for}
    for needle, target in wanted.items():
        if _contains(name, target):
            found.setdefault(needle, []).append("the file name")
    # Shortest first, so that those no longer than a haystack are a slice of the list.
    targets = sorted(((needle, target[0]) for needle, target in wanted.items()),
                     key=lambda pair: len(pair[1]))
    lengths = [len(target) for _, target in targets]
    for where, text in itertools.chain(pdf_strings(pdf) if pdf is not None else (),
                                       html_strings(html)):
        readings = _page_readings(text) if where.endswith(" text") else [_squash(text)]
        if "%" in text:
            # A link or a URL printed with its words percent-encoded ("Ri%20Chol-ho").
            readings.append(_squash(urllib.parse.unquote(text)))
        for needle, _joined in _candidates(targets, lengths, readings):
            if any(_contains(reading, wanted[needle]) for reading in readings):
                found.setdefault(needle, []).append(where)
    leaks = []
    for needle in looked_for:
        if needle not in found:
            continue
        # Found rarely, so the shown strings are read only then: as written and as read
        # ("*Pak* Yong-ho" repeats "Pak Yong-ho").
        repeated_by = tuple(dict.fromkeys(
            at for text, at in shown
            if at and any(_contains(_squash(t), wanted[needle])
                          for t in (text, plain_text(text)))))
        where, part = looked_for[needle]
        leaks.append(Leak(needle, tuple(found[needle]), where, repeated_by, part))
    return leaks
