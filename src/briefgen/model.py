"""Turn nothing into nothing: the plain typed objects every stage shares.

The loader builds these from content files; later stages only read them. Each object
carries its ``Origin`` so any stage can point a message at the file and line it came from.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from briefgen.errors import Warning_


@dataclass(frozen=True, order=True)
class Origin:
    path: str
    line: int
    # The line of each key's value, and for a list the line of each item: a reference
    # found wrong only once everything is loaded can still be pointed at where it was
    # written, not just at the start of the item holding it.
    values: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False,
                                               repr=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"

    def line_of(self, key: str, index: int = 0) -> int:
        """Line of ``key``'s value (of its item ``index`` for a list), else the item's."""
        lines = self.values.get(key, ())
        return lines[index] if index < len(lines) else self.line

    def at(self, key: str) -> Origin:
        """Where ``key``'s value is written (the item's start if it is not there)."""
        return Origin(self.path, self.line_of(key))


def match_language(lang: str, configured: Iterable[str]) -> str | None:
    """The configured language a BCP 47 tag is set in: exact, then by dropping subtags
    (``zh-Hans-CN`` is set as ``zh-Hans``, ``ko-KR`` as ``ko``); case does not matter."""
    by_lower = {language.lower(): language for language in configured}
    parts = lang.strip().replace("_", "-").lower().split("-")
    while parts:
        found = by_lower.get("-".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None


# The document kinds briefgen can build; each has templates/<kind>.html and <kind>.css.
DOCUMENT_KINDS = ("brief", "handout")


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to a day, a month or a year; never padded with made-up parts."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    @property
    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> dt.date:
        """The last day it may be: the last of its month or year."""
        month = self.month or 12
        return dt.date(self.year, month,
                       self.day or calendar.monthrange(self.year, month)[1])

    def iso(self) -> str:
        if self.day is not None and self.month is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


class Sensitivity(StrEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"


class FactStatus(StrEnum):
    CONFIRMED = "confirmed"
    REPORTED = "reported"
    DISPUTED = "disputed"


class CaseStatus(StrEnum):
    ONGOING = "ongoing"
    RESOLVED = "resolved"
    UNKNOWN = "unknown"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class InstrumentKind(StrEnum):
    TREATY = "treaty"
    CUSTOMARY = "customary"
    NATIONAL = "national"
    BILATERAL = "bilateral"
    FINDING = "finding"


class TextKind(StrEnum):
    QUOTE = "quote"
    SUMMARY = "summary"


class ParticipationKind(StrEnum):
    SIGNATURE = "signature"
    RATIFICATION = "ratification"
    ACCESSION = "accession"
    SUCCESSION = "succession"
    # What a source says when it does not say how or when: "a party to", "not a party
    # to" (or "has not ratified").
    PARTY = "party"
    NOT_PARTY = "not-party"

    @property
    def binds(self) -> bool:
        # A signature obliges a state not to defeat a treaty's object and purpose, but it
        # is not consent to be bound; the brief must not present it as a treaty duty.
        return self not in (ParticipationKind.SIGNATURE, ParticipationKind.NOT_PARTY)

    @property
    def is_step(self) -> bool:
        """A step a state takes on a date (signing, ratifying…), listed in the brief."""
        return self not in (ParticipationKind.PARTY, ParticipationKind.NOT_PARTY)


class TranslationPolicy(StrEnum):
    """What a build does with text that has no current translation in a locale."""

    STRICT = "strict"  # fail, naming the catalog entry
    MARK = "mark"  # print the English, visibly marked as untranslated


class ActorKind(StrEnum):
    STATE = "state"
    ORGANISATION = "organisation"


NOT_STATED = None  # "not stated" in content is stored as None and printed as such


@dataclass(frozen=True)
class Project:
    organisation: str
    source_locale: str
    locales: tuple[str, ...]
    documents: tuple[str, ...]
    origin: Origin
    # locale -> policy for text not (or no longer) translated; a locale not listed is strict
    translation_policy: dict[str, TranslationPolicy] = field(default_factory=dict)
    handout_pairs: tuple[tuple[str, str], ...] = ()
    # locale -> the CLDR locale its dates, times, lists and country names are written in
    # (en -> en-GB: "2 December 2015"); a locale not listed uses its own
    formats: dict[str, str] = field(default_factory=dict)
    # Every fact, group member and timeline entry must say public or restricted: a
    # forgotten line is an error, not public.
    require_sensitivity: bool = False

    def policy(self, locale: str) -> TranslationPolicy:
        return self.translation_policy.get(locale, TranslationPolicy.STRICT)

    def format_locale(self, locale: str) -> str:
        return self.formats.get(locale, locale)


@dataclass(frozen=True)
class Source:
    id: str
    outlet: str | None
    title: str
    author: str | None
    date: PartialDate | None
    language: str
    origin: Origin
    url: str | None = None
    note: str | None = None
    # When on its date it was published, as it says (its offset from UTC included):
    # what decides whether a handout for an event that day could have cited it.
    published: dt.datetime | None = None
    # The date is worked out, not given by the text (its note says how).
    date_inferred: bool = False

    def out_before(self, moment: dt.datetime) -> bool:
        """Whether it may have been published by ``moment`` (an aware date-time): by
        its time if it gives one, else by its date (a month or a year holding the day
        counts, and no date at all)."""
        if self.published is not None:
            return self.published <= moment
        local_day = moment.date()
        return self.date is None or self.date.earliest <= local_day


@dataclass(frozen=True)
class Provision:
    id: str
    instrument_id: str
    article: str
    citation: str
    text: str
    text_kind: TextKind
    unofficial_translation: bool
    sources: tuple[str, ...]
    origin: Origin

    @property
    def ref(self) -> str:
        return f"{self.instrument_id}/{self.id}"


@dataclass(frozen=True)
class Instrument:
    id: str
    title: str
    short_title: str
    kind: InstrumentKind
    provisions: tuple[Provision, ...]
    origin: Origin
    adopted: PartialDate | None = None
    state: str | None = None
    parties: tuple[str, ...] = ()
    customary: str | None = None
    language: str = "en"

    def provision(self, provision_id: str) -> Provision | None:
        return next((p for p in self.provisions if p.id == provision_id), None)


@dataclass(frozen=True)
class Participation:
    """What the sources say about a state and a treaty. A state and treaty without any
    entry are printed as "the sources do not say", never as "not a party"."""

    instrument: str
    kind: ParticipationKind
    date: PartialDate | None
    sources: tuple[str, ...]
    origin: Origin


@dataclass(frozen=True)
class Actor:
    id: str
    kind: ActorKind
    name: str
    origin: Origin
    country: str | None = None
    short_name: str | None = None
    participation: tuple[Participation, ...] = ()
    # The name as it reads inside a sentence of the content's language, where that
    # differs: "the United States" (CLDR's name, printed elsewhere, has no article).
    in_sentence: str | None = None


@dataclass(frozen=True)
class RestrictedText:
    """A text a public document must not carry, and where it is written.

    ``whole``: look for the text itself. A restricted timeline entry's place is looked
    for only by its sentences long enough to be telling ("Tumen" is in public text too).
    """

    text: str
    where: str  # "path:line: what", for the message that finds it
    whole: bool = True


@dataclass(frozen=True)
class Member:
    id: str
    description: str
    sources: tuple[str, ...]
    sensitivity: Sensitivity
    origin: Origin
    count: int | None = None


@dataclass(frozen=True)
class Group:
    summary: str
    sources: tuple[str, ...]
    members: tuple[Member, ...]
    origin: Origin


@dataclass(frozen=True)
class Account:
    id: str
    text: str
    sources: tuple[str, ...]
    origin: Origin


@dataclass(frozen=True)
class Fact:
    id: str
    text: str
    status: FactStatus
    sources: tuple[str, ...]
    accounts: tuple[Account, ...]
    sensitivity: Sensitivity
    origin: Origin


@dataclass(frozen=True)
class TimelineEntry:
    id: str
    date: PartialDate
    approximate: bool
    event: str
    place: str | None
    sources: tuple[str, ...]
    sensitivity: Sensitivity
    origin: Origin


@dataclass(frozen=True)
class Analysis:
    id: str
    provisions: tuple[str, ...]
    concerns: tuple[str, ...]
    facts: tuple[str, ...]
    reasoning: str
    sources: tuple[str, ...]
    origin: Origin


@dataclass(frozen=True)
class Ask:
    id: str
    to: tuple[str, ...]
    priority: Priority
    text: str
    sources: tuple[str, ...]
    origin: Origin


@dataclass(frozen=True)
class Event:
    """A public event of the campaign (a protest, a vigil), in its own time zone."""

    id: str
    title: str
    start: dt.datetime  # aware, in ``timezone``
    end: dt.datetime
    timezone: str  # IANA name, e.g. America/New_York
    venue: str
    address: str
    organiser: str
    sources: tuple[str, ...]
    origin: Origin
    url: str | None = None


@dataclass(frozen=True)
class Handout:
    """What a case's one-page public handout shows besides its events."""

    call_to_action: str
    link: str
    link_is_placeholder: bool
    facts: tuple[str, ...]
    asks: tuple[str, ...]
    origin: Origin
    # Printed instead of the case's summary: a handout is for a day that may come before
    # the case's as-of date, and must not say what was only known later.
    summary: str | None = None
    summary_sources: tuple[str, ...] = ()
    # Printed instead of the case's title, for the same reason: the title may state
    # what was only known later.
    title: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    summary: str
    as_of: PartialDate
    status: CaseStatus
    audiences: tuple[str, ...]
    group: Group | None
    facts: tuple[Fact, ...]
    timeline: tuple[TimelineEntry, ...]
    legal_analysis: tuple[Analysis, ...]
    asks: tuple[Ask, ...]
    origin: Origin
    files: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    handout: Handout | None = None
    summary_sources: tuple[str, ...] = ()

    @functools.cached_property
    def restricted_contexts(self) -> frozenset[str]:
        """The catalog context (within the case) of every text of a restricted item. Their
        translations are kept in the case's restricted catalog, apart from the public
        ones (briefgen.messages.item_domain), so that a catalog given to a public
        translation platform holds none of them."""
        contexts: list[str] = []
        if self.group:
            contexts += [f"member:{m.id}" for m in self.group.members
                         if m.sensitivity is Sensitivity.RESTRICTED]
        for fact in self.facts:
            if fact.sensitivity is Sensitivity.RESTRICTED:
                contexts.append(f"fact:{fact.id}")
                contexts += [f"fact:{fact.id}:account:{a.id}" for a in fact.accounts]
        for entry in self.timeline:
            if entry.sensitivity is Sensitivity.RESTRICTED:
                contexts += [f"timeline:{entry.id}:event", f"timeline:{entry.id}:place"]
        return frozenset(contexts)

    def restricted_items(self) -> list[tuple[str, str, Origin, bool]]:
        """Every restricted item's text: (its catalog context within the case, English,
        where written, whether it is a whole item rather than a part such as a place)."""
        items: list[tuple[str, str, Origin, bool]] = []
        if self.group:
            items += [(f"member:{m.id}", m.description, m.origin.at("description"), True)
                      for m in self.group.members if m.sensitivity is Sensitivity.RESTRICTED]
        for fact in self.facts:
            if fact.sensitivity is Sensitivity.RESTRICTED:
                items.append((f"fact:{fact.id}", fact.text, fact.origin.at("text"), True))
                items += [(f"fact:{fact.id}:account:{a.id}", a.text, a.origin.at("text"), True)
                          for a in fact.accounts]
        # A place a public entry names is public: a restricted entry there restricts what
        # happened, not where ("Dongxing, Guangxi, China" for two events).
        public_places = {" ".join(entry.place.casefold().split()) for entry in self.timeline
                         if entry.place and entry.sensitivity is Sensitivity.PUBLIC}
        for entry in self.timeline:
            if entry.sensitivity is Sensitivity.RESTRICTED:
                items.append((f"timeline:{entry.id}:event", entry.event,
                              entry.origin.at("event"), True))
                if entry.place and " ".join(entry.place.casefold().split()) \
                        not in public_places:
                    items.append((f"timeline:{entry.id}:place", entry.place,
                                  entry.origin.at("place"), False))
        return items

    def cited_sources(self, *, restricted: bool) -> set[str]:
        """The sources the case's own items cite (not its law's, not its events'): of
        public items only, or with ``restricted`` of restricted ones too."""
        def shown(item: Member | Fact | TimelineEntry) -> bool:
            return restricted or item.sensitivity is Sensitivity.PUBLIC

        cited: set[str] = set(self.summary_sources)
        if self.group:
            cited.update(self.group.sources)
            for member in filter(shown, self.group.members):
                cited.update(member.sources)
        for fact in filter(shown, self.facts):
            cited.update(fact.sources)
            for account in fact.accounts:
                cited.update(account.sources)
        for entry in filter(shown, self.timeline):
            cited.update(entry.sources)
        for analysis in self.legal_analysis:
            cited.update(analysis.sources)
        for ask in self.asks:
            cited.update(ask.sources)
        return cited

    @property
    def handout_summary_sources(self) -> tuple[str, ...]:
        """The sources of the summary a handout prints: its own, or the case's."""
        if self.handout is not None and self.handout.summary:
            return self.handout.summary_sources
        return self.summary_sources

    def handout_citations(self, events: Iterable[Event]) -> list[str]:
        """The sources a handout of this case cites, in order of first citation: those
        of its summary, of the public facts and the asks its handout block lists, then
        of ``events``."""
        if self.handout is None:
            return []
        facts = {fact.id: fact for fact in self.facts}
        asks = {ask.id: ask for ask in self.asks}
        ids = [*self.handout_summary_sources,
               *(s for ref in self.handout.facts
                 if facts[ref].sensitivity is Sensitivity.PUBLIC for s in facts[ref].sources),
               *(s for ref in self.handout.asks for s in asks[ref].sources),
               *(s for event in events for s in event.sources)]
        return list(dict.fromkeys(ids))


@dataclass(frozen=True)
class Content:
    """Everything under ``content/``, validated and cross-referenced."""

    project: Project
    sources: dict[str, Source]
    instruments: dict[str, Instrument]
    actors: dict[str, Actor]
    cases: dict[str, Case]
    root: str
    files: tuple[str, ...] = field(default=())
    warnings: tuple[Warning_, ...] = field(default=())
