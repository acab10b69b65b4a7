"""Turn content and templates into up-to-date PO catalogs for every locale.

Each catalog file holds one domain: ``templates`` (labels), ``shared`` (law, actors,
sources, project) and ``case.<id>`` (one case), so a translator works on one case at a
time and a change to one case touches only its catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from briefgen.build import Paths
from briefgen.catalogs import build_template, parse_locale, po_path, update_catalog
from briefgen.errors import UsageError
from briefgen.formatting import CODE_LABELS
from briefgen.loader import load_content
from briefgen.messages import Message, all_messages
from briefgen.model import Origin


def collect_messages(paths: Paths) -> dict[str, list[Message]]:
    """Every translatable message, by catalog domain."""
    from briefgen.renderer import extract_template_messages

    content = load_content(paths.content)
    code = [Message("", label, Origin("src/briefgen/formatting.py", 1), "templates")
            for label in CODE_LABELS]
    messages = [*extract_template_messages(paths.templates), *code, *all_messages(content)]
    by_domain: dict[str, list[Message]] = {}
    for domain, group in groupby(messages, key=lambda m: m.domain):
        by_domain.setdefault(domain, []).extend(group)
    return by_domain


def update_catalogs(paths: Paths, only: tuple[str, ...] = ()) -> Iterator[str]:
    content = load_content(paths.content)
    targets = [loc for loc in content.project.locales if loc != content.project.source_locale]
    for tag in only:
        parse_locale(tag)
        if tag not in targets:
            raise UsageError(f"{tag!r} is not a translated locale of this project",
                             field="--locale",
                             hint="expected one of: " + ", ".join(targets))
    by_domain = collect_messages(paths)
    for locale in only or tuple(targets):
        for domain, messages in sorted(by_domain.items()):
            template = build_template(messages, domain, "briefgen content")
            path = po_path(paths.locales, locale, domain)
            added, stale, obsolete = update_catalog(template, path, locale)
            shown = path.relative_to(paths.content.parent).as_posix()
            yield (f"{shown}: {len(template)} messages, {added} new, {stale} stale, "
                   f"{obsolete} obsolete")
