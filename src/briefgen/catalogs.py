"""Turn the PO files under locales/ into translators, and keep those files up to date.

Catalogs are read straight from PO (Babel's ``read_po``); nothing is compiled, so what a
translator saved in Poedit or Weblate is what the next build uses. A fuzzy entry is
*stale*: its English changed since it was translated, or a translator marked it for
review (``Lookup.marked``); either way it is never used as if current.
"""

from __future__ import annotations

import bisect
import collections
import datetime as dt
import gettext
import io
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.catalog import Message as BabelMessage
from babel.messages.pofile import PoFileError, normalize, read_po, unescape, write_po

from briefgen.errors import (
    BriefgenError,
    ContentError,
    ProblemReport,
    UsageError,
    shown_path,
    together,
)
from briefgen.files import (
    STRAY_INVISIBLE_HINT,
    bad_byte,
    looks_like_utf16,
    not_a_file,
    stray_invisibles,
)
from briefgen.messages import RESTRICTED_SUFFIX, Message
from briefgen.model import Origin

TEMPLATES_DOMAIN = "templates"
HEADER = """\
# briefgen catalog "{domain}" for locale {locale}.
# Edit with any PO editor (Poedit, Weblate, Crowdin).
# Fuzzy entries are stale (their English changed since translation)
# or marked for review; none is printed, and strict builds refuse them.
# Translations of legal text are unofficial; the brief says so."""
RESTRICTED_HEADER = """\
# RESTRICTED: this catalog holds the translations of the case's restricted items
# (facts, group members and timeline entries marked restricted), which only restricted
# briefs print. Give it only to translators cleared to read them, never to a public
# translation platform."""


def header_comment(domain: str, locale: str) -> str:
    """The comment a new catalog of ``domain`` starts with."""
    header = HEADER.format(domain=domain, locale=locale)
    return f"{header}\n{RESTRICTED_HEADER}" if domain.endswith(RESTRICTED_SUFFIX) else header


# Text printed in the source language because a locale's policy is ``mark`` is wrapped
# as START + language + LANG_END + text + END, in noncharacters (Unicode reserves
# U+FDD0..U+FDEF for a program's internal use, so content cannot mean them). The view
# adds the marks; the HTML pass in briefgen.linebreak turns them into
# <span class="untranslated" lang="…"> in text and removes them everywhere else, and the
# renderer removes them from the stylesheet, so they never reach a PDF.
UNTRANSLATED_START = "\ufdd0"
UNTRANSLATED_LANG_END = "\ufdd1"
UNTRANSLATED_END = "\ufdd2"

# Contexts of legal text (instrument titles, citations, provisions). A stale translation
# here fails the build whatever the locale's translation_policy (see briefgen.view).
LEGAL_CONTEXTS = ("law:",)


def mark_untranslated(text: str, lang: str) -> str:
    """``text``, in ``lang`` (the source language), marked for printing as untranslated."""
    if not text:
        return text
    return f"{UNTRANSLATED_START}{lang}{UNTRANSLATED_LANG_END}{text}{UNTRANSLATED_END}"


def is_untranslated(text: str) -> bool:
    return text.startswith(UNTRANSLATED_START)


# One mark: the start with its language (group 1), or the end.
MARK_PATTERN = re.compile(
    f"{UNTRANSLATED_START}([^{UNTRANSLATED_LANG_END}]*){UNTRANSLATED_LANG_END}"
    f"|{UNTRANSLATED_END}")


def parse_locale(tag: str, *, option: str = "--locale") -> Locale:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise UsageError(f"unknown locale {tag!r}", field=option,
                         hint="expected a locale such as en, ko or zh-Hans") from None


# locales/restricted/<locale>/case.<id>.po (and restricted/pot/case.<id>.pot) hold the
# translations of a case's restricted items: a folder of their own, so that no pattern
# of the public layout (locales/*/case.<id>.po, locales/pot/*.pot) that a translation
# platform is set up with reaches them, and one path keeps them out of any. Not a
# locale tag (a language subtag is at most 8 letters), so it cannot clash with one.
RESTRICTED_DIR = "restricted"
POT_DIR = "pot"  # locales/pot/<domain>.pot; "pot" is no locale tag either


def _file_of(locales_dir: Path, domain: str) -> tuple[Path, str]:
    """The folder catalogs of ``domain`` sit in (a locale's is below it), and their name."""
    if domain.endswith(RESTRICTED_SUFFIX):
        return locales_dir / RESTRICTED_DIR, domain.removesuffix(RESTRICTED_SUFFIX)
    return locales_dir, domain


def po_path(locales_dir: Path, locale: str, domain: str) -> Path:
    folder, name = _file_of(locales_dir, domain)
    return folder / locale / f"{name}.po"


def pot_path(locales_dir: Path, domain: str) -> Path:
    folder, name = _file_of(locales_dir, domain)
    return folder / POT_DIR / f"{name}.pot"


@dataclass(frozen=True)
class Lookup:
    """The outcome of looking a message up: the text to print and whether it is current."""

    text: str
    state: str  # "source", "translated", "missing" or "stale"
    origin: Origin | None = None  # the PO entry, when there is one
    # Stale by its fuzzy flag alone: the catalog records no other English for it (no
    # "#| msgid", or the msgid itself), so a translator marked it for review, and
    # "the English changed" would send them looking for a change there is not.
    marked: bool = False
    # Stale by its English alone: the catalog's entry for the context is translated, not
    # fuzzy, and has other English, as when the content's English changed and the
    # catalog was not updated since, or the entry's msgid was edited in the catalog.
    unmerged: bool = False
    # Missing, but an entry has this English under another context (its msgctxt edited
    # by hand, perhaps): that context, and the entry is the origin.
    other_context: str | None = None


class Translator:
    """Translations for one locale, from every catalog file of that locale."""

    def __init__(self, locale: str, source_locale: str, locales_dir: Path,
                 display_root: Path) -> None:
        self.locale = locale
        self.is_source = locale == source_locale
        self.locales_dir = locales_dir
        self.display_root = display_root
        self._catalogs: dict[str, Catalog | None] = {}
        # domain -> context -> every translation written for it (every_translation)
        self._written: dict[str, dict[str, list[tuple[str, Origin]]]] = {}

    def _display(self, path: Path) -> str:
        return shown_path(path, self.display_root)

    def catalog(self, domain: str) -> Catalog | None:
        if domain not in self._catalogs:
            path = po_path(self.locales_dir, self.locale, domain)
            _refuse_non_file(path, self._display(path))
            self._catalogs[domain] = read_catalog(path, self._display(path), self.locale) \
                if path.is_file() else None
        return self._catalogs[domain]

    def catalog_display(self, domain: str) -> str:
        return self._display(po_path(self.locales_dir, self.locale, domain))

    def lookup(self, domain: str, context: str | None, text: str) -> Lookup:
        if self.is_source:
            return Lookup(text, "source")
        catalog = self.catalog(domain)
        message = catalog.get(text, context=context) if catalog is not None else None
        where = None
        if message is not None and message.lineno:
            where = Origin(self.catalog_display(domain), message.lineno)
        if message is None or not _has_translation(message.string):
            stale = _stale_entry(catalog, context) if catalog is not None else None
            if stale is not None:
                origin, fuzzy = stale
                return Lookup(text, "stale", origin, unmerged=not fuzzy)
            if where is None and catalog is not None and context is not None:
                return self._missing(domain, catalog, context, text)
            return Lookup(text, "missing", where)
        if message.fuzzy:
            changed = bool(message.previous_id) and \
                _message_id(message.previous_id) != message.id
            return Lookup(text, "stale", where, marked=not changed)
        return Lookup(str(message.string), "translated", where)

    def _missing(self, domain: str, catalog: Catalog, context: str, text: str) -> Lookup:
        """``text``, which ``catalog`` has no entry for under ``context``, as missing, at
        the line a translator will look at: the context's entry with older English
        (translated there once 'i18n update' has put the new English beside it), else a
        translated entry of the same English under another context (a msgctxt edited by
        hand, perhaps; that context goes with it)."""
        display = self.catalog_display(domain)
        for m in catalog:
            if m.context == context and m.lineno:
                return Lookup(text, "missing", Origin(display, m.lineno))
        for m in catalog:
            if (m.id == text and m.lineno and m.context and m.context != context
                    and _has_translation(m.string)):
                return Lookup(text, "missing", Origin(display, m.lineno),
                              other_context=str(m.context))
        return Lookup(text, "missing")

    def every_translation(self, domain: str, context: str) -> list[tuple[str, Origin]]:
        """Every translation written for ``context``, current, stale or obsolete, and
        its line: for the restricted-text check, as an outdated translation of a
        restricted item still says what it said."""
        if domain not in self._written:
            # Indexed once per catalog: every public document asks for the restricted
            # items of every case.
            catalog = None if self.is_source else self.catalog(domain)
            display = self.catalog_display(domain)
            written: dict[str, list[tuple[str, Origin]]] = {}
            for message in (*catalog, *catalog.obsolete.values()) if catalog else ():
                if not message.id or not message.context:
                    continue
                strings = (message.string if isinstance(message.string, tuple)
                           else (message.string,))
                written.setdefault(message.context, []).extend(
                    (str(text), Origin(display, message.lineno or 0))
                    for text in strings if text)
            self._written[domain] = written
        return list(self._written[domain].get(context, ()))

    # gettext-style API for templates
    def gettext(self, text: str) -> str:
        return self.lookup(TEMPLATES_DOMAIN, None, text).text

    def pgettext(self, context: str, text: str) -> str:
        return self.lookup(TEMPLATES_DOMAIN, context, text).text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalog = None if self.is_source else self.catalog(TEMPLATES_DOMAIN)
        message = catalog.get(singular) if catalog is not None else None
        if (catalog is not None and message is not None and not message.fuzzy
                and isinstance(message.string, tuple)):
            index = gettext.c2py(catalog.plural_expr)(n)
            if index < len(message.string) and message.string[index]:
                return str(message.string[index])
        return singular if n == 1 else plural


def _has_translation(string: object) -> bool:
    # A plural entry is translated only when every form is.
    if isinstance(string, tuple | list):
        return bool(string) and all(string)
    return bool(string)


def _stale_entry(catalog: Catalog, context: str | None) -> tuple[Origin, bool] | None:
    """A translated entry for the same context but different English, if any, and
    whether the catalog marks it as such (fuzzy, or obsolete)."""
    if context is None:
        return None
    for message in catalog:
        if message.context == context and message.id and message.string:
            return Origin("", message.lineno or 0), message.fuzzy
    for message in catalog.obsolete.values():
        if message.context == context and message.string:
            return Origin("", message.lineno or 0), True
    return None


# One quoted string per line: a quote inside it must be escaped (\"), or Babel reads
# 'msgstr "a" b "c"' as the text 'a" b "c' and prints the stray quote.
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_PO_LINE = re.compile(
    rf'^(?:#.*|(?:msgctxt|msgid|msgid_plural|msgstr(?:\[[0-9]+\])?)\s+{_QUOTED.pattern}'
    rf'|{_QUOTED.pattern}|)$')


def _check_po_syntax(path: Path, display: str) -> str:
    """Babel's reader accepts some broken files (an unterminated string, say) silently;
    check each line's shape first so the translator gets the line number. Returns the
    file's text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(f"cannot read PO file: {exc.strerror or exc}", path=display,
                           hint="check the file's permissions") from None
    if looks_like_utf16(data):
        raise ContentError("PO file is saved as UTF-16, not UTF-8", path=display, line=1,
                           hint="save it as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte, at = bad_byte(data, exc)
        raise ContentError(f"PO file is not UTF-8 (byte {byte}: {exc.reason})", path=display,
                           line=at, hint="save it as UTF-8") from None
    if text.startswith("\ufeff"):
        # msgfmt refuses it too; Babel would read the first line as broken.
        raise ContentError("PO file starts with a byte-order mark (BOM)", path=display, line=1,
                           hint="save it as UTF-8 without BOM")
    entries = _EntryCheck(display)
    # Characters a paste brought in are reported all at once: one usually has company.
    pasted: list[BriefgenError] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()  # obsolete entries keep the same syntax
        if not _PO_LINE.match(line):
            raise together([*pasted, ContentError(
                f"malformed PO file: cannot read {raw.strip()[:50]!r}",
                path=display, line=number,
                hint="each line must be a keyword (msgctxt, msgid, msgstr) "
                     "followed by a quoted string, a quoted continuation, or "
                     "a # comment; check the quotes")])
        if line.startswith("#"):
            try:
                entries.comment(raw.strip(), number)
            except ContentError as exc:
                raise together([*pasted, exc]) from None
            continue
        # Its column in the line as the file has it, not as stripped for the checks.
        pasted.extend(ContentError(invisible, path=display, line=number,
                                   hint=STRAY_INVISIBLE_HINT)
                      for invisible in stray_invisibles(raw))
        bad = next((m for m in _ESCAPE.finditer(line) if m.group(1) not in '\\"ntr'), None)
        if bad:
            # Babel keeps "\q" as the two characters, msgfmt refuses the file.
            raise together([*pasted, ContentError(
                f"malformed PO file: unknown escape {bad.group()!r}",
                path=display, line=number,
                hint='write \\\\ for a backslash; the escapes are \\n, '
                     '\\t, \\r, \\" and \\\\')])
        try:
            entries.feed(line, number, obsolete=obsolete)
        except ContentError as exc:
            raise together([*pasted, exc]) from None
    try:
        entries.feed("", len(text.splitlines()) + 1, obsolete=False)
    except ContentError as exc:
        raise together([*pasted, exc]) from None
    if pasted:
        raise together(pasted)
    _check_charset(text, display)
    return text


# Outside the quotes a line holds only keywords, so a backslash is in a string and
# starts an escape (matched in turn, so "\\q" is a backslash and a q); \n, \t, \r, \"
# and \\ are the ones Babel and msgfmt both read.
_ESCAPE = re.compile(r"\\(.?)")
_CHARSET = re.compile(r"Content-Type:[^\"]*?charset=([^\\\"\s;]*)", re.IGNORECASE)


def _check_charset(text: str, display: str) -> None:
    """The header must declare the encoding the file is in: Babel decodes the file by it,
    so "charset=ISO-8859-1" on a UTF-8 file reads every Hangul syllable as three letters,
    and a name Python does not know stops the reader."""
    for number, line in enumerate(text.splitlines(), start=1):
        found = _CHARSET.search(line)
        if found is None:
            continue
        if found.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise ContentError(
                f"the header declares charset={found.group(1)}, but catalogs are read as "
                "UTF-8", path=display, line=number,
                hint='write "Content-Type: text/plain; charset=UTF-8\\n" in the header '
                     "and save the file as UTF-8")
        return


class _EntryCheck:
    """What Babel's reader silently resolves, refused with the line: an entry with two
    msgctxt or msgid lines (Babel keeps the last), one with no msgid (Babel joins its
    translation to another entry), two entries for the same context and English
    (Babel keeps one; the translator edits the other and sees no change), and a comment
    or flag line inside an entry, which msgfmt refuses (Babel gives a "#, fuzzy" after
    msgctxt to the entry, drops a msgstr[1] after one, and after msgid reports a
    "missing msgstr" that is not)."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.fields: dict[str, list[str]] = {}  # keyword: its quoted strings
        self.keyword = ""
        self.start = 0
        self.obsolete = False
        self.seen: dict[tuple[str | None, str], int] = {}
        # A comment after an entry's msgstr (line, number, the keyword before it): it
        # belongs to the next entry, unless the next line still continues this one.
        self.comment_after: tuple[str, int, str] | None = None

    def comment(self, line: str, number: int) -> None:
        """Take one comment or flag line."""
        if not self.fields:
            return
        if not any(k.startswith("msgstr") for k in self.fields):
            raise self._misplaced(line, number, self.keyword)
        if self.comment_after is None:
            self.comment_after = (line, number, self.keyword)

    def _misplaced(self, line: str, number: int, after: str) -> ContentError:
        what = "flag line" if line.startswith("#,") else "comment line"
        return ContentError(
            f"malformed PO file: {what} {line[:50]!r} inside an entry, after its "
            f"{after} line", path=self.display, line=number,
            hint=f"comment and flag lines go before an entry's msgctxt and msgid: move it "
                 f"above line {self.start}, where the entry starts")

    def feed(self, line: str, number: int, *, obsolete: bool) -> None:
        """Take one line that is not a comment ("" ends the file)."""
        if self.comment_after is not None:
            comment, at, after = self.comment_after
            self.comment_after = None
            # A continuation string or a msgstr[1] goes on with the entry the comment
            # broke: msgfmt reads the comment as where the entry ended.
            if (line.split(None, 1)[0] if line else "") not in ("", "msgctxt", "msgid"):
                raise self._misplaced(comment, at, after)
        if line.startswith('"'):
            if self.keyword in self.fields:
                self.fields[self.keyword].append(line)
            return
        keyword = line.split(None, 1)[0] if line else ""
        translated = any(k.startswith("msgstr") for k in self.fields)
        if not keyword or not self.fields or (keyword in ("msgctxt", "msgid") and translated):
            self._finish()
            self.fields, self.start, self.obsolete = {}, number, obsolete
        elif keyword in self.fields:
            raise ContentError(
                f"malformed PO file: a second {keyword} line in one entry",
                path=self.display, line=number,
                hint=f"each entry has one {keyword}: remove one of the two; the entry "
                     f"starts at line {self.start}")
        if keyword:
            self.keyword = keyword
            self.fields[keyword] = [line[len(keyword):].strip()]

    def _finish(self) -> None:
        if self.obsolete:
            return
        if self.fields and "msgid" not in self.fields:
            # Babel would join its msgstr to the entry before or after: a translation
            # printed for the wrong text, and no error.
            raise ContentError(
                "malformed PO file: an entry without its msgid line",
                path=self.display, line=self.start,
                hint="each entry is msgctxt, msgid (the English) and msgstr, in that order: "
                     "put the msgid back (as in locales/pot/), or delete the entry and run "
                     "'briefgen i18n update'")
        if "msgid" not in self.fields:
            return
        context = _unquoted(self.fields["msgctxt"]) if "msgctxt" in self.fields else None
        key = (context, _unquoted(self.fields["msgid"]))
        first = self.seen.setdefault(key, self.start)
        if first != self.start:
            raise ContentError(
                "malformed PO file: a second entry for the same "
                + ("msgctxt and msgid" if context is not None else "msgid"),
                path=self.display, line=self.start,
                hint=f"the first is at line {first}: keep one of them, since only one "
                     "would be used")


def _refuse_non_file(path: Path, display: str) -> None:
    """A directory or a broken link where a catalog belongs is not "no catalog yet"."""
    if os.path.lexists(path) and not path.is_file():
        raise ContentError(not_a_file(path, "a PO file"), path=display,
                           hint="replace it with the catalog file, or remove it and run "
                                "'briefgen i18n update'")


# The header's Language line: the entry of msgid "" comes first, before any other msgid.
_LANGUAGE_HEADER = re.compile(r'^"Language: *([^"\\]*?) *(?:\\n)?"$')


def _check_language_header(text: str, display: str, locale: str) -> None:
    """A catalog copied from another language's folder keeps that language's header:
    refused here, rather than as a thousand characters no font of this language has."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("msgid") and not stripped.startswith('msgid ""'):
            return  # past the header
        found = _LANGUAGE_HEADER.match(stripped)
        if found and found.group(1):
            declared = found.group(1)
            # Babel names zh-Hans zh_Hans; the folder may be given either way.
            if declared.replace("_", "-").lower() != locale.replace("_", "-").lower():
                raise ContentError(
                    f"the header says Language: {declared}, but the catalog is in the "
                    f"folder of {locale}", path=display, line=number,
                    hint=f"a catalog copied from another language? Translate it into "
                         f"{locale} and set Language: {locale}, or delete it and run "
                         "'briefgen i18n update' to start one afresh")
            return


def read_catalog(path: Path, display: str, locale: str) -> Catalog:
    text = _check_po_syntax(path, display)
    _check_language_header(text, display, locale)
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale.replace("-", "_"), abort_invalid=True)
    except PoFileError as exc:
        # Babel ends its messages with " on <line>" ("missing msgstr for msgid 'x' on 21").
        found = re.fullmatch(r"(.*?) on (\d+)", str(exc), re.DOTALL)
        message, line = (found.group(1), int(found.group(2))) if found else (str(exc), None)
        raise ContentError(f"malformed PO file: {message}", path=display, line=line,
                           hint="open it in Poedit or run msgfmt --check to find the error"
                           ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ContentError(f"cannot read PO file: {exc}", path=display,
                           hint="PO files must be UTF-8 with a valid header") from None
    # Babel numbers an entry by its msgid line. Every message briefgen gives about an
    # entry concerns its translation (a placeholder, a character no font has, restricted
    # text, staleness), so each is numbered by its msgstr line instead.
    starts = [number for number, line in enumerate(text.splitlines(), start=1)
              if line.lstrip("#~ ").startswith("msgstr")]
    for message in (*catalog, *catalog.obsolete.values()):
        _restore_previous(message)
        at = bisect.bisect_right(starts, message.lineno or 0)
        if message.lineno and at < len(starts):
            message.lineno = starts[at]
    problems = [problem for message in catalog if message.id and not message.fuzzy
                for problem in (*_placeholder_problems(message, display),
                                *_markup_problems(message, display),
                                *(_label_markdown_problems(message, display)
                                  if path.stem == "templates" else ()))]
    if problems:
        raise ProblemReport(problems)
    return catalog


@dataclass(frozen=True)
class _PlaceholderKind:
    """One way labels write a placeholder, and how the build fills it in."""

    pattern: re.Pattern[str]
    spelling: str  # str.format pattern that writes a name as the placeholder
    fill: Callable[[str, dict[str, str]], object]

    def spell(self, names: Iterable[str]) -> str:
        return ", ".join(self.spelling.format(name) for name in sorted(names))


# "%(name)s": the templates' _() with keywords; "{name}": page counters, approximate dates.
_PLACEHOLDER_KINDS = (
    _PlaceholderKind(re.compile(r"%\((\w+)\)[sd]"), "%({})s",
                     lambda text, values: text % values),
    _PlaceholderKind(re.compile(r"\{(\w+)\}"), "{{{}}}",
                     lambda text, values: text.format_map(collections.defaultdict(str, values))),
)


def _forms(message: BabelMessage) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """The English and the translation of ``message``, each as a tuple of its plural
    forms (one form for a message without plurals)."""
    english = message.id if isinstance(message.id, tuple | list) else (message.id,)
    strings = message.string if isinstance(message.string, tuple | list) else (
        message.string,)
    return tuple(english), tuple(strings)


def _placeholder_problems(message: BabelMessage, display: str) -> list[BriefgenError]:
    """A translation that drops, misspells or breaks a placeholder of its English would
    print "{pgae}" where the page number belongs, or stop the build in the middle."""
    english, strings = _forms(message)
    problems: list[BriefgenError] = []
    for kind in _PLACEHOLDER_KINDS:
        wanted = {name for text in english for name in kind.pattern.findall(str(text))}
        # One the English has not is refused too: in a label it stops the build where
        # the template fills it in, in content it would print as typed.
        for string in (str(s) for s in strings
                       if s and (wanted or kind.pattern.search(str(s)))):
            # A plural form may leave out the number it is chosen by.
            what = _placeholder_problem(string, wanted, kind, plural=len(english) > 1)
            if what:
                problems.append(ContentError(
                    f"translation of {str(english[0])[:60]!r}: {what}", path=display,
                    line=message.lineno, field="msgstr",
                    hint=(f"keep every placeholder of the msgid ({kind.spell(wanted)}) "
                          "spelled as there; only their order may change") if wanted
                    else "its English has no placeholder, so none is filled in: write "
                         "the text itself"))
    return problems


def _markup_problems(message: BabelMessage, display: str) -> list[BriefgenError]:
    """Raw HTML, images or unsafe links in a translation whose English has none.

    The content's English is checked for them when it is loaded; a translation is
    printed in its place, so it is held to the same rules (and a template label's
    translation is inserted into the HTML as it is, which makes raw HTML there markup).
    """
    from briefgen import markup

    english, strings = _forms(message)
    allowed = {problem for text in english if "<" in str(text) or "[" in str(text)
               for problem in markup.problems(str(text))}
    return [ContentError(f"translation of {str(english[0])[:60]!r}: {problem}",
                         path=display, line=message.lineno,
                         field=str(message.context) if message.context else "msgstr",
                         hint="write the translation as plain text with the Markdown its "
                              "English uses")
            for string in (str(s) for s in strings if s) if "<" in string or "[" in string
            for problem in markup.problems(string) if problem not in allowed]


def _label_markdown_problems(message: BabelMessage, display: str) -> list[BriefgenError]:
    """Markdown in a template label's translation whose English has none. Labels
    ("Summary", "Page 1 of 3") are not Markdown: "**요약**" would print with its
    asterisks, and a link as its brackets and address."""
    from briefgen import markup

    english, strings = _forms(message)
    if any("<" in markup.render_inline(str(text)) for text in english):
        return []  # the English uses Markdown-like text itself; nothing to compare
    return [ContentError(f"translation of {str(english[0])[:60]!r}: Markdown "
                         f"{_first_markdown(string)!r} would print as typed (template "
                         "labels are plain text)", path=display, line=message.lineno,
                         field=str(message.context) if message.context else "msgstr",
                         hint="write the label as plain text, as its English is")
            for string in (str(s) for s in strings if s)
            if "<" in markup.render_inline(string)]


def _first_markdown(string: str) -> str:
    found = re.search(r"\*\*?[^*]+\*\*?|_[^_]+_|`[^`]+`|\[[^\]]*\]\([^)]*\)", string)
    return found.group(0)[:40] if found else string[:40]


def _placeholder_problem(string: str, wanted: set[str], kind: _PlaceholderKind, *,
                         plural: bool) -> str:
    """What is wrong with the placeholders of one translation, or ""."""
    try:
        kind.fill(string, dict.fromkeys(wanted, ""))
    except KeyError:
        pass  # an unknown name: reported below as such, which says more
    except (ValueError, TypeError, IndexError) as exc:
        if "%" in string and kind.spelling.startswith("%"):
            return f"cannot be filled in ({exc}; write %% for a percent sign)"
        return f"cannot be filled in ({exc})"
    found = set(kind.pattern.findall(string))
    parts = []
    if unknown := found - wanted:
        parts.append(f"{kind.spell(unknown)} is not in the English")
    if (missing := wanted - found) and not plural:
        parts.append(f"{kind.spell(missing)} is missing")
    return "; ".join(parts)


def _unquoted(parts: Iterable[str]) -> str:
    """The text of a field written as quoted strings ('"Hello, "' '"world"')."""
    return "".join(unescape(part) for part in parts)
# A keyword and the quoted strings after it, up to the next keyword.
_PREVIOUS_FIELD = re.compile(rf"(msgctxt|msgid_plural|msgid)\s+((?:{_QUOTED.pattern}\s*)+)")


def _previous_fields(lines: Iterable[str]) -> list[tuple[str, str]]:
    """The (keyword, text) of each field in the ``#|`` lines ``lines`` (their ``#|``
    taken off), however they were wrapped: lines are joined with the space they were
    broken at, and a field's quoted strings are one text. A keyword given twice keeps
    the text of both, as gettext reads a field continued after a stray break."""
    fields: dict[str, list[str]] = {}
    for keyword, body in _PREVIOUS_FIELD.findall(" ".join(lines)):
        fields.setdefault(keyword, []).extend(_QUOTED.findall(body))
    return [(keyword, _unquoted(parts)) for keyword, parts in fields.items()]


def _open_quote(text: str) -> bool:
    """Whether ``text`` ends inside a quoted string."""
    return '"' in _QUOTED.sub("", text)


def _restore_previous(message: BabelMessage) -> None:
    """Turn the ``#|`` lines Babel read as comments back into the previous English.

    Babel's read_po does not parse previous strings (python-babel/babel#206): it keeps
    ``#| msgid "…"`` as a translator comment ``| msgid "…"``, which write_po then writes
    as ``# | msgid "…"``, a comment that stays after the entry is no longer stale and is
    re-wrapped on every update. A stale entry gets its previous English back, where
    write_po puts it (``#|``); on an entry that is not stale the lines are dropped.
    """
    lines: list[str] = []
    kept: list[str] = []
    for comment in message.user_comments:
        if comment.startswith("|"):
            lines.append(comment[1:].strip())
        elif lines and (_open_quote(" ".join(lines)) or comment.startswith('"')):
            # Babel's write_po wraps a long "# | …" comment at a space, inside a quoted
            # string or between two, and its continuation is read back as a comment of
            # its own ('| msgid "" "… Human' / 'Rights Watch " "…'): it belongs to the
            # line before, not to the translator.
            lines[-1] += " " + comment.strip()
        else:
            kept.append(comment)
    if not lines:
        return
    message.user_comments = kept
    if not message.fuzzy:
        return
    # Babel alone wraps these lines like any comment, at a space inside a quoted string
    # ('#| msgid "" "… Human Rights' / '#| Watch " "…'): joined with that space again.
    fields = dict(_previous_fields(lines))
    if "msgid" in fields:
        previous = [fields["msgid"]]
        if "msgid_plural" in fields:
            previous.append(fields["msgid_plural"])
        message.previous_id = previous


def build_template(messages: Iterable[Message], domain: str, project: str) -> Catalog:
    catalog = Catalog(project=project, domain=domain, fuzzy=False,
                      creation_date=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                      charset="utf-8")
    for message in messages:
        catalog.add((message.text, message.plural) if message.plural else message.text,
                    context=message.context or None,
                    locations=[(message.origin.path, message.origin.line)])
    return catalog


def merge_catalog(template: Catalog, path: Path, locale: str, display: str, *,
                  carried: Iterable[BabelMessage] = (), moved: Iterable[str] = (),
                  ) -> tuple[Catalog, tuple[int, int, int]]:
    """``template`` merged into the catalog at ``path`` (not written), and the counts
    (added, stale, obsolete).

    Babel marks an entry whose English changed as fuzzy (our "stale") and keeps removed
    entries as obsolete (``#~``) so no translator's work is silently thrown away.

    A case's public and restricted catalogs trade entries when an item's sensitivity
    changes: ``carried`` are the other catalog's entries for contexts this template now
    holds, which come with their translations; ``moved`` are the contexts the other
    catalog now holds, of which this one keeps nothing, not even an obsolete entry (a
    restricted text must not stay behind in the public catalog).
    """
    babel_locale = locale.replace("-", "_")
    _refuse_non_file(path, display)
    if path.is_file():
        catalog = read_catalog(path, display, locale)
    else:
        catalog = Catalog(locale=babel_locale, domain=template.domain,
                          project=template.project, version="1",
                          header_comment=header_comment(str(template.domain), locale),
                          creation_date=template.creation_date, charset="utf-8")
    # An obsolete entry here is older than the other catalog's for the same context (the
    # item has been there since): the carried one is taken, and replaces an obsolete one
    # of the same English, which would otherwise be written twice.
    held = {m.context for m in catalog if m.id}
    for message in carried:
        if message.context not in held:
            for key in [key for key, m in catalog.obsolete.items()
                        if (m.context, m.id) == (message.context, message.id)]:
                del catalog.obsolete[key]
            catalog[message.id] = message
    before = {(m.context, m.id) for m in catalog if m.id}
    previous = {(m.context, m.id): m.previous_id for m in catalog
                if m.id and m.fuzzy and m.previous_id}
    # Babel's likeness match gives a new entry the translation of the most alike
    # English of any entry, of any context: a new law's provision would come with the
    # Convention against Torture's, a new fact with its neighbour's date. A content
    # entry is found by its context alone (_stale_by_context); only the templates'
    # labels, which their English names, are matched by likeness, as msgmerge does.
    catalog.update(template, no_fuzzy_matching=template.domain != TEMPLATES_DOMAIN,
                   update_header_comment=False)
    # update() rebuilds every entry from the template and drops or replaces the
    # previous English of an entry that was already stale: the translator needs the
    # English the translation was made from, not an intermediate one it never saw
    # (as msgmerge --previous keeps it).
    for m in catalog:
        if not m.fuzzy:
            continue
        if not m.previous_id and (m.context, m.id) in previous:
            m.previous_id = previous[m.context, m.id]
        elif m.previous_id and (m.context, _message_id(m.previous_id)) in previous:
            m.previous_id = previous[m.context, _message_id(m.previous_id)]
    _stale_by_context(catalog)
    if template.domain != TEMPLATES_DOMAIN:
        _renamed(catalog)
    _fresh_again(catalog)
    gone = set(moved)
    # An obsolete entry keeps a translator's work; one never translated keeps nothing,
    # and would pile up in every untranslated locale with each change of the English.
    for key in [key for key, m in catalog.obsolete.items()
                if m.context in gone or not _has_translation(m.string)]:
        del catalog.obsolete[key]
    catalog.revision_date = template.creation_date
    catalog.fuzzy = False
    added = sum(1 for m in catalog if m.id and (m.context, m.id) not in before and not m.fuzzy)
    stale = sum(1 for m in catalog if m.id and m.fuzzy)
    return catalog, (added, stale, len(catalog.obsolete))


def _message_id(previous: Sequence[str]) -> str | tuple[str, ...]:
    """A previous English (``#| msgid``, ``#| msgid_plural``) as Babel keys a message."""
    return previous[0] if len(previous) == 1 else tuple(previous)


def _fresh_again(catalog: Catalog) -> None:
    """An entry whose English went back to what it was translated from is current
    again: its translation says what the English says."""
    for m in catalog:
        if m.fuzzy and m.previous_id and _message_id(m.previous_id) == m.id:
            m.flags.discard("fuzzy")
            m.previous_id = []


def _stale_by_context(catalog: Catalog) -> None:
    """An entry whose English was rewritten is stale, not new: Babel matches a changed
    English by its likeness to the old one, and a rewritten summary is too unlike it, so
    it would come back untranslated and the translation go to the obsolete entries. A
    content entry's context names the item (``case:…:handout:summary``), so the old
    translation is found by it and kept, marked stale with its previous English."""
    obsolete = {m.context: key for key, m in catalog.obsolete.items()
                if m.context and isinstance(m.string, str) and m.string}
    for m in catalog:
        if m.id and m.context in obsolete and not m.string:
            old = catalog.obsolete.pop(obsolete.pop(m.context))
            m.string = old.string
            m.flags.add("fuzzy")
            m.previous_id = (list(old.previous_id) if old.fuzzy and old.previous_id
                             else [str(old.id)])


def _renamed(catalog: Catalog) -> None:
    """An item whose id changed (its context with it) and whose English did not keeps
    its translation: found among the obsolete entries by its English, it comes back
    marked fuzzy, for its translator to confirm, as the same English may be translated
    otherwise where it stands now."""
    by_english: dict[Any, Any] = {}  # English (a plural entry: a tuple) -> its key
    for key, m in catalog.obsolete.items():
        if m.id and _has_translation(m.string):
            by_english.setdefault(m.id, key)
    for m in catalog:
        if m.id and not _has_translation(m.string) and m.id in by_english:
            old = catalog.obsolete.pop(by_english.pop(m.id))
            m.string = old.string
            m.flags.add("fuzzy")
            m.previous_id = []


CATALOG_WIDTH = 88


def catalog_bytes(catalog: Catalog) -> bytes:
    """The PO file ``catalog`` is written as."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=CATALOG_WIDTH, sort_output=False, include_previous=True,
             omit_header=False)
    return _rewrap_previous(buffer.getvalue().decode("utf-8")).encode("utf-8")


def _rewrap_previous(text: str) -> str:
    """``text`` with each entry's previous English written as gettext reads it.

    Babel's write_po writes ``#| msgid`` as one comment and wraps it like prose, inside
    its quoted strings ('#| msgid "" "… Human Rights' / '#| Watch, " "…'), which msgfmt,
    Poedit and Weblate refuse. Each ``#|`` field is written again one quoted string per
    line, as msgid itself is.
    """
    out: list[str] = []
    block: list[str] = []
    for line in [*text.split("\n"), None]:
        if line is not None and line.startswith("#| "):
            block.append(line[3:].strip())
            continue
        if block:
            for keyword, value in _previous_fields(block):
                lines = normalize(value, width=CATALOG_WIDTH - len("#| ")).split("\n")
                out.append(f"#| {keyword} {lines[0]}")
                out.extend(f"#| {quoted}" for quoted in lines[1:])
            block = []
        if line is not None:
            out.append(line)
    return "\n".join(out)


