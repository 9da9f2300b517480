"""Reading typed fields out of YAML mappings, reporting every problem with its file and line."""

from __future__ import annotations

import datetime as dt
import difflib
import html
import re
from collections.abc import Iterable
from typing import Any

from careerblog.diagnostics import Diagnostics
from careerblog.yamlfile import Position, line_of, position_of

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# Browsers drop these anywhere in a URL's scheme (tab, newline) or before it (C0 controls, space).
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, dt.date):
        return "a date"
    return type(value).__name__


def type_name(value: Any) -> str:
    """How a YAML value's type reads in an error message."""
    return _type_name(value)


class Fields:
    """One YAML mapping being read: each accessor validates, records problems, and never raises."""

    def __init__(self, data: dict[Any, Any], path: str, diagnostics: Diagnostics, what: str) -> None:
        self.data = data
        self.path = path
        self.diagnostics = diagnostics
        self.what = what

    def line(self, key: str | None = None) -> int | None:
        return line_of(self.data, key)

    def position(self, key: str) -> Position | None:
        """The line and column where `key` stands, when the mapping came from YAML and holds it."""
        return position_of(self.data, key) if key in self.data else None

    def column(self, key: str | None) -> int | None:
        """The column where `key` stands, when the mapping came from YAML (None for the mapping as a whole)."""
        position = position_of(self.data, key) if key is not None else None
        return position[1] if position else None

    def error(self, key: str | None, message: str, hint: str = "") -> None:
        self.diagnostics.error(self.path, self.line(key), message, hint, col=self.column(key))

    def warning(self, key: str | None, message: str, hint: str = "") -> None:
        self.diagnostics.warning(self.path, self.line(key), message, hint, col=self.column(key))

    def require(self, *keys: str) -> bool:
        """Report every missing required key at once; True when all are present."""
        missing = [k for k in keys if self.data.get(k) in (None, "")]
        if missing:
            names = ", ".join(repr(k) for k in missing)
            self.error(
                None,
                f"{self.what} is missing required field{'s' if len(missing) > 1 else ''} {names}",
                f"add {names}",
            )
        return not missing

    def check_keys(self, known: Iterable[str], *, unknown_is_error: bool = False) -> None:
        """Warn about keys that look like typos of known ones; optionally refuse any unknown key."""
        known = tuple(known)
        for key in self.data:
            if key in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.75)
            if close:
                self.warning(str(key), f"unknown key {key!r} in {self.what}; did you mean {close[0]!r}?",
                             f"rename it to {close[0]!r}, or remove it")
            elif unknown_is_error:
                self.error(str(key), f"unknown key {key!r} in {self.what}",
                           "known keys: " + ", ".join(known))

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool | list | dict):
            self.error(key, f"{key!r} must be text, found {_type_name(value)}",
                       f'quote the value: {key}: "..."')
            return default
        return str(value)

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(key, f"{key!r} must be true or false, found {value!r}", f"{key}: true")
            return default
        return value

    def integer(self, key: str, default: int, minimum: int | None = None) -> int:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"{key!r} must be a whole number, found {value!r}")
            return default
        if minimum is not None and value < minimum:
            self.error(key, f"{key!r} must be at least {minimum}, found {value}")
            return default
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            items = ", ".join(s.strip() for s in value.split(",") if s.strip())
            self.error(key, f"{key!r} must be a list, found text {value!r}",
                       f"write it as a list: {key}: [{items}]")
            return ()
        if not isinstance(value, list):
            self.error(key, f"{key!r} must be a list, found {_type_name(value)}", f"{key}: [a, b]")
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            if item is None or isinstance(item, list | dict | bool):
                self.diagnostics.error(self.path, line_of(value, i) or self.line(key),
                                       f"item {i + 1} of {key!r} must be text, found {_type_name(item)}")
                continue
            if not str(item).strip():
                self.diagnostics.error(self.path, line_of(value, i) or self.line(key),
                                       f"item {i + 1} of {key!r} is empty", "remove it, or write the missing text")
                continue
            out.append(str(item))
        return tuple(out)

    def url(self, key: str) -> str:
        """A link target: http, https, mailto or a relative path; never javascript: and friends."""
        value = self.text(key)
        if value and not is_safe_url(value):
            self.error(key, f"{key!r} has a URL scheme that is not allowed: {value!r}",
                       "use an http://, https:// or mailto: address, or a path such as /about/")
            return ""
        return value

    def partial_date(self, key: str, *, required: bool = False) -> PartialDate | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(None, f"{self.what} is missing required field {key!r}", f"{key}: 2020-01")
            return None
        parsed = parse_partial_date(value)
        if parsed is None:
            self.error(key, f"{key!r} is not a valid date: {value!r}",
                       "write YYYY, YYYY-MM or YYYY-MM-DD with a real month and day")
        return parsed


def is_safe_url(value: str) -> bool:
    # Decode entities first: Markdown keeps `javascript&#58;...` as written, and a browser decodes it.
    lowered = _URL_IGNORED.sub("", html.unescape(value)).lower()
    if ":" not in lowered.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
        return True  # relative: no scheme before the first slash, query or fragment
    return lowered.startswith(_SAFE_SCHEMES)


class PartialDate(tuple[int, int | None, int | None]):
    """A date given to year, month or day precision, as career data is (`2019`, `2019-06`)."""

    __slots__ = ()

    def __new__(cls, year: int, month: int | None = None, day: int | None = None) -> PartialDate:
        return super().__new__(cls, (year, month, day))

    @property
    def year(self) -> int:
        return self[0]

    @property
    def month(self) -> int | None:
        return self[1]

    @property
    def day(self) -> int | None:
        return self[2]

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
            if self.day:
                parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def start(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def sort_value(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)


def parse_partial_date(value: Any) -> PartialDate | None:
    if isinstance(value, dt.datetime):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return PartialDate(value) if 1900 <= value <= 2999 else None
    if not isinstance(value, str):
        return None
    match = _PARTIAL_DATE.match(value.strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        return None
    return PartialDate(year, month, day)
