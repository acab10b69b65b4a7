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
