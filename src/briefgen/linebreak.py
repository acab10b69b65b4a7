"""Turn rendered HTML into HTML whose lines break where Korean, Chinese and Japanese
readers expect.

WeasyPrint 70 breaks lines with Pango, which follows Unicode's line breaking algorithm
(UAX #14). For Chinese that is already right: no line starts with 。，、；：？！）」』》
and none ends with （「『《, inside a text and across inline elements alike (WeasyPrint
asks Pango about the two letters either side of an element boundary). So it is for
Japanese kinsoku: Pango (1.50) takes UAX #14's strict rule for small kana and the
prolonged sound mark (class CJ as non-starters), so no line starts with ゃ, ッ or ー
either, nor with 々, ゝ, ・ or 〜. What it lacks:

- Korean breaks between words (eojeol, written with spaces), never inside one: what
  browsers do for ``word-break: keep-all``. WeasyPrint accepts only ``normal`` and
  ``break-all`` (Kozea/WeasyPrint#1153), so Pango breaks between any two syllables.
- A Chinese or Japanese paragraph may end in a line of one character ("断。", "た。"),
  which both typesettings avoid: its last two ideographs or kana are kept together (with
  the punctuation and note reference after them).
- A number may be parted from the ideograph or kana beside it ("（2015|年）"), as UAX
  #14 allows a break between the two: each is kept with the one on either side
  (:func:`number_unit_spans`).
- A note reference (``<sup>``) may start a line on its own, or split after one of the
  commas between its numbers, in any script: WeasyPrint allows a break at an element
  boundary after a full stop ("arbitrary.|2") and between the links of a run of
  numbers ("4,|5"), and UAX #14 allows one between an ideograph or kana and a digit.

Both are fixed without touching the text, in two places:

- inside one text node, the typesetter tells Pango not to break within the Korean words
  :func:`korean_word_spans` finds, nor within a number and its unit (a Pango
  ``allow_breaks`` attribute: the paragraph
  stays one text box, so layout costs what it costs for English);
- across elements (a Korean word that runs through ``<em>`` or ends in a note
  reference), for a note reference with the character before it, and for the end of a
  Chinese or Japanese paragraph, this module wraps the group in
  ``<span class="nobreak">`` (CSS ``white-space: nowrap``), so the only break
  opportunities left are the spaces between words.

No character is added or removed (no word joiners, no zero-width spaces), so the text
copied out of the PDF is the source text.

The same pass turns the marks ``briefgen.catalogs.mark_untranslated`` puts around
untranslated text into ``<span class="untranslated" lang="…">`` in text and removes
them everywhere else (attributes, ``<title>``, ``<style>``), so that the spans exist
before words are grouped and the marks never reach a PDF.

Only text is rewritten: tags, attributes, comments and the content of ``<head>``,
``<style>``, ``<script>`` and ``<title>`` pass through unchanged (marks aside).
"""

from __future__ import annotations

import html as htmllib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from briefgen.catalogs import MARK_PATTERN, UNTRANSLATED_END, UNTRANSLATED_START

KEEP_CLASS = "nobreak"
UNTRANSLATED_CLASS = "untranslated"
# The rule the spans need; the renderer adds it to every document's stylesheet. The
# visible marker for untranslated text is the templates' (templates/brief.css).
CSS = f".{KEEP_CLASS} {{ white-space: nowrap; }}"

# Punctuation that must not start a line, and that must not end one (Chinese kinsoku,
# GB/T 15834 and the W3C Requirements for Chinese Text Layout). Pango already enforces
# these; they are here for tests and for anyone checking a PDF.
NO_LINE_START = "。，、；：？！）」』》〉】〕〗〙〛］｝”’．…·—"
NO_LINE_END = "（「『《〈【〔〖〘〚［｛“‘"
# What Japanese kinsoku adds (JIS X 4051, the W3C Requirements for Japanese Text
# Layout): small kana, the prolonged sound mark, iteration marks, the middle dot,
# hyphens and the wave dash; the double prime quotation marks. Pango enforces these too
# (see above). Kept apart from the Chinese sets, which are what GB/T 15834 asks.
JAPANESE_NO_LINE_START = (NO_LINE_START + "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
                          "ㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿーゝゞヽヾ々〻・‐゠–〜〟")
JAPANESE_NO_LINE_END = NO_LINE_END + "〝"

# A Korean word longer than this is left to Pango: kept whole it could not fit a table
# column (a URL with Hangul in it, a run-on compound). Real words are far shorter (the
# longest in the example's catalogs is 18 characters).
MAX_WORD = 30
# Keeping a word whole that starts or ends inside an element (Markdown emphasis in the
# middle of a word, a link) keeps that whole element on one line; only when that is short.
MAX_EXTENDED = 40

# Inline elements a word may run through. Any other tag (p, li, td, br, img, …) ends a
# run of text: nothing is kept together across it.
INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i",
    "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
    "time", "u", "var",
})
RAW_TEXT = frozenset({"script", "style", "title", "textarea"})
FOREIGN = frozenset({"svg", "math"})
VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
})

_TAG = re.compile(
    r"<!--.*?-->|<![^>]*>|<\?[^>]*>"
    r"|</?[A-Za-z][^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*>",
    re.DOTALL)
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
_CHAR = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|.", re.DOTALL)
_MARK = MARK_PATTERN
# Spaces that do not allow a break are part of a word.
_NO_BREAK_SPACES = frozenset("\u00a0\u2007\u202f")
_HANGUL_RANGES = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\ud7b0-\ud7ff"
_HANGUL = re.compile(f"[{_HANGUL_RANGES}]")
# What may be one of the two characters a paragraph's last line keeps: an ideograph, or
# kana (not the middle dot, which separates words; small kana and ー may be, Pango keeps
# them on the line of the letter before). 々 counts as the ideograph it repeats.
_TAIL = re.compile("[\u3005\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff"
                   "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                   "\U00020000-\U0003ffff]")
# What may follow a paragraph's last two letters on its last line: punctuation no line
# may start with, and a note reference's numbers. Not the middle dot: it separates
# words, and a Chinese paragraph ending in one must keep the layout it had before the
# Japanese rules were added.
_AFTER_THE_LAST_LETTERS = frozenset(JAPANESE_NO_LINE_START + ",0123456789") - {"・"}
# A run shorter than this is a label or a heading, not a paragraph that could end in a
# line of one character: it gets no span.
MIN_PARAGRAPH = 8
_CJK = re.compile(f"[{_HANGUL_RANGES}\u3000-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                  "\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")
# Two or more characters that are not breaking spaces (see _is_break_space).
_WORD = re.compile(f"(?:[^\\s\u200b]|[{''.join(sorted(_NO_BREAK_SPACES))}]){{2,}}")


def transform(html: str) -> str:
    """Mark untranslated text, then keep Korean words and note references whole."""
    return keep_words(mark_untranslated_spans(html))


# --- tokens -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "text", "open", "close", "other" (comment, doctype) or "raw"
    text: str
    start: int  # offset in the document
    name: str = ""


def _tokens(html: str) -> Iterator[_Token]:
    position = 0
    raw_until: str | None = None
    for match in _TAG.finditer(html):
        if raw_until is not None:
            # Inside <style>, <script>, <title> or <textarea> only the end tag counts.
            if not match.group().lower().startswith(raw_until):
                continue
            if match.start() > position:
                yield _Token("raw", html[position:match.start()], position)
            raw_until = None
        elif match.start() > position:
            yield _Token("text", html[position:match.start()], position)
        tag = match.group()
        named = _TAG_NAME.match(tag)
        name = named.group(1).lower() if named else ""
        if not named:
            kind = "other"
        elif tag.startswith("</"):
            kind = "close"
        elif name in VOID or tag.endswith("/>"):
            kind = "void"
        else:
            kind = "open"
            if name in RAW_TEXT:
                raw_until = f"</{name}"
        yield _Token(kind, tag, match.start(), name)
        position = match.end()
    if position < len(html):
        yield _Token("raw" if raw_until else "text", html[position:], position)


# --- untranslated text --------------------------------------------------------------


def mark_untranslated_spans(html: str) -> str:
    """Turn the marks around untranslated text into spans; drop them outside text."""
    if UNTRANSLATED_START not in html and UNTRANSLATED_END not in html:
        return html
    out: list[str] = []
    lang: str | None = None  # the language of the untranslated text we are inside
    shown = False  # whether its marker (the first span's class) has been given
    in_body = "<body" not in html  # a fragment is all body
    foreign = 0
    for token in _tokens(html):
        if token.kind == "open" and token.name == "body":
            in_body = True
        if token.name in FOREIGN and token.kind in ("open", "close"):
            foreign = max(0, foreign + (1 if token.kind == "open" else -1))
        if token.kind != "text" or not in_body or foreign:
            out.append(_MARK.sub("", token.text))
            continue
        position = 0
        for match in [*_MARK.finditer(token.text), None]:
            piece = token.text[position:match.start() if match else len(token.text)]
            if lang is None or not piece.strip():
                out.append(piece)
            else:
                # One span per text node: untranslated text rendered from Markdown may
                # hold elements and paragraphs, and spans must nest inside them.
                classes = UNTRANSLATED_CLASS
                if not shown:
                    classes += f" {UNTRANSLATED_CLASS}-start"
                    shown = True
                out.append(f'<span class="{classes}" lang="{htmllib.escape(lang)}">'
                           f"{piece}</span>")
            if match is not None:
                lang, shown = match.group(1), False
                position = match.end()
    return "".join(out)


# --- keeping words whole ------------------------------------------------------------


class _Char(NamedTuple):
    """One character of a run (a named tuple: a run of prose has thousands)."""

    token: int  # index into the run's tokens
    start: int  # offsets in the document
    end: int
    char: str  # the character, entities decoded


def korean_word_spans(text: Sequence[str]) -> list[tuple[int, int]]:
    """The ``(start, end)`` offsets of the Korean words in plain ``text``.

    A Korean word is a maximal run of characters without a breaking space that contains
    Hangul, two to :data:`MAX_WORD` characters long. The typesetter keeps each one on
    one line; :func:`keep_words` uses the same definition across elements. ``text`` is
    a string, or a sequence of characters (an entity that decodes to two code points
    counts as one).
    """
    if isinstance(text, str):
        # The typesetter asks for every line it tries: a text without Hangul (all of an
        # English brief) must cost one regular-expression search.
        if not _HANGUL.search(text):
            return []
        return [match.span() for match in _WORD.finditer(text)
                if len(match.group()) <= MAX_WORD and _HANGUL.search(match.group())]
    spans = []
    start = 0
    for i in range(len(text) + 1):
        if i == len(text) or _is_break_space(text[i]):
            if 1 < i - start <= MAX_WORD and any(
                    _is_hangul(c) for unit in text[start:i] for c in unit):
                spans.append((start, i))
            start = i + 1
    return spans


# A number and the ideograph or kana written next to it ("2015年", "16日", "11人",
# "第3条"): UAX #14 allows a break between the two, and Chinese and Japanese readers do
# not expect one ("（2015|年）" at the end of a title). One on either side at most, so a
# date still breaks between its parts ("2015年|10月|16日").
_IDEOGRAPHIC = "\u3005\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NUMBER_WITH_UNIT = re.compile(
    f"[{_IDEOGRAPHIC}]?[0-9０-９]+(?:[.,:：．][0-9０-９]+)*[{_IDEOGRAPHIC}]?")
_HAS_IDEOGRAPHIC = re.compile(f"[{_IDEOGRAPHIC}]")


def number_unit_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` offsets in plain ``text`` of each number with the ideograph
    or kana next to it, which the typesetter keeps on one line as it does Korean words."""
    if not _HAS_IDEOGRAPHIC.search(text):
        return []  # all of an English or Korean text: one search
    return [match.span() for match in _NUMBER_WITH_UNIT.finditer(text)
            if _HAS_IDEOGRAPHIC.search(match.group())]


def keep_words(html: str) -> str:
    """Wrap each Korean word that runs through elements, and each note reference with
    the character before it, in a nowrap span.

    A Korean word inside one text node needs no span: the typesetter keeps it whole
    (:func:`korean_word_spans`), and a span per word would make WeasyPrint lay out
    thousands of inline boxes, three times slower.
    """
    tokens = list(_tokens(html))
    body = next((i for i, t in enumerate(tokens) if t.kind == "open" and t.name == "body"),
                None)
    ranges: list[tuple[int, int]] = []
    run: list[_Token] = []
    foreign = 0  # depth inside <svg> or <math>, whose text a span would break
    for token in tokens[body + 1 if body is not None else 0:]:
        if token.name in FOREIGN and token.kind in ("open", "close"):
            foreign = max(0, foreign + (1 if token.kind == "open" else -1))
        elif not foreign and (token.kind == "text" or (token.kind in ("open", "close")
                                                       and token.name in INLINE)):
            run.append(token)
            continue
        ranges.extend(_run_ranges(run))
        run = []
    ranges.extend(_run_ranges(run))
    return _insert_spans(html, ranges)


def _run_ranges(run: list[_Token]) -> list[tuple[int, int]]:
    """The document ranges to keep on one line within a run of inline content."""
    if not any(t.kind == "open" and t.name == "sup" for t in run) and not any(
            t.kind == "text" and _needs_care(t.text) for t in run):
        return []
    chars = [
        _Char(index, token.start + m.start(), token.start + m.end(),
              htmllib.unescape(m.group()) if m.group().startswith("&") else m.group())
        for index, token in enumerate(run) if token.kind == "text"
        for m in _CHAR.finditer(token.text)
    ]
    partner = _partners(run)
    # chars are in token order: those of tokens low..high are one slice, found by bisection
    # (a scan per note reference made long paragraphs with many notes quadratic).
    char_tokens = [c.token for c in chars]
    groups: list[tuple[int, int]] = []
    # Korean words that run through inline elements (those inside one text node are
    # the typesetter's).
    text = [c.char for c in chars]
    # One search skips the word scan for a run without Hangul (all of an English brief).
    hangul = _HANGUL.search("".join(text)) is not None
    for start, end in korean_word_spans(text) if hangul else ():
        if chars[start].token != chars[end - 1].token:
            groups.append((start, end - 1))
    # A note reference stays with the character before it (unless a space separates
    # them), and its numbers stay together.
    for index, token in enumerate(run):
        if token.kind != "open" or token.name != "sup" or index not in partner:
            continue
        first = bisect_right(char_tokens, index)
        end = bisect_left(char_tokens, partner[index], first)
        if first < end and first > 0:
            before = chars[first - 1]
            if before.token < index and not _is_break_space(before.char):
                groups.append((first - 1, end - 1))
    tail = _paragraph_tail(chars)
    if tail is not None:
        groups.append(tail)
    ranges = []
    for first, last in groups:
        ranges.extend(_balanced(run, chars, char_tokens, partner, first, last))
    return ranges


def _paragraph_tail(chars: list[_Char]) -> tuple[int, int] | None:
    """The last two ideographs or kana of a run and what follows them (punctuation, a
    note reference's digits), when the run is long enough to be a paragraph: kept
    together, the paragraph's last line holds at least two characters."""
    end = len(chars) - 1
    while end >= 0 and _is_break_space(chars[end].char):
        end -= 1
    last = end
    while last >= 0 and chars[last].char in _AFTER_THE_LAST_LETTERS:
        last -= 1
    if (last < 1 or end + 1 < MIN_PARAGRAPH or not _TAIL.fullmatch(chars[last].char)
            or not _TAIL.fullmatch(chars[last - 1].char)):
        return None
    return last - 1, end


def _partners(run: list[_Token]) -> dict[int, int]:
    """Matching open and close tags of the run, both ways."""
    partner: dict[int, int] = {}
    stack: list[int] = []
    for index, token in enumerate(run):
        if token.kind == "open":
            stack.append(index)
        elif token.kind == "close" and stack and run[stack[-1]].name == token.name:
            opened = stack.pop()
            partner[opened] = index
            partner[index] = opened
    return partner


def _balanced(run: list[_Token], chars: list[_Char], char_tokens: list[int],
              partner: dict[int, int], first: int, last: int) -> list[tuple[int, int]]:
    """Document ranges covering chars[first..last] that a span can wrap.

    A word that starts or ends inside an element is widened to the whole element, so
    the span nests properly; when that would keep too much together, each piece of the
    word is kept whole on its own instead, and only the element boundaries may break.
    """
    low, high = chars[first].token, chars[last].token
    start, end = chars[first].start, chars[last].end
    for index in range(low + 1, high):
        token = run[index]
        if token.kind == "close" and partner.get(index, high) < low:
            low = min(low, partner[index])
        elif token.kind == "open" and partner.get(index, low) > high:
            high = max(high, partner[index])
        elif token.kind in ("open", "close") and index not in partner:
            low = -1  # an unmatched tag: never wrap across it
            break
    if low != chars[first].token or high != chars[last].token:
        # What the span would hold: the word, and the whole elements it was widened to
        # on the side where it was (not the rest of the text node it starts or ends in).
        widened = range(first if low == chars[first].token else bisect_left(char_tokens, low),
                        last + 1 if high == chars[last].token
                        else bisect_right(char_tokens, high))
        if low >= 0 and len(widened) <= MAX_EXTENDED:
            if low != chars[first].token:
                start = run[low].start
            if high != chars[last].token:
                end = run[high].start + len(run[high].text)
            return [(start, end)]
        pieces: dict[int, list[_Char]] = {}
        for char in chars[first:last + 1]:
            pieces.setdefault(char.token, []).append(char)
        return [(p[0].start, p[-1].end) for p in pieces.values() if len(p) > 1]
    return [(start, end)]


def _insert_spans(html: str, ranges: list[tuple[int, int]]) -> str:
    if not ranges:
        return html
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        # Overlapping ranges that each nest properly make a range that nests properly.
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    position = 0
    for start, end in merged:
        if start - 1 >= position and html[start - 1] in " \n\t":
            # WeasyPrint 70 lays out a text that ends in a space before a nowrap span as
            # if the space had to fit on the line too; when only the space does not,
            # it breaks that text after its first word ("in" alone on a line, the rest
            # of the text on the next). The space in an element of its own avoids that.
            out.append(html[position:start - 1])
            out.append(f"<span>{html[start - 1]}</span>")
        else:
            out.append(html[position:start])
        out.append(f'<span class="{KEEP_CLASS}">')
        out.append(html[start:end])
        out.append("</span>")
        position = end
    out.append(html[position:])
    return "".join(out)


# --- characters ---------------------------------------------------------------------


def _is_hangul(char: str) -> bool:
    return _HANGUL.fullmatch(char) is not None


def _is_break_space(char: str) -> bool:
    return (char.isspace() and char not in _NO_BREAK_SPACES) or char == "\u200b"


def _needs_care(text: str) -> bool:
    """Whether ``text`` has Han, kana, Hangul or CJK punctuation: text whose words may
    need a span."""
    return _CJK.search(text) is not None
