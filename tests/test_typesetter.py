"""Turn the typesetter's promises into checks on real PDFs read back with poppler and pypdf."""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pypdf
import pytest

from briefgen.errors import ProblemReport, TypesetError
from briefgen.fonts import CACHE_ENV, FontSet, load_fonts
from briefgen.typesetter import Stylesheet, TypesetResult, typeset

pytestmark = pytest.mark.slow

KOREAN = "유엔 자유권위원회는 2015년 10월 22일 결정에서 체포와 구금이 자의적이었다고 판단하였다."
ENGLISH = "The Committee found that the arrest and detention were arbitrary."
CSS = """
@page { size: A4; margin: 2cm }
body { font-family: "Brief Serif KR"; font-size: 11pt; line-height: 1.5 }
h1 { font-family: "Brief Sans KR"; font-weight: 700 }
:lang(en) { font-family: "Brief Serif" }
"""
OUR_FAMILIES = ("Brief-Serif", "Brief-Sans")


def shared_font_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same cache test_fonts.py uses: $BRIEFGEN_FONT_CACHE, else one per session."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else tmp_path_factory.getbasetemp() / "fonts"


@pytest.fixture(scope="session")
def fonts(tmp_path_factory: pytest.TempPathFactory) -> FontSet:
    return load_fonts(shared_font_cache(tmp_path_factory))


def page(body: str, *, lang: str = "ko", head: str = "") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>사건 개요</title>{head}</head><body>{body}</body></html>"
    )


def brief(pages: int = 3) -> str:
    section = (
        f"<h1>사실관계</h1><p>{KOREAN * 8}</p>"
        f'<p lang="en">{ENGLISH * 4}</p><ul><li>첫째 — “인용”</li><li>둘째 …</li></ul>'
    )
    return page(section * (4 * pages))


def render(
    html: str,
    fonts: FontSet,
    root: Path,
    *,
    stylesheets: tuple[str | Stylesheet, ...] = (CSS,),
    **options: object,
) -> TypesetResult:
    return typeset(
        html,
        base_url=root.as_uri() + "/",
        stylesheets=stylesheets,
        fonts=fonts,
        allowed_roots=[root],
        origin="test.html",
        **options,  # type: ignore[arg-type]
    )


def trailer(pdf: bytes) -> Any:
    return pypdf.PdfReader(io.BytesIO(pdf)).trailer


def poppler(tool: str, pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_korean_and_english_text_comes_back_exactly(fonts: FontSet, tmp_path: Path) -> None:
    html = page(f"<h1>제목 <em>강조</em></h1><p>{KOREAN}</p><p lang='en'>{ENGLISH}</p>")
    result = render(html, fonts, tmp_path)
    assert result.pdf.startswith(b"%PDF-")
    assert result.page_count == 1
    text = poppler("pdftotext", result.pdf, tmp_path)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0] == "제목 강조"
    # Lines may wrap anywhere between syllables; the characters must be exact.
    assert "".join("".join(lines[1:]).split()) == "".join((KOREAN + ENGLISH).split())


def test_every_font_is_ours_embedded_and_subset(fonts: FontSet, tmp_path: Path) -> None:
    result = render(brief(), fonts, tmp_path)
    assert result.page_count >= 3
    table = poppler("pdffonts", result.pdf, tmp_path).splitlines()[2:]
    assert table
    names = set()
    for row in table:
        name, *_, emb, sub, uni, _obj, _gen = row.split()
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        tag, _, base = name.partition("+")
        assert re.fullmatch("[A-Z]{6}", tag), row
        assert base.startswith(OUR_FAMILIES), row
        names.add(base)
    assert {"Brief-Serif-KR", "Brief-Sans-KR-Bold", "Brief-Serif"} <= names

    # The embedded programs are subsets of the prepared faces, by PostScript name.
    reader = pypdf.PdfReader(io.BytesIO(result.pdf))
    programs = set()
    for pdf_page in reader.pages:
        resources: Any = pdf_page["/Resources"]
        for font in resources["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            data = stream.get_object().get_data()
            face = fonts.face_for_font_program(data)
            assert face is not None
            assert len(data) < face.path.stat().st_size / 10
            programs.add(face.postscript_name)
    assert {"NotoSerifCJKkr-Regular", "NotoSansCJKkr-Bold", "NotoSerif-Regular"} <= programs


def test_no_system_font_can_fill_in(fonts: FontSet, tmp_path: Path) -> None:
    # A snowman is in DejaVu Sans and Noto's symbol fonts, which are installed, but in
    # none of our subsets: it must fail rather than come from the system.
    assert fonts.missing_chars("눈사람 ☃", "ko", "serif") == ["☃"]
    with pytest.raises(TypesetError) as caught:
        render(page("<p>눈사람 ☃ 그리고 ا</p>"), fonts, tmp_path)
    message = str(caught.value)
    assert ".notdef" in message
    assert '"☃" (U+2603)' in message
    assert '"ا" (U+0627)' in message
    assert "test.html" in message
    conf = Path(os.environ["FONTCONFIG_FILE"])
    assert conf.is_relative_to(fonts.cache_dir.resolve())
    settings = re.sub(r"<!--.*?-->", "", conf.read_text(), flags=re.DOTALL)
    assert "<dir" not in settings
    assert "<include" not in settings


def test_any_character_of_a_loaded_face_renders(fonts: FontSet, tmp_path: Path) -> None:
    # Pango falls back between our own faces: Hangul in an English passage comes from a
    # KR face rather than failing. Only missing_chars() enforces a language's stack.
    html = page("<p>Latin then 한글 then 中文</p>", lang="en")
    assert fonts.missing_chars("Latin then 한글", "en", "serif") == ["한", "글"]
    text = poppler("pdftotext", render(html, fonts, tmp_path).pdf, tmp_path)
    assert "Latin then 한글 then 中文" in text


@pytest.mark.parametrize(
    ("body", "url"),
    [
        ('<img src="http://example.com/x.png">', "http://example.com/x.png"),
        ('<img src="https://example.com/x.png">', "https://example.com/x.png"),
        # A file is named by its path, as the user would look for it.
        ('<img src="file:///etc/passwd">', "/etc/passwd"),
        ("<style>@import url(file:///etc/hosts);</style><p>x</p>", "/etc/hosts"),
        (
            '<link rel="stylesheet" href="http://example.com/a.css"><p>x</p>',
            "http://example.com/a.css",
        ),
        ('<p style="background: url(ftp://example.com/a.png)">x</p>', "ftp://example.com/a.png"),
    ],
)
def test_foreign_urls_are_refused_without_network(
    fonts: FontSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, url: str
) -> None:
    attempts: list[object] = []

    def no_network(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    with pytest.raises(TypesetError) as caught:
        render(page(body), fonts, tmp_path)
    assert url in str(caught.value)
    assert "refused" in str(caught.value)
    assert attempts == []


def test_links_are_not_fetched(
    fonts: FontSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    body = (
        '<p><a href="https://example.org/report">보고서</a>'
        ' <a href="mailto:a@example.org">a</a></p>'
    )
    result = render(page(body), fonts, tmp_path)
    annotations: Any = pypdf.PdfReader(io.BytesIO(result.pdf)).pages[0]["/Annots"]
    targets = {str(annotation.get_object()["/A"]["/URI"]) for annotation in annotations}
    assert targets == {"https://example.org/report", "mailto:a@example.org"}


def test_stylesheet_given_as_source_may_not_import_outside(fonts: FontSet, tmp_path: Path) -> None:
    with pytest.raises(TypesetError, match="refused to fetch /etc/hosts"):
        render(page("<p>x</p>"), fonts, tmp_path, stylesheets=("@import url(file:///etc/hosts);",))


def test_files_inside_the_root_are_served_and_escapes_refused(
    fonts: FontSet, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    (root / "css").mkdir(parents=True)
    (root / "css" / "extra.css").write_text("p { color: #123456 }")
    (root / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
        '<rect width="4" height="4" fill="red"/></svg>'
    )
    ok = page('<link rel="stylesheet" href="css/extra.css"><p>본문</p><img src="dot.svg">')
    assert render(ok, fonts, root).page_count == 1

    (tmp_path / "secret.css").write_text("p { color: red }")
    (root / "link.css").symlink_to(tmp_path / "secret.css")
    # Named from the folder that holds the root, as the project's files are.
    for href, shown in (("../secret.css", "secret.css"),
                        ("css/../../secret.css", "secret.css"),
                        ("../../outside.css", f"{tmp_path.parent}/outside.css"),
                        ("link.css", f"root/link.css (a link to {tmp_path}/secret.css)")):
        with pytest.raises(TypesetError) as refused:
            render(page(f'<link rel="stylesheet" href="{href}"><p>x</p>'), fonts, root)
        assert refused.value.message == f"refused to fetch {shown}"


def test_data_urls_are_served(fonts: FontSet, tmp_path: Path) -> None:
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    assert render(page(f'<img src="{pixel}">'), fonts, tmp_path).page_count == 1


def test_missing_file_inside_the_root_fails(fonts: FontSet, tmp_path: Path) -> None:
    with pytest.raises(TypesetError, match=r"missing\.png"):
        render(page('<img src="missing.png">'), fonts, tmp_path)


def test_any_weasyprint_warning_fails_the_build(fonts: FontSet, tmp_path: Path) -> None:
    with pytest.raises(ProblemReport) as report:
        render(page("<p>x</p>"), fonts, tmp_path, stylesheets=(CSS, "p { colr: red; }"))
    # A bare CSS string has no file to point at: the position stays in the message.
    [error] = report.value.errors
    assert isinstance(error, TypesetError)
    assert (error.path, error.line) == ("test.html (stylesheet 2)", None)
    assert "Ignored `colr: red` at 1:5, unknown property" in error.message


def test_rejected_stylesheet_rules_are_reported_at_their_file_lines(
        fonts: FontSet, tmp_path: Path) -> None:
    sheet = Stylesheet("p {\n  margin: 0;\n  colr: red;\n}\n@bogus x;\n", "templates/x.css")
    with pytest.raises(ProblemReport) as report:
        render(page("<p>x</p>"), fonts, tmp_path, stylesheets=(CSS, sheet))
    found = [(e.path, e.line, e.message) for e in report.value.errors]
    assert found == [
        ("templates/x.css", 3, "WeasyPrint: Ignored `colr: red` at column 3, unknown property"),
        ("templates/x.css", 5, "WeasyPrint: Unknown empty rule @bogus at column 1"),
    ], found


def test_a_font_that_is_not_prepared_is_refused(fonts: FontSet, tmp_path: Path) -> None:
    shutil.copy("/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf", tmp_path / "ar.ttf")
    css = "@font-face { font-family: Stray; src: url(ar.ttf) } p { font-family: Stray }"
    with pytest.raises(ProblemReport) as refused:
        render(page("<p>مرحبا</p>", lang="ar"), fonts, tmp_path, stylesheets=(css,))
    assert "font family 'Stray' is not defined" in "\n".join(refused.value.lines())
    # Named where the stylesheet check does not look, it is still refused once drawn.
    css = "@font-face { font-family: Stray; src: url(ar.ttf) }"
    with pytest.raises(TypesetError, match="not one of the prepared faces"):
        render(page('<p style="font-family: Stray">مرحبا</p>', lang="ar"), fonts, tmp_path,
               stylesheets=(css,))


def test_output_is_deterministic(fonts: FontSet, tmp_path: Path) -> None:
    html = brief(1)
    first = render(html, fonts, tmp_path).pdf
    assert render(html, fonts, tmp_path).pdf == first
    # A fresh process (new fontconfig, new WeasyPrint caches) gives the same bytes.
    script = (
        "import sys; from pathlib import Path\n"
        "from briefgen.fonts import load_fonts\n"
        "from briefgen.typesetter import typeset\n"
        "fonts = load_fonts(Path(sys.argv[1]))\n"
        "result = typeset(sys.stdin.read(), base_url=sys.argv[2], stylesheets=[sys.argv[3]],\n"
        "                 fonts=fonts, allowed_roots=[Path(sys.argv[4])], origin='test.html')\n"
        "sys.stdout.buffer.write(result.pdf)\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, str(fonts.cache_dir), tmp_path.as_uri() + "/", CSS,
         str(tmp_path)],
        input=html.encode(),
        capture_output=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        check=True,
    ).stdout  # fmt: skip
    assert other == first
    assert b"CreationDate" not in first
    assert b"ModDate" not in first


def test_identifier_and_dates(fonts: FontSet, tmp_path: Path) -> None:
    html = page("<p>날짜</p>")
    default = trailer(render(html, fonts, tmp_path).pdf)
    other = trailer(render(page("<p>다른</p>"), fonts, tmp_path).pdf)
    assert default["/ID"][0] != other["/ID"][0]  # derived from content

    result = render(html, fonts, tmp_path, pdf_identifier=b"brief-0001", metadata_date="2024-05-01")
    assert str(trailer(result.pdf)["/ID"][0]) == "brief-0001"
    info = trailer(result.pdf)["/Info"]
    assert str(info["/CreationDate"]).startswith("D:20240501")
    assert str(info["/ModDate"]).startswith("D:20240501")

    with pytest.raises(TypesetError) as caught:
        render(html, fonts, tmp_path, metadata_date="2024-13-45")
    # One problem each for the two dates WeasyPrint refused.
    assert [line for line in caught.value.lines() if "date: '2024-13-45'" in line] == [
        "test.html: WeasyPrint reported: Invalid created date: '2024-13-45' "
        "(templates and stylesheets must render without warnings)",
        "test.html: WeasyPrint reported: Invalid modified date: '2024-13-45' "
        "(templates and stylesheets must render without warnings)"]


def test_an_image_of_too_many_pixels_is_refused_by_name(fonts: FontSet, tmp_path: Path) -> None:
    from PIL import Image

    from briefgen.pictures import MAX_IMAGE_PIXELS, image_size

    root = tmp_path / "templates"
    root.mkdir()
    # Few bytes, many pixels: the kind of file that costs seconds and hundreds of MB.
    Image.new("1", (8000, 5000)).save(root / "huge.png")
    assert (root / "huge.png").stat().st_size < 100_000
    assert MAX_IMAGE_PIXELS < 8000 * 5000
    with pytest.raises(ProblemReport) as refused:
        render(page('<p>x</p><img src="huge.png">'), fonts, root)
    (error,) = refused.value.each()
    assert error.message == ("image templates/huge.png is 8000 x 5000 pixels (40 million); "
                             "an image may have at most 35 million")
    assert image_size((root / "huge.png").read_bytes()) == (8000, 5000)
    assert image_size(b"<svg/>") is None


def test_a_data_url_image_of_too_many_pixels_is_refused(fonts: FontSet, tmp_path: Path) -> None:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (8000, 5000)).save(buffer, format="PNG")
    encoded = base64.b64encode(buffer.getvalue()).decode()
    small = io.BytesIO()
    Image.new("1", (80, 50)).save(small, format="PNG")
    fine = base64.b64encode(small.getvalue()).decode()

    # A small one in the same document is served as before.
    html = page(f'<p>x</p><img alt="small" src="data:image/png;base64,{fine}">')
    assert pikepdf_images(render(html, fonts, tmp_path).pdf) == [(80, 50)]
    with pytest.raises(ProblemReport) as refused:
        render(page(f'<p>x</p><img alt="small" src="data:image/png;base64,{fine}">'
                    f'<img alt="huge" src="data:image/png;base64,{encoded}">'), fonts, tmp_path)
    (error,) = refused.value.each()
    assert error.message == ("image (a data: URL, image/png) is 8000 x 5000 pixels "
                             "(40 million); an image may have at most 35 million")


def pikepdf_images(pdf: bytes) -> list[tuple[int, int]]:
    """The width and height of every image on the PDF's pages, read back with qpdf."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [(int(image.Width), int(image.Height))
                for page in document.pages for image in page.get_images().values()]


def test_braces_are_paired_as_css_reads_them() -> None:
    from briefgen.typesetter import _brace_problems

    assert _brace_problems("a { content: '}'; }\n/* } */ b { c: \"\\\"}\" }\n") == ()
    assert _brace_problems("a { b: c; }\n.x { y: z;\n.q { r: s; }\n") == (
        ("'{' is never closed", 2, "add the missing '}': every rule after it is ignored"),)
    assert [(m, line) for m, line, _ in _brace_problems("a {} }\nb {}\n/* x\n{")] == [
        ("'}' closes no '{'", 1), ("a comment (/*) is never closed", 3)]
    # An escaped brace is not a brace; an unclosed string ends at its line's end.
    assert _brace_problems("a { content: \\}; }\nb { content: 'x }\n}") == ()


def _lines(count: int, *, extra_class: str = "") -> str:
    # One line per paragraph, each 12 pt high with no margins: the page holds a known
    # number, so where the last line falls is known too.
    body = "".join(f"<p>{KOREAN[:10]} {n}</p>" for n in range(count))
    html = page(body)
    return html.replace("<html ", f'<html class="{extra_class}" ', 1) if extra_class else html


LINES_CSS = """
@page { size: A6; margin: 10mm }
html { font-family: "Brief Serif KR"; font-size: 10pt; line-height: 12pt }
html.tight { line-height: 10pt }
p { margin: 0 }
"""


def test_an_alternative_is_written_only_if_it_saves_a_short_last_page(
        fonts: FontSet, tmp_path: Path) -> None:
    from briefgen.typesetter import fewer_pages_if_last_is_short

    # A6 less its margins is 128 mm = 362.8 pt high: 30 lines of 12 pt a page, 36 of 10.
    choose = fewer_pages_if_last_is_short(0.2)
    short = render(_lines(32), fonts, tmp_path, stylesheets=(LINES_CSS,),
                   alternatives=[_lines(32, extra_class="tight")], choose=choose)
    assert (short.page_count, short.chosen) == (1, 1)
    assert "31" in poppler("pdftotext", short.pdf, tmp_path)
    # Seven lines on the second page (84 of its 362.8 pt) is not short enough to tighten.
    full = render(_lines(37), fonts, tmp_path, stylesheets=(LINES_CSS,),
                  alternatives=[_lines(37, extra_class="tight")], choose=choose)
    assert (full.page_count, full.chosen) == (2, 0)
    # Tighter but still on as many pages: the design as drawn is kept.
    kept = render(_lines(40), fonts, tmp_path, stylesheets=(LINES_CSS,),
                  alternatives=[_lines(40, extra_class="tight")],
                  choose=fewer_pages_if_last_is_short(0.5))
    assert (kept.page_count, kept.chosen) == (2, 0)
    # The chosen PDF is the one its HTML alone makes, byte for byte.
    alone = render(_lines(32, extra_class="tight"), fonts, tmp_path, stylesheets=(LINES_CSS,))
    assert alone.pdf == short.pdf


def test_the_first_variant_within_the_pages_is_written(fonts: FontSet, tmp_path: Path) -> None:
    from briefgen.typesetter import first_within

    sizes = [_lines(count) for count in (70, 50, 25, 10)]
    fits = render(sizes[0], fonts, tmp_path, stylesheets=(LINES_CSS,),
                  alternatives=sizes[1:], choose=first_within(1))
    assert (fits.page_count, fits.chosen) == (1, 2)
    # None fits: the last is written, and the caller reports its page count.
    none = render(sizes[0], fonts, tmp_path, stylesheets=(LINES_CSS,),
                  alternatives=sizes[1:2], choose=first_within(1))
    assert (none.page_count, none.chosen) == (2, 1)


def test_choosers_pick_as_documented() -> None:
    from briefgen.typesetter import Pagination, fewer_pages_if_last_is_short, first_within

    short = fewer_pages_if_last_is_short(0.2)
    assert short([Pagination(3, 0.5)], True) == 0
    assert short([Pagination(1, 0.05)], True) == 0  # one page: nothing to save
    assert short([Pagination(3, 0.1)], True) is None
    assert short([Pagination(3, 0.1), Pagination(3, 0.3)], True) is None
    assert short([Pagination(3, 0.1), Pagination(3, 0.3), Pagination(2, 0.99)], False) == 2
    assert short([Pagination(3, 0.1), Pagination(3, 0.3)], False) == 0
    within = first_within(1)
    assert within([Pagination(2, 0.1)], True) is None
    assert within([Pagination(2, 0.1), Pagination(1, 0.9)], True) == 1
    assert within([Pagination(2, 0.1), Pagination(2, 0.05)], False) == 1


def test_first_page_gaps_lie_between_blocks_never_between_lines(
        fonts: FontSet, tmp_path: Path) -> None:
    css = """@page { size: A6; margin: 0 }
    html { font-family: "Brief Serif"; font-size: 10pt; line-height: 0.5 }
    html, body { margin: 0; background: #eee } p { margin: 0 0 20px }
    .box { border: 1px solid; padding: 20px 0; margin-bottom: 20px }"""
    # Lines set closer than their glyphs (line-height 0.5): white rows between them
    # would be none, yet every gap found must be between the blocks.
    body = (f"<p lang='en'>{ENGLISH * 3}</p><div class='box'><p lang='en'>{ENGLISH}</p>"
            f"<p lang='en'>{ENGLISH}</p></div><p lang='en'>{ENGLISH}</p>")
    result = render(page(body, lang="en"), fonts, tmp_path, stylesheets=(css,))
    gaps = result.first_page_gaps
    height = 148 / 25.4 * 96  # A6 in CSS px
    # One after the first paragraph, one after the framed box (the gap between the
    # paragraphs inside it is not one), and the rest of the page.
    assert len(gaps) == 3, gaps
    first, after_box, rest = gaps
    assert round((first[1] - first[0]) * height) == 20
    assert round((after_box[1] - after_box[0]) * height) == 20
    assert rest[1] == 1.0
