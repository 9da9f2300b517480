"""Highlighted code as HTML: the markup of Pygments' HtmlFormatter with careerblog's options, written faster.

The markup is simple. Every line of the code ends in "\\n"; on a line, the text of neighbouring tokens that
share a CSS class stands in one `<span class="...">` (plain text in none), escaped for `&`, `<` and `>`; the
whole is wrapped in `<div class="highlight"><pre><span></span><code>`. HtmlFormatter gets there through a chain
of generators that look up, escape and split every token; here one loop over the tokens opens a span only
where the class changes and escapes and splits only the values that need it, in a third less time.

Only one set of options is written so (`_OPTIONS`, what codehilite makes of careerblog's settings); for any
other, `writer_for` gives None and the caller keeps HtmlFormatter. So that a later Pygments writing other markup
is not copied wrongly, a few token streams are written both ways when the writer is made, and any difference
gives None too. tests/test_codehtml.py holds the writer to HtmlFormatter for every lexer Pygments ships.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pygments.token import STANDARD_TYPES, Comment, Keyword, Name, String, Text, Token, _TokenType

Tokens = Iterable[tuple[_TokenType, str]]
Writer = Callable[[Tokens], str]

# CSS classes rather than inline styles (so the style is only the stylesheet's), the `<code>` element, no line
# numbers, no page around it. codehilite adds a `lang_str` for the language, which HtmlFormatter does not write.
_OPTIONS = {"style": "default", "noclasses": False, "wrapcode": True, "linenos": None, "cssclass": "highlight",
            "full": False}
_BEFORE = '<div class="highlight"><pre><span></span><code>'  # the empty span keeps a leading blank line
_AFTER = "</code></pre></div>\n"
_CLOSE = "</span>"

# Token streams that take every turn of the markup: plain text, a class of its own and classes inherited through
# types Pygments has no name for, neighbours of one class around an empty token, values across lines and blank
# ones, what must be escaped and what need not be, and code that ends with a line end, without, or is empty.
_PROBES: tuple[tuple[tuple[_TokenType, str], ...], ...] = (
    ((Keyword, "def"), (Text, " "), (Name.Function, "f"), (Comment.Rare, "# <&>\"'\t"), (Token.Odd.Kind, "x\n")),
    ((String, "'a"), (Text, ""), (String, "\n\nb"), (String.Doc, "\n"), (Text, "\tc\r\n\n"), (Name, "d")),
    ((Text, "\n"), (Comment, ""), (Text.Whitespace, "\n  \n"), (Keyword, "x"), (Keyword, "y\n")),
    (),
)


def writer_for(options: Mapping[str, Any]) -> Writer | None:
    """A function that writes a token stream as `HtmlFormatter(**options)` does, whatever the `lang_str`; None
    when the options are others than careerblog's, or when this Pygments writes other markup."""
    from pygments import format as pygments_format
    from pygments.formatters import HtmlFormatter

    if {key: value for key, value in options.items() if key != "lang_str"} != _OPTIONS:
        return None
    write = _writer()
    pygments = HtmlFormatter(**{"lang_str": "language-probe", **options})
    if any(write(probe) != pygments_format(probe, pygments) for probe in _PROBES):
        return None
    return write


def _writer() -> Writer:
    spans = _Spans()
    line_ends = _LineEnds()

    def write(tokens: Tokens) -> str:
        parts: list[str] = []
        append = parts.append
        span = ""  # open since the last token
        cut: set[str] = set()  # spans cut at a line end, which may leave an empty one at either side
        for kind, value in tokens:
            if not value:
                continue  # an empty token keeps its neighbours of one class in one span
            this = spans[kind]
            if this is not span:
                if span:
                    append(_CLOSE)
                append(this)
                span = this
            if "&" in value or "<" in value or ">" in value:
                value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if span and "\n" in value:
                value = value.replace("\n", line_ends[span])
                cut.add(span)
            append(value)
        if span:
            append(_CLOSE)
        html = "".join(parts)
        for span in cut:
            html = html.replace(span + _CLOSE, "")
        if html and not html.endswith("\n"):
            html += "\n"  # the last line is ended too
        return _BEFORE + html + _AFTER

    return write


class _Spans(dict[_TokenType, str]):
    """The tag that opens a token type's span ("" for plain text), made the first time the type comes; one
    string for each class, so that `is` tells whether two tokens share a span."""

    def __missing__(self, kind: _TokenType) -> str:
        classes = _classes(kind)
        span = self[kind] = sys.intern(f'<span class="{classes}">') if classes else ""
        return span


class _LineEnds(dict[str, str]):
    """What a line end inside a span becomes: the span closed, the line ended, the span opened again."""

    def __missing__(self, span: str) -> str:
        line_end = self[span] = f"{_CLOSE}\n{span}"
        return line_end


def _classes(kind: _TokenType) -> str:
    """A token type's CSS classes: its nearest standard type's short name (Comment: "c"), then one name for each
    type below that down to its own ("c c-Rare" for Comment.Rare; " -Odd -Odd-Kind" for Token.Odd.Kind, as
    Pygments writes it)."""
    lineage = kind.split()  # Token, ..., kind: the type at index i has i names
    named = max(depth for depth, ancestor in enumerate(lineage) if ancestor in STANDARD_TYPES)
    short = STANDARD_TYPES[lineage[named]]
    return " ".join((short, *(f"{short}-{'-'.join(below[named:])}" for below in lineage[named + 1:])))
