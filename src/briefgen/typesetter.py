"""Turn rendered HTML and its stylesheets into deterministic PDF bytes."""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import mimetypes
import os
import re
import threading
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal, NamedTuple, get_args
from urllib.parse import urlsplit
from urllib.request import url2pathname
from xml.sax.saxutils import escape

from briefgen.errors import ProblemReport, TypesetError, TypesetProblems
from briefgen.files import not_a_template_file, write_atomic
from briefgen.fonts import FontSet
from briefgen.linebreak import korean_word_spans, number_unit_spans

# Where the project wrote a piece of the HTML: (file as messages name it, line).
Locate = Callable[[str], tuple[str, int] | None]


@dataclass(frozen=True)
class TypesetResult:
    """A finished PDF."""

    pdf: bytes
    page_count: int
    chosen: int = 0  # which HTML it was made from: 0 the first, 1 the first alternative…
    # Where the first page may be cut between two blocks: the spans, from its top, in
    # fractions of its height, that no line, picture or framed box covers.
    first_page_gaps: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Pagination:
    """How one HTML variant paginated: what a :data:`Chooser` decides on."""

    page_count: int
    # How much of the last page's height its content takes, 0 to 1.
    last_page_fill: float


# Given the paginations of the variants laid out so far, and whether more are left:
# the index of the one to write, or None to lay out the next. Without more left it
# must choose.
Chooser = Callable[[Sequence[Pagination], bool], int | None]


def first_within(max_pages: int) -> Chooser:
    """The first variant on at most ``max_pages`` pages, else the last (which the caller
    reports as too long)."""
    def choose(laid: Sequence[Pagination], more: bool) -> int | None:
        if laid[-1].page_count <= max_pages or not more:
            return len(laid) - 1
        return None
    return choose


def fewer_pages_if_last_is_short(min_fill: float) -> Chooser:
    """The first variant, unless its last page is filled less than ``min_fill``: then
    the first alternative that takes fewer pages, if one does."""
    def choose(laid: Sequence[Pagination], more: bool) -> int | None:
        first = laid[0]
        if first.page_count == 1 or first.last_page_fill >= min_fill:
            return 0
        if len(laid) > 1 and laid[-1].page_count < first.page_count:
            return len(laid) - 1
        return None if more else 0
    return choose


class Stylesheet(NamedTuple):
    """CSS source, and the file that messages about its rules name."""

    css: str
    origin: str  # e.g. templates/brief.css
    keeps_lines: bool = True  # line N of css is line N of origin, so messages name lines


# The PDF flavours briefgen makes. Both are tagged (a structure tree with headings,
# lists, tables, links and the document's language) and claim PDF/UA-1 in their XMP:
#   pdf/ua-1  the default, for every brief;
#   pdf/a-3b  for archives: PDF/A-3b as well, which may embed files (attachments=).
Variant = Literal["pdf/ua-1", "pdf/a-3b"]
VARIANTS: tuple[Variant, ...] = get_args(Variant)

# An embedded file: (file name, its bytes, a description). Its dates are metadata_date.
Attachment = tuple[str, bytes, str]


# Options for Document.write_pdf. full_fonts=False makes WeasyPrint embed subsets made
# by HarfBuzz (checked below: without libharfbuzz-subset it would fall back to fontTools
# with a warning); hinting is useless in a PDF and only adds bytes.
_PDF_OPTIONS: dict[str, Any] = {
    "full_fonts": False,
    "hinting": False,
    "optimize_images": False,
    "uncompressed_pdf": False,
}

_NOTDEF_PREFIX = ".notdef glyph rendered"

# WeasyPrint log messages that do not fail a render, as regular expressions matched
# against the formatted message, each with the reason. Rendering briefs with page
# counters, running strings, bookmarks, tables, links, small caps and every prepared
# face logs nothing at WARNING or above.
_HARMLESS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r'^Image ".*" has no required alt description$', re.DOTALL),
        # Tolerated, not harmless: the PDF then has a Figure without /Alt. No brief has
        # an image (the template has none and content text may not embed one); the
        # PDF/UA validator in tests/test_accessibility.py fails on a Figure without
        # /Alt; and typesetter tests of URL fetching render bare <img> elements. Make
        # it fatal (drop this entry) once the first image reaches a brief.
        "images without alt text are caught by the PDF/UA check of the built briefs",
    ),
)

_FONTCONFIG_SUBDIR = "fontconfig"
_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- Written by briefgen.typesetter. No <dir> and no <include>: fontconfig knows no
     font at all, so Pango can only use the @font-face files briefgen prepared, and a
     character they lack shows up as a .notdef warning instead of a system fallback. -->
<fontconfig>
  <cachedir>{cachedir}</cachedir>
</fontconfig>
"""

# One WeasyPrint render at a time: Pango font maps and WeasyPrint's caches are not
# thread-safe, and the log capture below relies on it.
_RENDER_LOCK = threading.Lock()
_LOAD_LOCK = threading.Lock()
_weasyprint: SimpleNamespace | None = None
# The FontConfiguration is reused across renders of the same font set: building one
# copies every face into a temporary folder and registers it with fontconfig, which
# costs ~0.2 s per render with the CJK faces; reused, a warm render is ~3x faster.
_font_config: tuple[str, Any] | None = None

# Only the built-in table, never /etc/mime.types, so content types (which decide how
# WeasyPrint reads a stylesheet or an image) are the same on every machine.
_MIME_TYPES = mimetypes.MimeTypes()


def typeset(
    html: str,
    *,
    base_url: str,
    stylesheets: Sequence[str | Stylesheet],
    fonts: FontSet,
    allowed_roots: Sequence[Path],
    pdf_identifier: bytes | Callable[[str], bytes] | None = None,
    metadata_date: str | None = None,
    origin: str = "<document>",
    variant: Variant = "pdf/ua-1",
    attachments: Sequence[Attachment] = (),
    keep_all: bool = True,
    locate: Locate | None = None,
    alternatives: Sequence[str] = (),
    choose: Chooser | None = None,
) -> TypesetResult:
    """Render ``html`` with ``stylesheets`` (CSS source) and ``fonts`` into a PDF.

    ``alternatives``: other HTML for the same document (a smaller type size, a tighter
    setting), laid out in turn after ``html`` until ``choose`` picks one of those laid
    out; only that one is drawn and written (``TypesetResult.chosen`` says which).
    ``pdf_identifier`` may be a function of the chosen HTML.

    The @font-face rules for ``fonts`` are added before ``stylesheets``. Only ``data:``
    URLs and ``file:`` URLs inside ``allowed_roots`` (or the font cache) are fetched;
    any other URL, a glyph no font has, or any WeasyPrint warning fails the build. A
    rule WeasyPrint rejects while reading a stylesheet is reported in the
    ``Stylesheet``'s origin, at its line if the CSS keeps the origin's lines (every such
    rule, in one ``ProblemReport``).
    ``metadata_date`` (a W3C date such as ``2024-05-01``) becomes the PDF creation and
    modification date; without it the PDF has only the dates the HTML's
    ``dcterms.created``/``dcterms.modified`` meta elements give, never the clock's.

    The PDF is tagged PDF/UA-1 (``variant="pdf/ua-1"``), or PDF/A-3b and PDF/UA-1
    (``variant="pdf/a-3b"``). Title, subject, author, keywords and generator come from
    the HTML's ``<title>`` and ``<meta>`` elements, the language from ``<html lang>``
    (required: without it the build fails), and elements with their own ``lang`` are
    tagged in that language. ``attachments`` are embedded as files whose creation and
    modification dates are ``metadata_date`` (required with attachments), never the
    clock's.

    Korean words are kept whole on their lines (``word-break: keep-all``, which
    WeasyPrint lacks); ``keep_all=False`` lets Pango break between any two syllables,
    as WeasyPrint alone does.

    ``locate(text)``: the file and line that wrote ``text`` into the HTML, or None. A
    declaration WeasyPrint ignores in a ``style`` attribute is reported there, since
    its own position is within the attribute.
    """
    global _keep_all
    if variant not in VARIANTS:
        raise TypesetError(
            f"unknown PDF variant {variant!r}",
            path=origin,
            hint="expected one of: " + ", ".join(VARIANTS),
        )
    attachment_date = _attachment_date(metadata_date, attachments, origin)
    wp = _load_weasyprint(fonts.cache_dir)
    roots = tuple(dict.fromkeys(Path(root).resolve() for root in (*allowed_roots, fonts.cache_dir)))
    fetcher = wp.GuardedFetcher(roots)
    # (CSS, what messages name, whether its line numbers are that file's): the
    # @font-face rules are written from templates/fonts.yaml, not typed in a file.
    named = [(fonts.face_css(_file_url), "templates/fonts.yaml", False)] + [
        (sheet.css, sheet.origin, sheet.keeps_lines) if isinstance(sheet, Stylesheet)
        else (sheet, f"{origin} (stylesheet {number})", None)
        for number, sheet in enumerate(stylesheets, start=1)]
    variants = (html, *alternatives)
    chosen = 0
    font_problems: list[str] = []

    def finish(document: Any, pdf: Any) -> None:
        font_problems.extend(_foreign_fonts(pdf, fonts))
        _mark_page_furniture_as_artifacts(pdf, wp.pydyf)
        _complete_xmp(pdf, lang=document.metadata.lang, claim_ua=variant != "pdf/ua-1")
        if "AF" in pdf.catalog:
            # WeasyPrint 70 lists each PDF/A-3 associated file twice.
            pdf.catalog["AF"] = wp.pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))

    with _RENDER_LOCK, _captured_log() as records:
        _keep_all = keep_all
        try:
            font_config = _font_configuration(wp, fonts)
            sheets = []
            rejected: list[TypesetError] = []
            for css, sheet_origin, keeps_lines in named:
                read_before = len(records)
                sheets.append(wp.CSS(string=css, base_url=base_url,
                                     url_fetcher=fetcher, font_config=font_config))
                rejected.extend(_rejected_rules(records[read_before:], sheet_origin,
                                                keeps_lines=keeps_lines))
            # named[0] is the @font-face sheet made from fonts.yaml: it declares the
            # families the others are checked against.
            for css, sheet_origin, keeps_lines in named[1:]:
                rejected.extend(unbalanced(css, sheet_origin, keeps_lines=keeps_lines))
                rejected.extend(unknown_families(css, fonts.declared_families, sheet_origin,
                                                 keeps_lines=keeps_lines))
            if rejected:
                raise ProblemReport(rejected)
            laid: list[Pagination] = []
            documents: list[Any] = []
            pick: int | None = None
            while pick is None:
                documents.append(wp.HTML(string=variants[len(documents)], base_url=base_url,
                                         url_fetcher=fetcher).render(
                    stylesheets=sheets, font_config=font_config))
                laid.append(Pagination(len(documents[-1].pages),
                                       _last_page_fill(documents[-1], wp)))
                more = len(documents) < len(variants)
                pick = choose(laid, more) if choose else 0
                if pick is None and not more:
                    raise ValueError("a Chooser must choose when no variant is left")
            chosen = pick
            document = documents[chosen]
            html = variants[chosen]
            del documents  # the others' boxes, before drawing this one
            identifier = (pdf_identifier(html) if callable(pdf_identifier)
                          else pdf_identifier
                          or _content_identifier(html, [css for css, *_ in named[1:]]))
            if metadata_date is not None:
                document.metadata.created = metadata_date
                document.metadata.modified = metadata_date
            if document.metadata.attachments:
                # WeasyPrint stamps attachments with the clock (Attachment.created).
                raise TypesetError(
                    "the HTML links a PDF attachment, which would make the PDF "
                    "differ on every build",
                    path=origin,
                    hint='remove <link rel="attachment">',
                )
            embedded = [
                wp.Attachment(
                    string=data,
                    name=name,
                    description=description,
                    created=attachment_date,
                    modified=attachment_date,
                    relationship="Source",
                )
                for name, data, description in attachments
            ]
            with warnings.catch_warnings():
                # For PDF/A, WeasyPrint 70 opens its sRGB profile and never closes it.
                warnings.filterwarnings(
                    "ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
                )
                pdf = document.write_pdf(
                    finisher=finish,
                    pdf_identifier=identifier,
                    pdf_variant=variant,
                    pdf_tags=True,
                    attachments=embedded or None,
                    **_PDF_OPTIONS,
                )
        except wp.FatalURLFetchingError as exc:
            if not (fetcher.refused or fetcher.oversized):  # pragma: no cover - ours only
                raise TypesetError(f"WeasyPrint stopped: {exc}", path=origin) from exc
            pdf = b""
        except (TypesetError, ProblemReport):
            raise
        except MemoryError:
            raise  # the worker's memory limit: the build names it
        except Exception as exc:
            raise TypesetError(
                f"WeasyPrint failed: {type(exc).__name__}: {exc}", path=origin
            ) from exc

    # A refused URL is reported first: it explains the error WeasyPrint logged for it.
    if fetcher.oversized:
        raise ProblemReport([TypesetError(message, path=origin, hint=(
            "scale it down: a full A4 page at 300 dpi is 2480 x 3508 pixels"))
            for message in dict.fromkeys(fetcher.oversized)])
    if fetcher.refused:
        urls = ", ".join(dict.fromkeys(_described(url, roots) for url in fetcher.refused))
        raise TypesetError(
            f"refused to fetch {urls}",
            path=origin,
            hint="only data: URLs and file: URLs inside "
            + ", ".join(str(root) for root in roots)
            + " may be used",
        )
    _raise_for_log(records, html, origin, locate)
    if font_problems:
        raise TypesetError(
            "; ".join(dict.fromkeys(font_problems)),
            path=origin,
            hint="only the faces in templates/fonts.yaml may be embedded",
        )
    return TypesetResult(pdf=pdf, page_count=len(document.pages), chosen=chosen,
                         first_page_gaps=_block_gaps(document, wp))


def _inked(page: Any, wp: SimpleNamespace, *, framed: bool) -> list[tuple[float, float]]:
    """The spans from the top of ``page`` (a PageBox) that its lines and pictures cover,
    as border boxes; with ``framed``, also every block with a border or a background
    (but html and body, whose background is the page's)."""
    covered: list[tuple[float, float]] = []
    stack = [child for child in page.children if not isinstance(child, wp.boxes.MarginBox)]
    while stack:
        box = stack.pop()
        if isinstance(box, (wp.boxes.LineBox, wp.boxes.ReplacedBox)) or (
                framed and isinstance(box, wp.boxes.BlockBox)
                and box.element_tag not in ("html", "body") and (
                    box.style["background_color"].alpha > 0
                    or any(box.style[f"border_{side}_width"]
                           and box.style[f"border_{side}_style"] not in ("none", "hidden")
                           for side in ("top", "bottom", "left", "right")))):
            top = box.position_y + (box.margin_top or 0)  # the border box: not its margins
            covered.append((top, top + box.border_height()))
        else:
            stack.extend(getattr(box, "children", ()))
    return covered


def _block_gaps(document: Any, wp: SimpleNamespace) -> tuple[tuple[float, float], ...]:
    """The first page's spans between blocks. Within a paragraph line boxes abut, so
    what lies between them is a margin between blocks; a box with a border or a
    background counts whole, so that no cut runs through its frame."""
    page = document.pages[0]._page_box
    height = page.margin_height()
    gaps: list[tuple[float, float]] = []
    reached = 0.0
    for top, bottom in sorted(_inked(page, wp, framed=True)):
        if top > reached:
            gaps.append((reached / height, top / height))
        reached = max(reached, bottom)
    if reached < height:
        gaps.append((reached / height, 1.0))
    return tuple(gaps)


def _last_page_fill(document: Any, wp: SimpleNamespace) -> float:
    """How much of the last page's content height its lines and pictures take."""
    page = document.pages[-1]._page_box
    top = page.content_box_y()
    bottom = max((end for _, end in _inked(page, wp, framed=False)), default=top)
    return min(1.0, max(0.0, (bottom - top) / page.height)) if page.height else 1.0


# --- WeasyPrint set-up ------------------------------------------------------------


def _shown_path(path: Path, roots: tuple[Path, ...]) -> str:
    """``path`` as its root's name and the rest, as a user knows it: templates/logo.png."""
    root = next((r for r in roots if r == path or r in path.parents), None)
    return (f"{root.name}/{path.relative_to(root).as_posix()}" if root is not None
            else path.as_posix())


def _too_large(shown: str, data: bytes, found: list[str]) -> bool:
    """Whether the raster image ``data`` has more pixels than a document may hold; if
    so, what to tell the user about it (``shown`` names it) is added to ``found``."""
    from briefgen.pictures import MAX_IMAGE_PIXELS, image_size

    size = image_size(data)
    if size is None or size[0] * size[1] <= MAX_IMAGE_PIXELS:
        return False
    found.append(f"image {shown} is {size[0]} x {size[1]} pixels "
                 f"({size[0] * size[1] / 1e6:.0f} million); an image may have at most "
                 f"{MAX_IMAGE_PIXELS / 1e6:.0f} million")
    return True


_RASTER_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif",
                              ".tiff"})


def _load_weasyprint(font_dir: Path) -> SimpleNamespace:
    """Import WeasyPrint once, after pointing fontconfig at an empty configuration."""
    global _weasyprint
    with _LOAD_LOCK:
        _isolate_fontconfig(font_dir)
        if _weasyprint is not None:
            return _weasyprint
        with warnings.catch_warnings():
            # On import WeasyPrint checks that fontconfig knows some font and warns
            # otherwise. Knowing none is exactly what _isolate_fontconfig arranges.
            warnings.filterwarnings(
                "ignore", message="No fonts configured in FontConfig", category=UserWarning
            )
            import pydyf
            import weasyprint
            from weasyprint import urls
            from weasyprint.formatting_structure import boxes
            from weasyprint.pdf import tags
            from weasyprint.text import ffi, line_break
            from weasyprint.text.fonts import FontConfiguration

        if ffi.harfbuzz_subset is None:
            raise TypesetError(
                "WeasyPrint cannot load libharfbuzz-subset, so it would embed fonts "
                "through its slower, deprecated fontTools path",
                hint="apt-get install libharfbuzz-subset0",
            )

        class RefusedURL(urls.FatalURLFetchingError):  # type: ignore[misc]
            """A URL outside what a brief may use; fatal so WeasyPrint stops at once."""

        class GuardedFetcher(urls.URLFetcher):  # type: ignore[misc]
            """Serve data: URLs and files inside the allowed roots; refuse the rest."""

            def __init__(self, roots: tuple[Path, ...]) -> None:
                super().__init__(allowed_protocols=("data",), allow_redirects=False)
                self.roots = roots
                self.refused: list[str] = []
                self.oversized: list[str] = []  # one message each

            def fetch(self, url: str, headers: Any = None) -> Any:
                scheme = url.partition(":")[0].lower()
                if scheme == "data":
                    response = super().fetch(url, headers)
                    if response.headers.get_content_maintype() != "image":
                        return response
                    # Read here to be measured; WeasyPrint would read it all anyway.
                    data = response.read()
                    response.close()
                    kind = response.headers.get_content_type()
                    if _too_large(f"(a data: URL, {kind})", data, self.oversized):
                        raise RefusedURL("image too large: a data: URL")
                    return urls.URLFetcherResponse(
                        response.url, data, response.headers, response.status)
                if scheme == "file":
                    path = _allowed_file(url, self.roots)
                    if path is not None:
                        # A missing file raises OSError here; WeasyPrint logs it as an
                        # error, which _raise_for_log turns into a TypesetError.
                        data = path.read_bytes()
                        mime_type = _MIME_TYPES.guess_type(path.name)[0]
                        if (path.suffix.lower() in _RASTER_SUFFIXES and _too_large(
                                _shown_path(path, self.roots), data, self.oversized)):
                            raise RefusedURL(f"image too large: {url}")
                        return urls.URLFetcherResponse(
                            url, data, {"Content-Type": mime_type or "application/octet-stream"}
                        )
                # Recorded as well as raised: WeasyPrint swallows even fatal errors in
                # a few places (SVG drawing catches BaseException).
                self.refused.append(url)
                raise RefusedURL(f"refused to fetch {url}")

        _tag_passage_languages(tags, boxes, pydyf)
        _keep_korean_words(line_break, ffi)
        _weasyprint = SimpleNamespace(
            CSS=weasyprint.CSS,
            HTML=weasyprint.HTML,
            Attachment=weasyprint.Attachment,
            pydyf=pydyf,
            boxes=boxes,
            FontConfiguration=FontConfiguration,
            FatalURLFetchingError=urls.FatalURLFetchingError,
            GuardedFetcher=GuardedFetcher,
            ffi=ffi,
        )
        return _weasyprint


def _isolate_fontconfig(font_dir: Path) -> None:
    """Point fontconfig at a configuration that lists no font directory.

    fontconfig reads FONTCONFIG_FILE each time WeasyPrint builds a FontConfiguration,
    so this holds even if WeasyPrint was imported earlier. It changes this process's
    environment, and so what child processes see.
    """
    folder = font_dir / _FONTCONFIG_SUBDIR
    conf = folder / "fonts.conf"
    text = _FONTS_CONF.format(cachedir=escape(str((folder / "cache").resolve())))
    try:
        current = conf.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current != text:
        try:
            write_atomic(conf, text.encode("utf-8"), durable=False)
        except OSError as exc:
            raise TypesetError(
                f"cannot write the fontconfig configuration: {exc}",
                path=str(conf),
                hint="the font cache folder must be writable",
            ) from exc
    os.environ["FONTCONFIG_FILE"] = str(conf.resolve())
    # fontconfig takes its default language from FC_LANG, else from LC_ALL, LC_CTYPE or
    # LANG, and ranks faces by it wherever a text's own language does not decide: under
    # LC_ALL=ko_KR.UTF-8 a Chinese brief set some characters in the Korean face. One
    # fixed default keeps the PDF the same on every machine.
    os.environ["FC_LANG"] = "en"


def _font_configuration(wp: SimpleNamespace, fonts: FontSet) -> Any:
    """Return the process's FontConfiguration for ``fonts``, creating it if needed."""
    global _font_config
    key = fonts.key
    if _font_config is not None and _font_config[0] == key:
        return _font_config[1]
    font_config = wp.FontConfiguration()
    _check_no_system_fonts(wp, font_config)
    _font_config = (key, font_config)
    return font_config


def _check_no_system_fonts(wp: SimpleNamespace, font_config: Any) -> None:
    # Belt and braces for _isolate_fontconfig: if anything (a FONTCONFIG_FILE set too
    # late, a fontconfig that ignores it) let system fonts in, they would silently fill
    # in for missing glyphs. _config is WeasyPrint's handle on the FcConfig.
    ffi = wp.ffi
    font_set = ffi.fontconfig.FcConfigGetFonts(font_config._config, ffi.fontconfig.FcSetSystem)
    count = 0 if font_set == ffi.ffi.NULL else font_set.nfont
    if count:
        raise TypesetError(
            f"fontconfig sees {count} system font(s) although briefgen configured none",
            hint=f"check FONTCONFIG_FILE ({os.environ.get('FONTCONFIG_FILE')})",
        )


@atexit.register
def _drop_font_configuration() -> None:
    # FontConfiguration deletes its temporary copy of the fonts (tens of MB) when it is
    # garbage-collected, which interpreter shutdown does not guarantee.
    global _font_config
    _font_config = None


# --- Korean line breaking ----------------------------------------------------------

# Whether the render in progress keeps Korean words whole (typeset(keep_all=...)).
# Renders hold _RENDER_LOCK, so one flag for the process is enough.
_keep_all = True


@functools.lru_cache(maxsize=4096)
def _kept_together(text: str) -> tuple[tuple[int, int], ...]:
    """The spans of ``text`` no line may end inside: its Korean words, and its numbers
    with the ideograph beside them. WeasyPrint sets the same text again and again while
    it fits a line (a Chinese paragraph's spans, found anew each time, cost 14 % of a
    Chinese brief's typesetting)."""
    return (*korean_word_spans(text), *number_unit_spans(text))


def _keep_korean_words(line_break: Any, ffi: Any) -> None:
    """Make Pango break Korean text only between words, like ``word-break: keep-all``.

    WeasyPrint 70 lays out each text box with a Pango layout (``line_break.Layout``)
    whose text it sets again for every line it tries. After each ``set_text`` this adds
    a Pango ``allow_breaks=false`` attribute over every Korean word of the text
    (``briefgen.linebreak.korean_word_spans``), and over every number with the
    ideograph or kana beside it (``number_unit_spans``: "2015年"), so no line ends
    inside one; a break
    before or after the word stays allowed. The attributes WeasyPrint set in
    ``setup`` (font features) are kept aside and restored before each ``set_text``, so
    ranges from an earlier text never apply to the next one. Words that run through
    elements are wrapped in nowrap spans by briefgen.linebreak instead. Tied to
    WeasyPrint 70's ``Layout``; tests/test_linebreak.py fails if it stops working.
    """
    layout_class = line_break.Layout
    if getattr(layout_class, "_briefgen_keep_all", False):
        return
    cffi = ffi.ffi
    pango = ffi.pango
    # Pango 1.44 and later; WeasyPrint's own declarations lack these two.
    cffi.cdef("""
        PangoAttribute * pango_attr_allow_breaks_new (gboolean allow_breaks);
        PangoAttrList * pango_attr_list_copy (PangoAttrList *list);
    """)
    null = cffi.NULL
    original_setup = layout_class.setup
    original_set_text = layout_class.set_text

    def copy(attrs: Any) -> Any:
        return cffi.gc(pango.pango_attr_list_copy(attrs), pango.pango_attr_list_unref)

    def setup(self: Any, style: Any) -> None:
        original_setup(self, style)
        attrs = pango.pango_layout_get_attributes(self.layout)
        self._briefgen_base = null if attrs == null else copy(attrs)

    def set_text(self: Any, text: str, justify: bool = False) -> None:
        base = getattr(self, "_briefgen_base", None)
        if base is not None:
            pango.pango_layout_set_attributes(self.layout, null if base == null else copy(base))
        original_set_text(self, text, justify)
        if not _keep_all:
            return
        shown: str = self.text  # what WeasyPrint kept of ``text``
        words = _kept_together(shown)
        if not words:
            return
        current = pango.pango_layout_get_attributes(self.layout)
        attrs = (cffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
                 if current == null else copy(current))
        for start, end in words:
            attr = pango.pango_attr_allow_breaks_new(False)
            # Pango counts in UTF-8 bytes.
            attr.start_index = len(shown[:start].encode())
            attr.end_index = attr.start_index + len(shown[start:end].encode())
            pango.pango_attr_list_insert(attrs, attr)
        pango.pango_layout_set_attributes(self.layout, attrs)

    layout_class.setup = setup
    layout_class.set_text = set_text
    layout_class._briefgen_keep_all = True


# --- tags, XMP and attachments ----------------------------------------------------


def _tag_passage_languages(tags: Any, boxes: Any, pydyf: Any) -> None:
    """Make WeasyPrint's tagger give elements with their own ``lang`` a /Lang entry.

    WeasyPrint 70 sets the document's language (the catalog's /Lang, from <html lang>)
    but ignores ``lang`` on other elements, so a screen reader would read an English
    source title in a Korean brief with Korean rules. ``_build_box_tree`` makes the
    structure element of one box (and recurses through the module global, so this
    wrapper sees every box): the element made for a box whose HTML element has a
    ``lang`` gets it as /Lang, which its descendants inherit. An inline element with
    no structure type of its own (NonStruct, e.g. <cite>) becomes a Span, the type
    meant for an inline passage with attributes such as a language.
    """
    original = tags._build_box_tree
    if getattr(original, "briefgen_languages", False):
        return

    def build_box_tree(box: Any, parent: Any, *args: Any) -> Iterator[Any]:
        inner = getattr(box, "_box", box)  # an AbsolutePlaceholder's box
        element = getattr(inner, "element", None)
        lang = None
        if element is not None and inner.element_tag not in ("html", "body"):
            lang = element.get("lang") or None
        for struct in original(box, parent, *args):
            if lang and "Lang" not in struct:
                struct["Lang"] = pydyf.String(lang)
                if struct["S"] == "/NonStruct" and isinstance(inner, boxes.InlineBox):
                    struct["S"] = "/Span"
            yield struct

    build_box_tree.briefgen_languages = True  # type: ignore[attr-defined]
    tags._build_box_tree = build_box_tree


def _number(reference: object) -> int | None:
    """The object number of a pydyf reference (``b"12 0 R"``), or None."""
    if not isinstance(reference, bytes | str):
        return None
    text = reference.decode("ascii") if isinstance(reference, bytes) else reference
    match = re.fullmatch(r"(\d+) 0 R", text.strip())
    return int(match.group(1)) if match else None


def _object(pdf: Any, reference: object) -> Any:
    """The object a pydyf reference names, or None."""
    number = _number(reference)
    return None if number is None else pdf.objects[number]


def _mark_page_furniture_as_artifacts(pdf: Any, pydyf: Any) -> None:
    """Mark the text of page margin boxes (running title, page numbers, build stamp)
    as pagination artifacts.

    WeasyPrint tags it as Spans with marked-content ids and makes structure elements
    for them, but leaves those out of the structure tree (its comment: "it could be
    included in tree as Artifact, but that's only allowed in PDF 2.0"). PDF 1.7 has
    artifacts as marked content (ISO 32000-1, 14.8.2.2), which is what PDF/UA asks for
    page furniture: screen readers skip it, and every marked-content id left belongs
    to an element in the tree. Runs as a write_pdf finisher, on the objects to write.
    """
    root = _object(pdf, pdf.catalog.get("StructTreeRoot", b""))
    if root is None:
        return
    reachable: set[int] = set()
    pending = [root]
    while pending:
        kids = pending.pop().get("K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            number = _number(kid)
            if number is not None and number not in reachable:
                reachable.add(number)
                child = pdf.objects[number]
                if isinstance(child, dict):
                    pending.append(child)
    parent_tree = _object(pdf, root["ParentTree"])
    nums = parent_tree["Nums"]
    furniture: dict[int, set[int]] = {}  # page index -> marked-content ids
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        if not isinstance(value, list):
            continue  # an annotation's entry
        for position, reference in enumerate(value):
            number = _number(reference)
            if number is not None and number not in reachable:
                element = pdf.objects[number]
                furniture.setdefault(key, set()).update(
                    kid for kid in element["K"] if isinstance(kid, int)
                )
                value[position] = "null"
                # Empty it and its parents outside the tree: nothing refers to them now.
                while number is not None and number not in reachable and element:
                    parent = element.get("P")
                    element.clear()
                    number = _number(parent)
                    element = pdf.objects[number] if number is not None else None
    for index, ids in furniture.items():
        page = _object(pdf, pdf.page_references[index])
        stream = _object(pdf, page["Contents"])
        chunks = stream.stream
        for position, chunk in enumerate(chunks):
            if (
                isinstance(chunk, dict)
                and chunk.get("MCID") in ids
                and position > 0
                and position + 1 < len(chunks)
                and chunks[position + 1] == b"BDC"
            ):
                chunks[position - 1] = "/Artifact"
                chunks[position] = pydyf.Dictionary({"Type": "/Pagination"})


_XMP_LANGUAGE = (
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    "<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>"
    "</rdf:Description>"
)
# PDF/A allows XMP properties outside its predefined schemas only with an extension
# schema that describes them (ISO 19005-3, 6.6.2.3): pdfuaid is one of those.
_XMP_PDFUA = (
    '<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
    "<pdfuaid:part>1</pdfuaid:part></rdf:Description>"
    '<rdf:Description rdf:about="" '
    'xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" '
    'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" '
    'xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    "<pdfaExtension:schemas><rdf:Bag>"
    '<rdf:li rdf:parseType="Resource">'
    "<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>"
    "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>"
    "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"
    "<pdfaSchema:property><rdf:Seq>"
    '<rdf:li rdf:parseType="Resource">'
    "<pdfaProperty:name>part</pdfaProperty:name>"
    "<pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
    "<pdfaProperty:category>internal</pdfaProperty:category>"
    "<pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>"
    "</rdf:li>"
    "</rdf:Seq></pdfaSchema:property>"
    "</rdf:li>"
    "</rdf:Bag></pdfaExtension:schemas>"
    "</rdf:Description>"
)


def _complete_xmp(pdf: Any, *, lang: str | None, claim_ua: bool) -> None:
    """Add dc:language and, for a PDF/A file, the PDF/UA-1 claim to the XMP packet,
    and leave the packet uncompressed.

    WeasyPrint writes one XMP claim per variant: pdfuaid for PDF/UA, pdfaid for PDF/A.
    It compresses the packet, which PDF/A-2 and -3 forbid (ISO 19005-3, 6.6.2.1: no
    Filter on the metadata stream; WeasyPrint 70 knows it only for PDF/A-1), and
    which hides it from tools that scan files for XMP packets. Runs as a write_pdf
    finisher, before the streams are compressed.
    """
    metadata = _object(pdf, pdf.catalog.get("Metadata", b""))
    if metadata is None:
        return
    (packet,) = metadata.stream
    extra = _XMP_LANGUAGE.format(lang=escape(lang)) if lang else ""
    if claim_ua:
        extra += _XMP_PDFUA
    end = b"</rdf:RDF>"
    assert packet.count(end) == 1, "WeasyPrint's XMP packet changed"
    metadata.stream = [packet.replace(end, extra.encode("utf-8") + end)]
    metadata.compress = False


_W3C_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _attachment_date(
    metadata_date: str | None, attachments: Sequence[Attachment], origin: str
) -> datetime | None:
    """The date embedded files carry: ``metadata_date``, never the clock (which
    WeasyPrint uses by default)."""
    if not attachments:
        return None
    match = _W3C_DATE.match(metadata_date or "")
    if match is None:
        raise TypesetError(
            "embedded files need a date (metadata_date), or the PDF would differ on every "
            "build",
            path=origin,
            hint="pass metadata_date, such as the case's as-of date",
        )
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return datetime(year, month, day)
    except ValueError as exc:
        raise TypesetError(f"invalid date {metadata_date!r}: {exc}", path=origin) from None


# --- URLs ---------------------------------------------------------------------------


def _file_url(path: Path) -> str:
    return path.resolve().as_uri()


def _allowed_file(url: str, roots: Sequence[Path]) -> Path | None:
    """Return the file ``url`` names if, symlinks and ``..`` resolved, it is inside a root."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return None
    path = Path(url2pathname(parts.path)).resolve()
    root = next((root for root in roots if path.is_relative_to(root)), None)
    # A hidden file or an editor's leftover is no input of a document's stamp: a change
    # to it would leave the output current.
    if root is None or not_a_template_file(path.relative_to(root).parts or (path.name,)):
        return None
    return path


def _described(url: str, roots: Sequence[Path]) -> str:
    """A refused URL as the user knows it: a file inside the project from the folder
    above its root ("templates/evil.png"), saying where a symbolic link leads."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return url
    written = Path(os.path.normpath(url2pathname(parts.path)))
    root = next((r for r in roots if written.is_relative_to(r)), None)
    if root is None:
        # Outside every root, but perhaps in the project (content/logo.png): named from
        # the folder that holds templates/, as messages name the project's files.
        project = roots[0].parent if roots else None
        if project is not None and project.parent != project and \
                written.is_relative_to(project):
            return written.relative_to(project).as_posix()
        return written.as_posix()
    shown = (Path(root.name) / written.relative_to(root)).as_posix()
    target = written.resolve()
    return f"{shown} (a link to {target.as_posix()})" if target != written else shown


def _content_identifier(html: str, stylesheets: Sequence[str]) -> bytes:
    digest = hashlib.sha256()
    for part in (html, *stylesheets):
        encoded = part.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()[:32].encode("ascii")


# --- checks -------------------------------------------------------------------------


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.records.append(record)


@contextmanager
def _captured_log() -> Iterator[list[logging.LogRecord]]:
    """Collect WARNING and above from the 'weasyprint' logger during a render."""
    logger = logging.getLogger("weasyprint")
    capture = _Capture()
    level = logger.level
    if not logger.isEnabledFor(logging.WARNING):
        # An application that silenced logging must not silence our checks.
        logger.setLevel(logging.WARNING)
    logger.addHandler(capture)
    try:
        yield capture.records
    finally:
        logger.removeHandler(capture)
        logger.setLevel(level)


# "Ignored `colr: red` at 137:21, unknown property.", "Parse error at 3:1: ...": the
# position WeasyPrint gives for a stylesheet rule it rejects.
_CSS_POSITION = re.compile(r" at (\d+):(\d+)")
# tinycss2's repr of a rule, "<AtRule @bogus … { … }>": the rule's name says enough.
_RULE_REPR = re.compile(r"<(?:AtRule|QualifiedRule) (.*?)(?: … \{ … \})?>")


def _rejected_rules(records: Sequence[logging.LogRecord], origin: str, *,
                    keeps_lines: bool | None) -> list[TypesetError]:
    """The warnings logged while a stylesheet was read, as errors in ``origin``.

    ``keeps_lines``: True when the CSS was rendered from that file line for line (the
    error names the line); False when it was not (WeasyPrint's position would point at
    the wrong line, so it is left out); None for CSS given as a string, whose positions
    are the string's own (kept as WeasyPrint gives them).
    """
    problems = []
    for record in records:
        message = record.getMessage()
        if any(pattern.search(message) for pattern, _reason in _HARMLESS):
            continue
        message = _RULE_REPR.sub(r"\1", message)
        position = _CSS_POSITION.search(message)
        line = None
        if position and keeps_lines:
            line = int(position[1])
            message = (f"{message[:position.start()]} at column {position[2]}"
                       f"{message[position.end():]}")
        elif position and keeps_lines is False:
            message = message[:position.start()] + message[position.end():]
        problems.append(TypesetError(
            f"WeasyPrint: {message.rstrip('.')}", path=origin, line=line,
            hint="fix or remove this rule: stylesheets must load without warnings"))
    return problems


_CSS_WIDE = frozenset({"inherit", "initial", "unset", "revert", "revert-layer"})
_FONT_SIZES = frozenset({"xx-small", "x-small", "small", "medium", "large", "x-large",
                         "xx-large", "xxx-large", "smaller", "larger"})


def unbalanced(css: str, origin: str, *, keeps_lines: bool | None) -> list[TypesetError]:
    """Braces that do not pair up, and a comment never closed.

    CSS parsers recover from both without a word: an unclosed ``{`` swallows every rule
    after it (the page margins with the classification and page numbers among them),
    and a stray ``}`` the rule after it."""
    return [TypesetError(message, path=origin, line=line if keeps_lines else None,
                         hint=hint)
            for message, line, hint in _brace_problems(css)]


@functools.lru_cache(maxsize=16)
def _brace_problems(css: str) -> tuple[tuple[str, int, str], ...]:
    problems: list[tuple[str, int, str]] = []
    opened: list[int] = []  # the line of each "{" not yet closed
    line, index, length = 1, 0, len(css)
    while index < length:
        char = css[index]
        if char == "\n":
            line += 1
        elif char == "\\":
            index += 1  # an escaped character is never a brace or a quote
            line += css[index:index + 1] == "\n"
        elif css.startswith("/*", index):
            end = css.find("*/", index + 2)
            if end == -1:
                problems.append(("a comment (/*) is never closed", line,
                                 "add */ where the comment ends; everything after it is "
                                 "ignored"))
                break
            line += css.count("\n", index, end)
            index = end + 1
        elif char in "\"'":
            end = index + 1
            while end < length and css[end] not in (char, "\n"):
                end += 2 if css[end] == "\\" else 1
            # An unclosed string ends at its line's end, as CSS has it.
            index = end + 1 if end < length and css[end] == char else end
            continue
        elif char == "{":
            opened.append(line)
        elif char == "}":
            if opened:
                opened.pop()
            else:
                problems.append(("'}' closes no '{'", line,
                                 "remove it: the rule after it is ignored"))
        index += 1
    problems.extend(("'{' is never closed", at,
                     "add the missing '}': every rule after it is ignored")
                    for at in opened[:1])
    return tuple(problems)


def unknown_families(css: str, declared: Collection[str], origin: str, *,
                     keeps_lines: bool | None) -> list[TypesetError]:
    """``font-family`` (and ``font``) values naming a family fonts.yaml does not define
    (``declared``: every family it defines).

    WeasyPrint accepts any name and, when no face has it, sets the text in whatever
    the inherited family resolves to, without a warning: a misspelt "Brief Sanz" turns
    the headings into the serif. Generic names (``serif``) are unknown too: the fonts
    are only those of fonts.yaml, with no fallback.
    """
    families = frozenset(declared)
    return [TypesetError(
        f"font family {name!r} is not defined in templates/fonts.yaml",
        path=origin, line=line if keeps_lines else None,
        hint="the stylesheet has only the families fonts.yaml defines, and no fallback: "
             + ", ".join(sorted(families)))
        for name, line in _families_not_in(css, families)]


@functools.lru_cache(maxsize=16)
def _families_not_in(css: str, declared: frozenset[str]) -> tuple[tuple[str, int], ...]:
    """(family, line) for each family ``css`` names outside ``declared``; cached, as
    every document of a kind has the same stylesheet (parsing it takes 8 ms)."""
    import tinycss2

    known = {family.casefold() for family in declared}
    found: list[tuple[str, int]] = []

    def check(tokens: list[Any], line: int) -> None:
        names: list[list[str]] = [[]]
        for token in tokens:
            if token.type == "literal" and token.value == ",":
                names.append([])
            elif token.type in ("string", "ident"):
                names[-1].append(token.value)
        for parts in names:
            name = " ".join(parts)
            if name and name.casefold() not in known and name.casefold() not in _CSS_WIDE:
                found.append((name, line))

    def families_of_font(tokens: list[Any]) -> list[Any]:
        # The shorthand's families follow its size and optional "/line-height".
        values = [t for t in tokens if t.type not in ("whitespace", "comment")]
        for index, token in enumerate(values):
            if token.type in ("dimension", "percentage", "number") or (
                    token.type == "ident" and token.lower_value in _FONT_SIZES):
                rest = values[index + 1:]
                if rest and rest[0].type == "literal" and rest[0].value == "/":
                    rest = rest[2:]
                return rest
        return []

    def walk(rules: list[Any]) -> None:
        for rule in rules:
            if rule.type not in ("qualified-rule", "at-rule") or rule.content is None:
                continue
            if rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
                continue
            items = tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True,
                                                   skip_comments=True)
            for item in items:
                if item.type == "declaration" and item.lower_name == "font-family":
                    check(item.value, item.source_line)
                elif item.type == "declaration" and item.lower_name == "font":
                    check(families_of_font(item.value), item.source_line)
                elif item.type in ("qualified-rule", "at-rule"):
                    walk([item])

    walk(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True))
    return tuple(found)


def _raise_for_log(records: Sequence[logging.LogRecord], html: str, origin: str,
                   locate: Locate | None) -> None:
    missing: dict[str, None] = {}
    others: dict[str, None] = {}
    for record in records:
        message = record.getMessage()
        args = record.args
        if message.startswith(_NOTDEF_PREFIX) and isinstance(args, tuple) and args:
            missing[str(args[0])] = None
        elif not any(pattern.search(message) for pattern, _reason in _HARMLESS):
            others[message] = None
    if missing:
        described = "; ".join(_describe_missing(char, html) for char in missing)
        raise TypesetError(
            f"no configured font has a glyph for {described}: WeasyPrint drew .notdef",
            path=origin,
            hint="change the text, or add a face or a range covering it in templates/fonts.yaml",
        )
    if others:
        # One error each: each may have a place of its own.
        errors = [_warning_error(message, origin, locate) for message in others]
        raise errors[0] if len(errors) == 1 else TypesetProblems(errors)


# A declaration WeasyPrint ignored in a style attribute; the position is the attribute's.
_IGNORED_DECLARATION = re.compile(r"Ignored `([^`\n]+)` at \d+:\d+, ([^.]+)\.?")


def _warning_error(message: str, origin: str,
                   locate: Locate | None) -> TypesetError:
    ignored = _IGNORED_DECLARATION.fullmatch(message)
    place = locate(ignored[1]) if ignored and locate else None
    if ignored is None or place is None:
        return TypesetError(f"WeasyPrint reported: {message}", path=origin,
                            hint="templates and stylesheets must render without warnings")
    declaration, reason = ignored.groups()
    path, line = place
    return TypesetError(f"WeasyPrint ignored `{declaration}` ({reason})", path=path, line=line,
                        field="style attribute",
                        hint="fix or remove the declaration: templates must render without "
                             "warnings")


def _describe_missing(char: str, html: str) -> str:
    described = f'"{char}" (U+{ord(char):04X})'
    at = html.find(char)
    if at >= 0:
        context = re.sub(r"<[^>]*>|\s+", " ", html[max(0, at - 30) : at + 30]).strip()
        described += f" in “{context}”"
    return described


def _foreign_fonts(pdf: Any, fonts: FontSet) -> list[str]:
    """Return a problem for every font in ``pdf`` (a pydyf.PDF) that is not one of ``fonts``.

    Runs as a write_pdf finisher, on the objects about to be written. A font counts as
    ours when its embedded program carries the PostScript name of a prepared face; its
    BaseFont must carry a subset tag, so that nothing is embedded whole.
    """
    problems: list[str] = []
    for obj in pdf.objects:
        if not isinstance(obj, dict):
            continue
        kind = obj.get("Type")
        if kind == "/Font":
            base = _pdf_name(obj.get("BaseFont"))
            if obj.get("Subtype") == "/Type3":
                problems.append(f"bitmap font {base} in the PDF")
            elif not re.fullmatch(r"[A-Z]{6}\+.+", base):
                problems.append(f"font {base} is embedded whole, not as a subset")
        elif kind == "/FontDescriptor":
            base = _pdf_name(obj.get("FontName"))
            files = [obj[key] for key in ("FontFile", "FontFile2", "FontFile3") if key in obj]
            if not files:
                problems.append(f"font {base} is not embedded")
            for reference in files:
                program = _stream_bytes(pdf, reference)
                if program is None or fonts.face_for_font_program(program) is None:
                    problems.append(f"font {base} is not one of the prepared faces")
    return problems


def _pdf_name(value: object) -> str:
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return text.removeprefix("/")


def _stream_bytes(pdf: Any, reference: object) -> bytes | None:
    stream = _object(pdf, reference)
    if stream is None:
        return None
    chunks = getattr(stream, "stream", None)
    if not chunks or not all(isinstance(chunk, bytes) for chunk in chunks):
        return None
    return b"".join(chunks)
