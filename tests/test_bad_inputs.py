"""A corpus of bad inputs, each with the message its author must see.

Every case: exit code 2, the expected text (with its ``path:line`` where there is one),
no traceback, nothing written, and the outputs of an earlier good build left intact.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefgen.cli import app

from .conftest import REPO, SAMPLES

CASE = "content/cases/sample-case/case.yaml"
SOURCES = "content/sources/sources.yaml"
PROJECT = "content/project.yaml"
TREATY = "content/law/treaty.yaml"
ACTORS = "content/actors/actors.yaml"

Mutation = Callable[[Path], None]


def replace(rel: str, old: str, new: str) -> Mutation:
    def apply(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def write_bytes(rel: str, data: bytes) -> Mutation:
    def apply(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)

    return apply


def templates(old: str, new: str, name: str = "brief.html") -> Mutation:
    def apply(root: Path) -> None:
        if not (root / "templates").exists():
            shutil.copytree(REPO / "templates", root / "templates")
        replace(f"templates/{name}", old, new)(root)

    return apply


REASONING = ".reasoning { break-inside: avoid-page; }"
BRIEF_SANS = '  font-family: "Brief Sans";'
FONT_SHORTHAND = 'font: 7pt/1.2 "Brief Sans";'


def at(text: str, name: str = "brief.html") -> str:
    """``templates/NAME:N`` for the first shipped line that holds ``text``, so that an edit
    elsewhere in the template does not break the expected messages below."""
    lines = (REPO / "templates" / name).read_text(encoding="utf-8").splitlines()
    return f"templates/{name}:{next(n for n, line in enumerate(lines, 1) if text in line)}"


def css_at(text: str) -> str:
    return at(text, "brief.css")


def font_file(make: Callable[[Path], Path]) -> Mutation:
    """Point the serif bold face of templates/fonts.yaml at what ``make`` puts in the
    project."""
    def apply(root: Path) -> None:
        templates("/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf", str(make(root)),
                  "fonts.yaml")(root)

    return apply


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def both(*mutations: Mutation) -> Mutation:
    def apply(root: Path) -> None:
        for mutation in mutations:
            mutation(root)

    return apply


@dataclass(frozen=True)
class Bad:
    name: str
    mutate: Mutation
    expected: str
    args: tuple[str, ...] = ()
    command: str = "build"
    code: int = 2
    extra: tuple[str, ...] = field(default=())


CORPUS = [
    Bad("yaml syntax error", replace(CASE, "status: ongoing", "status: [ongoing"),
        f"{CASE}:5: YAML syntax error"),
    Bad("tab indentation", replace(CASE, "  summary: Two adults.", "\tsummary: Two adults."),
        f"{CASE}:8: tab used for indentation (YAML indents with spaces only"),
    Bad("duplicate key", replace(CASE, "status: ongoing\n", "status: ongoing\nstatus: resolved\n"),
        f"{CASE}:5: duplicate key 'status' (first given on line 4)"),
    Bad("full-width digits in a date", replace(CASE, "as_of: 2015-12-02",
                                                "as_of: \uff12\uff10\uff11\uff15-12-02"),
        f"{CASE}:3: as_of: '\uff12\uff10\uff11\uff15-12-02' is not a date (expected "
        "YYYY-MM-DD, YYYY-MM or YYYY written in digits 0-9)"),
    Bad("unknown key", replace(CASE, "as_of: 2015-12-02", "asof: 2015-12-02"),
        f"{CASE}:3: asof: unknown key 'asof' (did you mean 'as_of'?)"),
    Bad("wrong type", replace(CASE, "title: A sample case", "title: [A, sample]"),
        f"{CASE}:2: title: is a list (expected text)"),
    Bad("empty sensitivity", replace(CASE, "sensitivity: restricted", "sensitivity:"),
        f"{CASE}:18: group.members[2].sensitivity: is empty (expected one of public, "
        "restricted; leave the line out for public)"),
    Bad("empty boolean", replace(CASE, "approximate: true", "approximate:"),
        "approximate: is empty (expected true or false; leave the line out for false)"),
    Bad("yaml 1.1 boolean", replace(CASE, "approximate: true", "approximate: yes"),
        "timeline[2].approximate: 'yes' is not true or false"),
    Bad("yaml 1.1 boolean NO", replace(TREATY, "text_kind: summary",
                                       "text_kind: summary\n    unofficial_translation: NO"),
        "provisions[1].unofficial_translation: 'NO' is not true or false"),
    Bad("octal count", replace(CASE, "count: 2", "count: 010"),
        "count: '010' is not a whole number (expected digits such as 9, without leading zeros)"),
    Bad("sexagesimal count", replace(CASE, "count: 2", "count: 1:20"),
        "count: '1:20' is not a whole number"),
    Bad("alias bomb", write_bytes("content/sources/bomb.yaml",
                                  b'a: &a ["x","x","x"]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n'),
        "content/sources/bomb.yaml:1: YAML anchors and aliases (&name, *name) are not supported"),
    Bad("merge key", write_bytes("content/sources/merge.yaml",
                                 b"base: {a: 1}\nsources:\n  <<: {b: 2}\n"),
        "content/sources/merge.yaml:3: YAML merge keys (<<) are not supported"),
    Bad("not utf-8", write_bytes("content/sources/latin1.yaml", b"sources:\n  - id: caf\xe9\n"),
        "content/sources/latin1.yaml:2: file is not valid UTF-8 (byte 0xe9)"),
    Bad("utf-16 without a byte-order mark",
        write_bytes("content/sources/notepad.yaml", "sources:\n  - id: a\n".encode("utf-16-le")),
        "content/sources/notepad.yaml:1: file is saved as UTF-16, not UTF-8 (save the file "
        "as UTF-8"),
    Bad("utf-16 with a byte-order mark",
        write_bytes("content/sources/notepad.yaml", "sources:\n  - id: a\n".encode("utf-16")),
        "content/sources/notepad.yaml:1: file is saved as UTF-16, not UTF-8"),
    Bad("empty file", write_bytes("content/sources/empty.yaml", b""),
        "content/sources/empty.yaml: file is empty"),
    Bad("huge file", write_bytes("content/sources/huge.yaml", b"a: " + b"x" * 20_000_000),
        "content/sources/huge.yaml: file is 19.1 MB (20,000,003 bytes); content files may be "
        "at most 2 MB (2,097,152 bytes)"),
    Bad("control character", replace(CASE, "Two adults.", "Two\x07 adults."),
        f"{CASE}:8: invisible control character U+0007 at column 15, after “summary: Two”"),
    Bad("unpaired surrogate", replace(CASE, "title: A sample case", 'title: "A \\ud800 case"'),
        f"{CASE}:2: the value contains U+D800, which is not text"),
    Bad("date format", replace(CASE, "as_of: 2015-12-02", "as_of: 02/12/2015"),
        f"{CASE}:3: as_of: '02/12/2015' is not a date (expected YYYY-MM-DD, YYYY-MM or YYYY)"),
    Bad("impossible date", replace(CASE, "as_of: 2015-12-02", "as_of: 2015-02-30"),
        "'2015-02-30' is not a real day (February 2015 has 28 days)"),
    Bad("month 13", replace(SOURCES, "date: 2015-11-18", "date: 2015-13"),
        f"{SOURCES}:6: sources[1].date: '2015-13' has no month 13 (expected 01 to 12)"),
    Bad("precision contradicts date", replace(CASE, "    date: 2015-10\n",
                                              "    date: 2015-10\n    precision: day\n"),
        "precision: says day but the date 2015-10 is written to the month"),
    Bad("timeline out of order, strict",
        replace(CASE, "    date: 2015-10\n", "    date: 2016-01\n"),
        "comes after 'earlier' (2016-01) but is earlier (an error because of --strict)",
        args=("--strict",)),
    Bad("audience that no ask is addressed to, strict",
        replace(CASE, "    to: [other-state]\n", "    to: [party-state]\n"),
        f"{CASE}:5: audiences: no ask is addressed to 'other-state': its brief will make no "
        "request of it", args=("--strict",), extra=("(an error because of --strict)",)),
    Bad("fact without source", replace(CASE, "    status: confirmed\n    sources: [src-a, src-b]\n",
                                       "    status: confirmed\n"),
        f"{CASE}:20: facts[1].sources: is missing (expected a list)"),
    Bad("timeline without source", replace(CASE, "    event: They set out.\n    sources: [src-a]\n",
                                           "    event: They set out.\n"),
        "timeline[1].sources: is missing"),
    Bad("unknown source", replace(CASE, "sources: [src-a, src-b]", "sources: [src-a, src-c]"),
        f"{CASE}:23: facts[1].sources: unknown source 'src-c'"),
    # In a block list the line is the item's own.
    Bad("unknown source in a block list",
        replace(CASE, "sources: [src-a, src-b]", "sources:\n      - src-a\n      - src-c"),
        f"{CASE}:25: facts[1].sources: unknown source 'src-c'"),
    Bad("unknown law", replace(CASE, "provisions: [treaty/art-1]", "provisions: [treatyy/art-1]"),
        "legal_analysis[1].provisions: unknown instrument 'treatyy' in 'treatyy/art-1' "
        "(did you mean 'treaty'?)"),
    Bad("unknown provision",
        replace(CASE, "provisions: [treaty/art-1]", "provisions: [treaty/art-2]"),
        "unknown provision 'treaty/art-2' (expected instrument/provision, one of: treaty/art-1)"),
    Bad("unknown actor", replace(CASE, "to: [party-state]", "to: [party-stat]"),
        "to: unknown actor 'party-stat' (did you mean 'party-state'?)"),
    Bad("unknown audience actor", replace(CASE, "audiences: [party-state, other-state]",
                                          "audiences: [party-state, mars]"),
        f"{CASE}:5: audiences: unknown actor 'mars'"),
    Bad("unknown case option", lambda root: None, "--case: unknown value 'sample' (did you mean "
        "'sample-case'?)", args=("--case", "sample")),
    Bad("unknown doc option", lambda root: None, "--doc: unknown value 'handbill'",
        args=("--doc", "handbill")),
    Bad("unknown audience option", lambda root: None, "--audience: unknown value 'party'",
        args=("--audience", "party")),
    Bad("unknown locale option", lambda root: None, "--locale: unknown locale 'xx-Nope'",
        args=("--locale", "xx-Nope")),
    Bad("unconfigured locale option", lambda root: None, "--locale: unknown value 'ko'",
        args=("--locale", "ko")),
    Bad("unknown paper", lambda root: None, "--paper: unknown paper size 'a3'",
        args=("--paper", "a3")),
    Bad("bad shard", lambda root: None, "--shard: 'half' is not a shard (expected K/N",
        args=("--shard", "half")),
    Bad("duplicate ids across files", write_bytes(
        "content/sources/more.yaml", b"sources:\n  - id: src-a\n    outlet: X\n    title: Y\n"
        b"    author: not stated\n    date: not stated\n    language: en\n"),
        "duplicate source id 'src-a' (first defined at content/sources/more.yaml:2"),
    Bad("duplicate fact id", replace(CASE, "  - id: secret-fact", "  - id: stopped"),
        f"{CASE}:24: facts[2].id: duplicate fact id 'stopped' (first defined at "
        f"{CASE}:20"),
    Bad("restricted fact from public field", replace(
        CASE, "    concerns: [party-state]\n",
        "    concerns: [party-state]\n    facts: [secret-fact]\n"),
        "facts: refers to restricted fact 'secret-fact' (legal analysis appears in public"),
    Bad("disputed with one account", replace(
        CASE,
        "      - id: second\n        text: The stop was on 23 October.\n        sources: [src-b]\n",
        ""), "a disputed fact has 1 account(s) (expected two or more accounts"),
    Bad("unknown status", replace(CASE, "status: confirmed", "status: confirmd"),
        "facts[1].status: 'confirmd' is not allowed (did you mean 'confirmed'?)"),
    Bad("missing title", replace(CASE, "title: A sample case\n", ""),
        f"{CASE}:1: title: is missing (expected text)"),
    Bad("case id and directory differ", replace(CASE, "id: sample-case", "id: other"),
        "'other' does not match its directory 'sample-case'"),
    Bad("state without country", replace(ACTORS, "    country: VN\n", ""),
        "actors[2].country: is missing (a state needs its ISO 3166 code"),
    Bad("id too long for a file name", replace(ACTORS, "id: other-state",
                                               "id: " + "-".join(["other-state"] * 6)),
        "id: id is 71 characters long (at most 64) (shorten it; ids end up in file names)",
        command="validate"),
    Bad("case file spelt case.yml", lambda root: (root / CASE).rename(
        root / "content/cases/sample-case/case.yml"),
        "content/cases/sample-case/case.yml: the case file must be named case.yaml, not "
        "case.yml (rename it to case.yaml)", command="validate"),
    Bad("a second case file beside case.yaml",
        lambda root: shutil.copy(root / CASE, root / "content/cases/sample-case/Case.YML"),
        "content/cases/sample-case/Case.YML: the case file must be named case.yaml, not "
        "Case.YML (only case.yaml is read", command="validate"),
    Bad("country code CLDR does not know",
        replace(ACTORS, "    country: VN\n", "    country: XX\n"),
        f"{ACTORS}:14: country: 'XX' is not a country code CLDR knows (expected an ISO 3166-1"),
    Bad("country code CLDR does not know, validate", replace(ACTORS, "    country: VN\n",
                                                             "    country: QQ\n"),
        f"{ACTORS}:14: country: 'QQ' is not a country code CLDR knows", command="validate"),
    Bad("source url not a web address", replace(SOURCES, "    language: en\n",
                                                "    language: en\n    url: www.example.org\n"),
        "url: 'www.example.org' is not a web address (expected an address starting with https://)"),
    Bad("source url with a space", replace(SOURCES, "    language: en\n", "    language: en\n"
                                           "    url: https://example.org/first report\n"),
        "url: 'https://example.org/first report' is not a web address: it holds a space or "
        "an invisible character (write a space as %20"),
    Bad("source url without a host", replace(SOURCES, "    language: en\n",
                                             "    language: en\n    url: https:///report\n"),
        "url: 'https:///report' is not a web address: it names no host"),
    Bad("link in text without a host", replace(CASE, "Release them.",
                                               "Release them ([details](https:///x))."),
        "text: link 'https:///x' is not a web address: it names no host"),
    Bad("source url with a port that is no number",
        replace(SOURCES, "    language: en\n",
                "    language: en\n    url: https://example.org:abc/report\n"),
        "url: 'https://example.org:abc/report' is not a web address: its port is not a "
        "number from 0 to 65535", command="validate"),
    Bad("source url with an empty host label",
        replace(SOURCES, "    language: en\n", "    language: en\n    url: https://example..org/\n"),
        "url: 'https://example..org/' is not a web address: 'example..org' is not a host "
        "name", command="validate"),
    Bad("state on a treaty",
        replace(TREATY, "kind: treaty\n", "kind: treaty\nstate: party-state\n"),
        f"warning: {TREATY}:5: state: is ignored for an instrument of kind treaty (only "
        "kind national reads it)", command="validate", code=0),
    Bad("customary naming a treaty",
        replace(TREATY, "customary: custom\n", "customary: treaty\n"),
        f"{TREATY}:5: customary: 'treaty' has kind: treaty, not customary (name the "
        "instrument of kind: customary"),
    Bad("national law of an organisation", write_bytes("content/law/agency-rules.yaml", (
        b"id: agency-rules\ntitle: Agency rules\nkind: national\nstate: agency\n"
        b"provisions:\n  - id: r1\n    article: Rule 1\n    citation: Rules, r. 1\n"
        b"    text: A rule.\n    text_kind: summary\n")),
        "content/law/agency-rules.yaml:4: state: 'agency' is an organisation, not a state: "
        "national law is a state's"),
    Bad("source language written with an underscore",
        replace(SOURCES, "    language: en\n", "    language: en_GB\n"),
        "language: 'en_GB' is not a language code (expected a BCP 47 code", command="validate"),
    Bad("law language left empty", replace(TREATY, "kind: treaty\n",
                                           "kind: treaty\nlanguage: ''\n"),
        f"{TREATY}:5: language: is empty", command="validate"),
    Bad("law language not a language code", replace(TREATY, "kind: treaty\n",
                                                    "kind: treaty\nlanguage: english\n"),
        f"{TREATY}:5: language: 'english' is not a language code", command="validate"),
    Bad("formats naming another language", replace(PROJECT, "locales: [en]",
                                                   "locales: [en]\nformats: {en: ko}"),
        f"{PROJECT}:4: formats.en: 'ko' is not a variant of 'en' that CLDR knows (expected the "
        "same language and script with a region, written as BCP 47 writes it, such as "
        "en-GB)", command="validate"),
    Bad("formats in another script",
        replace(PROJECT, "locales: [en]", "locales: [en, zh-Hans]\nformats: {zh-Hans: zh-Hant-TW}"),
        f"{PROJECT}:4: formats.zh-Hans: 'zh-Hant-TW' is not a variant of 'zh-Hans'",
        command="validate"),
    Bad("formats written with an underscore",
        replace(PROJECT, "locales: [en]", "locales: [en]\nformats: {en: en_GB}"),
        f"{PROJECT}:4: formats.en: 'en_GB' is not a variant of 'en'", command="validate"),
    Bad("formats left empty",
        replace(PROJECT, "locales: [en]", "locales: [en]\nformats: {en: ''}"),
        f"{PROJECT}:4: formats.en: is empty", command="validate"),
    Bad("formats for a locale the project does not have",
        replace(PROJECT, "locales: [en]", "locales: [en]\nformats: {fr: fr-FR}"),
        f"{PROJECT}:4: formats.fr: unknown key 'fr' (expected one of: en)", command="validate"),
    Bad("markdown raw html", replace(CASE, "Release them.", "Release <b>them</b>."),
        "text: raw HTML '<b>' is not allowed"),
    Bad("javascript link", replace(CASE, "Release them.", '"[Release](javascript:alert(1)) them."'),
        "link 'javascript:alert(1)' is not allowed (links must start with https://"),
    Bad("file link", replace(CASE, "Release them.", '"[Release](file:///etc/passwd) them."'),
        "link 'file:///etc/passwd' is not allowed"),
    Bad("http image", replace(CASE, "Two adults.", "Two adults ![x](http://example.org/x.png)."),
        "image 'http://example.org/x.png' is not allowed in text"),
    Bad("local image", replace(CASE, "Two adults.", "Two adults ![x](file:///etc/passwd)."),
        "image 'file:///etc/passwd' is not allowed in text"),
    Bad("image outside the project", replace(CASE, "Two adults.", "Two adults ![x](../../x.png)."),
        "image '../../x.png' is not allowed in text"),
    Bad("stylesheet from the network", templates(
        "/* Print stylesheet", '@import url("http://example.org/evil.css");\n/* Print stylesheet',
        "brief.css"), "refused to fetch http://example.org/evil.css"),
    Bad("stylesheet from /etc", templates(
        "/* Print stylesheet", '@import url("file:///etc/hosts");\n/* Print stylesheet',
        "brief.css"), "refused to fetch /etc/hosts ("),
    Bad("misspelt font family", templates(BRIEF_SANS, BRIEF_SANS.replace("Sans", "Sanz"),
                                          "brief.css"),
        css_at(BRIEF_SANS) + ": font family 'Brief Sanz' is not defined in "
        "templates/fonts.yaml (the stylesheet has only the families fonts.yaml defines"),
    Bad("misspelt font family, found by validate", templates(
        BRIEF_SANS, BRIEF_SANS.replace("Sans", "Sanz"), "brief.css"),
        css_at(BRIEF_SANS) + ": font family 'Brief Sanz' is not defined in "
        "templates/fonts.yaml", command="validate"),
    Bad("unclosed brace in a stylesheet", templates(
        REASONING, REASONING.removesuffix(" }"), "brief.css"),
        css_at(REASONING) + ": '{' is never closed (add the missing '}': every rule "
        "after it is ignored)"),
    Bad("restricted brief without its warning on every page", templates(
        "  @top-right { content: ", "  @top-right { --mark: ", "brief.css"),
        "sample-case_brief_party-state_en_restricted.pdf: 'Contains restricted material: "
        "do not circulate' is not printed on page(s) 2", args=("--include-restricted",)),
    Bad("unclosed brace in a stylesheet, found by validate", templates(
        REASONING, REASONING.removesuffix(" }"), "brief.css"),
        css_at(REASONING) + ": '{' is never closed", command="validate"),
    Bad("stray brace in a stylesheet", templates(
        REASONING, REASONING + " }", "brief.css"),
        css_at(REASONING) + ": '}' closes no '{' (remove it: the rule after it is "
        "ignored)"),
    Bad("generic font family in the font shorthand",
        templates(FONT_SHORTHAND, FONT_SHORTHAND.replace(";", ", serif;"), "brief.css"),
        css_at(FONT_SHORTHAND) + ": font family 'serif' is not defined in templates/fonts.yaml"),
    Bad("nesting too deep for the parser",
        write_bytes("content/sources/deep.yaml", b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
        "content/sources/deep.yaml: lists and mappings nest more than 64 levels deep"),
    Bad("nesting too deep",
        write_bytes("content/sources/deep.yaml", "".join(
            f"{'  ' * level}k:\n" for level in range(80)).encode() + b"  " * 80 + b"k: v\n"),
        "content/sources/deep.yaml:66: lists and mappings nest more than 64 levels deep"),
    Bad("year 0", replace(CASE, "as_of: 2015-12-02", "as_of: 0000-12-02"),
        f"{CASE}:3: as_of: '0000-12-02' is in year 0, which the calendar does not have"),
    Bad("template failing while rendering",
        templates("{{ view.summary|md }}", "{{ view.summary|md }}{{ 1 // 0 }}"),
        "template failed while rendering: ZeroDivisionError", extra=("templates/brief.html:",)),
    Bad("template not UTF-8",
        lambda root: (templates("<html", "<html")(root),
                      (root / "templates/brief.html").write_bytes(
                          (root / "templates/brief.html").read_bytes() + b"\xff\n")),
        f"templates/brief.html:{len((REPO / 'templates/brief.html').read_bytes().splitlines()) + 1}"
        ": template is not UTF-8 (byte 0xff: invalid start byte)",
        command="validate"),
    Bad("law file a symbolic link to itself",
        lambda root: (root / "content/law/loop.yaml").symlink_to("loop.yaml"),
        "content/law/loop.yaml: is a symbolic link that points back to itself"),
    Bad("law file a symbolic link to nothing",
        lambda root: (root / "content/law/gone.yaml").symlink_to("moved.yaml"),
        "content/law/gone.yaml: is a symbolic link to moved.yaml, which does not exist"),
    Bad("law file a pipe", lambda root: os.mkfifo(root / "content/law/pipe.yaml"),
        "content/law/pipe.yaml: is not a regular file (a pipe or device?), not a YAML file"),
    Bad("case.yaml a symbolic link to itself",
        lambda root: ((root / CASE).unlink(), (root / CASE).symlink_to("case.yaml")),
        f"{CASE}: is a symbolic link that points back to itself"),
    Bad("template syntax error", templates("{% if view.group %}", "{% if view.group %"),
        "templates/brief.html:", extra=("template syntax error",)),
    Bad("template syntax errors and a bad fonts.yaml, found by validate", both(
        templates("{% if view.group %}", "{% if view.group %"),
        templates("html { font-family", "{% if x %}html { font-family", "brief.css"),
        templates("role: serif", "role: roman", "fonts.yaml")),
        "templates/brief.html:", command="validate",
        extra=("templates/brief.css:", "templates/fonts.yaml:", "families[1].role: 'roman'",
               "3 problems found")),
    # WeasyPrint places it within the attribute; the build finds the template line.
    Bad("ignored declaration in a template's style attribute",
        templates("<h1>{{ view.title }}</h1>",
                  '<h1 style="colr: red; margin: bogus">{{ view.title }}</h1>'),
        at("<h1>{{ view.title }}</h1>") + ": style attribute: WeasyPrint ignored `colr: red` "
        "(unknown property)",
        extra=(at("<h1>{{ view.title }}</h1>") + ": style attribute: WeasyPrint ignored "
               "`margin: bogus` "
               "(invalid value)", "2 problems found")),
    Bad("template reaching into Python",
        templates("{{ view.summary|md }}", "{{ view.summary|md }}{{ ''.__class__.__mro__ }}"),
        at("{{ view.summary|md }}") + ": template reached outside its values: access to "
        "attribute '__class__' of 'str' object is unsafe"),
    Bad("template reaching into Python through a filter",
        templates("{{ view.summary|md }}",
                  "{{ view.summary|md }}{{ view.facts|map(attribute='__class__')|list }}"),
        at("{{ view.summary|md }}") + ": template reached outside its values: access to "
        "attribute '__class__' of 'FactView' object is unsafe"),
    Bad("template altering a value, validate",
        templates("{{ view.summary|md }}", "{{ view.summary|md }}{{ cites.seen.append(1) }}"),
        at("{{ view.summary|md }}") + ": template reached outside its values",
        command="validate", extra=("names starting with '_' and methods that change a value",)),
    Bad("template appending to a list of the view",
        templates("{{ view.summary|md }}", "{{ view.summary|md }}{{ view.facts.append(1) }}"),
        at("{{ view.summary|md }}") + ": template tried to change a value: 'tuple object' has "
        "no attribute 'append' (templates read the view and cannot change it"),
    Bad("undefined template variable", templates("{{ view.summary|md }}", "{{ view.sumary|md }}"),
        "undefined template variable", extra=("sumary", "templates/brief.html:")),
    Bad("undefined template variable, validate",
        templates("{{ view.summary|md }}", "{{ view.sumary|md }}"),
        at("{{ view.summary|md }}") + ": undefined template variable", command="validate"),
    Bad("a template expression that raises, validate",
        templates("{{ view.summary|md }}", "{{ (1 // 0)|string }}"),
        at("{{ view.summary|md }}") + ": template failed while rendering: ZeroDivisionError",
        command="validate"),
    Bad("unknown locale in project", replace(PROJECT, "locales: [en]", "locales: [en, xx]"),
        f"{PROJECT}:3: locales: unknown locale 'xx'"),
    Bad("malformed PO file", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/shared.po", b'msgid "a"\nmsgstr "b\n')),
        "locales/ko/shared.po:2: malformed PO file", command="validate"),
    Bad("two msgctxt lines in one PO entry", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/shared.po",
                    b'msgctxt "a"\nmsgctxt "b"\nmsgid "x"\nmsgstr "y"\n')),
        "locales/ko/shared.po:2: malformed PO file: a second msgctxt line in one entry",
        command="validate", extra=("the entry starts at line 1",)),
    Bad("fuzzy flag between msgctxt and msgid", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/shared.po",
                    b'msgctxt "a"\n#, fuzzy\nmsgid "x"\nmsgstr "y"\n')),
        "locales/ko/shared.po:2: malformed PO file: flag line '#, fuzzy' inside an entry, "
        "after its msgctxt line (comment and flag lines go before an entry's msgctxt and "
        "msgid: move it above line 1", command="validate"),
    Bad("one PO entry twice", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/shared.po",
                    b'msgctxt "a"\nmsgid "x"\nmsgstr "y"\n\n# again\nmsgctxt "a"\n'
                    b'msgid ""\n"x"\nmsgstr "z"\n')),
        "locales/ko/shared.po:6: malformed PO file: a second entry for the same msgctxt and "
        "msgid (the first is at line 1", command="validate"),
    Bad("handout pair of one language", lambda root: None,
        "--pair: 'en+en' pairs en with itself (a handout sets two different languages",
        args=("--pair", "en+en")),
    Bad("handout pair of one language in project.yaml",
        replace(PROJECT, "locales: [en]", "locales: [en]\nhandout_pairs: [en+en]"),
        f"{PROJECT}:4: handout_pairs: 'en+en' pairs en with itself", command="validate"),
    Bad("render timeout infinite", lambda root: None,
        "--render-timeout: inf is not a time limit (expected a number of seconds above 0",
        args=("--render-timeout", "inf")),
    Bad("render timeout zero", lambda root: None, "--render-timeout: 0 is not a time limit",
        args=("--render-timeout", "0")),
    Bad("render timeout beyond what can be waited for", lambda root: None,
        "--render-timeout: 1e+10 s is longer than briefgen can wait (expected at most 86400",
        args=("--render-timeout", "1e10")),
    Bad("render memory beyond what a limit can be", lambda root: None,
        "--render-memory: 99999999999999 MB is more memory than a limit can be set to",
        args=("--render-memory", "99999999999999")),
    Bad("check and force together", lambda root: None,
        "--force: --check asks whether a build would change anything, and --force makes it "
        "rebuild everything", args=("--check", "--force")),
    Bad("render memory too small", lambda root: None,
        "--render-memory: 10 MB is too little for a render worker (expected 256 or more",
        args=("--render-memory", "10")),
    Bad("shard of no shards", lambda root: None, "--shard: '1/0' splits the build into no "
        "shards (N must be 1 or more", args=("--shard", "1/0")),
    Bad("empty shard", lambda root: None, "--shard: '' is not a shard", args=("--shard", "")),
    Bad("cases directory missing", lambda root: shutil.rmtree(root / "content/cases"),
        "content/cases: the cases directory is missing", extra=("1 problem",)),
    Bad("empty case file, reported once", write_bytes(CASE, b""), f"{CASE}: file is empty",
        extra=("1 problem",)),
    Bad("stylesheet is a directory", both(
        templates("/* Print stylesheet", "/* Print stylesheet", "brief.css"),
        lambda root: ((root / "templates/brief.css").unlink(),
                      (root / "templates/brief.css").mkdir())),
        "templates/brief.css: is a directory, not a template"),
    Bad("malformed PO file of a locale not built", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/templates.po", b'msgid "a"\nmsgstr "b\n')),
        "locales/ko/templates.po:2: malformed PO file", args=("--locale", "en")),
    Bad("zero-width space in a translation", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/templates.po",
                    'msgid "Summary"\nmsgstr "요\u200b약"\n'.encode())),
        "locales/ko/templates.po:2: invisible character U+200B (zero width space) at column "
        "10 (delete it: pasted in with the text", command="validate"),
    Bad("restricted text repeated in public, found by validate",
        replace(CASE, "The two were stopped at a checkpoint.",
                "The two were stopped at a checkpoint. Their cousin lives in Springfield."),
        f"{CASE}:21: restricted material found in a public document: this text repeats "
        f"restricted text (restricted: {CASE}:25: fact:secret-fact); "
        "printed in sample-case_brief_party-state_en.pdf (the document text), "
        "sample-case_brief_other-state_en.pdf (the document text) (reword it or mark it "
        "restricted too; where the part it repeats tells nothing (a stock phrase), reword "
        "the restricted item instead)", command="validate"),
    Bad("right-to-left override written as an escape",
        replace(CASE, "text: Release them.", 'text: "Release \\u202ethem."'),
        f"{CASE}:60: the value holds an invisible character U+202E (right-to-left "
        "override) at column 9, written as an escape (remove the escape sequence: it "
        "prints as nothing"),
    Bad("sensitivity left out where the project requires it", both(
        replace(PROJECT, "documents: [brief]", "documents: [brief]\nrequire_sensitivity: true"),
        replace(CASE, "    sensitivity: restricted\n  - id: when", "  - id: when")),
        f"{CASE}:24: facts[2].sensitivity: is missing (add 'sensitivity: public' or "
        "'sensitivity: restricted': project.yaml sets require_sensitivity, so an item that "
        "does not say is not taken as public)"),
    Bad("Hangul filler in a name", replace(CASE, "Release them.", "Release 리\u3164철호."),
        f"{CASE}:60: invisible character U+3164 (hangul filler) at column "),
    Bad("right-to-left isolate in content", replace(CASE, "Release them.",
                                                    "Release \u2067them."),
        f"{CASE}:60: invisible character U+2067 (right-to-left isolate) at column "),
    Bad("right-to-left override in content", replace(CASE, "Release them.",
                                                     "Release \u202ethem."),
        f"{CASE}:60: invisible character U+202E (right-to-left override) at column "),
    Bad("every invisible character of a file", both(
        replace(CASE, "title: A sample case", "title: A\u200b sample\u2060 case"),
        replace(CASE, "Release them.", "Release \u202ethem.")),
        f"{CASE}:2: invisible character U+200B (zero width space) at column 9 ",
        extra=(f"{CASE}:2: invisible character U+2060 (word joiner) at column 17 ",
               f"{CASE}:60: invisible character U+202E (right-to-left override) at column 19 ",
               "3 problems found")),
    Bad("every invisible character written as an escape", both(
        replace(CASE, "title: A sample case", 'title: "A\\u200b sample case"'),
        replace(CASE, "text: Release them.", 'text: "Release \\u202ethem."')),
        f"{CASE}:2: the value holds an invisible character U+200B (zero width space) at "
        "column 2, written as an escape",
        extra=(f"{CASE}:60: the value holds an invisible character U+202E", "2 problems found")),
    Bad("an invisible character and the file's other problems", both(
        replace(CASE, "title: A sample case", "title: A sample\u200b case"),
        replace(CASE, "as_of: 2015-12-02", "as_of: 2015-13-02"),
        replace(CASE, "status: ongoing", "status: on-going")),
        f"{CASE}:2: invisible character U+200B (zero width space) at column 16 (delete it",
        extra=(f"{CASE}:3: as_of: '2015-13-02' has no month 13",
               f"{CASE}:4: status: 'on-going' is not allowed", "3 problems found")),
    Bad("an invisible character written as an escape and the file's other problems", both(
        replace(CASE, "title: A sample case", 'title: "A\\u200b sample case"'),
        replace(CASE, "status: ongoing", "status: on-going")),
        f"{CASE}:2: the value holds an invisible character U+200B (zero width space) at "
        "column 2, written as an escape",
        extra=(f"{CASE}:4: status: 'on-going' is not allowed", "2 problems found"),
        command="validate"),
    Bad("an invisible character that breaks the YAML syntax",
        replace(CASE, "status: ongoing", "status:\u200b ongoing"),
        f"{CASE}:4: invisible character U+200B (zero width space) at column 8 ",
        extra=(f"{CASE}:5: YAML syntax error", "2 problems found"), command="validate"),
    Bad("every invisible character of a translation", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/templates.po",
                    'msgid "Summary"\nmsgstr "요\u200b약"\n\nmsgid "Facts"\nmsgstr "사\u2060실"\n'
                    .encode())),
        "locales/ko/templates.po:2: invisible character U+200B (zero width space) at column 10 ",
        extra=("locales/ko/templates.po:5: invisible character U+2060 (word joiner) at column 10 ",
               "2 problems found"), command="validate"),
    Bad("misspelled placeholder in a translation", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/templates.po",
                    'msgid "Page {page} of {pages}"\nmsgstr "{pages}쪽 중 {pgae}쪽"\n'.encode())),
        "locales/ko/templates.po:2: msgstr: translation of 'Page {page} of {pages}': {pgae} "
        "is not in the English; {page} is missing (keep every placeholder of the msgid "
        "({page}, {pages}) spelled as there"),
    Bad("Markdown in a template label's translation", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/templates.po",
                    'msgid "Summary"\nmsgstr "**요약** [링크](https://example.org)"\n'.encode())),
        "locales/ko/templates.po:2: msgstr: translation of 'Summary': Markdown '**요약**' "
        "would print as typed (template labels are plain text) (write the label as plain "
        "text", command="validate"),
    Bad("unclosed brace in a translation", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/templates.po",
                    'msgid "on or about {date}"\nmsgstr "{date경"\n'.encode())),
        "locales/ko/templates.po:2: msgstr: translation of 'on or about {date}': cannot be "
        "filled in (expected '}' before end of string)"),
    Bad("renamed template placeholder in a translation", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/templates.po",
                    'msgid "Language: %(language)s."\nmsgstr "언어: %(lang)s."\n'.encode())),
        "%(lang)s is not in the English; %(language)s is missing", command="validate"),
    Bad("placeholder added to a label that has none", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/templates.po",
                    'msgid "Summary"\nmsgstr "요약 %(audience)s"\n'.encode())),
        "locales/ko/templates.po:2: msgstr: translation of 'Summary': %(audience)s is not in "
        "the English (its English has no placeholder, so none is filled in: write the text "
        "itself)", command="validate"),
    Bad("placeholder in a content translation", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/shared.po",
                    'msgctxt "x"\nmsgid "A treaty"\nmsgstr "{date} 조약"\n'.encode())),
        "locales/ko/shared.po:3: msgstr: translation of 'A treaty': {date} is not in the "
        "English", command="validate"),
    Bad("lone percent sign in a label with placeholders", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/templates.po",
                    'msgid "Language: %(language)s."\nmsgstr "언어: %(language)s 100%."\n'
                    .encode())),
        "write %% for a percent sign", command="validate"),
    Bad("stray quote inside a PO string", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/shared.po", 'msgid "a"\nmsgstr "b" 오류 "c"\n'.encode())),
        "locales/ko/shared.po:2: malformed PO file: cannot read", command="validate"),
    Bad("unknown template filter", templates("{{ view.summary|md }}",
                                             "{{ view.summary|markdown }}"),
        "template error: No filter named 'markdown'", command="validate",
        extra=("templates/brief.html:", "briefgen's css_counter_label, css_string, md")),
    Bad("include of a missing template", templates("</body>",
                                                   '{% include "nothere.html" %}</body>'),
        "template 'nothere.html' not found (add templates/nothere.html", command="validate",
        extra=("templates/brief.html:",)),
    Bad("stylesheet template missing", both(
        templates("/* Print stylesheet", "/* Print stylesheet", "brief.css"),
        lambda root: (root / "templates/handout.css").unlink()),
        "templates/handout.css: template missing", command="validate"),
    Bad("actor list written without brackets",
        replace(CASE, "audiences: [party-state, other-state]",
                "audiences: party-state, other-state"),
        f"{CASE}:5: audiences: 'party-state, other-state' is not a valid actor id (expected "
        "a list of actor ids such as [china, vietnam])", command="validate"),
    Bad("empty sources file, not a flood of unknown sources", write_bytes(SOURCES, b""),
        f"{SOURCES}: file is empty", command="validate", extra=("1 problem found",)),
    Bad("directory named like a YAML file",
        lambda root: (root / "content/sources/more.yaml").mkdir(),
        "content/sources/more.yaml: is a directory, not a YAML file", command="validate"),
    Bad("PO file with a byte-order mark", both(
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/shared.po", '\ufeffmsgid "a"\nmsgstr "b"\n'.encode())),
        "locales/ko/shared.po:1: PO file starts with a byte-order mark (BOM) (save it as "
        "UTF-8 without BOM)", command="validate"),
    Bad("locale with its script in small letters, and a policy for it as it is meant",
        replace(PROJECT, "locales: [en]",
                "locales: [en, zh-hans]\ntranslation_policy: {zh-Hans: mark}"),
        f"{PROJECT}:3: locales: 'zh-hans' is not a valid locale (did you mean 'zh-Hans'? (a "
        "language in small letters, a script with a capital, a region in capitals))",
        command="validate", extra=("1 problem found",)),
    Bad("new locale without catalogs", replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        "locales/ko/case.sample-case.po: catalog missing: no Korean translations (run "
        "'briefgen i18n update' to create it", command="validate",
        extra=("locales/ko/shared.po: catalog missing", "locales/ko/templates.po: catalog "
               "missing", "locales/restricted/ko/case.sample-case.po: catalog missing",
               "4 problems found")),
    Bad("locale that no font serves",
        replace(PROJECT, "locales: [en]", "locales: [en, vi]\ntranslation_policy: {vi: mark}"),
        f"{PROJECT}:3: locales: no serif or sans font family in templates/fonts.yaml serves "
        "'vi' (add vi to the languages of a serif and a sans family", args=("--locale", "vi"),
        extra=("1 problem found",)),
    Bad("locale that no font serves, found by validate",
        replace(PROJECT, "locales: [en]", "locales: [en, vi]\ntranslation_policy: {vi: mark}"),
        f"{PROJECT}:3: locales: no serif or sans font family in templates/fonts.yaml serves "
        "'vi'", command="validate", extra=("1 problem found",)),
    Bad("font file missing", templates("NotoSerif-Bold.ttf", "NotoSerif-Bolt.ttf", "fonts.yaml"),
        "templates/fonts.yaml:71: families[1].faces[2].file: font file missing: "
        "/usr/share/fonts/truetype/noto/NotoSerif-Bolt.ttf (install the package that "
        "provides it (apt-get install fonts-noto-core), or correct the path)"),
    Bad("font file a directory", font_file(lambda root: (root / "fonts").mkdir() or root / "fonts"),
        "fonts is a directory, not a font file (point file at the font file itself)",
        extra=("templates/fonts.yaml:71: families[1].faces[2].file: ",)),
    Bad("font file not a font, found by validate",
        font_file(lambda root: write(root / "notes.ttf", "not a font")),
        "templates/fonts.yaml:71: families[1].faces[2].file: cannot read font ",
        command="validate", extra=("(point file at a TrueType or OpenType font",)),
    Bad("font of another weight, found by validate",
        templates("NotoSerif-Bold.ttf", "NotoSerif-Regular.ttf", "fonts.yaml"),
        "templates/fonts.yaml:71: families[1].faces[2].file: Brief Serif 700 normal: ",
        command="validate", extra=("NotoSerif-Regular.ttf is 400 normal",)),
    *(Bad(f"content and translation errors in one run ({command})", both(
        replace(CASE, "status: ongoing", "status: on-going"),
        replace(PROJECT, "locales: [en]", "locales: [en, ko]"),
        write_bytes("locales/ko/shared.po", b'msgid "a"\nmsgstr "b\n')),
        f"{CASE}:4: status: 'on-going' is not allowed", command=command,
        extra=("locales/ko/shared.po:2: malformed PO file", "2 problems found"))
      for command in ("build", "validate")),
    Bad("content and template errors in one run", both(
        replace(CASE, "status: ongoing", "status: on-going"),
        templates("{{ view.summary|md }}", "{{ view.summary|md }")),
        f"{CASE}:4: status: 'on-going' is not allowed", command="validate",
        extra=("templates/brief.html:", "template syntax error", "2 problems found")),
    Bad("font file missing, found by validate",
        templates("NotoSerif-Bold.ttf", "NotoSerif-Bolt.ttf", "fonts.yaml"),
        "templates/fonts.yaml:71: families[1].faces[2].file: font file missing",
        command="validate"),
    Bad("out not writable", lambda root: (root / "blocker").write_text("x"),
        "--out: ", args=("--out", "{root}/blocker/out"), extra=("a file, not a directory",)),
    # Root passes every permission check, yet nothing can be created under /proc: the
    # build must find out by trying, before it renders.
    *([Bad("out where nothing can be created", lambda root: None,
           "/proc/briefgen-out: --out: output directory is not writable",
           args=("--out", "/proc/briefgen-out"), extra=("failed",))]
      if Path("/proc/self").is_dir() else []),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal sample, built once; each case starts from a copy of it."""
    root = tmp_path_factory.mktemp("pristine")
    shutil.copytree(SAMPLES / "minimal", root / "content")
    result = CliRunner().invoke(app, ["build", "--content", str(root / "content"), "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    return root


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("bad", CORPUS, ids=[b.name for b in CORPUS])
def test_bad_input(bad: Bad, pristine: Path, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(pristine, root)
    before = {p.name: p.read_bytes() for p in (root / "output").iterdir()}
    bad.mutate(root)
    args = [a.replace("{root}", str(root)) for a in bad.args]
    command = [bad.command, "--content", str(root / "content")]
    if bad.command == "build":
        command += ["--jobs", "1"]
    result = CliRunner().invoke(app, [*command, *args])
    output = result.stdout + result.stderr
    assert result.exit_code == bad.code, output
    assert bad.expected in output, output
    for fragment in bad.extra:
        assert fragment in output, output
    assert "Traceback" not in output
    after = {p.name: p.read_bytes() for p in (root / "output").iterdir()}
    assert after == before, "a failed build must leave earlier outputs as they were"
