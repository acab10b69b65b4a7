"""Turn the content model into the list of translatable messages, each with a stable context.

The context says exactly where a message lives (``case:<id>:fact:<id>``), so the same
English sentence in two places can be translated differently and a translator can see
where a string is used. See docs/content-format.md for the full table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from briefgen.model import ActorKind, Case, Content, Origin


@dataclass(frozen=True)
class Message:
    context: str
    text: str
    origin: Origin
    domain: str  # which catalog file holds it: "shared", "case.<id>", "case.<id>.restricted"
    plural: str = ""  # the English plural of a template's ngettext message


# A case's restricted items are translated in a catalog of their own, never in the one a
# public translation platform is given (briefgen.catalogs.po_path: locales/restricted/).
RESTRICTED_SUFFIX = ".restricted"
SHARED_DOMAIN = "shared"  # law, actors, sources and the project's own strings


def case_domain(case_id: str) -> str:
    return f"case.{case_id}"


def restricted_domain(case_id: str) -> str:
    return f"case.{case_id}{RESTRICTED_SUFFIX}"


def case_domains(case_id: str) -> tuple[str, str]:
    """Both catalogs of a case, restricted first: where a restricted item's translation
    is, and where it was before the item was restricted, until an update moves it."""
    return restricted_domain(case_id), case_domain(case_id)


def item_domain(case: Case, context: str) -> str:
    """The catalog of the case's text at ``context`` (within the case): the restricted
    one for a restricted item's."""
    return (restricted_domain(case.id) if context in case.restricted_contexts
            else case_domain(case.id))


def shared_messages(content: Content) -> Iterator[Message]:
    def m(context: str, text: str | None, origin: Origin) -> Iterator[Message]:
        if text:
            yield Message(context, text, origin, SHARED_DOMAIN)

    yield from m("project:organisation", content.project.organisation, content.project.origin)
    for inst in sorted(content.instruments.values(), key=lambda i: i.id):
        yield from m(f"law:{inst.id}:title", inst.title, inst.origin)
        if inst.short_title != inst.title:
            yield from m(f"law:{inst.id}:short_title", inst.short_title, inst.origin)
        for prov in inst.provisions:
            yield from m(f"law:{inst.id}:{prov.id}:citation", prov.citation, prov.origin)
            yield from m(f"law:{inst.id}:{prov.id}:text", prov.text, prov.origin)
    for source in sorted(content.sources.values(), key=lambda s: s.id):
        # Titles are never translated (a citation names the document as published);
        # our own note about a source is.
        yield from m(f"source:{source.id}:note", source.note, source.origin)
    for actor in sorted(content.actors.values(), key=lambda a: a.id):
        if actor.kind is ActorKind.ORGANISATION:
            yield from m(f"actor:{actor.id}:name", actor.name, actor.origin)
            yield from m(f"actor:{actor.id}:short_name", actor.short_name, actor.origin)


def case_messages(case: Case) -> Iterator[Message]:
    base = f"case:{case.id}"

    def m(context: str, text: str | None, origin: Origin) -> Iterator[Message]:
        if text:
            yield Message(f"{base}:{context}", text, origin, item_domain(case, context))

    yield from m("title", case.title, case.origin)
    yield from m("summary", case.summary, case.origin)
    if case.group:
        yield from m("group", case.group.summary, case.group.origin)
        for member in case.group.members:
            yield from m(f"member:{member.id}", member.description, member.origin)
    for fact in case.facts:
        yield from m(f"fact:{fact.id}", fact.text, fact.origin)
        for acc in fact.accounts:
            yield from m(f"fact:{fact.id}:account:{acc.id}", acc.text, acc.origin)
    for entry in case.timeline:
        yield from m(f"timeline:{entry.id}:event", entry.event, entry.origin)
        yield from m(f"timeline:{entry.id}:place", entry.place, entry.origin)
    for analysis in case.legal_analysis:
        yield from m(f"analysis:{analysis.id}", analysis.reasoning, analysis.origin)
    for ask in case.asks:
        yield from m(f"ask:{ask.id}", ask.text, ask.origin)
    for event in case.events:
        # The address and the organiser's name are printed as written: they are for
        # finding the place and the people, not for reading.
        yield from m(f"event:{event.id}:title", event.title, event.origin)
        yield from m(f"event:{event.id}:venue", event.venue, event.origin)
    if case.handout:
        if case.handout.title:
            yield from m("handout:title", case.handout.title, case.handout.origin.at("title"))
        if case.handout.summary:
            yield from m("handout:summary", case.handout.summary,
                         case.handout.origin.at("summary"))
        yield from m("handout:call_to_action", case.handout.call_to_action,
                     case.handout.origin)


def all_messages(content: Content) -> Iterator[Message]:
    yield from shared_messages(content)
    for case_id in sorted(content.cases):
        yield from case_messages(content.cases[case_id])
