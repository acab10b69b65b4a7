"""Turn one case into the localized view one document shows to one audience.

This is where sensitivity is applied: a public view is built without restricted items,
so no template ever sees them (hiding them in CSS would still put them in the PDF).
Every string is translated here, and every translation problem is collected with the
catalog file and line it concerns.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from briefgen.catalogs import (
    LEGAL_CONTEXTS,
    Lookup,
    Translator,
    is_untranslated,
    mark_untranslated,
)
from briefgen.errors import BriefgenError, ContentError
from briefgen.formatting import format_names, format_partial_date, language_name, territory_name
from briefgen.markup import plain_text
from briefgen.messages import all_messages, case_domains, item_domain
from briefgen.model import (
    Actor,
    ActorKind,
    Case,
    Content,
    Event,
    FactStatus,
    Instrument,
    InstrumentKind,
    Origin,
    PartialDate,
    Participation,
    ParticipationKind,
    Priority,
    Provision,
    RestrictedText,
    Sensitivity,
    TranslationPolicy,
)

LOCALE_NAMES = {"en": "English", "ko": "Korean", "zh-Hans": "Simplified Chinese",
                "ja": "Japanese"}


@dataclass(frozen=True)
class SourceView:
    number: int
    id: str
    outlet: str | None
    title: str
    author: str | None
    date: str | None
    language: str  # its name in the document's locale
    language_code: str
    url: str | None
    note: str | None
    date_inferred: bool = False  # worked out, not given by the source (its note says how)


@dataclass(frozen=True)
class AccountView:
    text: str
    notes: tuple[int, ...]


@dataclass(frozen=True)
class FactView:
    id: str
    text: str
    status: str
    notes: tuple[int, ...]
    accounts: tuple[AccountView, ...]
    restricted: bool


@dataclass(frozen=True)
class MemberView:
    description: str
    count: int | None
    notes: tuple[int, ...]
    restricted: bool


@dataclass(frozen=True)
class TimelineView:
    date: str
    iso: str
    event: str
    place: str | None
    notes: tuple[int, ...]
    restricted: bool


@dataclass(frozen=True)
class ProvisionView:
    citation: str
    text: str
    text_kind: str
    unofficial: bool
    notes: tuple[int, ...]


@dataclass(frozen=True)
class ObligationView:
    """One instrument as it concerns the audience."""

    instrument: str
    title: str
    kind: str
    # party, signatory, not-party, not-stated (the sources do not say), customary,
    # national, bilateral
    standing: str
    participation: tuple[tuple[str, str | None], ...]  # (kind, date text or None)
    provisions: tuple[ProvisionView, ...]
    customary_title: str | None = None
    customary_provisions: tuple[ProvisionView, ...] = ()
    standing_notes: tuple[int, ...] = ()  # the sources of the standing and participation
    # Where the customary rule's text is, when it is not printed here: "above" or
    # "below" (under its own entry, or an earlier treaty's, in this section), or "".
    customary_text_at: str = ""


@dataclass(frozen=True)
class AnalysisView:
    reasoning: str
    citations: tuple[str, ...]
    concerns: str
    notes: tuple[int, ...]


@dataclass(frozen=True)
class AskView:
    text: str
    priority: str
    to: str
    notes: tuple[int, ...]


@dataclass(frozen=True)
class GroupView:
    summary: str
    notes: tuple[int, ...]
    members: tuple[MemberView, ...]


@dataclass(frozen=True)
class BriefView:
    """Everything the brief template may show, already translated and filtered."""

    locale: str
    lang: str
    case_id: str
    title: str
    summary: str
    summary_notes: tuple[int, ...]
    status: str
    as_of: str
    as_of_iso: str
    audience_id: str
    audience: str  # as it reads inside a sentence: "the United States"
    audience_at_start: str  # ... and at the start of one: "The United States"
    audience_is_state: bool
    organisation: str
    classification: str  # "public" or "restricted"
    group: GroupView | None
    facts: tuple[FactView, ...]
    disputed: tuple[FactView, ...]
    timeline: tuple[TimelineView, ...]
    obligations: tuple[ObligationView, ...]
    findings: tuple[ObligationView, ...]
    analysis: tuple[AnalysisView, ...]
    asks_to_audience: tuple[AskView, ...]
    other_asks: tuple[AskView, ...]
    sources: tuple[SourceView, ...]
    # (text, where it came from): every string shown, for the font coverage check
    texts: tuple[tuple[str, str], ...] = field(repr=False, default=())
    # text of restricted items, for the check of the finished PDF of a public document
    restricted_texts: tuple[RestrictedText, ...] = field(repr=False, default=())


class _Notes:
    """Numbers sources in the order the document first cites them."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self.order: list[str] = []

    def cite(self, ids: Iterable[str]) -> tuple[int, ...]:
        numbers = []
        for source_id in ids:
            if source_id not in self.order:
                self.order.append(source_id)
            numbers.append(self.order.index(source_id) + 1)
        return tuple(sorted(set(numbers)))


def missing_catalog_error(translator: Translator, domain: str) -> ContentError:
    """The one error for a catalog file this locale does not have yet."""
    return ContentError(
        f"catalog missing: no {LOCALE_NAMES.get(translator.locale, translator.locale)} "
        "translations", path=translator.catalog_display(domain),
        hint="run 'briefgen i18n update' to create it, then translate it")


def _contexts(content: Content) -> frozenset[str]:
    """Every context the content's items give their English (read when a translation
    is missing, to tell a mistyped msgctxt from another item's English)."""
    return frozenset(message.context for message in all_messages(content))


class _Localizer:
    def __init__(self, content: Content, translator: Translator, locale: str) -> None:
        self.content = content
        self.translator = translator
        self.locale = locale
        # What dates, lists and country names are written in (project.yaml's formats).
        self.formats = content.project.format_locale(locale)
        # project.yaml's translation_policy: strict fails on text without a current
        # translation; mark prints the English, visibly marked (see docs/translators.md).
        self.policy = content.project.policy(locale)
        self.errors: list[BriefgenError] = []
        self.texts: list[tuple[str, str]] = []

    def _marks(self, result: Lookup, context: str) -> bool:
        """Whether this missing or stale text is printed marked instead of failing."""
        if self.policy is not TranslationPolicy.MARK:
            return False
        # A stale legal translation is a reviewed rendering of the law whose English has
        # since changed, or one its translator marked for review: it fails even under
        # mark, so it is looked at before any brief in this locale goes out (deleting the
        # translation makes it missing, which mark then prints in English).
        return not (result.state == "stale" and context.startswith(LEGAL_CONTEXTS))

    def _check(self, result: Lookup, domain: str, context: str, origin: Origin) -> str:
        if result.state in ("missing", "stale") and self._marks(result, context):
            self.texts.append((result.text, str(origin)))
            return mark_untranslated(result.text, self.content.project.source_locale)
        if result.state in ("missing", "stale"):
            po = self.translator.catalog_display(domain)
            line = result.origin.line if result.origin and result.origin.line else None
            if result.state == "missing" and self.translator.catalog(domain) is None:
                # One error for the file, not one for each of its entries.
                if not any(e.path == po for e in self.errors):
                    self.errors.append(missing_catalog_error(self.translator, domain))
                self.texts.append((result.text, str(origin)))
                return result.text
            mistyped = bool(result.other_context) \
                and result.other_context not in _contexts(self.content)
            if result.other_context and not mistyped:
                line = None  # the line is another item's entry of the same English
            if result.state == "missing" and mistyped:
                message = (f"no {LOCALE_NAMES.get(self.locale, self.locale)} translation: "
                           "the entry on this line has its English under the context "
                           f"{result.other_context!r}, which names no item")
                hint = (f"set its msgctxt back to {context!r}: a context is never edited "
                        "by hand ('briefgen i18n update' would keep the entry only as "
                        "obsolete)")
            elif result.state == "missing":
                message = f"no {LOCALE_NAMES.get(self.locale, self.locale)} translation"
                hint = (f"translate this entry; its English is at {origin} "
                        "('briefgen i18n update' adds entries that are not there yet)")
            elif result.marked:
                message = "translation is marked fuzzy (needs review) in the catalog"
                hint = f"review it against the English at {origin}, then remove its fuzzy flag"
            elif result.unmerged:
                message = ("translation is stale: its entry's English (msgid) is not the "
                           "content's, which changed since the catalog was updated (or "
                           "the msgid was edited in the catalog)")
                hint = (f"run 'briefgen i18n update': it puts the English at {origin} "
                        "beside the old and marks the entry fuzzy; review the translation "
                        "against it, then remove the fuzzy flag (a msgid is never edited "
                        "by hand)")
            else:
                message = "translation is stale: the English text changed since it was translated"
                hint = (f"review it against the English at {origin}, then remove its "
                        "fuzzy flag")
            if result.state == "stale" and not result.marked \
                    and self.policy is TranslationPolicy.MARK:
                message += "; legal text fails even under translation_policy 'mark'"
                hint += ("; or delete the translation to print the English marked as "
                         "untranslated")
            self.errors.append(ContentError(message, path=po, line=line, field=context,
                                            hint=hint))
        where = str(result.origin) if result.origin and result.origin.path else str(origin)
        self.texts.append((result.text, where))
        return result.text

    def content_text(self, domain: str, context: str, text: str, origin: Origin) -> str:
        return self._check(self.translator.lookup(domain, context, text), domain, context,
                           origin)

    def case(self, case: Case, context: str, text: str, origin: Origin) -> str:
        return self.content_text(item_domain(case, context), f"case:{case.id}:{context}",
                                 text, origin)

    def shared(self, context: str, text: str, origin: Origin) -> str:
        return self.content_text("shared", context, text, origin)

    def label(self, text: str) -> str:
        return self.translator.gettext(text)

    def actor_name(self, actor: Actor, *, in_sentence: bool = False) -> str:
        """The actor's name in this locale; with ``in_sentence``, as it reads inside a
        sentence ("the United States"). ``in_sentence:`` is written in the content's
        language, so other languages print their usual name there."""
        own = actor.in_sentence if in_sentence and self.translator.is_source else None
        if own:
            self.texts.append((own, f"{actor.id}'s name in a sentence"))
        if actor.kind is ActorKind.STATE and actor.country:
            name = territory_name(actor.country, self.formats)
            if name:
                self.texts.append((name, f"CLDR territory name for {actor.country}"))
                return own or name
        if actor.kind is ActorKind.STATE:
            where = actor.origin.at("country")
            # Checked here, not by the loader: the names come from CLDR, which only the
            # views load, and a code CLDR does not know would print the content's English
            # name in every language.
            self.errors.append(ContentError(
                f"{actor.country!r} is not a country code CLDR knows", path=where.path,
                line=where.line, field="country",
                hint="expected an ISO 3166-1 alpha-2 code, such as CN for China or VN for "
                     "Vietnam"))
            return own or actor.name
        short = actor.short_name and self.shared(f"actor:{actor.id}:short_name",
                                                 actor.short_name, actor.origin.at("short_name"))
        name = own or self.shared(f"actor:{actor.id}:name", actor.name,
                                  actor.origin.at("name"))
        return f"{name} ({short})" if short else name

    def date(self, date: PartialDate, approximate: bool = False) -> str:
        text = format_partial_date(date, self.formats, approximate=approximate,
                                   gettext=self.translator.gettext)
        self.texts.append((text, f"date {date.iso()} in {self.locale}"))
        return text


def build_brief_view(
    content: Content,
    case: Case,
    audience_id: str,
    locale: str,
    translator: Translator,
    *,
    include_restricted: bool = False,
) -> BriefView:
    """Build the brief's view; raise ``ProblemReport`` listing every translation problem."""
    loc = _Localizer(content, translator, locale)
    notes = _Notes(content)
    audience = content.actors[audience_id]

    def shown(sensitivity: Sensitivity) -> bool:
        return include_restricted or sensitivity is Sensitivity.PUBLIC

    title = loc.case(case, "title", case.title, case.origin.at("title"))
    summary = loc.case(case, "summary", case.summary, case.origin.at("summary"))
    summary_notes = notes.cite(case.summary_sources)

    group = None
    if case.group:
        group_notes = notes.cite(case.group.sources)
        members = []
        for m in case.group.members:
            if not shown(m.sensitivity):
                continue
            members.append(MemberView(
                loc.case(case, f"member:{m.id}", m.description, m.origin.at("description")),
                m.count,
                notes.cite(m.sources), m.sensitivity is Sensitivity.RESTRICTED))
        group = GroupView(loc.case(case, "group", case.group.summary,
                                   case.group.origin.at("summary")),
                          group_notes, tuple(members))

    facts: list[FactView] = []
    disputed: list[FactView] = []
    for fact in case.facts:
        if not shown(fact.sensitivity):
            continue
        accounts = tuple(
            AccountView(loc.case(case, f"fact:{fact.id}:account:{a.id}", a.text,
                                 a.origin.at("text")),
                        notes.cite(a.sources))
            for a in fact.accounts)
        view = FactView(fact.id, loc.case(case, f"fact:{fact.id}", fact.text,
                                          fact.origin.at("text")),
                        fact.status.value, notes.cite(fact.sources), accounts,
                        fact.sensitivity is Sensitivity.RESTRICTED)
        (disputed if fact.status is FactStatus.DISPUTED else facts).append(view)

    timeline = []
    for entry in case.timeline:
        if not shown(entry.sensitivity):
            continue
        place = entry.place and loc.case(case, f"timeline:{entry.id}:place", entry.place,
                                         entry.origin.at("place"))
        timeline.append(TimelineView(
            loc.date(entry.date, entry.approximate), entry.date.iso(),
            loc.case(case, f"timeline:{entry.id}:event", entry.event, entry.origin.at("event")),
            place or None, notes.cite(entry.sources),
            entry.sensitivity is Sensitivity.RESTRICTED))

    obligations, findings = _obligations(content, case, audience, loc, notes)
    audience_name = loc.actor_name(audience, in_sentence=True)

    analysis = tuple(
        AnalysisView(
            loc.case(case, f"analysis:{a.id}", a.reasoning, a.origin.at("reasoning")),
            tuple(_citation(content, ref, loc) for ref in a.provisions),
            format_names([loc.actor_name(content.actors[x], in_sentence=True)
                          for x in a.concerns], loc.formats),
            # Its own sources only: a fact's source is cited where the fact is, and is
            # not credited with an argument it does not make.
            notes.cite(a.sources))
        for a in case.legal_analysis)

    def ask_view(ask_index: int) -> AskView:
        ask = case.asks[ask_index]
        return AskView(
            loc.case(case, f"ask:{ask.id}", ask.text, ask.origin.at("text")), ask.priority.value,
            format_names([loc.actor_name(content.actors[x]) for x in ask.to], loc.formats),
            notes.cite(ask.sources))

    rank = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}
    ordered = sorted(range(len(case.asks)), key=lambda i: (rank[case.asks[i].priority], i))
    to_audience = tuple(ask_view(i) for i in ordered if audience_id in case.asks[i].to)
    # Those to others are grouped by whom they are addressed to (in the order the case
    # first addresses each), then by priority: sorted by priority alone, "China" came
    # four times, then "South Korea", then "China" again.
    first_asked: dict[tuple[str, ...], int] = {}
    for index, ask in enumerate(case.asks):
        first_asked.setdefault(ask.to, index)
    others = tuple(ask_view(i) for i in sorted(
        (i for i in ordered if audience_id not in case.asks[i].to),
        key=lambda i: first_asked[case.asks[i].to]))

    sources = tuple(_source_view(content, number, source_id, loc)
                    for number, source_id in enumerate(notes.order, start=1))

    organisation = loc.shared("project:organisation", content.project.organisation,
                              content.project.origin.at("organisation"))
    if loc.errors:
        raise_report(loc.errors)
    return BriefView(
        locale=locale,
        lang=locale,
        case_id=case.id,
        title=title,
        summary=summary,
        summary_notes=summary_notes,
        status=case.status.value,
        as_of=loc.date(case.as_of),
        as_of_iso=case.as_of.iso(),
        audience_id=audience_id,
        audience=audience_name,
        audience_at_start=audience_name[:1].upper() + audience_name[1:],
        audience_is_state=audience.kind is ActorKind.STATE,
        organisation=organisation,
        classification="restricted" if include_restricted else "public",
        group=group,
        facts=tuple(facts),
        disputed=tuple(disputed),
        timeline=tuple(timeline),
        obligations=obligations,
        findings=findings,
        analysis=analysis,
        asks_to_audience=to_audience,
        other_asks=others,
        sources=sources,
        texts=tuple(loc.texts),
        restricted_texts=(() if include_restricted
                          else restricted_texts(content, case, [translator])),
    )


def raise_report(errors: Sequence[BriefgenError]) -> None:
    from briefgen.errors import ProblemReport

    raise ProblemReport(list({str(e): e for e in errors}.values()))


# Every public document reads every case's restricted items: each rendered once.
_read_as = functools.lru_cache(maxsize=65536)(plain_text)


def restricted_texts(content: Content, case: Case, translators: Sequence[Translator],
                     ) -> tuple[RestrictedText, ...]:
    """What a public document of ``case`` must not carry: the text of every restricted
    item, as written and as read (Markdown rendered), and every translation of it in
    ``translators``' catalogs, current, stale or obsolete. Of every case, its own
    first: a restricted fact of one case pasted into another's public fact is still
    restricted material. Its translations are looked for in the case's public catalog
    too, where they were before the item was restricted, until 'briefgen i18n update'
    moves them."""
    found: dict[str, RestrictedText] = {}
    for each in (case, *(c for c in content.cases.values() if c.id != case.id)):
        domains = case_domains(each.id)
        for context, english, origin, whole in each.restricted_items():
            key = f"case:{each.id}:{context}"
            written = [(english, origin), *(pair for t in translators for domain in domains
                                            for pair in t.every_translation(domain, key))]
            for text, where in written:
                for variant in (text, _read_as(text)):
                    if variant.strip() and variant not in found:
                        found[variant] = RestrictedText(variant, f"{where}: {context}", whole)
    return tuple(found.values())


def _citation(content: Content, ref: str, loc: _Localizer) -> str:
    instrument_id, _, provision_id = ref.partition("/")
    provision = content.instruments[instrument_id].provision(provision_id)
    assert provision is not None  # the loader checked every reference
    return loc.shared(f"law:{instrument_id}:{provision_id}:citation", provision.citation,
                      provision.origin.at("citation"))


def _provision_view(content: Content, provision: Provision, loc: _Localizer,
                    notes: _Notes) -> ProvisionView:
    instrument = content.instruments[provision.instrument_id]
    text = loc.shared(f"law:{instrument.id}:{provision.id}:text", provision.text,
                      provision.origin.at("text"))
    # Our own rendering of legal text is never presented as the official one.
    unofficial = provision.unofficial_translation or (
        loc.locale != instrument.language and not loc.translator.is_source
        and not is_untranslated(text))  # printed untranslated: the original, not ours
    return ProvisionView(_citation(content, provision.ref, loc), text,
                         provision.text_kind.value, unofficial, notes.cite(provision.sources))


def _obligations(
    content: Content, case: Case, audience: Actor, loc: _Localizer, notes: _Notes,
) -> tuple[tuple[ObligationView, ...], tuple[ObligationView, ...]]:
    """The instruments the case relies on, as they bind (or do not bind) the audience."""
    cited: dict[str, list[Provision]] = {}
    for analysis in case.legal_analysis:
        for ref in analysis.provisions:
            instrument_id, _, provision_id = ref.partition("/")
            provision = content.instruments[instrument_id].provision(provision_id)
            assert provision is not None
            bucket = cited.setdefault(instrument_id, [])
            if provision not in bucket:
                bucket.append(provision)

    def title_of(instrument_id: str) -> str:
        inst = content.instruments[instrument_id]
        return loc.shared(f"law:{inst.id}:title", inst.title, inst.origin.at("title"))

    obligations: list[ObligationView] = []
    findings: list[ObligationView] = []
    # A customary rule's text is printed once: under its own entry when the analysis
    # cites it, else under the first treaty it stands in for; elsewhere it is named.
    customary_printed = set(cited)
    for instrument_id, provisions in cited.items():
        inst = content.instruments[instrument_id]
        entries = [p for p in audience.participation if p.instrument == inst.id]
        standing = _standing(inst, audience, entries)
        if standing is None:
            continue  # e.g. another state's national law: not printed, so not cited
        # Cited in the order printed (standing, provisions, customary rule), so that
        # note numbers follow the page.
        standing_notes = notes.cite(tuple(dict.fromkeys(
            source for p in entries for source in p.sources)))
        views = tuple(_provision_view(content, p, loc, notes) for p in provisions)
        if standing == "finding":
            findings.append(ObligationView(inst.id, title_of(inst.id), inst.kind.value,
                                           standing, (), views))
            continue
        participation = tuple((p.kind.value, loc.date(p.date) if p.date else None)
                              for p in entries if p.kind.is_step)
        customary_title = None
        customary_views: tuple[ProvisionView, ...] = ()
        text_at = ""
        if inst.kind is InstrumentKind.TREATY and standing != "party" and inst.customary:
            custom = content.instruments[inst.customary]
            customary_title = title_of(custom.id)
            if custom.id not in customary_printed:
                customary_printed.add(custom.id)
                customary_views = tuple(_provision_view(content, p, loc, notes)
                                        for p in custom.provisions)
            else:
                # Named without its text, the rule would read as a stray line.
                order = list(cited)
                text_at = ("below" if custom.id in cited
                           and order.index(custom.id) > order.index(inst.id) else "above")
        obligations.append(ObligationView(
            inst.id, title_of(inst.id), inst.kind.value, standing, participation, views,
            customary_title, customary_views, standing_notes, text_at))
    return tuple(obligations), tuple(findings)


def _standing(inst: Instrument, audience: Actor, entries: Sequence[Participation],
              ) -> str | None:
    """How ``inst`` concerns ``audience``, whose participation in it is ``entries`` (see
    ObligationView.standing); None: not at all."""
    if inst.kind is InstrumentKind.FINDING:
        return "finding"
    if audience.kind is not ActorKind.STATE:
        return None
    if inst.kind is InstrumentKind.TREATY:
        if any(p.kind.binds for p in entries):
            return "party"
        if any(p.kind is ParticipationKind.NOT_PARTY for p in entries):
            return "not-party"
        return "signatory" if entries else "not-stated"
    if inst.kind is InstrumentKind.CUSTOMARY:
        return "customary"
    if inst.kind is InstrumentKind.NATIONAL and inst.state == audience.id:
        return "national"
    if inst.kind is InstrumentKind.BILATERAL and audience.id in inst.parties:
        return "bilateral"
    return None


def _source_view(content: Content, number: int, source_id: str, loc: _Localizer) -> SourceView:
    source = content.sources[source_id]
    for key, text in (("outlet", source.outlet), ("title", source.title),
                      ("author", source.author)):
        if text:
            loc.texts.append((text, str(source.origin.at(key))))
    note = source.note and loc.shared(f"source:{source.id}:note", source.note,
                                      source.origin.at("note"))
    return SourceView(
        number=number,
        id=source.id,
        outlet=source.outlet,
        title=source.title,
        author=source.author,
        date=loc.date(source.date) if source.date else None,
        date_inferred=source.date_inferred,
        language=language_name(source.language, loc.formats),
        language_code=source.language,
        url=source.url,
        note=note or None,
    )


# -- the protest handout -----------------------------------------------------------------


@dataclass(frozen=True)
class HandoutColumn:
    """One language's half of the handout."""

    locale: str
    title: str
    summary: str
    facts: tuple[str, ...]
    asks: tuple[str, ...]
    event_title: str
    event_date: str
    event_time: str
    venue: str
    call_to_action: str
    organisation: str = ""
    # What its facts, asks and event cite, as each column's language writes the dates.
    sources: tuple[SourceView, ...] = ()


@dataclass(frozen=True)
class HandoutView:
    """Everything the handout template may show: public material only, two languages."""

    case_id: str
    event_id: str
    lang: str  # the document's main language: the first of the pair
    columns: tuple[HandoutColumn, ...]
    address: str
    organiser: str
    link: str
    link_is_placeholder: bool
    as_of_iso: str
    organisation: str
    classification: str = "public"
    # The organisation's name in each column's language, once where they are the same:
    # (locale, name) pairs, for the footer.
    organisations: tuple[tuple[str, str], ...] = ()
    # locale -> (text, where it came from), for the font coverage check
    texts: dict[str, tuple[tuple[str, str], ...]] = field(repr=False, default_factory=dict)
    restricted_texts: tuple[RestrictedText, ...] = field(repr=False, default=())


def build_handout_view(
    content: Content,
    case: Case,
    event_id: str,
    locales: Sequence[str],
    translators: dict[str, Translator],
) -> HandoutView:
    """Build a handout's view in each of ``locales``; raise ``ProblemReport`` on problems."""
    from briefgen.formatting import format_event_time

    event = next(e for e in case.events if e.id == event_id)
    handout = case.handout
    assert handout is not None  # only cases with a handout block are planned
    facts = {fact.id: fact for fact in case.facts}
    asks = {ask.id: ask for ask in case.asks}
    errors: list[BriefgenError] = []
    texts: dict[str, tuple[tuple[str, str], ...]] = {}
    columns = []
    cited = _handout_sources(content, case, event)
    for locale in locales:
        loc = _Localizer(content, translators[locale], locale)
        date, time_range = format_event_time(event.start, event.end, loc.formats)
        loc.texts.append((f"{date} {time_range}", f"event time in {locale}"))
        columns.append(HandoutColumn(
            locale=locale,
            title=(loc.case(case, "handout:title", handout.title, handout.origin.at("title"))
                   if handout.title
                   else loc.case(case, "title", case.title, case.origin.at("title"))),
            summary=(loc.case(case, "handout:summary", handout.summary,
                              handout.origin.at("summary")) if handout.summary
                     else loc.case(case, "summary", case.summary, case.origin.at("summary"))),
            # The loader refuses restricted facts here; filter again so a public document
            # can never receive one, whatever the content says.
            facts=tuple(loc.case(case, f"fact:{ref}", facts[ref].text, facts[ref].origin.at("text"))
                        for ref in handout.facts
                        if facts[ref].sensitivity is Sensitivity.PUBLIC),
            asks=tuple(loc.case(case, f"ask:{ref}", asks[ref].text, asks[ref].origin.at("text"))
                       for ref in handout.asks),
            event_title=loc.case(case, f"event:{event.id}:title", event.title,
                                 event.origin.at("title")),
            event_date=date,
            event_time=time_range,
            venue=loc.case(case, f"event:{event.id}:venue", event.venue, event.origin.at("venue")),
            call_to_action=loc.case(case, "handout:call_to_action", handout.call_to_action,
                                    handout.origin.at("call_to_action")),
            organisation=loc.shared("project:organisation", content.project.organisation,
                                    content.project.origin.at("organisation")),
            sources=tuple(_source_view(content, number, source_id, loc)
                          for number, source_id in enumerate(cited, start=1)),
        ))
        errors.extend(loc.errors)
        texts[locale] = tuple(loc.texts)
    # The document's metadata names the organisation in the first language.
    organisation = columns[0].organisation
    organisations: list[tuple[str, str]] = []
    for column in columns:  # the first language's name first, each name once
        if all(column.organisation != name for _, name in organisations):
            organisations.append((column.locale, column.organisation))
    if errors:
        raise_report(errors)
    # Printed as written, in the first language's column font.
    texts[locales[0]] += ((event.address, str(event.origin.at("address"))),
                          (event.organiser, str(event.origin.at("organiser"))),
                          (handout.link, str(handout.origin.at("link"))))
    return HandoutView(
        case_id=case.id,
        event_id=event.id,
        lang=locales[0],
        columns=tuple(columns),
        address=event.address,
        organiser=event.organiser,
        link=handout.link,
        link_is_placeholder=handout.link_is_placeholder,
        as_of_iso=case.as_of.iso(),
        organisation=organisation,
        organisations=tuple(organisations),
        texts=texts,
        restricted_texts=restricted_texts(content, case, [translators[x] for x in locales]),
    )


def _handout_sources(content: Content, case: Case, event: Event) -> list[str]:
    """The sources a handout's facts, asks and event cite, in order of first citation;
    without those dated after the event's day, which a handout for it could not have
    cited (an example reconstructing a past campaign has them: its facts cite later
    reports too). A source dated to a month or a year that holds the day is kept; one
    published that day is left out if its time is given and after the event's start."""
    return [source_id for source_id in case.handout_citations([event])
            if content.sources[source_id].out_before(event.start)]
