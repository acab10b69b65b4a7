"""Turn a YAML file into a tree of located nodes whose scalars are all text.

We never let the YAML library decide types: every scalar arrives as the exact text the
author wrote, with its line, and the loader converts it according to the field's kind.
That makes the YAML 1.1 surprises (``NO`` -> false, ``1.10`` -> 1.1, ``010`` -> 8,
``1:20`` -> 80) impossible, and lets every later message point at a line.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ruamel.yaml.nodes import Node

from briefgen import __version__, code_digest
from briefgen.errors import BriefgenError, ContentError, together
from briefgen.files import (
    STRAY_INVISIBLE,
    STRAY_INVISIBLE_HINT,
    STRAY_INVISIBLE_WHY,
    bad_byte,
    looks_like_utf16,
    stray_invisibles,
    write_atomic,
)

MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class YScalar:
    text: str
    path: str
    line: int
    # True when the author quoted the value: '' and "" stay text even where a kind
    # would otherwise treat an empty plain value as "absent".
    quoted: bool = False


@dataclass(frozen=True)
class YSeq:
    items: tuple[YNode, ...]
    path: str
    line: int


@dataclass(frozen=True)
class YMap:
    # Keys in file order, each with the line it appears on.
    entries: tuple[tuple[YScalar, YNode], ...]
    path: str
    line: int
    _index: dict[str, YNode] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for key, value in self.entries:
            self._index.setdefault(key.text, value)

    def get(self, key: str) -> YNode | None:
        return self._index.get(key)

    def keys(self) -> list[YScalar]:
        return [k for k, _ in self.entries]


YNode = YScalar | YSeq | YMap


def read_yaml(file: Path, display: str, cache_dir: Path | None = None,
              problems: list[BriefgenError] | None = None) -> YNode | None:
    """Read ``file`` and return its located tree, or None for an empty document.

    ``display`` is the path shown in messages (relative to the project, usually). With
    ``cache_dir``, trees are kept there by the digest of the file's bytes: the YAML parser
    is pure Python and parsing a large case file is most of a no-op build's time.

    A stray invisible character (see ``briefgen.files.STRAY_INVISIBLE``) that leaves the
    file readable does not stop it being read: with ``problems``, each is added there and
    the tree is returned, so that the file's other problems are found in the same pass;
    without, they are raised. What makes the file unreadable is always raised.
    """
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise ContentError(f"cannot read file: {exc.strerror or exc}", path=display,
                           hint="check the file's permissions") from None
    if size > MAX_FILE_BYTES:
        raise ContentError(
            # In bytes as well: 2,100,000 bytes would read as "2.0 MB", within the limit.
            f"file is {size / 1024 / 1024:.1f} MB ({size:,} bytes); content files may be "
            f"at most {MAX_FILE_BYTES // 1024 // 1024} MB ({MAX_FILE_BYTES:,} bytes)",
            path=display,
            hint="split it into several files",
        )
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ContentError(f"cannot read file: {exc.strerror or exc}", path=display,
                           hint="check the file's permissions") from None
    cached = None
    if cache_dir is not None:
        # The version is part of the key: another briefgen may lay trees out differently.
        key = hashlib.sha256(f"{__version__}\0{code_digest()}\0{display}\0".encode()
                             + raw).hexdigest()
        cached = cache_dir / f"{key}.pickle"
        try:
            loaded = pickle.loads(cached.read_bytes())
            # The file's problems are kept with its tree: a second build must fail on
            # them as the first did, not pass on the tree alone.
            if (isinstance(loaded, tuple) and len(loaded) == 2
                    and (loaded[0] is None or isinstance(loaded[0], YNode))
                    and isinstance(loaded[1], tuple)
                    and all(isinstance(e, ContentError) for e in loaded[1])):
                _deliver(list(loaded[1]), problems)
                return loaded[0]
        except Exception:  # not cached yet, or damaged, or foreign: it only costs a parse
            pass
    tree, found = _decode_and_parse(raw, display)
    if cached is not None:
        _store(cached, (tree, tuple(found)))
    _deliver(found, problems)
    return tree


def _deliver(found: list[ContentError], problems: list[BriefgenError] | None) -> None:
    if problems is not None:
        problems.extend(found)
    elif found:
        raise together(found)


def _store(path: Path, entry: tuple[YNode | None, tuple[ContentError, ...]]) -> None:
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        write_atomic(path, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL),
                     durable=False)


def _decode_and_parse(raw: bytes, display: str) -> tuple[YNode | None, list[ContentError]]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if looks_like_utf16(raw):
        raise ContentError("file is saved as UTF-16, not UTF-8", path=display, line=1,
                           hint="save the file as UTF-8 (in Notepad: Save As, Encoding UTF-8)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte, line = bad_byte(raw, exc)
        raise ContentError(
            f"file is not valid UTF-8 (byte {byte})",
            path=display,
            line=line,
            hint="save the file as UTF-8",
        ) from None
    return _parse(text, display)


def parse_yaml(text: str, display: str,
               problems: list[BriefgenError] | None = None) -> YNode | None:
    """The located tree of ``text``; ``problems`` as for ``read_yaml``."""
    tree, found = _parse(text, display)
    _deliver(found, problems)
    return tree


def _parse(text: str, display: str) -> tuple[YNode | None, list[ContentError]]:
    """The tree of ``text`` and its stray invisible characters, which do not stop the
    reading; what does is raised, with them."""
    invisible = _check_lines(text, display)
    escaped: list[ContentError] = []
    try:
        tree = _tree(text, display, escaped)
    except ContentError as exc:
        # An invisible character where YAML's own syntax is (after a key's colon, say)
        # can be what broke the file: named with the error it caused.
        raise together([*invisible, *exc.each()]) from None
    return tree, [*invisible, *escaped]


def _tree(text: str, display: str, escaped: list[ContentError]) -> YNode | None:
    # Imported here: a build whose files are all in the cache never needs the parser.
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    # The safe composer: the round-trip one marks folded line breaks with U+0007.
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    try:
        node = yaml.compose(text)
    except RecursionError:
        raise _too_deep(display, None) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ContentError(
            f"YAML syntax error: {_in_plain_words(problem)}",
            path=display,
            line=line,
            hint="check indentation, colons and quotes on this line or the one above",
        ) from None
    except YAMLError as exc:
        raise ContentError(f"YAML syntax error: {exc}", path=display) from None
    if node is None:
        return None
    return _convert(node, display, set(), escaped)


# Content needs a handful of levels (a case, its facts, a fact's accounts, their
# sources); a limit far above that keeps a runaway file from exhausting the stack.
MAX_DEPTH = 64


def _too_deep(display: str, line: int | None) -> ContentError:
    return ContentError(f"lists and mappings nest more than {MAX_DEPTH} levels deep",
                        path=display, line=line,
                        hint="content needs a few levels; look for brackets or "
                             "indentation that never close")


_NOT_TEXT = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029]")


# What the YAML parser's commonest complaints mean for a file written by hand; its own
# words follow in brackets, for a search.
_PLAIN = (
    ("expected <block end>", "this line is indented differently from the lines around it "
                             "(the keys of one item, and the dashes of one list, must start "
                             "in the same column)"),
    ("mapping values are not allowed here", "a colon where none may be (a value that holds "
                                            "': ' must be quoted)"),
    ("could not find expected ':'", "a key without its colon, or a quote left open"),
    ("found unexpected end of stream", "the file ends inside a quote or a bracket"),
)


def _in_plain_words(problem: str) -> str:
    for start, meaning in _PLAIN:
        if problem.startswith(start):
            return f"{meaning} [YAML: {problem}]"
    return problem


def _check_lines(text: str, display: str) -> list[ContentError]:
    """The stray invisible characters of ``text``, which leave it readable; a control
    character or a tab indent is raised (with them), as YAML cannot read on past it."""
    # Every line is checked and every problem reported: a paste that brought in one
    # invisible character usually brought in more.
    problems: list[ContentError] = []
    invisible: list[ContentError] = []
    for number, line in enumerate(text.split("\n"), start=1):
        problems.extend(
            ContentError(
                f"invisible control character U+{ord(bad.group()):04X} at column "
                f"{bad.start() + 1}, after {_before(line, bad.start())}",
                path=display,
                line=number,
                hint="delete it; it is usually pasted in by accident",
            )
            for bad in _CONTROL.finditer(line))
        invisible.extend(ContentError(found, path=display, line=number,
                                      hint=STRAY_INVISIBLE_HINT)
                         for found in stray_invisibles(line))
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            problems.append(ContentError(
                "tab used for indentation",
                path=display,
                line=number,
                hint="YAML indents with spaces only; replace the tab with spaces",
            ))
    if problems:
        raise together([*problems, *invisible])
    return invisible


def _before(line: str, at: int) -> str:
    """The text just before column ``at``, quoted, to find the spot by eye."""
    text = _CONTROL.sub("", line[max(0, at - 30):at]).strip()
    return f"“{text}”" if text else "the start of the line"


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


# How a double-quoted scalar can write a stray invisible character: as itself, or as an
# escape (an escaped backslash is matched whole, so "\\u200b" is no escape).
_WRITTEN = re.compile(r"\\\\|\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|"
                      + STRAY_INVISIBLE.pattern)


def _escaped_invisibles(node: Node, value: str) -> list[str]:
    """The stray invisible characters of ``value`` (the scalar ``node``'s) that were
    written as escapes; the line check has named the others, where the file has them."""
    found = stray_invisibles(value)
    if not found or getattr(node, "style", None) != '"':
        return []  # only a double-quoted scalar has escapes
    start, end = node.start_mark, node.end_mark
    written = str(getattr(start, "buffer", "") or "")[start.index:end.index]
    kinds = []  # for each invisible character of the value in turn: an escape?
    for match in _WRITTEN.finditer(written):
        code = match.group(1) or match.group(2)
        if code is None:
            if match.group() != "\\\\":
                kinds.append(False)
        elif int(code, 16) < 0x110000 and STRAY_INVISIBLE.fullmatch(chr(int(code, 16))):
            kinds.append(True)
    if len(kinds) != len(found):
        return found  # read otherwise than expected: name them all rather than none
    return [what for what, is_escape in zip(found, kinds, strict=True) if is_escape]


def _convert(node: Node, display: str, seen: set[int], escaped: list[ContentError],
             depth: int = 0) -> YNode:
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if depth > MAX_DEPTH:
        raise _too_deep(display, _line(node))

    if getattr(node, "anchor", None) or id(node) in seen:
        # The composer shares the node object for every alias; refusing anchors and
        # repeats outright also disarms "billion laughs" expansion.
        raise ContentError(
            "YAML anchors and aliases (&name, *name) are not supported",
            path=display,
            line=_line(node),
            hint="write the value out in full, or refer to an item by its id",
        )
    if isinstance(node, ScalarNode):
        tag = str(node.tag or "")
        if tag and tag != "!" and not tag.startswith("tag:yaml.org,2002:"):
            raise ContentError(
                f"YAML tag {tag} is not supported",
                path=display,
                line=_line(node),
                hint="remove the tag; values are read as text",
            )
        value = str(node.value)
        bad = _NOT_TEXT.search(value)
        if bad:
            # Escapes such as "\ud800" or "\x07" in a quoted string produce characters
            # that no font draws and no file can encode.
            raise ContentError(
                f"the value contains U+{ord(bad.group()):04X}, which is not text",
                path=display,
                line=_line(node),
                hint="remove the escape sequence from the quoted string",
            )
        # Written as an escape ("\u200b" in a quoted string): the line check does not
        # see it. Collected, and the rest of the file read on, to report every one.
        escaped.extend(
            ContentError(f"the value holds an {invisible}, written as an escape",
                         path=display, line=_line(node),
                         hint="remove the escape sequence: " + STRAY_INVISIBLE_WHY)
            for invisible in _escaped_invisibles(node, value))
        return YScalar(value, display, _line(node), quoted=node.style in ("'", '"'))
    seen.add(id(node))
    if isinstance(node, SequenceNode):
        return YSeq(tuple(_convert(n, display, seen, escaped, depth + 1) for n in node.value),
                    display, _line(node))
    if isinstance(node, MappingNode):
        entries: list[tuple[YScalar, YNode]] = []
        firsts: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise ContentError(
                    "a mapping key must be a plain word",
                    path=display,
                    line=_line(key_node),
                )
            if key_node.tag == "tag:yaml.org,2002:merge" or key_node.value == "<<":
                raise ContentError(
                    "YAML merge keys (<<) are not supported",
                    path=display,
                    line=_line(key_node),
                    hint="write the keys out in full",
                )
            key = YScalar(str(key_node.value), display, _line(key_node))
            if key.text in firsts:
                raise ContentError(
                    f"duplicate key {key.text!r} (first given on line {firsts[key.text]})",
                    path=display,
                    line=key.line,
                    hint="YAML would silently keep only the last one; remove one of them",
                )
            firsts[key.text] = key.line
            converted = _convert(value_node, display, seen, escaped, depth + 1)
            if isinstance(converted, YScalar) and converted.text == "" and not converted.quoted:
                # YAML places a missing value where the next token starts, often the
                # next line; the author looks for it after its key.
                converted = replace(converted, line=key.line)
            entries.append((key, converted))
        return YMap(tuple(entries), display, _line(node))
    raise ContentError("unsupported YAML node", path=display, line=_line(node))
