"""fastmark: a document in the safe Markdown subset renders with pyromark exactly as with Python-Markdown.

`fastmark.eligible` decides whether a document keeps to the safe subset; for those documents MarkdownRenderer
takes the fast path, and promises the same `Converted` as Python-Markdown (`MarkdownRenderer(..., fast=False)`).
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careerblog.fastmark import eligible
from careerblog.markup import Converted, MarkdownRenderer

ROOT = Path(__file__).parent.parent
PAGE_URL = "posts/x/"  # relative links are rebased on the document's URL: give them one to rebase on


@cache
def _renderer(base_path: str, fast: bool) -> MarkdownRenderer:
    """One renderer per base path and kind, reused document after document as a build reuses it."""
    return MarkdownRenderer(base_path) if fast else MarkdownRenderer(base_path, fast=False)


def _both(body: str, base_path: str, page_url: str | None = PAGE_URL) -> tuple[Converted, Converted]:
    """The document converted by the default renderer (fast when eligible) and by Python-Markdown alone."""
    return _renderer(base_path, True).convert(body, page_url), _renderer(base_path, False).convert(body, page_url)


def _assert_same(body: str, base_path: str) -> None:
    fast, slow = _both(body, base_path)
    assert fast == slow


def _body(text: str) -> str:
    """The Markdown of a file: after the second line that is exactly `---`, when the file starts with `---`."""
    lines = text.split("\n")
    fences = [index for index, line in enumerate(lines) if line == "---"]
    if text.startswith("---") and len(fences) >= 2:
        return "\n".join(lines[fences[1] + 1 :])
    return text


def _read(path: Path) -> str | None:
    """A file's text as the site reads it (UTF-8, a byte-order mark dropped, LF line ends); None if not UTF-8."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------- documents in the safe subset

PLAIN_WORDS = (
    "career", "engineer", "python", "data", "pipeline", "cloud", "deploy", "review", "team", "growth", "skill",
    "project", "feedback", "mentor", "service", "latency", "queue", "cache", "schema", "release", "incident",
    "metrics", "budget", "roadmap", "design", "offer", "talk", "cluster", "sprint", "ticket", "focus", "habit",
    "notes", "a", "I", "the", "of", "and", "to", "in", "résumé", "naïve", "Zürich",
)
# Digits and the punctuation the subset allows, but never at the start of a line.
ODD_WORDS = (
    "v2.1", "50%", "CI/CD", "don't", "(see", "below)", "#1", "e.g.", "2024", "3x", "$5", "@team", "C++", "a+b",
    "x=1", "well-known", "10-20", "n/a", "it's", '"quoted"', "'single'", "yes!", "why?", "done.", "first,",
    "note:", "so;", "Q3", "100%", "user@example.com", "https://example.com/page", "k8s",
)
# Line starts that are neither a list marker, a heading, a quote nor an indented line.
STARTERS = (
    *(word.capitalize() for word in PLAIN_WORDS), "(see", '"quoted"', "'single'", "2024", "50%", "v2.1", "Q3",
    "e.g.",
)
URLS = (
    "https://example.com/", "https://example.org/docs/page", "http://example.net/a?b=1", "/about/",
    "/posts/other/", "/posts/x/#setup", "../other/", "../../too-far/", "../../../outside/", "other/", "./sibling/",
    "notes.html", "#top", "?page=2", "mailto:me@example.com", "javascript:alert", "//cdn.example.com/lib.js",
    "/a%20b/", "https://example.com/path#frag", "data:text/plain,hello", "tel:+15551234",
)
IMAGE_URLS = (
    "/img/chart.png", "img/photo.jpg", "../shared/logo.svg", "https://example.com/pic.png", "pic.png",
    "/static/a%20b.png", "javascript:x",
)
CODE_SPANS = (
    "pip install", "make test", "config.yml", "x = 1", "f(x)", "a/b", "--help", "v2.1", "$HOME", "#include",
    "@cache", "a+b", "key: value", "git commit -m", "100%", 'print("hi")', "it's", "x == y", "O(n)", "?", "ls -la",
    "n", "résumé",
)
CODE_LINES = (
    "def f(x):", "    return x * 2", "if a < b && c > d:", "x = {'k': [1, 2]}", 'echo "$HOME" | grep -c foo',
    "name: my_app", "  - run: make test", "for (i = 0; i < n; i++) {", "}", "# comment with <tag> & ~tilde~ ^caret",
    'path = r"C:\\temp\\file"', "a_b_c = *args, **kwargs", '<div class="x">&amp;</div>', "select * from t;",
    "[section]", "key = value  # note", "    indented = True", "café = 'naïve'", "{{ value }}", "x | y",
    "#!/usr/bin/env bash", "---", "- item", "1. not a list", "> not a quote", "| a | b |", "<!--more-->", "~~~",
    "[^1]: not a footnote", "*[HTML]: not an abbreviation", "!!! note", "{: .class}",
)

_plain_word = st.sampled_from(PLAIN_WORDS)
_word = st.one_of(_plain_word, _plain_word, st.sampled_from(ODD_WORDS))


def _words(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.lists(_word, min_size=min_size, max_size=max_size).map(" ".join)


_emphasis = _words(1, 3).map("*{}*".format)
_strong = _words(1, 3).map("**{}**".format)
_code_span = st.sampled_from(CODE_SPANS).map("`{}`".format)
_link = st.builds("[{}]({})".format, _words(1, 3), st.sampled_from(URLS))
_image = st.builds("![{}]({})".format, _words(0, 3), st.sampled_from(IMAGE_URLS))
_punctuation = st.sampled_from(("", "", "", "", ".", ",", ";", ":", "?", "!"))
_inline = st.builds("{}{}".format, st.one_of(_emphasis, _strong, _code_span, _link, _image), _punctuation)
_heading_inline = st.one_of(_emphasis, _strong, _code_span)
_token = st.one_of(_word, _word, _word, _inline)


def _line(first: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda head, rest: " ".join([head, *rest]), first, st.lists(_token, max_size=9))


_line_start = st.one_of(st.sampled_from(STARTERS), st.sampled_from(STARTERS), _inline)
_text_line = _line(_line_start)  # a paragraph line or a list item's text
_cell = _line(_token).filter(lambda cell: len(cell) <= 60)
_heading = st.builds(
    lambda level, head, rest: "#" * level + " " + " ".join([head, *rest]),
    st.sampled_from((2, 2, 2, 3, 3, 4, 1)),
    st.one_of(_word, _word, _heading_inline),
    st.lists(st.one_of(_word, _word, _word, _heading_inline), max_size=5),
)
_paragraph = st.lists(_text_line, min_size=1, max_size=3).map("\n".join)
_code_line = st.sampled_from(CODE_LINES)
_code_block = st.builds(
    lambda language, lines: f"```{language}\n" + "\n".join(lines) + "\n```",
    st.sampled_from(("python", "bash", "yaml", "text", "")),
    st.lists(_code_line, min_size=1, max_size=5),
)


@st.composite
def _list(draw: st.DrawFn) -> str:
    items = draw(st.lists(_text_line, min_size=1, max_size=4))
    marker = draw(st.sampled_from(("-", "*", "1.")))
    if marker == "1.":
        return "\n".join(f"{number}. {item}" for number, item in enumerate(items, 1))
    return "\n".join(f"{marker} {item}" for item in items)


@st.composite
def _table(draw: st.DrawFn) -> str:
    columns = draw(st.integers(2, 3))
    aligns = draw(st.lists(st.sampled_from(("---", "---:", ":---:", ":---", "-----")), min_size=columns,
                           max_size=columns))
    header = draw(st.lists(_cell, min_size=columns, max_size=columns))
    body = draw(st.lists(st.lists(_cell, min_size=columns, max_size=columns), min_size=1, max_size=3))

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    return "\n".join([row(header), row(aligns), *(row(cells) for cells in body)])


_BLOCKS = {"heading": _heading, "paragraph": _paragraph, "code": _code_block, "list": _list(), "table": _table()}


@st.composite
def safe_blocks(draw: st.DrawFn) -> list[str]:
    """Blocks of the safe subset, in an order it allows: never a list right after a list."""
    kinds = draw(st.lists(st.sampled_from(("paragraph", "heading", "paragraph", "list", "code", "table")),
                          min_size=1, max_size=8))
    blocks: list[str] = []
    previous = None
    for kind in kinds:
        if previous == kind == "list":
            blocks.append(draw(_paragraph))
        blocks.append(draw(_BLOCKS[kind]))
        previous = kind
    return blocks


@st.composite
def safe_documents(draw: st.DrawFn) -> str:
    """A document of the safe subset: blocks between blank lines, maybe a blank line first (as after front
    matter) and maybe a newline last."""
    blocks = draw(safe_blocks())
    return draw(st.sampled_from(("", "\n"))) + "\n\n".join(blocks) + draw(st.sampled_from(("\n", "", "\n\n")))


@pytest.mark.parametrize("base_path", ["/", "/blog/"])
@settings(max_examples=300, deadline=None)
@given(doc=safe_documents())
def test_a_document_in_the_safe_subset_is_eligible_and_renders_the_same(base_path: str, doc: str) -> None:
    assert eligible(doc)
    _assert_same(doc, base_path)


# Within the subset as first described, but what `eligible` may refuse on purpose: code bodies that
# Python-Markdown's whitespace clean-up changes before parsing (tabs expanded, space-only lines emptied) or
# that Pygments trims, tables without spaces around their pipes, URLs with non-ASCII letters (pyromark
# percent-encodes them). They join the near misses below: refused, or rendered the same.
ODD_CODE = {
    "tab indent": "\tx = 1",
    "tab inside": "a\tb",
    "space-only line": "a\n    \nb",
    "blank line": "a\n\nb",
    "blank first line": "\nx = 1",
    "blank last line": "x = 1\n",
    "only a blank line": "",
    "trailing spaces": "x = 1   ",
    "indented": "    x = 1",
}
SUBSET_EDGES = {
    **{f"code block, {name}, {language or 'no language'}": f"```{language}\n{code}\n```"
       for name, code in ODD_CODE.items() for language in ("python", "")},
    "table without spaces around its pipes": "|Item|Before|After|\n|---|---:|:---:|\n|*one*|`1`|[two](/x/)|",
    "link to a URL with non-ASCII letters": "See [my résumé](/résumé/) and ![a chart](/img/café.png).",
    "heading of level 6": "###### Six",
    "list numbered past 9": "\n".join(f"{number}. item" for number in range(1, 12)),
}


# ---------------------------------------------------------------- documents near the edge of the subset

# Each breaks the subset, or nearly does; glued into a safe document, `eligible` must refuse it unless the
# fast path renders it the same.
NEAR_MISSES = (
    "#1 is the goal", "#Title", "## Title ##", "## Title #", "#######  Seven", "#", "## ", "Title\n=====",
    "Title\n---", "---", "***", "* * *", "- a\n  - b", "Text\n- item", "Text\n* item", "Text\n1. item",
    "Text\n2. item", "2. two\n3. three", "1. a\n1. b", "1. a\n3. b", "0. zero", "1) item", "- a\n* b", "- a\n+ b",
    "+ plus", "- a\n\n- b", "- a\ncontinued", "- a\n\n  continued", "-", "- ", "1.", "- [ ] task", "[ ] task",
    "Line  \nbreak", "Trailing ", " Leading", "   Three spaces", "    indented", "a\tb", "\tTab",
    "```\nunclosed", "~~~\ncode\n~~~", "````\ncode\n````", "```python {.x}\ncode\n```", "```python x\ncode\n```",
    " ```\ncode\n```", "```\ncode\n ```", "```\ncode\n````", "_em_", "snake_case word", "__strong__",
    "`a_b`", "`<b>`", "`a & b`", "``a`b``", "` padded `", "`a*b`", "`x|y`", "a*b*c", "*a **b** c*", "**a *b* c**",
    "***a***", "**a*", "*a", "a * b", "* a*", "*a *", "<b>x</b>", "a < b", "a > b", "a & b", "AT&T", "&amp;",
    "&copy;", "\\*x\\*", "a\\b", "~~x~~", "H~2~O", "x^2", "{: .c}", "Text {: #id}", "a | b", "| a | b |",
    "| a | b |\n| --- | --- |\n| 1 |", "| a | b |\n| --- | --- |\n| 1 | 2 | 3 |", "a | b\n--|--\n1 | 2",
    "| a |\n| --- |\n| `x|y` |", "| a |\n| --- |\n|  |", "| a | b |\n| --- | --- |\n| 1 | 2 |\ntrailing",
    "[a][b]\n\n[b]: /x", "[a]", "[^1]", "Text[^1].\n\n[^1]: Note.", "[b]: /x", '![a](x.png "t")',
    '[a](/x "t")', "[a](</x y>)", "[a](x(y))", "[a] (x)", "[[a]](x)", "https://example.com",
    "<https://example.com>", "www.example.com", "> quote", "Term\n: definition", "!!! note", "!!! note\n    Body",
    "*[HTML]: Hyper Text", "!Bang", "![a]", "<!--more-->", "{{< figure src=x >}}", "a\u00a0b", "party 🎉",
    "zero\u200bwidth", "e\u0301", "x\x0cy", "[TOC]", "|a|b|\n|---|---|\n|1|2|",
    "|a|b|\n|:-|-:|\n|*x*|`y`|", "[a](/résumé/)", "![a](/café.png)", "2024. was a year", "7) seven", "1.5 million",
    "-a", "## Title", "##  Two spaces", "## Title  ", "## a # b", "Title\n=", "Title\n-", "```python\nx = 1\n```",
    "| a | b |\n| --- | --- |\n| 1 | 2 |", "[a](/x/)[b](/y/)", "![a](/x.png)![b](/y.png)", "[a](/x/)b", "a[b](/x/)",
    "a*b*", "*a*b", "**a**b", "a**b**", "`a``b`", "*a*\u00a0b", "\u00a0*a*", "*a*\u2014b", "\u201ca\u201d", "$$x$$",
    *SUBSET_EDGES.values(),
)


@st.composite
def near_documents(draw: st.DrawFn) -> str:
    """A safe document with one or two near misses glued in, as blocks of their own or onto a neighbour."""
    blocks = draw(safe_blocks())
    for _ in range(draw(st.integers(1, 2))):
        at = draw(st.integers(0, len(blocks)))
        blocks.insert(at, draw(st.sampled_from(("\n\n", "\n\n", "\n"))) + draw(st.sampled_from(NEAR_MISSES)))
    text = blocks[0].lstrip("\n")
    for block in blocks[1:]:
        text += block if block.startswith("\n") else "\n\n" + block
    return text + "\n"


@settings(max_examples=300, deadline=None)
@given(doc=near_documents())
def test_a_document_near_the_subset_renders_the_same_when_eligible(doc: str) -> None:
    if eligible(doc):
        _assert_same(doc, "/")


NEAR_MISS_SETTINGS = (
    "{}\n", "Before.\n\n{}\n\nAfter.\n", "Before.\n{}\n", "- a\n- b\n{}\n", "## Heading\n{}\n", "```\ncode\n```\n{}\n",
    "- {}\n", "1. {}\n", "## {}\n", "| a |\n| --- |\n| {} |\n", "Some *{}* text.\n", "[{}](/x/)\n",
)


@pytest.mark.parametrize("near_miss", NEAR_MISSES, ids=lambda near_miss: repr(near_miss)[1:-1][:40])
def test_a_near_miss_renders_the_same_when_eligible(near_miss: str) -> None:
    """Every near miss, in each of a few settings: what `eligible` lets through renders the same."""
    differing: list[tuple[str, str, str]] = []
    for setting in NEAR_MISS_SETTINGS:
        doc = setting.format(near_miss)
        if eligible(doc):
            fast, slow = _both(doc, "/")
            if fast != slow:
                differing.append((doc, fast.html, slow.html))
    assert not differing, "eligible, yet rendered differently (document, fast html, Python-Markdown html): " + \
        "\n".join(map(repr, differing))


# ---------------------------------------------------------------- the repository's own documents


def _repository_documents() -> list[Path]:
    found = {*ROOT.glob("content/**/*.md"), *ROOT.glob("tests/**/*.md")}
    # Not the broken-site cases that are no UTF-8 (or a folder named *.md): the site refuses to read them.
    return sorted(path for path in found if path.is_file() and _read(path) is not None)


REPOSITORY_DOCUMENTS = _repository_documents()


def _repository_body(path: Path) -> str:
    text = _read(path)
    assert text is not None
    return _body(text)


@pytest.mark.parametrize("path", REPOSITORY_DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_an_eligible_repository_document_renders_the_same(path: Path) -> None:
    body = _repository_body(path)
    if eligible(body):
        for base_path in ("/", "/blog/"):
            _assert_same(body, base_path)


def test_some_repository_documents_are_eligible() -> None:
    accepted = [path for path in REPOSITORY_DOCUMENTS if eligible(_repository_body(path))]
    assert accepted, f"none of the {len(REPOSITORY_DOCUMENTS)} Markdown documents in the repository is eligible"


# ---------------------------------------------------------------- the benchmark's generated posts


def test_generated_posts_are_mostly_eligible_and_render_the_same(tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_site.py"), "300", str(site), "--layout", "careerblog"],
                   check=True, capture_output=True, text=True)
    posts = sorted((site / "content" / "posts").glob("*.md"))
    assert len(posts) == 300
    bodies = {path.name: _body(path.read_text(encoding="utf-8")) for path in posts}
    accepted = [name for name, body in bodies.items() if eligible(body)]
    differing = {name: pair for name in accepted if (pair := _both(bodies[name], "/"))[0] != pair[1]}
    for name, (fast, slow) in differing.items():
        assert fast == slow, f"{len(differing)} of {len(accepted)} eligible posts differ, the first {name}"
    assert len(accepted) >= 0.8 * len(posts), f"only {len(accepted)} of {len(posts)} generated posts are eligible"


# ---------------------------------------------------------------- documents outside the subset

NOT_ELIGIBLE = {
    "nested list": "- a\n  - b\n",
    "list item that opens a bullet list": "- * item\n",
    "list item that opens a numbered list": "- 1. item\n",
    "list item that opens a list numbered with a parenthesis": "- 1) item\n",
    "list right after a paragraph line": "Some text\n- item\n",
    "heading without a space": "#Heading\n",
    "tab": "Some\ttext\n",
    "html block": "<div>x</div>\n",
    "entity": "Copyright &copy; 2024\n",
    "backslash escape": "A \\*literal\\* star\n",
    "strikethrough": "Some ~~strike~~ text\n",
    "footnote": "Text[^1].\n\n[^1]: The note.\n",
    "abbreviation": "HTML is everywhere.\n\n*[HTML]: Hyper Text\n",
    "admonition": "!!! note\n    Be careful.\n",
    "admonition without a body": "!!! note\n",
    "attribute list": "Text\n{: .class}\n",
    "markdown in html": '<div markdown="1">\n*x*\n</div>\n',
    "reference link": "See [a][b].\n\n[b]: /x\n",
    "hard line break": "Line one  \nLine two\n",
    "indented code block": "Text\n\n    code\n",
    "setext heading": "Title\n=====\n",
    "horizontal rule": "Text\n\n---\n\nMore\n",
    "underscore emphasis": "Some _underscore emphasis_ here\n",
    "blockquote": "> q\n",
    "list numbered from 3": "3. three\n4. four\n",
    "list with parentheses": "1) item\n",
    "nested emphasis": "***a***\n",
    "link with a title": '[a](/x "t")\n',
    "second list after a blank line": "- a\n\n- b\n",
    "list continuation line": "- a\ncontinued\n",
    "heading with closing hashes": "## Title ##\n",
    "unclosed fence": "```python\nx = 1\n",
    "four-backtick fence": "````\ncode\n````\n",
    "tilde fence": "~~~\ncode\n~~~\n",
    "pipe outside a table": "a | b\n",
    "brace": "Use {braces} here\n",
    "emphasis in strong": "**a *b* c**\n",
    "more marker": "First.\n\n<!--more-->\n\nSecond.\n",
    "shortcode": '{{< figure src="x.png" >}}\n',
}


@pytest.mark.parametrize("doc", list(NOT_ELIGIBLE.values()), ids=list(NOT_ELIGIBLE))
def test_a_document_outside_the_subset_is_not_eligible(doc: str) -> None:
    assert not eligible(doc)
