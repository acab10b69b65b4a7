"""Ways a restricted item's text or translation could reach a public catalog, or a
translator's work be lost, when sensitivities, English and catalogs change together."""

from __future__ import annotations

import signal
from pathlib import Path, PurePath

import pytest
from babel.messages.pofile import read_po, write_po

from briefgen import i18n
from briefgen.build import Paths
from briefgen.files import stage
from briefgen.i18n import update_catalogs

from .conftest import edit
from .test_restricted_catalogs import (
    CASE,
    FACT,
    PUBLIC_PO,
    RESTRICTED_PO,
    entries,
    example,
    run,
    set_sensitivity,
    update,
)

__all__ = ["example"]  # the fixture, imported for the tests below

CASE_YAML = f"content/cases/{CASE}/case.yaml"
SECRET_ENGLISH = "two family members in Seoul"
REWRITTEN = "Some members of the group have relatives abroad."


def rewrite_restricted_fact(root: Path, *, sensitivity: str) -> None:
    """Rewrite the example's restricted fact without its telling detail."""
    edit(root / CASE_YAML,
         "      Members of the group have two family members in Seoul, according to Phil"
         " Robertson\n      of Human Rights Watch as reported by VICE News.",
         f"      {REWRITTEN}")
    set_sensitivity(root, "relatives-in-seoul", sensitivity)


def assert_nothing_restricted_in_public(root: Path, translation: str) -> None:
    public = (root / PUBLIC_PO).read_text(encoding="utf-8")
    assert SECRET_ENGLISH not in public
    assert translation not in public


def test_an_item_rewritten_and_made_public_leaves_its_restricted_text_behind(
        example: Path) -> None:
    # The author removes the telling detail and makes the fact public in one edit: the
    # old English (a stale entry's "#| msgid") and its translation are restricted
    # material, and must not follow it into the public catalog.
    translation = entries(example / RESTRICTED_PO)[FACT]
    rewrite_restricted_fact(example, sensitivity="public")
    update(example)
    assert_nothing_restricted_in_public(example, translation)
    assert entries(example / PUBLIC_PO)[FACT] == ""
    # Not lost either: it stays in the restricted catalog, obsolete.
    assert entries(example / RESTRICTED_PO)[FACT] == translation
    code, out = run("i18n", "update", "--check", "--content", str(example / "content"))
    assert code == 0, out

    # Restricted again: the restricted catalog gets the public entry (here untranslated)
    # and finds the old translation by its context, stale.
    set_sensitivity(example, "relatives-in-seoul", "restricted")
    update(example)
    with (example / RESTRICTED_PO).open("rb") as handle:
        (fact,) = [m for m in read_po(handle, locale="ko") if m.context == FACT]
    assert fact.string == translation and fact.fuzzy
    assert FACT not in (example / PUBLIC_PO).read_text(encoding="utf-8")


def test_a_deleted_restricted_items_translation_does_not_go_to_a_new_public_one(
        example: Path) -> None:
    translation = entries(example / RESTRICTED_PO)[FACT]
    case = example / CASE_YAML
    text = case.read_text(encoding="utf-8")
    start = text.index("  - id: relatives-in-seoul")
    end = text.index("timeline:")
    case.write_text(text[:start] + text[end:], encoding="utf-8")
    update(example)
    assert entries(example / RESTRICTED_PO)[FACT] == translation  # obsolete
    # A new public fact with the old id.
    case.write_text(text[:start] + text[start:end].replace(
        "Members of the group have two family members in Seoul, according to Phil "
        "Robertson\n      of Human Rights Watch as reported by VICE News.", REWRITTEN)
        .replace("sensitivity: restricted", "sensitivity: public") + text[end:],
        encoding="utf-8")
    update(example)
    assert_nothing_restricted_in_public(example, translation)


def test_a_stale_restricted_translation_does_not_go_public_with_its_old_english(
        example: Path) -> None:
    # A restricted entry already stale: its translation and previous English are of an
    # older, restricted wording. Only the current English is made public.
    translation = entries(example / RESTRICTED_PO)[FACT]
    rewrite_restricted_fact(example, sensitivity="restricted")
    update(example)
    with (example / RESTRICTED_PO).open("rb") as handle:
        (fact,) = [m for m in read_po(handle, locale="ko") if m.context == FACT]
    assert fact.fuzzy and fact.string == translation
    set_sensitivity(example, "relatives-in-seoul", "public")
    update(example)
    assert_nothing_restricted_in_public(example, translation)
    assert entries(example / RESTRICTED_PO)[FACT] == translation


def test_a_translation_made_in_the_public_catalog_wins_over_an_obsolete_restricted_one(
        example: Path) -> None:
    old = entries(example / RESTRICTED_PO)[FACT]
    rewrite_restricted_fact(example, sensitivity="public")
    update(example)
    # The public fact is translated; the old one stays obsolete in the restricted catalog.
    path = example / PUBLIC_PO
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    for message in catalog:
        if message.context == FACT:
            message.string = "일부 구성원에게는 해외에 친척이 있다."
    with path.open("wb") as handle:
        write_po(handle, catalog, width=88)
    update(example)
    set_sensitivity(example, "relatives-in-seoul", "restricted")
    update(example)
    # The new translation went along; the old one is kept too, obsolete.
    with (example / RESTRICTED_PO).open("rb") as handle:
        restricted = read_po(handle, locale="ko")
    (fact,) = [m for m in restricted if m.context == FACT]
    assert fact.string == "일부 구성원에게는 해외에 친척이 있다." and not fact.fuzzy
    assert [m.string for m in restricted.obsolete.values() if m.context == FACT] == [old]
    assert FACT not in path.read_text(encoding="utf-8")


def test_an_update_whose_output_stops_being_read_still_writes_both_catalogs(
        example: Path) -> None:
    # 'briefgen i18n update | head -1': the output stops being read after the first line.
    # The restricted catalog, written first, has given the entry away; the public one
    # must have it too, or the translation is in neither.
    translation = entries(example / RESTRICTED_PO)[FACT]
    set_sensitivity(example, "relatives-in-seoul", "public")
    lines = update_catalogs(Paths.for_content(example / "content"))
    assert next(lines).startswith(RESTRICTED_PO)
    lines.close()
    assert FACT not in (example / RESTRICTED_PO).read_text(encoding="utf-8")
    assert entries(example / PUBLIC_PO)[FACT] == translation


def test_an_update_interrupted_between_its_renames_writes_both_catalogs(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C just after the first catalog is renamed into place: the entry has left the
    # restricted catalog, so the public one must still be written before the
    # interrupt takes effect.
    translation = entries(example / RESTRICTED_PO)[FACT]
    set_sensitivity(example, "relatives-in-seoul", "public")

    class InterruptedAfter(type(example)):  # type: ignore[misc]
        def replace(self, target: str | PurePath) -> Path:
            renamed = super().replace(target)
            signal.raise_signal(signal.SIGINT)
            return renamed

    monkeypatch.setattr(i18n, "stage", lambda path, data, **kwargs: InterruptedAfter(
        stage(path, data, **kwargs)))
    with pytest.raises(KeyboardInterrupt):
        list(update_catalogs(Paths.for_content(example / "content")))
    assert FACT not in (example / RESTRICTED_PO).read_text(encoding="utf-8")
    assert entries(example / PUBLIC_PO)[FACT] == translation
    assert not [p for p in (example / "locales").rglob(".*.tmp")]


def test_an_update_that_fails_half_way_writes_no_catalog(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_sensitivity(example, "relatives-in-seoul", "public")
    before = {p: p.read_bytes() for p in (example / "locales").rglob("*") if p.is_file()}
    staged = []

    def full_disk(path: Path, data: bytes, **kwargs: bool) -> Path:
        if staged:
            raise OSError(28, "No space left on device")
        staged.append(path)
        return stage(path, data, **kwargs)

    monkeypatch.setattr(i18n, "stage", full_disk)
    with pytest.raises(OSError):
        list(update_catalogs(Paths.for_content(example / "content")))
    # No catalog replaced, no temporary file left.
    assert {p: p.read_bytes() for p in (example / "locales").rglob("*")
            if p.is_file()} == before
