"""Turn a content directory into written documents: the one entry point of every build.

Phases, each finished for every document before the next starts, so a problem anywhere
stops the build before anything is written:

1. load and validate all content (``loader``);
2. plan the documents the options ask for;
3. localize each into a view and render its HTML, checking every character against the
   configured fonts;
4. typeset every PDF in memory;
5. publish: write the files atomically and update the manifest.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefgen import __version__
from briefgen.catalogs import Translator, parse_locale
from briefgen.errors import (
    BriefgenError,
    ContentError,
    FontError,
    ProblemReport,
    UsageError,
    Warning_,
)
from briefgen.loader import load_content
from briefgen.model import Case, Content
from briefgen.publisher import ManifestEntry, Publication, check_writable, publish, sha256

PAPERS = ("a4", "letter")
PACKAGE_ROOT = Path(__file__).resolve().parents[2]

Progress = Callable[[str], None]


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
                templates = PACKAGE_ROOT / "templates"
        cache = os.environ.get("BRIEFGEN_FONT_CACHE")
        return cls(
            content=content,
            out=(out or root / "output").resolve(),
            templates=templates.resolve(),
            locales=root / "locales",
            font_cache=Path(cache).resolve() if cache else root / ".cache" / "fonts",
        )


@dataclass(frozen=True)
class Target:
    """One document to produce."""

    case: str
    document: str
    audience: str
    locale: str
    restricted: bool = False

    @property
    def filename(self) -> str:
        # Names stand alone when a PDF is emailed: case, kind, audience, locale.
        suffix = "_restricted" if self.restricted else ""
        return f"{self.case}_{self.document}_{self.audience}_{self.locale}{suffix}.pdf"


@dataclass(frozen=True)
class Selection:
    cases: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    include_restricted: bool = False


@dataclass
class BuildReport:
    targets: list[Target]
    written: list[ManifestEntry] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    seconds: float = 0.0


def plan(content: Content, selection: Selection) -> list[Target]:
    """The documents a build with ``selection`` produces; unknown names are usage errors."""
    project = content.project
    _check_choice("--case", selection.cases, sorted(content.cases))
    _check_choice("--doc", selection.documents, list(project.documents))
    all_audiences = sorted({a for c in content.cases.values() for a in c.audiences})
    _check_choice("--audience", selection.audiences, all_audiences)
    for tag in selection.locales:
        parse_locale(tag)
    _check_choice("--locale", selection.locales, list(project.locales))

    targets = []
    for case_id in sorted(content.cases):
        if selection.cases and case_id not in selection.cases:
            continue
        case = content.cases[case_id]
        for document in project.documents:
            if selection.documents and document not in selection.documents:
                continue
            for audience in case.audiences:
                if selection.audiences and audience not in selection.audiences:
                    continue
                for locale in project.locales:
                    if selection.locales and locale not in selection.locales:
                        continue
                    targets.append(Target(case_id, document, audience, locale,
                                          selection.include_restricted))
    return targets


def _check_choice(option: str, given: Iterable[str], known: Sequence[str]) -> None:
    import difflib

    for value in given:
        if value not in known:
            close = difflib.get_close_matches(value, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else (
                "expected one of: " + ", ".join(known) if known else "nothing is configured")
            raise UsageError(f"unknown value {value!r}", field=option, hint=hint)


def validate(paths: Paths, *, strict: bool = False) -> Content:
    """Load and check all content and every locale's catalogs; write nothing."""
    content = load_content(paths.content)
    _fail_on_warnings(content, strict)
    _check_translations(content, paths, plan(content, Selection()))
    return content


def _fail_on_warnings(content: Content, strict: bool) -> None:
    if strict and content.warnings:
        raise ProblemReport([
            ContentError(f"{w.message} (an error because of --strict)", path=w.path,
                         line=w.line, field=w.field)
            for w in content.warnings])


def _check_translations(content: Content, paths: Paths, targets: Sequence[Target]) -> None:
    from briefgen.view import build_brief_view

    errors: list[BriefgenError] = []
    translators = _translators(content, paths)
    seen: set[tuple[str, str]] = set()
    for target in targets:
        if (target.case, target.locale) in seen:
            continue
        seen.add((target.case, target.locale))
        try:
            build_brief_view(content, content.cases[target.case], target.audience,
                             target.locale, translators[target.locale],
                             include_restricted=True)
        except ProblemReport as report:
            errors.extend(report.errors)
        except BriefgenError as exc:
            errors.append(exc)
    if errors:
        raise ProblemReport(list({str(e): e for e in errors}.values()))


def _translators(content: Content, paths: Paths) -> dict[str, Translator]:
    return {
        locale: Translator(locale, content.project.source_locale, paths.locales,
                           paths.content.parent)
        for locale in content.project.locales
    }


def input_stamp(content: Content, case: Case, paths: Paths, locale: str) -> str:
    """A short hash of everything one case's documents in ``locale`` are made from."""
    digest = hashlib.sha256(__version__.encode())
    root = paths.content
    shared = [Path(f) for f in content.files if not f.startswith(f"{root.name}/cases/")]
    files = [*shared, Path(f"{root.name}/cases/{case.id}/case.yaml")]
    for rel in sorted(set(files)):
        digest.update(rel.as_posix().encode())
        digest.update((root.parent / rel).read_bytes())
    for catalog in sorted((paths.locales / locale).glob("*.po")):
        if catalog.name in ("templates.po", "shared.po", f"case.{case.id}.po"):
            digest.update(catalog.name.encode())
            digest.update(catalog.read_bytes())
    for template in sorted(paths.templates.iterdir()):
        if template.is_file():
            digest.update(template.name.encode())
            digest.update(template.read_bytes())
    return digest.hexdigest()[:10]


def build(
    paths: Paths,
    selection: Selection,
    *,
    paper: str = "a4",
    progress: Progress | None = None,
    strict: bool = False,
) -> BuildReport:
    from briefgen.fonts import load_fonts
    from briefgen.renderer import Renderer
    from briefgen.view import build_brief_view

    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    if paper not in PAPERS:
        raise UsageError(f"unknown paper size {paper!r}", field="--paper",
                         hint="expected a4 or letter")
    check_writable(paths.out)

    say("loading content")
    content = load_content(paths.content)
    _fail_on_warnings(content, strict)
    targets = plan(content, selection)
    report = BuildReport(targets, warnings=list(content.warnings))
    if not targets:
        report.seconds = time.perf_counter() - started
        return report

    say("preparing fonts")
    fonts = load_fonts(paths.font_cache, progress=say, spec_path=paths.templates / "fonts.yaml",
                       languages=content.project.locales)
    translators = _translators(content, paths)
    renderer = Renderer(paths.templates)

    # Phase 3: views and HTML for every target, collecting every problem.
    errors: list[BriefgenError] = []
    prepared = []
    for target in targets:
        case = content.cases[target.case]
        translator = translators[target.locale]
        try:
            view = build_brief_view(content, case, target.audience, target.locale, translator,
                                    include_restricted=target.restricted)
            stamp = input_stamp(content, case, paths, target.locale)
            rendered = renderer.render(target.document, view, translator, paper=paper,
                                       build_stamp=stamp)
        except ProblemReport as problems:
            errors.extend(problems.errors)
            continue
        except BriefgenError as exc:
            errors.append(exc)
            continue
        errors.extend(_coverage_errors(fonts, view.lang, view.texts, translator))
        prepared.append((target, view, rendered, stamp))
    if errors:
        raise ProblemReport(list({str(e): e for e in errors}.values()))

    # Phase 4: typeset in memory.
    from briefgen.typesetter import typeset

    publications = []
    allowed = [paths.templates, paths.font_cache, paths.content]
    for index, (target, view, rendered, stamp) in enumerate(prepared, start=1):
        say(f"[{index}/{len(prepared)}] {target.filename}")
        result = typeset(
            rendered.html,
            base_url=paths.templates.as_uri() + "/",
            stylesheets=[rendered.css],
            fonts=fonts,
            allowed_roots=allowed,
            pdf_identifier=hashlib.sha256(rendered.html.encode()).hexdigest()[:32].encode(),
            metadata_date=view.as_of_iso,
            origin=target.filename,
        )
        _check_no_restricted(result.pdf, view.restricted_texts, target)
        entry = ManifestEntry(
            case=target.case, document=target.document, audience=target.audience,
            locales=(target.locale,), path=target.filename, sha256=sha256(result.pdf),
            pages=result.page_count, paper=paper, classification=view.classification,
            stamp=stamp)
        publications.append(Publication(entry, result.pdf))

    # Phase 5: write.
    publish(paths.out, publications, f"briefgen {__version__}")
    report.written = [p.entry for p in publications]
    report.seconds = time.perf_counter() - started
    return report


def _coverage_errors(fonts: object, lang: str, texts: Iterable[tuple[str, str]],
                     translator: Translator) -> list[BriefgenError]:
    from briefgen.fonts import FontSet

    assert isinstance(fonts, FontSet)
    errors: list[BriefgenError] = []
    labels = [(text, f"templates.po ({translator.locale})") for text in _label_texts(translator)]
    for text, where in [*texts, *labels]:
        missing = fonts.missing_chars(text, lang, "serif")
        for char in dict.fromkeys(missing):
            path, _, line = where.rpartition(":")
            errors.append(FontError(
                f"character {char!r} (U+{ord(char):04X}) is not covered by any configured "
                f"font for {lang}",
                path=path if line.isdigit() else where,
                line=int(line) if line.isdigit() else None,
                hint="replace the character, or add a font that covers it in "
                     "templates/fonts.yaml"))
    return errors


def _label_texts(translator: Translator) -> list[str]:
    catalog = None if translator.is_source else translator.catalog("templates")
    if catalog is None:
        return []
    return [str(m.string) for m in catalog if m.id and isinstance(m.string, str) and m.string]


def _check_no_restricted(pdf: bytes, restricted: Sequence[str], target: Target) -> None:
    """A public document must not carry restricted text; checked on the finished PDF."""
    if target.restricted or not restricted:
        return
    from briefgen.pdfcheck import find_leaks

    leaks = find_leaks(pdf, restricted)
    if leaks:
        raise BriefgenError(
            "restricted material found in a public document: " + "; ".join(leaks),
            path=target.filename,
            hint="mark the passage that repeats it as restricted too, or reword it")
