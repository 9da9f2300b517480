"""The site's settings: `content/site.yml`, validated, plus what the command line overrides."""

from __future__ import annotations

import datetime as dt
import os
import time
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from careerblog.diagnostics import BuildError, Diagnostics

if TYPE_CHECKING:
    from careerblog.fields import Fields

SITE_FILE = "content/site.yml"
KNOWN_KEYS = (
    "title", "description", "author", "base_url", "language", "timezone", "nav", "paginate",
    "feed", "date_format", "footer", "home", "image",
)
# Link previews (Open Graph, X, LinkedIn) show PNG, JPEG, WebP and GIF, never SVG. Other URLs, such as a
# GitHub avatar's (no extension), are taken on trust.
VECTOR_IMAGE_TYPES = (".svg", ".svgz")


@dataclass(frozen=True, slots=True)
class NavItem:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Everything in `content/site.yml`, typed; unknown keys are kept in `extra` for templates."""

    title: str
    base_url: str  # always ends with "/"
    author: str = ""
    description: str = ""
    language: str = "en"
    timezone: str = "UTC"
    nav: tuple[NavItem, ...] | None = None  # None: derived from the pages that exist
    paginate: int = 10
    feed_full_content: bool = True
    feed_limit: int = 20
    date_format: str = "%-d %B %Y"
    footer: str = ""
    home_posts: int = 5
    image: str = ""  # the picture link previews show for a page without its own
    extra: MappingProxyType[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def base_path(self) -> str:
        """The path part of base_url, with both slashes: "/" or "/repo/"."""
        return urlsplit(self.base_url).path or "/"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""

    @property
    def tzinfo(self) -> dt.tzinfo:
        return zoneinfo.ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What one run of a command asks for, beyond the site's own settings."""

    root: Path
    output: Path
    base_url: str | None = None
    drafts: bool = False
    future: bool = False
    strict: bool = False
    now: dt.datetime = field(default_factory=lambda: current_time())
    theme_dir: Path | None = None
    jobs: int = 0  # processes for converting and rendering; 0: one per core (parallel.default_jobs)
    cache: bool = True  # read and write converted Markdown in .careerblog-cache/ at the site root
    record: bool = True  # keep the record of this build there too (stamp.py); off for throwaway outputs


def current_time() -> dt.datetime:
    """ "Now" for a build: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise BuildError.single("SOURCE_DATE_EPOCH", None,
                                    f"SOURCE_DATE_EPOCH is not a number of seconds: {epoch!r}",
                                    "set it to an integer, for example $(git log -1 --format=%ct)") from None
    return dt.datetime.fromtimestamp(time.time(), tz=dt.UTC)


def normalize_base_url(value: str) -> str | None:
    """`https://host/repo` -> `https://host/repo/`; None when it is not an absolute http(s) URL or a path."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme:
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            return None
    elif not value.startswith("/"):
        return None
    return value if value.endswith("/") else value + "/"


def load_config(root: Path, diags: Diagnostics, base_url_override: str | None = None) -> SiteConfig:
    """Read and validate `content/site.yml` under `root`; problems go to `diags`, fatal ones raise."""
    # Here, not at the top: a build with nothing to do imports BuildOptions from this module, not YAML.
    from careerblog.fields import Fields
    from careerblog.yamlfile import LocatedDict, load_yaml

    path = root / SITE_FILE
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise BuildError.single(SITE_FILE, None, "site settings file not found",
                                "create content/site.yml with at least title and base_url") from None
    except OSError as exc:
        raise BuildError.single(SITE_FILE, None, f"cannot read the file: {exc.strerror or exc}",
                                "check the file's permissions") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise BuildError.single(SITE_FILE, line, "file is not valid UTF-8", "save the file as UTF-8") from None
    data = load_yaml(text, SITE_FILE)
    if data is None:
        data = LocatedDict()
    if not isinstance(data, dict):
        raise BuildError.single(SITE_FILE, 1, "site.yml must be a mapping of settings",
                                "write keys such as title: My site")
    f = Fields(data, SITE_FILE, diags, "site.yml")
    f.check_keys(KNOWN_KEYS)
    if base_url_override is None:
        f.require("title", "base_url")
    else:
        f.require("title")

    raw_base = base_url_override if base_url_override is not None else f.text("base_url", "/")
    normalized = normalize_base_url(raw_base)
    if normalized is None:
        where = "--base-url" if base_url_override is not None else SITE_FILE
        from_file = base_url_override is None
        diags.error(where, f.line("base_url") if from_file else None,
                    f"base_url must be an absolute http(s) URL or a path, found {raw_base!r}",
                    "for a GitHub Pages project site: https://USER.github.io/REPO/",
                    col=f.column("base_url") if from_file else None)
    base_url = normalized or "/"

    timezone = f.text("timezone", "UTC")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        f.error("timezone", f"unknown time zone {timezone!r}", "use an IANA name such as UTC or Europe/Berlin")
        timezone = "UTC"

    nav = _read_nav(data, f, diags)
    feed = data.get("feed") or {}
    feed_full, feed_limit = True, 20
    if isinstance(feed, dict):
        ff = Fields(feed, SITE_FILE, diags, "feed")
        ff.check_keys(("full_content", "limit"))
        feed_full = ff.boolean("full_content", True)
        feed_limit = ff.integer("limit", 20, minimum=1)
    else:
        f.error("feed", "'feed' must be a mapping, for example feed: {full_content: true}")
    home = data.get("home") or {}
    home_posts = 5
    if isinstance(home, dict):
        hf = Fields(home, SITE_FILE, diags, "home")
        home_posts = hf.integer("posts", 5, minimum=0)
    else:
        f.error("home", "'home' must be a mapping, for example home: {posts: 5}")

    image = f.url("image")
    if image and urlsplit(image).path.lower().endswith(VECTOR_IMAGE_TYPES):
        f.error("image", f"'image' must be a PNG, JPEG, WebP or GIF picture for link previews, found {image!r}",
                "link previews do not show SVG; export a 1200x630 PNG, for example /images/card.png")
        image = ""

    config = SiteConfig(
        title=f.text("title"),
        base_url=base_url,
        author=f.text("author"),
        description=f.text("description"),
        language=f.text("language", "en"),
        timezone=timezone,
        nav=nav,
        paginate=f.integer("paginate", 10, minimum=1),
        feed_full_content=feed_full,
        feed_limit=feed_limit,
        date_format=f.text("date_format", "%-d %B %Y"),
        footer=f.text("footer"),
        home_posts=home_posts,
        image=image,
        extra=MappingProxyType({str(k): v for k, v in data.items() if k not in KNOWN_KEYS}),
    )
    return config


def _read_nav(data: dict[Any, Any], f: Fields, diags: Diagnostics) -> tuple[NavItem, ...] | None:
    from careerblog.fields import Fields
    from careerblog.yamlfile import line_of

    raw = data.get("nav")
    if raw is None:
        return None
    if not isinstance(raw, list):
        f.error("nav", "'nav' must be a list of {title, url}", "nav: [{title: Posts, url: /posts/}]")
        return None
    items = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            diags.error(SITE_FILE, line_of(raw, i), f"nav item {i + 1} must be a mapping with title and url",
                        "- {title: Posts, url: /posts/}")
            continue
        ef = Fields(entry, SITE_FILE, diags, f"nav item {i + 1}")
        ef.check_keys(("title", "url"))
        if ef.require("title", "url"):
            items.append(NavItem(ef.text("title"), ef.url("url")))
    return tuple(items)
