"""Turn one planned document into the list of inputs it is made from, each with a digest.

An output is current when the digests recorded in the manifest for it equal the ones
computed now; when they differ, the labels that changed say why it is rebuilt
("content/cases/x/case.yaml changed"). Inputs are as narrow as the content allows: a
case's own file, the law files it cites, the sources and actors it uses (by their data,
so editing one source does not rebuild every case), its catalogs, the templates of its
document kind, the fonts, the options and briefgen's version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from briefgen import __version__, code_digest
from briefgen.catalogs import TEMPLATES_DOMAIN, po_path
from briefgen.errors import ContentError
from briefgen.files import not_a_template_file
from briefgen.fontspec import FaceSpec, face_key, remembered_source_digests, specs_serving
from briefgen.messages import SHARED_DOMAIN, case_domains
from briefgen.model import (
    DOCUMENT_KINDS,
    Case,
    Content,
)


def _digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _strip_origins(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_origins(v) for k, v in value.items() if k not in ("origin", "files")}
    if isinstance(value, list | tuple):
        return [_strip_origins(v) for v in value]
    return value


def data_digest(obj: object) -> str:
    """Digest of a model object's data, ignoring where in its file it sits."""
    assert is_dataclass(obj) and not isinstance(obj, type)
    data = _strip_origins(asdict(obj))
    return _digest_bytes(json.dumps(data, sort_keys=True, default=str).encode())


class FileDigests:
    """Digests of files, each read once per build."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, str] = {}
        # (case id, locales) -> what its restricted items are, in English and translated
        self.restricted_parts: dict[tuple[str, tuple[str, ...]], object] = {}

    def label(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def __call__(self, path: Path) -> str:
        found = self._cache.get(path)
        if found is None:
            try:
                found = _digest_bytes(path.read_bytes()) if path.is_file() else "absent"
            except OSError as exc:
                raise ContentError(f"cannot read file: {exc.strerror or exc}",
                                   path=self.label(path),
                                   hint="check the file's permissions") from None
            self._cache[path] = found
        return found


def font_digest(specs: Sequence[FaceSpec], languages: Iterable[str],
                memo: Path | None = None) -> str:
    """The fonts a project's locales are set in: for each face serving one of them, what
    it is prepared from (its fonts.yaml entry, its source file, the preparation's version).

    Read from fonts.yaml and the source files, never from the font cache: a build on an
    empty cache (a fresh CI runner) finds current what was built elsewhere from the same
    fonts, and an updated font package is seen as the change it is. Faces serving other
    languages do not count. ``memo`` keeps the source files' digests between builds."""
    serving = specs_serving(specs, list(languages))
    hashes = remembered_source_digests({spec.source for spec in serving}, memo)
    keys: list[dict[str, Any]] = []
    for spec in serving:
        try:
            keys.append({"face": spec.stem, **face_key(spec, hashes)})
        except OSError:  # reported at its line in fonts.yaml when the fonts are loaded
            keys.append({"face": spec.stem, "source": "absent"})
    return _digest_bytes(json.dumps(keys, sort_keys=True).encode())


OPTION_INPUT = "build option "  # then the option's name: "build option paper"
VERSION_INPUT = "briefgen version"
OTHERS_RESTRICTED_INPUT = "restricted items of other cases"


def template_files(templates: Path, document: str) -> list[Path]:
    """The files under ``templates/`` a document may use: all of them, in folders too
    (an include, an image), but the other kinds' own template and stylesheet
    (``handout.html`` and ``handout.css`` for a brief) and what no template may use
    (:func:`briefgen.files.not_a_template_file`), which differs from machine to machine."""
    others = {f"{kind}.{suffix}" for kind in DOCUMENT_KINDS if kind != document
              for suffix in ("html", "css")}
    found: list[Path] = []
    for path in sorted(templates.rglob("*")):
        parts = path.relative_to(templates).parts
        if (not path.is_file() or not_a_template_file(parts)
                or (len(parts) == 1 and path.name in others)):
            continue
        found.append(path)
    return found


def _others_restricted(content: Content, case: Case, locales: Sequence[str], catalogs: Path,
                       files: FileDigests) -> str:
    """What a public document is checked against besides its own case's restricted
    items: every other case's, in English and in those cases' catalogs of ``locales``.
    A change there rebuilds (and so checks again) the public documents of every case;
    a change to another case's public items does not."""
    translated = tuple(x for x in locales if x != content.project.source_locale)
    parts: list[object] = []
    for other in sorted(content.cases.values(), key=lambda c: c.id):
        if other.id == case.id:
            continue
        key = (other.id, translated)
        if key not in files.restricted_parts:  # once per build, not once per output
            items = other.restricted_items()
            contexts = {f"case:{other.id}:{context}" for context, *_ in items}
            files.restricted_parts[key] = None if not items else [
                other.id, [[context, english] for context, english, *_ in items],
                [_po_entries(po_path(catalogs, locale, domain), contexts)
                 for locale in translated
                 for domain in case_domains(other.id)]]
        if files.restricted_parts[key] is not None:
            parts.append(files.restricted_parts[key])
    return _digest_bytes(json.dumps(parts, ensure_ascii=False).encode())


def _po_entries(path: Path, contexts: set[str]) -> list[str]:
    """The entries of the PO file at ``path`` for ``contexts``, as written (current,
    stale or obsolete): read as text, not parsed, since a stamp is worked out on every
    build, and a public translation changed there must not rebuild other cases."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for entry in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.removeprefix("#~").strip() for line in entry.splitlines()]
        context = ""
        for number, line in enumerate(lines):
            if line.startswith("msgctxt "):
                context = line[len("msgctxt "):].strip().strip('"')
                for more in lines[number + 1:]:  # a long context wraps onto "…" lines
                    if not more.startswith('"'):
                        break
                    context += more.strip('"')
                break
        if context in contexts:
            found.append(entry)
    return found


def _add_brief_inputs(content: Content, case: Case, add_file: Callable[[Path], None],
                      inputs: dict[str, str], restricted: bool) -> None:
    """The law, sources and actors a brief prints. A handout prints no law or actor (its
    view is the case's own text, its event, the sources they cite and the project), so
    a change to a law file does not rebuild it."""
    root = Path(content.root)
    instruments: set[str] = set()
    for analysis in case.legal_analysis:
        for ref in analysis.provisions:
            instruments.add(ref.partition("/")[0])
    for instrument_id in list(instruments):
        customary = content.instruments[instrument_id].customary
        if customary:
            instruments.add(customary)
    for instrument_id in sorted(instruments):
        add_file(root.parent / content.instruments[instrument_id].origin.path)

    _add_sources(content, _cited_sources(content, case, instruments, restricted), inputs)

    actors = set(case.audiences)
    for ask in case.asks:
        actors.update(ask.to)
    for analysis in case.legal_analysis:
        actors.update(analysis.concerns)
    for actor_id in sorted(actors):
        actor = content.actors[actor_id]
        inputs[f"{actor.origin.path} (actor {actor_id})"] = data_digest(actor)


def case_inputs(
    content: Content,
    case: Case,
    *,
    document: str,
    locales: Sequence[str],
    files: FileDigests,
    templates: Path,
    catalogs: Path,
    fonts: str,
    options: Mapping[str, object],
    restricted: bool = False,
) -> dict[str, str]:
    """label -> digest for everything one document of ``case`` is made from; with
    ``restricted``, for a document that prints restricted items too."""
    root = Path(content.root)
    inputs: dict[str, str] = {}

    def add_file(path: Path) -> None:
        inputs[files.label(path)] = files(path)

    add_file(root / "project.yaml")
    add_file(root / "cases" / case.id / "case.yaml")

    if document == "brief":
        _add_brief_inputs(content, case, add_file, inputs, restricted)
    else:
        # A handout lists the sources its facts, asks and event cite (of every event: the
        # stamp does not know which one; dates decide which are printed).
        _add_sources(content, case.handout_citations(case.events), inputs)

    for locale in locales:
        if locale != content.project.source_locale:
            # A public document reads its case's restricted catalog too: it is checked
            # against those translations.
            for domain in (TEMPLATES_DOMAIN, SHARED_DOMAIN, *case_domains(case.id)):
                add_file(po_path(catalogs, locale, domain))
    if not restricted:
        inputs[OTHERS_RESTRICTED_INPUT] = _others_restricted(content, case, locales, catalogs,
                                                             files)

    for template in template_files(templates, document):
        # Labelled from templates/, not by path: the stamp is printed on every page and
        # must not change with where the project (or briefgen's own templates) sits.
        inputs[f"templates/{template.relative_to(templates).as_posix()}"] = files(template)

    inputs["fonts"] = fonts
    # One input each, so that a rebuild names the one that changed ("build option paper").
    for key, value in sorted(options.items()):
        inputs[f"{OPTION_INPUT}{key}"] = _digest_bytes(json.dumps(value).encode())
    inputs[VERSION_INPUT] = _digest_bytes(
        json.dumps({"version": __version__, "code": code_digest()}, sort_keys=True).encode())
    return inputs


def build_options(inputs: Mapping[str, str]) -> dict[str, str]:
    """The build options (as digests) an output's recorded inputs say it was made with."""
    return {label: digest for label, digest in inputs.items()
            if label.startswith(OPTION_INPUT)}


def _add_sources(content: Content, ids: Iterable[str], inputs: dict[str, str]) -> None:
    # By their data, so that editing one source rebuilds only the documents citing it.
    for source_id in sorted(ids):
        source = content.sources[source_id]
        inputs[f"{source.origin.path} (source {source_id})"] = data_digest(source)


def _cited_sources(content: Content, case: Case, instruments: Iterable[str],
                   restricted: bool) -> set[str]:
    """The sources a brief may print. A public brief's leave out those only restricted
    items cite: the manifest names its inputs, and a source's id ("interview-cousin-
    yanji") can tell as much as the item."""
    cited = case.cited_sources(restricted=restricted)
    for instrument_id in instruments:
        for provision in content.instruments[instrument_id].provisions:
            cited.update(provision.sources)
    # A brief cites its audience's ratifications and accessions of the law it prints.
    for actor_id in case.audiences:
        for step in content.actors[actor_id].participation:
            if step.instrument in instruments:
                cited.update(step.sources)
    return cited


def stamp_of(inputs: Mapping[str, str]) -> str:
    """The short hash printed on every page and recorded in the manifest."""
    blob = json.dumps(sorted(inputs.items())).encode()
    return hashlib.sha256(blob).hexdigest()[:10]


def reasons(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """Why an output whose recorded inputs are ``old`` must be rebuilt now."""
    if not old:
        return ["the manifest does not record its inputs"]
    out = []
    for label in sorted(set(old) | set(new)):
        if label not in old:
            out.append(f"now uses {label}")
        elif label not in new:
            out.append(f"no longer uses {label}")
        elif old[label] != new[label]:
            out.append(f"{label} changed")
    return out
