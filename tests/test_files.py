"""Atomic replacement of files: whole or not at all, with the permissions users expect."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen import files
from briefgen.files import write_atomic


@pytest.fixture
def umask_022(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = os.umask(0o022)
    monkeypatch.setattr(files, "_umask", None)  # read the umask set here, not a remembered one
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_permissions_of_any_new_file(tmp_path: Path,
                                                         umask_022: None) -> None:
    target = tmp_path / "deep" / "folder" / "out.pdf"
    write_atomic(target, b"%PDF-1.7")
    assert target.read_bytes() == b"%PDF-1.7"
    # mkstemp alone gives 0o600: a catalog or PDF nobody else on the machine could read.
    assert mode(target) == 0o644


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "ko.po"
    target.write_bytes(b"old")
    target.chmod(0o664)
    write_atomic(target, b"new", durable=False)
    assert target.read_bytes() == b"new"
    assert mode(target) == 0o664


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if failing == "fsync":
        monkeypatch.setattr(os, "fsync", fail)
    else:
        monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]
    assert target.read_bytes() == b"old"


def test_the_temporary_matches_what_the_publisher_cleans_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefgen.publisher import clean_temporaries

    seen: list[str] = []
    real_replace = Path.replace

    def spy(self: Path, target: Path) -> Path:
        seen.append(self.name)
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", spy)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "brief.pdf", b"%PDF")
    monkeypatch.setattr(Path, "replace", real_replace)
    # A killed build (SIGKILL) cannot remove its temporary: put it back as it would be.
    (name,) = seen
    leftover = tmp_path / name
    leftover.write_bytes(b"half")
    assert clean_temporaries(tmp_path) == [leftover]
    assert not leftover.exists()


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.binary(max_size=4096), second=st.binary(max_size=4096))
def test_the_file_holds_exactly_the_last_bytes_written(tmp_path: Path, first: bytes,
                                                       second: bytes) -> None:
    target = tmp_path / "cache.bin"
    write_atomic(target, first, durable=False)
    write_atomic(target, second)
    assert target.read_bytes() == second
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]
