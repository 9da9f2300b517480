"""yamlfile's fast road: simple front matter is read without PyYAML, into exactly what PyYAML's path makes of it.

`_read_simple` returns None for any text outside its subset; load_yaml then reads it with PyYAML as before.
The differential tests draw texts from the subset and from just outside it, and compare the two roads value by
value, type by type, key order and every position.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sitefiles import printed_by_fresh_python

from careerblog import yamlfile, yamlfull
from careerblog.diagnostics import BuildError
from careerblog.yamlfile import LocatedDict, LocatedList, _read_simple, load_yaml

ROOT = Path(__file__).parent.parent


def _full_road(text: str, line_offset: int) -> Any:
    """What load_yaml returns with the fast road closed: PyYAML and careerblog's constructors."""
    with mock.patch.object(yamlfile, "_read_simple", return_value=None):
        return load_yaml(text, "x.yml", line_offset)


def _shape(value: Any) -> Any:
    """Everything the two roads must agree on: types at every depth (True == 1 in Python), order, positions."""
    if isinstance(value, LocatedDict):
        return ("mapping", value.position, [(_shape(key), value.key_positions[key], _shape(item))
                                            for key, item in value.items()], len(value.key_positions))
    if isinstance(value, LocatedList):
        return ("list", value.position, [_shape(item) for item in value], value.item_positions)
    return (type(value), repr(value))  # repr tells -0.0 from 0.0, and a datetime's zone


def _assert_same(text: str, line_offset: int = 1) -> None:
    fast = _read_simple(text, line_offset)
    try:
        full = _full_road(text, line_offset)
    except BuildError as exc:
        assert fast is None, f"the fast road read {text!r}, which PyYAML refuses: {exc}"
        return
    if fast is not None:
        assert _shape(fast) == _shape(full)


# ---------------------------------------------------------------- texts in the subset and just outside it

# Plain scalars PyYAML 1.1 resolves to something other than text, or cannot read, and text that looks like them.
SPECIAL_PLAIN = (
    "yes", "Yes", "NO", "on", "Off", "y", "n", "Y", "N", "true", "False", "TRUE", "tRue", "null", "Null", "NULL",
    "~", "=", "<<", ".inf", "-.Inf", ".NaN", ".nan", "0x1F", "-0x1f", "0o17", "017", "08", "0b101", "1_000", "1:30",
    "-1:30", "190:20:30.15", "1e3", "1.5e+3", "6.8523015e+5", "1.0e-3", "+12", "-0", "0", "00", "-7", "1.", ".5",
    "-1.5", "3.14", "+0.0", "-0.0", "1_0.5", "12345678901234567890123456789012345678901234567890", "9" * 4400,
    "1" * 41, "1" * 42, "2024-03-01", "2024-02-29", "2023-02-29", "2024-02-30", "2024-13-01", "2024-00-10",
    "0000-01-01", "2024-2-3", "2024-03-01T10:00:00", "2024-03-01t10:00:00", "2024-03-01 10:00:00",
    "2024-03-01T25:00:00", "2024-03-01T10:60:00", "2024-03-01T10:00:60", "2024-03-01T10:00:00Z",
    "2024-03-01T10:00:00z", "2024-03-01T10:00:00+01:00", "2024-03-01T10:00:00-05:30", "2024-03-01T10:00:00+00:00",
    "2024-03-01T10:00:00-00:00", "2024-03-01T10:00:00+25:00", "2024-03-01T10:00:00+23:99",
    "2024-03-01T10:00:00+1", "2024-03-01T10:00:00+0100", "2024-03-01T10:00:00.5", "2024-03-01T10:00:00 +01:00",
    "2024-03-01T1:00:00", "9999-12-31T23:59:59-23:59", "2012-01-01T08:31:56", "00:00:00-00:16:08", "2024-03-01x",
    "-a", "-", "--", "---", "...", "- a", "-1a", "?a", "? a", ":a", ": a", "#a", "a #b", "a#b", "C#", "a:", "a:b",
    "a: b", "http://example.com/a?b=1#c", "&a x", "*a", "!!str x", "!x", "|", ">", "|-", "%x", "@x", "`x`", "a, b",
    "a [b]", "a {b}", "[a]", "{a: b}", "a'b", 'a"b', "don't", "é", "日本", "a\xa0b", "\xa0", "x" * 300,
)
# Characters that matter to YAML's grammar, then (drawn less often) to its reader or to careerblog's checks.
GRAMMAR_CHARACTERS = list("aZ09 :#-,[]{}'\"&*!|>%@`?.~_/\\+=<é\xa0")
READER_CHARACTERS = ["\u2028", "\u2029", "\x85", "\ufeff", "\t", "\x00", "\x1b", "\x7f", "\x9f", "\ufffe",
                     "\U0001f600", "\r"]
ALPHABET = st.sampled_from(GRAMMAR_CHARACTERS * 4 + READER_CHARACTERS)
WORDS = st.text(ALPHABET, max_size=8)
PLAIN = st.one_of(st.sampled_from(SPECIAL_PLAIN), WORDS,
                  st.builds("{}{}".format, st.sampled_from(SPECIAL_PLAIN), WORDS))
ESCAPES = st.sampled_from(["\\", "\\\\", '\\"', "\\n", "\\t", "\\x00", "\\x41", "\\u263a", "\\ud800", "\\e", "\\ ",
                           "''", "'", '"', "#", ": ", " # c"])
QUOTED_TEXT = st.lists(st.one_of(WORDS, ESCAPES, st.sampled_from(SPECIAL_PLAIN)), max_size=4).map("".join)
QUOTED = st.one_of(st.builds('"{}"'.format, QUOTED_TEXT), st.builds("'{}'".format, QUOTED_TEXT))
SCALAR = st.one_of(PLAIN, QUOTED)
FLOW_LIST = st.builds(
    lambda opening, items, separators, closing: opening + "".join(
        separator + item for separator, item in zip(["", *separators], items, strict=False)) + closing,
    st.sampled_from(["[", "[ ", "[  "]), st.lists(SCALAR, max_size=4),
    st.lists(st.sampled_from([", ", ",", " , ", ",  ", " ,", ",\n  ", ", ,"]), min_size=3, max_size=3),
    st.sampled_from(["]", " ]", ",]", ", ]", "", "] x", "] # c", "]]"]),
)
VALUE = st.one_of(SCALAR, SCALAR, FLOW_LIST, st.sampled_from(["", "{a: 1}", "|\n  text", ">\n  text", "&a [x]",
                                                                "*a", "!!set {a}", "!!binary aGk=", "? x"]))
KEY = st.sampled_from(["title", "date", "tags", "summary", "draft", "slug", "a", "_x", "a-b", "A_1", "Title"] * 3
                      + ["yes", "No", "null", "NULL", "on", "y", "n", "true", "~", "1", "1.5", "2024-01-01", '"title"',
                         "'title'", "a b", "é", "-a", "?", "<<", "=", "title ", "a:b", "a#", "#a", "&a", "!a", ""])
KEY_LINE = st.builds(lambda key, colon, value, trailing: f"{key}{colon}{value}{trailing}",
                     KEY, st.sampled_from([": ", ": ", ": ", ":", ":  ", ": \t", ":\t", " : "]), VALUE,
                     st.sampled_from(["", "", "", " ", "   ", "\t", " # c", "#c"]))
ITEM_LINE = st.builds(lambda indent, dash, value, trailing: f"{indent}{dash}{value}{trailing}",
                      st.sampled_from(["", "", " ", "  ", "  ", "    ", "\t"]),
                      st.sampled_from(["- ", "- ", "-  ", "-", "-\t"]), st.one_of(SCALAR, FLOW_LIST),
                      st.sampled_from(["", "", " ", " # c"]))
OTHER_LINE = st.sampled_from(["", "", " ", "   ", "# comment", "  continued", "    more", "---", "...",
                              "%YAML 1.1", "key: &a x", "other: *a", "  nested: 1", "- ", "-", "? x", ": y"])
MESSY_TEXT = st.builds(lambda lead, lines, end: lead + "\n".join(lines) + end,
                       st.sampled_from(["", "", "\n", " \n", "\ufeff"]),
                       st.lists(st.one_of(KEY_LINE, ITEM_LINE, OTHER_LINE), min_size=1, max_size=5),
                       st.sampled_from(["", "", "\n", "\n\n", " "]))

# Front matter mostly in the subset, so that the fast road reads enough of what is drawn to be tested.
TIDY_WORDS = st.text(st.sampled_from(list("aZ09 -.,_/:#é")), min_size=1, max_size=10)
TIDY_SCALAR = st.one_of(st.sampled_from(SPECIAL_PLAIN), TIDY_WORDS, st.builds('"{}"'.format, TIDY_WORDS),
                        st.builds("'{}'".format, TIDY_WORDS))
TIDY_VALUE = st.one_of(
    st.builds(" {}".format, TIDY_SCALAR),
    st.builds(" [{}]".format, st.lists(TIDY_SCALAR, max_size=4).map(", ".join)),
    st.builds(lambda indent, items: "".join(f"\n{indent}- {item}" for item in items),
              st.sampled_from(["", "  ", "    "]), st.lists(TIDY_SCALAR, max_size=3)),
)
TIDY_TEXT = st.lists(
    st.tuples(st.sampled_from(["title", "date", "updated", "tags", "summary", "draft", "toc", "n", "a_b", "x-y"]),
              TIDY_VALUE, st.sampled_from(["", "", "", "\n", " "])),
    min_size=1, max_size=5, unique_by=lambda field: field[0],
).map(lambda fields: "\n".join(f"{key}:{value}{after}" for key, value, after in fields))

# One field whose value is anything VALUE draws: most near misses of a scalar, alone in their text.
FIELD_TEXT = st.one_of(st.builds("title: {}".format, VALUE),
                       st.builds("tags:\n{}\n{}".format, ITEM_LINE, ITEM_LINE))


@settings(max_examples=2000, deadline=None)
@given(TIDY_TEXT, st.integers(0, 3))
@example("tags:\n  - a\n  -  'b''c'\n\nnext: [a, 'x, y' , \"z\"]", 2)
def test_front_matter_in_the_subset_reads_the_same_on_both_roads(text: str, line_offset: int) -> None:
    _assert_same(text, line_offset)


@settings(max_examples=3000, deadline=None)
@given(MESSY_TEXT, st.integers(0, 3))
@example("title: A\nsummary: s\ntitle: B", 1)  # a duplicate key
@example("title: \"x\\ty\"\nd: 2024-02-30\nn: 1_0", 0)
def test_front_matter_near_the_subset_reads_the_same_or_is_declined(text: str, line_offset: int) -> None:
    _assert_same(text, line_offset)


@settings(max_examples=2000, deadline=None)
@given(FIELD_TEXT, st.integers(0, 3))
@example("title: [a:?, b]", 0)  # libyaml refuses it, PyYAML's pure Python parser reads it
def test_a_field_near_the_subset_reads_the_same_or_is_declined(text: str, line_offset: int) -> None:
    _assert_same(text, line_offset)


def _read_share(texts: st.SearchStrategy[str]) -> tuple[float, list[LocatedDict]]:
    """The share of drawn texts the fast road reads, and what it read."""
    read: list[LocatedDict] = []
    drawn = 0

    @settings(max_examples=500, deadline=None)
    @given(texts)
    def draw(text: str) -> None:
        nonlocal drawn
        drawn += 1
        if (data := _read_simple(text, 1)) is not None:
            read.append(data)

    draw()
    return len(read) / drawn, read


def test_the_drawn_texts_reach_the_fast_road() -> None:
    """The comparisons above prove little if the fast road declines what they draw: it must read many of
    their texts, with every kind of value."""
    tidy_share, tidy = _read_share(TIDY_TEXT)
    field_share, field = _read_share(FIELD_TEXT)
    messy_share, messy = _read_share(MESSY_TEXT)
    assert tidy_share > 0.3
    assert field_share > 0.1
    assert messy_share > 0.02
    values = [value for data in tidy + field + messy for value in data.values()]
    values += [item for value in values if isinstance(value, list) for item in value]
    assert {type(value) for value in values} == {str, int, float, bool, type(None), dt.date, dt.datetime,
                                                 LocatedList}


# ---------------------------------------------------------------- what real front matter looks like

def _front_matter(path: Path) -> str | None:
    """The YAML between a document's `---` fences, as split_front_matter passes it to load_yaml."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines[0].rstrip() != "---":
        return None
    close = next((i for i in range(1, len(lines)) if re.fullmatch(r"(?:---|\.\.\.)[ \t]*", lines[i])), None)
    return None if close is None else "\n".join(lines[1:close])


def _documents(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.md"))


DEMO_DOCUMENTS = _documents("content", "tests/fixture-site/content")


@pytest.mark.parametrize("path", DEMO_DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_the_demo_and_fixture_front_matter_takes_the_fast_road(path: Path) -> None:
    text = _front_matter(path)
    assert text is not None
    assert _read_simple(text, 1) is not None
    _assert_same(text)


def test_the_benchmark_front_matter_takes_the_fast_road(tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_site.py"), "300", str(site), "--layout", "careerblog"],
                   check=True, capture_output=True, text=True)
    texts = [_front_matter(path) for path in sorted((site / "content" / "posts").glob("*.md"))]
    assert len(texts) == 300
    for text in texts:
        assert text is not None
        assert _read_simple(text, 1) is not None, text
        _assert_same(text)


def test_load_yaml_takes_the_fast_road_without_pyyaml() -> None:
    text = 'title: "What dashboard taught me"\ndate: 2012-01-01T08:31:56\ntags: ["data", "devops"]\ndraft: true'
    with mock.patch.object(yamlfull._LocatingLoader, "get_single_node", side_effect=AssertionError("PyYAML read it")):
        data = load_yaml(text, "x.md", line_offset=1)
    assert data == {"title": "What dashboard taught me", "date": dt.datetime(2012, 1, 1, 8, 31, 56),
                    "tags": ["data", "devops"], "draft": True}
    assert data.key_positions == {"title": (2, 1), "date": (3, 1), "tags": (4, 1), "draft": (5, 1)}
    assert (data["tags"].position, data["tags"].item_positions) == ((4, 7), [(4, 8), (4, 16)])


def test_a_block_list_and_plain_values_take_the_fast_road() -> None:
    data = _read_simple("title: Plain, with a comma\ntags:\n  - a\n  - 'b c'\nupdated: 2024-03-01\nn: ~", 1)
    assert data == {"title": "Plain, with a comma", "tags": ["a", "b c"], "updated": dt.date(2024, 3, 1), "n": None}
    assert (data["tags"].position, data["tags"].item_positions) == ((4, 3), [(4, 5), (5, 5)])


NEAR_MISSES = {
    "duplicate key": "title: A\ntitle: B",
    "escape in a double-quoted string": 'title: "a\\"b"',
    "comment": "title: a # note",
    "comment line": "# note\ntitle: a",
    "colon and space in a plain value": "title: Python: a guide",
    "value continued on the next line": "title: a\n  b",
    "nested mapping": "author:\n  name: Ada",
    "block scalar": "summary: |\n  text",
    "anchor": "title: &t x",
    "tag": "title: !!str 1",
    "key that is a boolean": "yes: 1",
    "quoted key": '"title": x',
    "octal number": "n: 017",
    "sexagesimal number": "n: 1:30",
    "infinity": "n: .inf",
    "date with a space before the time": "date: 2024-03-01 10:00:00",
    "tab": "title:\ta",
    "flow mapping": "a: {b: 1}",
    "trailing comma in a flow list": "tags: [a, b,]",
    "multi-line flow list": "tags: [a,\n  b]",
    "list items at two indents": "tags:\n  - a\n - b",
    "line separator": "title: a\u2028b",
    "document marker": "---\ntitle: a",
}


@pytest.mark.parametrize("text", NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
def test_near_misses_are_left_to_pyyaml(text: str) -> None:
    assert _read_simple(text, 1) is None


def test_pyyaml_is_imported_only_for_yaml_the_fast_road_declines() -> None:
    script = (
        "import sys\n"
        "from careerblog.yamlfile import load_yaml\n"
        "load_yaml('title: \"A\"\\ndate: 2024-01-02\\ntags: [a, b]\\n', 'a.md', 1)\n"
        "print('yaml' in sys.modules)\n"
        "print(load_yaml('title: &a A\\nalias: *a\\n', 'b.md', 1)['alias'])\n"
        "print('yaml' in sys.modules)\n"
    )
    assert printed_by_fresh_python(script) == ["False", "A", "True"]


def test_the_unusual_characters_are_every_character_but_newlines_and_printable_ones() -> None:
    """`_UNUSUAL` names what the fast road refuses; here, the same set named by what it allows, over all of Unicode."""
    from careerblog.yamlfile import _UNUSUAL

    allowed = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
    every = "".join(map(chr, range(0x110000)))
    refused = [m.start() for m in _UNUSUAL.finditer(every)]
    assert refused == [i for i, c in enumerate(every) if not allowed.match(c)]
    assert {0x09, 0x0D, 0x7F, 0x85, 0x2028, 0xFEFF, 0xD800, 0xFFFF} <= set(refused)
