"""Turn a content directory into written documents: the one entry point of every build.

Phases, each finished for every document before the next starts, so a problem anywhere
stops the build before anything is written:

1. load and validate all content (``loader``);
2. plan the documents the options ask for, and compare each one's inputs with the
   manifest: only outputs whose inputs changed are rebuilt, each with its reasons;
3. localize each into a view and render its HTML, checking every character against the
   configured fonts (when fonts must be prepared first, which takes minutes, every
   document's HTML is rendered before that wait, so that its mistakes come at once);
4. typeset every PDF in memory (in worker processes with ``jobs > 1``) and read each
   public one back to check that no restricted text reached it;
5. publish: write the files atomically, remove orphans, update the manifest.

Nothing here imports WeasyPrint or Jinja2 until phase 3 has work, so a build where
nothing changed stays fast.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import itertools
import math
import os
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from briefgen import BUNDLED_TEMPLATES, __version__
from briefgen.errors import (
    BriefgenError,
    ContentError,
    FontError,
    LeakError,
    ProblemReport,
    TypesetError,
    UsageError,
    merged,
    shown_path,
    together,
)
from briefgen.fontspec import (
    FaceSpec,
    load_spec,
    missing_font_files,
    specs_serving,
    unserved_roles,
)
from briefgen.fontspec import shown as spec_shown
from briefgen.loader import load_content
from briefgen.model import Case, Content, RestrictedText, match_language
from briefgen.publisher import (
    MANIFEST,
    ManifestEntry,
    Publication,
    ShardRecord,
    check_out_dir,
    clean_temporaries,
    file_sha256,
    output_lock,
    plan_digest,
    publish,
    read_manifest,
    read_shard,
    sha256,
)
from briefgen.stamps import (
    FileDigests,
    build_options,
    case_inputs,
    font_digest,
    reasons,
    stamp_of,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

    from briefgen.catalogs import Translator
    from briefgen.fonts import FontSet

PAPERS = ("a4", "letter")
GENERATOR = f"briefgen {__version__}"


class Reporter(Protocol):
    """What a build tells its user; the CLI supplies one that prints."""

    def step(self, message: str) -> None:
        """A phase starts (loading, preparing fonts...)."""

    def start(self, total: int) -> None:
        """``total`` documents are about to be rendered."""

    def document(self, done: int, total: int, name: str, why: str) -> None:
        """One document is finished."""


class _Silent:
    def step(self, message: str) -> None:
        pass

    def start(self, total: int) -> None:
        pass

    def document(self, done: int, total: int, name: str, why: str) -> None:
        pass


@dataclass(frozen=True)
class Paths:
    content: Path
    out: Path
    templates: Path
    locales: Path
    font_cache: Path

    @classmethod
    def for_content(cls, content: Path, out: Path | None = None,
                    templates: Path | None = None) -> Paths:
        content = content.resolve()
        root = content.parent
        if templates is None:
            templates = root / "templates"
            if not templates.is_dir():
                templates = BUNDLED_TEMPLATES
        cache = os.environ.get("BRIEFGEN_FONT_CACHE")
        return cls(
            content=content,
            out=(out or root / "output").resolve(),
            templates=templates.resolve(),
            locales=root / "locales",
            font_cache=Path(cache).resolve() if cache else root / ".cache" / "fonts",
        )

    @property
    def cache(self) -> Path:
        """What builds keep to go faster (parsed YAML, font digests): never an input."""
        return self.content.parent / ".cache"


@dataclass(frozen=True)
class Target:
    """One document to produce."""

    case: str
    document: str
    audience: str  # the actor a brief is for; the event a handout announces
    locale: str
    restricted: bool = False
    second_locale: str | None = None  # a handout's second language
    archive: bool = False  # PDF/A-3b with the public content attached as JSON

    @property
    def locales(self) -> tuple[str, ...]:
        return (self.locale, self.second_locale) if self.second_locale else (self.locale,)

    @property
    def stem(self) -> str:
        # Names stand alone when a PDF is emailed: case, kind, audience, locale(s).
        suffix = "_restricted" if self.restricted else "_archive" if self.archive else ""
        return f"{self.case}_{self.document}_{self.audience}_{'+'.join(self.locales)}{suffix}"

    @property
    def filename(self) -> str:
        return f"{self.stem}.pdf"


@dataclass(frozen=True)
class Selection:
    cases: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    include_restricted: bool = False
    shard: tuple[int, int] | None = None  # (k, n): the k-th of n shards, 1-based
    pairs: tuple[tuple[str, str], ...] = ()  # handout language pairs; default: project's
    archive: bool = False  # briefs as PDF/A-3b archive copies instead of PDF/UA-1

    @property
    def narrowed(self) -> bool:
        return bool(self.cases or self.documents or self.audiences or self.locales
                    or self.shard)


# Below this a render worker fails before its first document, with messages that do not
# say why (measured with the example's Korean brief: at 64 MB the libraries do not load,
# at 128 MB GLib cannot start a thread; 192 MB renders it).
MIN_RENDER_MEMORY_MB = 256
# Above these the limits cannot be set: a wait longer than threading.TIMEOUT_MAX
# overflows, and RLIMIT_AS takes a C long of bytes. No document needs near either.
MAX_RENDER_TIMEOUT = 86_400
MAX_RENDER_MEMORY_MB = 16 * 1024 * 1024


@dataclass(frozen=True)
class Options:
    paper: str = "a4"
    force: bool = False
    check: bool = False
    strict: bool = False
    jobs: int = 1
    # Every document is typeset in a worker process with these limits, so a
    # pathological document fails cleanly instead of hanging or exhausting CI.
    render_timeout: float = 120.0
    render_memory_mb: int = 4096


@dataclass
class Job:
    target: Target
    inputs: dict[str, str]
    why: list[str]
    # For an output an earlier build made with options this one was not given (a
    # restricted brief, an archive copy, a handout in another pair): those options.
    made_with: str = ""
    paper: str = "a4"  # the paper its stamp was computed for (a kept output keeps its own)

    @property
    def stamp(self) -> str:
        return stamp_of(self.inputs)


@dataclass
class BuildReport:
    targets: list[Target]
    rebuilt: list[Job] = field(default_factory=list)
    written: list[ManifestEntry] = field(default_factory=list)
    current: list[Target] = field(default_factory=list)
    # Outputs the manifest lists that the build removes (--check: would remove), each
    # with why: ORPHANED or DELETED_RESTRICTED
    removed: dict[str, str] = field(default_factory=dict)
    warnings: list[Any] = field(default_factory=list)
    seconds: float = 0.0
    # locale: (translated, all messages, whether its policy prints untranslated text
    # marked), for locales below 100 %, when anything was rendered
    incomplete: dict[str, tuple[int, int, bool]] = field(default_factory=dict)
    # Restricted briefs an earlier build made that are out of date and that this build
    # keeps as they are (it makes a restricted brief only when asked to)
    kept_stale: list[Job] = field(default_factory=list)
    # A shard's manifest records the build it is part of; why the manifest's record is
    # not this build's, if it is not (every output may be current all the same)
    manifest_stale: str = ""
    # When none of this build's own outputs is in the output directory but outputs of
    # builds with other options are (a folder of restricted briefs checked without
    # --include-restricted): those options, for --check to suggest.
    only_other_builds: list[str] = field(default_factory=list)

    @property
    def out_of_date(self) -> bool:
        return bool(self.rebuilt or self.removed or self.manifest_stale)

    def kept_stale_warnings(self, where: str = "") -> list[str]:
        """A warning for each of ``kept_stale``, naming the command that makes it;
        ``where`` is the ``--content``/``--out`` the command must carry."""
        return [f"{job.target.filename} is out of date ({'; '.join(job.why)}) and is kept "
                f"as it is: this build does not make it; 'briefgen build "
                f"{job.made_with}{where}' does" for job in self.kept_stale]


# -- planning ---------------------------------------------------------------------------


def plan(content: Content, selection: Selection) -> list[Target]:
    """The documents a build with ``selection`` produces; unknown names are usage errors."""
    project = content.project
    if selection.archive and selection.include_restricted:
        raise UsageError("an archive copy holds public material only", field="--archive",
                         hint="leave out --include-restricted")
    _check_choice("--case", selection.cases, sorted(content.cases))
    _check_choice("--doc", selection.documents, list(project.documents))
    all_audiences = sorted({a for c in content.cases.values() for a in c.audiences}
                           | {e.id for c in content.cases.values() for e in c.events})
    _check_choice("--audience", selection.audiences, all_audiences)
    from briefgen.catalogs import parse_locale

    for tag in selection.locales:
        parse_locale(tag)
    _check_choice("--locale", selection.locales, list(project.locales))

    pairs = selection.pairs or project.handout_pairs
    for pair in selection.pairs:
        for tag in pair:
            parse_locale(tag, option="--pair")
        _check_choice("--pair", pair, list(project.locales))

    targets = []
    for case_id in sorted(content.cases):
        if selection.cases and case_id not in selection.cases:
            continue
        case = content.cases[case_id]
        for document in project.documents:
            if selection.documents and document not in selection.documents:
                continue
            if document == "handout":
                # Public material only: there is no restricted handout.
                if case.handout is None or selection.include_restricted:
                    continue
                for event in case.events:
                    if selection.audiences and event.id not in selection.audiences:
                        continue
                    for first, second in pairs:
                        if selection.locales and not {first, second} & set(selection.locales):
                            continue
                        targets.append(Target(case_id, document, event.id, first,
                                              second_locale=second))
                continue
            for audience in case.audiences:
                if selection.audiences and audience not in selection.audiences:
                    continue
                for locale in project.locales:
                    if selection.locales and locale not in selection.locales:
                        continue
                    targets.append(Target(case_id, document, audience, locale,
                                          selection.include_restricted,
                                          archive=selection.archive))
    if selection.shard:
        k, n = selection.shard
        # By a hash of the name, not by position, so adding one case does not move
        # every other output to another shard.
        targets = [t for t in targets if zlib.crc32(t.filename.encode()) % n == k - 1]
    return targets


def select(content: Content, selection: Selection) -> list[Target]:
    """The outputs ``selection`` chooses, as :func:`plan`; options that together choose
    none are a usage error, except a shard that happens to get no output."""
    check_selection(selection)
    targets = plan(content, selection)
    if not targets and content.cases and not plan(content, replace(selection, shard=None)):
        _nothing_matches(selection)
    return targets


def _nothing_matches(selection: Selection) -> None:
    """Refuse options that each name something real but together select no output: a
    build that makes nothing and says "built 0" looks like success."""
    given = [*(f"--case {x}" for x in selection.cases),
             *(f"--doc {x}" for x in selection.documents),
             *(f"--audience {x}" for x in selection.audiences),
             *(f"--locale {x}" for x in selection.locales),
             *(f"--pair {a}+{b}" for a, b in selection.pairs)]
    if selection.include_restricted:
        given.append("--include-restricted")
    if not given:
        return
    if selection.include_restricted and set(selection.documents) == {"handout"}:
        hint = "handouts are public material only: there is no restricted handout"
    else:
        hint = ("briefs are made for a case's audiences and handouts for its events, in "
                "its language pairs; 'briefgen list' shows them")
    raise UsageError("no output matches these options together", field=" ".join(given),
                     hint=hint)


def _check_out_is_apart(paths: Paths) -> None:
    """Outputs written among the inputs would be read back as inputs (and, watched,
    rebuild themselves without end)."""
    out = paths.out.resolve()
    for name, folder in (("content", paths.content), ("templates", paths.templates),
                         ("locales", paths.locales)):
        folder = folder.resolve()
        if out == folder or folder in out.parents:
            raise UsageError(f"{paths.out} is inside the {name} directory {folder}",
                             field="--out",
                             hint="build into a directory of its own, such as output/")
    for folder in (paths.cache, paths.font_cache):
        folder = folder.resolve()
        if out == folder or folder in out.parents:
            where = "is" if out == folder else "is inside"
            raise UsageError(f"{paths.out} {where} the cache folder {folder}", field="--out",
                             hint="the cache may be deleted at any time; build into a "
                                  "directory of its own, such as output/")
    if out == paths.content.parent.resolve():
        # The manifest and dozens of PDFs would sit among project.yaml's neighbours,
        # and a later build's removals would act there.
        raise UsageError(f"{paths.out} is the project directory itself", field="--out",
                         hint="build into a directory of its own, such as output/")


def check_selection(selection: Selection) -> None:
    """Refuse an option that the document kinds chosen make meaningless: quietly ignored,
    it would look as if it had been applied."""
    if not selection.documents:
        return
    if selection.pairs and "handout" not in selection.documents:
        raise UsageError("--pair chooses the languages of handouts, and no handout is built",
                         field="--pair", hint="drop --pair, or add --doc handout")
    if selection.archive and "brief" not in selection.documents:
        raise UsageError("archive copies are made of briefs, and no brief is built",
                         field="--archive", hint="drop --archive, or add --doc brief")


def parse_pair(text: str) -> tuple[str, str]:
    parts = [p.strip() for p in text.split("+")]
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"{text!r} is not a pair of locales", field="--pair",
                         hint="expected two locales joined by +, such as ko+en or zh-Hans+en")
    if parts[0] == parts[1]:
        raise UsageError(f"{text!r} pairs {parts[0]} with itself", field="--pair",
                         hint="a handout sets two different languages side by side, such as "
                              "ko+en")
    return parts[0], parts[1]


def parse_shard(text: str) -> tuple[int, int]:
    try:
        k_text, n_text = text.split("/")
        # ASCII digits only: int() also reads "٢" and " 2 ", which no CI matrix writes.
        if not (k_text.isascii() and k_text.isdigit() and n_text.isascii()
                and n_text.isdigit()):
            raise ValueError(text)
        k, n = int(k_text), int(n_text)
    except ValueError:
        raise UsageError(f"{text!r} is not a shard", field="--shard",
                         hint="expected K/N such as 1/4") from None
    if n < 1:
        raise UsageError(f"{text!r} splits the build into no shards", field="--shard",
                         hint="N must be 1 or more, as in 1/4")
    if not 1 <= k <= n:
        raise UsageError(f"shard {k} of {n} does not exist", field="--shard",
                         hint=f"K must be between 1 and {n}")
    return k, n


def _check_choice(option: str, given: Iterable[str], known: Sequence[str]) -> None:
    for value in given:
        if value not in known:
            close = difflib.get_close_matches(value, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else (
                "expected one of: " + ", ".join(known) if known else "nothing is configured")
            raise UsageError(f"unknown value {value!r}", field=option, hint=hint)


def _jobs(content: Content, paths: Paths, targets: Sequence[Target], options: Options,
          fonts: str) -> list[Job]:
    files = FileDigests(paths.content.parent)
    jobs = []
    for target in targets:
        inputs = case_inputs(
            content, content.cases[target.case], document=target.document,
            locales=target.locales, files=files, templates=paths.templates,
            catalogs=paths.locales, fonts=fonts,
            options={"paper": options.paper, "restricted": target.restricted,
                     "archive": target.archive},
            restricted=target.restricted)
        jobs.append(Job(target, inputs, [], paper=options.paper))
    return jobs


def _manifest_stale(out: Path, shard: ShardRecord | None) -> str:
    """Why the shard record of ``out``'s manifest is not ``shard`` (this build's), or ""."""
    recorded = read_shard(out)
    if recorded == shard:
        return ""
    if shard is None:
        return f"it records shard {recorded.name if recorded else '?'} of a sharded build"
    if recorded is None:
        return f"it was written by a build without --shard, not as shard {shard.name}"
    if recorded.name != shard.name:
        return f"it records shard {recorded.name}, not {shard.name}"
    return (f"it records shard {shard.name} of another build: the outputs of the whole "
            "build changed, if not this shard's")


def _jobs_and_shard(content: Content, paths: Paths, selection: Selection,
                    targets: Sequence[Target], options: Options, fonts: str,
                    ) -> tuple[list[Job], ShardRecord | None]:
    """The jobs of ``targets``; for a shard, also the record of the whole build it is a
    part of, which takes the stamps of every output of that build."""
    if not selection.shard:
        return _jobs(content, paths, targets, options, fonts), None
    everything = _jobs(content, paths, plan(content, replace(selection, shard=None)),
                       options, fonts)
    k, n = selection.shard
    record = ShardRecord(k, n, len(everything),
                         plan_digest([(job.target.filename, job.stamp) for job in everything]))
    mine = set(targets)
    return [job for job in everything if job.target in mine], record


def _kept_jobs(content: Content, paths: Paths, kept: Sequence[tuple[Target, str]],
               previous: dict[str, ManifestEntry], options: Options, fonts: str,
               ) -> list[Job]:
    """The jobs of outputs kept from builds with other options, each on the paper it
    was built on: stamps record the options only as a digest, so each paper is tried,
    this build's first."""
    targets = [target for target, _ in kept]
    by_paper = [_jobs(content, paths, targets, replace(options, paper=paper), fonts)
                for paper in sorted(PAPERS, key=lambda paper: paper != options.paper)]
    chosen = []
    for index, (target, made_with) in enumerate(kept):
        old = previous[target.filename].inputs
        candidates = [jobs[index] for jobs in by_paper]
        job = next((j for j in candidates if build_options(j.inputs) == build_options(old)),
                   candidates[0])
        job.made_with = _narrowed(made_with, target, job.paper)
        chosen.append(job)
    return chosen


def _narrowed(made_with: str, target: Target, paper: str) -> str:
    """The options that make ``target`` alone, on its paper: following the advice to
    rebuild one restricted brief must not make every restricted brief there is, or an
    A4 copy of a letter one."""
    if target.document == "handout":
        flags = [f"--case {target.case}", made_with]
    else:
        flags = [made_with, f"--case {target.case}", "--doc brief",
                 f"--audience {target.audience}", f"--locale {target.locale}"]
    if paper != "a4":
        flags.append(f"--paper {paper}")
    return " ".join(flags)


def _decide(jobs: Sequence[Job], previous: dict[str, ManifestEntry], out: Path,
            force: bool) -> tuple[list[Job], list[Job]]:
    """Split ``jobs`` into (to rebuild, with reasons; current)."""
    rebuild: list[Job] = []
    current: list[Job] = []
    for job in jobs:
        old = previous.get(job.target.filename)
        if force:
            job.why = ["--force"]
        elif old is None:
            job.why = ["new output"]
        elif file_sha256(out / old.path) != old.sha256 or any(
                file_sha256(out / name) != digest for name, digest in old.images.items()):
            job.why = ["output file is missing or was changed"]
        else:
            job.why = reasons(old.inputs, job.inputs)
        (rebuild if job.why else current).append(job)
    return rebuild, current


def _variants(content: Content) -> dict[str, tuple[Target, str]]:
    """Every output some build of the whole content can make, by file name, with the
    options that make it ("" for a plain ``briefgen build``)."""
    project = content.project
    every_pair = tuple((a, b) for a in project.locales for b in project.locales if a != b)
    found: dict[str, tuple[Target, str]] = {}
    for selection, made_with in ((Selection(), ""),
                                 (Selection(include_restricted=True), "--include-restricted"),
                                 (Selection(archive=True), "--archive"),
                                 (Selection(documents=("handout",), pairs=every_pair), None)):
        if made_with is None and "handout" not in project.documents:
            continue
        for target in plan(content, selection):
            found.setdefault(target.filename, (target, made_with if made_with is not None
                                               else f"--doc handout --pair "
                                                    f"{'+'.join(target.locales)}"))
    return found


def _orphans(content: Content, previous: dict[str, ManifestEntry],
             selection: Selection) -> list[ManifestEntry]:
    """Outputs in the manifest whose case, audience, event, locale or kind is gone.

    A handout in any two of the project's locales is not an orphan: ``--pair`` builds
    handouts beyond handout_pairs, and the next build must not delete them.
    """
    if selection.narrowed:
        return []  # a partial build cannot tell what the full one would make
    names = _variants(content)
    return [e for name, e in sorted(previous.items()) if name not in names]


ORPHANED = "its case, audience or locale is gone"
DELETED_RESTRICTED = ("a restricted brief deleted from the folder: a build without "
                      "--include-restricted drops it from the manifest")


def _deleted_restricted(out: Path, previous: dict[str, ManifestEntry],
                        selection: Selection, targets: Sequence[Target],
                        ) -> list[ManifestEntry]:
    """Restricted briefs in the manifest whose file is gone from the output directory,
    deleted as the warning about restricted briefs beside public documents advises. A
    build that does not make them drops them from the manifest; kept there, every
    build would warn of them and --check ask for them to be made there again."""
    if selection.narrowed:
        return []  # a partial build keeps what it does not make, as it finds it
    made = {t.filename for t in targets}
    return [entry for name, entry in sorted(previous.items())
            if entry.classification == "restricted" and name not in made
            and not (out / name).is_file()]


def _restricted_beside_public(out: Path, previous: dict[str, ManifestEntry],
                              orphans: Sequence[ManifestEntry],
                              targets: Sequence[Target]) -> list[str]:
    """A warning when the output directory holds, or is about to hold, restricted briefs
    beside public documents: whatever uploads or publishes the folder (a CI job, a
    shared drive) takes them too. Repeated by every build and check of the folder
    until they are apart."""
    kept = [entry for entry in previous.values() if entry not in orphans]
    restricted = sorted({*(e.path for e in kept if e.classification == "restricted"),
                         *(t.filename for t in targets if t.restricted)})
    public = {*(e.path for e in kept if e.classification != "restricted"),
              *(t.filename for t in targets if not t.restricted)}
    if not restricted or not public:
        return []
    names = _first_few(restricted, 3)
    return [f"{shown_path(out, Path.cwd())} holds {len(restricted)} restricted brief(s) "
            f"beside {len(public)} public document(s) ({names}): whatever uploads or "
            "shares the folder takes them too; build restricted briefs into a folder of "
            "their own (--out restricted) and delete them here (the next build drops "
            "them from the manifest)"]


def _unlisted_files(out: Path, previous: dict[str, ManifestEntry],
                    targets: Sequence[Target], unreadable: bool) -> list[str]:
    """A warning naming the files in the output directory that its manifest does not list
    (a PDF copied in by hand, or left by a build whose manifest was replaced): nothing
    tells them from current documents, and CI would upload them with the rest."""
    if unreadable or not out.is_dir():
        return []  # an unreadable manifest lists nothing: that is warned about already
    listed = {MANIFEST, *(t.filename for t in targets),
              *(name for entry in previous.values() for name in (entry.path, *entry.images))}
    # Hidden names are a build's temporary files (removed by the next one) or not ours.
    unlisted = sorted(path.name for path in out.iterdir()
                      if not path.name.startswith(".") and path.name not in listed
                      and path.is_file())
    if not unlisted:
        return []
    shown = shown_path(out, Path.cwd())
    names = _first_few(unlisted, 5)
    return [f"{shown} holds {len(unlisted)} file(s) its manifest does not list: {names}; "
            "nothing tells them from current documents, so move them out or delete them"]


def _kept(content: Content, previous: dict[str, ManifestEntry], selection: Selection,
          targets: Sequence[Target]) -> list[tuple[Target, str]]:
    """Outputs an earlier build made with other options (``--include-restricted``,
    ``--archive``, ``--pair``) that this build keeps without making: each with those
    options. ``--check`` must see them, or a committed restricted brief could go stale
    behind a green check."""
    if selection.narrowed:
        return []
    made = {t.filename for t in targets}
    return [(target, made_with) for name, (target, made_with) in _variants(content).items()
            if name in previous and name not in made]


# -- the build ----------------------------------------------------------------------------


def validate(paths: Paths, *, strict: bool = False) -> Content:
    """Load and check all content, every locale's catalogs, the templates and
    templates/fonts.yaml; write nothing. Every problem found is reported in one run."""
    from briefgen.fonts import source_problems
    from briefgen.i18n import (
        catalog_problems_without_content,
        load_glossary,
        restricted_in_public_catalogs,
        unused_catalogs,
    )
    from briefgen.renderer import template_syntax_errors

    # The templates and fonts.yaml do not depend on the content: they are checked even
    # when the content fails, so one run lists everything there is to fix.
    problems: list[BriefgenError] = list(template_syntax_errors(paths.templates))
    spec_path = paths.templates / "fonts.yaml"
    specs = []
    try:
        specs = load_spec(spec_path)
    except BriefgenError as exc:
        problems.extend(exc.each())
    try:
        content = load_content(paths.content)
        content = replace(
            content, warnings=(*content.warnings, *unused_catalogs(paths, content)))
        _fail_on_warnings(content, strict)
    except BriefgenError as exc:
        raise ProblemReport([*exc.each(), *problems,
                             *catalog_problems_without_content(paths)]) from None
    serving = specs_serving(specs, content.project.locales)
    problems.extend(missing_font_files(serving, spec_path))
    problems.extend(source_problems(serving, spec_path))
    if specs:
        problems.extend(_font_language_problems(content, specs, spec_path,
                                                content.project.locales))
    try:
        _check_views_and_html(content, paths, plan(content, Selection()))
    except BriefgenError as exc:
        problems.extend(exc.each())
    translators = _translators(content, paths)
    for locale in content.project.locales:
        try:
            problems.extend(_label_problems(content, paths, translators, [locale]))
        except BriefgenError as exc:  # a catalog that cannot be read
            problems.extend(exc.each())
    problems.extend(restricted_in_public_catalogs(paths, content))
    problems.extend(catalog_problems_without_content(paths, content.project.locales))
    try:
        # Read by 'i18n status' only, but a translator's CI should hear of it here.
        load_glossary(paths, content)
    except BriefgenError as exc:
        problems.extend(exc.each())
    if problems:
        raise ProblemReport(merged(problems), content.warnings)
    return content


def _fail_on_warnings(content: Content, strict: bool) -> None:
    if strict and content.warnings:
        raise ProblemReport([
            ContentError(f"{w.message} (an error because of --strict)", path=w.path,
                         line=w.line, field=w.field)
            for w in content.warnings])


def _check_views_and_html(content: Content, paths: Paths, targets: Sequence[Target]) -> None:
    """Build the view of every target and render its HTML, as a build would: each
    audience's brief prints text of its own (its national law, its asks) and a handout
    its event's, and a template fails on the view it is given (an undefined variable,
    an expression that raises) only when it is rendered."""
    from briefgen.renderer import Renderer
    from briefgen.typesetter import unbalanced, unknown_families
    from briefgen.view import build_brief_view, build_handout_view

    errors: list[BriefgenError] = []
    try:
        declared: frozenset[str] | None = frozenset(
            spec.family for spec in load_spec(paths.templates / "fonts.yaml",
                                              paths.cache / "yaml"))
    except BriefgenError:
        declared = None  # fonts.yaml's own problems are reported by its check
    translators = _translators(content, paths)
    renderer = Renderer(paths.templates)
    for target in targets:
        case = content.cases[target.case]
        translator = translators[target.locale]
        try:
            if target.document == "brief":
                view = build_brief_view(content, case, target.audience, target.locale,
                                        translator, include_restricted=True)
                rendered = renderer.render("brief", view, translator, paper="a4",
                                           build_stamp="0")
                if not target.restricted:
                    public = build_brief_view(content, case, target.audience, target.locale,
                                              translator)
                    _check_no_restricted(
                        None, renderer.render("brief", public, translator, paper="a4",
                                              build_stamp="0").html,
                        public.restricted_texts, target.filename, public.texts)
            else:
                handout = build_handout_view(content, case, target.audience, target.locales,
                                             translators)
                rendered = renderer.render(
                    "handout", handout, translator, paper="a4", build_stamp="0",
                    scale=HANDOUT_SCALES[0],
                    others=[translators[x] for x in target.locales[1:]])
                _check_no_restricted(None, rendered.html, handout.restricted_texts,
                                     target.filename, _all_texts(handout.texts))
            # Found without typesetting, so validate reports it as a build would.
            errors.extend(unbalanced(rendered.css, rendered.css_origin,
                                     keeps_lines=rendered.css_keeps_lines))
            if declared is not None:
                errors.extend(unknown_families(rendered.css, declared, rendered.css_origin,
                                               keeps_lines=rendered.css_keeps_lines))
        except BriefgenError as exc:
            errors.extend(exc.each())
    if errors:
        raise ProblemReport(merged(errors))


def _all_texts(by_locale: dict[str, tuple[tuple[str, str], ...]]
               ) -> tuple[tuple[str, str], ...]:
    """A handout's shown texts, in all its languages."""
    return tuple(itertools.chain.from_iterable(by_locale.values()))


def _translators(content: Content, paths: Paths) -> dict[str, Translator]:
    from briefgen.catalogs import Translator

    return {
        locale: Translator(locale, content.project.source_locale, paths.locales,
                           paths.content.parent)
        for locale in content.project.locales
    }


def cores() -> int:
    """The CPU cores this process may run on (a container or ``taskset`` may allow fewer
    than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _too_many_jobs(jobs: int) -> str | None:
    available = cores()
    if jobs <= available:
        return None
    return (f"--jobs {jobs} is more than the {available} CPU core(s) this build may use; "
            f"rendering in {available} worker process(es): more would only take turns on "
            "the same cores, each holding its own fonts and layout in memory")


def check_options(options: Options) -> None:
    """Raise ``UsageError`` for an option no content could make right (``watch`` checks
    them once, before it waits for changes)."""
    if options.paper not in PAPERS:
        raise UsageError(f"unknown paper size {options.paper!r}", field="--paper",
                         hint="expected a4 or letter")
    if options.jobs < 1:
        raise UsageError(f"{options.jobs} is not a number of jobs", field="--jobs",
                         hint="expected 1 or more")
    if not (math.isfinite(options.render_timeout) and options.render_timeout > 0):
        raise UsageError(f"{options.render_timeout:g} is not a time limit",
                         field="--render-timeout",
                         hint="expected a number of seconds above 0, such as 120")
    if options.check and options.force:
        raise UsageError("--check asks whether a build would change anything, and --force "
                         "makes it rebuild everything", field="--force",
                         hint="leave out --force: --check compares each output's inputs "
                              "with those it was built from")
    if options.render_timeout > MAX_RENDER_TIMEOUT:
        raise UsageError(f"{options.render_timeout:g} s is longer than briefgen can wait",
                         field="--render-timeout",
                         hint=f"expected at most {MAX_RENDER_TIMEOUT} seconds, a day; the "
                              f"default is {Options().render_timeout:g}")
    if options.render_memory_mb > MAX_RENDER_MEMORY_MB:
        raise UsageError(f"{options.render_memory_mb} MB is more memory than a limit can "
                         "be set to", field="--render-memory",
                         hint=f"expected at most {MAX_RENDER_MEMORY_MB}, 16 TiB; the "
                              f"default is {Options().render_memory_mb}")
    if options.render_memory_mb < MIN_RENDER_MEMORY_MB:
        raise UsageError(f"{options.render_memory_mb} MB is too little for a render worker",
                         field="--render-memory",
                         hint=f"expected {MIN_RENDER_MEMORY_MB} or more; the default is "
                              f"{Options().render_memory_mb}")


def build(paths: Paths, selection: Selection, options: Options | None = None,
          reporter: Reporter | None = None) -> BuildReport:
    options = options or Options()
    say: Reporter = reporter or _Silent()
    started = time.perf_counter()
    check_options(options)
    check_selection(selection)
    _check_out_is_apart(paths)
    check_out_dir(paths.out, writable=not options.check)

    say.step("loading content")
    try:
        content = load_content(paths.content)
    except BriefgenError as exc:
        from briefgen.i18n import catalog_problems_without_content

        translations = catalog_problems_without_content(paths)
        if not translations:
            raise
        raise ProblemReport([*exc.each(), *translations]) from None
    _fail_on_warnings(content, options.strict)
    targets = select(content, selection)
    report = BuildReport(targets, warnings=list(content.warnings))
    too_many = _too_many_jobs(options.jobs)
    if too_many:
        report.warnings.append(too_many)
    if not targets and selection.shard and content.cases:
        # No mistake: a CI matrix's shard count is fixed while the outputs vary.
        k, n = selection.shard
        report.warnings.append(
            f"shard {k}/{n} has none of the "
            f"{len(plan(content, replace(selection, shard=None)))} outputs (each output's "
            "shard is chosen by a hash of its file name); nothing to do")

    # --check writes nothing, so it takes no lock: CI may run it beside a build.
    with contextlib.nullcontext() if options.check else output_lock(paths.out):
        return _build_locked(paths, options, say, started, content, selection, targets,
                             report)


def _build_locked(paths: Paths, options: Options, say: Reporter, started: float,
                  content: Content, selection: Selection, targets: list[Target],
                  report: BuildReport) -> BuildReport:
    """The rest of :func:`build`, with the output directory locked (unless --check)."""
    unreadable: list[str] = []
    previous = {e.path: e for e in read_manifest(paths.out, unreadable)}
    report.warnings.extend(
        f"{shown_path(paths.out / MANIFEST, Path.cwd())} cannot be read ({reason}); "
        + ("every output counts as out of date" if options.check
           else "every output is rebuilt and the manifest written anew")
        for reason in unreadable)
    report.warnings.extend(_unlisted_files(paths.out, previous, targets, bool(unreadable)))
    orphans = _orphans(content, previous, selection)
    gone = {e.path: ORPHANED for e in orphans}
    deleted = _deleted_restricted(paths.out, previous, selection, targets)
    gone.update((e.path, DELETED_RESTRICTED) for e in deleted)
    orphans += deleted
    kept = [(target, made_with) for target, made_with
            in _kept(content, previous, selection, targets) if target.filename not in gone]
    fonts = font_digest(load_spec(paths.templates / "fonts.yaml", paths.cache / "yaml"),
                        content.project.locales, paths.cache / "font-sources.json")
    jobs, shard = _jobs_and_shard(content, paths, selection, targets, options, fonts)
    # A shard whose outputs are all current still rewrites its manifest when the build
    # it is part of changed (a case added whose outputs all fall to other shards): the
    # merge compares the shards' records.
    report.manifest_stale = (_manifest_stale(paths.out, shard)
                             if (paths.out / MANIFEST).is_file() and not unreadable else "")
    kept_jobs = _kept_jobs(content, paths, kept, previous, options, fonts)
    stale_kept, current_kept = _decide(kept_jobs, previous, paths.out, force=False)
    if options.check:
        # Checked as what they are: the build that made them is named with each.
        report.targets = [*targets, *(target for target, _ in kept)]
        rebuild, current = _decide(jobs, previous, paths.out, options.force)
        if jobs and not current and all(job.why == ["new output"] for job in rebuild):
            report.only_other_builds = sorted({made_with for _target, made_with in kept})
        rebuild += stale_kept
    else:
        rebuild, current = _decide(jobs, previous, paths.out, options.force)
        # A stale public copy (an archive, a handout in another pair) is rebuilt with the
        # options that made it: left as it was, it could still print a fact that has
        # since been marked restricted. A restricted brief is made only when asked for.
        for job in stale_kept:
            if job.target.restricted:
                report.kept_stale.append(job)
            else:
                job.why.append(f"kept from 'briefgen build {job.made_with}'")
                rebuild.append(job)
                report.targets = [*report.targets, job.target]
    if options.check and rebuild:
        # An output its build would fail to make is not merely out of date: the
        # build's error (a stale translation, a template that fails) is the answer,
        # not "run 'briefgen build'".
        _check_views_and_html(content, paths, [job.target for job in rebuild])
    report.warnings.extend(_restricted_beside_public(paths.out, previous, orphans, targets))
    report.rebuilt = rebuild
    # Outputs kept from builds with other options count too, as --check counts them.
    report.current = [j.target for j in (*current, *current_kept)]
    report.removed = gone
    if options.check or (not rebuild and not orphans):
        if not options.check and (report.manifest_stale
                                  or not (paths.out / MANIFEST).exists()):
            # Nothing to make (a shard that none of the outputs fall to, content with no
            # case yet) still leaves a manifest, as the summary says: a CI matrix uploads
            # and merges every shard's.
            publish(paths.out, [], GENERATOR, keep=list(previous.values()), shard=shard)
        report.seconds = time.perf_counter() - started
        return report

    # Every catalog is read before anything is written, even those of locales this
    # build does not render: a malformed one must fail the build, not follow it.
    # Only the languages of what is rebuilt are reported: an English-only build is
    # not the place to hear about the Korean catalog.
    incomplete: dict[str, tuple[int, int, bool]] = {}
    if rebuild and len(content.project.locales) > 1:
        from briefgen.i18n import completeness
        from briefgen.model import TranslationPolicy

        rendered = {locale for job in rebuild for locale in job.target.locales}
        incomplete = {
            locale: (*counts, content.project.policy(locale) is TranslationPolicy.MARK)
            for locale, counts in completeness(paths, content=content).items()
            if counts[0] < counts[1] and locale in rendered}

    clean_temporaries(paths.out)
    publications = _render_all(content, paths, rebuild, options, say) if rebuild else []
    keep = [previous[j.target.filename] for j in current]
    made = {j.target.filename for j in (*jobs, *rebuild)}
    keep += [e for name, e in previous.items() if name not in made and e not in orphans]
    publish(paths.out, publications, GENERATOR, keep=keep, remove=orphans, shard=shard)
    report.written = [p.entry for p in publications]
    if publications:
        report.incomplete = incomplete
    report.seconds = time.perf_counter() - started
    return report


def _render_all(content: Content, paths: Paths, rebuild: Sequence[Job], options: Options,
                say: Reporter) -> list[Publication]:
    from briefgen.fonts import load_fonts
    from briefgen.renderer import Renderer

    spec = paths.templates / "fonts.yaml"
    languages = tuple(content.project.locales)
    translators = _translators(content, paths)
    locales = {locale for job in rebuild for locale in job.target.locales}
    errors: list[BriefgenError] = [
        *_font_language_problems(content, load_spec(spec, paths.cache / "yaml"), spec,
                                 locales),
        *_label_problems(content, paths, translators, locales)]

    say.step("rendering HTML")
    renderer = Renderer(paths.templates)
    documents = _documents(content, rebuild, translators, renderer, errors)

    def before_preparing(faces: Sequence[FaceSpec]) -> None:
        # Preparing fonts takes minutes the first time. Every document's HTML is
        # rendered before that wait, so that a mistake needing no fonts to find is
        # reported at once; only the character coverage check has to come after.
        # (The build stamp in that HTML does not change with the preparation: it
        # records the fonts by their source files, not by the cache.)
        nonlocal documents
        documents = iter(list(documents))
        if errors:
            raise ProblemReport(merged(errors))
        say.step("preparing fonts")

    fonts = load_fonts(paths.font_cache, progress=say.step, spec_path=spec,
                       languages=languages, before_preparing=before_preparing)

    work: list[_Work] = []
    # Not content/: a file there is no input of a document's stamp (templates/ is).
    allowed = (paths.templates, paths.font_cache)
    setup = _WorkerSetup(paths.font_cache, spec, languages, allowed, options.render_memory_mb,
                         os.getpid())
    # Workers typeset each document as soon as its HTML is ready, while this process
    # renders the next one's: the HTML of a large build no longer waits in front of
    # every worker. Nothing is written before every document has passed every check.
    with _Typesetters(setup, options, total=len(rebuild)) as typesetters:
        for item, coverage in documents:
            for lang, texts, translator in coverage:
                if match_language(lang, fonts.languages) is not None:  # else reported above
                    errors.extend(_coverage_errors(fonts, lang, texts, translator))
            work.append(item)
            if not errors:
                typesetters.submit(item)
        if errors:
            raise ProblemReport(merged(errors))
        say.start(len(work))
        results = typesetters.results(say, {j.target.filename: _summary(j.why)
                                            for j in rebuild})

    publications = []
    for job, item, result in zip(rebuild, work, results, strict=True):
        target = job.target
        entry = ManifestEntry(
            case=target.case, document=target.document, audience=target.audience,
            locales=target.locales, path=target.filename, sha256=sha256(result.pdf),
            pages=result.pages, paper=job.paper, classification=item.classification,
            stamp=job.stamp, inputs=dict(sorted(job.inputs.items())),
            images={name: sha256(data) for name, data in sorted(result.images.items())})
        publications.append(Publication(entry, result.pdf, result.images))
    return publications


# What a document's text must be checked against the fonts for: language, (text, where
# it comes from) pairs, and the translator whose labels the document prints.
_Coverage = tuple[str, Sequence[tuple[str, str]], "Translator"]


def _documents(content: Content, rebuild: Sequence[Job], translators: dict[str, Translator],
               renderer: Any, errors: list[BriefgenError],
               ) -> Iterator[tuple[_Work, list[_Coverage]]]:
    """Each rebuilt document's HTML, rendered when asked for; a document that cannot be
    rendered adds its problems to ``errors`` and is left out."""
    for job in rebuild:
        try:
            rendered = _render_one(content, job, translators, renderer)
        except BriefgenError as exc:
            errors.extend(exc.each())
            continue
        yield rendered


def _font_language_problems(content: Content, specs: Sequence[FaceSpec], spec_path: Path,
                            locales: Iterable[str]) -> list[BriefgenError]:
    """Each of ``locales`` that no family in fonts.yaml sets, in a role documents use."""
    project = content.project
    where = spec_shown(spec_path)
    problems: list[BriefgenError] = []
    for locale in sorted(locales):
        missing = unserved_roles(specs, locale)
        if not missing:
            continue
        index = project.locales.index(locale) if locale in project.locales else 0
        problems.append(FontError(
            f"no {' or '.join(missing)} font family in {where} serves {locale!r}",
            path=project.origin.path, line=project.origin.line_of("locales", index),
            field="locales",
            hint=f"add {locale} to the languages of a serif and a sans family in {where} "
                 "whose fonts cover it, or take it out of locales"))
    return problems


# Base font sizes a handout is tried at, largest first, until it fits on one page; the
# last is the documented minimum (README: "Protest handouts").
HANDOUT_SCALES = (12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0)

# A brief is set as designed (fit 0) unless its last page would be filled less than
# SHORT_LAST_PAGE: then the template's tighter settings (html.fit-1, html.fit-2 in
# brief.css) are tried in turn, and the first that saves a page is kept. A few lines
# alone on a last sheet cost paper and read as an afterthought (in the example's
# Korean briefs, eleven lines of the sources list; a fifth let them stand). README:
# "Templates".
BRIEF_FITS = (0, 1, 2)
SHORT_LAST_PAGE = 0.25


def _handout_fit_hint(content: Content, case: Case, locales: Sequence[str]) -> str:
    """What to shorten when a handout does not fit its page, each where it is written:
    the summary it prints (its own, or the case's), its call to action and its lists; and,
    for each language that is not the source's, the case catalog, as the translation may
    be the longer text."""
    handout = case.handout
    assert handout is not None
    from briefgen.messages import case_domain

    summary_label, summary_at = (("the handout's summary", handout.origin.at("summary"))
                                 if handout.summary
                                 else ("the case summary", case.origin.at("summary")))
    summary = f"{summary_label} (at {summary_at})"
    catalogs = [f"locales/{locale}/{case_domain(case.id)}.po" for locale in locales
                if locale != content.project.source_locale]
    at = handout.origin.at
    # The longest English text first: one overlong fact is easier to find named than
    # among everything a handout prints.
    facts = {fact.id: fact for fact in case.facts}
    asks = {ask.id: ask for ask in case.asks}
    texts = [(handout.summary or case.summary, summary_label, summary_at),
             (handout.call_to_action, "the handout's call_to_action", at("call_to_action")),
             *((facts[i].text, f"fact {i!r}", facts[i].origin.at("text"))
               for i in handout.facts if i in facts),
             *((asks[i].text, f"ask {i!r}", asks[i].origin.at("text"))
               for i in handout.asks if i in asks)]
    text, label, where = max(texts, key=lambda item: len(item[0]))
    return (f"its longest text is {label} ({len(text)} characters, at {where}); "
            f"shorten {summary} or the handout's call_to_action (at "
            f"{at('call_to_action')}), or list fewer of its facts (at {at('facts')}) or "
            f"asks (at {at('asks')})"
            + "".join(f"; its translation in {catalog}" for catalog in catalogs))


def _render_one(content: Content, job: Job, translators: dict[str, Translator],
                renderer: Any) -> tuple[_Work, list[_Coverage]]:
    """The HTML of one document (several sizes, for a handout) and the texts whose
    characters the fonts must cover."""
    from briefgen.view import build_brief_view, build_handout_view

    target = job.target
    case = content.cases[target.case]
    translator = translators[target.locale]
    if target.document == "handout":
        handout = build_handout_view(content, case, target.audience, target.locales,
                                     translators)
        coverage: list[_Coverage] = [(locale, texts, translators[locale])
                                     for locale, texts in handout.texts.items()]
        variants = tuple(
            renderer.render("handout", handout, translator, paper=job.paper,
                            build_stamp=job.stamp, scale=scale,
                            others=[translators[x] for x in target.locales[1:]])
            for scale in HANDOUT_SCALES)
        assert case.handout is not None  # planned only for cases with a handout
        return _Work(target.filename, tuple(r.html for r in variants),
                     variants[0].css, variants[0].css_origin, variants[0].css_keeps_lines,
                     handout.as_of_iso,
                     handout.restricted_texts, handout.classification,
                     _all_texts(handout.texts), max_pages=1, images=True,
                     fit_hint=_handout_fit_hint(content, case, target.locales)), coverage
    view = build_brief_view(content, case, target.audience, target.locale, translator,
                            include_restricted=target.restricted)
    # The stylesheet is the first's for all: brief.css selects the tighter settings by
    # the root element's class, which only the HTML varies.
    fits = [renderer.render(target.document, view, translator, paper=job.paper,
                            build_stamp=job.stamp, fit=fit) for fit in BRIEF_FITS]
    rendered = fits[0]
    attachments: tuple[tuple[str, bytes, str], ...] = ()
    if target.archive:
        attachments = ((f"{target.stem}.json", _public_json(view),
                        "The public content of this brief, as JSON"),)
    # A template that ignores fit gives the same HTML each time: laid out once.
    return _Work(target.filename, tuple(dict.fromkeys(r.html for r in fits)), rendered.css,
                 rendered.css_origin,
                 rendered.css_keeps_lines,
                 view.as_of_iso,
                 () if target.restricted else view.restricted_texts,
                 view.classification, view.texts,
                 variant="pdf/a-3b" if target.archive else "pdf/ua-1",
                 attachments=attachments,
                 every_page=translator.gettext(RESTRICTED_MARK) if target.restricted else "",
                 ), [(view.lang, view.texts, translator)]


def _public_json(view: Any) -> bytes:
    """The brief's public view as JSON, for archive copies (never restricted material:
    archive copies are built from public views only)."""
    import json
    from dataclasses import asdict

    data = asdict(view)
    for internal in ("texts", "restricted_texts"):
        data.pop(internal, None)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2).encode() + b"\n"


# -- typesetting, in this process or in workers ---------------------------------------------


@dataclass(frozen=True)
class _Work:
    name: str
    # Variants to try in order: a handout's smaller type until one fits its page, a
    # brief's tighter settings if its last page is short.
    html: tuple[str, ...]
    css: str
    css_origin: str  # the stylesheet's template, named in messages about its rules
    css_keeps_lines: bool  # line N of css is line N of that template
    date: str
    restricted: tuple[RestrictedText, ...]
    classification: str
    # Every string it shows and where that is written: a leak is reported at its text.
    shown: tuple[tuple[str, str], ...]
    max_pages: int | None = None
    images: bool = False  # also write PNG pictures of the first page
    variant: str = "pdf/ua-1"
    attachments: tuple[tuple[str, bytes, str], ...] = ()
    fit_hint: str = ""  # what to shorten, and where, when it does not fit max_pages
    # Printed on every page, or the build fails: a restricted brief's warning, which
    # comes from the stylesheet's page margins and is lost with a broken stylesheet.
    every_page: str = ""


@dataclass(frozen=True)
class _Result:
    pdf: bytes
    pages: int
    images: dict[str, bytes]


@dataclass(frozen=True)
class _WorkerSetup:
    font_cache: Path
    spec: Path
    languages: tuple[str, ...]
    allowed: tuple[Path, ...]
    memory_mb: int
    builder: int  # the pid of the build process
    # The workers' temporary folder, made and removed by the build process: WeasyPrint
    # copies every font it loads (tens of MB) into a folder of its own there, which a
    # pool worker, ended without running its atexit hooks, would leave behind.
    scratch: Path | None = None


_worker_fonts: dict[str, FontSet] = {}


def _init_worker(setup: _WorkerSetup) -> None:
    import resource

    from briefgen.fonts import load_fonts

    _end_with(setup.builder)
    if setup.scratch is not None:
        import tempfile

        tempfile.tempdir = str(setup.scratch)
    limit = setup.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _worker_fonts["fonts"] = load_fonts(setup.font_cache, spec_path=setup.spec,
                                        languages=setup.languages)


def _end_with(pid: int) -> None:
    """End this worker as soon as the build process ``pid`` ends, however it ends.

    A build killed outright (SIGKILL, the kernel's OOM killer, a CI job's hard timeout)
    cannot stop its workers: each would wait for work for ever, loaded with WeasyPrint
    and the fonts, and keep the forkserver and the resource tracker alive with it.
    """
    import select
    import threading

    if pid == os.getpid():
        return
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)  # the build has already gone
    except (AttributeError, OSError):
        return  # no pidfd here (not Linux, or a kernel before 5.3)

    def wait() -> None:
        select.select([handle], [], [])  # readable once the process has ended
        os._exit(1)

    threading.Thread(target=wait, name="briefgen-end-with-build", daemon=True).start()


def _template_line(templates: Path, text: str) -> tuple[str, int] | None:
    """The one template line holding ``text``, as messages name it; None when no line
    or more than one does."""
    root = templates.resolve()
    found = []
    for path in sorted(root.rglob("*.html")):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue  # the build has read the templates it uses; this is only a hint
        shown = path.relative_to(root.parent).as_posix()
        found += [(shown, number) for number, line in enumerate(lines, start=1)
                  if text in line]
    return found[0] if len(found) == 1 else None


def _typeset_one(setup: _WorkerSetup, item: _Work) -> _Result:
    from briefgen.typesetter import (
        Stylesheet,
        fewer_pages_if_last_is_short,
        first_within,
        typeset,
    )

    if "fonts" not in _worker_fonts:
        _init_worker(setup)

    def identifier(html: str) -> bytes:
        return hashlib.sha256(
            item.variant.encode() + b"\0" + html.encode()).hexdigest()[:32].encode()

    result = typeset(
        item.html[0],
        alternatives=item.html[1:],
        choose=(first_within(item.max_pages) if item.max_pages is not None
                else fewer_pages_if_last_is_short(SHORT_LAST_PAGE)),
        base_url=setup.spec.parent.as_uri() + "/",
        stylesheets=[Stylesheet(item.css, item.css_origin, item.css_keeps_lines)],
        fonts=_worker_fonts["fonts"],
        allowed_roots=setup.allowed,
        pdf_identifier=identifier,
        metadata_date=item.date,
        origin=item.name,
        variant=item.variant,  # type: ignore[arg-type]
        attachments=item.attachments,
        locate=functools.partial(_template_line, setup.spec.parent),
    )
    if item.max_pages is not None and result.page_count > item.max_pages:
        raise TypesetError(
            f"does not fit on {item.max_pages} page(s): at the smallest type size "
            f"({HANDOUT_SCALES[-1]:g} pt) it takes {result.page_count} pages, "
            f"{result.page_count - item.max_pages} too many",
            path=item.name,
            hint=item.fit_hint or None)
    html = item.html[result.chosen]
    _check_no_restricted(result.pdf, html, item.restricted, item.name, item.shown)
    _check_every_page(result.pdf, item.every_page, item.name)
    images = {}
    if item.images:
        from briefgen.pictures import page_pictures

        stem = item.name.removesuffix(".pdf")
        images = {f"{stem}{suffix}": data
                  for suffix, data in page_pictures(result.pdf, result.first_page_gaps).items()}
    return _Result(result.pdf, result.page_count, images)


class _Typesetters:
    """Worker processes typesetting documents in the order they are submitted, each
    bounded in time and memory; leaving the ``with`` block stops them all."""

    def __init__(self, setup: _WorkerSetup, options: Options, *, total: int) -> None:
        import multiprocessing
        import tempfile
        from concurrent.futures import ProcessPoolExecutor

        self.scratch = Path(tempfile.mkdtemp(prefix="briefgen-render-"))
        self.setup = replace(setup, scratch=self.scratch)
        self.options = options
        # forkserver: workers start from a clean process, not a fork of one that may
        # hold threads or locks, and do not re-run the caller's __main__ as spawn would.
        self.pool = ProcessPoolExecutor(
            max_workers=max(1, min(options.jobs, cores(), total)),
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=_init_worker, initargs=(self.setup,))
        self.submitted: list[tuple[_Work, Future[_Result]]] = []

    def __enter__(self) -> _Typesetters:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # A worker stuck in a runaway layout does not end by itself, and documents
        # still queued after a failure are not wanted: kill the workers.
        if not all(future.done() for _item, future in self.submitted):
            for process in list(getattr(self.pool, "_processes", {}).values()):
                if process.is_alive():
                    process.kill()
        try:
            self.pool.shutdown(wait=True, cancel_futures=True)
        finally:
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)

    def submit(self, item: _Work) -> None:
        self.submitted.append((item, self.pool.submit(_typeset_one, self.setup, item)))

    def results(self, say: Reporter, why: dict[str, str]) -> list[_Result]:
        """Every submitted document's result, in order, or every problem found."""
        from concurrent.futures.process import BrokenProcessPool

        options = self.options
        total = len(self.submitted)
        results = []
        # Problems of single documents (a WeasyPrint warning, restricted text found)
        # are collected so that one run reports all of them; a worker that dies or
        # hangs ends the run at once.
        failed: dict[tuple[str, str | None, tuple[str | None, int | None] | None],
                     list[BriefgenError]] = {}
        for index, (item, future) in enumerate(self.submitted, start=1):
            try:
                results.append(future.result(timeout=options.render_timeout))
            except BriefgenError as exc:
                for error in exc.each():
                    # A template's problem (at its line) is one, whatever the document.
                    at = None if error.path == item.name else (error.path, error.line)
                    failed.setdefault((error.message, error.hint, at), []).append(error)
                continue
            except TimeoutError:
                raise TypesetError(
                    f"rendering did not finish within {options.render_timeout:g} s",
                    path=item.name,
                    hint="look for a runaway table or image in the content, or raise "
                         "--render-timeout") from None
            except BrokenProcessPool:
                raise TypesetError(
                    "the render worker stopped unexpectedly (most likely it ran out of "
                    f"its {options.render_memory_mb} MB of memory)", path=item.name,
                    hint="raise --render-memory if the document is really that large"
                ) from None
            except (MemoryError, ImportError, OSError) as exc:
                if not isinstance(exc, MemoryError) and "map" not in str(exc):
                    raise  # not the memory limit: a bug, shown as one
                raise TypesetError(
                    f"rendering needed more than {options.render_memory_mb} MB of memory",
                    path=item.name,
                    hint="raise --render-memory if the document is really that large"
                ) from None
            say.document(index, total, item.name, why[item.name])
        if failed:
            # The same problem in many documents is one line, not one each; a problem
            # that names a template rather than a document is the template's alone.
            raise ProblemReport(merged([
                errors[0] if len(errors) == 1 or at is not None else type(errors[0])(
                    f"{errors[0].message} (also in {len(errors) - 1} other "
                    f"document{'s' if len(errors) > 2 else ''})",
                    path=errors[0].path, line=errors[0].line, field=errors[0].field,
                    hint=errors[0].hint)
                for (_message, _hint, at), errors in failed.items()]))
        return results


def _label_problems(content: Content, paths: Paths, translators: dict[str, Translator],
                    locales: Iterable[str]) -> list[BriefgenError]:
    """Template labels without a current translation, in locales whose policy is strict
    (a label is printed on every page: it must not silently come out in English)."""
    from briefgen.catalogs import TEMPLATES_DOMAIN
    from briefgen.formatting import CODE_LABELS
    from briefgen.model import TranslationPolicy
    from briefgen.renderer import extract_template_messages
    from briefgen.view import missing_catalog_error

    wanted = [(m.context or None, m.text) for m in extract_template_messages(paths.templates)]
    wanted += [(None, label) for label in CODE_LABELS]
    errors: list[BriefgenError] = []
    for locale in sorted(locales):
        translator = translators[locale]
        if translator.is_source or content.project.policy(locale) is not TranslationPolicy.STRICT:
            continue
        if translator.catalog(TEMPLATES_DOMAIN) is None:
            # One error for the file, as for a case's or the shared catalog.
            errors.append(missing_catalog_error(translator, TEMPLATES_DOMAIN))
            continue
        for context, text in dict.fromkeys(wanted):
            found = translator.lookup(TEMPLATES_DOMAIN, context, text)
            if found.state in ("missing", "stale"):
                line = found.origin.line if found.origin and found.origin.line else None
                state = "marked fuzzy" if found.marked else found.state
                errors.append(ContentError(
                    f"template label {text!r} has no current translation ({state})",
                    path=translator.catalog_display(TEMPLATES_DOMAIN), line=line,
                    field=context or "label",
                    hint="translate it; 'briefgen i18n update' adds labels that are not "
                         "there yet"))
    return errors


def _first_few(items: Sequence[str], limit: int, separator: str = ", ") -> str:
    """The first ``limit`` of ``items``, and how many more there are."""
    shown = separator.join(items[:limit])
    return f"{shown}{separator.rstrip()} and {len(items) - limit} more" \
        if len(items) > limit else shown


def _summary(why: Sequence[str], limit: int = 3) -> str:
    return _first_few(why, limit, "; ")


def _coverage_errors(fonts: FontSet, lang: str, texts: Iterable[tuple[str, str]],
                     translator: Translator) -> list[BriefgenError]:
    errors: list[BriefgenError] = []
    labels = [(text, f"templates.po ({translator.locale})") for text in _label_texts(translator)]
    for text, where in [*texts, *labels]:
        # Documents set text in both roles (body serif, headings and handouts sans).
        missing = [*fonts.missing_chars(text, lang, "serif"),
                   *fonts.missing_chars(text, lang, "sans")]
        for char in dict.fromkeys(missing):
            path, _, line = where.rpartition(":")
            errors.append(FontError(
                f"character {char!r} (U+{ord(char):04X}) is not covered by any configured "
                f"font for {lang}",
                path=path if line.isdigit() else where,
                line=int(line) if line.isdigit() else None,
                hint="replace the character, or add a font that covers it in "
                     "templates/fonts.yaml (a family cut down to its scripts' ranges "
                     "covers it once its range is added to the family's subset: list, "
                     "as han for hanja in Korean: see docs/translators.md)"))
    return errors


def _label_texts(translator: Translator) -> list[str]:
    catalog = None if translator.is_source else translator.catalog("templates")
    if catalog is None:
        return []
    return [str(m.string) for m in catalog if m.id and isinstance(m.string, str) and m.string]


# The warning the brief template prints on every page of a restricted brief.
RESTRICTED_MARK = "Contains restricted material: do not circulate"


def _check_every_page(pdf: bytes, mark: str, name: str) -> None:
    """A restricted brief must say so on every page: a page printed or passed on alone
    must not look like a public one."""
    if not mark:
        return
    from briefgen.pdfcheck import pages_without

    missing = pages_without(pdf, mark)
    if missing:
        raise TypesetError(
            f"{mark!r} is not printed on page(s) {', '.join(map(str, missing))}",
            path=name,
            hint="a restricted brief carries its warning on every page; check the page "
                 "margin rule (@top-right) in the brief's stylesheet, and that the "
                 "stylesheet's braces are balanced")


def _check_no_restricted(pdf: bytes | None, html: str, restricted: Sequence[RestrictedText],
                         name: str, shown: Sequence[tuple[str, str]] = ()) -> None:
    """A public document must not carry restricted text; checked on the finished PDF and
    the HTML it was made from (the HTML alone by validate, which typesets nothing).

    A leak is reported at the public text that repeats it where ``shown`` (every string
    the document shows, with where it is written) has one holding it whole; else at the
    document."""
    if not restricted:
        return
    from briefgen.pdfcheck import find_leaks

    errors: list[BriefgenError] = []
    unplaced = []
    for leak in find_leaks(pdf, restricted, filename=name, html=html, shown=shown):
        placed = [(path, line) for path, line in map(_at_line, leak.repeated_by) if line]
        if not placed or "the file name" in leak.found_in:
            unplaced.append(str(leak))
        for path, line in placed:
            errors.append(LeakError(
                "restricted material found in a public document: this text repeats "
                f"{leak.part}" + (f" (restricted: {leak.restricted_at})"
                                  if leak.restricted_at else ""),
                documents=[f"{name} ({', '.join(leak.found_in)})"], path=path, line=line,
                hint="reword it or mark it restricted too; where the part it repeats tells "
                     "nothing (a stock phrase), reword the restricted item instead"))
    if unplaced:
        errors.append(TypesetError(
            "restricted material found in a public document: " + "; ".join(unplaced),
            path=name,
            hint="reword the public text that repeats it or mark it restricted too; where "
                 "the file name repeats it, rename the id"))
    if errors:
        raise together(errors)


def _at_line(where: str) -> tuple[str, int | None]:
    """"path:line" as its path and line; other descriptions whole, without a line."""
    path, _, line = where.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (where, None)

