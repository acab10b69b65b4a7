"""Turn rendered HTML and its stylesheets into deterministic PDF bytes."""

from __future__ import annotations

import atexit
import hashlib
import logging
import mimetypes
import os
import re
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname
from xml.sax.saxutils import escape

from briefgen.errors import TypesetError
from briefgen.fonts import FontSet


@dataclass(frozen=True)
class TypesetResult:
    """A finished PDF."""

    pdf: bytes
    page_count: int


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

# WeasyPrint log messages that are not problems in our set-up, as regular expressions
# matched against the formatted message, each with the reason it is harmless. None is
# known: rendering briefs with page counters, running strings, bookmarks, tables,
# links, small caps and every prepared face logs nothing at WARNING or above.
_HARMLESS: tuple[tuple[re.Pattern[str], str], ...] = ()

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
    stylesheets: Sequence[str],
    fonts: FontSet,
    allowed_roots: Sequence[Path],
    pdf_identifier: bytes | None = None,
    metadata_date: str | None = None,
    origin: str = "<document>",
) -> TypesetResult:
    """Render ``html`` with ``stylesheets`` (CSS source) and ``fonts`` into a PDF.

    The @font-face rules for ``fonts`` are added before ``stylesheets``. Only ``data:``
    URLs and ``file:`` URLs inside ``allowed_roots`` (or the font cache) are fetched;
    any other URL, a glyph no font has, or any WeasyPrint warning fails the build.
    ``metadata_date`` (a W3C date such as ``2024-05-01``) becomes the PDF creation and
    modification date; without it the PDF has only the dates the HTML's
    ``dcterms.created``/``dcterms.modified`` meta elements give, never the clock's.
    """
    wp = _load_weasyprint(fonts.cache_dir)
    roots = tuple(dict.fromkeys(Path(root).resolve() for root in (*allowed_roots, fonts.cache_dir)))
    fetcher = wp.GuardedFetcher(roots)
    identifier = pdf_identifier or _content_identifier(html, stylesheets)
    fonts_css = fonts.face_css(_file_url)
    font_problems: list[str] = []

    def check_fonts(_document: Any, pdf: Any) -> None:
        font_problems.extend(_foreign_fonts(pdf, fonts))

    with _RENDER_LOCK, _captured_log() as records:
        try:
            font_config = _font_configuration(wp, fonts)
            sheets = [
                wp.CSS(
                    string=css,
                    base_url=base_url,
                    url_fetcher=fetcher,
                    font_config=font_config,
                )
                for css in (fonts_css, *stylesheets)
            ]
            document = wp.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
                stylesheets=sheets, font_config=font_config
            )
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
            pdf = document.write_pdf(
                finisher=check_fonts, pdf_identifier=identifier, pdf_variant="pdf/ua-1", **_PDF_OPTIONS
            )
        except wp.FatalURLFetchingError as exc:
            if not fetcher.refused:  # pragma: no cover - only our fetcher raises it
                raise TypesetError(f"WeasyPrint stopped: {exc}", path=origin) from exc
            pdf = b""
        except TypesetError:
            raise
        except Exception as exc:
            raise TypesetError(
                f"WeasyPrint failed: {type(exc).__name__}: {exc}", path=origin
            ) from exc

    # A refused URL is reported first: it explains the error WeasyPrint logged for it.
    if fetcher.refused:
        urls = ", ".join(dict.fromkeys(fetcher.refused))
        raise TypesetError(
            f"refused to fetch {urls}",
            path=origin,
            hint="only data: URLs and file: URLs inside "
            + ", ".join(str(root) for root in roots)
            + " may be used",
        )
    _raise_for_log(records, html, origin)
    if font_problems:
        raise TypesetError(
            "; ".join(dict.fromkeys(font_problems)),
            path=origin,
            hint="only the faces in templates/fonts.yaml may be embedded",
        )
    return TypesetResult(pdf=pdf, page_count=len(document.pages))


# --- WeasyPrint set-up ------------------------------------------------------------


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
            import weasyprint
            from weasyprint import urls
            from weasyprint.text import ffi
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

            def fetch(self, url: str, headers: Any = None) -> Any:
                scheme = url.partition(":")[0].lower()
                if scheme == "data":
                    return super().fetch(url, headers)
                if scheme == "file":
                    path = _allowed_file(url, self.roots)
                    if path is not None:
                        # A missing file raises OSError here; WeasyPrint logs it as an
                        # error, which _raise_for_log turns into a TypesetError.
                        data = path.read_bytes()
                        mime_type = _MIME_TYPES.guess_type(path.name)[0]
                        return urls.URLFetcherResponse(
                            url, data, {"Content-Type": mime_type or "application/octet-stream"}
                        )
                # Recorded as well as raised: WeasyPrint swallows even fatal errors in
                # a few places (SVG drawing catches BaseException).
                self.refused.append(url)
                raise RefusedURL(f"refused to fetch {url}")

        _weasyprint = SimpleNamespace(
            CSS=weasyprint.CSS,
            HTML=weasyprint.HTML,
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
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".fonts.conf.{os.getpid()}.tmp"
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(conf)
        except OSError as exc:
            raise TypesetError(
                f"cannot write the fontconfig configuration: {exc}",
                path=str(conf),
                hint="the font cache folder must be writable",
            ) from exc
    os.environ["FONTCONFIG_FILE"] = str(conf.resolve())


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


# --- URLs ---------------------------------------------------------------------------


def _file_url(path: Path) -> str:
    return path.resolve().as_uri()


def _allowed_file(url: str, roots: Sequence[Path]) -> Path | None:
    """Return the file ``url`` names if, symlinks and ``..`` resolved, it is inside a root."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return None
    path = Path(url2pathname(parts.path)).resolve()
    return path if any(path.is_relative_to(root) for root in roots) else None


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


def _raise_for_log(records: Sequence[logging.LogRecord], html: str, origin: str) -> None:
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
        raise TypesetError(
            "WeasyPrint reported: " + "; ".join(others),
            path=origin,
            hint="templates and stylesheets must render without warnings",
        )


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
    text = reference.decode("ascii") if isinstance(reference, bytes) else str(reference)
    match = re.fullmatch(r"(\d+) 0 R", text.strip())
    if match is None:
        return None
    stream = pdf.objects[int(match.group(1))]
    chunks = getattr(stream, "stream", None)
    if not chunks or not all(isinstance(chunk, bytes) for chunk in chunks):
        return None
    return b"".join(chunks)
