"""briefgen installed from a wheel, as a content repository's CI installs it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.mark.slow
def test_a_wheel_carries_the_templates_and_finds_them(tmp_path: Path) -> None:
    # A content repository without templates/ of its own is built with the bundled
    # ones: an installed briefgen has no checkout around it to find them in.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(tmp_path / "dist"), str(REPO)],
                   check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("briefgen-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    templates = sorted(p.name for p in (REPO / "templates").iterdir() if p.is_file())
    assert templates, "the checkout has templates"
    assert {f"briefgen/templates/{name}" for name in templates} <= names

    found = subprocess.run(
        [sys.executable, "-c", "import briefgen.fontspec as f; print(f.DEFAULT_SPEC)"],
        cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        check=True, capture_output=True, text=True).stdout.strip()
    assert Path(found) == tmp_path / "site" / "briefgen" / "templates" / "fonts.yaml"
