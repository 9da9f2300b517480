"""End to end: tests/fixture-site uses every feature; built, rebuilt byte for byte, and under a sub-path."""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sitefiles import REPO

from careerblog.build import BuildResult, build
from careerblog.config import BuildOptions

FIXTURE = REPO / "tests" / "fixture-site"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
EPOCH = str(int(NOW.timestamp()))


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path]:
    out = tmp_path_factory.mktemp("fixture") / "out"
    return build(BuildOptions(root=FIXTURE, output=out, now=NOW)), out


def page(out: Path, url: str) -> str:
    return (out / url / "index.html").read_text(encoding="utf-8")


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_every_page_kind_and_every_published_post_is_built(built: tuple[BuildResult, Path]) -> None:
    result, out = built
    for url in ("", "posts", "posts/page/2", "tags", "tags/python", "career", "projects", "resume", "about",
                "talks/2024-pycon"):
        assert (out / url / "index.html").is_file(), url
    assert (out / "404.html").is_file()
    posts = sorted(p.name for p in (out / "posts").iterdir() if p.is_dir() and p.name != "page")
    assert posts == ["career-story", "every-key", "jekyll-style-name", "markdown-suffix"]
    assert result.warnings == ()
    assert result.report.notes == ("content/posts/2099-01-01-from-the-future.md: skipped, dated in the future "
                                     "(2099-01-01T00:00:00+01:00); --future includes it",)


def test_drafts_and_future_posts_are_built_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(root=FIXTURE, output=out, now=NOW, drafts=True, future=True))
    assert (out / "posts/a-draft/index.html").is_file()
    assert (out / "posts/from-the-future/index.html").is_file()
    assert (out / "tags/drafts-only/index.html").is_file()


def test_nav_comes_from_site_yml(built: tuple[BuildResult, Path]) -> None:
    html = page(built[1], "")
    assert '<li><a href="/about/">About</a></li>' in html
    assert '<li><a href="https://github.com/ada-fixture">GitHub</a></li>' in html
    assert '<a href="/posts/" aria-current="page">Posts</a>' in page(built[1], "posts/every-key")


def test_file_names_give_dates_and_slugs(built: tuple[BuildResult, Path]) -> None:
    assert '<time datetime="2023-04-04T22:00:00Z">5 April 2023</time>' in page(built[1], "posts/jekyll-style-name")
    assert "This file ends in <code>.markdown</code>." in page(built[1], "posts/markdown-suffix")


def test_every_front_matter_key_reaches_the_page(built: tuple[BuildResult, Path]) -> None:
    html = page(built[1], "posts/every-key")
    assert '<p class="featured-layout">Featured post, mood: curious</p>' in html  # layout + extra key
    assert '<time datetime="2024-02-29T08:30:00Z">29 February 2024</time>' in html
    assert 'updated <time datetime="2024-03-01T23:00:00Z">2 March 2024</time>' in html
    assert '<meta name="description" content="A post that sets every front-matter key, and one of its own.">' in html


def test_tags_with_unicode_and_spaces(built: tuple[BuildResult, Path]) -> None:
    out = built[1]
    html = page(out, "tags")
    for slug, name, count in (("data-engineering", "data engineering", 2), ("donnees", "Données", 2),
                              ("c-rust", "C++ &amp; Rust", 1)):
        assert f'<li><a href="/tags/{slug}/">{name}</a> ({count})</li>' in html
        assert (out / "tags" / slug / "index.html").is_file()


def test_site_templates_override_the_theme_and_read_site_extras(built: tuple[BuildResult, Path]) -> None:
    html = page(built[1], "tags")
    assert "<h1>Every tag (site override)</h1>" in html
    assert '<p class="tagline">Extra keys in site.yml reach templates as config.extra</p>' in html


def test_site_static_files_override_the_themes(built: tuple[BuildResult, Path]) -> None:
    out = built[1]
    assert (out / "favicon.svg").read_bytes() == (FIXTURE / "static/favicon.svg").read_bytes()
    assert (out / "css/site.css").is_file()
    assert (out / "images/avatar.svg").is_file()
    assert ".highlight .k" in (out / "css/highlight.css").read_text()


def test_markdown_features(built: tuple[BuildResult, Path]) -> None:
    html = main_of(page(built[1], "posts/every-key"))
    assert '<div class="highlight"><pre' in html
    assert '<code><span class="k">def</span>' in html
    assert "<th>Year</th>" in html
    assert '<a class="footnote-ref" href="#fn:1">1</a>' in html
    assert '<div class="toc">\n<ul>\n<li><a href="#code">Code</a></li>' in html
    assert '<h2 id="a-table">A table<a class="anchor" href="#a-table"' in html
    assert '<a href="/talks/2024-pycon/">a talk</a>' in html
    assert "<a>script link</a>" in html
    assert "javascript" not in html


def test_shortcodes_render_and_escape(built: tuple[BuildResult, Path]) -> None:
    html = main_of(page(built[1], "posts/career-story"))
    assert '<ol class="timeline">' in html and "ML Cloud Engineer" in html
    assert "Automated ML Pipeline" in html and "Warehouse Migration" not in html  # projects featured
    assert '<dl class="tech-stack">' in html and "<li>SageMaker</li>" in html
    assert "<code>{{&lt; timeline &gt;}}</code>" in html
    assert "<code>{{&lt; projects &gt;}}\n</code>" in html
    assert "write {{&lt; tech-stack &gt;}}." in html
    assert "<p><ol" not in html and "<p><div" not in html and "<p><dl" not in html


def test_data_pages(built: tuple[BuildResult, Path]) -> None:
    out = built[1]
    assert "Warehouse Migration" in page(out, "projects")
    assert "<h1>Ada Fixture</h1>" in page(out, "resume")
    assert '<figure class="chart" data-chart="skills-evolution"' in page(out, "career")
    assert "<h1>Ada Fixture</h1>" not in page(out, "")  # the home hero names the person once, in its own h1
    assert '<h1 id="hero-name">Ada Fixture</h1>' in page(out, "")


def test_nested_page(built: tuple[BuildResult, Path]) -> None:
    assert "<h1>A talk at PyCon 2024</h1>" in page(built[1], "talks/2024-pycon")


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "careerblog", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False)


def test_two_builds_are_byte_identical_whatever_hash_seed_zone_and_locale(tmp_path: Path) -> None:
    trees = []
    for n, (seed, zone, locale) in enumerate((("1", "UTC", "C.UTF-8"), ("4242", "Asia/Kolkata", "C"))):
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": zone, "LC_ALL": locale, "SOURCE_DATE_EPOCH": EPOCH}
        out = tmp_path / f"out{n}"
        result = run_cli(["build", "--root", str(FIXTURE), "--output", str(out), "--drafts", "-q"], env, tmp_path)
        assert result.returncode == 0, result.stderr
        trees.append(tree(out))
    assert len(trees[0]) > 20
    assert trees[0] == trees[1]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(value for name, value in attrs if name in ("href", "src") and value is not None)


def links_leaving(out: Path, host: str, sub_path: str) -> tuple[int, list[tuple[str, str]]]:
    """Every root-relative, relative or same-host href/src in the HTML under `out` that leaves `sub_path`."""
    checked, leaving = 0, []
    for file in sorted(out.rglob("*.html")):
        page_path = sub_path + file.relative_to(out).as_posix()
        parser = _Links()
        parser.feed(file.read_text(encoding="utf-8"))
        for target in parser.found:
            parts = urlsplit(target)
            if parts.scheme == "mailto" or (parts.netloc and parts.netloc != host):
                continue
            if parts.scheme not in ("", "http", "https"):
                leaving.append((page_path, target))
                continue
            if not parts.path and not parts.netloc:
                continue  # "#fragment" on the same page
            checked += 1
            joined = parts.path if parts.path.startswith("/") else posixpath.join(posixpath.dirname(page_path),
                                                                                  parts.path)
            normal = posixpath.normpath(joined) + ("/" if joined.endswith("/") else "")
            if not (normal + "/").startswith(sub_path):
                leaving.append((page_path, target))
    return checked, leaving


def test_a_sub_path_build_keeps_every_link_inside_the_sub_path(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(BuildOptions(root=FIXTURE, output=out, now=NOW, base_url="https://user.github.io/repo/", drafts=True,
                       future=True))
    checked, leaving = links_leaving(out, "user.github.io", "/repo/")
    assert checked > 200
    assert leaving == []
    assert '<link rel="canonical" href="https://user.github.io/repo/posts/every-key/">' in (
        out / "posts/every-key/index.html").read_text()


def test_the_sub_path_check_finds_links_that_leave(built: tuple[BuildResult, Path]) -> None:
    # The site built for "/" seen as if served under /repo/: every internal link leaves.
    checked, leaving = links_leaving(built[1], "fixture.example.org", "/repo/")
    assert len(leaving) == checked > 100
    assert ("/repo/index.html", "/posts/") in leaving
