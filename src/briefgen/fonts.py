"""Turn the faces templates/fonts.yaml names (see briefgen.fontspec) into prepared font files."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from fontTools import subset as ft_subset
from fontTools import version as FONTTOOLS_VERSION
from fontTools.ttLib import TTCollection, TTFont, TTLibError

from briefgen.errors import BriefgenError, FontError, ProblemReport
from briefgen.files import write_atomic
from briefgen.fontspec import (
    DEFAULT_SPEC,
    DROPPED_TABLES,
    LAYOUT_FEATURES,
    ROLES,
    FaceSpec,
    Role,
    Style,
    collected,
    face_key,
    load_spec,
    missing_font_files,
    shown,
    specs_serving,
)
from briefgen.model import match_language

#: Environment variable naming a font cache to reuse (tests, CI); see tests/test_fonts.py.
CACHE_ENV = "BRIEFGEN_FONT_CACHE"

# Characters the layout never draws with a font glyph: controls, format characters
# (soft hyphen, zero-width joiners and spaces, bidi marks), line/paragraph separators,
# variation selectors and the grapheme joiner. Spaces (Zs) are here too: HarfBuzz
# draws a space the font lacks (thin space, narrow no-break space) with the font's
# own U+0020 glyph, so they never produce .notdef.
_UNDRAWN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs"})
_UNDRAWN_EXTRA = frozenset({0x034F, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)})
_SOFT_HYPHEN = "\u00ad"
# WeasyPrint draws this (its default hyphenate-character) where a line breaks at a
# soft hyphen or by hyphenation, so a text that contains U+00AD needs it covered.
_HYPHEN = "\u2010"


@dataclass(frozen=True)
class Face:
    """A prepared face: a file in the cache that @font-face can point at."""

    family: str
    weight: int
    style: Style
    role: Role
    languages: tuple[str, ...]
    path: Path
    postscript_name: str
    source: Path
    package: str

    @property
    def format(self) -> str:
        """The CSS ``format()`` hint for ``src``."""
        return "opentype" if self.path.suffix == ".otf" else "truetype"


@dataclass(frozen=True)
class FaceReport:
    """How one face was obtained during prepare_fonts()."""

    stem: str
    size: int
    seconds: float
    reused: bool


@dataclass(frozen=True)
class PrepareReport:
    """What prepare_fonts() did, for progress output and performance tracking."""

    seconds: float
    faces: tuple[FaceReport, ...]

    @property
    def total_bytes(self) -> int:
        return sum(face.size for face in self.faces)

    @property
    def built(self) -> tuple[FaceReport, ...]:
        return tuple(face for face in self.faces if not face.reused)


class FontSet:
    """The prepared faces, with the CSS and coverage checks built on them."""

    def __init__(self, faces: Sequence[Face], *, cache_dir: Path, report: PrepareReport,
                 declared: Collection[str] = ()) -> None:
        self.faces: tuple[Face, ...] = tuple(faces)
        # Every family fonts.yaml defines, prepared or not (a project without Korean
        # prepares no Korean face, yet its stylesheet may name one for :lang(ko)).
        self.declared_families: frozenset[str] = frozenset(
            declared or (face.family for face in self.faces))
        self.cache_dir = cache_dir
        self.report = report
        self._cmaps: dict[Path, frozenset[int]] = {}
        self._stack_coverage: dict[tuple[str, Role], frozenset[int]] = {}
        self._by_postscript = {face.postscript_name: face for face in self.faces}
        languages: list[str] = []
        for face in self.faces:
            languages.extend(lang for lang in face.languages if lang not in languages)
        self.languages: tuple[str, ...] = tuple(languages)

    @property
    def key(self) -> str:
        """Identity of these exact files, for caches keyed on the font set."""
        parts = [f"{face.path}:{face.path.stat().st_size}" for face in self.faces]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    @property
    def postscript_names(self) -> frozenset[str]:
        return frozenset(self._by_postscript)

    def face_css(
        self, url_for: Callable[[Path], str], *, languages: Iterable[str] | None = None
    ) -> str:
        """Return the @font-face rules for every face (or those serving ``languages``)."""
        wanted = None if languages is None else {self._language(lang) for lang in languages}
        rules = []
        for face in self.faces:
            if wanted is not None and not wanted.intersection(face.languages):
                continue
            rules.append(
                "@font-face {\n"
                f"  font-family: {_css_string(face.family)};\n"
                f"  src: url({_css_string(url_for(face.path))})"
                f" format({_css_string(face.format)});\n"
                f"  font-weight: {face.weight};\n"
                f"  font-style: {face.style};\n"
                "}\n"
            )
        return "".join(rules)

    def family_stack(self, lang: str, role: Role) -> list[str]:
        """Return the CSS families, in order, that set ``lang`` text in ``role``."""
        if role not in ROLES:
            raise FontError(f"unknown font role {role!r}", hint="use 'serif' or 'sans'")
        language = self._language(lang)
        stack: list[str] = []
        for face in self.faces:
            if face.role == role and language in face.languages and face.family not in stack:
                stack.append(face.family)
        if not stack:
            raise FontError(
                f"no {role} family serves language {lang!r}",
                hint="add the language to a family's 'languages' in fonts.yaml",
            )
        return stack

    def missing_chars(self, text: str, lang: str, role: Role) -> list[str]:
        """Return the characters of ``text`` that the ``lang``/``role`` stack cannot draw.

        Each character is reported once, in order of first appearance.
        """
        covered = self._coverage(lang, role)
        if _SOFT_HYPHEN in text and _HYPHEN not in text:
            text += _HYPHEN
        return [
            char
            for char in dict.fromkeys(text)
            if ord(char) not in covered and not _is_undrawn(char)
        ]

    def face_for_font_program(self, data: bytes) -> Face | None:
        """Return the prepared face an embedded font program (e.g. a PDF subset) came from.

        Matches on the PostScript name, which subsetters keep.
        """
        try:
            font = TTFont(io.BytesIO(data), lazy=True)
            name = _postscript_name(font)
        except (TTLibError, KeyError, ValueError, AssertionError, struct.error):
            # Not a font fontTools can read, so certainly not one of ours.
            return None
        return self._by_postscript.get(name) if name else None

    def cmap(self, face: Face) -> frozenset[int]:
        """Return the code points ``face`` has a glyph for."""
        cached = self._cmaps.get(face.path)
        if cached is None:
            font = TTFont(face.path, lazy=True)
            try:
                cached = frozenset(font.getBestCmap() or {})
            finally:
                font.close()
            self._cmaps[face.path] = cached
        return cached

    def _coverage(self, lang: str, role: Role) -> frozenset[int]:
        key = (self._language(lang), role)
        covered = self._stack_coverage.get(key)
        if covered is None:
            union: set[int] = set()
            for family in self.family_stack(lang, role):
                # A character counts as covered only if every face of the family has
                # it: bold or italic text must not fall back where regular would not.
                maps = [self.cmap(face) for face in self.faces if face.family == family]
                union |= frozenset.intersection(*maps)
            covered = self._stack_coverage[key] = frozenset(union)
        return covered

    def _language(self, lang: str) -> str:
        found = match_language(lang, self.languages)
        if found is None:
            raise FontError(
                f"no font is configured for language {lang!r}",
                hint=f"configured languages: {', '.join(self.languages)}",
            )
        return found


def prepare_fonts(
    cache_dir: Path,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    spec_path: Path = DEFAULT_SPEC,
    languages: Collection[str] | None = None,
    before_preparing: Callable[[Sequence[FaceSpec]], None] | None = None,
) -> FontSet:
    """Extract and subset the configured faces into ``cache_dir``; reuse what is current.

    With ``languages``, only the faces serving one of them are prepared: subsetting a CJK
    face costs tens of seconds the first time, and a project without Chinese never needs
    the Chinese faces. ``before_preparing`` is called with the faces to be built, when
    there are any, before the first is: what it raises stops the preparation.
    """
    started = time.perf_counter()
    specs = load_spec(spec_path)
    declared = [spec.family for spec in specs]
    if languages is not None:
        specs = specs_serving(specs, languages)
    missing = missing_font_files(specs, spec_path)
    if missing:
        raise missing[0] if len(missing) == 1 else ProblemReport(missing)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # Most often $BRIEFGEN_FONT_CACHE naming a file, or a folder nobody may write.
        given = f" (${CACHE_ENV})" if os.environ.get(CACHE_ENV) else ""
        reason = ("it is a file, not a directory"
                  if cache_dir.exists() and not cache_dir.is_dir() else exc.strerror)
        raise FontError(f"cannot use the font cache{given}: {reason}",
                        path=str(cache_dir),
                        hint=f"point ${CACHE_ENV} at a directory briefgen may write, or "
                             "unset it to use .cache/fonts in the project") from None
    say = progress or (lambda _message: None)

    faces: dict[str, Face] = {}
    reports: dict[str, FaceReport] = {}
    jobs: list[_Job] = []
    problems: list[BriefgenError] = []
    source_hashes: dict[Path, str] = {}
    for spec in specs:
        stamp_key = _stamp_key(spec, source_hashes)
        current = None if force else _current_stamp(cache_dir, spec, stamp_key)
        if current is not None:
            if current.get("languages") != list(spec.languages):
                # Stamps name the languages a face serves, so a build's record of "the
                # prepared fonts" covers only the faces its locales use (briefgen.stamps).
                current = {**current, "languages": list(spec.languages)}
                write_atomic(_stamp_path(cache_dir, spec),
                             json.dumps(current, indent=2, sort_keys=True).encode(),
                             durable=False)
            path = cache_dir / str(current["file"])
            faces[spec.stem] = _face(spec, path, str(current["postscript_name"]))
            reports[spec.stem] = FaceReport(spec.stem, int(current["size"]), 0.0, reused=True)
            continue
        with collected(problems):
            font_number = _check_source(spec, spec_path)
            jobs.append(
                _Job(spec=spec, font_number=font_number, cache_dir=cache_dir,
                     stamp_key=stamp_key)
            )
    if problems:
        raise problems[0] if len(problems) == 1 else ProblemReport(problems)
    if jobs and before_preparing is not None:
        before_preparing([job.spec for job in jobs])

    for job, outcome in _run_jobs(jobs, say):
        faces[job.spec.stem] = _face(job.spec, outcome.path, outcome.postscript_name)
        reports[job.spec.stem] = FaceReport(
            job.spec.stem, outcome.size, outcome.seconds, reused=False
        )
        stamp = {
            **job.stamp_key,
            "file": outcome.path.name,
            "size": outcome.size,
            "postscript_name": outcome.postscript_name,
            "languages": list(job.spec.languages),
        }
        write_atomic(_stamp_path(cache_dir, job.spec),
                     json.dumps(stamp, indent=2, sort_keys=True).encode(), durable=False)

    report = PrepareReport(
        seconds=time.perf_counter() - started,
        faces=tuple(reports[spec.stem] for spec in specs),
    )
    if jobs:
        say(
            f"prepared {len(jobs)} font face(s) in {report.seconds:.1f} s; "
            f"cache holds {report.total_bytes / 1e6:.1f} MB"
        )
    return FontSet([faces[spec.stem] for spec in specs], cache_dir=cache_dir, report=report,
                   declared=declared)


def _stamp_key(spec: FaceSpec, source_hashes: dict[Path, str]) -> dict[str, Any]:
    """What a prepared face's stamp must record for the face to be reused."""
    return {**face_key(spec, source_hashes), "fonttools": FONTTOOLS_VERSION}


def load_fonts(
    cache_dir: Path,
    *,
    progress: Callable[[str], None] | None = None,
    spec_path: Path = DEFAULT_SPEC,
    languages: Collection[str] | None = None,
    before_preparing: Callable[[Sequence[FaceSpec]], None] | None = None,
) -> FontSet:
    """Return the prepared font set, preparing whatever is missing or stale first."""
    return prepare_fonts(cache_dir, progress=progress, spec_path=spec_path,
                         languages=languages, before_preparing=before_preparing)


def default_cache_dir(project_root: Path) -> Path:
    """Return the cache to use: $BRIEFGEN_FONT_CACHE if set, else <project root>/.cache/fonts."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else project_root / ".cache" / "fonts"


# --- preparation -------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    spec: FaceSpec
    font_number: int | None
    cache_dir: Path
    stamp_key: Mapping[str, Any]

    def payload(self) -> dict[str, Any]:
        """What _build_face needs, as JSON-ready data for a worker process."""
        return {
            "source": str(self.spec.source),
            "font_number": self.font_number,
            "unicodes": None
            if self.spec.unicodes is None
            else [list(r) for r in self.spec.unicodes],
            "cache_dir": str(self.cache_dir),
            "stem": self.spec.stem,
        }


@dataclass(frozen=True)
class _Outcome:
    path: Path
    size: int
    seconds: float
    postscript_name: str


def _run_jobs(jobs: Sequence[_Job], say: Callable[[str], None]) -> Iterator[tuple[_Job, _Outcome]]:
    for job in jobs:
        say(
            f"preparing font {job.spec.family} {job.spec.weight} {job.spec.style}"
            f" from {job.spec.source}"
        )
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        for job in jobs:
            outcome = _build_face(job.payload())
            say(_describe(outcome))
            yield job, outcome
        return
    # Subsetting a CJK face is pure-Python CPU work (10-60 s each), so faces are built
    # in parallel, each by a fresh interpreter. Not multiprocessing: "fork" can deadlock
    # a process that holds threads (a progress display), and "spawn" re-runs the
    # caller's __main__ script in every worker.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_build_in_subprocess, job): job for job in jobs}
        for future in as_completed(futures):
            outcome = future.result()
            say(_describe(outcome))
            yield futures[future], outcome


def _describe(outcome: _Outcome) -> str:
    return f"  {outcome.path.name}: {outcome.size / 1e6:.2f} MB in {outcome.seconds:.1f} s"


def _build_in_subprocess(job: _Job) -> _Outcome:
    # The child must import this very module: hand it our sys.path, which may hold a
    # source tree or test root that its default path would not.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(entry for entry in sys.path if entry)}
    completed = subprocess.run(
        [sys.executable, "-c", f"import {__name__} as fonts; fonts._worker_main()"],
        input=json.dumps(job.payload()),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise FontError(
            f"preparing {job.spec.family} {job.spec.weight} {job.spec.style}"
            f" from {job.spec.source} failed: {detail}",
            hint=f"apt-get install --reinstall {job.spec.package}",
        )
    data = json.loads(completed.stdout)
    return _Outcome(
        path=Path(data["path"]),
        size=int(data["size"]),
        seconds=float(data["seconds"]),
        postscript_name=str(data["postscript_name"]),
    )


def _worker_main() -> None:
    """Entry point of a preparation subprocess: a payload on stdin, an outcome on stdout."""
    outcome = _build_face(json.load(sys.stdin))
    json.dump({**asdict(outcome), "path": str(outcome.path)}, sys.stdout)


def _build_face(payload: Mapping[str, Any]) -> _Outcome:
    """Write one prepared face from a _Job.payload()."""
    started = time.perf_counter()
    source = Path(payload["source"])
    font_number: int | None = payload["font_number"]
    unicodes: list[list[int]] | None = payload["unicodes"]
    whole_file = unicodes is None and font_number is None
    # recalcTimestamp=False: on save fontTools would otherwise set head.modified from
    # the clock. head.created/modified stay the source's, which are fixed values, so
    # the same source gives byte-identical files on every machine and run.
    font = TTFont(
        source,
        fontNumber=-1 if font_number is None else font_number,
        recalcTimestamp=False,
        lazy=whole_file,
    )
    try:
        extension = ".otf" if font.sfntVersion == "OTTO" else ".ttf"
        if whole_file:
            # A single-face file kept whole needs no rewriting: copying keeps it exact.
            data = source.read_bytes()
        else:
            if unicodes is not None:
                subsetter = ft_subset.Subsetter(_subset_options())
                subsetter.populate(
                    unicodes=[cp for start, end in unicodes for cp in range(start, end + 1)]
                )
                subsetter.subset(font)
            buffer = io.BytesIO()
            font.save(buffer)
            data = buffer.getvalue()
        postscript_name = _postscript_name(font)
    finally:
        font.close()
    path = Path(payload["cache_dir"]) / f"{payload['stem']}{extension}"
    write_atomic(path, data, durable=False)
    return _Outcome(
        path=path,
        size=len(data),
        seconds=time.perf_counter() - started,
        postscript_name=postscript_name,
    )


def _subset_options() -> ft_subset.Options:
    options = ft_subset.Options()
    options.layout_features = list(LAYOUT_FEATURES)
    options.drop_tables = [*options.drop_tables, *DROPPED_TABLES]
    # Keep every name record: the PostScript name identifies the face in PDFs, and the
    # licence and copyright records must travel with the font.
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    return options


def _check_source(spec: FaceSpec, spec_path: Path) -> int | None:
    """Find the face in its source file and check it is the weight and style configured.

    Returns the face's index in a collection, None for a single-face file.
    """
    def error(message: str, hint: str) -> FontError:
        return FontError(message, path=shown(spec_path), line=spec.file_line,
                         field=spec.file_field, hint=hint)

    is_collection = spec.source.suffix.lower() in (".ttc", ".otc")
    if is_collection and spec.collection_face is None:
        raise error(
            f"{spec.family}: {spec.source} is a font collection",
            hint="name the face to take from it with collection_face",
        )
    try:
        # Opened here, not by fontTools: it leaves the file open when the header is bad.
        with spec.source.open("rb") as handle:
            font_number, weight, italic = _face_in(spec, handle, is_collection, error)
    except (TTLibError, OSError, KeyError, struct.error) as exc:
        packaged = spec.source.is_relative_to("/usr/share/fonts")
        raise error(
            f"cannot read font {spec.source}: {exc}",
            hint=f"apt-get install --reinstall {spec.package}" if packaged else
                 "point file at a TrueType or OpenType font (.ttf, .otf, .ttc, .otc)",
        ) from exc
    if weight != spec.weight or italic != (spec.style == "italic"):
        actual = f"{weight} {'italic' if italic else 'normal'}"
        raise error(
            f"{spec.family} {spec.weight} {spec.style}: {spec.source} is {actual}",
            hint="point the face at the file of that weight and style",
        )
    return font_number


def _face_in(spec: FaceSpec, handle: BinaryIO, is_collection: bool,
             error: Callable[..., FontError]) -> tuple[int | None, int, bool]:
    """The configured face's index in its collection (None for a single-face file),
    weight and italic flag."""
    if is_collection:
        with TTCollection(handle, lazy=True) as collection:
            names = [_family_name(font) for font in collection.fonts]
            if spec.collection_face not in names:
                raise error(
                    f"{spec.family}: {spec.source} has no face {spec.collection_face!r}",
                    hint=f"faces in it: {', '.join(names)}",
                )
            font_number: int | None = names.index(str(spec.collection_face))
            weight, italic = _weight_and_italic(collection.fonts[font_number or 0])
    else:
        font_number = None
        with TTFont(handle, lazy=True) as font:
            weight, italic = _weight_and_italic(font)
    return font_number, weight, italic


def source_problems(specs: Sequence[FaceSpec], spec_path: Path = DEFAULT_SPEC,
                    ) -> list[BriefgenError]:
    """What preparing ``specs`` would find wrong with their source files (not a font, no
    such face in the collection, another weight), without preparing them."""
    problems: list[BriefgenError] = []
    for spec in specs:
        if spec.source.is_file():
            try:
                _check_source(spec, spec_path)
            except FontError as exc:
                problems.append(exc)
    return problems


def _weight_and_italic(font: TTFont) -> tuple[int, bool]:
    os2 = font["OS/2"]
    return int(os2.usWeightClass), bool(os2.fsSelection & 1)


def _current_stamp(
    cache_dir: Path, spec: FaceSpec, stamp_key: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Return the stamp of an up-to-date prepared face, or None if it must be rebuilt."""
    try:
        stamp = json.loads(_stamp_path(cache_dir, spec).read_text(encoding="utf-8"))
        if any(stamp.get(key) != value for key, value in stamp_key.items()):
            return None
        path = cache_dir / str(stamp["file"])
        if path.stat().st_size != stamp["size"] or not stamp["postscript_name"]:
            return None
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    return cast(dict[str, Any], stamp)


def _stamp_path(cache_dir: Path, spec: FaceSpec) -> Path:
    return cache_dir / f"{spec.stem}.json"


def _face(spec: FaceSpec, path: Path, postscript_name: str) -> Face:
    return Face(
        family=spec.family,
        weight=spec.weight,
        style=spec.style,
        role=spec.role,
        languages=spec.languages,
        path=path,
        postscript_name=postscript_name,
        source=spec.source,
        package=spec.package,
    )


def _family_name(font: TTFont) -> str:
    name = font["name"]
    return str(name.getDebugName(16) or name.getDebugName(1) or "")


def _postscript_name(font: TTFont) -> str:
    return str(font["name"].getDebugName(6) or "")


def _css_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def _is_undrawn(char: str) -> bool:
    return unicodedata.category(char) in _UNDRAWN_CATEGORIES or ord(char) in _UNDRAWN_EXTRA
