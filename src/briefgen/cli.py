"""Turn command-line arguments into one call of the build; report its errors plainly.

The CLI owns no logic: it parses options, calls ``briefgen.build`` (or the i18n helpers),
and prints. A ``BriefgenError`` is printed as ``path:line: field: message`` with exit code
2; anything else is a bug, printed with its traceback under ``--debug`` and exit code 1.
SIGTERM ends a command as Ctrl-C does, with exit code 143; a reader that closes the
output pipe ends it quietly with exit code 141.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import os
import select
import shlex
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from briefgen import __version__
from briefgen.errors import BriefgenError, shown_path

if TYPE_CHECKING:  # the CLI imports the build only when a command runs
    from briefgen.build import Selection

app = typer.Typer(
    name="briefgen",
    help="Build printable advocacy documents (embassy briefs, protest handouts) from "
         "curated case content.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
i18n_app = typer.Typer(help="Keep the translation catalogs under locales/ up to date.",
                       no_args_is_help=True)
app.add_typer(i18n_app, name="i18n")
manifest_app = typer.Typer(help="Work with output manifests.", no_args_is_help=True)
app.add_typer(manifest_app, name="manifest")

_state = {"debug": False, "terminated": False}

def _path_argument(text: str) -> Path:
    # An unset CI variable ('--out "$OUT"') gives "", which Path reads as the working
    # directory: the build would write there without a word.
    if not text:
        raise typer.BadParameter("an empty path; give a directory, such as output/")
    return Path(text)


ContentOpt = Annotated[Path, typer.Option(
    "--content", help="Content directory (project.yaml, sources/, law/, actors/, cases/).",
    show_default=True, parser=_path_argument, metavar="DIR")]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", help="Output directory. Default: output/ beside the content directory.",
    parser=_path_argument, metavar="DIR")]


# Options that choose what is built, shared by build, watch and list so that each
# takes the same selection in the same words.
CaseOpt = Annotated[list[str] | None, typer.Option(
    "--case", help="Only this case id (repeatable).")]
DocOpt = Annotated[list[str] | None, typer.Option(
    "--doc", help="Only this document kind, e.g. brief (repeatable).")]
AudienceOpt = Annotated[list[str] | None, typer.Option(
    "--audience", help="Only briefs for this actor id, e.g. china, or handouts for this "
                       "event id (repeatable).")]
LocaleOpt = Annotated[list[str] | None, typer.Option(
    "--locale", help="Only this locale, e.g. ko (repeatable).")]
RestrictedOpt = Annotated[bool, typer.Option(
    "--include-restricted",
    help="Build restricted briefs that include material marked restricted. They are "
         "marked as such on every page and in their file name; never circulate them.")]
ShardOpt = Annotated[str | None, typer.Option(
    "--shard", help="Build only shard K of N (e.g. 1/4): a deterministic share of the "
                    "outputs, for CI matrices. Merge the shards' manifests with "
                    "'briefgen manifest merge'.")]
ArchiveOpt = Annotated[bool, typer.Option(
    "--archive", help="Build briefs as PDF/A-3b archive copies that embed their public "
                      "content as JSON (file names end in _archive).")]
PairOpt = Annotated[list[str] | None, typer.Option(
    "--pair", help="Languages of the handouts, side by side, e.g. zh-Hans+en "
                   "(repeatable). Default: handout_pairs in project.yaml.")]
PaperOpt = Annotated[str, typer.Option("--paper", help="Paper size: a4 or letter.")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Treat warnings (such as a timeline out of order) as errors.")]
RenderTimeoutOpt = Annotated[float, typer.Option(
    "--render-timeout", help="Seconds one document may take to typeset before the "
                             "build fails.")]
RenderMemoryOpt = Annotated[int, typer.Option(
    "--render-memory", help="Megabytes of memory each render worker may use.")]


def _selection(case: list[str] | None, doc: list[str] | None, audience: list[str] | None,
               locale: list[str] | None, include_restricted: bool, shard: str | None,
               pair: list[str] | None, archive: bool) -> Selection:
    from briefgen.build import Selection, parse_pair, parse_shard

    return Selection(tuple(case or ()), tuple(doc or ()), tuple(audience or ()),
                     tuple(locale or ()), include_restricted,
                     parse_shard(shard) if shard is not None else None,
                     tuple(dict.fromkeys(parse_pair(p) for p in pair or ())), archive)


def _err(line: str) -> None:
    typer.echo(line, err=True)


# As a shell reports a command killed by the signal (128 + its number), so that a caller
# can tell a stopped run from a failed one; 141 also matches what `set -o pipefail`
# reports for any other tool whose reader went away.
EXIT_PIPE_CLOSED = 128 + signal.SIGPIPE
EXIT_TERMINATED = 128 + signal.SIGTERM
EXIT_INTERRUPTED = 128 + signal.SIGINT


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread wherever it was.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` on the way
    reports it as a bug or carries on."""


def _raise_terminated(signum: int, frame: object) -> None:
    # A second SIGTERM (a supervisor repeating itself) must not interrupt the cleanup
    # the first one started; SIGKILL still ends the process at once.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _state["terminated"] = True
    raise _Terminated


def _silence_closed_pipes() -> None:
    # Output still buffered is flushed at interpreter exit and would raise again (and
    # print "Exception ignored"): nothing more can reach the reader, so drop it.
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def _reader_gone(fd: int | None) -> bool:
    """Whether ``fd`` is a pipe whose reading end has been closed."""
    if fd is None or not hasattr(select, "poll"):  # Windows has no poll
        return False
    poller = select.poll()
    poller.register(fd, 0)  # an error condition is reported whatever is asked for
    return any(events & select.POLLERR for _fd, events in poller.poll(0))


def _copy_of_stdout() -> int | None:
    # Not inherited by child processes (PEP 446): it must not hold a caller's pipe
    # open after this process has gone.
    try:
        return os.dup(1)
    except OSError:
        return None  # started without a stdout


F = TypeVar("F", bound=Callable[..., None])


def reports_errors(command: F) -> F:
    """Print briefgen's errors plainly (exit 2); internal errors briefly (exit 1)."""

    @functools.wraps(command)
    def wrapper(*args: object, **kwargs: object) -> None:
        try:
            command(*args, **kwargs)
        except BriefgenError as exc:
            for line in exc.lines():
                _err(line)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            # Typer would end with 130 in silence, which in a CI log reads like a crash
            # with no message; SIGTERM's exit says what stopped it, and so does this.
            # What was written is as publish left it: all of a build's files, or none.
            with contextlib.suppress(BrokenPipeError):
                _err("interrupted by Ctrl-C")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # Before OSError: the reader went away (| head), the file system is fine.
            # Raised as Exit, not re-raised: Typer turns an EPIPE into exit code 1.
            _silence_closed_pipes()
            raise typer.Exit(EXIT_PIPE_CLOSED) from None
        except OSError as exc:
            # The file system refused (permissions, a directory where a file should be):
            # the machine's state, not a bug.
            if _state["debug"]:
                _err(traceback.format_exc().rstrip())
            where = exc.filename if exc.filename is not None else "briefgen"
            _err(f"{where}: {exc.strerror or exc} "
                 "(check that the file exists and its permissions allow this)")
            raise typer.Exit(2) from None
        except Exception as exc:
            if _state["debug"]:
                _err(traceback.format_exc().rstrip())
            else:
                _err(f"internal error: {type(exc).__name__}: {exc}")
                _err("this is a bug in briefgen; run it again as 'briefgen --debug "
                     "COMMAND …' for the traceback")
            raise typer.Exit(1) from None

    # Typer's help keeps a docstring's line breaks: the terminal, not the source's
    # line length, should decide where the help's lines end.
    wrapper.__doc__ = _paragraphs(command.__doc__ or "")
    return wrapper  # type: ignore[return-value]


def _paragraphs(doc: str) -> str:
    """A docstring with the lines of each paragraph joined."""
    return "\n\n".join(" ".join(paragraph.split())
                       for paragraph in inspect.cleandoc(doc).split("\n\n"))


def _print_version(value: bool) -> None:
    # Eager, so that "briefgen --version" works without a command.
    if value:
        typer.echo(f"briefgen {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
    = False,
    version: Annotated[bool, typer.Option(
        "--version", help="Print the version and exit.", callback=_print_version,
        is_eager=True)] = False,
) -> None:
    _state["debug"] = debug


@app.command()
@reports_errors
def build(
    content: ContentOpt = Path("content"),
    out: OutOpt = None,
    case: CaseOpt = None,
    doc: DocOpt = None,
    audience: AudienceOpt = None,
    locale: LocaleOpt = None,
    paper: PaperOpt = "a4",
    include_restricted: RestrictedOpt = False,
    strict: StrictOpt = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Rebuild every selected output, even those that are up to date.")]
    = False,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 0 if every output is up to date, 3 (listing "
                        "them) if any is stale, missing or orphaned. For CI.")] = False,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", help="Render in this many worker processes, at most one per CPU "
                             "core. Default: the number of CPU cores.")] = None,
    shard: ShardOpt = None,
    archive: ArchiveOpt = False,
    pair: PairOpt = None,
    render_timeout: RenderTimeoutOpt = 120.0,
    render_memory: RenderMemoryOpt = 4096,
) -> None:
    """Build documents: every case, document kind, audience and locale unless narrowed.

    Only outputs whose inputs changed since the last build are rendered again, and the
    reason is shown for each."""
    from briefgen.build import Options, Paths, cores
    from briefgen.build import build as run_build

    paths = Paths.for_content(content, out)
    selection = _selection(case, doc, audience, locale, include_restricted, shard, pair,
                           archive)
    options = Options(paper=paper.lower(), force=force, check=check, strict=strict,
                      jobs=jobs if jobs is not None else cores(),
                      render_timeout=render_timeout, render_memory_mb=render_memory)
    with _reporter() as reporter:
        report = run_build(paths, selection, options, reporter)
    # As the user would type it here: from the working directory.
    shown = shown_path(paths.out, Path.cwd().resolve())
    # Where this build read and wrote, as given: every command it suggests carries them,
    # so that it can be pasted as it is.
    where = _given_paths(content, out)
    for warning in [*report.warnings, *report.kept_stale_warnings(where)]:
        _err(f"warning: {warning}")
    if check:
        # What makes this build's own outputs: its command without --check.
        own = " ".join(["briefgen build", *_selection_flags(
            case=case, doc=doc, audience=audience, locale=locale, paper=paper.lower(),
            include_restricted=include_restricted, shard=shard, pair=pair,
            archive=archive)]) + where
        for job in report.rebuilt:
            made = (f"; made by 'briefgen build {job.made_with}{where}'" if job.made_with
                    else "")
            _err(f"out of date: {shown}/{job.target.filename} ({'; '.join(job.why)}{made})")
        for name, why in report.removed.items():
            _err(f"orphaned: {shown}/{name} ({why})")
        if report.only_other_builds:
            made_by = [f"'briefgen build {options}{where}'"
                       for options in report.only_other_builds]
            _err(f"note: {shown} holds none of the outputs of '{own}', only outputs of "
                 + " and ".join(made_by) + ": if those are what it is for, check it with "
                 "the same options, as 'briefgen build --check "
                 f"{report.only_other_builds[0]}{where}'")
        if report.manifest_stale:
            _err(f"out of date: {shown}/manifest.json ({report.manifest_stale})")
        if report.out_of_date:
            commands = dict.fromkeys(
                f"'briefgen build {job.made_with}{where}'" if job.made_with else f"'{own}'"
                for job in report.rebuilt) or {f"'{own}'": None}
            listed = [*commands]
            counts = [f"{len(report.rebuilt)} output(s) out of date" if report.rebuilt
                      else "", f"{len(report.removed)} orphaned" if report.removed else "",
                      "the manifest out of date" if report.manifest_stale else ""]
            parts = [count for count in counts if count]
            _err(f"{' and '.join(parts) if len(parts) < 3 else ', '.join(parts)}; run "
                 + (f"{', '.join(listed[:-1])} and {listed[-1]}" if len(listed) > 1
                    else listed[0]))
            raise typer.Exit(3)
        typer.echo(f"all {len(report.targets)} output(s) up to date")
        return
    for name, why in report.removed.items():
        typer.echo(f"removed {shown}/{name} ({why})")
    for tag, (done, total, marked) in sorted(report.incomplete.items()):
        # Under strict, a build that passed printed none of them: they belong to
        # restricted items or to documents this build did not make.
        said = ("untranslated text is printed marked" if marked else
                "none of the untranslated text is in the documents built")
        typer.echo(f"translation {tag}: {done}/{total} messages ({100 * done // total}%); "
                   f"{said} (see 'briefgen i18n status')")
    typer.echo(f"built {len(report.written)}, up to date {len(report.current)}, removed "
               f"{len(report.removed)}, failed 0, in {report.seconds:.1f} s; manifest: "
               f"{shown}/manifest.json")


def _given_paths(content: Path, out: Path | None) -> str:
    """The ``--content`` and ``--out`` a command was given, as options to repeat."""
    return "".join([f" --content {shlex.quote(str(content))}" if content != Path("content")
                    else "", f" --out {shlex.quote(str(out))}" if out is not None else ""])


def _selection_flags(*, case: list[str] | None, doc: list[str] | None,
                     audience: list[str] | None, locale: list[str] | None, paper: str,
                     include_restricted: bool, shard: str | None, pair: list[str] | None,
                     archive: bool) -> list[str]:
    """The options of a build command that choose what it makes, as typed."""
    flags = [f"{name} {shlex.quote(value)}"
             for name, values in (("--case", case), ("--doc", doc), ("--audience", audience),
                                  ("--locale", locale), ("--pair", pair))
             for value in values or ()]
    if paper != "a4":
        flags.append(f"--paper {paper}")
    if include_restricted:
        flags.append("--include-restricted")
    if archive:
        flags.append("--archive")
    if shard:
        flags.append(f"--shard {shard}")
    return flags


@app.command()
@reports_errors
def watch(
    content: ContentOpt = Path("content"),
    out: OutOpt = None,
    case: CaseOpt = None,
    doc: DocOpt = None,
    audience: AudienceOpt = None,
    locale: LocaleOpt = None,
    paper: PaperOpt = "a4",
    include_restricted: RestrictedOpt = False,
    strict: StrictOpt = False,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", help="Worker processes for each rebuild.")] = 1,
    archive: ArchiveOpt = False,
    pair: PairOpt = None,
    render_timeout: RenderTimeoutOpt = 120.0,
    render_memory: RenderMemoryOpt = 4096,
) -> None:
    """Build, then rebuild what changed whenever a file under content/, locales/ or
    templates/ changes. Errors are shown and the watch goes on; stop it with Ctrl-C."""
    from briefgen.build import BuildReport, Options, Paths
    from briefgen.watch import watch as run_watch
    from briefgen.watch import watched_dirs

    paths = Paths.for_content(content, out)
    if not paths.content.is_dir():
        # Content errors keep a watch going, but a mistyped --content would only ever watch
        # the templates: there is nothing to wait for.
        from briefgen.errors import UsageError

        raise UsageError(f"{content} is a file, not a content directory"
                         if paths.content.exists() else f"no content directory at {content}",
                         field="--content",
                         hint="pass --content DIR pointing at a directory with project.yaml")
    selection = _selection(case, doc, audience, locale, include_restricted, None, pair,
                           archive)
    options = Options(paper=paper.lower(), jobs=jobs, strict=strict,
                      render_timeout=render_timeout, render_memory_mb=render_memory)

    def report(result: BuildReport) -> None:
        for warning in [*result.warnings, *result.kept_stale_warnings(_given_paths(content, out))]:
            _err(f"warning: {warning}")
        typer.echo(f"built {len(result.written)}, up to date {len(result.current)}, removed "
                   f"{len(result.removed)}, failed 0, in {result.seconds:.1f} s; watching "
                   "for changes")

    def error(exc: BriefgenError) -> None:
        for line in exc.lines():
            _err(line)
        _err("build failed; fix the problem and save: watching for changes")

    _err("watching " + ", ".join(str(p) for p in watched_dirs(paths)))
    run_watch(paths, selection, options, _PlainReporter(), on_report=report, on_error=error)
    if _state["terminated"]:
        # watchfiles takes the exception raised at SIGTERM for Ctrl-C and just ends the
        # watch; a supervisor stopping the watch should still see exit code 143.
        raise _Terminated


class _PlainReporter:
    """One line per event: for CI logs and anything that is not a terminal."""

    def step(self, message: str) -> None:
        _err(message)

    def start(self, total: int) -> None:
        _err(f"rendering {total} document(s)")

    def document(self, done: int, total: int, name: str, why: str) -> None:
        _err(f"[{done}/{total}] {name} ({why})")


class _BarReporter(_PlainReporter):
    """A progress bar on a terminal; reasons are printed above it."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.task: Any = None

    def start(self, total: int) -> None:
        self.task = self.progress.add_task("rendering", total=total)

    def step(self, message: str) -> None:
        self.progress.console.print(message, style="dim", highlight=False)

    def document(self, done: int, total: int, name: str, why: str) -> None:
        self.progress.console.print(f"{name} ({why})", highlight=False)
        self.progress.update(self.task, completed=done)


@contextlib.contextmanager
def _reporter() -> Iterator[_PlainReporter]:
    if not sys.stderr.isatty():
        yield _PlainReporter()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        yield _BarReporter(progress)


@app.command()
@reports_errors
def validate(
    content: ContentOpt = Path("content"),
    strict: Annotated[bool, typer.Option(
        "--strict", help="Treat warnings as errors.")] = False,
) -> None:
    """Check all content and translations, the templates (syntax, and every document's
    HTML) and templates/fonts.yaml; write nothing."""
    from briefgen.build import Paths
    from briefgen.build import validate as run_validate

    result = run_validate(Paths.for_content(content), strict=strict)
    for warning in result.warnings:
        _err(f"warning: {warning}")
    typer.echo(f"content is valid: {len(result.cases)} case(s), {len(result.sources)} "
               f"source(s), {len(result.instruments)} instrument(s), {len(result.actors)} "
               "actor(s)")


@app.command("list")
@reports_errors
def list_(
    content: ContentOpt = Path("content"),
    case: CaseOpt = None,
    doc: DocOpt = None,
    audience: AudienceOpt = None,
    locale: LocaleOpt = None,
    include_restricted: RestrictedOpt = False,
    shard: ShardOpt = None,
    archive: ArchiveOpt = False,
    pair: PairOpt = None,
) -> None:
    """List the cases, documents, audiences and locales a build would produce, and its
    outputs; the same options as build narrow the list as they narrow a build."""
    from briefgen.build import select
    from briefgen.loader import load_content

    selection = _selection(case, doc, audience, locale, include_restricted, shard, pair,
                           archive)
    loaded = load_content(content)
    targets = select(loaded, selection)
    # What the outputs listed are made of, so that every option narrows every line.
    typer.echo("cases:     " + ", ".join(sorted({t.case for t in targets})))
    typer.echo("documents: " + ", ".join(d for d in loaded.project.documents
                                         if any(t.document == d for t in targets)))
    typer.echo("audiences: " + ", ".join(sorted({t.audience for t in targets})))
    typer.echo("locales:   " + ", ".join(x for x in loaded.project.locales
                                         if any(x in t.locales for t in targets)))
    typer.echo(f"{len(targets)} output(s):")
    for target in targets:
        typer.echo(f"  {target.filename}")


@i18n_app.command("update")
@reports_errors
def i18n_update(
    content: ContentOpt = Path("content"),
    locale: Annotated[list[str] | None, typer.Option(
        "--locale", help="Only this locale (repeatable). Default: every non-source locale.")]
    = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 2 if an update would change a catalog (CI).")]
    = False,
) -> None:
    """Add new messages to every catalog, mark changed ones stale (fuzzy), keep removed
    ones as obsolete."""
    from briefgen.build import Paths
    from briefgen.i18n import update_catalogs

    for line in update_catalogs(Paths.for_content(content), tuple(locale or ()), check=check):
        typer.echo(line)


@i18n_app.command("extract")
@reports_errors
def i18n_extract(
    content: ContentOpt = Path("content"),
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 2 if a template is missing or out of date (CI).")]
    = False,
) -> None:
    """Write the message templates, one POT per catalog, to locales/pot/ (what Weblate,
    Crowdin or Poedit start a new language from)."""
    from briefgen.build import Paths
    from briefgen.i18n import extract_templates

    for line in extract_templates(Paths.for_content(content), check=check):
        typer.echo(line)


@i18n_app.command("status")
@reports_errors
def i18n_status(
    content: ContentOpt = Path("content"),
    locale: Annotated[list[str] | None, typer.Option(
        "--locale", help="Only this locale (repeatable). Default: every non-source locale.")]
    = None,
    case: Annotated[list[str] | None, typer.Option(
        "--case", help="Only this case's catalog besides templates and shared (repeatable).")]
    = None,
    fail_under: Annotated[float | None, typer.Option(
        "--fail-under", metavar="PERCENT", min=0, max=100,
        help="Exit 2 if any catalog is translated less than PERCENT.")] = None,
    no_stale: Annotated[list[str] | None, typer.Option(
        "--no-stale", metavar="SECTION",
        help="Exit 2 on any stale translation in SECTION: a case id, a catalog (templates, "
             "shared, case.ID) or a context prefix such as law: (repeatable).")] = None,
    fail_on_glossary: Annotated[bool, typer.Option(
        "--fail-on-glossary", help="Exit 2 if a translation lacks an approved glossary term.")]
    = False,
    missing: Annotated[bool, typer.Option(
        "--missing", help="List every missing translation too, with where it goes.")] = False,
) -> None:
    """Show per locale and catalog how much is translated, stale or missing, and which
    translations lack an approved glossary term."""
    from briefgen.build import Paths
    from briefgen.i18n import check_status, format_status, translation_status

    if fail_under is not None and math.isnan(fail_under):
        # Click's range check lets NaN through, and no percentage is ever under it.
        from briefgen.errors import UsageError

        raise UsageError("nan is not a percentage", field="--fail-under",
                         hint="expected a number from 0 to 100, such as 90")
    report = translation_status(Paths.for_content(content), locales=tuple(locale or ()),
                                cases=tuple(case or ()))
    for line in format_status(report, list_missing=missing):
        typer.echo(line)
    check_status(report, fail_under=fail_under, no_stale=tuple(no_stale or ()),
                 glossary=fail_on_glossary)


@manifest_app.command("merge")
@reports_errors
def manifest_merge(
    manifests: Annotated[list[Path], typer.Argument(
        metavar="MANIFEST...", help="The manifest.json files written by each shard.")],
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Where to write the merged manifest.")] = Path(
            "output/manifest.json"),
) -> None:
    """Merge the manifests of a sharded build (--shard K/N) into one."""
    from briefgen.errors import UsageError
    from briefgen.files import write_atomic
    from briefgen.publisher import merge_manifests

    if out.is_dir():
        raise UsageError(f"{out} is a directory", field="--out",
                         hint=f"give the file to write, such as {out / 'manifest.json'}")
    write_atomic(out, merge_manifests(manifests))
    typer.echo(f"wrote {out}")


def main() -> None:
    """Console entry point."""
    # SIGTERM's default action ends this process on the spot: the render workers, the
    # multiprocessing forkserver and its resource tracker outlive it, holding the
    # caller's stdout and stderr open, so a caller waiting for EOF hangs. As an
    # exception it unwinds the build the way Ctrl-C's KeyboardInterrupt does: workers
    # killed, pool shut down, temporary files removed, earlier outputs untouched.
    signal.signal(signal.SIGTERM, _raise_terminated)
    stdout_copy = _copy_of_stdout()
    try:
        try:
            app()
        except SystemExit as exc:
            # Output written by Typer and Rich themselves (--help, usage errors) is
            # outside reports_errors: both end a closed pipe there with exit code 1,
            # which a caller cannot tell from a failure, and Rich has already pointed
            # stdout at /dev/null, so the reader is asked through the copy.
            if exc.code == 1 and _reader_gone(stdout_copy):
                _silence_closed_pipes()
                sys.exit(EXIT_PIPE_CLOSED)
            raise
        finally:
            # Here rather than at interpreter exit, where a closed pipe cannot be
            # handled: output to a pipe is buffered, so this is where most of it is
            # written.
            sys.stdout.flush()
            sys.stderr.flush()
    except BrokenPipeError:
        _silence_closed_pipes()
        sys.exit(EXIT_PIPE_CLOSED)
    except _Terminated:
        try:
            _err("terminated by SIGTERM")
        except BrokenPipeError:
            _silence_closed_pipes()
        sys.exit(EXIT_TERMINATED)
