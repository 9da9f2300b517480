"""Markdown to HTML: highlighted code, tables, footnotes, heading anchors, a table of contents."""

from __future__ import annotations

import functools
import itertools
import math
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from careerblog import fastmark
from careerblog.diagnostics import BuildError
from careerblog.fields import is_safe_url
from careerblog.parallel import MIN_ITEMS_PER_WORKER, Team
from careerblog.posts import Page, Post
from careerblog.shortcodes import ShortcodeCall, ShortcodeProblem, extract_shortcodes
from careerblog.timelimit import OutOfTime, time_limit
from careerblog.urls import link, slugify

if TYPE_CHECKING:
    import xml.etree.ElementTree as etree

    import markdown
    from markdown.extensions import Extension
    from pygments.lexer import Lexer

    from careerblog.cache import ConvertedCache

MORE = "<!--more-->"
WORDS_PER_MINUTE = 220
# Converting one document longer than this means a library never finishes on it (see timelimit.py); the
# longest real documents take well under a second.
CONVERT_SECONDS = 20.0
_WORD = re.compile(r"\w+")
_FIRST_PARAGRAPH = re.compile(r"<p>.*?</p>", re.S)
_FENCED = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[ \t]*$", re.S | re.M)
_TABLE = re.compile(r"<table>.*?</table>", re.S)


@dataclass(frozen=True, slots=True)
class LinkRef:
    """A link or image in a document that points inside the site, for checking."""

    target: str  # as written by the author
    line: int  # 1-based line in the document's body
    kind: str  # "link" or "image"


@dataclass(frozen=True, slots=True)
class Converted:
    """A Markdown document turned into HTML, with the shortcodes still to be expanded."""

    html: str
    toc_html: str
    headings: int
    summary_html: str
    reading_minutes: int
    words: int
    shortcodes: tuple[ShortcodeCall, ...]
    problems: tuple[ShortcodeProblem, ...]
    links: tuple[LinkRef, ...]


class ConversionStopped(Exception):
    """A document whose conversion was stopped at the time limit: its URL, the line of the code block being
    highlighted (0 when it is not known) and that block's language."""

    def __init__(self, page_url: str | None, line: int, language: str, seconds: float) -> None:
        super().__init__(page_url, line, language, seconds)
        self.page_url, self.line, self.language, self.seconds = page_url, line, language, seconds

    def __str__(self) -> str:
        if not self.line:
            return f"converting this document took more than {self.seconds:g} s and was stopped"
        name = f"{self.language} " if self.language else ""
        return (f"highlighting this {name}code block took more than {self.seconds:g} s and was stopped "
                f"(Pygments' lexer for it loops or backtracks on this code)")


class _StuckBlock(OutOfTime):
    """The time limit reached while a code block was highlighted: its code, when known, and its language."""

    def __init__(self, code: str | None, language: str) -> None:
        super().__init__(code, language)
        self.code, self.language = code, language

    def line_in(self, body: str) -> int:
        """The 1-based line of the block's opening fence in `body`; 0 when it cannot be found. Without the
        code (Python-Markdown's road), the first fence of the block's language."""
        if self.code is not None:
            at = body.find(self.code) if self.code.strip() else -1
            return body.count("\n", 0, at) if at > 0 else 0  # the fence is the line above the code
        fence = re.search(rf"^ {{0,3}}(?:`{{3,}}|~{{3,}})[ \t]*[{{.]*[ \t]*{re.escape(self.language)}\b", body, re.M)
        return body.count("\n", 0, fence.start()) + 1 if fence else 0


class _LinkState:
    """What the link processor of one renderer notes per document: the document's URL and its links."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []
        self.page_url: str | None = None  # the document's own URL, when known


def _link_extension(base_path: str, state: _LinkState) -> Extension:
    """A Markdown extension that puts root-relative links under the base path, drops script URLs, and notes
    internal targets; defined here so Python-Markdown is imported only when a document needs converting."""
    from markdown.extensions import Extension
    from markdown.treeprocessors import Treeprocessor

    class LinkProcessor(Treeprocessor):
        def run(self, root: etree.Element) -> None:
            for element in root.iter():
                attribute = "href" if element.tag == "a" else "src" if element.tag == "img" else None
                if attribute is None:
                    continue
                value = element.get(attribute)
                if value is None:
                    continue
                target = resolve_target(value, "image" if element.tag == "img" else "link", state.found,
                                        state.page_url, base_path)
                if target is None:
                    del element.attrib[attribute]
                    continue
                if element.tag == "img":
                    element.set("loading", "lazy")
                    element.set("decoding", "async")
                element.set(attribute, target)

    class LinkExtension(Extension):
        def extendMarkdown(self, md: markdown.Markdown) -> None:  # Python-Markdown names it so
            md.treeprocessors.register(LinkProcessor(md), "careerblog_links", 1)

    return LinkExtension()


def resolve_target(value: str, kind: str, found: list[tuple[str, str]], page_url: str | None,
                   base_path: str) -> str | None:
    """A link's or image's URL as the page writes it: None for a script URL (dropped), a site path under
    the base path, a relative one rebased on `page_url`. Targets inside the site are noted in `found`."""
    if not is_safe_url(value):
        return None
    if value.startswith("/") and not value.startswith("//"):
        found.append((value, kind))
        return link(value, base_path)
    if value and not value.startswith("#") and ":" not in value.split("/", 1)[0]:
        found.append((value, kind))
        # A summary shows on the home, archive and tag pages too: a relative link must work there.
        rebased = _rebase(value, page_url) if page_url is not None else None
        if rebased is not None:
            return link(rebased, base_path)
    return value


def _rebase(value: str, page_url: str) -> str | None:
    """A relative link written in the document at `page_url`, as a site-relative URL; None if it leaves the site."""
    parts = urlsplit(value)
    joined = posixpath.normpath(posixpath.join(page_url, parts.path)) if parts.path else page_url
    if joined == ".":
        joined = ""
    if joined == ".." or joined.startswith("../"):
        return None
    if parts.path.endswith(("/", "/.", "/..", ".", "..")) and joined and not joined.endswith("/"):
        joined += "/"
    return joined + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _formatter_factory() -> Callable[..., Any]:
    """Pygments formatters made once per set of options: building one computes a whole stylesheet,
    which cost a tenth of the conversion time when codehilite made a new one for every code block."""
    from pygments.formatters import HtmlFormatter

    class Formatter(HtmlFormatter):  # type: ignore[type-arg]
        def format(self, tokensource: Any, outfile: Any) -> None:
            try:
                super().format(tokensource, outfile)  # the lexer runs as the tokens are taken
            except _StuckBlock:
                raise
            except OutOfTime as stopped:  # codehilite's own call: the language is all there is to know
                raise _StuckBlock(None, str(self.options.get("lang_str", "")).removeprefix(_LANG_PREFIX)) from stopped

    made: dict[str, Any] = {}

    def formatter(**options: Any) -> Any:
        key = repr(sorted(options.items()))
        if key not in made:
            made[key] = Formatter(**options)
        return made[key]

    return formatter


def _heading_slug(value: str, separator: str) -> str:
    return slugify(value)


# How code blocks are highlighted, on both roads: Python-Markdown's codehilite is configured with these, and the
# fast road passes Pygments the options CodeHilite makes of them (tests/test_markup.py holds the two equal).
_CODEHILITE = {"css_class": "highlight", "guess_lang": False, "use_pygments": True, "wrapcode": True}
_PYGMENTS_OPTIONS = {"style": "default", "noclasses": False, "wrapcode": True, "linenos": None, "cssclass": "highlight",
                     "full": False}
_LANG_PREFIX = "language-"


class MarkdownRenderer:
    """One configured Python-Markdown instance, reused document after document (reset between), and the
    fast path (fastmark.py) for documents that both render alike; `fast=False` turns that off.

    Python-Markdown and its extensions (15 ms to import) are loaded for the first document the fast path
    does not take, so a process whose documents all take it never loads them."""

    def __init__(self, base_path: str, fast: bool = True, seconds: float | None = None) -> None:
        self.base_path = base_path
        self.seconds = CONVERT_SECONDS if seconds is None else seconds  # each document's time limit
        self._links = _LinkState()
        self._formatter = _formatter_factory()
        self._markdown: markdown.Markdown | None = None
        self._fast: fastmark.FastRenderer | None = None
        if fast:
            try:
                self._fast = fastmark.FastRenderer(base_path, self._highlighter())
            except ImportError:  # pyromark missing on this platform: Python-Markdown converts everything
                self._fast = None

    @property
    def _md(self) -> markdown.Markdown:
        if self._markdown is None:
            self._markdown = self._python_markdown()
        return self._markdown

    def _python_markdown(self) -> markdown.Markdown:
        import markdown
        from markdown.extensions.abbr import AbbrExtension
        from markdown.extensions.admonition import AdmonitionExtension
        from markdown.extensions.attr_list import AttrListExtension
        from markdown.extensions.codehilite import CodeHiliteExtension
        from markdown.extensions.def_list import DefListExtension
        from markdown.extensions.fenced_code import FencedCodeExtension
        from markdown.extensions.footnotes import FootnoteExtension
        from markdown.extensions.md_in_html import MarkdownInHtmlExtension
        from markdown.extensions.sane_lists import SaneListExtension
        from markdown.extensions.tables import TableExtension
        from markdown.extensions.toc import TocExtension

        # Instances, not names: Python-Markdown looks every name up among all installed packages' entry
        # points first (importlib.metadata), which cost each process 20 ms before converting anything.
        return markdown.Markdown(
            extensions=[
                FencedCodeExtension(),
                CodeHiliteExtension(**_CODEHILITE, pygments_formatter=self._formatter),
                TableExtension(),
                FootnoteExtension(BACKLINK_TITLE="Back to reference %d"),
                TocExtension(permalink="#", permalink_class="anchor", permalink_title="Link to this section",
                             slugify=_heading_slug, toc_depth="2-4"),
                SaneListExtension(), AttrListExtension(), DefListExtension(), AbbrExtension(),
                MarkdownInHtmlExtension(), AdmonitionExtension(), _link_extension(self.base_path, self._links),
            ],
            output_format="html",
        )

    def _highlighter(self) -> Callable[[str, str], str]:
        """Code highlighted exactly as codehilite does it with `_CODEHILITE` (CodeHilite.hilite with
        guess_lang off), each language's lexer class looked up once and its rules joined (lexing.accelerate),
        the tokens written by codehtml, or by HtmlFormatter for options codehtml does not write."""
        from pygments import highlight as pygments_highlight
        from pygments.lexers import get_lexer_by_name

        from careerblog.codehtml import writer_for
        from careerblog.lexing import accelerate

        formatter = self._formatter
        # Made for the first code block, not before: it builds an HtmlFormatter to compare with, a millisecond.
        writer = functools.cache(lambda: writer_for(_PYGMENTS_OPTIONS))
        lexers: dict[str, type[Lexer]] = {}

        def highlight(code: str, language: str) -> str:
            kind = lexers.get(language)
            if kind is None:
                try:
                    kind = type(get_lexer_by_name(language, **_PYGMENTS_OPTIONS))
                except ValueError:  # no such language: plain text, as codehilite does without guessing
                    kind = type(get_lexer_by_name("text", **_PYGMENTS_OPTIONS))
                lexers[language] = kind
            lexer = accelerate(kind(**_PYGMENTS_OPTIONS))
            code = code.strip("\n")
            write = writer()
            try:
                if write is not None:  # the tokens pygments.highlight would format
                    return write(lexer.get_tokens(code))
                name = language or lexer.aliases[0]
                return str(pygments_highlight(code, lexer,
                                              formatter(lang_str=f"{_LANG_PREFIX}{name}", **_PYGMENTS_OPTIONS)))
            except _StuckBlock:
                raise
            except OutOfTime as stopped:
                raise _StuckBlock(code, language) from stopped

        return highlight

    def _convert_fast(self, text: str, page_url: str | None) -> tuple[str, str, int] | None:
        """(html, table of contents, headings) from the fast path, or None when the text is not for it."""
        if self._fast is None or not fastmark.eligible(text):
            return None
        try:
            html, headings, found = self._fast.render(text, page_url)
        except Exception:  # fastmark.Unsupported, or any surprise from pyromark: Python-Markdown renders it the same
            return None
        self._links.found = found
        return html, fastmark.toc_html(headings) if len(headings) >= 2 else "", len(headings)

    def convert(self, body: str, page_url: str | None = None) -> Converted:
        """`body` as HTML; ConversionStopped when that takes longer than the renderer's time limit."""
        try:
            with time_limit(self.seconds):
                return self._convert(body, page_url)
        except _StuckBlock as stuck:
            raise ConversionStopped(page_url, stuck.line_in(body), stuck.language, self.seconds) from None
        except OutOfTime:
            raise ConversionStopped(page_url, 0, "", self.seconds) from None

    def _convert(self, body: str, page_url: str | None) -> Converted:
        text, calls, problems = extract_shortcodes(body)
        self._links.found = []
        self._links.page_url = page_url
        fast = self._convert_fast(text, page_url)
        if fast is not None:
            raw, toc_html, headings = fast
            html = _keyboard_scrollable(raw)
        else:
            md = self._md
            md.reset()
            html = _keyboard_scrollable(md.convert(text))
            toc_tokens = getattr(md, "toc_tokens", [])
            headings = _count_headings(toc_tokens)
            toc_html = getattr(md, "toc", "") if headings >= 2 else ""
        summary = html.split(MORE, 1)[0] if MORE in html else ""
        if not summary:
            first = _FIRST_PARAGRAPH.search(html)
            summary = first.group(0) if first else ""
        prose = _FENCED.sub(" ", body)
        words = len(_WORD.findall(prose))
        return Converted(
            html=html.replace(MORE, ""),
            toc_html=toc_html,
            headings=headings,
            summary_html=summary,
            reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
            words=words,
            shortcodes=calls,
            problems=problems,
            links=_locate(self._links.found, body),
        )


def _keyboard_scrollable(html: str) -> str:
    """Code and tables may scroll sideways on a phone; a keyboard must reach them too (WCAG 2.1.1)."""
    html = html.replace('<div class="highlight"><pre>', '<div class="highlight"><pre tabindex="0">')
    numbers = itertools.count(1)  # a landmark's label must be unique on its page

    def wrap(table: re.Match[str]) -> str:
        label = f"Table {next(numbers)}"
        return f'<div class="table-scroll" tabindex="0" role="region" aria-label="{label}">{table.group(0)}</div>'

    return _TABLE.sub(wrap, html)


def _count_headings(tokens: list[dict[str, Any]]) -> int:
    return sum(1 + _count_headings(t.get("children", [])) for t in tokens)


def _locate(found: list[tuple[str, str]], body: str) -> tuple[LinkRef, ...]:
    """Find the line where each link stands in the source, searching forward from the previous one."""
    refs: list[LinkRef] = []
    position = 0
    for target, kind in found:
        index = body.find(target, position)
        if index < 0:
            index = body.find(target)
        if index >= 0:
            position = index + len(target)
        line = body.count("\n", 0, index) + 1 if index >= 0 else 1
        refs.append(LinkRef(target, line, kind))
    return tuple(refs)


# What besides the body decides a document's HTML; part of every cache key, so a change here drops old entries.
RENDER_SETTINGS = "fenced_code codehilite(highlight,wrapcode) tables footnotes toc(2-4,#) sane_lists attr_list " \
                  "def_list abbr md_in_html admonition links(v1)"


Job = tuple[str, str]  # a document's body and URL: all that decides its HTML


class DocumentConverter:
    """Converts a site's documents: from the cache when it holds the same body at the same URL (relative
    links are rebased on it), else with MarkdownRenderer, over up to `jobs` processes.

    With `early`, the workers fork at once and set up their renderers (importing Python-Markdown, Pygments
    and pyromark) while this process reads the sources, and each document `offer`ed as it is read goes to
    a worker that has nothing to do. Without, they fork on `submit`, and only when there are enough
    documents to pay for it. `submit` hands out the rest; this process may do other work before it calls
    `results`, and then takes what is left. `renderers` keeps configured renderers between the builds of
    one process (by base path).
    """

    def __init__(self, base_path: str, jobs: int, cache: ConvertedCache | None = None,
                 renderers: dict[str, MarkdownRenderer] | None = None, early: bool = False) -> None:
        self.base_path = base_path
        self._jobs = jobs
        self.cache = cache
        self._renderers = renderers if renderers is not None else {}
        self._team: Team[Job, Converted] | None = Team(jobs, self._converter) if early else None
        self._offered: dict[str, Job] = {}  # by source path; their results come first, in this order
        self._cached: dict[str, tuple[Job, Converted]] = {}  # documents offered that the cache holds
        self._items: tuple[Post | Page, ...] = ()
        self._found: dict[str, Converted] = {}
        self._missing: list[Post | Page] = []

    def __enter__(self) -> DocumentConverter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._team is not None:
            self._team.close()

    def _converter(self) -> Callable[[Job], Converted]:
        if self.base_path not in self._renderers:  # made where it is used: in a worker, or once in this process
            self._renderers[self.base_path] = MarkdownRenderer(self.base_path)
        renderer = self._renderers[self.base_path]
        return lambda job: renderer.convert(*job)

    def offer(self, item: Post | Page) -> None:
        """A document just read: a worker with nothing to do starts on it now, unless the cache has it."""
        if self._team is None or item.source in self._offered:
            return
        job = (item.body, item.url)
        hit = self.cache.get(*job) if self.cache is not None else None
        if hit is not None:
            self._cached[item.source] = (job, hit)
        elif self._team.offer(job):
            self._offered[item.source] = job

    def submit(self, items: tuple[Post | Page, ...]) -> None:
        """Look `items` up in the cache and hand the rest to the workers; returns without waiting for them."""
        self._items = items
        for item in items:
            job = (item.body, item.url)
            if self._offered.get(item.source) == job:
                continue  # on its way; a document offered and then dropped (a draft) is converted for nothing
            known = self._cached.get(item.source)
            if known is not None and known[0] == job:
                hit: Converted | None = known[1]
            else:
                hit = self.cache.get(*job) if self.cache is not None else None
            if hit is None:
                self._missing.append(item)
            else:
                self._found[item.source] = hit
        jobs = [(item.body, item.url) for item in self._missing]
        if self._team is None:
            self._team = Team(min(self._jobs, len(jobs) // MIN_ITEMS_PER_WORKER), self._converter, jobs)
        self._team.submit(jobs)

    def results(self) -> dict[str, Converted]:
        """Every document converted, keyed by source path, in the order submitted; new ones go into the cache.

        The converter keeps none of them: the caller frees each document's HTML once it has used it.
        """
        if self._team is None:
            raise RuntimeError("DocumentConverter.results() before submit()")
        try:
            done = self._team.collect()
        except ConversionStopped as stopped:
            raise _located(stopped, self._items, self._offered) from None
        found, self._found = self._found, {}
        jobs = [*self._offered.items(), *((item.source, (item.body, item.url)) for item in self._missing)]
        wanted = {item.source for item in self._items}
        for (source, (body, url)), doc in zip(jobs, done, strict=True):
            if source in wanted:
                found[source] = doc
                if self.cache is not None:
                    self.cache.put(body, url, doc)
        items, self._items, self._missing, self._offered, self._cached = self._items, (), [], {}, {}
        return {item.source: found[item.source] for item in items}


def _located(stopped: ConversionStopped, items: tuple[Post | Page, ...], offered: dict[str, Job]) -> BuildError:
    """The stopped document's error at its file and line. A document offered while the sources were read and
    dropped since (its record is gone) is named by its file alone."""
    hint = ("mark the block as another language (```text shows it without highlighting)" if stopped.line else
            "something in it keeps Python-Markdown or Pygments busy, such as a long run of unclosed brackets")
    item = next((item for item in items if item.url == stopped.page_url), None)
    if item is not None:
        line = item.body_line + stopped.line - 1 if stopped.line else None
        return BuildError.single(item.source, line, str(stopped), hint)
    source = next((source for source, (_, url) in offered.items() if url == stopped.page_url), None)
    return BuildError.single(source or f"the document at /{stopped.page_url or ''}", None, str(stopped), hint)


def highlight_stylesheet(light: str = "default", dark: str = "github-dark") -> str:
    """Pygments colours for code: one style for light pages, one for dark, switched by the media query."""
    from pygments.formatters import HtmlFormatter

    light_css: str = HtmlFormatter(style=light).get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    dark_css: str = HtmlFormatter(style=dark).get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    dark_block = "\n".join("  " + line for line in dark_css.splitlines())
    return f"/* Generated by careerblog from Pygments styles {light!r} and {dark!r}. */\n{light_css}\n" \
           f"@media (prefers-color-scheme: dark) {{\n{dark_block}\n}}\n"
