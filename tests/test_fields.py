"""fields: typed reads of YAML mappings, every problem reported with file and line, never raised."""

from __future__ import annotations

import datetime as dt

import pytest

from careerblog.diagnostics import Diagnostics
from careerblog.fields import Fields, PartialDate, is_safe_url, parse_partial_date
from careerblog.yamlfile import load_yaml


def fields(text: str) -> tuple[Fields, Diagnostics]:
    diags = Diagnostics()
    return Fields(load_yaml(text, "f.yml"), "f.yml", diags, "role 1"), diags


def messages(diags: Diagnostics) -> list[str]:
    return [d.format() for d in diags.items]


def test_require_lists_every_missing_field_at_once() -> None:
    f, diags = fields("summary: s\nposition: ''\n")
    assert not f.require("position", "organization", "start_date")
    assert messages(diags) == [
        "f.yml:1: error: role 1 is missing required fields 'position', 'organization', 'start_date'\n"
        "  hint: add 'position', 'organization', 'start_date'"
    ]


def test_a_likely_typo_of_a_known_key_warns_with_did_you_mean() -> None:
    f, diags = fields("position: P\norganisation: O\nmood: fine\n")
    f.check_keys(("position", "organization"))
    assert messages(diags) == [
        "f.yml:2:1: warning: unknown key 'organisation' in role 1; did you mean 'organization'?\n"
        "  hint: rename it to 'organization', or remove it"
    ]


def test_unknown_keys_can_be_refused() -> None:
    f, diags = fields("position: P\nmood: fine\n")
    f.check_keys(("position",), unknown_is_error=True)
    assert messages(diags) == ["f.yml:2:1: error: unknown key 'mood' in role 1\n  hint: known keys: position"]


def test_wrongly_typed_values_name_key_line_and_what_was_found() -> None:
    f, diags = fields("title: [a]\ndraft: yes please\ncount: 1.5\nlow: 0\n")
    assert f.text("title") == ""
    assert f.boolean("draft") is False
    assert f.integer("count", 3) == 3
    assert f.integer("low", 3, minimum=1) == 3
    assert messages(diags) == [
        "f.yml:1:1: error: 'title' must be text, found a list\n  hint: quote the value: title: \"...\"",
        "f.yml:2:1: error: 'draft' must be true or false, found 'yes please'\n  hint: draft: true",
        "f.yml:3:1: error: 'count' must be a whole number, found 1.5",
        "f.yml:4:1: error: 'low' must be at least 1, found 0",
    ]


def test_text_accepts_numbers_and_dates_as_text() -> None:
    f, diags = fields("title: 2024\nsub: 3.5\n")
    assert (f.text("title"), f.text("sub"), f.text("absent", "dflt")) == ("2024", "3.5", "dflt")
    assert not diags.items


def test_tags_as_a_string_is_an_error_with_the_list_form_as_hint() -> None:
    f, diags = fields("tags: python, data\n")
    assert f.text_list("tags") == ()
    assert messages(diags) == [
        "f.yml:1:1: error: 'tags' must be a list, found text 'python, data'\n"
        "  hint: write it as a list: tags: [python, data]"
    ]


def test_list_items_must_be_text_and_are_located() -> None:
    f, diags = fields("tags:\n  - a\n  - [b]\n  - 3\n  - ''\n")
    assert f.text_list("tags") == ("a", "3")
    assert messages(diags) == ["f.yml:3: error: item 2 of 'tags' must be text, found a list",
                               "f.yml:5: error: item 4 of 'tags' is empty\n"
                               "  hint: remove it, or write the missing text"]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                                 "java\tscript:alert(1)", "\x01javascript:alert(1)", "javascript&#58;alert(1)",
                                 "jav&#x61;script:alert(1)", "data:text/html,hi", "vbscript:x"])
def test_script_urls_are_unsafe(url: str) -> None:
    assert not is_safe_url(url)


@pytest.mark.parametrize("url", ["https://example.org/", "http://x.y", "mailto:a@b.c", "/about/", "../up/",
                                 "page.html?a=b:c", "#top", "images/a:b.png"])
def test_web_and_relative_urls_are_safe(url: str) -> None:
    assert is_safe_url(url)


def test_url_field_refuses_a_script_scheme() -> None:
    f, diags = fields("url: javascript:alert(1)\n")
    assert f.url("url") == ""
    assert messages(diags) == [
        "f.yml:1:1: error: 'url' has a URL scheme that is not allowed: 'javascript:alert(1)'\n"
        "  hint: use an http://, https:// or mailto: address, or a path such as /about/"
    ]


@pytest.mark.parametrize(("value", "expected"), [
    ("2019", PartialDate(2019)), (2019, PartialDate(2019)), ("2019-06", PartialDate(2019, 6)),
    ("2019-6", PartialDate(2019, 6)), (dt.date(2019, 6, 1), PartialDate(2019, 6, 1)),
    ("2024-02-30", None), ("2019-13", None), ("June 2019", None), (True, None), (1234567, None),
])
def test_partial_dates(value: object, expected: PartialDate | None) -> None:
    assert parse_partial_date(value) == expected


def test_partial_date_iso_and_order() -> None:
    assert PartialDate(2019, 6).iso() == "2019-06"
    assert PartialDate(2019).start() == dt.date(2019, 1, 1)
    assert PartialDate(2019).sort_value() < PartialDate(2019, 1).sort_value()


def test_bad_partial_date_names_the_key() -> None:
    f, diags = fields("start_date: 2024-02-30\n")
    assert f.partial_date("start_date") is None
    assert messages(diags) == [
        "f.yml:1:1: error: 'start_date' is not a valid date: '2024-02-30'\n"
        "  hint: write YYYY, YYYY-MM or YYYY-MM-DD with a real month and day"
    ]
