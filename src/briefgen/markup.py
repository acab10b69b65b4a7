"""Turn the Markdown of content text fields into safe HTML, and say what in it is refused.

Content text is inline Markdown: emphasis, code and links to http(s) or mailto. Raw HTML,
images and other link schemes are refused when content is loaded (with the file and
line), and could not get through rendering anyway: the renderer's parser has raw HTML
off and validates every link again.
"""

from __future__ import annotations

import html
import re
import unicodedata
import urllib.parse

from markdown_it import MarkdownIt
from markdown_it.token import Token

SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)

# Used to render: CommonMark with raw HTML off ("js-default"), links limited to ours.
_RENDER = MarkdownIt("js-default")
_RENDER.validateLink = lambda url: bool(SAFE_LINK.match(url.strip()))  # type: ignore[method-assign]

# Used to find problems: raw HTML and every link kept as tokens so they can be named.
_INSPECT = MarkdownIt("commonmark", {"html": True})
_INSPECT.validateLink = lambda url: True  # type: ignore[method-assign]


# A host name's labels: letters, digits and inner hyphens (an internationalised name is
# written as typed, so any letter counts).
_HOST_LABEL = re.compile(r"(?!-)[^\W_](?:[\w-]*[^\W_])?\Z")


def web_address_problem(url: str) -> tuple[str, str] | None:
    """What is wrong with ``url`` as an http(s) address a reader follows or a QR code
    opens, and how to fix it; None when nothing is."""
    if not re.match(r"https?://", url, re.IGNORECASE):
        return "", "expected an address starting with https://"
    if any(c.isspace() or unicodedata.category(c).startswith("C") for c in url):
        # A reader's browser would cut the link at the space, or the PDF carry it broken.
        return (": it holds a space or an invisible character",
                "write a space as %20, or copy the address again from the browser's bar")
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if not host:
        return ": it names no host", "expected https://host/path"
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return ": its port is not a number from 0 to 65535", "expected https://host:443/path"
    if not host.startswith("[") and ":" not in host and not all(
            _HOST_LABEL.match(label) for label in host.removesuffix(".").split(".")):
        return (f": {host!r} is not a host name",
                "a host name is words of letters and digits joined by dots, such as "
                "example.org")
    return None


def render_inline(text: str) -> str:
    return str(_RENDER.renderInline(text))


def render_block(text: str) -> str:
    return str(_RENDER.render(text))


_TAG = re.compile(r"<[^>]*>")


def plain_text(text: str) -> str:
    """The text a reader sees of ``text``'s Markdown: "*Pak* &amp; Ri" reads "Pak & Ri"."""
    return html.unescape(_TAG.sub("", render_inline(text)))


def problems(text: str) -> list[str]:
    """What ``text`` uses that content may not: raw HTML, images, unsafe links."""
    found: list[str] = []

    def walk(tokens: list[Token]) -> None:
        for token in tokens:
            if token.type in ("html_inline", "html_block"):
                found.append(f"raw HTML {token.content.strip()[:40]!r} is not allowed "
                             "(write plain text or Markdown; HTML is never rendered)")
            elif token.type == "image":
                src = str(token.attrs.get("src", ""))
                found.append(f"image {src[:60]!r} is not allowed in text (briefs take no "
                             "images from content text)")
            elif token.type == "link_open":
                href = str(token.attrs.get("href", "")).strip()
                wrong = (web_address_problem(href)
                         if not href.lower().startswith("mailto:") else None)
                if not SAFE_LINK.match(href):
                    found.append(f"link {href[:60]!r} is not allowed (links must start "
                                 "with https://, http:// or mailto:)")
                elif wrong is not None:
                    found.append(f"link {href[:60]!r} is not a web address{wrong[0]} "
                                 f"({wrong[1]})")
            if token.children:
                walk(token.children)

    walk(_INSPECT.parse(text))
    return found


# Block syntax a reader would expect to be laid out, by the token that starts it.
_BLOCKS = {
    "heading_open": "a heading (#)",
    "bullet_list_open": "a bulleted list",
    "ordered_list_open": "a numbered list",
    "blockquote_open": "a quotation (>)",
    "fence": "a fenced code block",
    "code_block": "an indented code block",
    "hr": "a horizontal rule",
}


def block_syntax(text: str) -> list[str]:
    """The block Markdown ``text`` is written with, which content text (inline Markdown,
    rendered as one paragraph) prints as typed: "# Heading", "- item", "[1]: https://…".

    Only text of several lines is looked at for lists and headings: "2015. Nine were
    arrested" or "- 3 °C" on one line is more likely meant as written.
    """
    if "\n" not in text and "]:" not in text:
        return []
    env: dict[str, object] = {}
    tokens = _INSPECT.parse(text, env)
    found = list(dict.fromkeys(_BLOCKS[t.type] for t in tokens
                               if t.type in _BLOCKS and "\n" in text))
    if env.get("references"):
        found.append("a link reference definition ([label]: address)")
    return found
