"""Turn finished PDFs into files under the output directory, plus ``manifest.json``.

Each file is written to a temporary name in the same directory and renamed into place,
so a reader never sees half a PDF and a failed build leaves earlier outputs intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from briefgen.errors import OutputError

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ManifestEntry:
    case: str
    document: str
    audience: str
    locales: tuple[str, ...]
    path: str
    sha256: str
    pages: int
    paper: str
    classification: str
    stamp: str


@dataclass(frozen=True)
class Publication:
    entry: ManifestEntry
    data: bytes


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_writable(out_dir: Path) -> None:
    """Fail before any work is done if ``out_dir`` cannot take our files."""
    probe_dir = out_dir
    while not probe_dir.exists():
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        raise OutputError(f"{probe_dir} is not a directory", path=str(out_dir), field="--out",
                          hint="choose a directory for the output")
    if not os.access(probe_dir, os.W_OK | os.X_OK):
        raise OutputError("output directory is not writable", path=str(out_dir), field="--out",
                          hint="choose another --out or fix the directory's permissions")


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(out_dir: Path) -> list[ManifestEntry]:
    path = out_dir / MANIFEST
    if not path.is_file():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [ManifestEntry(**{**e, "locales": tuple(e["locales"])}) for e in raw["outputs"]]
    except (ValueError, KeyError, TypeError):
        # A manifest we cannot read is regenerated from this build; the PDFs are the truth.
        return []


def publish(out_dir: Path, publications: Sequence[Publication], generator: str) -> Path:
    """Write every publication, then the manifest that lists them and earlier outputs."""
    try:
        for pub in publications:
            atomic_write(out_dir / pub.entry.path, pub.data)
        fresh = {p.entry.path: p.entry for p in publications}
        kept = {e.path: e for e in read_manifest(out_dir)
                if e.path not in fresh and (out_dir / e.path).is_file()}
        entries = sorted({**kept, **fresh}.values(), key=lambda e: e.path)
        manifest = {"generator": generator, "outputs": [asdict(e) for e in entries]}
        text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        atomic_write(out_dir / MANIFEST, text.encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot write output: {exc.strerror}", path=str(exc.filename or out_dir),
                          field="--out", hint="check free space and permissions") from None
    return out_dir / MANIFEST
