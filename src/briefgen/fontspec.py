"""Read templates/fonts.yaml into face specs: which faces a project's languages are set in,
and the key that says whether a prepared face, or a document set in it, is current.

Kept apart from :mod:`briefgen.fonts`, which prepares the faces with fontTools: a build
with nothing to render needs the key, and importing fontTools costs it a third of a second.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, cast

from briefgen import BUNDLED_TEMPLATES
from briefgen.errors import BriefgenError, FontError, ProblemReport
from briefgen.files import not_a_file, write_atomic
from briefgen.model import match_language
from briefgen.yamlreader import YMap, YNode, YScalar, YSeq, read_yaml

Role = Literal["serif", "sans"]
Style = Literal["normal", "italic"]

ROLES: tuple[Role, ...] = ("serif", "sans")
STYLES: tuple[Style, ...] = ("normal", "italic")
WEIGHTS = (400, 700)

#: The configuration shipped with the project; callers may pass another one.
DEFAULT_SPEC = BUNDLED_TEMPLATES / "fonts.yaml"

# Part of every stamp: bump it whenever a change to briefgen.fonts alters the prepared
# bytes, so that caches made by an older briefgen are rebuilt instead of trusted.
PIPELINE_VERSION = 1

# OpenType features kept in CJK subsets. Shaping happens in Pango on these files, so a
# feature dropped here silently changes the output: keep what CSS can switch on
# (kerning, ligatures, numeric, position, east-asian width variants), what Korean needs
# (jamo composition, locl for KR glyph forms) and mark positioning. Vertical-writing
# features go: briefs are set horizontally only.
LAYOUT_FEATURES = (
    "ccmp", "locl", "liga", "clig", "calt", "rlig", "rvrn", "kern", "mark", "mkmk",
    "ljmo", "vjmo", "tjmo", "palt", "halt", "fwid", "hwid", "pwid",
    "frac", "numr", "dnom", "sups", "subs", "tnum", "pnum", "lnum", "onum",
)  # fmt: skip

# Vertical metrics only matter for vertical writing, which briefs never use.
DROPPED_TABLES = ("vhea", "vmtx", "VORG")

_SAMPLE = 1 << 20  # bytes hashed from each end of a source file
_UNICODE_RANGE = re.compile(r"^U\+([0-9A-Fa-f]{1,6})(?:-([0-9A-Fa-f]{1,6}))?$")


@dataclass(frozen=True)
class FaceSpec:
    """One face as fonts.yaml describes it."""

    family: str
    weight: int
    style: Style
    role: Role
    languages: tuple[str, ...]
    package: str
    source: Path
    collection_face: str | None
    unicodes: tuple[tuple[int, int], ...] | None  # inclusive ranges; None keeps all
    # Where fonts.yaml gives the file: for messages only, not part of the prepared bytes.
    file_line: int | None = field(default=None, compare=False)
    file_field: str = field(default="file", compare=False)

    @property
    def stem(self) -> str:
        """File name, without extension, of the prepared face."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.family.lower()).strip("-")
        return f"{slug}-{self.weight}-{self.style}"

    def digest(self) -> str:
        """Hash of everything that shapes the prepared bytes."""
        # Shallow: asdict would copy every range tuple, 9 ms of a no-op build.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["source"] = str(self.source)
        del data["languages"], data["role"], data["package"]  # do not change the bytes
        del data["file_line"], data["file_field"]
        data["features"] = LAYOUT_FEATURES
        data["dropped"] = DROPPED_TABLES
        blob = json.dumps(data, sort_keys=True, ensure_ascii=True).encode()
        return hashlib.sha256(blob).hexdigest()


def shown(spec_path: Path) -> str:
    """fonts.yaml as messages name it: from the project (``templates/fonts.yaml``)."""
    return f"{spec_path.parent.name}/{spec_path.name}"


def load_spec(spec_path: Path = DEFAULT_SPEC, cache_dir: Path | None = None,
              ) -> list[FaceSpec]:
    """Read fonts.yaml into one FaceSpec per face, refusing anything malformed.

    Every problem in the file is found in one pass: a single one is raised as the
    FontError it is, several as a ProblemReport of them. With ``cache_dir``, the parsed
    file is kept there, as the loader keeps content files: every build reads it.
    """
    root = read_yaml(spec_path, shown(spec_path), cache_dir)
    top = _map(root, "the file", spec_path, required={"ranges", "families"})
    problems: list[BriefgenError] = []
    named_ranges: dict[str, tuple[tuple[int, int], ...]] = {}
    for key, items in _map(top["ranges"], "ranges", spec_path).items():
        ranges = []
        with collected(problems):
            for item in _seq(items, f"ranges.{key}", spec_path):
                with collected(problems):
                    ranges.append(_parse_range(item, f"ranges.{key}"))
        named_ranges[key] = tuple(ranges)
    faces: list[FaceSpec] = []
    seen: set[tuple[str, int, str]] = set()
    # Counted from 1, as in content messages.
    for index, node in enumerate(_seq(top["families"], "families", spec_path), start=1):
        with collected(problems):
            faces.extend(_family_faces(node, f"families[{index}]", spec_path, named_ranges,
                                       seen, problems))
    if problems:
        raise problems[0] if len(problems) == 1 else ProblemReport(problems)
    return faces


@contextmanager
def collected(problems: list[BriefgenError]) -> Iterator[None]:
    """Note a FontError and go on with the next part of the file."""
    try:
        yield
    except FontError as exc:
        problems.append(exc)


def _family_faces(node: YNode, label: str, spec_path: Path,
                  named_ranges: Mapping[str, tuple[tuple[int, int], ...]],
                  seen: set[tuple[str, int, str]],
                  problems: list[BriefgenError]) -> list[FaceSpec]:
    """One ``families:`` entry's faces; a problem of one face is noted, not raised."""
    family = _map(
        node,
        label,
        spec_path,
        required={"family", "role", "languages", "package", "faces"},
        optional={"collection_face", "subset"},
    )
    name = _scalar(family["family"], f"{label}.family", spec_path).text
    role = _choice(family["role"], f"{label}.role", spec_path, ROLES)
    languages = tuple(
        _scalar(item, f"{label}.languages", spec_path).text
        for item in _seq(family["languages"], f"{label}.languages", spec_path)
    )
    package = _scalar(family["package"], f"{label}.package", spec_path).text
    collection_face = None
    if "collection_face" in family:
        collection_face = _scalar(
            family["collection_face"], f"{label}.collection_face", spec_path
        ).text
    unicodes: tuple[tuple[int, int], ...] | None = None
    if "subset" in family:
        merged: list[tuple[int, int]] = []
        for item in _seq(family["subset"], f"{label}.subset", spec_path):
            range_name = _scalar(item, f"{label}.subset", spec_path)
            if range_name.text not in named_ranges:
                problems.append(FontError(
                    f"unknown range {range_name.text!r}",
                    path=range_name.path,
                    line=range_name.line,
                    field=f"{label}.subset",
                    hint=f"known ranges: {', '.join(named_ranges)}",
                ))
                continue
            merged.extend(named_ranges[range_name.text])
        unicodes = _merge_ranges(merged)
    faces = []
    for face_index, face_node in enumerate(_seq(family["faces"], f"{label}.faces", spec_path),
                                           start=1):
        face_label = f"{label}.faces[{face_index}]"
        with collected(problems):
            face = _map(face_node, face_label, spec_path, required={"weight", "style", "file"})
            weight = int(_choice(face["weight"], f"{face_label}.weight", spec_path, WEIGHTS))
            style = _choice(face["style"], f"{face_label}.style", spec_path, STYLES)
            file_node = _scalar(face["file"], f"{face_label}.file", spec_path)
            source = Path(file_node.text)
            if (name, weight, style) in seen:
                raise FontError(
                    f"{name} {weight} {style} is configured twice",
                    path=shown(spec_path),
                    line=_line(face_node),
                    field=face_label,
                )
            seen.add((name, weight, style))
            faces.append(
                FaceSpec(
                    family=name,
                    weight=weight,
                    style=cast(Style, style),
                    role=cast(Role, role),
                    languages=languages,
                    package=package,
                    source=source,
                    collection_face=collection_face,
                    unicodes=unicodes,
                    file_line=_line(file_node),
                    file_field=f"{face_label}.file",
                )
            )
    return faces


def specs_serving(specs: Sequence[FaceSpec], languages: Collection[str]) -> list[FaceSpec]:
    """The faces that serve one of ``languages``, matched as :class:`FontSet` matches them."""
    configured = [lang for spec in specs for lang in spec.languages]
    wanted = {match_language(lang, configured) for lang in languages} - {None}
    return [s for s in specs if wanted.intersection(s.languages)]


def unserved_roles(specs: Sequence[FaceSpec], lang: str) -> tuple[Role, ...]:
    """The roles in which no face of ``specs`` serves ``lang``: documents set every
    language in both, so each one missing is a language briefgen cannot print."""
    serving = specs_serving(specs, [lang])
    return tuple(role for role in ROLES if not any(s.role == role for s in serving))


def face_key(spec: FaceSpec, source_hashes: dict[Path, str] | None = None) -> dict[str, Any]:
    """What a face is prepared from: its fonts.yaml entry, its source file and the
    preparation's version. ``source_hashes`` shares the source digests between faces."""
    hashes = {} if source_hashes is None else source_hashes
    if spec.source not in hashes:
        hashes[spec.source] = source_digest(spec.source)
    return {
        "pipeline": PIPELINE_VERSION,
        "spec": spec.digest(),
        "source": hashes[spec.source],
    }


def missing_font_files(specs: Sequence[FaceSpec], spec_path: Path = DEFAULT_SPEC,
                       ) -> list[BriefgenError]:
    """Each face whose file is not on this machine, at its line in fonts.yaml."""
    return [FontError(f"{spec.source} {not_a_file(spec.source, 'a font file')}",
                      path=shown(spec_path), line=spec.file_line, field=spec.file_field,
                      hint="point file at the font file itself")
            if os.path.lexists(spec.source) else
            FontError(f"font file missing: {spec.source}", path=shown(spec_path),
                      line=spec.file_line, field=spec.file_field,
                      hint=f"install the package that provides it (apt-get install "
                           f"{spec.package}), or correct the path")
            for spec in specs if not spec.source.is_file()]


def source_digest(path: Path) -> str:
    """Hash of a source font cheap enough to run every build: size plus both ends.

    Debian font updates change the tables near both ends (head, name, cmap at the start,
    glyph data at the end); mtimes are not used because copies and reinstalls move them.
    """
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as stream:
        digest.update(stream.read(_SAMPLE))
        if size > _SAMPLE:
            stream.seek(max(_SAMPLE, size - _SAMPLE))
            digest.update(stream.read(_SAMPLE))
    return digest.hexdigest()


def remembered_source_digests(sources: Iterable[Path], memo: Path | None,
                              ) -> dict[Path, str]:
    """Each readable source's digest, taken from ``memo`` while the file's identity, size
    and times are those recorded: hashing both ends of every source font would cost a
    build with nothing to do about 20 ms. Any write to a file changes its ctime."""
    if memo is None:
        return {}
    try:
        recorded = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        recorded = {}
    if not isinstance(recorded, dict):
        recorded = {}
    digests: dict[Path, str] = {}
    current: dict[str, dict[str, Any]] = {}
    for source in sorted(sources):
        try:
            st = source.stat()
            identity = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
            entry = recorded.get(str(source))
            if (isinstance(entry, dict) and entry.get("stat") == identity
                    and isinstance(entry.get("digest"), str)):
                digest = str(entry["digest"])
            else:
                digest = source_digest(source)
        except OSError:
            continue  # absent: the caller decides what that means
        digests[source] = digest
        current[str(source)] = {"stat": identity, "digest": digest}
    if current != recorded:
        with suppress(OSError):  # a memo that cannot be written only costs time
            write_atomic(memo, json.dumps(current, indent=1, sort_keys=True).encode(),
                         durable=False)
    return digests


# --- configuration parsing ---------------------------------------------------------


def _line(node: YNode) -> int:
    return node.line


def _map(
    node: YNode | None,
    label: str,
    spec_path: Path,
    *,
    required: Collection[str] = (),
    optional: Collection[str] = (),
) -> dict[str, YNode]:
    if not isinstance(node, YMap):
        raise FontError(
            f"{label} must be a mapping",
            path=shown(spec_path),
            line=None if node is None else node.line,
            field=label,
        )
    result = {key.text: value for key, value in node.entries}
    if required or optional:
        known = sorted({*required, *optional})
        # Before the missing keys: a misspelt key is why one is missing.
        for key, _value in node.entries:
            if key.text not in known:
                close = difflib.get_close_matches(key.text, known, n=1)
                raise FontError(
                    f"unknown key {key.text!r}"
                    + (f" (did you mean {close[0]!r}?)" if close else ""),
                    path=key.path,
                    line=key.line,
                    field=label,
                    hint=f"known keys: {', '.join(known)}",
                )
        absent = sorted(set(required) - result.keys())
        if absent:
            raise FontError(
                f"missing {', '.join(absent)}", path=node.path, line=node.line, field=label
            )
    return result


def _seq(node: YNode, label: str, spec_path: Path) -> tuple[YNode, ...]:
    if not isinstance(node, YSeq) or not node.items:
        raise FontError(
            f"{label} must be a non-empty list", path=shown(spec_path), line=node.line, field=label
        )
    return node.items


def _scalar(node: YNode, label: str, spec_path: Path) -> YScalar:
    if not isinstance(node, YScalar) or not node.text.strip():
        raise FontError(f"{label} must be text", path=shown(spec_path), line=node.line,
                        field=label)
    return node


def _choice(node: YNode, label: str, spec_path: Path, allowed: Sequence[object]) -> str:
    scalar = _scalar(node, label, spec_path)
    if scalar.text not in [str(choice) for choice in allowed]:
        raise FontError(
            f"{scalar.text!r} is not one of {', '.join(map(str, allowed))}",
            path=scalar.path,
            line=scalar.line,
            field=label,
        )
    return scalar.text


def _parse_range(node: YNode, label: str) -> tuple[int, int]:
    match = _UNICODE_RANGE.match(node.text.strip()) if isinstance(node, YScalar) else None
    if match is not None:
        start = int(match.group(1), 16)
        end = int(match.group(2) or match.group(1), 16)
        if start <= end <= 0x10FFFF:
            return start, end
    raise FontError(
        "not a code point range: write U+XXXX or U+XXXX-YYYY",
        path=node.path,
        line=node.line,
        field=label,
    )


def _merge_ranges(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
