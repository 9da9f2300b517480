"""Every URL of a site: slugs, page URLs, output file paths, and links under the base path."""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
import unicodedata
from urllib.parse import quote, urlsplit

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_VALID_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$")


def slugify(text: str) -> str:
    """The one rule for slugs: ASCII letters and digits joined by hyphens, lower case.

    Accents fold to their base letter; text with no ASCII letters at all (for example Japanese)
    gets a stable hash so that its link and its file always match.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_SLUG.sub("-", folded).strip("-")
    if slug:
        return slug
    return "u-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10] if text.strip() else "untitled"


def is_valid_slug(slug: str) -> bool:
    """A slug given by hand is used as is only when it is one safe path segment."""
    return bool(_VALID_SLUG.match(slug)) and ".." not in slug


# Site-relative URLs have no leading slash: "" is the home page, "posts/hello/" a post.
def home_url() -> str:
    return ""


def post_url(slug: str) -> str:
    return f"posts/{slug}/"


def archive_url(page: int) -> str:
    return "posts/" if page == 1 else f"posts/page/{page}/"


def tags_url() -> str:
    return "tags/"


def tag_url(tag_slug: str, page: int = 1) -> str:
    return f"tags/{tag_slug}/" if page == 1 else f"tags/{tag_slug}/page/{page}/"


def page_url(path_slug: str) -> str:
    return f"{path_slug}/"


def output_path(url: str) -> str:
    """The file a site-relative URL is written to: pretty URLs end in index.html."""
    if url == "" or url.endswith("/"):
        return url + "index.html"
    return url


def is_within(relative: str) -> bool:
    """True when a relative output path stays inside the output folder."""
    if not relative or relative.startswith(("/", "\\")) or "\\" in relative or "\x00" in relative:
        return False
    norm = posixpath.normpath(relative)
    return norm != ".." and not norm.startswith("../") and not posixpath.isabs(norm)


# A path of these characters has no scheme, is no fragment, and comes out of quote() unchanged: the
# URLs careerblog makes itself (slugs), which are most links on every page and every line of a sitemap.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/._~-]*")


def link(url: str, base_path: str) -> str:
    """A link to a site-relative or root-relative URL, under the site's base path.

    Absolute URLs (with a scheme or //host), fragments and mailto: pass unchanged, so the one
    filter can be applied to any link a template or a post holds.
    """
    if not url:
        return base_path
    if _PLAIN_PATH.fullmatch(url) and not url.startswith("//") and _PLAIN_PATH.fullmatch(base_path):
        return base_path + url.lstrip("/")
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//") or url.startswith("#"):
        return url
    return quote(base_path + url.lstrip("/"), safe="/#?=&;:%~+@!$,'()*")


@functools.lru_cache(maxsize=8)
def _origin(base_url: str) -> str:
    """`scheme://host` of the site's base URL; empty for a base URL that is only a path."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""


def absolute(url: str, base_url: str, base_path: str) -> str:
    """The full URL of a site-relative URL, for feeds, sitemaps and canonical links."""
    linked = link(url, base_path)
    rooted = linked.startswith("/") and not linked.startswith("//")  # so no scheme: the common case
    if not rooted and (linked.startswith("//") or urlsplit(linked).scheme):
        return linked
    return _origin(base_url) + linked
