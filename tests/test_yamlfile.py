"""yamlfile: safe YAML with positions, duplicate keys refused, every problem located."""

from __future__ import annotations

import datetime as dt

import pytest

from careerblog.diagnostics import BuildError
from careerblog.yamlfile import line_of, load_yaml, position_of


def error_of(text: str, line_offset: int = 0) -> str:
    with pytest.raises(BuildError) as info:
        load_yaml(text, "content/data/x.yml", line_offset=line_offset)
    (diagnostic,) = info.value.diagnostics
    return diagnostic.format()


def test_positions_of_keys_and_items_count_from_the_top_of_the_file() -> None:
    data = load_yaml("title: T\nlist:\n  - a\n  - b\n", "x.yml", line_offset=1)
    assert data == {"title": "T", "list": ["a", "b"]}
    assert line_of(data, "title") == 2
    assert line_of(data, "list") == 3
    assert line_of(data["list"], 1) == 5
    assert line_of(data, "absent") == 2  # falls back to where the mapping starts


def test_malformed_yaml_names_file_line_and_column_with_a_hint() -> None:
    assert error_of("title: Python: a guide\n") == (
        "content/data/x.yml:1:14: error: mapping values are not allowed in this context\n"
        '  hint: a value that contains \': \' must be quoted, for example title: "Python: a guide"'
    )


def test_front_matter_offset_moves_the_line_of_an_error() -> None:
    assert error_of("title: Python: a guide\n", line_offset=1).startswith("content/data/x.yml:2:14: error:")


def test_tab_indentation_gets_its_own_hint() -> None:
    assert error_of("list:\n\t- a\n") == (
        "content/data/x.yml:2:1: error: found character that cannot start any token\n"
        "  hint: YAML indents with spaces; replace the tab characters with spaces"
    )


def test_a_value_starting_with_an_indicator_is_explained() -> None:
    assert error_of("handle: @ada\n").endswith(
        "hint: quote a value that starts with @, `, % or another YAML indicator")


def test_duplicate_key_names_both_lines() -> None:
    assert error_of("title: A\nsummary: s\ntitle: B\n") == (
        "content/data/x.yml:3:1: error: duplicate key 'title' (first given on line 1)\n"
        "  hint: each key may appear once; remove or rename one of them"
    )


def test_duplicate_key_in_a_nested_mapping_is_found_too() -> None:
    assert "x.yml:3:3: error: duplicate key 'city' (first given on line 2)" in error_of(
        "location:\n  city: A\n  city: B\n")


def test_merge_keys_still_work() -> None:
    data = load_yaml("base: &b {k: 1}\nitem:\n  <<: *b\n  j: 2\n", "x.yml")
    assert data["item"] == {"k": 1, "j": 2}


def test_object_constructing_tags_are_refused() -> None:
    message = error_of("!!python/object/apply:os.system [echo hi]\n")
    assert "could not determine a constructor" in message
    assert "hint: careerblog loads YAML safely" in message


def test_an_impossible_date_stays_text_so_its_field_can_name_it() -> None:
    assert load_yaml("d: 2024-02-30\n", "x.yml") == {"d": "2024-02-30"}
    assert load_yaml("d: 2024-02-03\n", "x.yml") == {"d": dt.date(2024, 2, 3)}


def test_deep_nesting_is_a_clean_error() -> None:
    assert "content/data/x.yml:1:" in error_of("[" * 5000)


def test_empty_document_is_none() -> None:
    assert load_yaml("", "x.yml") is None
    assert load_yaml("# only a comment\n", "x.yml") is None


def test_lines_are_counted_at_newlines_only_as_editors_count_them() -> None:
    """YAML also ends a line at U+2028, U+2029 and U+0085; a message must still point at the line shown."""
    data = load_yaml('títle: "a\u2028b"\nnext: "c\x85d"\nlast: 1\n', "x.yml")
    assert [position_of(data, key) for key in data] == [(1, 1), (2, 1), (3, 1)]
    assert error_of("a: 1\nb: \u2028\u2028c\n  d: 2\n").startswith("content/data/x.yml:3:4: error:")
    assert error_of("a: 1\nb: \u2028\u2028c\n  d: 2\n", line_offset=1).startswith("content/data/x.yml:4:4:")


def test_only_aliases_count_against_the_value_limit() -> None:
    """A long list written out in full is as big as its text; aliases that multiply a tree are refused."""
    written_out = "years: [" + ", ".join(["2020"] * 120_000) + "]\n"
    assert len(load_yaml(written_out, "data/long.yml")["years"]) == 120_000
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(5))
    with pytest.raises(BuildError, match="aliases expand to more than"):
        load_yaml(bomb, "data/bomb.yml")
