"""Benchmark briefgen against Typst on the example's embassy briefs, and briefgen alone.

Run from the repository root (not a test; needs ``pip install -e '.[bench]'``)::

    .venv/bin/python benchmarks/bench.py           # everything: half an hour or more
    .venv/bin/python benchmarks/bench.py --quick   # a smoke test: fewer runs, 10 cases

It prints Markdown, measured in one run on one machine:

1. warm render time per document (one process, many documents) of the example's China
   brief in Korean and English (and Chinese, for information): briefgen's render path
   (view, HTML, typeset) against a reused ``typst.Compiler`` setting the same strings with
   the same font files (``typst_build.py``, ``typst/brief.typ``);
2. a cold ``briefgen build`` of the whole example (a new process, a fresh output
   directory, ``--force``) with ``--jobs 1`` and ``--jobs 2``, against a fresh Python
   process compiling the same documents with Typst;
3. a no-op rebuild, and a rebuild after one fact changed;
4. scaling over synthetic content trees (``synthetic.py``) of 10, 100 and 300 cases:
   time, CPU time and peak memory, ``--jobs 1`` and ``--jobs 2``;
5. PDF sizes of the example's China brief, briefgen against Typst;

then every target with its verdict. Progress goes to stderr.

Everything briefgen builds here comes from a snapshot of ``content/``, ``locales/`` and
``templates/`` copied into a temporary directory when the run starts, so edits made in the
working tree during a run do not change what is measured. Fonts are the prepared faces in
``.cache/fonts`` (``$BRIEFGEN_FONT_CACHE``), for briefgen and Typst alike.

Child processes are measured by sampling ``/proc`` every 0.1 s: briefgen typesets in
forkserver workers that its main process never reaps, so ``wait4()``/``RUSAGE_CHILDREN``
(and ``/usr/bin/time``) would miss their CPU time and memory. Each measurement also
reports how many CPUs *other* processes kept busy meanwhile, and waits (up to
``--max-wait`` seconds) for the machine to be quiet before it starts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

try:
    # Checked by its metadata: without the binding, ``import typst`` would still succeed,
    # finding this directory's typst/ templates as a namespace package.
    metadata.version("typst")
except metadata.PackageNotFoundError:
    sys.exit("bench.py: the typst binding is not installed; install the benchmark extra "
             "first: .venv/bin/pip install -c constraints.txt -e '.[bench]'")

import pypdfium2
import synthetic
import typst
import typst_build

from briefgen.build import Paths
from briefgen.catalogs import Translator
from briefgen.fonts import FontSet, load_fonts
from briefgen.fontspec import ROLES
from briefgen.loader import load_content
from briefgen.model import Content
from briefgen.pdfcheck import find_leaks
from briefgen.renderer import Renderer
from briefgen.typesetter import typeset
from briefgen.view import BriefView, ObligationView, ProvisionView, build_brief_view

ROOT = Path(__file__).resolve().parents[1]
BRIEFGEN = Path(sys.executable).parent / "briefgen"
FONT_CACHE = Path(os.environ.get("BRIEFGEN_FONT_CACHE", ROOT / ".cache" / "fonts")).resolve()
CASE = synthetic.EXAMPLE_CASE
AUDIENCE = "china"
STAMP = "0123456789"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.1
QUIET_CPUS = 0.3  # a machine whose other processes use less than this is "quiet"

# Targets from the benchmark's brief; each is reported as met or missed.
TARGET_WARM_RATIO = 5.0  # briefgen's warm render ≤ 5× Typst's
TARGET_NOOP_SECONDS = 0.3  # no-op rebuild, process start included
TARGET_JOBS_SPEEDUP = 1.7  # --jobs 2 against --jobs 1 at 100 cases
TARGET_SIZE_RATIO = 1.5  # briefgen's Korean brief ≤ 1.5× Typst's
LINEAR_TOLERANCE = 0.25  # marginal time per output may differ this much between steps

T = TypeVar("T")


# --- output ---------------------------------------------------------------------------


def say(message: str = "") -> None:
    print(message, flush=True)


def progress(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a Markdown table (pasted into benchmarks/README.md as it is)."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    say(line(cells[0]))
    say("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        say(line(row))
    say()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def kib(size: int) -> str:
    return f"{size / 1024:.0f} KiB"


def mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"


def cpus(load: float) -> str:
    return f"{load:.2f}"


@dataclass(frozen=True)
class Verdict:
    target: str
    measured: str
    met: bool | None  # None: not measured in this run

    @property
    def label(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]


@dataclass
class Results:
    verdicts: list[Verdict] = field(default_factory=list)

    def judge(self, target: str, measured: str, met: bool | None) -> None:
        self.verdicts.append(Verdict(target, measured, met))


# --- the machine ------------------------------------------------------------------------


def _system_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    with Path("/proc/stat").open() as stream:
        values = [int(v) for v in stream.readline().split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values)
    return total - idle, total


class Machine:
    """How busy the other processes keep the CPUs while something is measured."""

    def __init__(self, max_wait: float) -> None:
        self.max_wait = max_wait

    @staticmethod
    def busy_cpus(seconds: float) -> float:
        """CPUs kept busy, on average over the next ``seconds``, by all processes."""
        busy0, total0 = _system_ticks()
        time.sleep(seconds)
        busy1, total1 = _system_ticks()
        return (os.cpu_count() or 1) * (busy1 - busy0) / max(1, total1 - total0)

    def wait_for_quiet(self) -> None:
        """Return when other processes use under QUIET_CPUS, or after max_wait seconds."""
        deadline = time.monotonic() + self.max_wait
        told = False
        while time.monotonic() < deadline:
            load = self.busy_cpus(1.0)
            if load < QUIET_CPUS:
                return
            if not told:
                progress(f"waiting up to {self.max_wait:.0f} s for a quiet machine "
                         f"(other processes keep {load:.1f} CPUs busy)")
                told = True
            time.sleep(2.0)
        if told:
            progress("machine still busy: measuring anyway")


@contextmanager
def others_load() -> Iterator[list[float]]:
    """Yield a list that receives, on exit, the CPUs other processes used meanwhile.

    "Other" is everything but this process's own CPU time (which includes Typst's
    threads), averaged over the block's wall time.
    """
    result: list[float] = []
    busy0, _ = _system_ticks()
    own0 = time.process_time()
    started = time.perf_counter()
    yield result
    busy1, _ = _system_ticks()
    own = time.process_time() - own0
    wall = time.perf_counter() - started
    result.append(max(0.0, ((busy1 - busy0) / CLOCK_TICKS - own) / wall))


# --- child processes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One child process and its descendants, measured from outside."""

    seconds: float  # wall time, process start to exit
    cpu: float  # CPU seconds (user + system) of the whole process tree
    peak_process: int  # bytes: largest RSS of one process of the tree
    peak_tree: int  # bytes: largest sum of RSS over the tree at one moment
    others: float  # CPUs kept busy by processes outside the tree, on average
    output: str  # stdout and stderr, merged
    marks: tuple[tuple[float, str], ...]  # (seconds since start, line) for each line

    def mark(self, pattern: str, *, last: bool = False) -> float | None:
        """When the first (or last) output line matching ``pattern`` was printed."""
        found = [at for at, line in self.marks if re.search(pattern, line)]
        if not found:
            return None
        return found[-1] if last else found[0]

    def count(self, pattern: str) -> int | None:
        found = re.search(pattern, self.output)
        return int(found.group(1)) if found else None


class _TreeSampler:
    """CPU time and RSS of a process and its descendants, sampled from /proc."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.cpu_ticks: dict[int, int] = {}  # pid -> last seen utime + stime
        self.peak_process = 0
        self.peak_tree = 0

    def sample(self) -> None:
        parents: dict[int, int] = {}
        stats: dict[int, tuple[int, int]] = {}  # pid -> (cpu ticks, rss bytes)
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stream:  # noqa: PTH123
                    text = stream.read().decode(errors="replace")
            except OSError:
                continue
            fields = text.rpartition(")")[2].split()  # fields[0] is field 3, "state"
            pid = int(entry.name)
            parents[pid] = int(fields[1])
            stats[pid] = (int(fields[11]) + int(fields[12]), int(fields[21]) * PAGE_SIZE)
        children: dict[int, list[int]] = {}
        for pid, parent in parents.items():
            children.setdefault(parent, []).append(pid)
        tree_rss = 0
        stack = [self.root]
        while stack:
            pid = stack.pop()
            if pid in stats:
                ticks, rss = stats[pid]
                self.cpu_ticks[pid] = max(ticks, self.cpu_ticks.get(pid, 0))
                self.peak_process = max(self.peak_process, rss)
                tree_rss += rss
            stack.extend(children.get(pid, ()))
        self.peak_tree = max(self.peak_tree, tree_rss)

    @property
    def cpu(self) -> float:
        return sum(self.cpu_ticks.values()) / CLOCK_TICKS


def run(command: Sequence[str | Path], *, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> Run:
    """Run ``command`` to completion, measuring it; a non-zero exit is an error."""
    argv = [str(c) for c in command]
    busy0, _ = _system_ticks()
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=env, cwd=cwd, text=True, errors="replace")
    sampler = _TreeSampler(process.pid)
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append((time.perf_counter() - started, line.rstrip("\n")))

    stop = threading.Event()

    def sample() -> None:
        sampler.sample()
        while not stop.wait(SAMPLE_SECONDS):
            sampler.sample()

    threads = [threading.Thread(target=read, daemon=True),
               threading.Thread(target=sample, daemon=True)]
    for thread in threads:
        thread.start()
    process.wait()  # blocks in waitpid(): the wall time is exact, not rounded to a sample
    seconds = time.perf_counter() - started
    busy1, _ = _system_ticks()
    stop.set()
    for thread in threads:
        thread.join()
    output = "\n".join(line for _, line in lines)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {process.returncode}:\n{output}")
    cpu = sampler.cpu
    others = max(0.0, ((busy1 - busy0) / CLOCK_TICKS - cpu) / seconds)
    return Run(seconds, cpu, sampler.peak_process, sampler.peak_tree, others, output,
               tuple(lines))


def briefgen_env() -> dict[str, str]:
    return {**os.environ, "BRIEFGEN_FONT_CACHE": str(FONT_CACHE)}


def briefgen_build(project: Path, out: Path, *extra: str) -> Run:
    return run([BRIEFGEN, "build", "--content", project / "content", "--out", out, *extra],
               env=briefgen_env(), cwd=project)


def snapshot(destination: Path) -> Path:
    """Copy what a build reads (content, locales, templates) into ``destination``."""
    for name in ("content", "locales", "templates"):
        shutil.copytree(ROOT / name, destination / name)
    return destination


# --- briefgen's view as Typst data ----------------------------------------------------------

_EMPHASIS = re.compile(r"\*([^*]+)\*")


def runs(markdown: str) -> list[tuple[str, bool]]:
    """Inline Markdown as (text, emphasised) runs: the content uses only *emphasis*."""
    parts = _EMPHASIS.split(markdown)
    return [(part, index % 2 == 1) for index, part in enumerate(parts) if part]


def typst_families(fonts: FontSet, book: typst.Fonts) -> dict[tuple[str, str], str]:
    """(lang, role) -> the family name Typst reads from the same prepared font file.

    briefgen's CSS names ("Brief Serif KR") are aliases; Typst knows a face by the
    family in its name table ("Noto Serif CJK KR"), so the file is the link.
    """
    by_path = {Path(info.path).resolve(): info.family for info in book.fonts() if info.path}
    families: dict[tuple[str, str], str] = {}
    for lang in fonts.languages:
        for role in ROLES:
            stack = fonts.family_stack(lang, role)
            face = next(f for f in fonts.faces if f.family == stack[0])
            families[(lang, role)] = by_path[face.path.resolve()]
    return families


def brief_data(view: BriefView, translator: Translator, stamp: str,
               families: dict[tuple[str, str], str]) -> dict[str, Any]:
    """The strings the brief shows (content and labels) as JSON data for typst/brief.typ.

    Labels are translated with the same catalog and the same English msgids as
    templates/brief.html uses.
    """
    audience = view.audience

    def label(text: str, **values: str) -> str:
        translated = translator.gettext(text)
        return translated % values if values else translated

    status = {"confirmed": label("Confirmed"), "reported": label("Reported"),
              "disputed": label("Disputed")}
    case_status = {"ongoing": label("Ongoing"), "resolved": label("Resolved"),
                   "unknown": label("Status unknown")}
    priority = {"high": label("High priority"), "medium": label("Medium priority"),
                "low": label("Low priority")}
    participation = {"signature": label("Signature"), "ratification": label("Ratification"),
                     "accession": label("Accession"), "succession": label("Succession")}
    standing = {
        "party": label("%(audience)s is a party to this treaty.", audience=audience),
        "signatory": label("%(audience)s has signed but not ratified this treaty, so it is "
                           "not bound by it as a party.", audience=audience),
        "not-party": label("%(audience)s is not a party to this treaty; its provisions do "
                           "not bind it as treaty law.", audience=audience),
        "customary": label("Customary international law: binds every state, whether or "
                           "not it is party to a treaty."),
        "national": label("National law of %(audience)s.", audience=audience),
        "bilateral": label("A bilateral agreement to which %(audience)s is a party.",
                           audience=audience),
    }

    def provision(p: ProvisionView) -> dict[str, Any]:
        extra = [label("(summary)")] if p.text_kind == "summary" else []
        if p.unofficial:
            extra.append(label("Unofficial translation"))
        return {"citation": p.citation, "extra": " ".join(extra), "text": runs(p.text),
                "notes": p.notes}

    def obligation(ob: ObligationView) -> dict[str, Any]:
        return {
            "title": ob.title,
            "standing": standing.get(ob.standing, ""),
            "participation": [f"{participation[kind]}: {date or label('date not recorded')}"
                              for kind, date in ob.participation],
            "provisions": [provision(p) for p in ob.provisions],
            "customary_title": ob.customary_title,
            "customary_provisions": [provision(p) for p in ob.customary_provisions],
        }

    def cites(citations: Sequence[str], concerns: str) -> str:
        text = "; ".join(citations)
        return f"{text} · {label('Concerns %(names)s', names=concerns)}" if concerns else text

    def source_details(author: str | None, date: str | None, language: str) -> str:
        return (f"{label('Author')}: {author or label('not stated')}. "
                f"{label('Date')}: {date or label('not stated')}. "
                f"{label('Language')}: {language}.")

    classification = label("Public") if view.classification == "public" else label(
        "Contains restricted material: do not circulate")
    return {
        "lang": view.lang.partition("-")[0],
        "region": None,
        "fonts": {role: families[(view.lang, role)] for role in ("serif", "sans")},
        "title": view.title,
        "organisation": view.organisation,
        "labels": {
            "kind": label("Embassy brief"),
            "classification": classification,
            "audience": label("Brief for meetings with %(audience)s", audience=audience),
            "page": label("Page {page} of {pages}"),
            "footer": " · ".join([
                label("Prepared by %(organisation)s", organisation=view.organisation),
                label("Build %(stamp)s", stamp=stamp),
                label("as of %(date)s", date=view.as_of)]),
            "summary": label("Summary"),
            "requests": label("Requests to %(audience)s", audience=audience),
            "people": label("The people concerned"),
            "facts": label("Key facts"),
            "disputed": label("Where the sources disagree"),
            "timeline": label("Timeline"),
            "timeline_head": [label("Date"), label("Event"), label("Place")],
            "obligations": label("Obligations of %(audience)s", audience=audience),
            "customary_instead": label("Instead, the customary rule applies:"),
            "analysis": label("Legal analysis"),
            "findings": label("Findings of international bodies"),
            "other_requests": label("Requests to others"),
            "sources": label("Sources"),
        },
        "facts_line": [[label("As of"), view.as_of],
                       [label("Case status"), case_status[view.status]],
                       [label("Prepared by"), view.organisation]],
        "summary": runs(view.summary),
        "asks": [{"priority": priority[a.priority], "high": a.priority == "high",
                  "text": runs(a.text), "notes": a.notes} for a in view.asks_to_audience],
        "group": None if view.group is None else {
            "summary": runs(view.group.summary), "notes": view.group.notes,
            "members": [{"text": runs(m.description), "notes": m.notes}
                        for m in view.group.members]},
        "facts": [{"status": status[f.status], "text": runs(f.text), "notes": f.notes}
                  for f in view.facts],
        "disputed": [{"text": runs(f.text),
                      "accounts": [{"text": runs(a.text), "notes": a.notes}
                                   for a in f.accounts]} for f in view.disputed],
        "timeline": [{"date": t.date, "event": runs(t.event), "place": t.place or "",
                      "notes": t.notes} for t in view.timeline],
        "obligations": [obligation(ob) for ob in view.obligations]
        if view.audience_is_state else None,
        "analysis": [{"cites": cites(a.citations, a.concerns), "reasoning": runs(a.reasoning),
                      "notes": a.notes} for a in view.analysis],
        "findings": [obligation(ob) for ob in view.findings],
        "other_asks": [{"to": a.to, "text": runs(a.text), "notes": a.notes}
                       for a in view.other_asks],
        "sources": [{"number": s.number, "outlet": s.outlet or label("Outlet not stated"),
                     "title": s.title, "details": source_details(s.author, s.date, s.language),
                     "url": s.url, "note": s.note} for s in view.sources],
    }


def tagged(data: Any, tag: str) -> Any:
    """``data`` with ``tag`` appended to every string, so that no paragraph repeats."""
    if isinstance(data, str):
        return data + tag
    if isinstance(data, dict):
        return {k: v if k in ("fonts", "lang", "region") else tagged(v, tag)
                for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [tagged(item, tag) for item in data]
    return data


# --- briefgen in this process ---------------------------------------------------------------


# The brief's HTML with the least a reader needs (its fonts, the page, a type size):
# what WeasyPrint's layout costs for this text whatever the design asks of it.
BARE_CSS = """@page { size: A4; margin: 20mm }
html { font-family: "Brief Serif"; font-size: 10pt; line-height: 1.4 }
html:lang(ko) { font-family: "Brief Serif KR" }
html:lang(zh-Hans) { font-family: "Brief Serif SC" }
"""


@dataclass
class Briefgen:
    """briefgen's render path, set up once as a long-running process would be."""

    paths: Paths
    content: Content
    fonts: FontSet
    translators: dict[str, Translator]
    renderer: Renderer
    families: dict[tuple[str, str], str]

    @classmethod
    def load(cls, project: Path) -> Briefgen:
        paths = Paths.for_content(project / "content")
        content = load_content(paths.content)
        locales = tuple(content.project.locales)
        fonts = load_fonts(FONT_CACHE, spec_path=paths.templates / "fonts.yaml",
                           languages=locales)
        translators = {
            locale: Translator(locale, content.project.source_locale, paths.locales,
                               paths.content.parent)
            for locale in locales
        }
        families = typst_families(fonts, typst_build.font_book(FONT_CACHE))
        return cls(paths, content, fonts, translators, Renderer(paths.templates), families)

    def view(self, case: str, audience: str, locale: str) -> BriefView:
        return build_brief_view(self.content, self.content.cases[case], audience, locale,
                                self.translators[locale])

    def data(self, case: str, audience: str, locale: str) -> dict[str, Any]:
        """The brief's strings for Typst, as plain JSON types."""
        data = brief_data(self.view(case, audience, locale), self.translators[locale], STAMP,
                          self.families)
        plain: dict[str, Any] = json.loads(json.dumps(data))
        return plain

    def render(self, case: str, audience: str, locale: str, stamp: str, *,
               bare: bool = False) -> tuple[bytes, tuple[float, float, float]]:
        """One brief as PDF, and the seconds spent in view, HTML and typesetting.

        ``bare``: the same HTML with :data:`BARE_CSS` instead of the brief's stylesheet.
        """
        t0 = time.perf_counter()
        view = self.view(case, audience, locale)
        t1 = time.perf_counter()
        rendered = self.renderer.render("brief", view, self.translators[locale], paper="a4",
                                        build_stamp=stamp)
        t2 = time.perf_counter()
        result = typeset(
            rendered.html,
            base_url=self.paths.templates.as_uri() + "/",
            stylesheets=[BARE_CSS if bare else rendered.css],
            fonts=self.fonts,
            allowed_roots=(self.paths.templates, FONT_CACHE, self.paths.content),
            pdf_identifier=hashlib.sha256(rendered.html.encode()).hexdigest()[:32].encode(),
            metadata_date=view.as_of_iso,
            origin=f"{case}_{audience}_{locale}",
        )
        t3 = time.perf_counter()
        return result.pdf, (t1 - t0, t2 - t1, t3 - t2)


# --- 1. warm render ---------------------------------------------------------------------


def warm(bg: Briefgen, locales: Sequence[str], runs_per_doc: int, machine: Machine,
         results: Results) -> dict[str, bytes]:
    say(f"## 1. Warm render per document (one process; median of {runs_per_doc} runs after "
        "two warm-up runs)")
    say()
    compiler = typst_build.make_compiler(FONT_CACHE)
    pdfs: dict[str, bytes] = {}
    rows = []
    for locale in locales:
        progress(f"warm render, {locale}")
        machine.wait_for_quiet()
        with others_load() as others:
            pdfs[f"briefgen-{locale}"], _ = bg.render(CASE, AUDIENCE, locale, STAMP)
            bg.render(CASE, AUDIENCE, locale, STAMP)
            parts = []
            for index in range(runs_per_doc):
                # A different build stamp each time, as different documents have.
                parts.append(bg.render(CASE, AUDIENCE, locale, f"{index:010d}")[1])
            ours = statistics.median(sum(p) for p in parts)
            restricted = bg.view(CASE, AUDIENCE, locale).restricted_texts
            leaks = []
            for _ in range(max(3, runs_per_doc // 3)):
                started = time.perf_counter()
                find_leaks(pdfs[f"briefgen-{locale}"], restricted, filename=locale)
                leaks.append(time.perf_counter() - started)
            view_s, html_s, typeset_s = (statistics.median(p[i] for p in parts)
                                         for i in range(3))

            data = bg.data(CASE, AUDIENCE, locale)
            pdfs[f"typst-{locale}"] = typst_build.compile_brief(compiler, data)
            pdfs[f"typst-untagged-{locale}"] = typst_build.compile_brief(compiler, data,
                                                                         tagged=False)
            typst_build.compile_brief(compiler, tagged(data, " warm-up"))
            same, distinct = [], []
            for index in range(runs_per_doc):
                # Every text run changed: Typst's memoization cannot reuse a paragraph
                # laid out by an earlier compilation, as with really different documents.
                variant = json.dumps(tagged(data, f" {index}"), ensure_ascii=False)
                started = time.perf_counter()
                typst_build.compile_brief(compiler, variant)
                distinct.append(time.perf_counter() - started)
                started = time.perf_counter()
                typst_build.compile_brief(compiler, variant)
                same.append(time.perf_counter() - started)
            theirs = statistics.median(distinct)
        ratio = ours / theirs
        rows.append([locale, ms(ours), f"{ms(view_s)} / {ms(html_s)} / {ms(typeset_s)}",
                     ms(statistics.median(leaks)), ms(theirs), ms(statistics.median(same)),
                     f"{ratio:.1f}×", cpus(others[0])])
        if locale in ("ko", "en"):
            results.judge(f"warm render, {locale}: briefgen ≤ {TARGET_WARM_RATIO:g}× Typst",
                          f"{ratio:.1f}× ({ms(ours)} vs {ms(theirs)})",
                          ratio <= TARGET_WARM_RATIO)
    table(["locale", "briefgen", "of which view / HTML / typeset",
           "not included: restricted-text check", "Typst", "Typst, same input again",
           "briefgen ÷ Typst", "other load (CPUs)"], rows)
    say("Typst is timed on inputs whose every text run differs from the previous "
        "compilation's, as distinct documents' do; compiling the identical input again "
        "(memoized layout reused) is shown for reference. briefgen's typeset time is "
        "`briefgen.typesetter.typeset` with the process's reused FontConfiguration. "
        "A build also reads every public PDF back to look for restricted text "
        "(`briefgen.pdfcheck.find_leaks`, run by the render workers); its time is shown "
        "separately and is not part of the ratio. "
        "Chinese is for information; the target concerns Korean and English.")
    say()
    return pdfs


# --- 1b. where a warm render's time goes ------------------------------------------------------

# WeasyPrint's stages, as (module, attribute, label, is a generator). Each is wrapped where
# WeasyPrint looks it up (``weasyprint.document`` imports its helpers by name).
STAGES = (
    ("weasyprint", "HTML.__init__", "parse HTML", False),
    ("weasyprint", "CSS.__init__", "parse CSS (@font-face included)", False),
    ("weasyprint.document", "get_all_computed_styles", "cascade", False),
    ("weasyprint.document", "build_formatting_structure", "box tree", False),
    ("weasyprint.document", "layout_document", "line and page layout", True),
    ("weasyprint.document", "Page.paint", "drawing", False),
    ("weasyprint.pdf", "build_fonts_dictionary", "font subsets (HarfBuzz)", False),
    ("weasyprint.pdf", "add_tags", "structure tree (tags)", False),
    ("pydyf", "PDF.write", "serialising and compressing", False),
)


@contextmanager
def timed_stages(spent: dict[str, float]) -> Iterator[None]:
    """Add the seconds spent in each of WeasyPrint's STAGES to ``spent`` meanwhile."""
    import importlib

    restore: list[tuple[Any, str, Any]] = []

    def wrap(function: Callable[..., Any], label: str, generator: bool) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - started

        def timed_generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            # Only the time inside the generator: its consumer's is not the stage's.
            iterator = function(*args, **kwargs)
            while True:
                started = time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    return
                finally:
                    spent[label] = spent.get(label, 0.0) + time.perf_counter() - started
                yield item

        return timed_generator if generator else timed

    try:
        for module_name, attribute, label, generator in STAGES:
            owner: Any = importlib.import_module(module_name)
            *path, name = attribute.split(".")
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, name)
            restore.append((owner, name, original))
            setattr(owner, name, wrap(original, label, generator))
        yield
    finally:
        for owner, name, original in reversed(restore):
            setattr(owner, name, original)


def breakdown(bg: Briefgen, locales: Sequence[str], runs_per_doc: int,
              machine: Machine) -> None:
    say(f"## 1b. Where a warm brief's time goes (mean of {runs_per_doc} runs)")
    say()
    rows = []
    labels = [label for _module, _attribute, label, _generator in STAGES]
    for locale, bare in itertools.product(locales, (False, True)):
        progress(f"warm render breakdown, {locale}{', bare stylesheet' if bare else ''}")
        machine.wait_for_quiet()
        pdf, _ = bg.render(CASE, AUDIENCE, locale, STAMP, bare=bare)
        pages = len(pypdfium2.PdfDocument(pdf))
        spent: dict[str, float] = {}
        totals = [0.0, 0.0, 0.0]
        with timed_stages(spent):
            for index in range(runs_per_doc):
                parts = bg.render(CASE, AUDIENCE, locale, f"{index:010d}", bare=bare)[1]
                totals = [total + part for total, part in zip(totals, parts, strict=True)]
        view_s, html_s, typeset_s = (total / runs_per_doc for total in totals)
        stages = [spent.get(label, 0.0) / runs_per_doc for label in labels]
        rows.append([f"{locale}, bare stylesheet" if bare else locale, str(pages),
                     ms(view_s + html_s), *map(ms, stages),
                     ms(typeset_s - sum(stages)), ms(view_s + html_s + typeset_s)])
    table(["locale", "pages", "briefgen's view and HTML", *labels,
           "rest of typesetting (checks, PDF objects)", "total"], rows)
    say("Timed by wrapping WeasyPrint's functions for the stages named (which adds a "
        "little time of its own), in the same process as section 1 after it. *Rest of "
        "typesetting*: briefgen's checks of the log and of the embedded fonts, its "
        "fixes to the PDF objects (artifacts, XMP), WeasyPrint's other PDF objects "
        "(links, outline, metadata). *Bare stylesheet*: the same HTML typeset with only "
        "fonts, page size and type size (`BARE_CSS`), none of the brief's design: the "
        "layout time WeasyPrint needs for this text under any design.")
    say()


# --- 2. cold build of the example ------------------------------------------------------------


def example_data(bg: Briefgen, into: Path) -> int:
    """Write the Typst data of every brief of the example into ``into``; their count."""
    into.mkdir(parents=True)
    count = 0
    for case_id in sorted(bg.content.cases):
        for audience in bg.content.cases[case_id].audiences:
            for locale in bg.content.project.locales:
                data = bg.data(case_id, audience, locale)
                name = f"{case_id}_brief_{audience}_{locale}.json"
                (into / name).write_text(json.dumps(data, ensure_ascii=False),
                                         encoding="utf-8")
                count += 1
    return count


def cold(bg: Briefgen, project: Path, work: Path, repeats: int, machine: Machine,
         locales: Sequence[str]) -> None:
    kinds = ", ".join(bg.content.project.documents)
    say(f"## 2. Cold build of the example (documents {kinds}; locales {', '.join(locales)}; "
        f"new process, fresh output directory; best of {repeats} by wall time)")
    say()
    briefs = example_data(bg, work / "typst-data")
    script = Path(typst_build.__file__).resolve()

    def build(*extra: str) -> Any:
        return lambda i: briefgen_build(project, work / f"cold-{'-'.join(extra)}-{i}",
                                        "--force", *extra)

    commands: list[tuple[str, Any]] = [
        ("`briefgen build --force --jobs 1` (whole example)", build("--jobs", "1")),
        ("`briefgen build --force --jobs 2` (whole example)", build("--jobs", "2")),
        ("`briefgen build --force --jobs 1 --doc brief`", build("--jobs", "1", "--doc", "brief")),
        ("Typst: new `python typst_build.py` (briefs)",
         lambda i: run([sys.executable, script, work / "typst-data", work / f"typst-out-{i}",
                        FONT_CACHE])),
    ]
    rows = []
    for name, command in commands:
        progress(f"cold build: {name}")
        measured = []
        for index in range(repeats):
            machine.wait_for_quiet()
            measured.append(command(index))
        best: Run = min(measured, key=lambda r: r.seconds)
        count = best.count(r"built (\d+),") or best.count(r"^(\d+) document") or briefs
        rows.append([name, count, secs(best.seconds), ms(best.seconds / count),
                     secs(best.cpu), mib(best.peak_tree), cpus(best.others)])
    table(["build", "documents", "wall time", "per document", "CPU time", "peak RSS (tree)",
           "other load (CPUs)"], rows)
    say("Typst builds the briefs only (there is no Typst handout template): compare it with "
        "the `--doc brief` row. Its process reads each brief's strings from a JSON file "
        "that this script extracted from briefgen's views beforehand: it loads no content "
        "or catalogs and writes no manifest. All rows include interpreter start-up.")
    say()


# --- 3. rebuilds -----------------------------------------------------------------------------


def change_one_fact(project: Path) -> str:
    path = project / "content" / "cases" / CASE / "case.yaml"
    text = path.read_text(encoding="utf-8")
    old = "The group left north-eastern China on 16 October 2015 and travelled to Vietnam."
    if old not in text:
        raise RuntimeError(f"the fact to change is not in {path}")
    path.write_text(text.replace(old, old.replace("travelled", "went")), encoding="utf-8")
    return "left-china"


def rebuilds(project: Path, work: Path, repeats: int, machine: Machine,
             results: Results) -> None:
    say(f"## 3. Rebuilds (new process each; median of {repeats})")
    say()
    out = work / "rebuild-out"
    briefgen_build(project, out)
    rows = []
    noop = 0.0
    commands: list[tuple[str, list[str | Path]]] = [
        ("no-op: `briefgen build`, every output current",
         [BRIEFGEN, "build", "--content", project / "content", "--out", out]),
        ("no-op: `briefgen build --check`",
         [BRIEFGEN, "build", "--content", project / "content", "--out", out, "--check"]),
        ("for reference: `briefgen --help`", [BRIEFGEN, "--help"]),
        ("for reference: `python -c pass`", [sys.executable, "-c", "pass"]),
    ]
    for name, command in commands:
        progress(f"rebuild: {name}")
        measured = []
        for _ in range(repeats):
            machine.wait_for_quiet()
            measured.append(run(command, env=briefgen_env(), cwd=project))
        seconds = statistics.median(r.seconds for r in measured)
        noop = noop or seconds
        rows.append([name, secs(seconds), secs(statistics.median(r.cpu for r in measured)),
                     cpus(statistics.median(r.others for r in measured))])

    progress("rebuild: one fact changed (project locales set to [en])")
    english = snapshot(work / "english-project")
    synthetic.set_locales(english / "content" / "project.yaml", ["en"])
    en_out = work / "english-out"
    briefgen_build(english, en_out, "--jobs", "1")
    fact = change_one_fact(english)
    machine.wait_for_quiet()
    changed = briefgen_build(english, en_out, "--jobs", "1")
    built = changed.count(r"built (\d+),")
    rows.append([f"one fact (`{fact}`) changed in case.yaml; locales [en]; `--jobs 1`; "
                 f"{built} PDFs rebuilt",
                 secs(changed.seconds), secs(changed.cpu), cpus(changed.others)])
    table(["rebuild", "wall time", "CPU time", "other load (CPUs)"], rows)
    say("The one-fact rebuild runs on a copy of the example whose project.yaml lists only "
        "`en`, so that changing the English text leaves no Korean or Chinese translation "
        "stale (which would fail the build); every brief of the case uses the fact, so "
        "every English brief is rebuilt.")
    say()
    results.judge(f"no-op rebuild ≤ {TARGET_NOOP_SECONDS:g} s", secs(noop),
                  noop <= TARGET_NOOP_SECONDS)


# --- 4. scaling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    cases: int
    outputs: int
    jobs: int
    run: Run
    noop: Run


def scaling(project: Path, work: Path, counts: Sequence[int], locales: Sequence[str],
            machine: Machine, results: Results) -> None:
    say(f"## 4. Scaling: synthetic trees of the example case copied N times, one audience "
        f"({AUDIENCE}), locales {', '.join(locales)}")
    say()
    rows = []
    scales: list[Scale] = []
    for cases in counts:
        tree = work / f"synthetic-{cases}"
        synthetic.generate(project, tree, cases=cases, locales=locales, audience=AUDIENCE)
        outputs = cases * len(locales)
        for jobs in (1, 2):
            progress(f"scaling: {cases} cases × {len(locales)} locales = {outputs} outputs, "
                     f"--jobs {jobs}")
            out = work / f"synthetic-{cases}-out-{jobs}"
            machine.wait_for_quiet()
            result = briefgen_build(tree, out, "--jobs", str(jobs))
            machine.wait_for_quiet()
            noop = briefgen_build(tree, out)
            shutil.rmtree(out)
            scales.append(Scale(cases, outputs, jobs, result, noop))
            progress(f"  {secs(result.seconds)}, {ms(result.seconds / outputs)} per output; "
                     f"no-op {secs(noop.seconds)}")
            typesetting = result.mark(r"^rendering \d+ document")
            rows.append([cases, outputs, jobs, secs(result.seconds),
                         ms(result.seconds / outputs),
                         secs(typesetting) if typesetting is not None else "?",
                         secs(result.cpu), mib(result.peak_process), mib(result.peak_tree),
                         cpus(result.others), secs(noop.seconds)])
        shutil.rmtree(tree)
    table(["cases", "outputs", "jobs", "wall time", "per output", "until all HTML is rendered",
           "CPU time", "peak RSS, one process", "peak RSS, tree", "other load (CPUs)",
           "no-op rebuild"], rows)
    say("*Until all HTML is rendered*: from process start to the build's "
        "`rendering N document(s)` "
        "line (loading content, planning, views, HTML, font coverage checks: all serial, "
        "in the main process, while the workers typeset each document whose HTML is "
        "ready). Peak RSS is sampled every 0.1 s: the largest single process, "
        "and the largest sum over the build and its workers. *No-op rebuild*: "
        "`briefgen build` again on the finished output.")
    say()

    for jobs in (1, 2):
        series = [s for s in scales if s.jobs == jobs]
        steps = [(a.outputs, b.outputs, (b.run.seconds - a.run.seconds) / (b.outputs - a.outputs))
                 for a, b in itertools.pairwise(series)]
        target = (f"time linear in outputs, --jobs {jobs} (marginal time per output within "
                  f"{LINEAR_TOLERANCE:.0%} from step to step)")
        if len(steps) < 2:
            results.judge(target, "needs three scales", None)
            continue
        text = ", ".join(f"{lo}→{hi} outputs: {ms(m)}" for lo, hi, m in steps)
        spread = max(m for *_, m in steps) / min(m for *_, m in steps) - 1
        results.judge(target, text, spread <= LINEAR_TOLERANCE)
    at_100 = {s.jobs: s.run.seconds for s in scales if s.cases == 100}
    target = f"--jobs 2 ≥ {TARGET_JOBS_SPEEDUP:g}× faster than --jobs 1 at 100 cases"
    if len(at_100) == 2:
        speedup = at_100[1] / at_100[2]
        results.judge(target, f"{speedup:.2f}× ({secs(at_100[1])} vs {secs(at_100[2])})",
                      speedup >= TARGET_JOBS_SPEEDUP)
    else:
        results.judge(target, "100 cases not run", None)


# --- 5. sizes --------------------------------------------------------------------------------


def sizes(pdfs: dict[str, bytes], locales: Sequence[str], results: Results) -> None:
    say("## 5. PDF size of the example's China brief")
    say()
    rows = []
    for locale in locales:
        ours = len(pdfs[f"briefgen-{locale}"])
        tagged, untagged = len(pdfs[f"typst-{locale}"]), len(pdfs[f"typst-untagged-{locale}"])
        rows.append([locale, kib(ours), kib(tagged), f"{ours / tagged:.2f}×", kib(untagged),
                     f"{ours / untagged:.2f}×"])
        if locale == "ko":
            results.judge(f"Korean brief: briefgen ≤ {TARGET_SIZE_RATIO:g}× Typst's size "
                          "(both tagged)", f"{ours / tagged:.2f}× ({kib(ours)} vs "
                          f"{kib(tagged)})", ours / tagged <= TARGET_SIZE_RATIO)
    table(["locale", "briefgen", "Typst", "briefgen ÷ Typst", "Typst, untagged",
           "briefgen ÷ untagged"], rows)
    say("briefgen's PDFs are tagged PDF/UA-1 (a structure tree for screen readers), as "
        "Typst's are by default: the tagged columns are the like-for-like comparison, and "
        "the target's. Typst without tags is shown for information. Typst subsets fonts to "
        "the glyphs used; WeasyPrint keeps glyph ids, so each embedded CJK subset also "
        "carries an empty slot for every glyph below the highest one used.")
    say()


# --- main ------------------------------------------------------------------------------------


def attempt(name: str, results: Results, section: Callable[[], T]) -> T | None:
    """Run one section; if it fails (briefgen is edited while this runs), say so and go on."""
    try:
        return section()
    except Exception as exc:  # a benchmark reports what it could measure
        detail = "\n".join(str(exc).strip().splitlines()[-3:])
        say(f"**Section {name} failed**: {type(exc).__name__}: {detail}")
        say()
        results.judge(f"section {name}", "failed", None)
        return None


def translations_complete(project: Path) -> bool:
    """Whether ``briefgen validate`` accepts the project (every translation present)."""
    try:
        run([BRIEFGEN, "validate", "--content", project / "content"], env=briefgen_env(),
            cwd=project)
    except RuntimeError as exc:
        progress(f"validation failed: {str(exc).splitlines()[-1]}")
        return False
    return True


def describe_machine() -> str:
    return (f"{dt.date.today().isoformat()}; {platform.machine()}, {os.cpu_count()} CPUs "
            f"(`nproc`); Python {platform.python_version()}; typst binding "
            f"{metadata.version('typst')}; {platform.platform()}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and only 10 synthetic cases: a smoke test")
    parser.add_argument("--max-wait", type=float, default=None, metavar="SECONDS",
                        help="wait at most this long for a quiet machine before each "
                             "measurement (default 120, or 0 with --quick)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (its path is printed)")
    args = parser.parse_args(argv)
    runs_per_doc, repeats = (3, 1) if args.quick else (15, 3)
    counts = (10,) if args.quick else (10, 100, 300)
    machine = Machine(args.max_wait if args.max_wait is not None else
                      (0.0 if args.quick else 120.0))

    say(f"# briefgen benchmark{' (--quick)' if args.quick else ''}")
    say()
    say(f"Machine: {describe_machine()}")
    say()
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="briefgen-bench-"))
    results = Results()
    try:
        project = snapshot(work / "project")
        locales = ["en", "ko", "zh-Hans"]
        if not translations_complete(project):
            locales = ["en", "ko"]
            say("zh-Hans translations are incomplete (`briefgen validate` fails): the "
                "example and the synthetic trees are built in en and ko only.")
            say()
            synthetic.set_locales(project / "content" / "project.yaml", locales)
        bg = Briefgen.load(project)
        warm_locales = [locale for locale in ("ko", "en", "zh-Hans") if locale in locales]
        pdfs = attempt("1. warm render", results,
                       lambda: warm(bg, warm_locales, runs_per_doc, machine, results))
        attempt("1b. warm render breakdown", results,
                lambda: breakdown(bg, warm_locales, runs_per_doc, machine))
        attempt("2. cold build", results,
                lambda: cold(bg, project, work, repeats, machine, locales))
        attempt("3. rebuilds", results,
                lambda: rebuilds(project, work, max(repeats, 3), machine, results))
        attempt("4. scaling", results,
                lambda: scaling(project, work, counts, locales, machine, results))
        if pdfs is not None:
            sizes(pdfs, warm_locales, results)
        say("## Targets")
        say()
        table(["target", "measured", "verdict"],
              [[v.target, v.measured, v.label] for v in results.verdicts])
        say(f"Benchmark run time: {time.perf_counter() - started:.0f} s")
    finally:
        if args.keep:
            say(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
