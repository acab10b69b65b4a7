"""Shared fixtures: sample content trees copied into a temporary project per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SAMPLES = HERE / "samples"


@pytest.fixture(scope="session", autouse=True)
def _shared_font_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Preparing the CJK subsets takes minutes the first time; every test shares one cache. A
    # developer's own cache (BRIEFGEN_FONT_CACHE) is reused when set.
    if not os.environ.get("BRIEFGEN_FONT_CACHE"):
        cache = REPO / ".cache" / "fonts"
        os.environ["BRIEFGEN_FONT_CACHE"] = str(cache)


@pytest.fixture
def project(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a sample (``tests/samples/<name>``) to ``tmp/project/content``; return it."""

    def make(name: str = "minimal") -> Path:
        content = tmp_path / "project" / "content"
        shutil.copytree(SAMPLES / name, content)
        return content

    return make


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def korean_example(root: Path) -> Path:
    """The example's content and catalogs copied to ``root``, its locales narrowed to
    English and Korean (the Chinese catalogs stay, unread); returns ``root``."""
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "locales", root / "locales")
    edit(root / "content/project.yaml", "locales: [en, ko, zh-Hans]", "locales: [en, ko]")
    return root


EVENT_AND_HANDOUT = """
events:
  - id: vigil
    title: Vigil
    start: {start}
    end: {end}
    timezone: America/New_York
    venue: The square
    address: 1 Main Street
    organiser: Friends
    sources: [src-a]
handout:
  call_to_action: Come.
  link: https://example.org/x
  link_is_placeholder: true
  facts: [stopped]
  asks: [release]
"""


def add_handout(content: Path, start: str = "2015-11-21T13:00",
                end: str = "2015-11-21T14:00") -> None:
    """Give the minimal sample at ``content`` an event and a handout for it."""
    case = content / "cases/sample-case/case.yaml"
    case.write_text(case.read_text(encoding="utf-8")
                    + EVENT_AND_HANDOUT.format(start=start, end=end), encoding="utf-8")
    edit(content / "project.yaml", "documents: [brief]", "documents: [brief, handout]")


def own_templates(content: Path) -> Path:
    """Give the project of ``content`` a copy of the bundled templates to edit; returns
    its templates directory."""
    templates = content.parent / "templates"
    shutil.copytree(REPO / "templates", templates)
    return templates


@pytest.fixture(scope="session")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example, built once per test session (read-only for tests)."""
    from typer.testing import CliRunner

    from briefgen.cli import app

    out = tmp_path_factory.mktemp("example") / "output"
    result = CliRunner().invoke(app, ["build", "--content", str(REPO / "content"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    return out


def pypdf_places(pdf: bytes) -> list[tuple[str, str]]:
    """What ``briefgen.pdfcheck.pdf_strings`` reads besides page text, read by pypdf.

    The restricted-text check reads these with qpdf; a place qpdf's side misses (a
    wrongly walked outline, a name tree's kids) shows as a difference from this reader.
    """
    import io
    from collections.abc import Iterator, Sequence
    from typing import Any

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    places = []
    for number, page in enumerate(reader.pages, start=1):
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                places.append((f"page {number} link", str(action["/URI"])))
    places += [(f"metadata {key}", str(value)) for key, value in (reader.metadata or {}).items()]
    if reader.xmp_metadata is not None:
        places.append(("XMP metadata",
                       reader.xmp_metadata.stream.get_data().decode("utf-8", "replace")))
    places += [("named destination", str(name)) for name in reader.named_destinations]
    for name, contents in reader.attachments.items():
        places.append(("attachment name", name))
        places += [(f"attachment {name}", data.decode("utf-8", "replace")) for data in contents]

    def outline(items: Sequence[Any]) -> Iterator[tuple[str, str]]:
        for item in items:
            if isinstance(item, list):
                yield from outline(item)
            else:
                yield "outline", str(item.title)

    places += outline(reader.outline)
    return sorted(places)
