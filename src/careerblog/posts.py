"""Posts and standalone pages: Markdown files with YAML front matter, read and validated."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from careerblog.diagnostics import BuildError, Diagnostic, Diagnostics
from careerblog.fields import Fields
from careerblog.urls import is_valid_slug, slugify
from careerblog.yamlfile import LocatedDict, Position, load_yaml

MARKDOWN_SUFFIXES = (".md", ".markdown")
POST_KEYS = ("title", "date", "updated", "summary", "tags", "draft", "slug", "image", "layout", "toc")
PAGE_KEYS = ("title", "summary", "draft", "slug", "image", "layout", "updated", "toc", "date")
_JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FENCE = re.compile(r"^---[ \t]*$")
_FENCE_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


@dataclass(frozen=True, slots=True)
class Source:
    """A Markdown file split into its front matter and body, with the line where the body starts."""

    path: str  # relative to the site root, with forward slashes
    meta: dict[str, Any]
    body: str
    body_line: int  # 1-based line of the body's first line in the file


@dataclass(frozen=True, slots=True)
class Post:
    source: str
    title: str
    date: dt.datetime  # aware
    slug: str
    body: str
    body_line: int
    updated: dt.datetime | None = None
    summary: str = ""
    tags: tuple[str, ...] = ()
    draft: bool = False
    image: str = ""
    layout: str = "post"
    layout_at: Position | None = None  # (line, column) of the front matter's `layout`, for a missing layout
    slug_at: Position | None = None  # and of its `slug`, for a clash of URLs
    toc: bool = True
    extra: MappingProxyType[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def url(self) -> str:
        return f"posts/{self.slug}/"


@dataclass(frozen=True, slots=True)
class Page:
    source: str
    title: str
    slug: str  # may hold slashes for pages in sub-folders: "talks/2024"
    body: str
    body_line: int
    summary: str = ""
    draft: bool = False
    image: str = ""
    layout: str = "page"
    layout_at: Position | None = None
    slug_at: Position | None = None
    toc: bool = False
    updated: dt.datetime | None = None
    extra: MappingProxyType[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def url(self) -> str:
        return f"{self.slug}/"


def decode_text(raw: bytes, path: str) -> str:
    """UTF-8 text with a byte-order mark dropped and line endings made LF, or a located error."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        col = len(raw[line_start : exc.start].decode("utf-8-sig", "replace")) + 1
        raise BuildError((Diagnostic(path, line, col, "error", f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                                     "save the file with UTF-8 encoding"),)) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise BuildError((Diagnostic(path, line, bad.start() - text.rfind("\n", 0, bad.start()), "error",
                                     f"file holds the control character U+{ord(bad.group()):04X}",
                                     "remove it; pages and feeds cannot carry it"),))
    return text


def split_front_matter(text: str, path: str) -> Source:
    """Separate YAML front matter between `---` fences from the Markdown body."""
    if not text.startswith("---"):
        return Source(path, LocatedDict(), text, 1)
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        return Source(path, LocatedDict(), text, 1)
    close = next((i for i in range(1, len(lines)) if _FENCE_END.match(lines[i])), None)
    if close is None:
        raise BuildError((Diagnostic(path, 1, 1, "error", "front matter opened on line 1 is never closed",
                                     "add a line with --- after the last front matter field"),))
    meta = load_yaml("\n".join(lines[1:close]), path, line_offset=1)
    if meta is None:
        meta = LocatedDict()
    if not isinstance(meta, dict):
        kind = "a list" if isinstance(meta, list) else "a single value"
        raise BuildError((Diagnostic(path, 2, 1, "error", f"front matter must be a mapping of fields, found {kind}",
                                     "write fields as key: value lines, for example title: My post"),))
    return Source(path, meta, "\n".join(lines[close + 1 :]), close + 2)


def read_bytes(file: Path, relative: str) -> bytes:
    """A source file's bytes, or a located error when the file system will not give them.

    Through the descriptor itself: a Python file object costs about four more system calls a file (the
    buffer's size, whether it is a terminal, the position)."""
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            wanted = max(os.fstat(fd).st_size + 1, 1 << 16)  # one read for the whole file, one to see its end
            parts = []
            while part := os.read(fd, wanted):
                parts.append(part)
            return b"".join(parts)
        finally:
            os.close(fd)
    except OSError as exc:
        raise BuildError.single(relative, None, f"cannot read the file: {exc.strerror or exc}",
                                "check the file's permissions") from None


def read_source(file: Path, relative: str) -> Source:
    """Read one Markdown file from disk into a Source."""
    return split_front_matter(decode_text(read_bytes(file, relative), relative), relative)


def parse_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    """A front-matter date as an aware datetime; dates and naive times are read in the site's zone."""
    parsed = _parse_datetime(value, tz)
    return parsed if parsed is None or representable(parsed, tz) else None


def representable(value: dt.datetime, tz: dt.tzinfo) -> bool:
    """False for an instant that leaves the years 1-9999 in UTC or the site's zone (feeds and pages show both)."""
    try:
        value.astimezone(dt.UTC)
        value.astimezone(tz)
    except (OverflowError, ValueError):
        return False
    return True


def _parse_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=tz)
    if not isinstance(value, str):
        return None
    match = _DATETIME.match(value.strip())
    if not match:
        return None
    y, mo, d, h, mi, s, zone = match.groups()
    try:
        zone_info: dt.tzinfo = tz
        if zone:
            if zone in ("Z", "z"):
                zone_info = dt.UTC
            else:
                sign = 1 if zone[0] == "+" else -1
                digits = zone[1:].replace(":", "")
                zone_info = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        return dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=zone_info)
    except ValueError:
        return None


def _date_field(f: Fields, key: str, tz: dt.tzinfo) -> dt.datetime | None:
    value = f.data.get(key)
    if value is None:
        return None
    parsed = parse_datetime(value, tz)
    if parsed is None:
        reason = ""
        if isinstance(value, str) and (m := _DATETIME.match(value.strip())):
            try:
                dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError as exc:
                reason = f" ({exc})"
        if isinstance(value, dt.date):  # YAML read it as a date, but it leaves the years 1-9999 in UTC
            value, reason = value.isoformat(), " (outside the years 1-9999 in UTC or the site's zone)"
        f.error(key, f"{key!r} is not a valid date: {value!r}{reason}",
                "write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, optionally with a zone such as +02:00")
    return parsed


def _slug(f: Fields, fallback: str) -> str:
    given = f.data.get("slug")
    if given is None:
        return slugify(fallback)
    text = str(given)
    if not is_valid_slug(text):
        f.error("slug", f"slug {text!r} is not one safe URL segment",
                f"use lower-case letters, digits and hyphens, for example slug: {slugify(text)}")
        return slugify(text)
    return text


def _extra(meta: dict[str, Any], known: tuple[str, ...]) -> MappingProxyType[str, Any]:
    return MappingProxyType({str(k): v for k, v in meta.items() if k not in known})


def load_post(source: Source, tz: dt.tzinfo, diags: Diagnostics) -> Post | None:
    """Validate one post's front matter; None (with diagnostics) when it cannot become a post."""
    f = Fields(source.meta, source.path, diags, "post front matter")
    f.check_keys(POST_KEYS)
    stem = Path(source.path).stem
    name_match = _JEKYLL_NAME.match(stem)
    name_date = None
    if name_match:
        y, m, d, rest = name_match.groups()
        try:
            name_date = dt.datetime(int(y), int(m), int(d), tzinfo=tz)
            stem = rest
            if not representable(name_date, tz):
                raise ValueError("outside the years 1-9999")
        except ValueError:
            diags.error(source.path, 1, f"the file name's date {y}-{m}-{d} is not a real date",
                        "name the file YYYY-MM-DD-slug.md with a real date")
    missing = [k for k in ("title",) if source.meta.get(k) in (None, "")]
    if source.meta.get("date") is None and name_date is None:  # `date:` with no value is missing, not skipped
        missing.append("date")
    if missing:
        names = ", ".join(repr(k) for k in missing)
        f.error(None, f"post is missing required field{'s' if len(missing) > 1 else ''} {names}",
                "add them to the front matter, or name the file YYYY-MM-DD-slug.md for the date")
    date = _date_field(f, "date", tz) or name_date
    post = Post(
        source=source.path,
        title=f.text("title"),
        date=date or dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        slug=_slug(f, stem),
        body=source.body,
        body_line=source.body_line,
        updated=_date_field(f, "updated", tz),
        summary=f.text("summary"),
        tags=f.text_list("tags"),
        draft=f.boolean("draft"),
        image=f.url("image"),
        layout=f.text("layout", "post") or "post",
        layout_at=f.position("layout"),
        slug_at=f.position("slug"),
        toc=f.boolean("toc", True),
        extra=_extra(source.meta, POST_KEYS),
    )
    return None if missing or date is None else post


def load_page(source: Source, slug_path: str, tz: dt.tzinfo, diags: Diagnostics) -> Page | None:
    f = Fields(source.meta, source.path, diags, "page front matter")
    f.check_keys(PAGE_KEYS)
    if not f.require("title"):
        return None
    slug = slug_path
    if "slug" in source.meta:
        parent = slug_path.rsplit("/", 1)[0] + "/" if "/" in slug_path else ""
        slug = parent + _slug(f, slug_path)
    return Page(
        source=source.path,
        title=f.text("title"),
        slug=slug,
        body=source.body,
        body_line=source.body_line,
        summary=f.text("summary"),
        draft=f.boolean("draft"),
        image=f.url("image"),
        layout=f.text("layout", "page") or "page",
        layout_at=f.position("layout"),
        slug_at=f.position("slug"),
        toc=f.boolean("toc", False),
        updated=_date_field(f, "updated", tz),
        extra=_extra(source.meta, PAGE_KEYS),
    )


def _markdown_files(folder: Path) -> list[str]:
    """Markdown files under `folder`, as paths relative to it with forward slashes, sorted."""
    # os.scandir knows each entry's type without a stat call: listing 5,000 posts costs a third of rglob's.
    files: list[str] = []
    pending = [""]
    while pending:
        inner = pending.pop()
        try:
            scanner = os.scandir(folder / inner if inner else folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with scanner:
            for entry in scanner:
                name = entry.name
                if name.startswith((".", "#", "_")):
                    continue  # editor swap and lock files; hidden folders and drafts folders starting with "_"
                if entry.is_dir():
                    pending.append(inner + name + "/")
                elif name.endswith("~") or not entry.is_file():
                    continue  # backup files
                elif os.path.splitext(name)[1].lower() in MARKDOWN_SUFFIXES:
                    files.append(inner + name)
    return sorted(files)


# A memo of loaded documents for builds in one process: relative path -> (signature, record, problems).
DocumentMemo = dict[str, tuple[tuple[object, ...], "Post | Page | None", tuple[Diagnostic, ...]]]


def _remembered(memo: DocumentMemo | None, file: str, relative: str, tz: dt.tzinfo, diags: Diagnostics,
                load: Callable[[Diagnostics], Post | Page | None]) -> Post | Page | None:
    """Load one file, or take it from `memo` when its size, modification time and the time zone are the same."""
    if memo is None:
        try:
            return load(diags)
        except BuildError as exc:
            diags.extend(exc.diagnostics)
            return None
    stat = os.stat(file)
    signature = (stat.st_mtime_ns, stat.st_size, str(tz))
    known = memo.get(relative)
    if known is None or known[0] != signature:
        local = Diagnostics()
        try:
            item = load(local)
        except BuildError as exc:
            local.extend(exc.diagnostics)
            item = None
        known = memo[relative] = (signature, item, local.items)
    diags.extend(known[2])
    return known[1]


def load_posts(root: Path, tz: dt.tzinfo, diags: Diagnostics, memo: DocumentMemo | None = None,
               each: Callable[[Post | Page], None] | None = None) -> tuple[tuple[Post, ...], tuple[Page, ...]]:
    """Read every post under content/posts/ and page under content/pages/, reporting all problems.

    With a `memo` (an incremental rebuild), files unchanged since the last call are not read again.
    `each` sees every document as soon as it is read (a build starts converting it).
    """
    posts: list[Post] = []
    pages: list[Page] = []
    seen: set[str] = set()
    base = str(root)
    for inner in _markdown_files(root / "content" / "posts"):
        relative = "content/posts/" + inner
        seen.add(relative)
        post = _remembered(memo, os.path.join(base, relative), relative, tz, diags,
                           lambda d, r=relative: load_post(read_source(root / r, r), tz, d))  # type: ignore[misc]
        if isinstance(post, Post):
            posts.append(post)
            if each is not None:
                each(post)
    for inner in _markdown_files(root / "content" / "pages"):
        relative = "content/pages/" + inner
        seen.add(relative)
        slug_path = "/".join(slugify(part) for part in os.path.splitext(inner)[0].split("/"))
        page = _remembered(memo, os.path.join(base, relative), relative, tz, diags,
                           lambda d, r=relative, s=slug_path: load_page(read_source(root / r, r), s, tz, d))  # type: ignore[misc]
        if isinstance(page, Page):
            pages.append(page)
            if each is not None:
                each(page)
    if memo is not None:
        for gone in set(memo) - seen:
            del memo[gone]
    return tuple(posts), tuple(pages)
