"""Builds of small sample trees: what fails, how it says so, and that nothing is written."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefgen.build import Paths
from briefgen.cli import app
from briefgen.errors import TypesetError
from briefgen.i18n import completeness

from .conftest import REPO, edit, own_templates

Make = Callable[[str], Path]
CASE = "cases/sample-case/case.yaml"
runner = CliRunner()


def build(content: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["build", "--content", str(content), *args])
    return result.exit_code, result.stdout + result.stderr


def test_sample_builds_with_manifest(project: Make) -> None:
    content = project("minimal")
    code, out = build(content)
    assert code == 0, out
    manifest = json.loads((content.parent / "output/manifest.json").read_text())
    assert [e["path"] for e in manifest["outputs"]] == [
        "sample-case_brief_other-state_en.pdf", "sample-case_brief_party-state_en.pdf"]
    assert "[1/2] sample-case_brief_party-state_en.pdf" in out


def test_uncovered_character_names_char_and_origin(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "The two were stopped at a checkpoint.",
         "The two were stopped at a checkpoint \u2603.")
    code, out = build(content)
    assert code == 2
    # The fact's text line, not the line of its id.
    assert ("content/cases/sample-case/case.yaml:21: character '\u2603' (U+2603) is not "
            "covered by any configured font for en") in out
    assert not (content.parent / "output").exists()


def test_failed_build_keeps_previous_outputs(project: Make) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    out_dir = content.parent / "output"
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    edit(content / CASE, "priority: high", "priority: highest")
    code, _ = build(content)
    assert code == 2
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]


def test_an_output_name_taken_by_a_directory_writes_nothing(project: Make) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    out_dir = content.parent / "output"
    edit(content / CASE, "The two were stopped at a checkpoint.",
         "The two were stopped at a border checkpoint.")
    taken = out_dir / "sample-case_brief_party-state_en.pdf"
    taken.unlink()
    taken.mkdir()
    before = {p.name: p.read_bytes() for p in out_dir.iterdir() if p.is_file()}
    code, out = build(content)
    assert code == 2
    assert f"{taken}: --out: cannot write output: a directory has its name" in out
    assert {p.name: p.read_bytes() for p in out_dir.iterdir() if p.is_file()} == before


def test_template_syntax_error_names_template_line(project: Make) -> None:
    content = project("minimal")
    templates = own_templates(content)
    edit(templates / "brief.html", "{% if view.group %}", "{% if view.group %")
    code, out = build(content)
    assert code == 2
    assert "templates/brief.html:" in out and "template syntax error" in out
    assert "Traceback" not in out


def test_an_unclosed_block_is_reported_where_it_opens(project: Make) -> None:
    # Jinja finds it at the end of the template, far from the tag to fix.
    content = project("minimal")
    templates = own_templates(content)
    source = (templates / "brief.html").read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    opened = next(number for number, line in enumerate(lines, start=1)
                  if line.strip() == "<body>" or line.startswith("<body"))
    lines[opened - 1] = lines[opened - 1].rstrip("\n") + " {% if view.title %}\n"
    (templates / "brief.html").write_text("".join(lines), encoding="utf-8")
    for command in (["validate"], ["build"]):
        result = runner.invoke(app, [*command, "--content", str(content)])
        out = result.stdout + result.stderr
        assert result.exit_code == 2, out
        assert (f"templates/brief.html:{opened}: template syntax error: the {{% if %}} "
                "block opened on this line is never closed") in " ".join(out.split()), out
        assert "add {% endif %} where the block ends" in " ".join(out.split()), out


def test_templates_saved_with_a_byte_order_mark_build(project: Make) -> None:
    # As Windows editors save UTF-8: in the stylesheet, the mark would join the first
    # selector, which WeasyPrint refuses.
    content = project("minimal")
    templates = own_templates(content)
    for name in ("brief.html", "brief.css"):
        path = templates / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, out = build(content)
    assert code == 0, out
    assert "warning" not in out, out


def test_every_document_that_fails_to_typeset_is_reported_once(project: Make) -> None:
    content = project("minimal")
    templates = own_templates(content)
    edit(templates / "brief.html", "<body", '<img src="missing.png" alt="seal"><body')
    code, out = build(content, "--jobs", "2")
    assert code == 2
    # Both briefs fail to load the image: one line for both.
    assert out.count("Failed to load image") == 1, out
    assert "(also in 1 other document)" in out
    assert "1 problem found; nothing was written" in out


def test_stylesheet_rules_weasyprint_rejects_are_reported_at_their_lines(
        project: Make) -> None:
    content = project("minimal")
    templates = own_templates(content)
    # A block tag above the rules must not shift the lines reported.
    edit(templates / "brief.css", "html { font-family",
         "{% if true %}\nhtml { colr: red; }\n{% endif %}\n.x { margin: bogus; }\n"
         "html { font-family")
    lines = (templates / "brief.css").read_text().splitlines()
    colr = lines.index("html { colr: red; }") + 1
    bogus = lines.index(".x { margin: bogus; }") + 1
    code, out = build(content, "--jobs", "2")
    assert code == 2
    assert (f"templates/brief.css:{colr}: WeasyPrint: Ignored `colr: red` at column 8, "
            "unknown property") in out, out
    assert f"templates/brief.css:{bogus}: WeasyPrint: Ignored `margin: bogus`" in out
    # Each rule is the template's problem, once, whichever documents use it.
    assert out.count("colr") == 1 and "other document" not in out
    assert "2 problems found; nothing was written" in out
    assert not (content.parent / "output").exists()


def test_rejected_page_rules_are_reported_at_their_lines_too(project: Make) -> None:
    # The per-document page rules (paper, margin-box labels) are rendered with the rest of
    # the stylesheet, so their lines are the file's as well.
    content = project("minimal")
    templates = own_templates(content)
    edit(templates / "brief.css", "@page :first { @top-left { content: none; }",
         "@page :first { @top-left { content: none; colr: blue; }")
    lines = (templates / "brief.css").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "colr: blue" in text)
    code, out = build(content)
    assert code == 2
    assert f"templates/brief.css:{line}: WeasyPrint: Ignored `colr: blue`" in out, out
    assert "1 problem found; nothing was written" in out


@pytest.mark.parametrize("pull_in", ['{% include "extra.css" %}', '@import "extra.css";'])
def test_rejected_rules_get_no_line_when_the_stylesheet_lost_its_lines(
        project: Make, pull_in: str) -> None:
    # Lines from an included file shift the stylesheet's; an imported file's rules are
    # reported at their own lines. Either way a line number would point at the wrong rule.
    content = project("minimal")
    templates = own_templates(content)
    (templates / "extra.css").write_text(".a { margin: 0; }\n.b { colr: red; }\n")
    text = (templates / "brief.css").read_text()
    (templates / "brief.css").write_text(pull_in + "\n" + text)
    code, out = build(content)
    assert code == 2
    assert ("templates/brief.css: WeasyPrint: Ignored `colr: red`, unknown property"
            in out), out


def test_undefined_template_variable_is_an_error(project: Make) -> None:
    content = project("minimal")
    templates = own_templates(content)
    edit(templates / "brief.html", "{{ view.summary|md }}", "{{ view.sumary|md }}")
    code, out = build(content)
    assert code == 2
    assert "undefined template variable" in out and "sumary" in out
    assert "templates/brief.html:" in out


def test_a_template_mistake_is_reported_before_fonts_are_prepared(
        project: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Preparing the CJK faces takes minutes on a first build: a mistake that needs no
    # fonts to find must not wait for them.
    content = project("minimal")
    templates = own_templates(content)
    edit(templates / "brief.html", "{{ view.summary|md }}", "{{ view.sumary|md }}")
    cache = tmp_path / "empty-font-cache"
    monkeypatch.setenv("BRIEFGEN_FONT_CACHE", str(cache))
    code, out = build(content)
    assert code == 2
    assert "templates/brief.html:" in out and "sumary" in out
    assert "preparing font" not in out
    assert not cache.exists() or not any(cache.iterdir())

    # Fixed, the same build prepares the fonts it needs and builds.
    edit(templates / "brief.html", "{{ view.sumary|md }}", "{{ view.summary|md }}")
    code, out = build(content)
    assert code == 0, out
    assert "preparing fonts" in out
    assert any(p.suffix == ".ttf" for p in cache.iterdir())

    # The HTML was rendered before the fonts were prepared: each page still shows the
    # stamp the manifest records, and a build on the prepared fonts gives the same bytes.
    from pypdf import PdfReader

    output = content.parent / "output"
    manifest = json.loads((output / "manifest.json").read_text())
    first = {}
    for entry in manifest["outputs"]:
        first[entry["path"]] = (output / entry["path"]).read_bytes()
        for page in PdfReader(output / entry["path"]).pages:
            assert f"Build {entry['stamp']} " in " ".join(page.extract_text().split())
    code, out = build(content, "--force")
    assert code == 0, out
    assert {name: (output / name).read_bytes() for name in first} == first


@pytest.mark.parametrize(("restricted", "public", "found"), [
    # A public fact that quotes the restricted one: the finished PDF is checked.
    (None, "The two were stopped; their cousin lives in Springfield.",
     "Their cousin lives in Springfield"),
    # One sentence of a restricted text of several is a leak too.
    ("Their cousin lives in Springfield. He works at the harbour office. Ok.",
     "The two were stopped at a checkpoint. He works at the harbour office.",
     "He works at the harbour office"),
    # The same sentence with other punctuation after it, or out of its quotation marks.
    ("Their cousin lives in Springfield. He works at the harbour office.",
     "The two were stopped; he works at the harbour office; they left.",
     "He works at the harbour office"),
    ("“He works at the harbour office.” Their cousin in Springfield said so.",
     "The two were stopped; he works at the harbour office, a neighbour said.",
     "He works at the harbour office"),
    # A straight apostrophe for a curly one, a hyphen for a dash.
    ("Their cousin’s flat is by the harbour — in Springfield.",
     "The two were stopped. Their cousin's flat is by the harbour - in Springfield!",
     "Their cousin’s flat is by the harbour — in Springfield"),
])
def test_public_text_repeating_restricted_text_fails_the_build(
        project: Make, restricted: str | None, public: str, found: str) -> None:
    content = project("minimal")
    if restricted:
        edit(content / CASE, "text: Their cousin lives in Springfield", f"text: {restricted}")
    edit(content / CASE, "The two were stopped at a checkpoint.", public)
    code, out = build(content)
    assert code == 2
    assert re.search(r"restricted material found in a public document: this text repeats "
                     r"(?:a sentence of |a clause of )?restricted text \(restricted: "
                     r"content/cases/sample-case/case\.yaml:25: fact:secret-fact\)",
                     " ".join(out.split())), out
    # Found as that sentence (or whole text) of it: what the public text repeats.
    from briefgen.pdfcheck import find_leaks

    restricted_text = restricted or "Their cousin lives in Springfield"
    assert found in [leak.text for leak in find_leaks(None, [restricted_text],
                                                      html=f"<p>{public}</p>")]
    assert found not in out  # CI logs do not print it


def test_only_telling_sentences_are_looked_for_on_their_own() -> None:
    from briefgen.pdfcheck import needles

    # Too short to tell: "Ok." alone is not looked for.
    text = "Their cousin lives in Springfield. He works at the harbour office. Ok."
    assert list(needles([text])) == [
        text.removesuffix("."), "Their cousin lives in Springfield",
        "He works at the harbour office"]
    # Chinese puts no space after a full stop; each character weighs two.
    assert list(needles(["他们的表亲住在那座城市里。他在港口办公室工作了很久。好。"]))[1:] == [
        "他们的表亲住在那座城市里", "他在港口办公室工作了很久"]


def test_raw_html_in_markdown_is_not_rendered(project: Make) -> None:
    from briefgen.renderer import markdown_inline

    html = markdown_inline('Text <img src="x"> [bad](javascript:alert(1)) [ok](https://a.example)')
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert 'href="https://a.example"' in html


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_paper_option(project: Make, paper: str) -> None:
    code, out = build(project("minimal"), "--paper", paper, "--audience", "party-state")
    assert code == 0, out


def test_unknown_paper(project: Make) -> None:
    code, out = build(project("minimal"), "--paper", "a5")
    assert code == 2
    assert "--paper: unknown paper size 'a5' (expected a4 or letter)" in out


def test_a_render_that_takes_too_long_fails_cleanly(project: Make) -> None:
    content = project("minimal")
    code, out = build(content, "--render-timeout", "0.001", "--audience", "party-state")
    assert code == 2
    assert "rendering did not finish within 0.001 s" in out
    assert "Traceback" not in out
    assert not (content.parent / "output").exists()


def _png(width: int, height: int) -> bytes:
    """A black RGB PNG: a few hundred KB that decode to width × height × 3 bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    rows = (b"\0" * (1 + 3 * width)) * height
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def test_a_render_that_needs_too_much_memory_fails_cleanly() -> None:
    # Content may not embed images, so the document is made here: four images, each
    # under the pixel limit (5000 × 5000 and a pixel less, 75 MB each decoded), together
    # more than a worker limited to 300 MB has left.
    from briefgen.build import Options, _Silent, _Typesetters, _Work, _WorkerSetup

    images = "".join(
        f'<img src="data:image/png;base64,{base64.b64encode(_png(5000 - a, 5000 - b)).decode()}"'
        ' alt="x" style="width: 10mm">' for a in (0, 1) for b in (0, 1))
    html = (f'<html lang="en"><head><title>x</title></head><body><p>x</p>{images}'
            '</body></html>')
    paths = Paths.for_content(REPO / "content")
    setup = _WorkerSetup(paths.font_cache, paths.templates / "fonts.yaml", ("en",),
                         (paths.templates, paths.font_cache), 300, os.getpid())
    work = _Work("big.pdf", (html,), "p { margin: 0 }", "templates/x.css", True, "2024-01-01", (),
                 "public", ())
    with pytest.raises(TypesetError) as caught, \
            _Typesetters(setup, Options(jobs=1, render_memory_mb=300), total=1) as typesetters:
        typesetters.submit(work)
        typesetters.results(_Silent(), {"big.pdf": "new output"})
    assert str(caught.value) == ("big.pdf: rendering needed more than 300 MB of memory "
                                 "(raise --render-memory if the document is really that large)")


def test_a_problem_in_a_later_document_writes_nothing_typeset_before(project: Make) -> None:
    # The first brief is typeset while the second's HTML is rendered; the second has a
    # character no configured font covers, so the build fails and writes neither.
    content = project("minimal")
    assert build(content)[0] == 0
    out_dir = content.parent / "output"
    before = {p.name: p.read_bytes() for p in out_dir.iterdir() if p.is_file()}
    edit(content / CASE, "text: Protect them.", "text: Protect them \U00013000.")
    code, out = build(content, "--jobs", "1")
    assert code == 2
    assert "U+13000" in out and "nothing was written" in out
    assert {p.name: p.read_bytes() for p in out_dir.iterdir() if p.is_file()} == before


def test_killed_build_leaves_earlier_outputs_intact(project: Make) -> None:
    import signal
    import subprocess
    import sys
    import time

    content = project("minimal")
    assert build(content)[0] == 0
    out_dir = content.parent / "output"
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    edit(content / CASE, "Release them.", "Release them now.")
    # Its own temporary folder: a killed build cannot remove its scratch folder.
    (content.parent / "tmp").mkdir()
    process = subprocess.Popen([sys.executable, "-m", "briefgen", "build", "--content",
                                str(content), "--jobs", "1"], stdout=subprocess.DEVNULL,
                               env={**os.environ, "TMPDIR": str(content.parent / "tmp")},
                               stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    for line in process.stderr:  # kill it once it has started rendering
        if line.startswith("rendering"):
            break
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    after = {p.name: p.read_bytes() for p in out_dir.iterdir()
             if not p.name.endswith(".tmp")}
    assert after == before
    # The next build cleans up and completes.
    code, out = build(content)
    assert code == 0, out
    assert not list(out_dir.glob(".*.tmp"))


def test_only_a_builds_own_leftovers_are_cleaned_up(project: Make) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    out_dir = content.parent / "output"
    leftover = out_dir / ".sample-case_brief_party-state_en.pdf.k2x9_q7m.tmp"
    leftover.write_bytes(b"%PDF-1.7 half")
    notes = out_dir / ".draft-notes.tmp"
    notes.write_text("someone's notes", encoding="utf-8")
    edit(content / CASE, "Release them.", "Release them now.")
    assert build(content)[0] == 0
    assert not leftover.exists()
    assert notes.read_text(encoding="utf-8") == "someone's notes"


def _rebuild_both_briefs(content: Path) -> tuple[Path, dict[str, bytes]]:
    """Build the sample, change a fact both briefs print; the output and its files."""
    assert build(content)[0] == 0
    out_dir = content.parent / "output"
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    assert len(before) == 3  # two briefs and the manifest
    edit(content / CASE, "The two were stopped at a checkpoint.",
         "The two were stopped at a border checkpoint.")
    return out_dir, before


def test_a_full_disk_while_writing_replaces_no_output(
        project: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from briefgen import publisher

    out_dir, before = _rebuild_both_briefs(project("minimal"))
    staged = []

    def stage(path: Path, data: bytes, *, durable: bool = True) -> Path:
        if staged:  # the first brief fits, the second does not
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        staged.append(path)
        return real_stage(path, data, durable=durable)

    real_stage = publisher.stage
    monkeypatch.setattr(publisher, "stage", stage)
    code, out = build(out_dir.parent / "content", "--jobs", "1")
    assert code == 2
    assert "cannot write output: No space left on device" in out
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before


def test_a_signal_while_outputs_are_renamed_waits_for_the_manifest(
        project: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    from briefgen.publisher import read_manifest, sha256

    out_dir, before = _rebuild_both_briefs(project("minimal"))
    real_replace = Path.replace
    signalled = []

    def replace(self: Path, target: str | os.PathLike[str]) -> Path:
        if not signalled and Path(target).suffix == ".pdf":  # Ctrl-C after the first rename
            signalled.append(target)
            os.kill(os.getpid(), signal.SIGINT)
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    code, _ = build(out_dir.parent / "content", "--jobs", "1")
    assert signalled and code != 0  # stopped, but only once everything was in place
    after = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    assert after.keys() == before.keys()
    assert all(after[name] != before[name] for name in before)
    for entry in read_manifest(out_dir):
        assert sha256(after[entry.path]) == entry.sha256


def test_archive_copy_embeds_public_json_only(project: Make) -> None:
    import io

    from pypdf import PdfReader

    content = project("minimal")
    code, out = build(content, "--archive", "--audience", "party-state")
    assert code == 0, out
    pdf = content.parent / "output/sample-case_brief_party-state_en_archive.pdf"
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    (name, (data,)), = reader.attachments.items()
    assert name == "sample-case_brief_party-state_en_archive.json"
    public = json.loads(data)
    assert public["title"] == "A sample case"
    assert "Springfield" not in data.decode() and "harbour pilot" not in data.decode()
    assert "pdfaid:part" in reader.xmp_metadata.stream.get_data().decode()  # type: ignore[union-attr]
    from briefgen.pdfcheck import pdf_strings

    from .conftest import pypdf_places

    places = sorted(p for p in pdf_strings(pdf.read_bytes()) if not p[0].endswith(" text"))
    assert places == pypdf_places(pdf.read_bytes())
    assert ("attachment name", name) in places
    first = pdf.read_bytes()
    assert build(content, "--archive", "--audience", "party-state", "--force")[0] == 0
    assert pdf.read_bytes() == first


def test_archive_of_restricted_material_is_refused(project: Make) -> None:
    code, out = build(project("minimal"), "--archive", "--include-restricted")
    assert code == 2
    assert "--archive: an archive copy holds public material only" in out


def _example_copy(tmp_path: Path) -> Path:
    root = tmp_path / "example"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "locales", root / "locales")
    return root / "content"


def test_a_missing_template_label_fails_a_strict_locale(tmp_path: Path) -> None:
    content = _example_copy(tmp_path)
    po = content.parent / "locales/ko/templates.po"
    text = po.read_text()
    po.write_text(text.replace('msgstr "핵심 사실"', 'msgstr ""'))
    result = runner.invoke(app, ["validate", "--content", str(content)])
    assert result.exit_code == 2
    assert "locales/ko/templates.po:" in result.stderr
    assert "template label 'Key facts' has no current translation (missing)" in result.stderr


def _example_with_a_stale_korean_fact(tmp_path: Path) -> Path:
    """The example, Korean under translation_policy mark, one fact's English changed
    (seeking-asylum, which briefs and the handout print) so its translation is stale."""
    content = _example_copy(tmp_path)
    edit(content / "project.yaml", "locales: [en, ko, zh-Hans]",
         "locales: [en, ko, zh-Hans]\ntranslation_policy: {ko: mark}")
    edit(content / "cases/vietnam-nine-2015/case.yaml",
         "group was likely seeking asylum", "group was probably seeking asylum")
    return content


@pytest.mark.slow
def test_build_reports_incomplete_translations_under_mark_policy(tmp_path: Path) -> None:
    content = _example_with_a_stale_korean_fact(tmp_path)
    result = runner.invoke(app, ["build", "--content", str(content), "--audience", "china",
                                 "--locale", "ko", "--doc", "brief", "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    total = completeness(Paths.for_content(REPO / "content"))["ko"][1]
    assert (f"translation ko: {total - 1}/{total} messages (99%); untranslated text is "
            "printed marked") in result.stdout

    # A build that renders no Korean says nothing about the Korean catalog.
    result = runner.invoke(app, ["build", "--content", str(content), "--audience", "china",
                                 "--locale", "en", "--doc", "brief", "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    assert "china_en.pdf" in result.stderr + result.stdout
    assert "translation ko" not in result.stdout + result.stderr


@pytest.mark.slow
def test_a_strict_locale_missing_only_a_restricted_translation_says_none_was_printed(
        tmp_path: Path) -> None:
    content = _example_copy(tmp_path)
    edit(content / "cases/vietnam-nine-2015/case.yaml", "a captain in the North Korean army",
         "a captain in the Korean People's Army")
    result = runner.invoke(app, ["build", "--content", str(content), "--audience", "china",
                                 "--locale", "ko", "--doc", "brief", "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    assert "none of the untranslated text is in the documents built" in result.stdout
    assert "printed marked" not in result.stdout


def test_a_handout_footer_without_a_current_translation_fails_a_strict_locale(
        tmp_path: Path) -> None:
    content = _example_copy(tmp_path)
    text = (content / "project.yaml").read_text(encoding="utf-8")
    organisation = re.search(r"^organisation: (.+)$", text, re.MULTILINE)
    assert organisation is not None
    edit(content / "project.yaml", organisation.group(0), "organisation: Another Group")
    result = runner.invoke(app, ["build", "--content", str(content), "--out",
                                 str(tmp_path / "out"), "--doc", "handout", "--jobs", "1"])
    assert result.exit_code == 2
    assert re.search(r"locales/ko/shared\.po:\d+: project:organisation: translation is stale",
                     result.stderr), result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.slow
def test_handout_marks_untranslated_text_under_mark_policy(tmp_path: Path) -> None:
    from briefgen.pdfcheck import pdf_strings

    content = _example_with_a_stale_korean_fact(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "--content", str(content), "--out", str(out),
                                 "--doc", "handout", "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    pdf = (out / "vietnam-nine-2015_handout_washington-protest_ko+en.pdf").read_bytes()
    text = next(text for where, text in pdf_strings(pdf) if where == "page 1 text")
    # PDFium reads a hyphen at a line end as U+FFFE.
    flat = "".join(text.replace("\ufffe", "-").split())
    # The English shows in the Korean column, after the visible mark; the stale Korean
    # is not printed.
    assert "[미번역]UPIreportsthatthegroupwasprobablyseeking" in flat
    assert flat.count("probablyseekingasylum") == 2  # both columns


def _built_then_edited(project: Make) -> tuple[Path, Path, dict[str, bytes]]:
    """The sample built, its outputs' bytes, and an edit that rebuilds both briefs."""
    content = project("minimal")
    assert build(content)[0] == 0
    out_dir = content.parent / "output"
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    edit(content / "cases/sample-case/case.yaml", "Release them.", "Release them now.")
    return content, out_dir, before


def test_a_rename_that_fails_while_publishing_puts_every_file_back(
        project: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    content, out_dir, before = _built_then_edited(project)
    replace = Path.replace

    def refuse_one(self: Path, target: str | os.PathLike[str]) -> Path:
        # As an immutable file or one locked open on a share refuses being replaced.
        # The manifest is replaced last: both PDFs are replaced by then.
        if Path(target).name == "manifest.json" and not self.name.endswith(".previous.tmp"):
            raise PermissionError(1, "Operation not permitted", str(self), None, str(target))
        return replace(self, target)

    monkeypatch.setattr(Path, "replace", refuse_one)
    code, out = build(content, "--jobs", "1")
    assert code == 2
    assert "cannot write output: Operation not permitted" in out
    monkeypatch.undo()
    # Nothing half-replaced: the outputs and the manifest as they were, no copies left.
    after = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    assert sorted(after) == sorted(before)
    assert [name for name in before if after[name] != before[name]] == []
    # The next build finds the edit still to be made, and makes it.
    code, out = build(content, "--jobs", "1")
    assert code == 0 and "built 2" in out, out


def test_an_output_that_cannot_be_replaced_is_named(
        project: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    content, out_dir, before = _built_then_edited(project)
    link = os.link

    def refuse(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if Path(source).name == "sample-case_brief_other-state_en.pdf":  # as chattr +i does
            raise PermissionError(1, "Operation not permitted", str(source), None, str(target))
        link(source, target)

    monkeypatch.setattr(os, "link", refuse)
    code, out = build(content, "--jobs", "1")
    assert code == 2
    assert (f"{out_dir / 'sample-case_brief_other-state_en.pdf'}: --out: cannot write "
            "output: Operation not permitted") in out, out
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before


def test_more_jobs_than_cores_render_one_worker_per_core_and_say_so(
        project: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures

    import briefgen.build

    started: list[int] = []
    real_pool = concurrent.futures.ProcessPoolExecutor

    def counting_pool(*args: object, max_workers: int, **kwargs: object) -> object:
        started.append(max_workers)
        return real_pool(*args, max_workers=max_workers, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counting_pool)
    monkeypatch.setattr(briefgen.build, "cores", lambda: 1)
    content = project("minimal")
    code, out = build(content, "--jobs", "999")
    assert code == 0, out
    assert started == [1]  # two briefs to render, one core
    assert ("warning: --jobs 999 is more than the 1 CPU core(s) this build may use; "
            "rendering in 1 worker process(es)") in out
    code, out = build(content, "--jobs", "1", "--force")
    assert code == 0 and "--jobs" not in out, out
