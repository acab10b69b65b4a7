"""Turn located YAML nodes into typed values, recording every problem with its place.

A ``Fields`` reads one mapping: it reports unknown keys (with the nearest valid one),
missing keys and wrong kinds, and keeps going so that one run reports every problem.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from collections.abc import Iterator
from enum import StrEnum
from typing import TypeVar

from briefgen.errors import Problems
from briefgen.model import Origin, PartialDate, Precision
from briefgen.yamlreader import YMap, YNode, YScalar, YSeq

E = TypeVar("E", bound=StrEnum)

MAX_ID = 64
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$")


def canonical_locale(text: str) -> str | None:
    """``text`` as a locale is written (zh-hans, zh_Hans: zh-Hans; en-gb: en-GB), if that
    is a valid locale other than ``text``."""
    parts = re.split(r"[-_]", text.strip())
    if not 1 <= len(parts) <= 3:
        return None
    written = "-".join([parts[0].lower(), *(part.title() if len(part) == 4 else part.upper()
                                            for part in parts[1:])])
    return written if written != text and LOCALE_RE.match(written) else None


DATE_RE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")  # \d would take "２０１５"
_LOCAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
NOT_STATED = "not stated"

_KIND_NAMES = {YMap: "a mapping (key: value lines)", YSeq: "a list", YScalar: "a single value"}


def describe(node: YNode) -> str:
    return _KIND_NAMES[type(node)]


def parse_date(text: str) -> PartialDate | str:
    """Return the date, or a message saying what is wrong with it."""
    match = DATE_RE.match(text.strip())
    if not match:
        foreign = any(c.isdigit() and not c.isascii() for c in text)
        wide = " written in digits 0-9" if foreign else ""
        return f"{text!r} is not a date (expected YYYY-MM-DD, YYYY-MM or YYYY{wide})"
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if year == 0:
        return f"{text!r} is in year 0, which the calendar does not have (expected 0001 or later)"
    if month is not None and not 1 <= month <= 12:
        return f"{text!r} has no month {month} (expected 01 to 12)"
    if day is not None and month is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            month_name = calendar.month_name[month]
            return f"{text!r} is not a real day ({month_name} {year} has {last} days)"
    return PartialDate(year, month, day)


# An example of each kind of reference list, for hints: an actor list shown with a
# source id would mislead.
_ID_EXAMPLES = {
    "source id": "[hrw-2015-11-21, vice-2015-12-02]",
    "actor id": "[china, vietnam]",
    "fact id": "[handover, arrest-date]",
    "ask id": "[china-do-not-return]",
    "provision reference": "[refugee-convention/non-refoulement]",
}


# Whitespace a line may break at: every kind but the no-break spaces (U+00A0, U+2007,
# U+202F).
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]+")


class Fields:
    """Typed, located access to one YAML mapping."""

    def __init__(
        self,
        node: YNode | None,
        where: str,
        allowed: tuple[str, ...],
        problems: Problems,
        *,
        path: str,
        line: int = 0,
    ) -> None:
        self.where = where
        self.problems = problems
        self.allowed = allowed
        self.ok = isinstance(node, YMap)
        self.map = node if isinstance(node, YMap) else YMap((), path, line)
        self.path = path
        if node is None:
            if path not in problems.unreadable:
                problems.error("is empty", path=path, line=line or None, field=where,
                               hint="expected a mapping of fields")
            self.ok = False
        elif not isinstance(node, YMap):
            problems.error(
                f"is {describe(node)}", path=node.path, line=node.line, field=where,
                hint="expected a mapping of fields such as " + ", ".join(allowed[:4]),
            )
        else:
            for key in node.keys():  # noqa: SIM118 - YMap.keys() gives located keys
                if key.text not in allowed:
                    close = difflib.get_close_matches(key.text, allowed, n=1, cutoff=0.6)
                    hint = (
                        f"did you mean {close[0]!r}?"
                        if close
                        else "expected one of: " + ", ".join(allowed)
                    )
                    problems.error(f"unknown key {key.text!r}", path=key.path, line=key.line,
                                   field=self._name(key.text), hint=hint)

    # -- locations -----------------------------------------------------------------

    @property
    def origin(self) -> Origin:
        values = {key.text: (tuple(item.line for item in node.items)
                             if isinstance(node, YSeq) and node.items else (node.line,))
                  for key, node in self.map.entries}
        return Origin(self.map.path, self.map.line, values)

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _err(self, key: str, message: str, node: YNode | None, hint: str | None = None) -> None:
        line = node.line if node is not None else self.map.line
        self.problems.error(message, path=self.path, line=line, field=self._name(key), hint=hint)

    def has(self, key: str) -> bool:
        return self.map.get(key) is not None

    def node(self, key: str) -> YNode | None:
        return self.map.get(key)

    def line_of(self, key: str) -> int:
        node = self.map.get(key)
        return node.line if node is not None else self.map.line

    def origin_of(self, key: str) -> Origin:
        return Origin(self.path, self.line_of(key))

    # -- scalars ---------------------------------------------------------------------

    def _scalar(self, key: str, required: bool, expected: str) -> YScalar | None:
        node = self.map.get(key)
        if node is None:
            if required:
                self.missing(key, f"expected {expected}")
            return None
        if not isinstance(node, YScalar):
            self._err(key, f"is {describe(node)}", node, hint=f"expected {expected}")
            return None
        if node.text == "" and not node.quoted:
            if required:
                self._err(key, "is empty", node, hint=f"expected {expected}")
            return None
        return node

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        node = self._scalar(key, required, "text")
        if node is None:
            return default
        text = node.text.strip()
        # Runs of spaces become one; a no-break space ("1 p.m.", "art. 3") is kept, as
        # it is there to keep its words on one line.
        value = " ".join(w for w in _BREAKING_SPACE.split(text) if w) if "\n" not in text else text
        if required and not value:
            self._err(key, "is empty", node, hint="expected text")
        return value

    def markdown(self, key: str, *, required: bool = True) -> str:
        """Text with inline Markdown; raw HTML, images and unsafe links are refused."""
        value = self.text(key, required=required)
        if "\n" in value or "]:" in value:
            from briefgen import markup

            if found := markup.block_syntax(value):
                self.problems.warn(
                    f"{' and '.join(found)} prints as typed: content text is inline "
                    "Markdown (emphasis, code, links) set as running text; write it as "
                    "sentences, or make each item an entry of its own",
                    path=self.path, line=self.line_of(key), field=self._name(key))
        # Raw HTML, links and images all need "<" or "["; most text has neither, and
        # skipping the Markdown parser for it keeps loading (and no-op builds) fast.
        if not value or ("<" not in value and "[" not in value):
            return value
        from briefgen import markup

        for problem in markup.problems(value):
            self._err(key, problem, self.map.get(key),
                      hint="see 'Common field kinds' in docs/content-format.md")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.text(key, required=False)
        return value or None

    def stated_text(self, key: str) -> str | None:
        """Text where the author may write ``not stated``; that becomes None."""
        value = self.text(key)
        return None if value.lower() == NOT_STATED else value

    def ident(self, key: str, *, required: bool = True) -> str:
        node = self._scalar(key, required, "an id")
        if node is None:
            return ""
        if not ID_RE.match(node.text):
            self._err(key, f"{node.text!r} is not a valid id", node,
                      hint="expected lower-case letters, digits and single hyphens, "
                           "such as 'vietnam-nine-2015'")
        elif len(node.text) > MAX_ID:
            # Output file names join a case's, an audience's and a locale's ids; most
            # file systems allow 255 bytes in a name.
            self._err(key, f"id is {len(node.text)} characters long (at most {MAX_ID})", node,
                      hint="shorten it; ids end up in file names")
        return node.text

    def boolean(self, key: str, *, default: bool = False) -> bool:
        if self._empty_choice(key, "true or false", str(default).lower()):
            return default
        node = self._scalar(key, False, "true or false")
        if node is None:
            return default
        if node.text in ("true", "false"):
            return node.text == "true"
        self._err(key, f"{node.text!r} is not true or false", node,
                  hint="write true or false; yes/no/on/off are not accepted")
        return default

    def integer(self, key: str, *, required: bool = False, minimum: int = 0) -> int | None:
        node = self._scalar(key, required, "a whole number")
        if node is None:
            return None
        if not re.fullmatch(r"[0-9]+", node.text) or (len(node.text) > 1 and node.text[0] == "0"):
            self._err(key, f"{node.text!r} is not a whole number", node,
                      hint="expected digits such as 9, without leading zeros")
            return None
        value = int(node.text)
        if value < minimum:
            self._err(key, f"{value} is too small", node, hint=f"expected at least {minimum}")
        return value

    def _empty_choice(self, key: str, expected: str, default: str) -> bool:
        """Whether ``key`` is written with no value, which is an error even where the key
        may be left out: ``sensitivity:`` with nothing after it is a decision not yet
        made, not a wish for the default."""
        node = self.map.get(key)
        if isinstance(node, YScalar) and node.text == "" and not node.quoted:
            self._err(key, "is empty", node,
                      hint=f"expected {expected}; leave the line out for {default}")
            return True
        return False

    def missing(self, key: str, hint: str) -> None:
        """Report ``key`` as missing, with a hint of the caller's."""
        if self.ok:
            self._err(key, "is missing", None, hint=hint)

    def enum(self, key: str, kind: type[E], *, default: E | None = None) -> E:
        choices = [e.value for e in kind]
        if default is not None and self._empty_choice(
                key, "one of " + ", ".join(choices), default.value):
            return default
        node = self._scalar(key, default is None, "one of " + ", ".join(choices))
        if node is None:
            return default if default is not None else next(iter(kind))
        try:
            return kind(node.text)
        except ValueError:
            close = difflib.get_close_matches(node.text, choices, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "expected one of " + ", ".join(
                choices)
            self._err(key, f"{node.text!r} is not allowed", node, hint=hint)
            return default if default is not None else next(iter(kind))

    def date(self, key: str, *, required: bool = True, allow_not_stated: bool = False,
             ) -> PartialDate | None:
        expected = "a date YYYY-MM-DD, YYYY-MM or YYYY"
        if allow_not_stated:
            expected += " or 'not stated'"
        node = self._scalar(key, required, expected)
        if node is None:
            return None
        if allow_not_stated and node.text.strip().lower() == NOT_STATED:
            return None
        result = parse_date(node.text)
        if isinstance(result, str):
            self._err(key, result, node)
            return None
        return result

    def local_datetime(self, key: str, zone: dt.tzinfo | None) -> dt.datetime | None:
        """A wall-clock time written as YYYY-MM-DDTHH:MM in the given time zone."""
        node = self._scalar(key, True, "a local date and time such as 2015-11-21T13:00")
        if node is None:
            return None
        written = node.text.strip()
        expected = "expected YYYY-MM-DDTHH:MM in the event's time zone, e.g. 2015-11-21T13:00"
        if isinstance(parse_date(written), PartialDate):
            # Python would read it as midnight, and a handout print "12:00 AM".
            self._err(key, f"{written!r} has no time of day", node,
                      hint=f"{expected}; an event is printed with the time it starts "
                           "and ends")
            return None
        try:
            value = dt.datetime.fromisoformat(written)
        except ValueError:
            self._err(key, f"{node.text!r} is not a date and time", node, hint=expected)
            return None
        if value.tzinfo is not None:
            self._err(key, f"{node.text!r} carries an offset", node,
                      hint="write the local time without an offset; the timezone field "
                           "says where it is")
            return None
        if not _LOCAL_TIME.fullmatch(written):
            # Seconds, fractions or a space for the T: read, but not as documented.
            self._err(key, f"{written!r} is not written as YYYY-MM-DDTHH:MM", node,
                      hint=expected)
            return None
        if zone is None:
            return None
        aware = value.replace(tzinfo=zone)
        try:
            # A time that a daylight-saving change skips does not exist on that day.
            round_trip = aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
        except OverflowError:  # within hours of year 1 or 9999, in UTC
            self._err(key, f"{node.text} is out of the range of dates briefgen can place",
                      node, hint="check the year")
            return None
        if round_trip != value:
            self._err(key, f"{node.text} does not exist in {zone} (the clocks skip it)",
                      node, hint="check the time against the daylight-saving change")
            return None
        if aware.replace(fold=1).utcoffset() != aware.utcoffset():
            # The hour the clocks go back happens twice; an offset, which would say which,
            # is refused above (the time zone is the event's place), so say what is read.
            self.problems.warn(
                f"{node.text} happens twice in {zone} (the clocks go back); it is read as "
                f"the first, {aware.strftime('%H:%M %Z')} (UTC{aware.strftime('%z')})",
                path=self.path, line=node.line, field=self._name(key))
        return aware

    def precision_agrees(self, key: str, date: PartialDate | None) -> None:
        node = self._scalar(key, False, "day, month or year")
        if node is None or date is None:
            return
        try:
            given = Precision(node.text)
        except ValueError:
            self._err(key, f"{node.text!r} is not a precision", node,
                      hint="expected day, month or year")
            return
        if given is not date.precision:
            self._err(key, f"says {given.value} but the date {date.iso()} is written to the "
                      f"{date.precision.value}", node,
                      hint="make the date and its precision agree, e.g. 2015-10 for a month")

    # -- collections -----------------------------------------------------------------

    def seq(self, key: str, *, required: bool = False) -> list[YNode]:
        node = self.map.get(key)
        if node is None:
            if required and self.ok:
                self._err(key, "is missing", None, hint="expected a list")
            return []
        if isinstance(node, YScalar) and node.text == "" and not node.quoted:
            if required:
                self._err(key, "is empty", node, hint="expected a list")
            return []
        if not isinstance(node, YSeq):
            self._err(key, f"is {describe(node)}", node, hint="expected a list")
            return []
        if required and not node.items:
            self._err(key, "is an empty list", node, hint="expected at least one entry")
        return list(node.items)

    def ids(self, key: str, *, required: bool = False, what: str = "id",
            pattern: re.Pattern[str] = ID_RE, example: str | None = None,
            ) -> tuple[str, ...]:
        """A list of references; a single id is accepted as a one-item list."""
        example = example or _ID_EXAMPLES.get(what, "[an-id, another-id]")
        node = self.map.get(key)
        if isinstance(node, YScalar) and node.text:
            items: list[YNode] = [node]
        else:
            items = self.seq(key, required=required)
        out: list[str] = []
        for item in items:
            if not isinstance(item, YScalar) or not pattern.match(item.text.split("/")[0]):
                shown = item.text if isinstance(item, YScalar) else describe(item)
                meant = (canonical_locale(shown) if pattern is LOCALE_RE
                         and isinstance(item, YScalar) else None)
                self._err(key, f"{shown!r} is not a valid {what}", item,
                          hint=f"did you mean {meant!r}? (a language in small letters, a "
                               "script with a capital, a region in capitals)" if meant
                          else f"expected a list of {what}s such as {example}")
                continue
            if item.text in out:
                # Printed twice (a note number, a brief) or counted twice: never meant.
                self._err(key, f"{item.text!r} is listed twice", item,
                          hint="remove the repeated entry")
                continue
            out.append(item.text)
        return tuple(out)

    def each(self, key: str, allowed: tuple[str, ...], *, required: bool = False,
             ) -> Iterator[Fields]:
        for index, item in enumerate(self.seq(key, required=required), start=1):
            yield Fields(item, f"{self._name(key)}[{index}]", allowed, self.problems,
                         path=self.path, line=item.line)
