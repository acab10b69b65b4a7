"""Turn finished PDFs into files under the output directory, plus ``manifest.json``.

Every file of a build is first written complete under a temporary name in the same
directory; only then are they renamed into place, the manifest last, with Ctrl-C and
SIGTERM held back until the renames are done. A reader never sees half a PDF, and a
build that fails (a full disk) or is stopped while writing leaves the earlier outputs
and their manifest as they were. One build at a time writes to a directory (a lock on
the directory guards it).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from briefgen.errors import ContentError, OutputError
from briefgen.files import TEMPORARY_PREFIX, TEMPORARY_SUFFIX, signals_held, stage
from briefgen.stamps import OPTION_INPUT, OTHERS_RESTRICTED_INPUT

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
    inputs: dict[str, str] = field(default_factory=dict, compare=False)
    # Pictures of the document written beside it (file name -> sha256), e.g. a handout's
    # PNG for sharing online.
    images: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, tuple[str, ...]]:
        return (self.case, self.document, self.audience, self.locales)


@dataclass(frozen=True)
class ShardRecord:
    """What a shard's manifest says of the build it is part of, for ``manifest merge``
    to tell that its shards are one build's, each there once: which shard it is, and a
    digest of every output of the whole build with its stamp (so a shard built before a
    stylesheet or content change has another)."""

    index: int
    count: int
    outputs: int
    plan: str

    @property
    def name(self) -> str:
        return f"{self.index}/{self.count}"


def plan_digest(stamps: Sequence[tuple[str, str]]) -> str:
    """The digest of a build's (output file name, stamp) pairs, in any order."""
    return sha256("".join(f"{name}\t{stamp}\n" for name, stamp in sorted(stamps)).encode())


@dataclass(frozen=True)
class Publication:
    entry: ManifestEntry
    data: bytes
    images: dict[str, bytes] = field(default_factory=dict)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


def check_out_dir(out_dir: Path, *, writable: bool = True) -> None:
    """Fail before any work is done if ``out_dir`` is not (or cannot become) a directory,
    or, with ``writable``, cannot take our files.

    ``build --check`` asks only the first: it writes nothing, so a read-only checkout of
    committed outputs is fine, but a file where the outputs should be is a mistake.
    """
    probe_dir = out_dir
    while not probe_dir.exists():
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        what = "is a file" if probe_dir == out_dir else f"is below {probe_dir}, a file"
        raise OutputError(f"{what}, not a directory", path=str(out_dir), field="--out",
                          hint="choose a directory for the output")
    if not writable:
        return
    # Permission bits do not tell (root passes them everywhere, yet cannot write to
    # /proc or a read-only mount): only trying does, once, before hours of rendering.
    try:
        Path(tempfile.mkdtemp(dir=probe_dir, prefix=".briefgen-probe-")).rmdir()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"output directory is not writable: creating an entry in "
                          f"{probe_dir} failed ({reason})",
                          path=str(out_dir), field="--out",
                          hint="choose another --out or fix the directory's permissions"
                          ) from None


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the output directory's lock; a second build gets a clear message.

    The lock is taken on the directory itself, so no lock file is left behind.
    """
    fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError("another briefgen build is writing to this directory",
                              path=str(out_dir), field="--out",
                              hint="wait for it to finish, or build into another --out"
                              ) from None
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir``'s lock for a whole build, from reading its manifest to writing
    the new one: a build that read the manifest before another one replaced it would
    write back entries for files that are no longer there.

    A directory that does not exist yet is created to be locked, and removed again if
    the build leaves it empty (a failed first build leaves nothing behind).
    """
    created = not out_dir.exists()
    if created:
        out_dir.mkdir(parents=True)
    try:
        with locked(out_dir):
            yield
    finally:
        if created:
            with contextlib.suppress(OSError):  # not empty: the build wrote its outputs
                out_dir.rmdir()


def clean_temporaries(out_dir: Path) -> list[Path]:
    """Remove half-written files a killed build left behind (never a finished output,
    nor a file of someone else's that happens to end in .tmp)."""
    stale = sorted(p for p in out_dir.glob(f"{TEMPORARY_PREFIX}*{TEMPORARY_SUFFIX}")
                   if _LEFTOVER.match(p.name)) if out_dir.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


# What a build writes: plain file names in the output directory, never a path. A
# manifest naming anything else (edited by hand, or merged from elsewhere) must not make
# a build overwrite or delete a file outside it.
_NAME = r"[A-Za-z0-9][A-Za-z0-9._+-]*"
_FILE_NAME = re.compile(rf"{_NAME}\Z")
# A temporary file of write_atomic for one of the files a build writes: the file's name,
# then the 8 characters tempfile.mkstemp adds.
_LEFTOVER = re.compile(rf"{re.escape(TEMPORARY_PREFIX)}{_NAME}\.(?:pdf|png|json)"
                       rf"\.[a-z0-9_]{{8}}{re.escape(TEMPORARY_SUFFIX)}\Z")
_TEXT_FIELDS = ("case", "document", "audience", "path", "sha256", "paper",
                "classification", "stamp")


def _entry(raw: object) -> ManifestEntry:
    """A manifest entry, checked; ValueError says what is wrong with it."""
    if not isinstance(raw, dict):
        raise ValueError("an output is not an object")
    missing = [name for name in (*_TEXT_FIELDS, "locales", "pages") if name not in raw]
    if missing:
        raise ValueError(f"an output lacks {', '.join(missing)}")
    unknown = sorted(set(raw) - {*_TEXT_FIELDS, "locales", "pages", "inputs", "images"})
    if unknown:
        raise ValueError(f"an output has unknown fields: {', '.join(unknown)}")
    for name in _TEXT_FIELDS:
        if not isinstance(raw[name], str):
            raise ValueError(f"{name} of an output is not text")
    if not isinstance(raw["pages"], int) or isinstance(raw["pages"], bool):
        raise ValueError(f"pages of {raw['path']} is not a whole number")
    images = raw.get("images", {})
    inputs = raw.get("inputs", {})
    if not isinstance(images, dict) or not isinstance(inputs, dict):
        raise ValueError(f"images or inputs of {raw['path']} is not an object")
    for name in (raw["path"], *images):
        if not isinstance(name, str) or not _FILE_NAME.match(name) or name == MANIFEST:
            raise ValueError(f"{name!r} is not the name of a file in the output directory")
    locales = raw["locales"]
    if not isinstance(locales, list) or not all(isinstance(x, str) for x in locales):
        raise ValueError(f"locales of {raw['path']} is not a list of locales")
    return ManifestEntry(**{**raw, "locales": tuple(locales), "inputs": dict(inputs),
                            "images": dict(images)})


def _shard_record(raw: object) -> ShardRecord:
    if not isinstance(raw, dict) or set(raw) != {"index", "count", "outputs", "plan"} \
            or not all(isinstance(raw[name], int) and not isinstance(raw[name], bool)
                       for name in ("index", "count", "outputs")) \
            or not isinstance(raw["plan"], str) or not 1 <= raw["index"] <= raw["count"]:
        raise ValueError("its shard is not an object with index, count, outputs and plan")
    return ShardRecord(**raw)


def read_shard(out_dir: Path) -> ShardRecord | None:
    """The shard record of the output directory's manifest, if it has a readable one."""
    try:
        raw = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return _shard_record(raw["shard"]) if isinstance(raw, dict) and "shard" in raw \
            else None
    except (OSError, ValueError, RecursionError):
        return None


def read_manifest(out_dir: Path, problems: list[str] | None = None) -> list[ManifestEntry]:
    """The entries of the output directory's manifest; none if there is none.

    A manifest that cannot be read is regenerated by the build (the PDFs are the truth);
    what is wrong with it is appended to ``problems``, for the build to word a warning.
    """
    path = out_dir / MANIFEST
    if not path.is_file():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or not isinstance(raw.get("outputs"), list):
            raise ValueError("expected an object with a list of outputs")
        return [_entry(e) for e in raw["outputs"]]
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested absurdly deep
        if problems is not None:
            problems.append(str(exc))
        return []


def manifest_bytes(entries: Sequence[ManifestEntry], generator: str,
                   removed: Sequence[str] = (), shard: ShardRecord | None = None) -> bytes:
    ordered = sorted(entries, key=lambda e: e.path)
    manifest: dict[str, Any] = {"generator": generator}
    if shard is not None:
        manifest["shard"] = asdict(shard)
    manifest["outputs"] = [asdict(e) for e in ordered]
    if removed:
        manifest["removed"] = sorted(removed)
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def publish(
    out_dir: Path,
    publications: Sequence[Publication],
    generator: str,
    *,
    keep: Sequence[ManifestEntry] = (),
    remove: Sequence[ManifestEntry] = (),
    shard: ShardRecord | None = None,
) -> None:
    """Write new files, delete orphans, and record the outcome in the manifest.

    ``keep`` are up-to-date entries carried over from the previous manifest; ``shard``
    is recorded in it when the build is one shard of a larger one.
    """
    # Checked before the first write, so that a name taken by a directory cannot leave
    # the output half replaced.
    for name in (n for pub in publications for n in (pub.entry.path, *pub.images)):
        if (out_dir / name).is_dir():
            raise OutputError("cannot write output: a directory has its name",
                              path=str(out_dir / name), field="--out",
                              hint="move the directory away, then build again")
    entries = {e.path: e for e in keep}
    entries.update({p.entry.path: p.entry for p in publications})
    files = [(out_dir / name, data) for pub in publications
             for name, data in ((pub.entry.path, pub.data), *pub.images.items())]
    files.append((out_dir / MANIFEST, manifest_bytes(
        list(entries.values()), generator, [e.path for e in remove], shard)))
    staged: list[tuple[Path, Path]] = []
    try:
        try:
            for target, data in files:
                staged.append((stage(target, data), target))
            with signals_held():
                # Only links and renames within one directory from here on: nothing left
                # that a full disk can stop half-way. One can still fail (a file made
                # immutable, a share that locks open files): then every file is put
                # back as it was, so the outputs and the manifest still agree.
                *outputs, (manifest, manifest_target) = staged
                doomed = [out_dir / name for entry in remove
                          for name in (entry.path, *entry.images)
                          if _FILE_NAME.match(name)]  # checked when read; never elsewhere
                with _undone_on_failure() as undo:
                    for temporary, target in outputs:
                        undo.replacing(target)
                        temporary.replace(target)
                    for path in doomed:
                        undo.removing(path)
                    undo.replacing(manifest_target)
                    manifest.replace(manifest_target)
        finally:
            for temporary, _target in staged:  # those renamed are gone already
                temporary.unlink(missing_ok=True)
    except OSError as exc:
        # A rename names the temporary file first and the output second: show the output.
        where = exc.filename2 or exc.filename or out_dir
        hint = ("a directory has the output's name: move it away"
                if exc.errno == errno.EISDIR else "check free space and permissions")
        raise OutputError(f"cannot write output: {exc.strerror}", path=str(where),
                          field="--out", hint=hint) from None


class _Undo:
    """What publishing changed so far, to put back: each file replaced or removed is
    first hard-linked to a name a later build's clean-up knows (``.<name>.previous.tmp``),
    which costs no copy."""

    def __init__(self) -> None:
        self.done: list[tuple[Path, Path | None]] = []  # (file, its previous copy or None)

    def _keep(self, path: Path) -> Path | None:
        if not path.is_file():
            return None
        kept = path.with_name(f"{TEMPORARY_PREFIX}{path.name}.previous{TEMPORARY_SUFFIX}")
        kept.unlink(missing_ok=True)
        try:
            os.link(path, kept)
        except OSError as exc:  # an immutable output: named, not its copy's name
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        return kept

    def replacing(self, path: Path) -> None:
        self.done.append((path, self._keep(path)))

    def removing(self, path: Path) -> None:
        kept = self._keep(path)
        if kept is not None:
            self.done.append((path, kept))
            path.unlink()

    def put_back(self) -> None:
        for path, kept in reversed(self.done):
            with contextlib.suppress(OSError):  # best effort: the first error is reported
                if kept is None:
                    path.unlink(missing_ok=True)
                elif path.exists() and path.samefile(kept):
                    kept.unlink()  # the one whose replacing failed: still as it was
                else:
                    kept.replace(path)

    def forget(self) -> None:
        for _path, kept in self.done:
            if kept is not None:
                kept.unlink(missing_ok=True)


@contextlib.contextmanager
def _undone_on_failure() -> Iterator[_Undo]:
    undo = _Undo()
    try:
        yield undo
    except OSError:
        undo.put_back()
        raise
    undo.forget()


def merge_manifests(paths: Sequence[Path]) -> bytes:
    """One manifest from the manifests of every shard of one build.

    Refused: a manifest written without ``--shard``, shards of builds of other inputs
    (one shard built before a change), a shard given twice or left out, and an output
    two shards disagree on. The merged manifest is the one an unsharded build writes.
    """
    generator = ""
    entries: dict[str, ManifestEntry] = {}
    shards: dict[int, tuple[Path, ShardRecord, list[ManifestEntry]]] = {}
    for path in paths:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or not isinstance(raw.get("generator"), str) \
                    or not isinstance(raw.get("outputs"), list):
                raise ValueError("expected an object with generator and outputs")
            shard = [_entry(e) for e in raw["outputs"]]
            record = _shard_record(raw["shard"]) if "shard" in raw else None
        except OSError as exc:
            raise ContentError(f"cannot read manifest: {exc.strerror}", path=str(path)) from None
        except (ValueError, RecursionError) as exc:
            raise ContentError(f"not a briefgen manifest: {exc}", path=str(path),
                               hint="pass the manifest.json files the shards wrote") from None
        if generator and raw["generator"] != generator:
            raise ContentError(
                f"written by {raw['generator']}, the other shards by {generator}",
                path=str(path), hint="merge the manifests of one build only")
        generator = raw["generator"]
        if record is None:
            raise ContentError(
                "not a shard's manifest: written by a build without --shard",
                path=str(path), hint="pass the manifests written by 'briefgen build "
                                     "--shard K/N', one for each K")
        if shards:
            first_path, first, _entries = next(iter(shards.values()))
            if (record.count, record.outputs, record.plan) != (first.count, first.outputs,
                                                               first.plan):
                raise ContentError(
                    f"shard {record.name} is not of the same build as shard {first.name} "
                    f"({first_path}): "
                    + _how_builds_differ(first, [e for _p, _r, es in shards.values()
                                                 for e in es], record, shard),
                    path=str(path), hint="build every shard from the same commit and "
                                         "options, then merge their manifests")
        if record.index in shards:
            raise ContentError(f"shard {record.name} is given twice, also as "
                               f"{shards[record.index][0]}", path=str(path),
                               hint="pass each shard's manifest once")
        shards[record.index] = (path, record, shard)
        for entry in shard:
            other = entries.get(entry.path)
            if other is not None and other.sha256 != entry.sha256:
                raise ContentError(f"{entry.path} differs between shards", path=str(path),
                                   hint="merge manifests of one build only")
            entries[entry.path] = entry
    if shards:
        count = next(iter(shards.values()))[1].count
        missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in shards]
        if missing:
            raise ContentError(
                f"the manifest of shard {', '.join(missing)} is missing: its outputs would "
                "be left out of the merged manifest", path=str(paths[-1]),
                hint=f"pass the manifests of all {count} shards")
    return manifest_bytes(list(entries.values()), generator)


def _how_builds_differ(first: ShardRecord, seen_entries: Sequence[ManifestEntry],
                       other: ShardRecord, other_entries: Sequence[ManifestEntry]) -> str:
    """In words, why shard ``other`` is not of the build of ``first`` (and of the shards
    whose outputs are ``seen_entries``)."""
    if first.count != other.count:
        return f"it splits the build into {other.count} shards, not {first.count}"
    # An input both shards' outputs read (a stylesheet, a law file, a catalog, the
    # fonts) names the change; failing that, the outputs planned do.
    # Build options and other cases' restricted items differ between outputs of one
    # build; every other input is one file or item, the same for every output.
    def shared(name: str) -> bool:
        return not name.startswith(OPTION_INPUT) and name != OTHERS_RESTRICTED_INPUT

    seen: dict[str, str] = {}
    for entry in seen_entries:
        seen.update(entry.inputs)
    changed = sorted(name for entry in other_entries for name, digest in entry.inputs.items()
                     if shared(name) and seen.get(name, digest) != digest)
    if changed:
        return f"it was built from another {changed[0]}"
    if first.outputs != other.outputs:
        return f"its build has {other.outputs} outputs, not {first.outputs}"
    # Such as a file that only other shards' outputs read.
    return "its build had other inputs or options"
