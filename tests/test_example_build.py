"""The example's full build, read back with independent PDF readers."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from briefgen.cli import app
from briefgen.loader import load_content

from .conftest import REPO

pytestmark = pytest.mark.slow
CASE = "vietnam-nine-2015"


@pytest.fixture
def built(example_output: Path) -> Path:
    return example_output


def pdftotext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_manifest_lists_every_output(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    paths = sorted(e["path"] for e in manifest["outputs"])
    expected = sorted(
        f"{CASE}_brief_{a}_{loc}.pdf"
        for a in ("china", "vietnam", "south-korea", "united-states")
        for loc in ("en", "ko", "zh-Hans")
    )
    expected.append(f"{CASE}_handout_washington-protest_ko+en.pdf")
    assert paths == sorted(expected)
    for entry in manifest["outputs"]:
        data = (built / entry["path"]).read_bytes()
        import hashlib

        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["pages"] == len(PdfReader(built / entry["path"]).pages)
        assert entry["classification"] == "public"
        assert entry["locales"] == entry["path"].rsplit("_", 1)[1][:-4].split("+")
        if entry["document"] == "brief":
            assert 2 <= entry["pages"] <= 8
        else:
            assert entry["pages"] == 1
        for name, digest in entry["images"].items():
            assert hashlib.sha256((built / name).read_bytes()).hexdigest() == digest


def test_no_example_brief_ends_on_a_nearly_empty_page(built: Path) -> None:
    # The briefs whose last page held four to eleven lines as designed are set tighter
    # (html.fit-1 or fit-2) and end a page sooner. Lines read back by poppler, less
    # the running head and foot.
    for pdf in sorted(built.glob(f"{CASE}_brief_*.pdf")):
        pages = len(PdfReader(pdf).pages)
        last = subprocess.run(["pdftotext", "-layout", "-f", str(pages), "-l", str(pages),
                               str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        lines = [line for line in last.splitlines() if line.strip()][1:-1]
        assert len(lines) >= 12, (pdf.name, pages, lines)


def test_english_brief_has_its_sections_and_facts(built: Path) -> None:
    text = squash(pdftotext(built / f"{CASE}_brief_china_en.pdf"))
    for heading in (
        "Brief for meetings with China",
        "Summary",
        "Requests to China",
        "Key facts",
        "Where the sources disagree",
        "Timeline",
        "Obligations of China",
        "Legal analysis",
        "Sources",
    ):
        assert heading in text
    assert "China is a party to this treaty." in text
    assert "Page 1 of" in text
    # Both accounts of the disputed arrest date, with their own sources.
    assert "22 October" in text or "October 22" in text
    assert "23 October" in text or "October 23" in text
    # A source's date worked out, not given, is marked so (the blog post's and UPI's).
    assert "Date: 20 November 2015 (inferred)." in text
    assert "Date: 18 November 2015 (inferred)." in text


def test_vietnam_gets_customary_law_not_a_treaty_duty(built: Path) -> None:
    text = squash(pdftotext(built / f"{CASE}_brief_vietnam_en.pdf"))
    assert "Vietnam is not a party to this treaty" in text
    assert "Instead, the sources describe a customary rule" in text


def test_korean_text_extracts_exactly(built: Path) -> None:
    from babel.messages.pofile import read_po

    with (REPO / f"locales/ko/case.{CASE}.po").open("rb") as handle:
        catalog = read_po(handle)
    title = next(m.string for m in catalog if m.context == f"case:{CASE}:title")
    text = pdftotext(built / f"{CASE}_brief_china_ko.pdf")
    assert isinstance(title, str) and title
    assert squash(title) in squash(text)
    assert "\ufffd" not in text
    # Hangul present in quantity, not boxes
    assert len(re.findall(r"[\uac00-\ud7a3]", text)) > 1000


def test_chinese_text_extracts_exactly(built: Path) -> None:
    from babel.messages.pofile import read_po

    with (REPO / f"locales/zh-Hans/case.{CASE}.po").open("rb") as handle:
        catalog = read_po(handle)
    text = squash(pdftotext(built / f"{CASE}_brief_china_zh-Hans.pdf"))
    for context in ("title", "summary"):
        translated = next(m.string for m in catalog if m.context == f"case:{CASE}:{context}")
        assert isinstance(translated, str) and translated
        # pdftotext may add spaces at line ends between CJK characters.
        assert squash(translated).replace(" ", "") in text.replace(" ", "")
    assert "第1页，共" in text.replace(" ", "")


def test_note_references_never_split_across_lines(built: Path) -> None:
    # A run of note numbers after the end of a sentence, split at a line end ("choice.2,"
    # then "3"), or moved to the start of the next line on its own ("2,3 …").
    briefs = sorted(built.glob(f"{CASE}_brief_*.pdf"))
    assert len(briefs) == 12
    for pdf in briefs:
        text = pdftotext(pdf)
        assert re.findall(r"[.。)）]\d+(?:,\d+)*,\n", text) == [], pdf.name
        assert lone_note_runs(pdf) == [], pdf.name


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"([^<]*)</word>")


def lone_note_runs(pdf: Path) -> list[str]:
    """Runs of note numbers ("2,3") with no word touching them on their left, that is,
    starting a line. Judged by the words' boxes, not by the text's order: pdftotext puts
    a raised note after the next column's word ("October). China 1,2") when the two
    share a line, which reads like a note on a line of its own."""
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], check=True,
                         capture_output=True, text=True).stdout
    lone = []
    for page_number, page in enumerate(out.split("<page ")[1:], 1):
        words = [(float(x0), float(y0), float(x1), float(y1), text)
                 for x0, y0, x1, y1, text in _WORD.findall(page)]
        for x0, y0, _, y1, text in words:
            if not re.fullmatch(r"\d{1,2}(?:,\d{1,2})+", text):
                continue
            if not any(abs(left_x1 - x0) < 0.5 and left_y0 < y1 and y0 < left_y1
                       for _, left_y0, left_x1, left_y1, _ in words):
                lone.append(f"page {page_number}: {text}")
    return lone


def test_rebuilding_in_another_process_and_locale_gives_the_same_bytes(
        built: Path, tmp_path: Path) -> None:
    import os
    import sys

    # fontconfig ranks faces by LC_ALL's language where a text's own does not decide:
    # under a Korean locale a Chinese brief once took some characters from the Korean
    # face. The locale need not be installed for fontconfig to read it.
    again, scratch = tmp_path / "again", tmp_path / "tmp"
    scratch.mkdir()
    subprocess.run([sys.executable, "-m", "briefgen", "build", "--content",
                    str(REPO / "content"), "--out", str(again), "--audience", "china",
                    "--jobs", "2"], check=True, capture_output=True, cwd=tmp_path,
                   env={**os.environ, "TZ": "Pacific/Auckland", "LC_ALL": "ko_KR.UTF-8",
                        "TMPDIR": str(scratch)})
    pdfs = sorted(again.glob("*.pdf"))
    assert len(pdfs) == 3
    for pdf in pdfs:
        assert pdf.read_bytes() == (built / pdf.name).read_bytes(), pdf.name
    # Each render worker's WeasyPrint copies the fonts (tens of MB) into TMPDIR.
    assert list(scratch.iterdir()) == []


def test_fonts_are_ours_embedded_and_subset(built: Path) -> None:
    for pdf in sorted(built.glob("*.pdf")):
        rows = subprocess.run(
            ["pdffonts", str(pdf)], check=True, capture_output=True, text=True
        ).stdout.splitlines()[2:]
        assert rows, pdf
        for row in rows:
            name = row.split()[0]
            columns = row.split()
            emb, sub = columns[-5], columns[-4]
            assert (emb, sub) == ("yes", "yes"), row
            assert re.match(r"^[A-Z]{6}\+Brief-(Sans|Serif)", name), row
            # Glyph forms follow the language: Korean faces only in Korean briefs,
            # Chinese faces only in Chinese ones (English source titles in either use
            # the Latin face).
            locales = pdf.name.rsplit("_", 1)[1][:-4].split("+")
            assert ("-KR" not in name) or "ko" in locales, row
            assert ("-SC" not in name) or "zh-Hans" in locales, row
        names = " ".join(row.split()[0] for row in rows)
        if pdf.name.endswith("_ko.pdf"):
            assert "Brief-Serif-KR" in names
        if pdf.name.endswith("_zh-Hans.pdf"):
            assert "Brief-Serif-SC" in names


def test_public_briefs_carry_no_restricted_text(built: Path) -> None:
    content = load_content(REPO / "content")
    case = content.cases[CASE]
    restricted = [f.text for f in case.facts if f.sensitivity.value == "restricted"]
    assert case.group is not None
    restricted += [m.description for m in case.group.members if m.sensitivity.value == "restricted"]
    assert restricted, "the example must exercise the restricted split"
    for pdf in sorted(built.glob("*_en.pdf")):
        text = squash(pdftotext(pdf))
        for item in restricted:
            assert squash(item) not in text, (pdf.name, item)
        assert "captain" not in text.lower(), pdf.name


def test_letter_paper_and_restricted_variant(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "build",
            "--content",
            str(REPO / "content"),
            "--out",
            str(out),
            "--audience",
            "china",
            "--locale",
            "en",
            "--paper",
            "letter",
            "--include-restricted",
        ],
    )
    assert result.exit_code == 0, result.stderr
    pdf = out / f"{CASE}_brief_china_en_restricted.pdf"
    box = PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    text = squash(pdftotext(pdf))
    assert "contains restricted material" in text.lower()
    assert text.lower().count("restricted material") >= PdfReader(pdf).get_num_pages()
    assert "captain" in text.lower()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["outputs"][0]["classification"] == "restricted"


def test_qpdf_finds_no_structural_problems(built: Path) -> None:
    for pdf in sorted(built.glob("*.pdf")):
        check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_treaty_status_the_sources_do_not_give_is_not_asserted(built: Path) -> None:
    us = squash(pdftotext(built / f"{CASE}_brief_united-states_en.pdf"))
    assert ("The sources of this brief do not say whether the United States is a party to "
            "this treaty.") in us
    assert "Requests to the United States" in us and "Obligations of the United States" in us
    assert us.count(
        "Whatever its treaty status, the sources describe a customary rule as well") == 2
    # The rule's text is printed once, under its own entry, not under each treaty too.
    assert us.count("Customary international law prohibits the forced return") == 1
    assert "is a party to this treaty." not in us.replace("whether the United States is a", "")
    # No source dates a signature, ratification or accession, so no brief prints one.
    for pdf in sorted(built.glob(f"{CASE}_brief_*_en.pdf")):
        text = squash(pdftotext(pdf))
        for step in ("Signature:", "Ratification:", "Accession:", "Succession:"):
            assert step not in text, (pdf.name, step)


def test_provision_texts_are_set_alike_whatever_their_kind(built: Path) -> None:
    # A summary of a provision and a quotation of one are set in one size, not the
    # summary in the size of the case summary above them.
    import pypdfium2
    import pypdfium2.raw as pdfium

    document = pypdfium2.PdfDocument(built / f"{CASE}_brief_united-states_en.pdf")
    try:
        sizes = {}
        for page in document:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            for start in ("No government", "A party may not"):  # a quote, a summary
                if (at := text.find(start)) != -1:
                    sizes[start] = round(pdfium.FPDFText_GetFontSize(textpage, at), 2)
            textpage.close()
    finally:
        document.close()
    assert len(sizes) == 2 and len(set(sizes.values())) == 1, sizes
