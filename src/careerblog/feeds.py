"""Machine outputs for feed readers and crawlers: the Atom feed, the sitemap and robots.txt."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from careerblog import __version__, urls
from careerblog.posts import Page, Post
from careerblog.render import Entry, PlannedPage, plan_pages
from careerblog.site import Site
from careerblog.write import Output

FEED = "feed.xml"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# With no dated content at all, the feed still needs an <updated>; a fixed instant keeps output reproducible.
NO_DATE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# XML 1.0 cannot carry most control characters, even escaped; text from content loses them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Root-relative links in rendered HTML ("/repo/posts/x/"); feed readers show content away from the site.
_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")(/(?!/)[^"]*)"')


def render_feeds(site: Site, entries: dict[str, Entry]) -> list[Output]:
    """feed.xml, sitemap.xml and robots.txt for the site, with dates taken from the content only."""
    return [
        Output(FEED, atom_feed(site, entries)),
        Output(SITEMAP, sitemap(site, plan_pages(site, entries))),
        Output(ROBOTS, robots(site).encode("utf-8")),
    ]


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def changed(item: Post | Page) -> dt.datetime | None:
    """When a post or page last changed, as its front matter says."""
    if isinstance(item, Post):
        return max(item.date, item.updated) if item.updated else item.date
    return item.updated


def newest(items: Iterable[Post | Page]) -> dt.datetime | None:
    dates = [d for d in (changed(item) for item in items) if d is not None]
    return max(dates) if dates else None


def _absolute(site: Site, url: str) -> str:
    return urls.absolute(url, site.config.base_url, site.config.base_path)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("__", ":"): _text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _absolute_links(site: Site, html: str) -> str:
    origin = site.config.origin
    if not origin:
        return html
    return _ROOT_RELATIVE.sub(lambda m: f'{m.group(1)}{origin}{m.group(2)}"', html)


def _serialize(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"


def atom_feed(site: Site, entries: dict[str, Entry]) -> bytes:
    """The newest `feed.limit` posts as Atom 1.0, every URL absolute under the base path."""
    config = site.config
    posts = site.posts[: config.feed_limit]
    home = _absolute(site, urls.home_url())
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": config.language})
    _sub(feed, "id", home)
    _sub(feed, "title", config.title)
    if config.description:
        _sub(feed, "subtitle", config.description)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=_absolute(site, FEED))
    _sub(feed, "link", rel="alternate", type="text/html", href=home)
    _sub(feed, "updated", _iso(newest(posts) or NO_DATE))
    # Atom requires an author for every entry; the site's title stands in when no one is named.
    author = _sub(feed, "author")
    _sub(author, "name", config.author or (site.profile.person.name if site.profile.person else config.title))
    _sub(author, "uri", home)
    _sub(feed, "generator", "careerblog", version=__version__)
    for post in posts:
        entry = entries[post.source]
        url = _absolute(site, post.url)
        item = _sub(feed, "entry", xml__base=url)  # relative links in summary and content resolve against the post
        _sub(item, "title", post.title)
        _sub(item, "link", rel="alternate", type="text/html", href=url)
        _sub(item, "id", url)
        _sub(item, "published", _iso(post.date))
        _sub(item, "updated", _iso(changed(post) or post.date))
        for tag in entry.tags:
            _sub(item, "category", term=tag.name, scheme=_absolute(site, urls.tags_url()), label=tag.name)
        summary = _absolute_links(site, str(entry.summary)).strip()
        if summary:
            _sub(item, "summary", summary, type="html")
        if config.feed_full_content:
            _sub(item, "content", _absolute_links(site, str(entry.content)).strip(), type="html")
    return _serialize(feed)


def _page_lastmod(site: Site, page: PlannedPage, documents: dict[str, Post | Page]) -> dt.datetime | None:
    if page.info.source in documents:
        return changed(documents[page.info.source])
    listed = page.context.get("posts")
    if listed:
        return newest(entry.item for entry in listed)
    if page.kind in ("home", "tags"):
        return newest(site.posts)
    return None  # career data carries no "last changed" date; the sitemap protocol makes lastmod optional


def sitemap(site: Site, pages: Iterable[PlannedPage]) -> bytes:
    """Every indexable page with its absolute URL and, where the content dates it, its last change."""
    # Written as text rather than through ElementTree: at 5,000 posts the tree cost a third of a serve
    # rebuild. The bytes are those ElementTree's indent and tostring gave (tests/test_feeds.py).
    documents = {item.source: item for item in site.documents}
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for page in pages:
        if page.info.noindex:
            continue
        lines.append(f"  <url>\n    <loc>{_xml_text(_absolute(site, page.url))}</loc>")
        lastmod = _page_lastmod(site, page, documents)
        if lastmod is not None:
            lines.append(f"    <lastmod>{_iso(lastmod)}</lastmod>")
        lines.append("  </url>")
    if len(lines) == 2:
        return f'<?xml version="1.0" encoding="utf-8"?>\n<urlset xmlns="{SITEMAP_NS}" />\n'.encode()
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _xml_text(value: str) -> str:
    """Text as ElementTree escapes it in an element's content."""
    return _text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def robots(site: Site) -> str:
    """Allow everything and name the sitemap, as crawlers expect."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {_absolute(site, SITEMAP)}\n"
