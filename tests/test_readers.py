"""Every example output, opened by independent PDF readers."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pypdfium2
import pytest

pytestmark = pytest.mark.slow


def outputs(example_output: Path) -> list[tuple[Path, dict[str, object]]]:
    manifest = json.loads((example_output / "manifest.json").read_text())
    return [(example_output / e["path"], e) for e in manifest["outputs"]]


def titles(example_output: Path) -> dict[tuple[str, str], str]:
    """The title each output should show (a handout has its own), by (document, locale),
    from the content and its catalogs."""
    from babel.messages.pofile import read_po

    from briefgen.loader import load_content

    from .conftest import REPO

    case = load_content(REPO / "content").cases["vietnam-nine-2015"]
    assert case.handout is not None and case.handout.title
    found = {("brief", "en"): case.title, ("handout", "en"): case.handout.title}
    for locale in ("ko", "zh-Hans"):
        with (REPO / f"locales/{locale}/case.vietnam-nine-2015.po").open("rb") as handle:
            catalog = read_po(handle)
        for document, context in (("brief", "title"), ("handout", "handout:title")):
            found[document, locale] = next(
                str(m.string) for m in catalog
                if m.context == f"case:vietnam-nine-2015:{context}")
    return found


def flat(text: str) -> str:
    # PDFium reads a hyphen of the text's own that ends a line as U+FFFE.
    return re.sub(r"\s+", "", text).replace("\ufffe", "-")


def test_qpdf_check(example_output: Path) -> None:
    for pdf, _ in outputs(example_output):
        check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_pdffonts_embedded_subset_with_tounicode(example_output: Path) -> None:
    for pdf, _ in outputs(example_output):
        rows = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                              text=True).stdout.splitlines()[2:]
        for row in rows:
            emb, sub, uni = row.split()[-5:-2]
            assert (emb, sub, uni) == ("yes", "yes", "yes"), (pdf.name, row)


def test_mupdf_extracts_the_title(example_output: Path) -> None:
    expected = titles(example_output)
    for pdf, entry in outputs(example_output):
        text = subprocess.run(["mutool", "draw", "-q", "-F", "txt", "-o", "-", str(pdf)],
                              check=True, capture_output=True, text=True).stdout
        locale = entry["locales"][0]  # type: ignore[index]
        assert flat(expected[entry["document"], locale]) in flat(text), pdf.name


def test_pdfium_agrees_on_pages_and_text(example_output: Path) -> None:
    expected = titles(example_output)
    for pdf, entry in outputs(example_output):
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            assert len(document) == entry["pages"]
            page = document[0]
            text = page.get_textpage().get_text_range()
            locale = entry["locales"][0]  # type: ignore[index]
            assert flat(expected[entry["document"], locale]) in flat(text), pdf.name
            assert "\ufffd" not in text
        finally:
            document.close()


def test_pdfjs_extracts_the_title(example_output: Path) -> None:
    from .conftest import REPO

    expected = titles(example_output)
    for pdf, entry in outputs(example_output):
        result = subprocess.run(["node", str(REPO / "tools/pdfjs/inspect.mjs"), str(pdf), "1"],
                                check=True, capture_output=True, text=True)
        text = json.loads(result.stdout)["text"]["1"]
        locale = entry["locales"][0]  # type: ignore[index]
        assert flat(expected[entry["document"], locale]) in flat(text), pdf.name


def test_the_restricted_text_check_reads_what_pypdf_reads(example_output: Path) -> None:
    from briefgen.pdfcheck import pdf_strings

    from .conftest import pypdf_places

    for pdf, _entry in outputs(example_output):
        data = pdf.read_bytes()
        places = sorted(p for p in pdf_strings(data) if not p[0].endswith(" text"))
        assert places == pypdf_places(data), pdf.name
        kinds = {where.split()[0] for where, _text in places}
        # Briefs link their notes to the sources (named destinations); a handout links
        # out to its campaign page.
        assert {"metadata", "XMP", "outline", "page" if "handout" in pdf.name else "named"
                } <= kinds, (pdf.name, kinds)
