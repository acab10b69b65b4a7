"""A case's restricted items are translated in a catalog of their own, under
locales/restricted/, which no public catalog or template repeats."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from typer.testing import CliRunner

from briefgen.cli import app

from .conftest import REPO, edit, korean_example

CASE = "vietnam-nine-2015"
PUBLIC_PO = f"locales/ko/case.{CASE}.po"
RESTRICTED_PO = f"locales/restricted/ko/case.{CASE}.po"
PUBLIC_POT = f"locales/pot/case.{CASE}.pot"
RESTRICTED_POT = f"locales/restricted/pot/case.{CASE}.pot"
# The example's restricted items: a group member and a fact.
MEMBER = f"case:{CASE}:member:army-captain"
FACT = f"case:{CASE}:fact:relatives-in-seoul"
# A public disputed fact, made restricted by some tests: its text and four accounts.
DISPUTED = f"case:{CASE}:fact:reason-stopped"
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The example's content and catalogs in English and Korean; returns the project."""
    root = korean_example(tmp_path / "project")
    shutil.rmtree(root / "locales/zh-Hans")
    shutil.rmtree(root / "locales/restricted/zh-Hans")
    return root


def entries(path: Path) -> dict[str, str]:
    """context -> translation of every entry, current or obsolete."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    return {str(m.context): str(m.string) for m in (*catalog, *catalog.obsolete.values())
            if m.id}


def set_sensitivity(root: Path, item_id: str, sensitivity: str) -> None:
    """Set the sensitivity of the example's fact or group member ``item_id``."""
    case = root / f"content/cases/{CASE}/case.yaml"
    text = case.read_text(encoding="utf-8")
    start = text.index("sensitivity: ", text.index(f"- id: {item_id}\n")) + len("sensitivity: ")
    end = text.index("\n", start)
    case.write_text(text[:start] + sensitivity + text[end:], encoding="utf-8")


def update(root: Path) -> str:
    code, out = run("i18n", "update", "--content", str(root / "content"))
    assert code == 0, out
    return out


def test_the_shipped_catalogs_keep_restricted_items_apart() -> None:
    public = (REPO / PUBLIC_PO).read_text(encoding="utf-8")
    restricted = (REPO / RESTRICTED_PO).read_text(encoding="utf-8")
    for context in (MEMBER, FACT):
        assert f'msgctxt "{context}"' in restricted
        assert context not in public
        assert context not in (REPO / PUBLIC_POT).read_text(encoding="utf-8")
        assert f'msgctxt "{context}"' in (REPO / RESTRICTED_POT).read_text(encoding="utf-8")
    translation = entries(REPO / RESTRICTED_PO)[FACT]
    assert translation and translation not in public
    # Whoever opens one is told what it is.
    assert "# RESTRICTED: this catalog holds the translations of the case's restricted" \
        in restricted
    assert "# RESTRICTED:" in (REPO / RESTRICTED_POT).read_text(encoding="utf-8")
    assert "RESTRICTED" not in public
    # Not a locale's folder, not a template any public pattern finds.
    assert not list((REPO / "locales/pot").glob("*restricted*"))
    for path in (REPO / "locales/restricted").rglob("*.po*"):
        check = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_an_item_made_restricted_takes_its_translations_along(example: Path) -> None:
    before = entries(example / PUBLIC_PO)
    disputed = {c: t for c, t in before.items() if c.startswith(DISPUTED)}
    assert len(disputed) == 5 and all(disputed.values())

    set_sensitivity(example, "reason-stopped", "restricted")
    out = update(example)
    assert f"{RESTRICTED_PO}: 7 messages, 0 new, 0 stale, 0 obsolete" in out
    assert f"{PUBLIC_PO}: {len(before) - 5} messages, 0 new, 0 stale, 0 obsolete" in out
    moved = entries(example / RESTRICTED_PO)
    assert {c: moved[c] for c in disputed} == disputed
    # Nothing stays behind in the public catalog, not even an obsolete entry.
    public = (example / PUBLIC_PO).read_text(encoding="utf-8")
    assert DISPUTED not in public
    assert not any(translation in public for translation in disputed.values())
    code, out = run("i18n", "extract", "--content", str(example / "content"))
    assert code == 0, out
    assert DISPUTED not in (example / PUBLIC_POT).read_text(encoding="utf-8")
    assert DISPUTED in (example / RESTRICTED_POT).read_text(encoding="utf-8")

    # And back, when it is public again.
    set_sensitivity(example, "reason-stopped", "public")
    update(example)
    assert entries(example / PUBLIC_PO) == before
    assert DISPUTED not in (example / RESTRICTED_PO).read_text(encoding="utf-8")


def test_a_case_with_no_restricted_item_left_keeps_its_restricted_catalog_merged(
        example: Path) -> None:
    set_sensitivity(example, "relatives-in-seoul", "public")
    set_sensitivity(example, "army-captain", "public")
    update(example)
    # Both translations went back to the public catalog; the restricted one is empty.
    public = entries(example / PUBLIC_PO)
    assert public[MEMBER] and public[FACT]
    assert MEMBER not in (example / RESTRICTED_PO).read_text(encoding="utf-8")
    code, out = run("i18n", "update", "--check", "--content", str(example / "content"))
    assert code == 0, out


def test_update_check_fails_while_a_restricted_text_is_in_the_public_catalog(
        example: Path) -> None:
    set_sensitivity(example, "reason-stopped", "restricted")
    code, out = run("i18n", "update", "--check", "--content", str(example / "content"))
    assert code == 2
    assert f"{PUBLIC_PO}: out of date" in out
    assert f"{RESTRICTED_PO}: out of date" in out


@pytest.mark.slow
def test_a_restricted_brief_is_translated_from_the_restricted_catalog(
        example: Path, tmp_path: Path) -> None:
    content = str(example / "content")
    translation = entries(example / RESTRICTED_PO)[FACT]
    only = ("--doc", "brief", "--audience", "china", "--locale", "ko", "--jobs", "1")
    code, out = run("build", "--content", content, "--include-restricted",
                    "--out", str(tmp_path / "restricted"), *only)
    assert code == 0, out
    (pdf,) = (tmp_path / "restricted").glob("*.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert translation[:20] in " ".join(text.split())

    # Without the restricted catalogs (kept elsewhere) public documents are built as
    # before, and a restricted one says which catalog it needs.
    shutil.rmtree(example / "locales/restricted")
    code, out = run("build", "--content", content, "--out", str(tmp_path / "public"), *only)
    assert code == 0, out
    code, out = run("build", "--content", content, "--include-restricted",
                    "--out", str(tmp_path / "again"), *only)
    assert code == 2
    assert f"{RESTRICTED_PO}: catalog missing: no Korean translations" in out
    assert "run 'briefgen i18n update' to create it" in out


def test_a_stray_restricted_catalog_is_warned_about(example: Path) -> None:
    shutil.copy(example / RESTRICTED_PO, example / "locales/restricted/ko/case.other.po")
    code, out = run("validate", "--content", str(example / "content"))
    assert code == 0, out
    assert ("warning: locales/restricted/ko/case.other.po: case.other.po is not a catalog "
            "any document reads (expected case.<case-id>.po of an existing case, for its "
            "restricted items)") in " ".join(out.split())


def test_status_lists_the_restricted_catalog_and_no_stale_covers_it(example: Path) -> None:
    code, out = run("i18n", "status", "--content", str(example / "content"))
    assert code == 0, out
    assert f"  {RESTRICTED_PO}" in out
    with (example / RESTRICTED_PO).open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    for message in catalog:
        if message.context == FACT:
            message.flags.add("fuzzy")
    with (example / RESTRICTED_PO).open("wb") as handle:
        write_po(handle, catalog, width=88)
    code, out = run("i18n", "status", "--content", str(example / "content"),
                    "--no-stale", CASE)
    assert code == 2, out
    assert f"{RESTRICTED_PO}:" in out and "--no-stale vietnam-nine-2015" in out


def test_validate_refuses_a_restricted_item_s_entry_in_the_public_catalog(
        example: Path) -> None:
    set_sensitivity(example, "reason-stopped", "restricted")
    code, out = run("validate", "--content", str(example / "content"))
    assert code == 2
    lines = (example / PUBLIC_PO).read_text(encoding="utf-8").splitlines()
    entry = lines.index(f'msgctxt "{DISPUTED}"')
    line = next(n for n in range(entry, len(lines)) if lines[n].startswith("msgstr")) + 1
    assert (f"{PUBLIC_PO}:{line}: {DISPUTED}: a restricted item's text is in the public "
            f"catalog (expected in {RESTRICTED_PO}) (run 'briefgen i18n update': it moves "
            "the entry, with its translation, to the restricted catalog)") in out, out
    # The five entries, and the five the restricted catalog lacks until the update.
    assert "10 problems found" in out
    update(example)
    code, out = run("validate", "--content", str(example / "content"))
    assert code == 0, out

    # An obsolete entry too: a translator's editor may keep one.
    text = (example / PUBLIC_PO).read_text(encoding="utf-8")
    (example / PUBLIC_PO).write_text(
        text + f'\n#~ msgctxt "{FACT}"\n#~ msgid "Old English."\n#~ msgstr "옛 번역."\n',
        encoding="utf-8")
    code, out = run("validate", "--content", str(example / "content"))
    assert code == 2
    assert f": {FACT}: a restricted item's text is in the public catalog" in out, out


def test_validate_reads_a_restricted_catalog_no_document_reads_now(example: Path) -> None:
    set_sensitivity(example, "relatives-in-seoul", "public")
    set_sensitivity(example, "army-captain", "public")
    update(example)
    path = example / RESTRICTED_PO
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid "unclosed\n', encoding="utf-8")
    code, out = run("validate", "--content", str(example / "content"))
    assert code == 2, out
    assert f"{RESTRICTED_PO}:" in out, out


def test_a_renamed_case_s_catalogs_are_named_beside_the_missing_translations(
        example: Path) -> None:
    old = example / f"content/cases/{CASE}"
    case = old.parent / "nine-2015"
    old.rename(case)
    edit(case / "case.yaml", f"id: {CASE}", "id: nine-2015")
    code, out = run("validate", "--content", str(example / "content"))
    assert code == 2
    text = " ".join(out.split())
    # What explains the missing translations is printed with them: the old catalogs,
    # which still hold every translation, are read by no document.
    assert (f"warning: {PUBLIC_PO}: case.{CASE}.po is not a catalog any document reads"
            in text), out
    assert f"warning: {RESTRICTED_PO}: case.{CASE}.po is not a catalog any document reads" \
        in text
    assert "locales/ko/case.nine-2015.po: catalog missing" in text
