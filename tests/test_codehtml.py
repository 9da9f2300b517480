"""codehtml writes highlighted code exactly as Pygments' HtmlFormatter does with careerblog's options: for every
lexer Pygments ships, for random code in the languages a blog shows most and for random token streams; the fast
road writes with it, and any other options, or a Pygments that writes otherwise, keep HtmlFormatter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
from all_lexers import usable_lexers
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import format as pygments_format
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES, Comment, Keyword, Name, Operator, String, Text, Token, _TokenType

from careerblog import markup
from careerblog.codehtml import writer_for
from careerblog.markup import MarkdownRenderer

OPTIONS = markup._PYGMENTS_OPTIONS


def _pygments() -> HtmlFormatter[str]:
    return HtmlFormatter(lang_str="language-python", **OPTIONS)


def _writer() -> Any:
    write = writer_for(OPTIONS)
    assert write is not None, "careerblog's options are written by Pygments"
    return write


LEXERS = list(usable_lexers())

SAMPLES = [
    "",
    "x",
    "\n\n",
    "one line without an end",
    "a = 1\n\n\n",
    "\n\nfirst\n\n\n    after blank lines\n\n",
    "\tif x:\n\t\treturn\ty  # tab\tinside\n",
    "line one\r\nline two\r\n\r\n",
    "café = '日本語' # ünïcödé ✓ 🙂\u00a0\u2028end\n",
    '<a href="x?a=1&amp;b=2">\'q\' & "dq"</a>\n<script>if (a < b && c > d) { x = \'<&>\'; }</script>\n',
    # tokens over several lines: docstrings, block comments, strings, heredocs, block scalars
    'def f():\n    """Doc.\n\n    More <b> & more.\n    """\n    s = \'\'\'a\n\nb\'\'\'\n    return f"{s!r}"\n',
    "/* block\n\n   comment */ int x = 1; // line\nchar *s = \"a\\\n\tb\";\n`tem\n\nplate ${x}`\n",
    "cat <<EOF\nhi $X & <you>\n\nEOF\nkey: |\n  block\n\n  scalar\n",  # no HTML comment: mcschema's hangs
    "x = '" + "long & <string> " * 50 + "'\n#" + "-" * 1000 + "\n" + "word" * 250 + "\n",  # longer, or without the
    # line end, takes some lexers minutes
]


def _tokens(name: str, text: str, **options: Any) -> list[tuple[_TokenType, str]]:
    return list(get_lexer_by_name(name, **options).get_tokens(text))


def test_pygments_ships_hundreds_of_lexers() -> None:
    assert len(LEXERS) > 500 and {"python", "bash", "yaml", "html", "text"} <= set(LEXERS)


@pytest.mark.parametrize("name", LEXERS)
def test_every_lexer_is_written_as_html_formatter_writes_it(name: str) -> None:
    write, pygments = _writer(), _pygments()
    for sample in SAMPLES:
        # As careerblog highlights (its options, the code's blank lines stripped), and with the text kept as it
        # is: token streams that begin with line ends or end without one.
        for text, options in ((sample.strip("\n"), OPTIONS), (sample, {"stripnl": False, "ensurenl": False})):
            try:
                tokens = _tokens(name, text, **options)
            except Exception:  # a lexer that fails on this text fails on Pygments' road alike
                continue
            assert write(tokens) == pygments_format(tokens, pygments), (name, text[:60], options)


def _token_types(kind: _TokenType) -> Iterator[_TokenType]:
    yield kind
    for sub in sorted(kind.subtypes):
        yield from _token_types(sub)


def test_every_token_type_gets_the_css_classes_of_html_formatter() -> None:
    for name in LEXERS:  # lexer modules make token types of their own as they are imported
        get_lexer_by_name(name)
    kinds = [*_token_types(Token), Token.Odd, Token.Odd.Kind, Text.Odd, Comment.Odd.Deeper.Still]
    assert len(kinds) > len(STANDARD_TYPES)
    write, pygments = _writer(), _pygments()
    for kind in kinds:
        tokens = [(kind, "x"), (Text, " "), (kind, "y\nz\n")]
        assert write(tokens) == pygments_format(tokens, pygments), kind


KINDS = [Token, Text, Text.Whitespace, Keyword, Keyword.Constant, Name, Name.Function, Name.Builtin.Pseudo, String,
         String.Doc, Comment, Comment.Single, Operator, Token.Odd, Token.Odd.Kind, Text.Odd, Comment.Odd]
VALUE = st.lists(st.sampled_from([*"ab \t\n\n\r&<>\"'é日\x00", "\r\n", "&amp;", "<span>", "</span>", ""]),
                 max_size=6).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KINDS), VALUE), max_size=30))
def test_random_token_streams_are_written_as_html_formatter_writes_them(tokens: list[tuple[_TokenType, str]]) -> None:
    assert _writer()(tokens) == pygments_format(tokens, _pygments())


COMMON = ["python", "bash", "yaml", "json", "javascript", "go", "rust", "c", "html", "css", "sql", "text"]
CODE_ALPHABET = st.sampled_from([*"abcxyzABC_019 \t\n\n\r'\"`\\#/*-+=<>!?(){}[]$@%&|^~:;.,", "\r\n", "é", "日",
                                 "def ", "class ", "if ", "return ", "fn ", "let ", "SELECT ", "<<EOF\n", "EOF\n",
                                 '"""', "'''", "//", "/*", "*/", "<!--", "-->", "${", "- ", ": ", "{", "}", "<div>",
                                 "</div>", "&amp;", "0x1f", "1.5e3", "null", "true"])


@cache
def _highlighter() -> Callable[[str, str], str]:
    """One fast road highlighter for all the random examples, as a build keeps one per process."""
    return MarkdownRenderer("/")._highlighter()


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(COMMON), text=st.lists(CODE_ALPHABET, max_size=60).map("".join))
def test_random_code_in_common_languages_highlights_as_pygments_does(name: str, text: str) -> None:
    """The fast road's highlighter against pygments.highlight with codehilite's formatter, as the Python-Markdown
    road highlights."""
    ours = _highlighter()(text, name)
    formatter = HtmlFormatter(lang_str=f"language-{name}", **OPTIONS)
    assert ours == pygments_highlight(text.strip("\n"), get_lexer_by_name(name, **OPTIONS), formatter)


def test_the_fast_road_writes_code_with_codehtml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Equal HTML alone would not tell: HtmlFormatter may not write a single block on the fast road."""
    renderer = MarkdownRenderer("/")
    renderer.convert("```text\nfirst\n```\n", "posts/x/")  # the first block makes the writer, with HtmlFormatter

    def refuse(*args: object) -> None:
        raise AssertionError("HtmlFormatter wrote a code block")

    monkeypatch.setattr(HtmlFormatter, "format_unencoded", refuse)
    html = renderer.convert("Code:\n\n```python\ndef f(a, b):\n    return a < b\n```\n", "posts/x/").html
    assert renderer._markdown is None, "the document did not take the fast road"
    assert '<code><span class="k">def</span><span class="w"> </span><span class="nf">f</span>' in html
    assert '<span class="o">&lt;</span>' in html


@pytest.mark.parametrize("change", [{"noclasses": True}, {"linenos": "table"}, {"linenos": "inline"},
                                    {"wrapcode": False}, {"cssclass": "code"}, {"full": True}, {"hl_lines": [1]},
                                    {"style": "monokai"}, {"lineanchors": "line"}, {"nowrap": True}])
def test_other_options_are_left_to_html_formatter(change: dict[str, Any]) -> None:
    assert writer_for({**OPTIONS, **change}) is None
    assert writer_for({**OPTIONS, "lang_str": "language-go"}) is not None


def test_a_pygments_that_writes_other_markup_is_left_to_write_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def code_with_language(self: HtmlFormatter[str], inner: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
        yield 0, f'<code class="{self.options["lang_str"]}">'
        yield from inner
        yield 0, "</code>"

    monkeypatch.setattr(HtmlFormatter, "_wrap_code", code_with_language)
    assert writer_for(OPTIONS) is None


def test_a_pygments_that_escapes_quotes_is_left_to_write_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def quoting(self: HtmlFormatter[str], value: str) -> list[str]:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").split("\n")

    monkeypatch.setattr(HtmlFormatter, "_translate_parts", quoting)
    assert writer_for(OPTIONS) is None


def test_the_fast_road_highlights_with_html_formatter_when_codehtml_does_not_write(
        monkeypatch: pytest.MonkeyPatch) -> None:
    options = {**OPTIONS, "linenos": "inline"}
    monkeypatch.setattr(markup, "_PYGMENTS_OPTIONS", options)
    code = "def f():\n    return 1\n"
    expected = pygments_highlight(code, get_lexer_by_name("python", **options),
                                  HtmlFormatter(lang_str="language-python", **options))
    assert 'class="linenos"' in expected
    assert MarkdownRenderer("/")._highlighter()(code, "python") == expected
