"""Machine outputs: the Atom feed, the sitemap, robots.txt and 404.html, on the demo under a sub-path."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from publishing_sites import BASE_PATH, BASE_URL, HOSTILE, NOW, build_demo, write_hostile_site
from sitefiles import REPO, write_site

from careerblog.build import build
from careerblog.config import BuildOptions
from careerblog.posts import load_posts

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo") / "careerblog")


def demo_posts() -> list[tuple[str, dt.datetime]]:
    """(slug, last change) of every published demo post, read independently of the feed code."""
    import zoneinfo

    from careerblog.diagnostics import Diagnostics

    posts, _ = load_posts(REPO, zoneinfo.ZoneInfo("UTC"), Diagnostics())
    return [(p.slug, p.updated or p.date) for p in posts if not p.draft and p.date <= NOW]


def test_feed_parses_without_errors_and_every_url_is_absolute_under_the_sub_path(demo: Path) -> None:
    feed = feedparser.parse((demo / "feed.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    posts = demo_posts()
    assert len(feed.entries) == len(posts)
    assert {e.link for e in feed.entries} == {f"{BASE_URL}posts/{slug}/" for slug, _ in posts}
    assert feed.feed.link == BASE_URL
    assert any(link.rel == "self" and link.href == BASE_URL + "feed.xml" for link in feed.feed.links)
    for entry in feed.entries:
        assert entry.id.startswith(BASE_URL)
        html = entry.content[0].value
        for url in re.findall(r'(?:href|src)="([^"]+)"', html):
            assert url.startswith(("https://", "http://", "mailto:", "#")), url
            if url.startswith("https://example.github.io/"):
                assert url.startswith(BASE_URL), url


def test_feed_updated_is_the_newest_post_not_the_clock(demo: Path, tmp_path: Path) -> None:
    feed = feedparser.parse((demo / "feed.xml").read_bytes())
    newest = max(changed for _, changed in demo_posts())
    assert feed.feed.updated == newest.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    # A build at another "now" (same content) writes the same feed and sitemap, byte for byte.
    other = tmp_path / "other"
    build(BuildOptions(root=REPO, output=other, base_url=BASE_URL, now=NOW + dt.timedelta(days=30)))
    for name in ("feed.xml", "sitemap.xml", "robots.txt", "resume.json"):
        assert (other / name).read_bytes() == (demo / name).read_bytes(), name


def test_every_page_links_the_feed_in_its_head(demo: Path) -> None:
    pages = sorted(demo.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        head = page.read_text(encoding="utf-8").split("</head>")[0]
        assert '<link rel="alternate" type="application/atom+xml"' in head, page
        assert f'href="{BASE_PATH}feed.xml"' in head, page


def test_sitemap_lists_every_page_with_lastmod_from_content(demo: Path) -> None:
    root = ET.fromstring((demo / "sitemap.xml").read_bytes())
    entries = {u.findtext("s:loc", namespaces=SITEMAP_NS): u.findtext("s:lastmod", namespaces=SITEMAP_NS)
               for u in root.findall("s:url", SITEMAP_NS)}
    for slug, changed in demo_posts():
        assert entries[f"{BASE_URL}posts/{slug}/"] == changed.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    html_pages = {p.relative_to(demo).as_posix() for p in demo.rglob("*.html")} - {"404.html"}
    expected = {BASE_URL + (p[: -len("index.html")] if p.endswith("index.html") else p) for p in html_pages}
    assert set(entries) == expected
    assert all(loc.startswith(BASE_URL) for loc in entries)


def test_robots_names_the_sitemap(demo: Path) -> None:
    text = (demo / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BASE_URL}sitemap.xml\n" in text
    assert text.startswith("User-agent: *\n")


def test_404_links_are_rooted_under_the_base_path_so_they_work_at_any_depth(demo: Path) -> None:
    html = (demo / "404.html").read_text(encoding="utf-8")
    urls = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert any(u == f"{BASE_PATH}css/site.css" for u in urls)
    for url in urls:
        assert url.startswith((BASE_PATH, "https://", "#")), url
    assert '<meta name="robots" content="noindex">' in html


def test_feed_limit_and_summary_only(site_dir: Path, tmp_path: Path) -> None:
    posts = {f"content/posts/2024-0{n}-01-post-{n}.md": f"---\ntitle: Post {n}\n---\nFirst paragraph {n}.\n\n"
             f"<!--more-->\n\nSecret rest {n}.\n" for n in range(1, 4)}
    write_site(site_dir, {
        "content/site.yml": 'title: T\nbase_url: "https://example.org/blog/"\nfeed: {full_content: false, limit: 2}\n',
        **posts,
    })
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    text = (out / "feed.xml").read_text(encoding="utf-8")
    feed = feedparser.parse(text)
    assert feed.bozo == 0
    assert [e.title for e in feed.entries] == ["Post 3", "Post 2"]
    assert "content" not in feed.entries[0]
    assert "First paragraph 3" in feed.entries[0].summary
    assert "Secret rest" not in text
    assert feed.feed.updated == "2024-03-01T00:00:00Z"


def test_site_without_posts_has_a_valid_feed_with_a_fixed_date(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {"content/pages/about.md": "---\ntitle: About\n---\nHi.\n"})
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.bozo == 0
    assert feed.entries == []
    assert feed.feed.updated == "1970-01-01T00:00:00Z"


def test_hostile_text_survives_the_feed_and_sitemap(site_dir: Path, tmp_path: Path) -> None:
    write_hostile_site(site_dir)
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    # feedparser trims surrounding white space (here the trailing U+2028); the rest must come back intact.
    assert feed.feed.title == HOSTILE.strip()
    assert feed.entries[0].title == HOSTILE.strip()
    assert [t.term.strip() for t in feed.entries[0].tags] == [HOSTILE.strip()]
    ET.fromstring((out / "sitemap.xml").read_bytes())  # well-formed
    raw = (out / "feed.xml").read_text(encoding="utf-8")
    assert "<script>" not in raw


def test_machine_outputs_are_the_same_bytes_whatever_the_machine(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    outputs = []
    for n, (seed, zone, locale) in enumerate((("1", "UTC", "C"), ("4242", "Pacific/Kiritimati", "C.UTF-8"))):
        out = tmp_path / f"out{n}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": zone, "LC_ALL": locale, "SOURCE_DATE_EPOCH": "1793404800"}
        subprocess.run([sys.executable, "-m", "careerblog", "build", "--root", str(REPO), "--output", str(out),
                        "--base-url", BASE_URL, "-q"], env=env, check=True, capture_output=True)
        outputs.append(out)
    for name in ("feed.xml", "sitemap.xml", "robots.txt", "resume.json", "index.html", "resume/index.html",
                 "posts/from-data-engineer-to-ml-cloud-engineer/index.html"):
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name


def test_relative_links_in_posts_become_absolute_for_feed_readers(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {
        "content/site.yml": 'title: T\nbase_url: "https://example.org/blog/"\n',
        "content/posts/2024-01-01-one.md": "---\ntitle: One\n---\nSee [two](../two/) and [about](/about/).\n",
        "content/posts/2024-01-02-two.md": "---\ntitle: Two\n---\nText.\n",
        "content/pages/about.md": "---\ntitle: About\n---\nMe.\n",
    })
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    one = next(e for e in feed.entries if e.title == "One")
    links = re.findall(r'href="([^"]+)"', one.content[0].value)
    assert links == ["https://example.org/blog/posts/two/", "https://example.org/blog/about/"]
