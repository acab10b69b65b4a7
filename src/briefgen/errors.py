"""Turn every problem briefgen can detect into one reportable error type.

The tree::

    BriefgenError                 printed as ``path:line: field: message`` (exit 2)
    ├── ContentError              content, translation or configuration is wrong
    │   └── ProblemReport         many ContentErrors found in one pass, reported together
    ├── UsageError                a CLI argument names something that does not exist
    ├── FontError                 a font file is missing or a character has no glyph
    ├── RenderError               a template is wrong (syntax, undefined variable)
    ├── TypesetError              WeasyPrint failed, refused a fetch, drew a .notdef glyph
    │   └── LeakError             public text repeats restricted text (at the public text)
    └── OutputError               the output directory cannot be written

Anything that is not a ``BriefgenError`` is a bug in briefgen: the CLI shows its
traceback (with ``--debug``) and exits 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


class BriefgenError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.hint = hint

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (parallel builds); keep their fields.
        return (_rebuild, (type(self), self.message, self.path, self.line, self.field,
                           self.hint))

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        parts = []
        if self.location:
            parts.append(self.location)
        if self.field:
            parts.append(self.field)
        text = self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        parts.append(text)
        return ": ".join(parts)

    def lines(self) -> list[str]:
        """The lines the CLI prints for this error."""
        return [str(self)]

    def each(self) -> list[BriefgenError]:
        """The single problems this error reports: itself (a ProblemReport: its errors)."""
        return [self]


def _rebuild(cls: type[BriefgenError], message: str, path: str | None, line: int | None,
             field: str | None, hint: str | None) -> BriefgenError:
    return cls(message, path=path, line=line, field=field, hint=hint)


class ContentError(BriefgenError):
    """Content, translations or project configuration are not valid."""


class UsageError(BriefgenError):
    """A command-line argument names something that does not exist."""


class FontError(BriefgenError):
    """A configured font is missing, or text has a character no configured font covers."""


class RenderError(BriefgenError):
    """A template could not be rendered."""


class TypesetError(BriefgenError):
    """WeasyPrint could not turn HTML into an acceptable PDF."""


class LeakError(TypesetError):
    """Public text that repeats restricted text, at the public text's file and line.

    The same public text is printed by several documents (one brief per audience and
    locale): :func:`merged` makes their errors one, naming every document."""

    def __init__(self, message: str, *, documents: Sequence[str], path: str | None = None,
                 line: int | None = None, field: str | None = None,
                 hint: str | None = None) -> None:
        self.what = message
        self.documents = tuple(dict.fromkeys(documents))
        shown = ", ".join(self.documents[:3])
        if len(self.documents) > 3:
            others = len(self.documents) - 3
            shown += f" and {others} other document{'s' if others > 1 else ''}"
        super().__init__(f"{message}; printed in {shown}", path=path, line=line,
                         field=field, hint=hint)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_leak, (self.what, self.documents, self.path, self.line, self.field,
                                self.hint))


def _rebuild_leak(message: str, documents: Sequence[str], path: str | None, line: int | None,
                  field: str | None, hint: str | None) -> LeakError:
    return LeakError(message, documents=documents, path=path, line=line, field=field,
                     hint=hint)


def merged(errors: Iterable[BriefgenError]) -> list[BriefgenError]:
    """``errors`` without repeats: an error found again is kept once, and the same leak in
    several documents is one error naming them all."""
    kept: dict[object, BriefgenError] = {}
    for error in errors:
        if isinstance(error, LeakError):
            key: object = (LeakError, error.what, error.path, error.line, error.field,
                           error.hint)
            before = kept.get(key)
            if isinstance(before, LeakError):
                error = LeakError(error.what, documents=(*before.documents, *error.documents),
                                  path=error.path, line=error.line, field=error.field,
                                  hint=error.hint)
            kept[key] = error
        else:
            kept.setdefault(str(error), error)
    return list(kept.values())


class OutputError(BriefgenError):
    """The output directory cannot be written."""


@dataclass(frozen=True)
class Warning_:
    """Something suspicious that does not stop a build unless ``--strict`` is given."""

    message: str
    path: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        return str(BriefgenError(self.message, path=self.path, line=self.line, field=self.field))


class ProblemReport(ContentError):
    """Every content error found in one pass; the CLI prints one line each."""

    def __init__(self, errors: Sequence[BriefgenError],
                 warnings: Sequence[Warning_] = ()) -> None:
        self.errors = sorted(errors, key=_sort_key)
        # Printed with the errors: a warning can explain them (the catalogs of a renamed
        # case, unread, beside the new name's missing translations).
        self.warnings = list(warnings)
        count = len(self.errors)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.errors, self.warnings))

    def each(self) -> list[BriefgenError]:
        return list(self.errors)

    def lines(self) -> list[str]:
        out: list[str] = [f"warning: {warning}" for warning in self.warnings]
        for error in self.errors:
            out.extend(error.lines())
        out.append(f"{self.message}; nothing was written")
        return out


class TypesetProblems(ProblemReport, TypesetError):
    """Every problem WeasyPrint reported for one document: still a TypesetError, as
    whatever ``typeset`` raises is."""


def together(errors: Sequence[BriefgenError]) -> BriefgenError:
    """The one error there is, or a report of them all (at least one), to raise."""
    return errors[0] if len(errors) == 1 else ProblemReport(errors)


def shown_path(path: Path, root: Path) -> str:
    """``path`` as messages show it: from ``root`` (the project, the working directory)
    when it is under it, else whole."""
    if root.parent == root:
        # From the file system's root, "tmp/case.yaml" would read as relative to the
        # working directory.
        return path.as_posix()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _sort_key(error: BriefgenError) -> tuple[str, int, str]:
    return (error.path or "", error.line or 0, str(error))


class Problems:
    """Collects errors during a pass so they can be reported together."""

    def __init__(self) -> None:
        self.errors: list[BriefgenError] = []
        self.warnings: list[Warning_] = []
        # Files that could not be read at all: their error is reported once, and not
        # again as missing fields by everything that reads them.
        self.unreadable: set[str] = set()

    def error(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.errors.append(ContentError(message, path=path, line=line, field=field, hint=hint))

    def add(self, errors: Iterable[BriefgenError]) -> None:
        self.errors.extend(errors)

    def warn(
        self, message: str, *, path: str | None = None, line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.warnings.append(Warning_(message, path=path, line=line, field=field))

    def raise_if_any(self) -> None:
        if self.errors:
            unique = {str(e): e for e in self.errors}
            raise ProblemReport(list(unique.values()))
