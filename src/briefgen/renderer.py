"""Turn a localized view into HTML through the project's Jinja2 templates.

Every template is autoescaped whatever its file extension, and an undefined variable is
an error, not an empty string. Markdown from content is rendered with raw HTML disabled
and links limited to http(s) and mailto.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
from babel.messages.extract import extract_from_file
from markupsafe import Markup

from briefgen.catalogs import MARK_PATTERN, Translator
from briefgen.errors import BriefgenError, ProblemReport, RenderError
from briefgen.files import bad_byte, not_a_template_file
from briefgen.linebreak import CSS as LINEBREAK_CSS
from briefgen.linebreak import transform as transform_html
from briefgen.markup import render_block, render_inline
from briefgen.messages import Message
from briefgen.model import Origin
from briefgen.qrcode import qr_svg_data_uri
from briefgen.view import BriefView, HandoutView

TEMPLATE_FILES = {"brief": "brief.html", "handout": "handout.html"}
PAPER_SIZES = {"a4": "A4", "letter": "letter"}


def markdown_inline(text: str) -> Markup:
    """Inline Markdown (emphasis, code, links) to safe HTML."""
    # str() makes a StrictUndefined raise here, naming the variable, instead of
    # markdown-it failing on a non-string.
    return Markup(render_inline(str(text)))  # safe: markdown-it escapes; raw HTML is off


def markdown_block(text: str) -> Markup:
    return Markup(render_block(str(text)))


def css_counter_label(pattern: str) -> Markup:
    """Turn "Page {page} of {pages}" into a CSS ``content`` value with page counters."""
    parts: list[str] = []
    for piece in re.split(r"(\{page\}|\{pages\})", str(pattern)):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_quote(piece))
    return Markup(" ".join(parts))  # safe: pieces are quoted CSS strings


def css_string(text: str) -> Markup:
    """Quote text as a CSS string (for generated content in @page margin boxes)."""
    return Markup(_css_quote(str(text)))  # safe: quoted and escaped for CSS


def _css_quote(text: str) -> str:
    # "<" is escaped too, so that a string stays safe if a template puts it in a <style>
    # element, where "</style>" in content would otherwise end it.
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
               .replace("<", "\\3C "))
    return f'"{escaped}"'


# The filters templates may use, in rendering and in template_syntax_errors alike.
FILTERS: dict[str, Callable[..., Any]] = {
    "md": markdown_inline,
    "md_block": markdown_block,
    "css_counter_label": css_counter_label,
    "css_string": css_string,
    "qr_data_uri": qr_svg_data_uri,
}


_CHANGING_METHOD = re.compile(r"^'(tuple|frozenset|mappingproxy) object' has no attribute "
                              r"'(append|extend|insert|pop|remove|sort|reverse|clear|add|"
                              r"update|discard|setdefault|popitem)'$")


class _TemplatesOnly(jinja2.FileSystemLoader):
    """Templates from ``templates/`` only: a link out of it (``outside.html`` pointing at
    a file elsewhere on the machine) would print that file into a document, and a
    hidden file is not recorded among a document's inputs."""

    def __init__(self, templates_dir: Path) -> None:
        super().__init__(templates_dir)
        self.root = templates_dir.resolve()

    def get_source(self, environment: jinja2.Environment, template: str,
                   ) -> tuple[str, str, Callable[[], bool]]:
        if not_a_template_file(template.split("/")):
            raise RenderError(f"template {template!r} is a hidden file or an editor's "
                              "leftover", path=f"templates/{template}",
                              hint="rename it (no leading dot, no ~, .bak, .orig or .swp "
                                   "ending): such files are not recorded among a "
                                   "document's inputs")
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.root):
            raise RenderError(
                f"template {template!r} is a link to {Path(filename).resolve()}, outside "
                "templates/", path=f"templates/{template}",
                hint="copy the file into templates/: a template may include only files "
                     "there")
        # Windows editors save UTF-8 with a byte-order mark; in a stylesheet it would
        # become part of the first selector, which WeasyPrint then refuses.
        return source.removeprefix("\ufeff"), filename, uptodate


class _Undefined(jinja2.StrictUndefined):
    """StrictUndefined that also refuses to be shown inside a list: ``{{ view.facts|
    map(attribute='__class__')|list }}`` printed "[Undefined]" where the sandbox had
    refused the attribute, since a list shows its items by repr."""

    __repr__ = jinja2.StrictUndefined._fail_with_undefined_error


def _environment(templates_dir: Path) -> jinja2.Environment:
    """The templates' environment, without translations: rendering installs a locale's,
    template_syntax_errors none.

    Sandboxed: a template reads the view and calls the filters, and nothing else (no
    ``''.__class__.__mro__`` to reach Python, no ``list.append`` to alter the view), since
    a content repository may take templates from contributors as it takes content."""
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=_TemplatesOnly(templates_dir),
        autoescape=True,
        undefined=_Undefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def _for_templates(view: BriefView | HandoutView) -> BriefView | HandoutView:
    if isinstance(view, HandoutView):
        return replace(view, restricted_texts=(), texts={})
    return replace(view, restricted_texts=(), texts=())


def _space(locale: str) -> str:
    return "" if locale.split("-")[0] in ("zh", "ja") else " "


def _newstyle(func: Callable[..., str]) -> Callable[..., str]:
    """``func`` (a gettext or pgettext) as the installed ``_()`` and ``pgettext()`` are
    called in templates, for gettext_in and pgettext_in: placeholders filled from keyword
    arguments, the translation escaped unless marked safe (Jinja2's own wrappers are
    private)."""
    @jinja2.pass_context
    def translated(context: jinja2.runtime.Context, /, *args: str, **variables: Any) -> str:
        text = str(context.call(func, *args))
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return translated


@dataclass(frozen=True)
class Rendered:
    html: str
    css: str
    css_origin: str  # the stylesheet's template, as messages name it: templates/brief.css
    # Whether line N of ``css`` is line N of that template, so that messages may name
    # lines: not when an include, a multi-line comment or value shifted them, nor when
    # the CSS @imports another file (whose rules WeasyPrint reports at their own lines).
    css_keeps_lines: bool


class Renderer:
    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = templates_dir
        self._envs: dict[str, jinja2.Environment] = {}
        self._css_envs: dict[str, jinja2.Environment] = {}

    def environment(self, translator: Translator) -> jinja2.Environment:
        env = self._envs.get(translator.locale)
        if env is None:
            env = _environment(self.templates_dir)
            env.install_gettext_callables(  # type: ignore[attr-defined]
                translator.gettext, translator.ngettext, newstyle=True,
                pgettext=translator.pgettext)
            self._envs[translator.locale] = env
        return env

    def render(self, kind: str, view: BriefView | HandoutView, translator: Translator, *,
               paper: str, build_stamp: str, scale: float = 10.0, fit: int = 0,
               others: Sequence[Translator] = ()) -> Rendered:
        """``translator`` is the document's language; ``others`` those of a handout's
        other columns, whose labels a template translates with ``gettext_in``. ``scale``
        (a handout's base type size) and ``fit`` (a brief's tightness, 0 as designed)
        are the template's to honour."""
        given = {t.locale for t in (translator, *others)}
        if isinstance(view, HandoutView) and not {c.locale for c in view.columns} <= given:
            # A caller's mistake, not the content's: every column needs its labels.
            raise ValueError(f"render a handout with a translator for each of its columns "
                             f"({', '.join(c.locale for c in view.columns)}), not "
                             f"{', '.join(sorted(given))}")
        env = self.environment(translator)
        name = TEMPLATE_FILES[kind]
        context: dict[str, Any] = {
            # Without what the checks need and no template may print: the text of every
            # restricted item (a template that spelt it out letter by letter would get it
            # past the leak check) and the font coverage list.
            "view": _for_templates(view),
            # {% set _ = gettext_in[locale] %} in a loop: that language's labels, still
            # written _("…") so that extraction finds them.
            "gettext_in": {t.locale: _newstyle(t.gettext) for t in (translator, *others)},
            "pgettext_in": {t.locale: _newstyle(t.pgettext) for t in (translator, *others)},
            "paper": PAPER_SIZES[paper],
            "stamp": build_stamp,
            "scale": scale,
            "fit": fit,
            # Chinese and Japanese put no space between sentences or around full-width
            # punctuation; where a template joins two pieces of text that other languages
            # separate with a space, it writes {{ space }} ({{ space_in[locale] }} in a
            # handout's column).
            "space": _space(translator.locale),
            "space_in": {t.locale: _space(t.locale) for t in (translator, *others)},
        }
        # Korean words across elements kept whole, note references kept with the word
        # before them, untranslated text marked (briefgen.linebreak); the text itself is
        # unchanged. The spans' rule is added here, so no template can lose it.
        html = transform_html(self._render(env, name, context))
        # The stylesheet keeps its template's line numbers (no block tag swallows its
        # line), so that a rule WeasyPrint rejects is reported at its line in the file.
        css_env = self._css_envs.get(translator.locale)
        if css_env is None:
            css_env = env.overlay(trim_blocks=False, lstrip_blocks=False)
            self._css_envs[translator.locale] = css_env
        css_name = f"{kind}.css"
        # A label in the stylesheet (a running header, "Page 1 of 8") that a locale
        # with the `mark` policy prints in English carries the untranslated marks:
        # generated content cannot hold the marking span, so the marks go.
        own_css = MARK_PATTERN.sub("", self._render(css_env, css_name, context))
        source = css_env.loader.get_source(css_env, css_name)[0]  # type: ignore[union-attr]
        keeps_lines = (own_css.count("\n") == source.count("\n")
                       and "@import" not in own_css.lower())
        return Rendered(html, own_css + "\n" + LINEBREAK_CSS + "\n",
                        self._display(str(self.templates_dir / css_name)), keeps_lines)

    def _render(self, env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
        try:
            return env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(f"template syntax error: {exc.message}",
                              path=self._display(exc.filename or name), line=exc.lineno,
                              hint="fix the template tag on this line") from None
        except jinja2.UndefinedError as exc:
            path, line = _template_frame(self.templates_dir)
            message = exc.message or ""
            if _CHANGING_METHOD.search(message):
                # The view's lists are tuples, which have no append: said as what it is.
                raise RenderError(f"template tried to change a value: {message}",
                                  path=path or f"templates/{name}", line=line,
                                  hint="templates read the view and cannot change it; "
                                       "build the list in the template with a filter "
                                       "(e.g. |list, |select) or a {% set %}") from None
            raise RenderError(f"undefined template variable: {message}",
                              path=path or f"templates/{name}", line=line,
                              hint="check the variable name against the view "
                                   "(src/briefgen/view.py)") from None
        except jinja2.TemplateNotFound as exc:
            raise RenderError(f"template {exc.name!r} not found",
                              path=f"templates/{name}",
                              hint="restore the template or fix the include") from None
        except jinja2.exceptions.SecurityError as exc:
            path, line = _template_frame(self.templates_dir)
            raise RenderError(f"template reached outside its values: {exc}",
                              path=path or f"templates/{name}", line=line,
                              hint="templates may read the view's fields and call the "
                                   "filters only; names starting with '_' and methods "
                                   "that change a value are refused") from None
        except BriefgenError:
            raise
        except Exception as exc:
            # An expression that fails on these values ({{ 1 // 0 }}, a macro calling
            # itself): the template's mistake, at its line, not a crash of briefgen.
            path, line = _template_frame(self.templates_dir)
            reason = ("the template calls itself without end" if isinstance(exc, RecursionError)
                      else f"{type(exc).__name__}: {exc}")
            raise RenderError(f"template failed while rendering: {reason}",
                              path=path or f"templates/{name}", line=line,
                              hint="fix the expression on this line") from None

    def _display(self, filename: str) -> str:
        path = Path(filename)
        try:
            return path.resolve().relative_to(self.templates_dir.resolve().parent).as_posix()
        except ValueError:
            return filename


def _template_frame(templates_dir: Path) -> tuple[str | None, int | None]:
    """The template file and line where the exception currently handled was raised."""
    tb = sys.exc_info()[2]
    found: tuple[str | None, int | None] = (None, None)
    root = templates_dir.resolve()
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        path = Path(filename)
        if path.suffix in (".html", ".css") and root in path.resolve().parents:
            found = (path.resolve().relative_to(root.parent).as_posix(), tb.tb_lineno)
        tb = tb.tb_next
    return found


# Tags that open a block closed by end<tag>; "set" only when it has no "=" (a block set).
_BLOCK_TAGS = frozenset({"if", "for", "block", "macro", "call", "filter", "with", "set",
                         "trans", "autoescape", "raw"})


def _unclosed_block(env: jinja2.Environment, source: str) -> tuple[str, int] | None:
    """The innermost block ``source`` opens and never closes, and its line: Jinja reports
    one at the end of the template, far from the tag to fix."""
    opened: list[tuple[str, int]] = []
    tag: tuple[str, int] | None = None  # the tag being read, until its %}
    assigns = False
    try:
        for line, kind, value in env.lex(source):
            if kind == "block_begin":
                tag, assigns = None, False
            elif kind == "name" and tag is None:
                tag = (value, line)
            elif kind == "operator" and value == "=":
                assigns = True
            elif kind == "block_end" and tag is not None:
                name = tag[0]
                if name.startswith("end") and opened and opened[-1][0] == name[3:]:
                    opened.pop()
                elif name in _BLOCK_TAGS and not (name == "set" and assigns):
                    opened.append(tag)
                tag = None
    except jinja2.TemplateSyntaxError:
        return None
    return opened[-1] if opened else None


def template_syntax_errors(templates_dir: Path) -> list[RenderError]:
    """Every problem a build would meet compiling the templates, found without rendering
    them (``briefgen validate``; a build finds them one at a time, as it renders): a
    template missing, a syntax error, an unknown filter or test, an include, import or
    extends of a file that does not exist."""
    env = _environment(templates_dir)
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    errors = []
    required = {*TEMPLATE_FILES.values(), *(f"{kind}.css" for kind in TEMPLATE_FILES)}
    for name in sorted(required):
        if (templates_dir / name).is_dir():
            errors.append(RenderError("is a directory, not a template",
                                      path=f"{templates_dir.name}/{name}",
                                      hint="move the directory away and restore the file"))
        elif not (templates_dir / name).is_file():
            errors.append(RenderError("template missing", path=f"{templates_dir.name}/{name}",
                                      hint="restore it: every document kind needs its "
                                           ".html and its .css"))
    for file in sorted(templates_dir.iterdir()):
        if file.suffix not in (".html", ".css") or not file.is_file():
            continue
        shown = f"{templates_dir.name}/{file.name}"
        try:
            source = file.read_text(encoding="utf-8").removeprefix("\ufeff")
            tree = env.parse(source, file.name, shown)
            env.compile(tree, file.name, shown)  # unknown filters and tests fail here
        except jinja2.TemplateAssertionError as exc:
            errors.append(RenderError(
                f"template error: {exc.message}", path=shown, line=exc.lineno,
                hint="templates may use Jinja's own filters and tests and briefgen's "
                     + ", ".join(sorted(FILTERS))))
            continue
        except jinja2.TemplateSyntaxError as exc:
            unclosed = (_unclosed_block(env, source) if exc.message
                        and exc.message.startswith("Unexpected end of template") else None)
            if unclosed is not None:
                name, line = unclosed
                errors.append(RenderError(
                    f"template syntax error: the {{% {name} %}} block opened on this line "
                    "is never closed", path=shown, line=line,
                    hint=f"add {{% end{name} %}} where the block ends"))
            else:
                errors.append(RenderError(f"template syntax error: {exc.message}",
                                          path=shown, line=exc.lineno,
                                          hint="fix the template tag on this line"))
            continue
        except UnicodeDecodeError as exc:
            byte, line = bad_byte(file.read_bytes(), exc)
            errors.append(RenderError(f"template is not UTF-8 (byte {byte}: {exc.reason})",
                                      path=shown, line=line, hint="save it as UTF-8"))
            continue
        for node in tree.find_all((jinja2.nodes.Include, jinja2.nodes.Extends,
                                   jinja2.nodes.Import, jinja2.nodes.FromImport)):
            target = getattr(node, "template", None)
            if (isinstance(target, jinja2.nodes.Const) and isinstance(target.value, str)
                    and not (templates_dir / target.value).is_file()
                    and not getattr(node, "ignore_missing", False)):
                errors.append(RenderError(
                    f"template {target.value!r} not found", path=shown, line=node.lineno,
                    hint=f"add {templates_dir.name}/{target.value} or fix the name"))
    return errors


def extract_template_messages(templates_dir: Path) -> Iterator[Message]:
    """The gettext messages used by the templates (Babel's Jinja2 extractor).

    Raises a ``ProblemReport`` of :func:`template_syntax_errors` first: Babel's extractor
    stops quietly at a syntax error, and a catalog updated from the messages before it
    would lose every translation after it.
    """
    errors = template_syntax_errors(templates_dir)
    if errors:
        raise ProblemReport(errors)
    for file in sorted(templates_dir.iterdir()):
        if file.suffix not in (".html", ".css") or not file.is_file():
            continue
        shown = f"{templates_dir.name}/{file.name}"
        for lineno, message, _comments, context in extract_from_file(
                "jinja2.ext:babel_extract", str(file),
                options={"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                         "lstrip_blocks": "true"}):
            # ngettext gives (singular, plural, None): the None stands for the count.
            msgid = message[0] if isinstance(message, tuple) else message
            plural = message[1] if isinstance(message, tuple) and len(message) > 1 else None
            if msgid:
                yield Message(context or "", msgid, Origin(shown, lineno), "templates",
                              plural=plural if isinstance(plural, str) else "")
