"""Replace a file's contents so that nobody ever sees half of them; say what is in a
file's place when it is not a file, and what in a text file's lines cannot be seen.

Every file briefgen writes (outputs and the manifest, catalogs and message templates,
prepared fonts and the caches) goes through :func:`write_atomic`: a reader, a
translator's editor, a concurrent build or a CI artifact upload finds either the old
file or the new one. Standard library only, so that every stage can use it without
importing another stage's libraries. :func:`signals_held` keeps a Ctrl-C from landing
between the renames of files that must agree.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import tempfile
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

# The name of the temporary file beside its target: the publisher removes leftovers of a
# killed build by this pattern, so the two must agree.
TEMPORARY_PREFIX = "."
TEMPORARY_SUFFIX = ".tmp"

_umask: int | None = None


def _default_mode() -> int:
    """The mode ``open()`` would give a new file: 0o666 less the process's umask."""
    global _umask
    if _umask is None:
        # The umask can only be read by setting it, for a moment in which another thread
        # could create a file: do that once per process, not on every write.
        _umask = os.umask(0o022)
        os.umask(_umask)
    return 0o666 & ~_umask


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed over
    ``path`` once complete.

    A file that already exists keeps its permissions; a new one gets the permissions of
    any new file (``mkstemp`` alone would make it readable by its owner only). With
    ``durable`` (for what users keep: outputs, catalogs) the data reaches the disk before
    the rename, so a crash leaves the old file rather than an empty one; caches skip
    that. On any failure the temporary file is removed and ``path`` is left as it was.
    Raises ``OSError``.
    """
    temporary = stage(path, data, durable=durable)
    try:
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def stage(path: Path, data: bytes, *, durable: bool = True) -> Path:
    """The first half of :func:`write_atomic`: ``data`` complete in a temporary file
    beside ``path``, with the permissions ``path`` will have, and that file's path.

    Renaming it over ``path`` (``Path.replace``) publishes it; a caller writing several
    files stages them all first, so that a full disk stops it before any is replaced.
    On failure nothing is left behind. Raises ``OSError``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = _default_mode()
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMPORARY_PREFIX}{path.name}.",
                                suffix=TEMPORARY_SUFFIX)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        temporary.chmod(mode)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


# What stops briefgen from the outside: held back while a set of files that must agree
# (a build's outputs and manifest, a case's two catalogs) is renamed into place.
_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Run the block to its end, then act on the SIGINT, SIGTERM or SIGHUP that came
    meanwhile (as their handlers would have: KeyboardInterrupt, briefgen's SIGTERM exit).

    Only the main thread can set handlers; elsewhere the block runs unguarded.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {}
    for signum in _HELD_SIGNALS:
        handler = signal.getsignal(signum)
        if handler is None:  # set outside Python: cannot be put back
            continue
        previous[signum] = handler
        signal.signal(signum, lambda number, _frame: caught.append(number))
    try:
        yield
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
        for number in dict.fromkeys(caught):
            signal.raise_signal(number)


# Invisible characters that have no business in content or translations and arrive by
# pasting: zero-width spaces, word joiners, a byte-order mark inside the text, invisible
# mathematical operators, and the bidirectional embeddings, overrides and isolates that
# make text display in another order than it is stored. A word holding one looks whole
# in print and in an editor, but is another word to search, the glossary and the checks.
# The Hangul fillers too, which print as a blank and come from messengers and web forms
# (a name with one is still read by the restricted-text check, but no other check).
# Zero-width joiners and non-joiners (U+200C, U+200D) stay, as do the left-to-right and
# right-to-left marks (U+200E, U+200F): some scripts and emoji need them.
STRAY_INVISIBLE_CHARS = ("\u115f\u1160\u180e\u200b\u2060\u2061\u2062\u2063\u2064"
                         "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u3164"
                         "\ufeff\uffa0")
STRAY_INVISIBLE = re.compile(f"[{STRAY_INVISIBLE_CHARS}]")


STRAY_INVISIBLE_WHY = ("it prints as nothing (or reorders what follows) but makes the words "
                       "around it other words to search, the glossary and the checks")
STRAY_INVISIBLE_HINT = "delete it: pasted in with the text, " + STRAY_INVISIBLE_WHY


def stray_invisibles(line: str) -> list[str]:
    """A description of each stray invisible character in ``line``, with its column."""
    return [f"invisible character U+{ord(found.group()):04X} "
            f"({unicodedata.name(found.group(), 'unnamed').lower()}) "
            f"at column {found.start() + 1}"
            for found in STRAY_INVISIBLE.finditer(line)]


# Left by editors and merge tools beside the templates, differing from machine to machine.
_LEFTOVER = re.compile(r"(~|\.sw[a-p]|\.bak|\.orig|\.rej|\.tmp)$|^#.*#$", re.IGNORECASE)


def not_a_template_file(parts: Sequence[str]) -> bool:
    """Whether a file under templates/ (its path's parts from there) is left out of the
    documents' inputs, and so may not be used by a template either: hidden files and
    folders (``.DS_Store``) and editors' leftovers (``brief.html~``, ``.swp``, ``.orig``)."""
    return any(part.startswith(".") for part in parts) or bool(_LEFTOVER.search(parts[-1]))


def bad_byte(data: bytes, exc: UnicodeDecodeError) -> tuple[str, int]:
    """The byte ``exc`` stopped at, as ``0xff``, and the line of ``data`` it is on."""
    return f"0x{data[exc.start]:02x}", data[:exc.start].count(b"\n") + 1


def looks_like_utf16(data: bytes) -> bool:
    """Whether ``data`` is UTF-16 text (a byte-order mark, or a zero byte beside most
    letters, as Windows Notepad's "Unicode" saves): reported as such, not as a stray
    byte or control character."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:400]
    return len(head) >= 4 and head.count(0) * 3 >= len(head)


def not_a_file(path: Path, wanted: str) -> str:
    """What is at ``path`` instead of ``wanted``, said so that it can be fixed."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except RuntimeError:  # Python 3.11 reports a loop so
            return "is a symbolic link that points back to itself"
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "is a symbolic link that points back to itself"
            return f"is a symbolic link to {path.readlink()}, which does not exist"
        if not target.is_file() and not target.is_dir():
            return f"is a symbolic link to {target}, which is not a regular file"
    if path.is_dir():
        return f"is a directory, not {wanted}"
    return f"is not a regular file (a pipe or device?), not {wanted}"
