"""End-to-end builds: the demo site and small sites from strings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sitefiles import REPO, write_site

from careerblog.build import build
from careerblog.config import BuildOptions

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_demo_site_builds_every_page_kind(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(root=REPO, output=out, now=NOW))
    for page in ("index.html", "posts/index.html", "tags/index.html", "career/index.html",
                 "projects/index.html", "resume/index.html", "about/index.html", "404.html"):
        assert (out / page).is_file(), page
    posts = sorted((REPO / "content" / "posts").glob("*.md"))
    assert posts
    built_posts = [p for p in (out / "posts").iterdir() if p.is_dir() and p.name != "page"]
    assert len(built_posts) == len(posts)


def test_posts_only_site_has_no_career_pages(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {"content/posts/2024-01-02-hello.md": "---\ntitle: Hello\n---\nBody text.\n"})
    out = tmp_path / "out"
    build(BuildOptions(root=site_dir, output=out, now=NOW))
    assert (out / "posts/hello/index.html").is_file()
    assert not (out / "career").exists()
    assert not (out / "resume").exists()
