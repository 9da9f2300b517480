"""Safe YAML loading that remembers where every key and item stood, and refuses duplicate keys.

Simple front matter is read here (the fast road); anything else goes to PyYAML (yamlfull.py), which a build
whose YAML all takes the fast road never imports.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from careerblog.diagnostics import BuildError

MAX_YAML_BYTES = 2_000_000
# Aliases can make a small file stand for a huge tree ("billion laughs"); no career data needs this many values.
MAX_YAML_VALUES = 100_000

Position = tuple[int, int]


class LocatedDict(dict[Any, Any]):
    """A mapping from YAML that knows the 1-based line and column of itself and of each key."""

    __slots__ = ("key_positions", "position")

    def __init__(self) -> None:
        super().__init__()
        self.position: Position = (1, 1)
        self.key_positions: dict[Any, Position] = {}


class LocatedList(list[Any]):
    """A sequence from YAML that knows the 1-based line and column of itself and of each item."""

    __slots__ = ("item_positions", "position")

    def __init__(self) -> None:
        super().__init__()
        self.position: Position = (1, 1)
        self.item_positions: list[Position] = []


# ---------------------------------------------------------------- the fast road for simple front matter

# Most front matter is a handful of `key: value` lines; PyYAML's constructors cost more than reading them.
# `_read_simple` reads only a subset whose meaning is plain, and returns exactly what the full path would
# (tests/test_yamlfile_fast.py checks the two against each other). It declines anything else, and anything
# that could be an error, so every problem is still found and worded by PyYAML (yamlfull.py).


class _NotSimple(Exception):
    """The text leaves the subset `_read_simple` reads: the full path must read it."""


# Newlines and printable characters only: no tab, CR, BOM, U+2028/U+2029 break, nor any character the
# reader or yamlfull._FORBIDDEN would refuse. Named by what it refuses: the class of what it allows, which
# reaches up to U+10FFFF, took 3 ms to compile at every start.
_UNUSUAL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# Values are taken to the end of the line and stripped after: a lazy match before " *" is quadratic in spaces.
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?")
_ITEM_LINE = re.compile(r"( *)- +(.*)")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"')  # no escapes
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
# A plain scalar may not start with an indicator; "-" only before what cannot make it a list entry.
_PLAIN_START = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%@` ]|-[0-9A-Za-z.]")
# One item of a one-line flow list and the "," or "]" after it: a quoted scalar, or plain text up to them.
_FLOW_ITEM = re.compile(r""" *("[^"\\]*" *|'(?:[^']|'')*' *|[^,\[\]{} "'][^,\[\]{}]*)([,\]])""")
_FLOW_EMPTY = re.compile(r"\[ *\]")
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,40})")  # long numbers go to the full path and its message
_POINT_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]*")
_TIMESTAMP_FORM = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:(Z)|([-+])([0-9]{2}):([0-9]{2}))?)?")
# The plain words YAML 1.1 reads as booleans and null, in the spellings PyYAML's resolver knows.
_BOOLEANS = {spelling: value for words, value in (("yes true on", True), ("no false off", False))
             for word in words.split() for spelling in (word, word.capitalize(), word.upper())}
_NULLS = frozenset({"~", "null", "Null", "NULL"})


def _plain(text: str) -> Any:
    """A one-line plain scalar as PyYAML reads it, for the forms read here. Only a word above, or a scalar
    that starts with a digit, a sign or a point (a number or a date), or with "<" or "=" (YAML's merge and
    value keys), can be anything but text; of those, only the plainest forms are read here."""
    if text in _NULLS:
        return None
    if text in _BOOLEANS:
        return _BOOLEANS[text]
    if text[0] in "<=":
        raise _NotSimple
    if text[0] not in "0123456789+-.":
        return text
    if _DECIMAL.fullmatch(text):  # not octal 012, hex, 1_000 nor sexagesimal 1:30
        return int(text)
    if _POINT_FLOAT.fullmatch(text):  # not .inf, 1e3 nor 1_0.5
        return float(text)
    if match := _TIMESTAMP_FORM.fullmatch(text):
        return _timestamp(match)
    raise _NotSimple


def _timestamp(match: re.Match[str]) -> Any:
    """YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[Z|+HH:MM] as PyYAML builds it; an impossible one stays text."""
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    try:
        if match[4] is None:
            return dt.date(year, month, day)
        zone = None
        if match[7]:
            zone = dt.UTC
        elif match[8]:
            offset = dt.timedelta(hours=int(match[9]), minutes=int(match[10]))
            zone = dt.timezone(-offset if match[8] == "-" else offset)
        return dt.datetime(year, month, day, int(match[4]), int(match[5]), int(match[6]), tzinfo=zone)
    except ValueError:  # as in yamlfull._construct_timestamp
        return match.string


def _scalar(token: str, in_flow: bool) -> Any:
    """One quoted or plain scalar that fills the rest of its line (or its flow item), trailing spaces gone."""
    if not token:
        raise _NotSimple
    if token[0] == '"':
        if match := _DOUBLE_QUOTED.fullmatch(token):
            return match[1]
    elif token[0] == "'":
        if match := _SINGLE_QUOTED.fullmatch(token):
            return match[1].replace("''", "'")
    elif (_PLAIN_START.match(token) and ": " not in token and " #" not in token and not token.endswith(":")
          and not (in_flow and ":" in token)):  # libyaml refuses [a:?] and [a:[b]]; pure-Python PyYAML does not
        return _plain(token)
    raise _NotSimple


def _flow_list(token: str, line: int, column: int) -> LocatedList:
    """A one-line flow list such as `[a, "b c"]` that starts at `column` (1-based) of `line`."""
    items = LocatedList()
    items.position = (line, column)
    if _FLOW_EMPTY.fullmatch(token):
        return items
    at = 1
    while match := _FLOW_ITEM.match(token, at):
        items.append(_scalar(match[1].rstrip(" "), in_flow=True))
        items.item_positions.append((line, column + match.start(1)))
        at = match.end()
        if match[2] == "]":
            if at == len(token):
                return items
            break
    raise _NotSimple


def _read_simple(text: str, line_offset: int) -> LocatedDict | None:
    """What load_yaml returns for `text` when it is simple front matter, or None to leave it to PyYAML.

    The subset: `key: value` lines at column 0 with a plain key; a value that is a double-quoted string
    without escapes, a single-quoted string, a one-line plain scalar, a one-line flow list of those, or
    nothing, then perhaps a block list (`- item` lines) of those scalars; blank lines anywhere.
    """
    if _UNUSUAL.search(text):
        return None
    data = LocatedDict()
    open_key: str | None = None  # the last key, when its line gave no value: a block list may follow
    items: LocatedList | None = None
    try:
        for line, source in enumerate(text.split("\n"), start=line_offset + 1):
            if match := _KEY_LINE.fullmatch(source):
                key, token = match[1], (match[2] or "").rstrip(" ")
                if key in data or key in _BOOLEANS or key in _NULLS:  # a duplicate, or a key such as `yes` or `null`
                    raise _NotSimple
                if not data:
                    data.position = (line, 1)
                data.key_positions[key] = (line, 1)
                open_key = None
                if not token:
                    data[key], open_key, items = None, key, None
                elif token[0] == "[":
                    data[key] = _flow_list(token, line, match.start(2) + 1)
                else:
                    data[key] = _scalar(token, in_flow=False)
            elif open_key is not None and (match := _ITEM_LINE.fullmatch(source)):
                if items is None:
                    items = data[open_key] = LocatedList()
                    items.position = (line, len(match[1]) + 1)
                elif items.position[1] != len(match[1]) + 1:
                    raise _NotSimple
                items.append(_scalar(match[2].rstrip(" "), in_flow=False))
                items.item_positions.append((line, match.start(2) + 1))
            elif source.strip(" "):
                raise _NotSimple
    except _NotSimple:
        return None
    return data or None


def load_yaml(text: str, path: str, line_offset: int = 0) -> Any:
    """Parse one YAML document safely; raise BuildError located at `path` on any problem.

    `line_offset` is the number of lines before the YAML in its file (front matter starts after the fence).
    """
    if len(text) > MAX_YAML_BYTES:
        raise BuildError.single(
            path, 1 + line_offset, f"YAML larger than {MAX_YAML_BYTES} bytes", "split the data into smaller files"
        )
    simple = _read_simple(text, line_offset)
    if simple is not None:
        return simple
    from careerblog import yamlfull  # PyYAML: only for what the fast road declines

    return yamlfull.load(text, path, line_offset)

def position_of(container: Any, key: Any) -> Position | None:
    """Where `key` (a mapping key or list index) stood in its file, when the container came from YAML."""
    if isinstance(container, LocatedDict):
        return container.key_positions.get(key)
    if isinstance(container, LocatedList) and isinstance(key, int) and 0 <= key < len(container.item_positions):
        return container.item_positions[key]
    return None


def line_of(container: Any, key: Any = None) -> int | None:
    """The line of `key` in `container`, or of the container itself when no key is given."""
    if key is not None:
        pos = position_of(container, key)
        if pos:
            return pos[0]
    if isinstance(container, LocatedDict | LocatedList):
        return container.position[0]
    return None
