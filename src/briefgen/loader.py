"""Turn the files under content/ into a validated, cross-referenced ``Content`` model.

Every file is read and every problem collected before anything is reported, so an
author sees all mistakes of a run at once (``ProblemReport``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol, TypeVar

from babel import Locale, UnknownLocaleError

from briefgen.errors import ContentError, Problems, shown_path
from briefgen.fields import LOCALE_RE, Fields, canonical_locale
from briefgen.files import not_a_file
from briefgen.model import (
    DOCUMENT_KINDS,
    Account,
    Actor,
    ActorKind,
    Analysis,
    Ask,
    Case,
    CaseStatus,
    Content,
    Event,
    Fact,
    FactStatus,
    Group,
    Handout,
    Instrument,
    InstrumentKind,
    Member,
    Origin,
    PartialDate,
    Participation,
    ParticipationKind,
    Precision,
    Priority,
    Project,
    Provision,
    Sensitivity,
    Source,
    TextKind,
    TimelineEntry,
    TranslationPolicy,
)
from briefgen.yamlreader import YNode, YScalar, YSeq, read_yaml

PROJECT_KEYS = ("organisation", "source_locale", "locales", "documents", "translation_policy",
                "require_sensitivity",
                "handout_pairs", "formats")
SOURCE_KEYS = ("id", "outlet", "title", "author", "date", "date_inferred", "time", "language",
               "url", "note")
INSTRUMENT_KEYS = ("id", "title", "short_title", "kind", "adopted", "state", "parties",
                   "customary", "language", "provisions")
PROVISION_KEYS = ("id", "article", "citation", "text", "text_kind", "unofficial_translation",
                  "sources")
ACTOR_KEYS = ("id", "kind", "name", "short_name", "in_sentence", "country", "participation")
PARTICIPATION_KEYS = ("instrument", "kind", "date", "sources")
CASE_KEYS = ("id", "title", "summary", "summary_sources", "as_of", "status", "audiences",
             "group", "facts", "timeline", "legal_analysis", "asks", "events", "handout")
EVENT_KEYS = ("id", "title", "start", "end", "timezone", "venue", "address", "organiser",
              "url", "sources")
HANDOUT_KEYS = ("title", "summary", "summary_sources", "call_to_action", "link",
                "link_is_placeholder", "facts", "asks")
GROUP_KEYS = ("summary", "sources", "members")
MEMBER_KEYS = ("id", "description", "count", "sources", "sensitivity")
FACT_KEYS = ("id", "text", "status", "sources", "accounts", "sensitivity")
ACCOUNT_KEYS = ("id", "text", "sources")
TIMELINE_KEYS = ("id", "date", "precision", "approximate", "place", "event", "sources",
                 "sensitivity")
ANALYSIS_KEYS = ("id", "provisions", "concerns", "facts", "reasoning", "sources")
ASK_KEYS = ("id", "to", "priority", "text", "sources")



class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache = root.parent / ".cache" / "yaml"
        self.problems = Problems()
        self.files: list[str] = []

    def display(self, file: Path) -> str:
        return shown_path(file, self.root.parent)

    def read(self, file: Path) -> YNode | None:
        shown = self.display(file)
        self.files.append(shown)
        try:
            # A stray invisible character goes with the rest of the file's problems, not
            # alone ahead of them (to be followed by them once it is deleted).
            node = read_yaml(file, shown, self.cache, self.problems.errors)
        except ContentError as exc:
            self.problems.add(exc.each())
            self.problems.unreadable.add(shown)
            return None
        if node is None:
            self.problems.error("file is empty", path=shown,
                                hint="write the fields this file needs, or delete it")
            self.problems.unreadable.add(shown)  # reported once, not again as a field
        return node

    def yaml_files(self, directory: Path) -> list[Path]:
        if not directory.is_dir():
            return []
        # Hidden files are editors' and tools' (".#actors.yaml", an Emacs lock), not
        # content: read, their ids would clash with the real file's.
        found = sorted(p for p in directory.iterdir()
                       if p.suffix.lower() in (".yaml", ".yml") and not p.name.startswith("."))
        for odd in (p for p in found if not p.is_file()):
            # Skipped silently, its ids would show up as a flood of unknown references.
            shown = self.display(odd)
            self.problems.error(not_a_file(odd, "a YAML file"), path=shown,
                                hint="move its files up, or rename it without .yaml"
                                if odd.is_dir() else "replace it with the file itself")
            self.problems.unreadable.add(shown)
        return [p for p in found if p.is_file()]


def load_content(root: Path) -> Content:
    """Read and validate everything under ``root`` (the content directory)."""
    root = root.resolve()
    if not root.is_dir():
        raise ContentError("is a file, not a content directory" if root.exists()
                           else "content directory not found", path=str(root),
                           hint="pass --content DIR pointing at a directory with project.yaml")
    reader = _Reader(root)
    problems = reader.problems

    project_file = root / "project.yaml"
    if not project_file.is_file():
        raise ContentError("project.yaml is missing", path=reader.display(project_file),
                           hint="create it; see docs/content-format.md")
    project = _project(reader, project_file)

    sources: dict[str, Source] = {}
    for file in reader.yaml_files(root / "sources"):
        top = Fields(reader.read(file), "", ("sources",), problems, path=reader.display(file))
        for f in top.each("sources", SOURCE_KEYS, required=True):
            _add(sources, _source(f), problems, "source")

    instruments: dict[str, Instrument] = {}
    for file in reader.yaml_files(root / "law"):
        f = Fields(reader.read(file), "", INSTRUMENT_KEYS, problems, path=reader.display(file))
        if f.ok:
            _add(instruments, _instrument(f), problems, "instrument")

    actors: dict[str, Actor] = {}
    for file in reader.yaml_files(root / "actors"):
        top = Fields(reader.read(file), "", ("actors",), problems, path=reader.display(file))
        for f in top.each("actors", ACTOR_KEYS, required=True):
            _add(actors, _actor(f), problems, "actor")

    cases: dict[str, Case] = {}
    cases_dir = root / "cases"
    if not cases_dir.is_dir():
        # Not "no cases": a build would delete every earlier output as an orphan.
        problems.error("the cases directory is missing", path=reader.display(cases_dir),
                       hint="create cases/<case-id>/case.yaml (see docs/content-format.md), "
                            "or pass the right --content directory")
    for case_dir in sorted(p for p in cases_dir.iterdir()
                           if p.is_dir() and not p.name.startswith(".")) \
            if cases_dir.is_dir() else []:
        case_file = case_dir / "case.yaml"
        others = sorted(p.name for p in case_dir.iterdir() if p.name != "case.yaml"
                        and p.name.lower() in ("case.yaml", "case.yml"))
        for other in others:
            # Stamps, catalogs and messages all name a case by its case.yaml: another
            # spelling would be skipped without a word.
            problems.error(f"the case file must be named case.yaml, not {other}",
                           path=reader.display(case_dir / other),
                           hint="rename it to case.yaml" if not case_file.exists()
                           else "only case.yaml is read: move what it holds there and "
                                "delete it")
        if others and not os.path.lexists(case_file):
            continue
        if not case_file.is_file():
            if os.path.lexists(case_file):
                problems.error(not_a_file(case_file, "a YAML file"),
                               path=reader.display(case_file),
                               hint="replace it with the case's YAML file")
            else:
                problems.error("case directory has no case.yaml", path=reader.display(case_dir),
                               hint="add case.yaml or remove the directory")
            continue
        f = Fields(reader.read(case_file), "", CASE_KEYS, problems,
                   path=reader.display(case_file))
        if not f.ok:
            continue
        case = _case(f, require_sensitivity=project.require_sensitivity)
        if case.id and case.id != case_dir.name:
            problems.error(f"{case.id!r} does not match its directory {case_dir.name!r}",
                           path=f.path, line=f.line_of("id"), field="id",
                           hint="rename the directory or change the id so they agree")
        _add(cases, case, problems, "case")

    _warn_unread_yaml(root, reader)
    content = Content(project=project, sources=sources, instruments=instruments, actors=actors,
                      cases=cases, root=str(root), files=tuple(reader.files))
    # References are checked even when some files had errors, so one run reports
    # everything; an item whose id could not be read was never registered.
    _check_references(content, problems)
    problems.raise_if_any()
    return replace(content, warnings=tuple(problems.warnings))


def _warn_unread_yaml(root: Path, reader: _Reader) -> None:
    """A warning for each YAML file under the content directory that nothing reads (a
    case written as cases/<id>.yaml, notes beside case.yaml, a folder inside sources/):
    what it holds would be left out of every document without a word."""
    reported = {error.path for error in reader.problems.errors}
    read = {*reader.files, *reported}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        here = Path(folder)
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in (".yaml", ".yml"):
                continue
            shown = reader.display(here / name)
            if shown in read:
                continue
            if here == root / "cases":
                why = (f"a case is read from cases/<id>/case.yaml (move it to "
                       f"cases/{Path(name).stem}/case.yaml)")
            elif here.parent == root / "cases":
                why = ("only case.yaml is read in a case's folder (move what it holds "
                       "into case.yaml, or give notes another extension)")
            else:
                why = ("the content is read from project.yaml, sources/*.yaml, law/*.yaml, "
                       "actors/*.yaml and cases/<id>/case.yaml (move it where its kind is "
                       "read)")
            reader.problems.warn(f"is not read: {why}", path=shown)


class _Identified(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def origin(self) -> Origin: ...


T = TypeVar("T", bound=_Identified)


def _add(table: dict[str, T], item: T, problems: Problems, what: str,
         within: str = "across all files", field: str = "id") -> None:
    item_id, origin = item.id, item.origin
    if not item_id:
        return
    if item_id in table:
        first = table[item_id].origin
        problems.error(f"duplicate {what} id {item_id!r}",
                       path=origin.path, line=origin.line_of("id"), field=field,
                       hint=f"first defined at {first}; ids must be unique {within}, "
                            "rename one")
        return
    table[item_id] = item


def _unique(items: Iterable[_Identified | None], problems: Problems, what: str,
            within: str, key: str) -> None:
    """Each item's id once; ``key``: the list's field path (``facts``), so that a repeat
    is named as ``facts[2].id``. An item that could not be read (None) still counts."""
    seen: dict[str, _Identified] = {}
    for index, item in enumerate(items, start=1):
        if item is not None:
            _add(seen, item, problems, what, within, field=f"{key}[{index}].id")


# -- readers for each kind ------------------------------------------------------------


def _project(reader: _Reader, file: Path) -> Project:
    f = Fields(reader.read(file), "", PROJECT_KEYS, reader.problems, path=reader.display(file))
    locales = f.ids("locales", required=True, what="locale", pattern=LOCALE_RE,
                    example="[en, ko, zh-Hans]")
    source_locale = f.text("source_locale")
    documents = f.ids("documents", required=True, what="document kind", example="[brief]")
    for doc in documents:
        if doc not in DOCUMENT_KINDS:
            reader.problems.error(f"unknown document kind {doc!r}", path=f.path,
                                  line=f.line_of("documents"), field="documents",
                                  hint="expected one of: " + ", ".join(DOCUMENT_KINDS))
    for tag in locales:
        try:
            Locale.parse(tag.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            reader.problems.error(f"unknown locale {tag!r}", path=f.path,
                                  line=f.line_of("locales"), field="locales",
                                  hint="expected a locale Babel knows, such as en, ko or "
                                       "zh-Hans")
    if source_locale and locales and source_locale not in locales:
        reader.problems.error(f"source locale {source_locale!r} is not in locales",
                              path=f.path, line=f.line_of("locales"), field="locales",
                              hint=f"add {source_locale} to locales")
    normalised = tuple(_normalise_locale(loc) for loc in locales)
    return Project(
        organisation=f.text("organisation"),
        source_locale=source_locale,
        locales=normalised,
        documents=documents,
        origin=f.origin,
        translation_policy=_translation_policy(f, normalised, source_locale),
        handout_pairs=_handout_pairs(f, normalised),
        formats=_formats(f, normalised),
        require_sensitivity=f.boolean("require_sensitivity", default=False),
    )


def _handout_pairs(f: Fields, locales: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``handout_pairs: [ko+en]``: the two languages of each handout, side by side."""
    if not f.has("handout_pairs"):
        return (("ko", "en"),) if {"ko", "en"} <= set(locales) else ()
    pairs = []
    for node in f.seq("handout_pairs"):
        text = node.text if isinstance(node, YScalar) else ""
        parts = tuple(_normalise_locale(p.strip()) for p in text.split("+"))
        if len(parts) != 2 or not all(parts):
            f.problems.error(f"{text!r} is not a pair of locales", path=f.path,
                             line=node.line, field="handout_pairs",
                             hint="expected two locales joined by +, such as ko+en")
            continue
        if parts[0] == parts[1]:
            f.problems.error(f"{text!r} pairs {parts[0]} with itself", path=f.path,
                             line=node.line, field="handout_pairs",
                             hint="a handout sets two different languages side by side, "
                                  "such as ko+en")
            continue
        for part in parts:
            if part not in locales:
                f.problems.error(f"{part!r} is not one of the project's locales",
                                 path=f.path, line=node.line, field="handout_pairs",
                                 hint="add it to locales, or choose from: " + ", ".join(locales))
        pairs.append((parts[0], parts[1]))
    return tuple(pairs)


def _translation_policy(f: Fields, locales: tuple[str, ...], source_locale: str,
                        ) -> dict[str, TranslationPolicy]:
    """``translation_policy: {ko: strict, zh-Hans: mark}``; a locale left out is strict."""
    if not f.has("translation_policy"):
        return {}
    targets = tuple(loc for loc in locales if loc != source_locale)
    # A locale misspelt in locales ("zh-hans") is reported there, with the spelling
    # meant: its policy, keyed by that spelling, is not a second problem.
    given = f.map.get("locales")
    meant = tuple(spelt for node in (given.items if isinstance(given, YSeq) else ())
                  if isinstance(node, YScalar)
                  and (spelt := canonical_locale(node.text)) and spelt not in targets)
    policy = Fields(f.node("translation_policy"), "translation_policy", targets + meant,
                    f.problems, path=f.path, line=f.line_of("translation_policy"))
    return {loc: policy.enum(loc, TranslationPolicy) for loc in targets if policy.has(loc)}


# language[-Script][-REGION], as BCP 47 writes it: en, ko, zh-Hans, en-GB.
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?")


def _formats(f: Fields, locales: tuple[str, ...]) -> dict[str, str]:
    """``formats: {en: en-GB}``: a locale's dates and lists written as a regional variant
    of its language writes them; its translations and file names stay the locale's."""
    if not f.has("formats"):
        return {}
    formats = Fields(f.node("formats"), "formats", locales, f.problems, path=f.path,
                     line=f.line_of("formats"))
    found: dict[str, str] = {}
    for locale in locales:
        if not formats.has(locale):
            continue
        tag = formats.text(locale)
        if not tag:
            continue  # reported as empty
        base = Locale.parse(locale.replace("-", "_"))
        try:
            variant = (Locale.parse(tag.replace("-", "_")) if _LANGUAGE_TAG.fullmatch(tag)
                       else None)
        except (UnknownLocaleError, ValueError):
            variant = None
        # The same language in the same script (zh-Hant would print 美國 in a Simplified
        # Chinese brief), with a region: that is what a variant is.
        if (variant is None or variant.language != base.language
                or (variant.script and base.script and variant.script != base.script)
                or variant.territory is None):
            f.problems.error(
                f"{tag!r} is not a variant of {locale!r} that CLDR knows", path=f.path,
                line=formats.line_of(locale), field=f"formats.{locale}",
                hint=f"expected the same language and script with a region, written as BCP "
                     f"47 writes it, such as "
                     f"{'en-GB' if locale.startswith('en') else locale + '-SG'}")
            continue
        found[locale] = _normalise_locale(tag)
    return found


def _normalise_locale(tag: str) -> str:
    parts = tag.replace("_", "-").split("-")
    return "-".join([parts[0].lower(), *(p.title() if len(p) == 4 else p.upper()
                                          for p in parts[1:])])


def _language(f: Fields, key: str, *, default: str | None = None) -> str:
    tag = (f.text(key, required=False, default=default) if default is not None
           else f.text(key))
    if default is not None and f.has(key) and not tag:  # else f.text reported it
        f.problems.error("is empty", path=f.path, line=f.line_of(key), field=f._name(key),
                         hint="expected a BCP 47 code such as en, ko or zh-Hans")
    if tag:
        try:
            # "und" and "root" are CLDR's, not languages a text is written in.
            if not _LANGUAGE_TAG.fullmatch(tag) or tag in ("und", "root"):
                raise ValueError(tag)
            Locale.parse(tag.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            f.problems.error(f"{tag!r} is not a language code", path=f.path,
                             line=f.line_of(key), field=f._name(key),
                             hint="expected a BCP 47 code such as en, ko or zh-Hans")
    return tag


def _source(f: Fields) -> Source:
    date = f.date("date", allow_not_stated=True)
    return Source(
        id=f.ident("id"),
        outlet=f.stated_text("outlet"),
        title=f.text("title"),
        author=f.stated_text("author"),
        date=date,
        language=_language(f, "language"),
        url=_url(f, "url"),
        note=f.optional_text("note"),
        origin=f.origin,
        published=_published(f, date),
        date_inferred=_date_inferred(f, date),
    )


def _date_inferred(f: Fields, date: PartialDate | None) -> bool:
    inferred = f.boolean("date_inferred")
    if inferred and date is None:
        f.problems.error("there is no date to have inferred", path=f.path,
                         line=f.line_of("date_inferred"), field=f._name("date_inferred"),
                         hint="give the date worked out under date:, or leave the line out")
    return inferred


# The time a source gives with its offset, as HH:MM+HH:MM (5:29 p.m. EST is 17:29-05:00).
_SOURCE_TIME = re.compile(
    r"([01][0-9]|2[0-3]):([0-5][0-9])([+-])(?:(0[0-9]|1[0-3]):([0-5][0-9])|(14):(00))")


def _published(f: Fields, date: PartialDate | None) -> dt.datetime | None:
    written = f.optional_text("time")
    if not written:
        if f.has("time"):
            f.problems.error("is empty (expected HH:MM+HH:MM, the time the source gives "
                             "with its offset from UTC)", path=f.path,
                             line=f.line_of("time"), field=f._name("time"),
                             hint="leave the line out when the source gives no time")
        return None
    def refuse(problem: str, hint: str) -> None:
        f.problems.error(problem, path=f.path, line=f.line_of("time"), field=f._name("time"),
                         hint=hint)

    found = _SOURCE_TIME.fullmatch(written)
    if found is None:
        refuse(f"{written!r} is not a time with its offset from UTC",
               "write it as HH:MM+HH:MM, as the source gives it: 5:29 p.m. EST is "
               "17:29-05:00; offsets run from -14:00 to +14:00")
        return None
    if date is None or date.precision is not Precision.DAY:
        refuse("a time needs the day it is on", "give date: as YYYY-MM-DD")
        return None
    hours, minutes, sign, *offsets = found.groups()
    off_hours, off_minutes = [x for x in offsets if x is not None]
    offset = dt.timedelta(hours=int(off_hours), minutes=int(off_minutes))
    return dt.datetime.combine(
        date.earliest, dt.time(int(hours), int(minutes)),
        tzinfo=dt.timezone(offset if sign == "+" else -offset))


def _url(f: Fields, key: str) -> str | None:
    url = f.optional_text(key)
    if not url:
        return url
    from briefgen.markup import web_address_problem

    wrong = web_address_problem(url)
    if wrong is not None:
        problem, hint = wrong
        f.problems.error(f"{url!r} is not a web address{problem}", path=f.path,
                         line=f.line_of(key), field=f._name(key), hint=hint)
        return None
    return url


def _instrument(f: Fields) -> Instrument:
    instrument_id = f.ident("id")
    kind = f.enum("kind", InstrumentKind)
    provisions = tuple(
        Provision(
            id=p.ident("id"),
            instrument_id=instrument_id,
            article=p.text("article"),
            citation=p.text("citation"),
            text=p.markdown("text"),
            text_kind=p.enum("text_kind", TextKind),
            unofficial_translation=p.boolean("unofficial_translation"),
            sources=p.ids("sources", what="source id"),
            origin=p.origin,
        )
        for p in f.each("provisions", PROVISION_KEYS, required=True)
    )
    _unique(provisions, f.problems, "provision", "within the instrument", f._name("provisions"))
    state = f.ident("state", required=kind is InstrumentKind.NATIONAL) or None
    parties = f.ids("parties", required=kind is InstrumentKind.BILATERAL, what="actor id")
    return Instrument(
        id=instrument_id,
        title=f.text("title"),
        short_title=f.text("short_title", required=False) or f.text("title", required=False),
        kind=kind,
        provisions=provisions,
        adopted=f.date("adopted", required=False),
        state=state,
        parties=parties,
        customary=f.ident("customary", required=False) or None,
        language=_language(f, "language", default="en"),
        origin=f.origin,
    )


def _actor(f: Fields) -> Actor:
    kind = f.enum("kind", ActorKind)
    participation = tuple(_participation(p) for p in f.each("participation",
                                                             PARTICIPATION_KEYS))
    by_instrument: dict[str, list[Participation]] = {}
    for part in participation:
        by_instrument.setdefault(part.instrument, []).append(part)
    for entries in by_instrument.values():
        denial = next((p for p in entries if p.kind is ParticipationKind.NOT_PARTY), None)
        other = next((p for p in entries if p is not denial), None)
        if denial is not None and other is not None:
            f.problems.error(
                f"says both not-party and {other.kind.value} for {denial.instrument}",
                path=f.path, line=denial.origin.line, field=f._name("participation"),
                hint="keep the entry the sources support; where they disagree, record "
                     "it as a disputed fact of the case")
    country = f.optional_text("country")
    if country is not None and (len(country) != 2 or not country.isalpha() or
                                not country.isupper()):
        f.problems.error(f"{country!r} is not an ISO 3166 country code", path=f.path,
                         line=f.line_of("country"), field=f._name("country"),
                         hint="expected two capital letters such as CN")
    if kind is ActorKind.STATE and country is None and f.ok:
        f.problems.error("is missing", path=f.path, line=f.map.line, field=f._name("country"),
                         hint="a state needs its ISO 3166 code so its name can be localized")
    if kind is ActorKind.ORGANISATION and participation:
        f.problems.error("an organisation cannot be party to an instrument", path=f.path,
                         line=f.line_of("participation"), field=f._name("participation"),
                         hint="remove participation, or make the actor kind: state")
    return Actor(
        id=f.ident("id"),
        kind=kind,
        name=f.text("name"),
        short_name=f.optional_text("short_name"),
        in_sentence=f.optional_text("in_sentence"),
        country=country,
        participation=participation,
        origin=f.origin,
    )


def _participation(p: Fields) -> Participation:
    kind = p.enum("kind", ParticipationKind)
    date = p.date("date", required=False)
    if kind is ParticipationKind.NOT_PARTY and date is not None:
        p.problems.error("a state is not a party on a date", path=p.path,
                         line=p.line_of("date"), field=p._name("date"),
                         hint="remove the date, or give the step (signature, ratification, "
                              "accession, succession) the source dates")
    return Participation(
        instrument=p.ident("instrument"),
        kind=kind,
        date=date,
        sources=p.ids("sources", required=True, what="source id"),
        origin=p.origin,
    )


REQUIRED_SENSITIVITY_HINT = ("add 'sensitivity: public' or 'sensitivity: restricted': "
                             "project.yaml sets require_sensitivity, so an item that does not "
                             "say is not taken as public")


def _sensitivity(f: Fields, *, required: bool) -> Sensitivity:
    """An item's sensitivity: public when the line is left out, unless the project
    requires every item to say (a restricted item copied without its line would
    otherwise become public without a word)."""
    if required and not f.has("sensitivity"):
        f.missing("sensitivity", REQUIRED_SENSITIVITY_HINT)
        return Sensitivity.RESTRICTED
    return f.enum("sensitivity", Sensitivity, default=Sensitivity.PUBLIC)


def _case(f: Fields, *, require_sensitivity: bool = False) -> Case:
    group = None
    if f.has("group"):
        g = Fields(f.node("group"), "group", GROUP_KEYS, f.problems, path=f.path,
                   line=f.line_of("group"))
        members = tuple(
            Member(
                id=m.ident("id"),
                description=m.markdown("description"),
                count=m.integer("count", minimum=1),
                sources=m.ids("sources", required=True, what="source id"),
                sensitivity=_sensitivity(m, required=require_sensitivity),
                origin=m.origin,
            )
            for m in g.each("members", MEMBER_KEYS)
        )
        _unique(members, f.problems, "group member", "within the case", g._name("members"))
        group = Group(summary=g.markdown("summary"), sources=g.ids("sources", required=True,
                                                               what="source id"),
                      members=members, origin=g.origin)
    facts = tuple(_fact(x, require_sensitivity) for x in f.each("facts", FACT_KEYS,
                                                                 required=True))
    _unique(facts, f.problems, "fact", "within the case", f._name("facts"))
    timeline = tuple(_timeline(x, require_sensitivity)
                     for x in f.each("timeline", TIMELINE_KEYS))
    _unique(timeline, f.problems, "timeline entry", "within the case", f._name("timeline"))
    analysis = tuple(
        Analysis(
            id=a.ident("id"),
            provisions=a.ids("provisions", required=True, what="provision reference"),
            concerns=a.ids("concerns", what="actor id"),
            facts=a.ids("facts", what="fact id"),
            reasoning=a.markdown("reasoning"),
            sources=a.ids("sources", what="source id"),
            origin=a.origin,
        )
        for a in f.each("legal_analysis", ANALYSIS_KEYS)
    )
    _unique(analysis, f.problems, "legal analysis", "within the case",
            f._name("legal_analysis"))
    asks = tuple(
        Ask(
            id=a.ident("id"),
            to=a.ids("to", required=True, what="actor id"),
            priority=a.enum("priority", Priority, default=Priority.MEDIUM),
            text=a.markdown("text"),
            sources=a.ids("sources", what="source id"),
            origin=a.origin,
        )
        for a in f.each("asks", ASK_KEYS)
    )
    _unique(asks, f.problems, "ask", "within the case", f._name("asks"))
    every_event = [_event(x) for x in f.each("events", EVENT_KEYS)]
    _unique(every_event, f.problems, "event", "within the case", f._name("events"))
    events = tuple(e for e in every_event if e)
    return Case(
        id=f.ident("id"),
        title=f.text("title"),
        summary=f.markdown("summary"),
        summary_sources=f.ids("summary_sources", what="source id"),
        as_of=f.date("as_of") or _NO_DATE,
        status=f.enum("status", CaseStatus),
        audiences=f.ids("audiences", what="actor id"),
        group=group,
        facts=facts,
        timeline=timeline,
        legal_analysis=analysis,
        asks=asks,
        origin=f.origin,
        files=(f.path,),
        events=events,
        handout=_handout(f),
    )


def _event(f: Fields) -> Event | None:
    import zoneinfo

    zone_name = f.text("timezone")
    zone = None
    if zone_name:
        try:
            zone = zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            import difflib

            close = difflib.get_close_matches(zone_name, zoneinfo.available_timezones(), n=1,
                                              cutoff=0.8)
            f.problems.error(f"{zone_name!r} is not a time zone", path=f.path,
                             line=f.line_of("timezone"), field=f._name("timezone"),
                             hint=f"did you mean {close[0]!r}?" if close else
                             "expected an IANA name such as America/New_York or Asia/Seoul")
    start = f.local_datetime("start", zone)
    end = f.local_datetime("end", zone)
    if start and end and end <= start:
        f.problems.error("the event ends before it starts", path=f.path,
                         line=f.line_of("end"), field=f._name("end"),
                         hint="end must be later than start (both in the event's time zone)")
    event_id = f.ident("id")
    fields = (f.text("title"), f.text("venue"), f.text("address"), f.text("organiser"))
    sources = f.ids("sources", required=True, what="source id")
    url = _url(f, "url")
    if start is None or end is None or zone is None:
        return None
    return Event(id=event_id, title=fields[0], start=start, end=end, timezone=zone_name,
                 venue=fields[1], address=fields[2], organiser=fields[3], sources=sources,
                 url=url, origin=f.origin)


# The handout prints its QR code 30 mm wide, quiet zone included. Up to version 10
# (57 modules and 8 of quiet zone) a module is 0.46 mm, which a phone reads off a
# photocopy at arm's length; version 10 at error correction M holds 213 bytes of an
# address (ISO/IEC 18004, table 7). Checked against segno in the tests.
MAX_QR_LINK = 213


def _handout(case: Fields) -> Handout | None:
    if not case.has("handout"):
        return None
    f = Fields(case.node("handout"), "handout", HANDOUT_KEYS, case.problems, path=case.path,
               line=case.line_of("handout"))
    if f.ok and not f.optional_text("link"):
        f.problems.error("is missing", path=f.path, line=f.map.line, field=f._name("link"),
                         hint="the address the handout's QR code opens")
    link = _url(f, "link") or ""
    if len(link.encode()) > MAX_QR_LINK:
        f.problems.error(
            f"is {len(link.encode())} bytes long, too long for the handout's QR code "
            f"(at most {MAX_QR_LINK})", path=f.path, line=f.line_of("link"),
            field=f._name("link"),
            hint="use a shorter address, such as the campaign page's own short link")
    return Handout(
        title=f.optional_text("title"),
        summary=f.markdown("summary", required=False) or None,
        summary_sources=f.ids("summary_sources", what="source id"),
        call_to_action=f.markdown("call_to_action"),
        link=link,
        link_is_placeholder=f.boolean("link_is_placeholder"),
        facts=f.ids("facts", what="fact id"),
        asks=f.ids("asks", what="ask id"),
        origin=f.origin,
    )


def _fact(f: Fields, require_sensitivity: bool = False) -> Fact:
    status = f.enum("status", FactStatus)
    accounts = tuple(
        Account(id=a.ident("id"), text=a.markdown("text"),
                sources=a.ids("sources", required=True, what="source id"), origin=a.origin)
        for a in f.each("accounts", ACCOUNT_KEYS)
    )
    _unique(accounts, f.problems, "account", "within the fact", f._name("accounts"))
    if status is FactStatus.DISPUTED:
        if len(accounts) < 2 and f.ok:
            f.problems.error(
                f"a disputed fact has {len(accounts)} account(s)", path=f.path,
                line=f.line_of("accounts"), field=f._name("accounts"),
                hint="expected two or more accounts, each with its own sources")
        sources = f.ids("sources", what="source id")
    else:
        if accounts:
            f.problems.error(f"only disputed facts have accounts (status is {status.value})",
                             path=f.path, line=f.line_of("accounts"),
                             field=f._name("accounts"),
                             hint="set status: disputed, or move the accounts' sources here")
        sources = f.ids("sources", required=True, what="source id")
    return Fact(
        id=f.ident("id"),
        text=f.markdown("text"),
        status=status,
        sources=sources,
        accounts=accounts,
        sensitivity=_sensitivity(f, required=require_sensitivity),
        origin=f.origin,
    )


def _timeline(f: Fields, require_sensitivity: bool = False) -> TimelineEntry:
    date = f.date("date")
    f.precision_agrees("precision", date)
    return TimelineEntry(
        id=f.ident("id"),
        date=date or _NO_DATE,
        approximate=f.boolean("approximate"),
        event=f.markdown("event"),
        place=f.optional_text("place"),
        sources=f.ids("sources", required=True, what="source id"),
        sensitivity=_sensitivity(f, required=require_sensitivity),
        origin=f.origin,
    )


# A stand-in so a model can be built while its date error is being reported; it never
# reaches a document because the report is raised first.
_NO_DATE = PartialDate(1)


# -- cross references -------------------------------------------------------------------


def _check_references(content: Content, problems: Problems) -> None:
    # A file that defines ids could not be read: the references to its ids are reported
    # as its one error, not as a hundred unknown ones.
    blind = {kind for kind in ("sources/", "actors/", "law/")
             if any(path.split("/")[1:2] == [kind.rstrip("/")]  # <content>/sources/…
                    for path in problems.unreadable)}

    def check(ids: Iterable[str], table: dict[str, object], what: str, origin: Origin,
              field: str, hint_kind: str) -> None:
        if hint_kind in blind:
            return
        key = field.rsplit(".", 1)[-1]
        for index, ref in enumerate(ids):
            if ref not in table:
                problems.error(f"unknown {what} {ref!r}", path=origin.path,
                               line=origin.line_of(key, index), field=field,
                               hint=_known(ref, table, hint_kind))

    sources: dict[str, object] = dict(content.sources)
    actors: dict[str, object] = dict(content.actors)
    instruments: dict[str, object] = dict(content.instruments)

    for inst in content.instruments.values():
        if inst.state:
            check([inst.state], actors, "actor", inst.origin, "state", "actors/")
            actor = content.actors.get(inst.state)
            if actor is not None and actor.kind is not ActorKind.STATE:
                problems.error(
                    f"{inst.state!r} is an {actor.kind.value}, not a state: national law "
                    "is a state's", path=inst.origin.path, line=inst.origin.line_of("state"),
                    field="state", hint="name the state whose law this is (an actor of "
                                        "kind: state)")
        check(inst.parties, actors, "actor", inst.origin, "parties", "actors/")
        # A field the instrument's kind does not read is a misunderstanding: say so.
        for key, used_by, given in (
                ("state", InstrumentKind.NATIONAL, inst.state),
                ("parties", InstrumentKind.BILATERAL, inst.parties),
                ("customary", InstrumentKind.TREATY, inst.customary)):
            if given and inst.kind is not used_by:
                problems.warn(
                    f"is ignored for an instrument of kind {inst.kind.value} (only "
                    f"kind {used_by.value} reads it)", path=inst.origin.path,
                    line=inst.origin.line_of(key), field=key)
        if inst.customary:
            check([inst.customary], instruments, "instrument", inst.origin, "customary", "law/")
            rule = content.instruments.get(inst.customary)
            if rule is not None and rule.kind is not InstrumentKind.CUSTOMARY:
                # The brief prints it as binding on every state, party or not.
                problems.error(
                    f"{inst.customary!r} has kind: {rule.kind.value}, not customary",
                    path=inst.origin.path, line=inst.origin.line_of("customary"),
                    field="customary", hint="name the instrument of kind: customary that "
                                            "states this treaty's rule as customary law")
        for prov in inst.provisions:
            check(prov.sources, sources, "source", prov.origin, "sources", "sources/")
    for actor in content.actors.values():
        for part in actor.participation:
            check([part.instrument], instruments, "instrument", part.origin,
                  "participation.instrument", "law/")
            check(part.sources, sources, "source", part.origin, "participation.sources",
                  "sources/")
    for case in content.cases.values():
        check(case.audiences, actors, "actor", case.origin, "audiences", "actors/")
        check(case.summary_sources, sources, "source", case.origin, "summary_sources",
              "sources/")
        _warn_uncited_summary(case.summary_sources, case.origin, "", problems)
        if case.handout:
            check(case.handout.summary_sources, sources, "source", case.handout.origin,
                  "handout.summary_sources", "sources/")
            if case.handout.summary:
                _warn_uncited_summary(case.handout.summary_sources, case.handout.origin,
                                      "handout.", problems)
            elif case.handout.summary_sources:
                problems.warn("the handout has no summary of its own, so these sources "
                              "are not cited (the case's summary_sources are); add "
                              "handout.summary or remove the line",
                              path=case.handout.origin.path,
                              line=case.handout.origin.line_of("summary_sources"),
                              field="handout.summary_sources")
            _warn_cited_too_late(case, case.handout, content.sources, problems)
        if case.group:
            check(case.group.sources, sources, "source", case.group.origin, "group.sources",
                  "sources/")
            for i, m in enumerate(case.group.members, start=1):
                check(m.sources, sources, "source", m.origin, f"group.members[{i}].sources",
                      "sources/")
        for i, fact in enumerate(case.facts, start=1):
            check(fact.sources, sources, "source", fact.origin, f"facts[{i}].sources",
                  "sources/")
            for j, acc in enumerate(fact.accounts, start=1):
                check(acc.sources, sources, "source", acc.origin,
                      f"facts[{i}].accounts[{j}].sources", "sources/")
        for i, entry in enumerate(case.timeline, start=1):
            check(entry.sources, sources, "source", entry.origin, f"timeline[{i}].sources",
                  "sources/")
        for i, analysis in enumerate(case.legal_analysis, start=1):
            check(analysis.sources, sources, "source", analysis.origin,
                  f"legal_analysis[{i}].sources", "sources/")
            check(analysis.concerns, actors, "actor", analysis.origin,
                  f"legal_analysis[{i}].concerns", "actors/")
            for index, ref in enumerate(analysis.provisions):
                _check_provision(ref, content, analysis.origin, index,
                                 f"legal_analysis[{i}].provisions", problems)
            _check_fact_refs(case, analysis, f"legal_analysis[{i}].facts", problems)
        for i, ask in enumerate(case.asks, start=1):
            check(ask.to, actors, "actor", ask.origin, f"asks[{i}].to", "actors/")
            check(ask.sources, sources, "source", ask.origin, f"asks[{i}].sources", "sources/")
        for i, event in enumerate(case.events, start=1):
            check(event.sources, sources, "source", event.origin, f"events[{i}].sources",
                  "sources/")
        if case.handout:
            _check_handout(case, case.handout, problems)
            if not case.events:
                # A handout is made per event: without one, the block makes nothing.
                problems.warn("the case has a handout but no events, so no handout is made "
                              "(add the event it is for under events:)",
                              path=case.handout.origin.path, line=case.handout.origin.line,
                              field="handout")
        if not problems.errors:
            _check_order(case, problems)
            _check_asked(case, problems)
            _check_as_of(case, content.sources, problems)


def _check_provision(ref: str, content: Content, origin: Origin, index: int, field: str,
                     problems: Problems) -> None:
    instrument_id, _, provision_id = ref.partition("/")
    inst = content.instruments.get(instrument_id)
    line = origin.line_of("provisions", index)
    if inst is None:
        problems.error(f"unknown instrument {instrument_id!r} in {ref!r}", path=origin.path,
                       line=line, field=field,
                       hint=_known(instrument_id, dict(content.instruments), "law/"))
    elif not provision_id or inst.provision(provision_id) is None:
        known = ", ".join(f"{inst.id}/{p.id}" for p in inst.provisions)
        problems.error(f"unknown provision {ref!r}", path=origin.path, line=line,
                       field=field, hint=f"expected instrument/provision, one of: {known}")


def _check_fact_refs(case: Case, analysis: Analysis, field: str, problems: Problems) -> None:
    facts = {fact.id: fact for fact in case.facts}
    for index, ref in enumerate(analysis.facts):
        fact = facts.get(ref)
        line = analysis.origin.line_of("facts", index)
        if fact is None:
            problems.error(f"unknown fact {ref!r}", path=analysis.origin.path,
                           line=line, field=field,
                           hint=_known(ref, dict(facts), f"cases/{case.id}/case.yaml"))
        elif fact.sensitivity is Sensitivity.RESTRICTED:
            problems.error(
                f"refers to restricted fact {ref!r}", path=analysis.origin.path,
                line=line, field=field,
                hint="legal analysis appears in public documents; rest it on public facts, "
                     f"or make fact {ref!r} public if it may be published")


def _warn_cited_too_late(case: Case, handout: Handout, sources: dict[str, Source],
                         problems: Problems) -> None:
    """The handout leaves out sources published after its event started: a text it
    prints whose every source is one of them prints with none."""
    facts = {fact.id: fact for fact in case.facts}
    asks = {ask.id: ask for ask in case.asks}
    at = handout.origin
    summary_at = at if handout.summary else case.origin
    # (what, its sources, the file, field and line that list them)
    printed: list[tuple[str, Sequence[str], str, str, int]] = [
        ("the summary", case.handout_summary_sources, summary_at.path,
         "handout.summary_sources" if handout.summary else "summary_sources",
         summary_at.line_of("summary_sources"))]
    printed += [(f"fact {ref!r}", facts[ref].sources, at.path, "handout.facts",
                 at.line_of("facts", index))
                for index, ref in enumerate(handout.facts) if ref in facts]
    printed += [(f"ask {ref!r}", asks[ref].sources, at.path, "handout.asks",
                 at.line_of("asks", index))
                for index, ref in enumerate(handout.asks) if ref in asks]
    for number, event in enumerate(case.events, start=1):
        for what, ids, path, field, line in [
                *printed, (f"event {event.id!r}", event.sources, event.origin.path,
                           f"events[{number}].sources", event.origin.line_of("sources"))]:
            cited = [sources[s] for s in ids if s in sources]
            if cited and not any(source.out_before(event.start) for source in cited):
                problems.warn(f"every source of {what} the handout for event {event.id!r} "
                              "prints was published after the event started, so its "
                              "handout cites none for it (cite what was reported by then)",
                              path=path, line=line, field=field)


def _warn_uncited_summary(cited: tuple[str, ...], where: Origin, prefix: str,
                          problems: Problems) -> None:
    # A warning, not an error: a summary written before the field existed still builds,
    # but --strict (as in CI) holds it to the rule that every claim names its source.
    if not cited:
        problems.warn(f"cites no source (list the sources its statements come from under "
                      f"{prefix}summary_sources:)",
                      path=where.path, line=where.line_of("summary"),
                      field=f"{prefix}summary")


def _check_handout(case: Case, handout: Handout, problems: Problems) -> None:
    """A handout is public material: what it names must exist and be public."""
    where = handout.origin
    facts = {fact.id: fact for fact in case.facts}
    for index, ref in enumerate(handout.facts):
        fact = facts.get(ref)
        line = where.line_of("facts", index)
        if fact is None:
            problems.error(f"unknown fact {ref!r}", path=where.path, line=line,
                           field="handout.facts", hint=_known(ref, dict(facts),
                                                             f"cases/{case.id}/case.yaml",
                                                             key="facts"))
        elif fact.sensitivity is Sensitivity.RESTRICTED:
            problems.error(f"refers to restricted fact {ref!r}", path=where.path,
                           line=line, field="handout.facts",
                           hint="a handout is public material; choose public facts only")
        elif fact.status is FactStatus.DISPUTED:
            # A handout prints a fact as one line; a disputed fact's text is the question
            # its accounts answer, and the accounts do not fit on the page.
            problems.error(f"refers to disputed fact {ref!r}", path=where.path, line=line,
                           field="handout.facts",
                           hint="a handout prints a fact's text alone, and a disputed "
                                "fact's text is only its question; choose a confirmed or "
                                "reported fact")
    asks = {ask.id: ask for ask in case.asks}
    for index, ref in enumerate(handout.asks):
        if ref not in asks:
            problems.error(f"unknown ask {ref!r}", path=where.path,
                           line=where.line_of("asks", index),
                           field="handout.asks", hint=_known(ref, dict(asks),
                                                            f"cases/{case.id}/case.yaml",
                                                            key="asks"))


def _check_order(case: Case, problems: Problems) -> None:
    previous = None
    for entry in case.timeline:
        if previous is not None and entry.date.earliest < previous.date.earliest:
            problems.warn(
                f"timeline entry {entry.id!r} ({entry.date.iso()}) comes after "
                f"{previous.id!r} ({previous.date.iso()}) but is earlier",
                path=entry.origin.path, line=entry.origin.line, field="timeline")
        previous = entry


def _check_as_of(case: Case, sources: dict[str, Source], problems: Problems) -> None:
    """Every brief prints "as of" the case's ``as_of``: a timeline entry or a cited
    source dated after it says the material is older than it is (``as_of`` not moved
    on when the case was last brought up to date)."""
    last = case.as_of.latest
    said = (f"after the case's as_of ({case.as_of.iso()}), which every brief prints as the "
            "date its material is current to")
    fix = "move as_of on to the date the material was last brought up to date"
    for entry in case.timeline:
        if entry.date.earliest > last:
            problems.warn(f"timeline entry {entry.id!r} ({entry.date.iso()}) is dated {said} "
                          f"({fix})",
                          path=entry.origin.path, line=entry.origin.line_of("date"),
                          field="timeline")
    for source_id in sorted(case.cited_sources(restricted=True)):
        source = sources.get(source_id)
        if source is not None and source.date is not None and source.date.earliest > last:
            problems.warn(f"source {source_id!r}, which the case cites, was published "
                          f"({source.date.iso()}) {said} ({fix})",
                          path=case.origin.path, line=case.origin.line_of("as_of"),
                          field="as_of")


def _check_asked(case: Case, problems: Problems) -> None:
    """An embassy brief exists to put the asks to its audience: an audience that no ask
    is addressed to gets a brief without a single request, which is most likely an ask
    not written yet or a misspelt ``to``."""
    asked = {actor for ask in case.asks for actor in ask.to}
    for index, audience in enumerate(case.audiences):
        if audience not in asked:
            problems.warn(
                f"no ask is addressed to {audience!r}: its brief will make no request of "
                f"it (add {audience} to the 'to' of an ask, or take it out of audiences)",
                path=case.origin.path, line=case.origin.line_of("audiences", index),
                field="audiences")


def _known(ref: str, table: dict[str, object], where: str, key: str | None = None) -> str:
    """A hint for an unknown reference: ``where`` is the directory (``sources/``) or the
    file under content/ that defines such ids, ``key`` the key in that file."""
    import difflib

    close = difflib.get_close_matches(ref, list(table), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    place = f"{key}: in content/{where}" if key else f"content/{where}"
    return f"define it under {place} or fix the reference"

