"""Safe YAML loading that remembers where every key and item stood, and refuses duplicate keys."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from careerblog.diagnostics import BuildError, Diagnostic

# The C parser is several times faster; the Python one is the same grammar, for machines without libyaml.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


# YAML also ends a line at these; editors, and careerblog's messages, only at a newline.
_YAML_ONLY_BREAKS = ("\u2028", "\u2029", "\x85")


class _Lines:
    """Line and column (0-based) of a character offset in a YAML text, counting only newlines as breaks."""

    def __init__(self, text: str) -> None:
        self.exotic = any(mark in text for mark in _YAML_ONLY_BREAKS)
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"] if self.exotic else []

    def at(self, mark: Any) -> tuple[int, int]:
        if not self.exotic:  # the parser's own count is right: the common case, no work
            return mark.line, mark.column
        line = bisect.bisect_right(self.starts, mark.index) - 1
        return line, mark.index - self.starts[line]


class _LocatingLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    line_offset = 0
    lines: _Lines

    def _position(self, node: Node) -> Position:
        line, column = self.lines.at(node.start_mark)
        return (line + 1 + self.line_offset, column + 1)


def _check_duplicates(loader: _LocatingLoader, node: MappingNode) -> None:
    seen: dict[Any, Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, ScalarNode):
            continue
        key = loader.construct_object(key_node)
        if key in seen:
            first_line = loader._position(seen[key])[0]
            raise ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first given on line {first_line})",
                key_node.start_mark,
            )
        seen[key] = key_node


def _construct_map(loader: _LocatingLoader, node: MappingNode) -> Any:
    data = LocatedDict()
    data.position = loader._position(node)
    yield data
    _check_duplicates(loader, node)
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise ConstructorError(
                None, None, "a mapping key must be a plain value, not a list or mapping", key_node.start_mark
            ) from None
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_positions[key] = loader._position(key_node)


def _construct_seq(loader: _LocatingLoader, node: SequenceNode) -> Any:
    data = LocatedList()
    data.position = loader._position(node)
    yield data
    for item in node.value:
        data.append(loader.construct_object(item, deep=True))
        data.item_positions.append(loader._position(item))


def _construct_timestamp(loader: _LocatingLoader, node: ScalarNode) -> Any:
    # An impossible date (2024-02-30) stays text, so the field that reads it can name its key.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, AttributeError):  # PyYAML resolves 00:00:00-00:16:08 as a time, then cannot read it
        return node.value


# Escapes in double-quoted YAML ("\0", "\ud800") can make characters that no page, feed or file may hold.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _construct_str(loader: _LocatingLoader, node: ScalarNode) -> Any:
    value = yaml.SafeLoader.construct_yaml_str(loader, node)
    bad = _FORBIDDEN.search(value)
    if bad:
        raise ConstructorError(None, None, f"text holds the control character U+{ord(bad.group()):04X}",
                               node.start_mark)
    return value


def _construct_number(loader: _LocatingLoader, node: ScalarNode) -> Any:
    constructor = {"tag:yaml.org,2002:int": yaml.SafeLoader.construct_yaml_int,
                   "tag:yaml.org,2002:float": yaml.SafeLoader.construct_yaml_float}[node.tag]
    try:
        return constructor(loader, node)
    except ValueError:
        raise ConstructorError(None, None, "a number too long to read", node.start_mark) from None


def _refuse(loader: _LocatingLoader, node: Node) -> Any:
    # Sets print in hash order (never the same twice) and binary prints as b'...': neither belongs in a site.
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise ConstructorError(None, None, f"the YAML type {tag} is not supported", node.start_mark)


for _tag in ("set", "binary", "omap", "pairs"):
    _LocatingLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)
_LocatingLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_LocatingLoader.add_constructor("tag:yaml.org,2002:int", _construct_number)
_LocatingLoader.add_constructor("tag:yaml.org,2002:float", _construct_number)
_LocatingLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LocatingLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_LocatingLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


# ---------------------------------------------------------------- the fast road for simple front matter

# Most front matter is a handful of `key: value` lines; PyYAML's constructors cost more than reading them.
# `_read_simple` reads only a subset whose meaning is plain, and returns exactly what the full path would
# (tests/test_yamlfile_fast.py checks the two against each other). It declines anything else, and anything
# that could be an error, so every problem is still found and worded by PyYAML above.


class _NotSimple(Exception):
    """The text leaves the subset `_read_simple` reads: the full path must read it."""


# Newlines and printable characters only: no tab, CR, BOM, U+2028/U+2029 break, nor any character the
# reader or _FORBIDDEN would refuse.
_UNUSUAL = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
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
_TIMESTAMP_FORM = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d)(?:(Z)|([-+])(\d\d):(\d\d))?)?")
_STR, _NULL, _BOOL, _INT, _FLOAT, _TIMESTAMP = (
    f"tag:yaml.org,2002:{name}" for name in ("str", "null", "bool", "int", "float", "timestamp"))


def _implicit_tag(text: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar (Resolver.resolve, over the loader's own table)."""
    table = _LocatingLoader.yaml_implicit_resolvers
    for tag, pattern in table.get(text[0], []) + table.get(None, []):
        if pattern.match(text):
            return str(tag)
    return _STR


def _plain(text: str) -> Any:
    """A one-line plain scalar constructed as the full path does, for the forms read here."""
    tag = _implicit_tag(text)
    if tag == _STR:
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return yaml.SafeLoader.bool_values[text.lower()]
    if tag == _INT and _DECIMAL.fullmatch(text):  # not octal 012, hex, 1_000 nor sexagesimal 1:30
        return int(text)
    if tag == _FLOAT and _POINT_FLOAT.fullmatch(text):  # not .inf, 1e3 nor 1_0.5
        return float(text)
    if tag == _TIMESTAMP and (match := _TIMESTAMP_FORM.fullmatch(text)):
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
    except ValueError:  # as in _construct_timestamp
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
                if key in data or _implicit_tag(key) != _STR:  # a duplicate, or a key such as `yes` or `null`
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


def _hint_for(problem: str, source_line: str = "") -> str:
    leading = source_line[: len(source_line) - len(source_line.lstrip())]
    if "\t" in leading or "'\\t'" in problem:
        return "YAML indents with spaces; replace the tab characters with spaces"
    if "mapping values are not allowed" in problem:
        return "a value that contains ': ' must be quoted, for example title: \"Python: a guide\""
    if "cannot start any token" in problem:
        return "quote a value that starts with @, `, % or another YAML indicator"
    if "duplicate key" in problem:
        return "each key may appear once; remove or rename one of them"
    if "could not determine a constructor" in problem:
        return "careerblog loads YAML safely: tags such as !!python/object are not allowed"
    if "not supported" in problem:
        return "write it as a plain list, mapping or text"
    if "number too long" in problem:
        return "quote it to keep it as text"
    if "aliases" in problem:
        return "write the values out instead of repeating anchors (&name) and aliases (*name)"
    if "control character" in problem or "special characters" in problem:
        return "remove the invisible control character from this line"
    if "invalid date" in problem:
        return "write dates as YYYY-MM-DD, with a real month and day"
    return "check the YAML syntax around this line"


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
    loader = _LocatingLoader(text)
    loader.line_offset = line_offset
    loader.lines = lines = _Lines(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        # Only aliases (*name) can make a document bigger than its text: without a "*" there is none to count.
        if "*" in text and _expanded_size(node) > MAX_YAML_VALUES:
            raise BuildError.single(path, lines.at(node.start_mark)[0] + 1 + line_offset,
                                    f"YAML aliases expand to more than {MAX_YAML_VALUES} values", _hint_for("aliases"))
        return loader.construct_document(node)
    except yaml.reader.ReaderError as exc:
        reader_line = text.count("\n", 0, exc.position) + 1 + line_offset
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        problem = f"character U+{code:04X} is not allowed in YAML: {exc.reason}"
        raise BuildError.single(path, reader_line, problem, _hint_for(exc.reason)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        at = lines.at(mark) if mark else None
        line = at[0] + 1 + line_offset if at else None
        col = at[1] + 1 if at else None
        text_lines = text.split("\n")
        source_line = text_lines[at[0]] if at and at[0] < len(text_lines) else ""
        hint = _hint_for(problem, source_line)
        raise BuildError((Diagnostic(path, line, col, "error", problem, hint),)) from None
    except yaml.YAMLError as exc:
        raise BuildError.single(path, 1 + line_offset, f"invalid YAML: {exc}", _hint_for(str(exc))) from None
    except RecursionError:
        raise BuildError.single(
            path, 1 + line_offset, "YAML nested too deeply to read", "flatten the structure"
        ) from None
    finally:
        loader.dispose()


def _expanded_size(root: Node) -> int:
    """How many values the document holds once every alias is expanded (each node counted once per use)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        if children_done or not children:
            sizes[id(node)] = min(1 + sum(sizes.get(id(c), 1) for c in children), MAX_YAML_VALUES + 1)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


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
