"""The translators' workflow: catalogs, templates, status, glossary and build policy."""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from briefgen.build import Paths
from briefgen.catalogs import Translator, is_untranslated, read_catalog
from briefgen.cli import app
from briefgen.errors import ContentError
from briefgen.files import STRAY_INVISIBLE_CHARS
from briefgen.i18n import (
    GlossaryTerm,
    completeness,
    glossary_problems,
    glossary_terms_in,
    translation_status,
    update_catalogs,
)
from briefgen.loader import load_content
from briefgen.model import Origin, TranslationPolicy
from briefgen.view import build_brief_view

from .conftest import REPO, edit, korean_example, write

CASE = "vietnam-nine-2015"
CASE_PO = f"locales/ko/case.{CASE}.po"
FACT = f"case:{CASE}:fact:handover"
OLD_FACT = "dates the handover to 24 October 2015"
NEW_FACT = "dates the handover to 25 October 2015"
LAW = "law:refugee-convention:non-refoulement:text"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The example's content and catalogs in a fresh project, in English and Korean, with
    every Korean entry translated.

    Chinese is left out, and Korean entries nobody has translated yet get a placeholder,
    so that these tests do not depend on how far the translators have got.
    """
    root = korean_example(tmp_path / "project")
    list(update_catalogs(Paths.for_content(root / "content")))
    for po in sorted((root / "locales/ko").glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale="ko")
        for message in catalog:
            if message.id and (not message.string or message.fuzzy):
                message.string = f"번역 {message.id}"
                message.flags.discard("fuzzy")
                message.previous_id = []
        with po.open("wb") as handle:
            write_po(handle, catalog, width=88, include_previous=True)
    return root / "content"


def case_total(example: Path) -> int:
    report = translation_status(Paths.for_content(example), cases=(CASE,))
    (catalog,) = [c for c in report.catalogs if c.domain == f"case.{CASE}"]
    return catalog.total


def po_line(root: Path, po: str, context: str) -> int:
    """The line every message gives for the entry of ``context``: its msgstr's, the
    first after the line Babel numbers it by (its msgctxt's or msgid's)."""
    with (root / po).open("rb") as handle:
        catalog = read_po(handle)
    (message,) = [m for m in catalog if m.context == context]
    assert message.lineno
    lines = (root / po).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1)
                if number > message.lineno and line.startswith("msgstr"))


def translate(root: Path, po: str, context: str, text: str | None) -> None:
    """Do what a translator does in Poedit: set the translation, clear the fuzzy flag."""
    path = root / po
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    (message,) = [m for m in catalog if m.context == context]
    message.string = text or ""
    message.flags.discard("fuzzy")
    message.previous_id = []
    with path.open("wb") as handle:
        write_po(handle, catalog, width=88, include_previous=True)


# --- the round trip ------------------------------------------------------------------


def test_rewritten_english_goes_stale_not_new(example: Path) -> None:
    # Too unlike the old English for Babel's likeness match: found by its context.
    root = example.parent
    summary = f"case:{CASE}:handout:summary"
    with (root / CASE_PO).open("rb") as handle:
        before = {m.context: m for m in read_po(handle, locale="ko") if m.id}[summary]
    case = example / f"cases/{CASE}/case.yaml"
    text = case.read_text(encoding="utf-8")
    start = text.index("  summary: >-\n", text.index("\nhandout:"))
    end = text.index("  call_to_action:", start)
    case.write_text(text[:start] + "  summary: Nine people are held in China.\n" + text[end:],
                    encoding="utf-8")
    code, out, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    assert f"{CASE_PO}: {case_total(example)} messages, 0 new, 1 stale, 0 obsolete" in out
    with (root / CASE_PO).open("rb") as handle:
        after = {m.context: m for m in read_po(handle, locale="ko") if m.id}[summary]
    assert after.id == "Nine people are held in China."
    assert after.fuzzy and after.string == before.string
    # The previous English is kept for the translator (#| lines before the entry).
    entry = (root / CASE_PO).read_text(encoding="utf-8").split(f'msgctxt "{summary}"')[0]
    previous = entry.rsplit("\n\n", 1)[-1]
    assert "#, fuzzy\n#| msgid" in previous
    assert "".join(re.findall(r'^#\| "(.*)"$', previous, re.M)).startswith(before.id[:60])


def test_a_new_entry_starts_untranslated_however_like_another_entry_it_is(
        example: Path) -> None:
    # Babel would give it the translation of the most alike English: a national law
    # printed with the Convention against Torture's words, marked stale.
    root = example.parent
    cat = (example / "law/convention-against-torture.yaml").read_text(encoding="utf-8")
    (example / "law/national-torture-act.yaml").write_text(
        cat.replace("id: convention-against-torture", "id: national-torture-act")
        .replace("title: Convention against Torture", "title: National torture act")
        .replace("kind: treaty", "kind: national\nstate: vietnam")
        .replace("extradite a person", "extradite any person"), encoding="utf-8")
    code, out, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    with (root / "locales/ko/shared.po").open("rb") as handle:
        messages = {m.context: m for m in read_po(handle, locale="ko") if m.id}
    new = messages["law:national-torture-act:return-to-torture:text"]
    assert (new.string, new.fuzzy, new.previous_id) == ("", False, [])
    # The entry it is like keeps its own translation, current.
    old = messages["law:convention-against-torture:return-to-torture:text"]
    assert old.string and not old.fuzzy
    assert "0 stale" in next(line for line in out.splitlines() if "shared.po" in line)


def test_changed_english_goes_stale_fails_the_build_and_passes_once_translated(
        example: Path) -> None:
    root = example.parent
    content = str(example)
    code, _, err = run("validate", "--content", content)
    assert code == 0, err

    total = case_total(example)
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    code, out, err = run("i18n", "update", "--content", content)
    assert code == 0, err
    assert f"{CASE_PO}: {total} messages, 0 new, 1 stale, 0 obsolete" in out
    line = po_line(root, CASE_PO, FACT)

    code, out, err = run("i18n", "status", "--content", content)
    assert code == 0, err
    assert f"  {CASE_PO}:{line}: {FACT}" in out
    assert re.search(rf"{re.escape(CASE_PO)} +{total - 1}/{total} +9\d\.\d% +1 +0", out)

    code, out, err = run("i18n", "status", "--content", content, "--no-stale", CASE)
    assert code == 2
    assert f"{CASE_PO}:{line}: {FACT}: translation is stale (--no-stale {CASE})" in err
    assert "translation check failed: 1 problem" in err

    code, _, err = run("validate", "--content", content)
    assert code == 2
    assert (f"{CASE_PO}:{line}: {FACT}: translation is stale: the English text changed "
            "since it was translated") in err
    assert "1 problem found" in err

    translate(root, CASE_PO, FACT, "베트남 당국은 일행을 중국 경찰에 인계했다. 휴먼라이츠워치는 "
              "인계 일자를 2015년 10월 25일(바이스 뉴스: 10월 24일까지)로 제시한다.")
    code, _, err = run("validate", "--content", content)
    assert code == 0, err
    code, out, _ = run("i18n", "status", "--content", content, "--no-stale", CASE)
    assert code == 0
    assert re.search(rf"{re.escape(CASE_PO)} +{total}/{total} +100% +0 +0", out)


def mark_fuzzy(root: Path, po: str, first: str, *, previous_same: bool = False) -> int:
    """Do what a translator does to ask for a second look (Poedit: "Needs work"): flag the
    entry whose msgctxt, or for a label msgid, line is ``first`` fuzzy, the English as it
    is; with ``previous_same``, with a ``#|`` copy of its msgid too. Returns the line
    messages give for the entry (its msgstr's)."""
    path = root / po
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index(first)
    end = next(n for n in range(at, len(lines)) if lines[n].startswith("msgstr"))
    msgid = next(n for n in range(at, end) if lines[n].startswith("msgid "))
    flags = ["#, fuzzy", *(f"#| {line}" for line in lines[msgid:end] if previous_same)]
    lines[at:at] = flags
    path.write_text("\n".join(lines), encoding="utf-8")
    return end + len(flags) + 1


@pytest.mark.parametrize("previous_same", [False, True], ids=["no #|", "#| as msgid"])
def test_an_entry_marked_fuzzy_by_hand_is_named_for_review_not_as_changed_english(
        example: Path, previous_same: bool) -> None:
    root = example.parent
    content = str(example)
    ask = f"case:{CASE}:ask:china-do-not-return"
    asked = mark_fuzzy(root, CASE_PO, f'msgctxt "{ask}"', previous_same=previous_same)
    label = mark_fuzzy(root, "locales/ko/templates.po", 'msgid "Summary"',
                       previous_same=previous_same)
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)  # and one that is stale
    total = case_total(example)

    code, out, err = run("i18n", "status", "--content", content)
    assert code == 0, err
    # Counted as stale (neither is printed), each listed for what it is.
    assert re.search(rf"{re.escape(CASE_PO)} +{total - 2}/{total} +9\d\.\d% +2 +0", out), out
    stale = out.split("stale: the English changed since these were translated")[1]
    stale, review = stale.split("\nneeds review: marked fuzzy in the catalog, not because "
                                "the English changed (review each translation, then clear "
                                "its fuzzy flag):\n")
    assert FACT in stale and ask not in stale and "Summary" not in stale
    assert review.splitlines()[:2] == [f"  locales/ko/templates.po:{label}: “Summary”",
                                       f"  {CASE_PO}:{asked}: {ask}"]

    code, _, err = run("i18n", "status", "--content", content, "--no-stale", CASE)
    assert code == 2
    assert (f"{CASE_PO}:{asked}: {ask}: translation is marked fuzzy (needs review) in the "
            f"catalog (--no-stale {CASE})") in err
    assert f"{FACT}: translation is stale (--no-stale {CASE})" in err

    code, _, err = run("validate", "--content", content)
    assert code == 2
    assert (f"{CASE_PO}:{asked}: {ask}: translation is marked fuzzy (needs review) in the "
            f"catalog (review it against the English at content/cases/{CASE}/case.yaml:") \
        in err
    assert (f"locales/ko/templates.po:{label}: label: template label 'Summary' has no "
            "current translation (marked fuzzy)") in err
    # Its catalog not updated since: the entry's English is the old.
    assert f"{FACT}: translation is stale: its entry's English (msgid) is not the content's" \
        in err
    assert err.count("translation is stale") == 1, err


def test_the_previous_english_of_a_stale_entry_survives_updates_and_goes_when_translated(
        example: Path) -> None:
    root = example.parent
    po = root / CASE_PO
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    for _ in range(2):  # Babel alone would turn "#|" into a "# |" comment on the second
        code, _, err = run("i18n", "update", "--content", str(example))
        assert code == 0, err
        assert "# |" not in po.read_text(encoding="utf-8")
        (message,) = [m for m in read_catalog(po, CASE_PO, "ko") if m.context == FACT]
        assert message.fuzzy
        (previous,) = message.previous_id
        assert OLD_FACT in previous and NEW_FACT not in previous
        assert not message.user_comments

    translate(root, CASE_PO, FACT, "베트남 당국은 일행을 중국 경찰에 인계했다.")
    code, _, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    text = po.read_text(encoding="utf-8")
    assert "#|" not in text and "# |" not in text


def test_an_entry_changed_twice_keeps_the_english_it_was_translated_from(
        example: Path) -> None:
    case = example / f"cases/{CASE}/case.yaml"
    po = example.parent / CASE_PO
    edit(case, OLD_FACT, NEW_FACT)
    assert run("i18n", "update", "--content", str(example))[0] == 0
    edit(case, NEW_FACT, "dates the handover to 26 October 2015")
    assert run("i18n", "update", "--content", str(example))[0] == 0
    (message,) = [m for m in read_catalog(po, CASE_PO, "ko") if m.context == FACT]
    assert message.fuzzy
    (previous,) = message.previous_id
    # The English of the translation, not the intermediate one nobody translated.
    assert OLD_FACT in previous and NEW_FACT not in previous
    # The English back as it was: the translation is current again.
    edit(case, "dates the handover to 26 October 2015", OLD_FACT)
    assert run("i18n", "update", "--content", str(example))[0] == 0
    (message,) = [m for m in read_catalog(po, CASE_PO, "ko") if m.context == FACT]
    assert not message.fuzzy and not message.previous_id
    assert run("i18n", "update", "--check", "--content", str(example))[0] == 0


def plain_babel_round_trip(path: Path) -> None:
    """What another Babel-based tool (pybabel update) does to a catalog: it reads ``#|``
    lines as translator comments and writes them back wrapped at its default width."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    with path.open("wb") as handle:
        write_po(handle, catalog, include_previous=True)


def test_a_plain_babel_round_trip_of_a_stale_entry_leaves_no_stray_comments(
        example: Path) -> None:
    root = example.parent
    po = root / CASE_PO
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    code, _, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    written = po.read_text(encoding="utf-8")
    for _ in range(2):
        plain_babel_round_trip(po)
    wrapped = [line for line in po.read_text(encoding="utf-8").splitlines()
               if line.startswith("# ") and not line.startswith("# |")
               and line not in written.splitlines()]
    assert wrapped, "the round trip no longer wraps the previous English; test needs a look"

    code, _, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    assert po.read_text(encoding="utf-8") == written
    (message,) = [m for m in read_catalog(po, CASE_PO, "ko") if m.context == FACT]
    (previous,) = message.previous_id
    assert f"Human Rights Watch, citing the group’s family members, {OLD_FACT}" in previous

    plain_babel_round_trip(po)
    translate(root, CASE_PO, FACT, "베트남 당국은 일행을 중국 경찰에 인계했다.")
    code, _, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    (message,) = [m for m in read_catalog(po, CASE_PO, "ko") if m.context == FACT]
    assert not message.user_comments and not message.previous_id


def test_a_stale_entry_is_written_as_gnu_gettext_reads_it(example: Path) -> None:
    import subprocess

    root = example.parent
    po = root / CASE_PO
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    code, _, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    check = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    # msgcat keeps the previous English it could read, re-wrapped to its own width.
    again = subprocess.run(["msgcat", "--width=79", str(po)], capture_output=True, text=True,
                           check=True).stdout
    previous = [line for line in again.splitlines() if line.startswith("#| ")]
    joined = "".join(line[3:].strip().removeprefix("msgid ").strip('"') for line in previous)
    assert f"Human Rights Watch, citing the group’s family members, {OLD_FACT}" in joined
    po.write_text(again, encoding="utf-8")
    (message,) = [m for m in read_catalog(po, CASE_PO, "ko") if m.context == FACT]
    (restored,) = message.previous_id
    assert restored.startswith("Vietnamese authorities handed the group over")
    assert OLD_FACT in restored


def test_update_check_passes_on_the_shipped_catalogs() -> None:
    code, out, err = run("i18n", "update", "--check", "--content", str(REPO / "content"))
    assert code == 0, err
    shipped = [*(REPO / "locales").glob("*/*.po"),
               *(REPO / "locales/restricted").glob("*/*.po")]
    assert out.count("up to date") == len(shipped)


def test_update_check_reports_what_an_update_would_change_and_writes_nothing(
        example: Path) -> None:
    root = example.parent
    assert run("i18n", "update", "--content", str(example))[0] == 0
    code, out, err = run("i18n", "update", "--check", "--content", str(example))
    assert code == 0, err
    assert re.search(rf"{re.escape(CASE_PO)}: \d+ messages, up to date", out)

    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    before = {p: p.read_bytes() for p in sorted((root / "locales").rglob("*.po"))}
    code, out, err = run("i18n", "update", "--check", "--content", str(example))
    assert code == 2
    with (root / CASE_PO).open("rb") as handle:
        (entry,) = [m for m in read_po(handle) if m.context == FACT]
    # Its first changed line: the "#, fuzzy" an update puts above the entry.
    assert (f"{CASE_PO}: out of date: an update would change it, from line "
            f"{entry.lineno - 1} (0 new, "
            "1 stale, 0 obsolete after it) (run 'briefgen i18n update' and commit the "
            "result)") in err
    assert "1 problem found; nothing was written" in err
    assert re.search(r"locales/ko/shared\.po: \d+ messages, up to date", out)
    assert {p: p.read_bytes() for p in sorted((root / "locales").rglob("*.po"))} == before

    assert run("i18n", "update", "--content", str(example))[0] == 0
    assert run("i18n", "update", "--check", "--content", str(example))[0] == 0
    # Source references that moved (a line added above the entries) are out of date too:
    # a translator would be sent to the wrong line.
    case = example / f"cases/{CASE}/case.yaml"
    case.write_text("# A comment.\n" + case.read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = run("i18n", "update", "--check", "--content", str(example))
    assert code == 2
    assert f"{CASE_PO}: out of date: source references have moved, from line " in err
    assert "shared.po" not in err


@pytest.mark.parametrize("change", ["crlf", "rewrapped"])
def test_update_check_says_when_only_the_layout_differs(example: Path, change: str) -> None:
    import subprocess

    root = example.parent
    assert run("i18n", "update", "--content", str(example))[0] == 0
    po = root / CASE_PO
    if change == "crlf":
        po.write_bytes(po.read_bytes().replace(b"\n", b"\r\n"))
        said = "only its line endings differ from what an update writes (CRLF or CR, not LF)"
    else:  # what msgcat, and editors built on GNU gettext, write: 79 columns
        po.write_text(subprocess.run(["msgcat", str(po)], capture_output=True, text=True,
                                     check=True).stdout, encoding="utf-8")
        said = ("only its layout differs from what an update writes (line wrapping or line "
                "endings), from line ")
    code, _, err = run("i18n", "update", "--check", "--content", str(example))
    assert code == 2
    assert f"{CASE_PO}: out of date: {said}" in err
    if change == "rewrapped":
        assert "; no translation would change (0 new, 0 stale, 0 obsolete after it)" in err


def test_extract_check_passes_on_the_shipped_templates() -> None:
    code, out, err = run("i18n", "extract", "--check", "--content", str(REPO / "content"))
    assert code == 0, err
    templates = [*(REPO / "locales/pot").glob("*.pot"),
                 *(REPO / "locales/restricted/pot").glob("*.pot")]
    assert out.count("up to date") == len(templates) == 4


def test_written_catalogs_and_templates_are_readable_and_keep_their_permissions(
        example: Path) -> None:
    previous = os.umask(0o022)
    try:
        po = example.parent / CASE_PO
        po.chmod(0o664)  # a group of translators sharing a checkout
        edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
        assert run("i18n", "update", "--content", str(example))[0] == 0
        assert "#, fuzzy" in po.read_text(encoding="utf-8")
        assert stat.S_IMODE(po.stat().st_mode) == 0o664
        shutil.rmtree(example.parent / "locales/pot", ignore_errors=True)
        assert run("i18n", "extract", "--content", str(example))[0] == 0
        templates = sorted((example.parent / "locales/pot").glob("*.pot"))
        assert templates
        # Not the 0o600 of a bare temporary file, which other users could not read.
        assert {stat.S_IMODE(t.stat().st_mode) for t in templates} == {0o644}
    finally:
        os.umask(previous)


def test_update_writes_no_catalog_when_one_is_malformed(example: Path) -> None:
    root = example.parent
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    broken = root / "locales/ko/templates.po"
    broken.write_bytes(broken.read_bytes() + b'\nmsgid "x"\nmsgstr "y\n')
    before = {p: p.read_bytes() for p in sorted((root / "locales").rglob("*.po"))}
    code, _, err = run("i18n", "update", "--content", str(example))
    assert code == 2
    assert "locales/ko/templates.po:" in err and "malformed PO file" in err
    assert str(root) not in err  # paths as the project shows them
    assert {p: p.read_bytes() for p in before} == before


@pytest.mark.parametrize("command", [("update",), ("extract",), ("update", "--check")])
def test_a_template_syntax_error_stops_update_and_extract_before_they_write(
        example: Path, command: tuple[str, ...]) -> None:
    # Babel's extractor stops quietly at the error: writing what it found before it
    # would drop every later template message from the catalogs.
    root = example.parent
    shutil.copytree(REPO / "templates", root / "templates")
    list(update_catalogs(Paths.for_content(example)))
    template = root / "templates/brief.html"
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[39] = lines[39].rstrip("\n") + " {% if %}\n"
    template.write_text("".join(lines), encoding="utf-8")
    before = {p: p.read_bytes() for p in sorted((root / "locales").rglob("*.po*"))}
    code, _, err = run("i18n", *command, "--content", str(example))
    assert code == 2
    assert "templates/brief.html:40: template syntax error" in err
    assert {p: p.read_bytes() for p in sorted((root / "locales").rglob("*.po*"))} == before


def test_translations_are_held_to_the_markup_rules_of_their_english(example: Path) -> None:
    root = example.parent
    ask = f"case:{CASE}:ask:china-do-not-return"
    translate(root, CASE_PO, ask, "![x](http://example.org/x.png) 송환하지 마십시오.")
    templates_po = root / "locales/ko/templates.po"
    text = templates_po.read_text(encoding="utf-8")
    assert 'msgstr "핵심 사실"' in text
    templates_po.write_text(text.replace('msgstr "핵심 사실"',
                                         'msgstr "<span hidden>x</span>핵심 사실"'),
                            encoding="utf-8")
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    # The line of the msgstr, where the problem is.
    assert (f"locales/ko/case.{CASE}.po:{po_line(root, CASE_PO, ask)}: {ask}: "
            "translation of ") in err
    assert "image 'http://example.org/x.png' is not allowed in text" in err
    assert re.search(r"locales/ko/templates\.po:\d+: msgstr: translation of 'Key facts': "
                     r"raw HTML '<span hidden>' is not allowed", err), err


def test_a_po_file_that_is_not_utf8_is_reported_at_its_line(example: Path) -> None:
    po = example.parent / "locales/ko/templates.po"
    lines = po.read_bytes().split(b"\n")
    lines[40] += b" \xff"
    po.write_bytes(b"\n".join(lines))
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    assert "locales/ko/templates.po:41: PO file is not UTF-8 (byte 0xff" in err


def test_a_po_file_saved_as_utf16_is_named_as_such(example: Path) -> None:
    po = example.parent / "locales/ko/templates.po"
    po.write_bytes(po.read_text(encoding="utf-8").encode("utf-16"))
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    assert "locales/ko/templates.po:1: PO file is saved as UTF-16, not UTF-8" in err


@pytest.mark.parametrize("charset", ["ISO-8859-1", "klingon", ""])
@pytest.mark.parametrize("command", [("validate",), ("i18n", "update")])
def test_a_header_that_declares_another_charset_is_refused_at_its_line(
        example: Path, charset: str, command: tuple[str, ...]) -> None:
    po = example.parent / "locales/ko/templates.po"
    edit(po, "charset=utf-8", f"charset={charset}")
    before = po.read_bytes()
    code, _, err = run(*command, "--content", str(example))
    assert code == 2
    assert (f"locales/ko/templates.po:17: the header declares charset={charset}, but "
            "catalogs are read as UTF-8") in err
    assert "Traceback" not in err and "internal error" not in err
    assert po.read_bytes() == before


@pytest.mark.parametrize("command", [("validate",), ("i18n", "update"), ("i18n", "status")])
def test_a_directory_where_a_catalog_belongs_is_named_as_such(
        example: Path, command: tuple[str, ...]) -> None:
    po = example.parent / "locales/ko/templates.po"
    po.unlink()
    po.mkdir()
    code, _, err = run(*command, "--content", str(example))
    assert code == 2
    assert "locales/ko/templates.po: is a directory, not a PO file" in err
    assert ".tmp" not in err


def test_fail_under_must_be_a_percentage(example: Path) -> None:
    for odd in ("nan", "-1", "101"):
        code, _, err = run("i18n", "status", "--content", str(example), "--fail-under", odd)
        assert code == 2, odd
        assert "--fail-under" in err


def test_validate_checks_the_translations_a_handout_prints(
        example: Path) -> None:
    root = example.parent
    handout = f"case:{CASE}:handout:call_to_action"
    translate(root, CASE_PO, handout, None)
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    assert f"{CASE_PO}:{po_line(root, CASE_PO, handout)}: {handout}: no Korean translation" in err


def test_stale_is_reported_before_update_too(example: Path) -> None:
    # The translator's entry still has the old English: the build names it as stale,
    # never prints it, even if nobody ran 'briefgen i18n update'.
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    assert f"{CASE_PO}:{po_line(example.parent, CASE_PO, FACT)}: {FACT}: translation is stale" \
        in err
    # The hint points at the fact's text, not at the start of the fact.
    lines = (example / f"cases/{CASE}/case.yaml").read_text().splitlines()
    text_line = lines.index("  - id: handover") + 2
    assert lines[text_line - 1].strip().startswith("text:")
    assert f"it puts the English at content/cases/{CASE}/case.yaml:{text_line} beside" \
        in " ".join(err.split())


@pytest.mark.parametrize("field", ["title", "summary"])
def test_a_missing_translation_points_at_its_english(example: Path, field: str) -> None:
    # Not at the case's first line: a translator looking for the English of the summary
    # should land on the summary.
    translate(example.parent, CASE_PO, f"case:{CASE}:{field}", None)
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    lines = (example / f"cases/{CASE}/case.yaml").read_text().splitlines()
    (line,) = [n for n, text in enumerate(lines, 1) if text.startswith(f"{field}:")]
    assert line > 1
    assert f"its English is at content/cases/{CASE}/case.yaml:{line} " in err


# --- build policy ----------------------------------------------------------------------


def with_policy(example: Path, policy: str) -> int:
    """Add ``translation_policy`` to project.yaml; return the line of its entry."""
    project = example / "project.yaml"
    text = project.read_text().rstrip("\n") + f"\ntranslation_policy:\n{policy}\n"
    project.write_text(text)
    return len(text.splitlines())


def korean_view(example: Path) -> object:
    content = load_content(example)
    translator = Translator("ko", "en", example.parent / "locales", example.parent)
    return build_brief_view(content, content.cases[CASE], "china", "ko", translator)


def test_mark_prints_the_english_visibly_marked(example: Path) -> None:
    with_policy(example, "  ko: mark")
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    code, _, err = run("validate", "--content", str(example))
    assert code == 0, err

    from briefgen.renderer import Renderer

    content = load_content(example)
    translator = Translator("ko", "en", example.parent / "locales", example.parent)
    view = build_brief_view(content, content.cases[CASE], "china", "ko", translator)
    (fact,) = [f for f in view.facts if f.id == "handover"]
    assert is_untranslated(fact.text)
    assert NEW_FACT in fact.text
    rendered = Renderer(REPO / "templates").render("brief", view, translator, paper="a4",
                                                   build_stamp="test")
    assert ('<span class="untranslated untranslated-start" lang="en">Vietnamese authorities '
            "handed the group over") in rendered.html
    assert not re.search("[\ufdd0-\ufdef]", rendered.html + rendered.css)
    assert ".untranslated-start::before" in rendered.css
    # Everything else is still Korean.
    assert "<title>베트남에서 중국으로" in rendered.html


def test_marked_text_in_a_stylesheet_label_loses_its_marks(example: Path) -> None:
    # The organisation is printed in the running footer, which the stylesheet writes:
    # generated content cannot hold the marking span, and the marks must not reach
    # the PDF, where no font has a glyph for them.
    with_policy(example, "  ko: mark")
    edit(example / "project.yaml", "organisation: briefgen example content",
         "organisation: Asia Desk")

    from briefgen.renderer import Renderer

    content = load_content(example)
    translator = Translator("ko", "en", example.parent / "locales", example.parent)
    view = build_brief_view(content, content.cases[CASE], "china", "ko", translator)
    assert is_untranslated(view.organisation)
    rendered = Renderer(REPO / "templates").render("brief", view, translator, paper="a4",
                                                   build_stamp="test")
    assert not re.search("[\ufdd0-\ufdef]", rendered.css)
    assert '@bottom-left { content: "작성: Asia Desk · ' in rendered.css
    # In the HTML it is still marked.
    assert '<span class="untranslated untranslated-start" lang="en">Asia Desk' in rendered.html


def test_stale_legal_text_fails_even_under_mark(example: Path) -> None:
    root = example.parent
    with_policy(example, "  ko: mark")
    edit(example / "law/refugee-convention.yaml", "A party may not return",
         "A party shall not return")
    code, _, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    line = po_line(root, "locales/ko/shared.po", LAW)
    assert (f"locales/ko/shared.po:{line}: {LAW}: translation is stale: the English text "
            "changed since it was translated; legal text fails even under "
            "translation_policy 'mark'") in err

    # Deleting the outdated translation makes the passage missing: mark prints the
    # English, marked, and no longer calls it an unofficial translation.
    translate(root, "locales/ko/shared.po", LAW, None)
    code, _, err = run("validate", "--content", str(example))
    assert code == 0, err
    view = korean_view(example)
    provisions = [p for o in view.obligations for p in o.provisions]  # type: ignore[attr-defined]
    (provision,) = [p for p in provisions if "shall not return" in p.text]
    assert is_untranslated(provision.text)
    assert not provision.unofficial


def test_strict_is_the_default(example: Path) -> None:
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    assert load_content(example).project.policy("ko") is TranslationPolicy.STRICT
    with_policy(example, "  ko: strict")
    code, _, _ = run("validate", "--content", str(example))
    assert code == 2


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("  kr: mark", "translation_policy.kr: unknown key 'kr' (expected one of: ko)"),
        ("  en: mark", "translation_policy.en: unknown key 'en' (expected one of: ko)"),
        ("  ko: lenient", "translation_policy.ko: 'lenient' is not allowed (expected one of "
                          "strict, mark)"),
    ],
)
def test_translation_policy_is_checked(example: Path, policy: str, message: str) -> None:
    line = with_policy(example, policy)
    with pytest.raises(ContentError) as caught:
        load_content(example)
    assert f"content/project.yaml:{line}: {message}" in "\n".join(caught.value.lines())


def test_translation_policy_is_read(example: Path) -> None:
    with_policy(example, "  ko: mark")
    project = load_content(example).project
    assert project.translation_policy == {"ko": TranslationPolicy.MARK}
    assert project.policy("ko") is TranslationPolicy.MARK


# --- status ------------------------------------------------------------------------------


NEW_ASK = """asks:
  - id: new-ask
    to: [china]
    priority: low
    text: Publish the date of any transfer.
    sources: [hrw-2015-11-21]
"""


def test_status_counts_and_thresholds(example: Path) -> None:
    content = str(example)
    total = case_total(example) + 1
    edit(example / f"cases/{CASE}/case.yaml", "asks:\n", NEW_ASK)
    code, out, _ = run("i18n", "status", "--content", content, "--missing")
    assert code == 0
    percent = f"{(total - 1) * 100 // total}.{(total - 1) * 1000 // total % 10}%"
    assert re.search(rf"{re.escape(CASE_PO)} +{total - 1}/{total} +{percent} +0 +1", out)
    assert re.search(r"all catalogs +\d+/\d+ +\d+\.\d% +0 +\d+", out)
    assert (f"content/cases/{CASE}/case.yaml:") in out
    assert (f"case:{CASE}:ask:new-ask (not in {CASE_PO} yet: run 'briefgen i18n update')"
            in out)

    code, _, err = run("i18n", "status", "--content", content, "--fail-under", "100")
    assert code == 2
    assert (f"{CASE_PO}: --fail-under: {percent} translated ({total - 1} of {total}), below "
            "100% (0 stale, 1 missing)") in err
    code, _, err = run("i18n", "status", "--content", content, "--fail-under", "90",
                       "--case", CASE)
    assert code == 0, err

    code, _, err = run("i18n", "status", "--content", content, "--no-stale", "laws:")
    assert code == 2
    assert "--no-stale: no message is in section 'laws:'" in err
    code, _, err = run("i18n", "status", "--content", content, "--no-stale", "law:",
                       "--no-stale", "shared", "--no-stale", "templates")
    assert code == 0, err


def test_completeness_is_translated_over_total(example: Path) -> None:
    paths = Paths.for_content(example)
    before = completeness(paths)
    assert set(before) == {"ko"}
    translated, total = before["ko"]
    assert 0 < translated <= total
    edit(example / f"cases/{CASE}/case.yaml", "asks:\n", NEW_ASK)
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)  # stale counts as not done
    assert completeness(paths) == {"ko": (translated - 1, total + 1)}


# --- glossary ------------------------------------------------------------------------


def term(*english: str, **renderings: str) -> GlossaryTerm:
    return GlossaryTerm(english, {k: (v,) for k, v in renderings.items()}, Origin("g", 1))


def test_a_longer_term_hides_the_shorter_one_inside_it() -> None:
    short = term("Convention against Torture", ko="고문방지협약")
    full = term("Convention against Torture and Other Cruel, Inhuman or Degrading Treatment "
                "or Punishment", ko="고문 및 그 밖의 잔혹한·비인도적인 또는 굴욕적인 대우나 "
                                    "처벌의 방지에 관한 협약")
    glossary = [short, full]
    title = ("Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or "
             "Punishment")
    assert glossary_terms_in(title, glossary) == [full]
    assert glossary_terms_in(f"{title}, also called the Convention against Torture",
                             glossary) == [full, short]


def test_terms_match_whatever_the_markup() -> None:
    sur_place = term("refugee sur place", "refugees sur place", ko="현지 체류 중 난민")
    non_refoulement = term("non-refoulement", ko="강제송환금지 원칙")
    glossary = [sur_place, non_refoulement]
    english = "They are refugees *sur place*; the principle of Non\u2011Refoulement applies."
    assert glossary_terms_in(english, glossary) == [sur_place, non_refoulement]
    assert glossary_terms_in("refoulement", glossary) == []
    assert glossary_problems(english, "현지 체류 중 난민이며 강제송환금지 원칙을", "ko",
                             glossary) == []
    assert glossary_problems(english, "현지 난민이며 강제송환금지 원칙을", "ko",
                             glossary) == [sur_place]
    assert glossary_problems(english, "anything", "zh-Hans", glossary) == []  # not given


def test_glossary_violations_are_reported_with_their_po_line(example: Path) -> None:
    root = example.parent
    context = "law:convention-against-torture:title"
    shared = root / "locales/ko/shared.po"
    edit(shared, 'msgstr "고문방지협약"', 'msgstr "고문 방지 협약"')
    line = po_line(root, "locales/ko/shared.po", context)
    code, out, _ = run("i18n", "status", "--content", str(example))
    assert code == 0
    assert (f"  locales/ko/shared.po:{line}: {context}: “Convention against Torture” should be "
            "rendered “고문방지협약” (term at locales/glossary.yaml:") in out
    code, _, err = run("i18n", "status", "--content", str(example), "--fail-on-glossary")
    assert code == 2
    assert f"locales/ko/shared.po:{line}: {context}: “Convention against Torture”" in err


def test_glossary_file_is_checked(example: Path) -> None:
    write(example.parent / "locales/glossary.yaml",
          "terms:\n  - en: asylum\n    kr: 비호\n    ja: 庇護\n  - ko: 난민\n")
    with pytest.raises(ContentError) as caught:
        translation_status(Paths.for_content(example))
    lines = "\n".join(caught.value.lines())
    assert ("locales/glossary.yaml:3: terms[1].kr: unknown key 'kr' (expected one of: en, "
            "ko, ja, note)") in lines
    assert "locales/glossary.yaml:5: terms[2].en: is missing (expected the English term)" in lines
    assert "terms[1].ja" not in lines  # a locale the project does not build (yet) is fine
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    assert "locales/glossary.yaml:3: terms[1].kr: unknown key 'kr'" in err


def test_the_example_follows_its_glossary() -> None:
    report = translation_status(Paths.for_content(REPO / "content"))
    assert report.glossary_terms >= 10
    assert [f"{v.where}: {v.context}" for v in report.glossary] == []


# --- message templates -----------------------------------------------------------------


def test_extract_writes_one_template_per_catalog_and_checks_them(example: Path) -> None:
    root = example.parent
    content = str(example)
    shutil.rmtree(root / "locales/pot")  # shipped with the example: start without them
    stray = write(root / "locales/pot/case.gone.pot", "# a case that was deleted\n")
    code, _, err = run("i18n", "extract", "--content", content, "--check")
    assert code == 2
    assert "locales/pot/templates.pot: missing" in err
    assert "locales/pot/case.gone.pot: is for a catalog that no longer exists" in err

    code, out, err = run("i18n", "extract", "--content", content)
    assert code == 0, err
    total = case_total(example)
    assert f"locales/pot/case.{CASE}.pot: {total} messages, written" in out
    assert "locales/pot/case.gone.pot: removed" in out
    assert not stray.exists()
    assert sorted(p.name for p in (root / "locales/pot").iterdir()) == [
        f"case.{CASE}.pot", "shared.pot", "templates.pot"]
    with (root / f"locales/pot/case.{CASE}.pot").open("rb") as handle:
        template = read_po(handle)
    message = template.get(template_id(template, FACT), context=FACT)
    assert message is not None and not message.string
    assert message.locations == [(f"content/cases/{CASE}/case.yaml", fact_line(example))]

    code, out, _ = run("i18n", "extract", "--content", content, "--check")
    assert code == 0
    assert f"locales/pot/case.{CASE}.pot: {total} messages, up to date" in out
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    pot = (root / f"locales/pot/case.{CASE}.pot").read_text(encoding="utf-8").splitlines()
    changed = next(n for n, line in enumerate(pot, start=1) if "24 October 2015" in line)
    code, _, err = run("i18n", "extract", "--content", content, "--check")
    assert code == 2
    assert (f"locales/pot/case.{CASE}.pot: out of date: an extract would change it, from "
            f"line {changed} (run 'briefgen i18n extract' and commit the result)") in err


def fact_line(example: Path) -> int:
    lines = (example / f"cases/{CASE}/case.yaml").read_text().splitlines()
    return lines.index("  - id: handover") + 1


def template_id(catalog: object, context: str) -> str:
    (message,) = [m for m in catalog if m.context == context]  # type: ignore[attr-defined]
    return str(message.id)


def test_new_commands_have_help() -> None:
    for command in ("extract", "status", "update"):
        code, out, _ = run("i18n", command, "--help")
        assert code == 0
        assert "--content" in out
    code, out, _ = run("i18n", "status", "--help")
    for option in ("--fail-under", "--no-stale", "--fail-on-glossary", "--missing"):
        assert option in out



@pytest.mark.slow
def test_a_marked_passage_is_visible_in_the_pdf(example: Path,
                                                 tmp_path_factory: pytest.TempPathFactory
                                                 ) -> None:
    import subprocess

    from briefgen.fonts import load_fonts
    from briefgen.renderer import Renderer
    from briefgen.typesetter import typeset

    from .test_typesetter import shared_font_cache

    with_policy(example, "  ko: mark")
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    content = load_content(example)
    translator = Translator("ko", "en", example.parent / "locales", example.parent)
    view = build_brief_view(content, content.cases[CASE], "china", "ko", translator)
    rendered = Renderer(REPO / "templates").render("brief", view, translator, paper="a4",
                                                   build_stamp="test")
    pdf = typeset(rendered.html, base_url=(REPO / "templates").as_uri() + "/",
                  stylesheets=[rendered.css], fonts=load_fonts(shared_font_cache(
                      tmp_path_factory)), allowed_roots=[REPO / "templates"],
                  origin="brief.html").pdf
    path = example.parent / "brief.pdf"
    path.write_bytes(pdf)
    text = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                                   check=True, capture_output=True, text=True).stdout.split())
    # The label is templates.po's translation of "untranslated", then the current English.
    assert "[미번역] Vietnamese authorities handed the group over" in text
    assert "25 October 2015" in text


# Text a translator may write: any printable character (quotes, backslashes, tabs and
# newlines included) but the noncharacters briefgen keeps for its own marks, the
# invisible characters it refuses, "<" and "[", with which a translation could hold raw
# HTML or a link its English has not ("<?" is raw HTML), and "{" and "%", which start
# placeholders a translation must keep (msgid "{0}", msgstr "0" is refused, rightly).
_po_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"),
                                 blacklist_characters="\ufdd0\ufdd1\ufdd2<[{%"
                                                      + STRAY_INVISIBLE_CHARS)
                   | st.sampled_from('"\\\t\n'), min_size=1, max_size=80)


# Few contexts and English texts, so that entries share one or the other.
_po_keys = st.tuples(st.one_of(st.none(), st.sampled_from(["law:x", 'a "b"']), _po_text),
                     st.one_of(st.sampled_from(["Ask", "a\nlong " * 15]), _po_text))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.dictionaries(_po_keys, _po_text, max_size=6),
       obsolete=st.dictionaries(_po_text, _po_text, max_size=2))
def test_any_catalog_babel_writes_is_read_back_unchanged(
        tmp_path: Path, entries: dict[tuple[str | None, str], str],
        obsolete: dict[str, str]) -> None:
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="ko")
    for (context, msgid), msgstr in entries.items():
        catalog.add(msgid, msgstr, context=context)
    for msgid, msgstr in obsolete.items():
        if (None, msgid) not in entries:
            catalog.obsolete[msgid] = catalog.add(msgid, msgstr)
            del catalog[msgid]
    path = tmp_path / "x.po"
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76, include_previous=True)
    # briefgen's own checks (line shapes, one msgctxt and msgid per entry, no entry
    # twice) accept whatever Babel writes, and Babel reads the same messages back.
    read = read_catalog(path, "x.po", "ko")
    assert {(m.context, m.id): m.string for m in read if m.id} == {
        key: value for key, value in entries.items() if key[1]}


def test_a_template_plural_is_extracted_with_its_plural_and_translated_by_count(
        example: Path) -> None:
    from briefgen.renderer import Renderer

    root = example.parent
    shutil.copytree(REPO / "templates", root / "templates")
    edit(root / "templates/brief.html", '<h2>{{ _("Summary") }}</h2>',
         '<h2>{{ _("Summary") }} {{ ngettext("%(num)s source", "%(num)s sources", '
         "view.sources|length) }}</h2>")
    code, _, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    po = root / "locales/ko/templates.po"
    text = po.read_text(encoding="utf-8")
    assert 'msgid "%(num)s source"\nmsgid_plural "%(num)s sources"\nmsgstr[0] ""' in text
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    line = text.splitlines().index('msgid "%(num)s source"') + 3  # msgstr[0]
    assert (f"locales/ko/templates.po:{line}: label: template label '%(num)s source' has no "
            "current translation (missing)") in err

    with po.open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    catalog.get("%(num)s source").string = ("출처 %(num)s개",)
    with po.open("wb") as handle:
        write_po(handle, catalog, width=88, include_previous=True)
    code, _, err = run("validate", "--content", str(example))
    assert code == 0, err
    code, out, err = run("i18n", "update", "--check", "--content", str(example))
    assert code == 0, out + err

    content = load_content(example)
    translator = Translator("ko", "en", root / "locales", root)
    view = build_brief_view(content, content.cases[CASE], "china", "ko", translator)
    html = Renderer(root / "templates").render("brief", view, translator, paper="a4",
                                               build_stamp="0").html
    assert f"요약 출처 {len(view.sources)}개" in " ".join(html.split())


def test_catalogs_no_document_reads_are_warned_about(example: Path) -> None:
    root = example.parent
    shutil.copy(root / "locales/ko/templates.po", root / "locales/ko/template.po")
    (root / "locales/ja").mkdir()
    (root / "locales/ja/shared.po").write_text(
        (root / "locales/ko/shared.po").read_text(encoding="utf-8").replace(
            '"Language: ko\\n"', '"Language: ja\\n"'), encoding="utf-8")
    code, _, err = run("validate", "--content", str(example))
    assert code == 0, err
    assert ("warning: locales/ko/template.po: template.po is not a catalog any document "
            "reads (expected templates.po, shared.po or case.<case-id>.po") in err
    assert ("warning: locales/ja: locale: catalogs for 'ja', which is not one of the "
            "project's locales (en, ko), are not read") in err
    # The fixture leaves zh-Hans out of the project's locales, not its catalogs.
    assert "warning: locales/zh-Hans: locale: catalogs for 'zh-Hans'" in err
    assert "warning: locales/restricted/zh-Hans: locale: catalogs for 'zh-Hans'" in err
    code, _, err = run("validate", "--strict", "--content", str(example))
    assert code == 2
    assert "4 problems found" in err


def test_an_entry_without_msgstr_is_reported_at_its_line(example: Path) -> None:
    po = example.parent / "locales/ko/templates.po"
    lines = po.read_text(encoding="utf-8").split("\n")
    at = lines.index('msgid "Page {page} of {pages}"')
    assert lines[at + 1].startswith("msgstr ")
    del lines[at + 1]
    po.write_text("\n".join(lines), encoding="utf-8")
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    assert re.search(r"locales/ko/templates\.po:\d+: malformed PO file: missing msgstr for "
                     r"msgid 'Page \{page\} of \{pages\}' \(open it in Poedit", err), err
    assert " on " not in err.split("(open")[0]


def test_a_catalog_copied_from_another_language_is_named_by_its_header(
        example: Path) -> None:
    root = example.parent
    edit(example / "project.yaml", "locales: [en, ko]", "locales: [en, ko, zh-Hans]")
    shutil.copy(root / "locales/ko/shared.po", root / "locales/zh-Hans/shared.po")
    for command in (["validate"], ["i18n", "update"]):
        code, _, err = run(*command, "--content", str(example))
        assert code == 2
        assert ("locales/zh-Hans/shared.po:13: the header says Language: ko, but the catalog "
                "is in the folder of zh-Hans (a catalog copied from another language?") in err


def test_an_entry_without_msgid_is_refused_before_update_moves_translations(
        example: Path) -> None:
    # Babel joins such a msgstr to the entry after it: update would then give one ask's
    # translation to an event's title, unflagged.
    root = example.parent
    po = root / CASE_PO
    before = po.read_bytes()
    lines = po.read_text(encoding="utf-8").split("\n")
    at = lines.index(f'msgctxt "case:{CASE}:ask:us-press-beijing"')
    end = next(n for n in range(at + 2, len(lines)) if not lines[n].startswith('"'))
    del lines[at + 1:end]
    po.write_text("\n".join(lines), encoding="utf-8")
    for command in (["validate"], ["i18n", "update"]):
        code, _, err = run(*command, "--content", str(example))
        assert code == 2
        assert (f"{CASE_PO}:{at + 1}: malformed PO file: an entry without its msgid line "
                in err), err
    assert po.read_bytes() != before  # as the translator left it: not rewritten
    assert "\n".join(lines) == po.read_text(encoding="utf-8")


@pytest.mark.parametrize(("after", "line", "what"), [
    (f'msgctxt "{FACT}"', "#, fuzzy", "flag line '#, fuzzy'"),
    ('msgid ""', "# checked with the family", "comment line '# checked with the family'"),
])
def test_a_comment_inside_an_entry_is_refused_at_its_line_as_msgfmt_does(
        example: Path, after: str, line: str, what: str) -> None:
    # Babel gives a "#, fuzzy" after msgctxt to the entry without a word; msgfmt refuses
    # the file.
    import subprocess

    root = example.parent
    po = root / CASE_PO
    lines = po.read_text(encoding="utf-8").split("\n")
    start = lines.index(f'msgctxt "{FACT}"')
    at = lines.index(after, start) + 1
    assert lines[at].startswith(("msgid ", '"'))
    lines.insert(at, line)
    po.write_text("\n".join(lines), encoding="utf-8")
    check = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)],
                           capture_output=True, text=True)
    assert check.returncode == 1 and "syntax error" in check.stderr, check.stderr
    keyword = after.split()[0]
    for command in (["validate"], ["i18n", "update"]):
        code, _, err = run(*command, "--content", str(example))
        assert code == 2
        assert (f"{CASE_PO}:{at + 1}: malformed PO file: {what} inside an entry, after its "
                f"{keyword} line (comment and flag lines go before an entry's msgctxt and "
                f"msgid: move it above line {start + 1}, where the entry starts)") in err, err
    assert "\n".join(lines) == po.read_text(encoding="utf-8")  # not rewritten


def test_comments_between_entries_are_read_wherever_the_entry_before_ends(
        tmp_path: Path) -> None:
    po = write(tmp_path / "shared.po",
               'msgid "Hello"\nmsgid_plural "Hellos"\nmsgstr[0] "안녕"\nmsgstr[1] "안녕들"\n'
               '# the next entry\'s comment, with no blank line before it\n#, fuzzy\n'
               'msgctxt "a"\nmsgid "x"\nmsgstr ""\n"y"\n#. and the last\n')
    catalog = read_catalog(po, "shared.po", "en")
    assert [(m.context, m.string, m.fuzzy) for m in catalog if m.id] == [
        (None, ("안녕", "안녕들"), False), ("a", "y", True)]
    # A comment between two plural forms is inside its entry: Babel would drop the second.
    write(po, 'msgid "Hello"\nmsgid_plural "Hellos"\nmsgstr[0] "안녕"\n# here\n'
              'msgstr[1] "안녕들"\n')
    with pytest.raises(ContentError, match=r"comment line '# here' inside an entry, after "
                                           r"its msgstr\[0\] line") as raised:
        read_catalog(po, "shared.po", "en")
    assert raised.value.line == 4


@pytest.mark.parametrize(("locale", "joined"), [
    ("zh-Hans", "</cite>。作者：Keegan Hamilton。日期："),
    ("en", "</cite>. Author: Keegan Hamilton. Date: "),
    ("ko", "</cite>. 저자: Keegan Hamilton. 날짜: "),
])
def test_the_parts_of_a_source_entry_are_spaced_as_the_language_spaces_sentences(
        locale: str, joined: str) -> None:
    from briefgen.renderer import Renderer

    content = load_content(REPO / "content")
    translator = Translator(locale, "en", REPO / "locales", REPO)
    view = build_brief_view(content, content.cases[CASE], "china", locale, translator)
    html = Renderer(REPO / "templates").render("brief", view, translator, paper="a4",
                                               build_stamp="0").html
    assert joined in html
    if locale == "zh-Hans":
        assert "（摘要）</span><span class=\"unofficial\">" in html


def test_an_escape_gettext_does_not_know_is_refused_at_its_line(example: Path) -> None:
    po = example.parent / "locales/ko/templates.po"
    text = po.read_text(encoding="utf-8")
    assert 'msgstr "핵심 사실"' in text
    po.write_text(text.replace('msgstr "핵심 사실"', 'msgstr "핵심\\\\q 사실\\q"'),
                  encoding="utf-8")
    line = po.read_text(encoding="utf-8").splitlines().index('msgstr "핵심\\\\q 사실\\q"') + 1
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    assert f"locales/ko/templates.po:{line}: malformed PO file: unknown escape '\\\\q'" in err
    # An escaped backslash before a letter is no unknown escape.
    po.write_text(text.replace('msgstr "핵심 사실"', 'msgstr "핵심\\\\q 사실"'),
                  encoding="utf-8")
    code, _, err = run("validate", "--content", str(example))
    assert "unknown escape" not in err


def test_a_character_no_font_has_is_reported_at_its_translation(example: Path) -> None:
    root = example.parent
    ask = f"case:{CASE}:ask:china-do-not-return"
    translate(root, CASE_PO, ask, "일행을 북한으로 돌려보내지 말 것(國).")
    code, _, err = run("build", "--content", str(example), "--out", str(root / "out"),
                       "--doc", "brief", "--audience", "china", "--locale", "ko",
                       "--jobs", "1")
    assert code == 2
    assert (f"{CASE_PO}:{po_line(root, CASE_PO, ask)}: character '國' (U+570B) is not "
            "covered by any configured font for ko") in err


def test_a_catalog_read_under_babel_s_name_of_its_locale_is_its_own() -> None:
    # An update's report reads its catalog back under the locale as Babel names it
    # (zh_Hans): its Language header says the same, and is no copy from elsewhere.
    from briefgen.catalogs import read_catalog

    path = REPO / "locales/zh-Hans/templates.po"
    for name in ("zh-Hans", "zh_Hans"):
        assert read_catalog(path, "templates.po", name).locale_identifier == "zh_Hans"


def test_english_changed_without_an_update_is_named_at_its_entry(example: Path) -> None:
    # The catalog not updated since the English changed: the translated entry's msgid is
    # the old English, so the message says that rather than speak of a fuzzy flag the
    # entry does not have; an untranslated entry is named at its line too.
    root = example.parent
    line = po_line(root, CASE_PO, FACT)
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    code, _, err = run("validate", "--content", str(example))
    flat = " ".join(err.split())
    assert code == 2
    assert (f"{CASE_PO}:{line}: {FACT}: translation is stale: its entry's English (msgid) "
            "is not the content's, which changed since the catalog was updated") in flat, err
    assert "run 'briefgen i18n update': it puts the English at" in flat, err

    translate(root, CASE_PO, FACT, None)
    line = po_line(root, CASE_PO, FACT)
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    assert f"{CASE_PO}:{line}: {FACT}: no Korean translation" in err, err


def test_an_untranslated_entry_whose_english_changed_leaves_no_obsolete_entry(
        example: Path) -> None:
    # An obsolete entry keeps a translation; with none, it would only pile up in every
    # locale nobody has translated yet, one more with each change of the English.
    root = example.parent
    translate(root, CASE_PO, FACT, None)
    edit(example / f"cases/{CASE}/case.yaml", OLD_FACT, NEW_FACT)
    code, out, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    assert re.search(rf"{re.escape(CASE_PO)}: \d+ messages, 1 new, 0 stale, 0 obsolete", out), out
    with (root / CASE_PO).open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    (current,) = [m for m in catalog if m.context == FACT]
    assert NEW_FACT in str(current.id) and not current.string
    assert not [m for m in catalog.obsolete.values() if m.context == FACT]


def test_an_item_whose_id_changed_keeps_its_translation_for_review(example: Path) -> None:
    # The English is the same, under a new context: the translation comes back marked
    # for review (the same English may be translated otherwise where it stands now),
    # not left behind as an obsolete entry while the new one starts empty.
    root = example.parent
    old, new = f"case:{CASE}:timeline:left-china:event", f"case:{CASE}:timeline:left-home:event"
    with (root / CASE_PO).open("rb") as handle:
        translation = {m.context: m.string for m in read_po(handle, locale="ko")}[old]
    text = (example / f"cases/{CASE}/case.yaml").read_text(encoding="utf-8")
    at = text.index("timeline:")
    (example / f"cases/{CASE}/case.yaml").write_text(
        text[:at] + text[at:].replace("  - id: left-china\n", "  - id: left-home\n", 1),
        encoding="utf-8")
    code, _, err = run("i18n", "update", "--content", str(example))
    assert code == 0, err
    with (root / CASE_PO).open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    (entry,) = [m for m in catalog if m.context == new]
    assert entry.string == translation and entry.fuzzy and not entry.previous_id
    assert not [m for m in catalog if m.context == old]
    assert not [m for m in catalog.obsolete.values() if m.context == old]
    code, _, err = run("validate", "--content", str(example))
    assert code == 2
    assert f"{new}: translation is marked fuzzy (needs review) in the catalog" in err, err


def test_a_mistyped_msgctxt_is_named_at_its_entry(example: Path) -> None:
    # The translator's editor let the context be changed: the entry, translated, is read
    # for no item, and the item's translation is missing. Said as such, at its line.
    root = example.parent
    line = po_line(root, CASE_PO, FACT)
    edit(root / CASE_PO, f'msgctxt "{FACT}"', f'msgctxt "{FACT}s"')
    code, _, err = run("validate", "--content", str(example))
    flat = " ".join(err.split())
    assert code == 2
    assert (f"{CASE_PO}:{line}: {FACT}: no Korean translation: the entry on this line has "
            f"its English under the context '{FACT}s', which names no item (set its msgctxt "
            f"back to '{FACT}'") in flat, err
