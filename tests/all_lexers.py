"""Every Pygments lexer this machine can make, for tests that hold careerblog's highlighting to Pygments'."""

from __future__ import annotations

from pygments.lexer import Lexer
from pygments.lexers import get_all_lexers, get_lexer_by_name


def usable_lexers() -> dict[str, type[Lexer]]:
    """Each lexer's class by its first alias, leaving out those whose optional dependency is missing."""
    found: dict[str, type[Lexer]] = {}
    for _, aliases, _, _ in get_all_lexers():
        if not aliases:
            continue
        try:
            found[aliases[0]] = type(get_lexer_by_name(aliases[0]))
        except Exception:  # a lexer whose optional dependency is missing
            continue
    return dict(sorted(found.items()))
