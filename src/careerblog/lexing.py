"""Pygments' regex lexers, run faster: the rules of each state tried in one regular expression.

A Pygments RegexLexer tries the rules of its current state one by one at each position, in a Python
loop, and the first that matches makes the token. Joined into one alternation, `(?:rule 1)()|(?:rule 2)()|...`,
the same rules are tried in the same order by the regular expression engine, in C, and the empty group
that closed last (`lastindex`) names the rule that matched. A rule that cannot be joined keeps a place of
its own, in its turn: one with backreferences or conditions, which count groups, or with flags that
cannot be scoped to it. The tokens are exactly Pygments' own (tests/test_lexing.py holds every lexer
careerblog meets to it); lexers that are not plain RegexLexers, and every failure to join, keep
Pygments' own loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

# A segment: a match function and what it tells: for a joined run, {group index: rule}; alone, the rule.
Rule = tuple[Callable[..., Any], Any, Any]  # Pygments' (match, action, new state)
Segment = tuple[Callable[..., Any], "dict[int, Rule] | Rule"]
Table = dict[str, tuple[Segment, ...]]

_LEADING_FLAGS = re.compile(r"\(\?([imsx]+)\)")
_COUNTS_GROUPS = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")  # backreferences and conditional groups
# Joined once per set of rules, in each process: by the identity of the lexer's processed rules, which
# are the class's, or for a few lexers (C#'s Unicode levels) one of several the class keeps.
_tables: dict[int, tuple[dict[str, list[Rule]], Table | None]] = {}
# Long rules (a language's keywords or builtins as one alternation) are tried on their own, already
# compiled: joined, each state that includes them would compile them again, which cost Python's lexer
# 80 ms, more than it saved over a hundred code blocks. Measured: 800 characters keeps the speed.
_LONGEST = 800


def accelerate(lexer: Lexer) -> Lexer:
    """`lexer`, its tokens made by the joined rules when it is a plain RegexLexer; else as it was."""
    if type(lexer).get_tokens_unprocessed is not RegexLexer.get_tokens_unprocessed:
        return lexer  # a lexer with a loop of its own (ExtendedRegexLexer, delegating lexers)
    rules: dict[str, list[Rule]] = getattr(lexer, "_tokens", None)  # type: ignore[assignment]
    known = _tables.get(id(rules))
    if known is None or known[0] is not rules:
        joined = _Table(rules, lexer.flags) if _understood(rules) else None  # type: ignore[attr-defined]
        known = _tables[id(rules)] = (rules, joined)
    table = known[1]
    if table is None:
        return lexer  # rules of a shape this module does not know (another Pygments): Pygments' own loop

    def tokens(text: str, stack: tuple[str, ...] = ("root",)) -> Iterator[tuple[int, Any, str]]:
        return _tokens(lexer, table, text, stack)

    lexer.get_tokens_unprocessed = tokens  # type: ignore[method-assign]
    return lexer


def _understood(rules: object) -> bool:
    """Whether a lexer's processed rules have the shape this module reads: Pygments 2's states of
    (match, action, new state)."""
    return isinstance(rules, dict) and all(
        isinstance(state, list) and all(isinstance(rule, tuple) and len(rule) == 3 and callable(rule[0])
                                        for rule in state)
        for state in rules.values())


class _Table(dict[str, tuple[Segment, ...]]):
    """Each state's segments, joined the first time the lexer enters the state: joining costs a compile
    of the joined expression, and most code visits few of a lexer's states."""

    def __init__(self, states: dict[str, list[Rule]], flags: int) -> None:
        super().__init__()
        self.states = states
        self.flags = flags

    def __missing__(self, state: str) -> tuple[Segment, ...]:
        segments = self[state] = _join_state(self.states[state], self.flags)
        return segments


def _join_state(rules: list[Rule], flags: int) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    run: list[tuple[Rule, str, int]] = []  # rules to join: (rule, source, groups)
    for rule in rules:
        source = _joinable(rule, flags)
        if source is None:
            segments.extend(_joined(run, flags))
            run = []
            segments.append((rule[0], rule))
        else:
            run.append((rule, source, rule[0].__self__.groups))  # type: ignore[attr-defined]
    segments.extend(_joined(run, flags))
    return tuple(segments)


def _joinable(rule: Rule, flags: int) -> str | None:
    """The rule's pattern as it may stand inside the alternation, or None if it must stand alone."""
    pattern = getattr(rule[0], "__self__", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return None
    source = pattern.pattern
    if len(source) > _LONGEST or _COUNTS_GROUPS.search(source):
        return None
    leading = _LEADING_FLAGS.match(source)
    if leading:  # "(?s)rest" applies to this rule only: "(?s:rest)"
        source = f"(?{leading.group(1)}:{source[leading.end():]})"
    try:
        if re.compile(f"(?{leading.group(1)})" if leading else "", flags).flags != pattern.flags:
            return None  # flags set some other way than by the leading group
        re.compile(source, flags)
    except re.error:
        return None
    return source


def _joined(run: list[tuple[Rule, str, int]], flags: int) -> list[Segment]:
    if len(run) < 2:
        return [(rule[0], rule) for rule, _, _ in run]
    parts, rules, group = [], {}, 0
    for rule, source, groups in run:
        # The empty group that ends each rule names it; the rule's own first character test leads, which
        # the engine uses to skip a rule that cannot match here.
        group += groups + 1
        rules[group] = rule
        parts.append(f"(?:{source})()")
    try:
        return [(re.compile("|".join(parts), flags).match, rules)]
    except re.error:  # say, one group name in two rules
        return [(rule[0], rule) for rule, _, _ in run]


def _tokens(lexer: Lexer, table: Table, text: str, stack: tuple[str, ...]) -> Iterator[tuple[int, Any, str]]:
    """RegexLexer.get_tokens_unprocessed, over the joined rules."""
    pos = 0
    states = list(stack)
    segments = table[states[-1]]
    while True:
        for match, found in segments:
            m = match(text, pos)
            if m is None:
                continue
            if type(found) is dict:
                rule = found[m.lastindex]
                whole = m.group()
                own = None  # the rule's own match, with its own group numbers, made only if a callback needs it
            else:
                rule = found  # type: ignore[assignment]
                whole = m.group()
                own = m
            action, new_state = rule[1], rule[2]
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, whole
                else:
                    yield from action(lexer, own if own is not None else rule[0](text, pos))
            pos = m.end()
            if new_state is not None:
                if isinstance(new_state, tuple):
                    for state in new_state:
                        if state == "#pop":
                            if len(states) > 1:
                                states.pop()
                        elif state == "#push":
                            states.append(states[-1])
                        else:
                            states.append(state)
                elif isinstance(new_state, int):
                    if abs(new_state) >= len(states):
                        del states[1:]
                    else:
                        del states[new_state:]
                elif new_state == "#push":
                    states.append(states[-1])
                else:
                    raise ValueError(f"wrong state def: {new_state!r}")
                segments = table[states[-1]]
            break
        else:  # no rule matched here
            if pos >= len(text):
                return
            if text[pos] == "\n":  # at the end of a line, back to the root state
                states = ["root"]
                segments = table["root"]
                yield pos, Whitespace, "\n"
            else:
                yield pos, Error, text[pos]
            pos += 1
