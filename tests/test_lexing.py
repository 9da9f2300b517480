"""Joined lexer rules make exactly Pygments' tokens: every plain RegexLexer in Pygments, random code in
the languages a blog shows most, and rules built to stand alone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from all_lexers import usable_lexers
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.lexer import RegexLexer, bygroups, default, include, this, using
from pygments.lexers import get_lexer_by_name
from pygments.lexers.data import YamlLexer
from pygments.token import Comment, Keyword, Name, Number, Operator, String, Text

from careerblog import lexing
from careerblog.lexing import accelerate

SAMPLES = [
    'def f(x: int) -> str:\n    """Doc."""\n    return f"{x!r:>4}" + \'a\\n\' # note\n@dec\nclass A(B): pass\n',
    '#!/bin/bash\nset -e\nfor f in "$@"; do echo "${f%.md}" | grep -c \'x\' || true; done\ncat <<EOF\nhi $X\nEOF\n',
    '<!doctype html>\n<div class="a" data-x=\'1\'><script>var a = [1, 2.5e3, "s"];</script><!-- c --></div>\n',
    "SELECT a, COUNT(*) FROM t WHERE b = 'x' AND c > 3 GROUP BY a; -- note\n/* block */ INSERT INTO t VALUES (1);\n",
    'name: site\nlist:\n  - {a: 1, b: [x, "y"]}\n  - |\n    text\nkey: &anchor value # c\n',
    "int main(void) { char *s = \"a\\tb\"; return s[0] == 'a' ? 0x1F : 1; } // end\n#include <stdio.h>\n",
    "(define (f x) (if (> x 0) 'pos \"neg\")) ; c\n[1 2 3] {:a 1} #{1} `(,a ,@b)\n",
    "Plain words, then symbols: ~!@#$%^&*()_+-=[]{}|;:',.<>/?` and tabs\tand unicode café 日本 \\u00e9\n\n\n",
]


PLAIN = [name for name, kind in usable_lexers().items()
         if kind.get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed]


def _same_tokens(name: str, text: str) -> None:
    ours = accelerate(get_lexer_by_name(name))
    assert "get_tokens_unprocessed" in vars(ours), f"{name} was not accelerated"
    assert list(ours.get_tokens(text)) == list(get_lexer_by_name(name).get_tokens(text)), name


def test_most_of_pygments_is_plain_regex_lexers() -> None:
    assert len(PLAIN) > 300 and {"python", "bash", "javascript", "go", "rust", "toml", "html"} <= set(PLAIN)


@pytest.mark.parametrize("name", PLAIN)
def test_every_plain_regex_lexer_makes_pygments_tokens(name: str) -> None:
    for sample in SAMPLES:
        _same_tokens(name, sample)


COMMON = [name for name in ("python", "bash", "javascript", "typescript", "go", "rust", "toml", "sql", "html", "css",
                             "java", "php", "diff", "ini", "docker", "kotlin", "scala", "haskell", "lua", "perl",
                             "powershell", "terraform", "nginx", "swift", "elixir", "console") if name in PLAIN]


def test_the_common_languages_are_plain_regex_lexers() -> None:
    assert len(COMMON) >= 20  # ruby, yaml and a few others have loops of their own and keep Pygments' speed


CODE_ALPHABET = st.sampled_from([*"abcxyzABC_019 \t\n\n'\"`\\#/*-+=<>!?(){}[]$@%&|^~:;.,",
                                 "def ", "class ", "if ", "return ", "fn ", "let ", "<<EOF\n", "EOF\n", '"""', "'''",
                                 "//", "/*", "*/", "<!--", "-->", "${", "f\"", "r'", "0x1f", "1.5e3", "é", "日"])


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(COMMON), text=st.lists(CODE_ALPHABET, max_size=60).map("".join))
def test_random_code_in_common_languages_makes_pygments_tokens(name: str, text: str) -> None:
    _same_tokens(name, text)


class _Awkward(RegexLexer):
    """Rules made to stand alone or to need their own match: a backreference, a flag of its own, one group
    name twice, a condition, callbacks with groups, states pushed and popped, and a default."""

    name = "awkward"
    flags = re.MULTILINE
    tokens = {  # noqa: RUF012 (Pygments reads a class attribute)
        "root": [
            (r"(['\"])(.*?)\1", String),
            (r"(?s)<<.*?>>", Comment),
            (r"(?P<word>[a-z]+)=", Name.Attribute),
            (r"(?P<word>[A-Z]+)=", Name.Constant),
            (r"(<)?x(?(1)>)", Keyword),
            (r"(\d+)(\.)(\d+)", bygroups(Number, Operator, Number)),
            (r"\(", Operator, "inner"),
            (r"\[", Operator, ("inner", "inner")),
            (r"[a-z]+", Name),
            (r"\s+", Text),
            include("tail"),
        ],
        "inner": [
            (r"\)|\]", Operator, "#pop"),
            (r"\{", Operator, "#push"),
            (r"\}", Operator, "#pop:2"),
            (r"(@)(\w+)", bygroups(Operator, using(this, state="tail"))),
            (r"[^()\[\]{}@]+", Text),
            default("#pop"),
        ],
        "tail": [
            (r";", Operator),
            (r"[a-z]+", Name.Variable),
        ],
    }


def test_rules_that_must_stand_alone_keep_their_place() -> None:
    table = lexing._Table(_Awkward()._tokens, _Awkward.flags)  # type: ignore[attr-defined]
    alone = [segment for segment in table["root"] if type(segment[1]) is not dict]
    sources = [segment[1][0].__self__.pattern for segment in alone]  # type: ignore[index]
    assert r"(['\"])(.*?)\1" in sources and r"(<)?x(?(1)>)" in sources  # they count groups
    joined = [segment for segment in table["root"] if type(segment[1]) is dict]
    assert joined, "the rules that can be joined were not"
    for text in ["'a' \"b\" <<x\ny>> ab=CD= x <x> 1.25 (a{b}c) [a] (@b @c) ;;", "x(<x", "(((", "[{}", "'\n", "\n\n?"]:
        assert list(accelerate(_Awkward()).get_tokens(text)) == list(_Awkward().get_tokens(text))


def test_lexers_with_a_loop_of_their_own_are_left_alone() -> None:
    lexer = YamlLexer()
    assert accelerate(lexer) is lexer and "get_tokens_unprocessed" not in vars(lexer)


def test_the_languages_a_blog_shows_most_are_joined() -> None:
    """The speed comes from few segments per state: a regression to one rule per segment would pass every
    equality test above and be as slow as Pygments."""
    for name in ("python", "bash", "javascript"):
        kind: Any = type(get_lexer_by_name(name))
        table = lexing._Table(kind._tokens, kind.flags)
        rules = sum(len(rules) for rules in kind._tokens.values())
        segments = sum(len(table[state]) for state in kind._tokens)  # each state joined as it is looked up
        assert segments * 3 < rules, (name, segments, rules)


def test_rules_of_an_unknown_shape_keep_pygments_loop() -> None:
    """A later Pygments may store its rules otherwise: then highlighting stays as it is, only slower."""
    lexer = _Awkward()
    lexer._tokens = {"root": [("[a-z]+", Name)]}  # type: ignore[attr-defined]  # two fields, not three
    assert accelerate(lexer) is lexer and "get_tokens_unprocessed" not in vars(lexer)
