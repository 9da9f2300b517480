"""The full road for YAML: PyYAML's parser, with constructors that remember positions, refuse duplicate keys,
control characters and unsupported types, and errors turned into located messages. yamlfile.load_yaml sends
here whatever its fast road declines.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from careerblog.diagnostics import BuildError, Diagnostic
from careerblog.yamlfile import MAX_YAML_VALUES, LocatedDict, LocatedList, Position

# The C parser is several times faster; the Python one is the same grammar, for machines without libyaml.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


def load(text: str, path: str, line_offset: int = 0) -> Any:
    """Parse one YAML document with PyYAML (yamlfile.load_yaml checked its size); BuildError located at `path`."""
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
