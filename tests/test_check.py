"""`careerblog check`: every internal link, anchor, image, stylesheet and script resolves under the base path."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from publishing_sites import BASE_URL, build_demo
from sitefiles import REPO, write_site

from careerblog.check import check_pages, locate_in_source
from careerblog.cli import main
from careerblog.templating import THEME_DIR

POST = "content/posts/2024-01-02-hello.md"
POST_TEXT = """\
---
title: Hello
tags: [notes]
---
An introduction.

## A real heading

See [the about page](/about/) and [its heading](/about/#who-i-am).
Then [a missing page](/posts/nowhere/) on line 10,
and [a missing anchor](/about/#no-such-heading) on line 11.
![a missing image](/images/missing.png)
"""
ABOUT = "---\ntitle: About\n---\n## Who I am\n\nMe.\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def broken_site(site_dir: Path) -> Path:
    return write_site(site_dir, {
        "content/site.yml": 'title: T\nbase_url: "https://example.org/blog/"\n',
        POST: POST_TEXT,
        "content/pages/about.md": ABOUT,
    })


def test_the_demo_passes(tmp_path: Path) -> None:
    result = run("check", "--root", str(REPO), "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("checked ")
    assert result.stdout.rstrip().endswith("all resolve")


def test_planted_broken_link_anchor_and_image_are_reported_at_their_source_line(broken_site: Path) -> None:
    result = run("check", "--root", str(broken_site))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [
        f"{POST}:10: error: broken link to /blog/posts/nowhere/ (in /blog/posts/hello/)",
        f"{POST}:11: error: broken link to /blog/about/#no-such-heading (in /blog/posts/hello/)",
        f"{POST}:12: error: broken link to /blog/images/missing.png (in /blog/posts/hello/)",
    ]
    assert result.stderr.rstrip().endswith("3 broken links")


def test_check_never_touches_the_output_folder(broken_site: Path) -> None:
    site = broken_site / "_site"
    site.mkdir()
    (site / "sentinel.txt").write_text("keep", encoding="utf-8")
    run("check", "--root", str(broken_site))
    assert [p.name for p in site.iterdir()] == ["sentinel.txt"]
    assert not any(p.name.startswith("_site.") for p in broken_site.iterdir())


def test_broken_links_in_templates_name_the_template_and_line(site_dir: Path) -> None:
    write_site(site_dir, {
        "content/pages/about.md": ABOUT,
        "templates/tags.html": '{% extends "base.html" %}\n{% block main %}\n<h1>Tags</h1>\n'
                               '<img src="{{ \'/img/none.svg\' | url }}" alt="">\n'
                               '<script src="{{ \'/js/none.js\' | url }}"></script>\n{% endblock %}\n',
    })
    result = run("check", "--root", str(site_dir))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [
        "templates/tags.html:4: error: broken link to /img/none.svg (in /tags/)",
        "templates/tags.html:5: error: broken link to /js/none.js (in /tags/)",
    ]


def test_built_folder_is_checked_as_it_is(tmp_path: Path) -> None:
    out = build_demo(tmp_path / "careerblog")
    assert run("check", "--root", str(REPO), "--built", str(out)).exit_code == 0
    (out / "css" / "site.css").unlink()
    result = run("check", "--root", str(REPO), "--built", str(out))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    pages = len(list(out.rglob("*.html")))
    assert len(errors) == pages  # every page links the stylesheet
    # The link is written in the base template, not in the post: that is where the message points.
    base = (THEME_DIR / "templates" / "base.html").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(base, start=1) if "/css/site.css" in text)
    assert f"careerblog/theme/templates/base.html:{line}: error: broken link to /careerblog/css/site.css " \
           "(in /careerblog/posts/from-data-engineer-to-ml-cloud-engineer/)" in errors


def test_built_folder_without_sources_names_the_built_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = build_demo(tmp_path / "www" / "careerblog")
    (out / "about" / "index.html").unlink()
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = run("check", "--built", str(out))
    assert result.exit_code == 1
    first = next(line for line in result.stderr.splitlines() if ": error: " in line)
    assert first.startswith(f"{out.as_posix()}/") and "broken link to /careerblog/about/ (in " in first


def test_links_outside_the_base_path_are_broken() -> None:
    pages = {"index.html": '<a href="/elsewhere/">x</a> <a href="../../up/">y</a> <a href="/base/">ok</a>'}
    report = check_pages(pages, {"index.html"}, "https://example.org/base/", "/base/")
    assert [(b.target, b.reason) for b in report.broken] == [
        ("/elsewhere/", "outside the base path /base/"), ("../../up/", "outside the base path /base/")]


def test_anchors_srcset_and_absolute_self_links() -> None:
    pages = {
        "index.html": '<h2 id="here">x</h2><a href="#here">ok</a><a href="#gone">bad</a>'
                      '<img srcset="/a.png 1x, /b.png 2x" alt=""><a href="https://example.org/p/">self</a>'
                      '<a href="https://example.org/missing/">self missing</a><a href="mailto:a@b.c">m</a>'
                      '<a href="https://elsewhere.example/">external</a><a name="old">legacy</a><a href="#old">ok</a>',
        "p/index.html": "",
    }
    report = check_pages(pages, {"index.html", "p/index.html", "a.png"}, "https://example.org/", "/")
    assert [b.target for b in report.broken] == ["#gone", "/b.png", "https://example.org/missing/"]


def test_locate_prefers_the_link_as_written_in_the_source() -> None:
    text = "intro\nsee nowhere\n[x](/posts/nowhere/)\n"
    assert locate_in_source(text, "/blog/posts/nowhere/", "/blog/") == 3
    assert locate_in_source(text, "/blog/unrelated/", "/blog/") is None


class _Counting(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.requests.append(self.path)
        super().do_HEAD()

    def do_GET(self) -> None:
        self.requests.append(self.path)
        super().do_GET()


@pytest.fixture
def loopback(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 with /ok.html present and nothing else, recording each request."""
    folder = tmp_path / "remote"
    folder.mkdir()
    (folder / "ok.html").write_text("<p>ok</p>", encoding="utf-8")
    requests: list[str] = []
    handler = type("Handler", (_Counting,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def test_external_links_are_checked_only_when_asked(site_dir: Path, loopback: tuple[str, list[str]]) -> None:
    origin, requests = loopback
    write_site(site_dir, {
        "content/pages/links.md": f"---\ntitle: Links\n---\nFine: [ok]({origin}/ok.html)\n\n"
                                  f"Gone: [gone]({origin}/gone.html)\n",
    })
    assert run("check", "--root", str(site_dir)).exit_code == 0
    assert requests == []
    result = run("check", "--root", str(site_dir), "--external", "--timeout", "5")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [f"content/pages/links.md:6: error: broken link to {origin}/gone.html (in /links/): HTTP 404"]
    assert sorted(set(requests)) == ["/gone.html", "/ok.html"]


def test_a_site_that_does_not_build_fails_check_with_the_build_errors(site_dir: Path) -> None:
    write_site(site_dir, {"content/posts/2024-01-02-bad.md": "---\ntitle: [unclosed\n---\nBody\n"})
    result = run("check", "--root", str(site_dir))
    assert result.exit_code == 1
    assert "content/posts/2024-01-02-bad.md:" in result.stderr
    assert "Traceback" not in result.output



def test_a_broken_nav_entry_is_traced_to_site_yml(site_dir: Path) -> None:
    write_site(site_dir, {
        "content/site.yml": 'title: T\nbase_url: "https://example.org/"\nnav:\n  - {title: About, url: /about/}\n'
                            "  - {title: Talks, url: /talks/}\n",
        "content/pages/about.md": ABOUT,
    })
    result = run("check", "--root", str(site_dir))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    pages = sorted(["/", "/404.html", "/about/", "/posts/", "/tags/"])
    assert sorted(errors) == [f"content/site.yml:5: error: broken link to /talks/ (in {page})" for page in pages]


def test_preview_image_and_og_url_must_exist_too() -> None:
    pages = {"index.html": '<meta property="og:url" content="https://example.org/">'
                           '<meta property="og:image" content="https://example.org/img/gone.png">'
                           '<meta name="twitter:image" content="https://example.org/img/there.png">'
                           '<meta name="description" content="/not/a/link/">'}
    report = check_pages(pages, {"index.html", "img/there.png"}, "https://example.org/", "/")
    assert [b.target for b in report.broken] == ["https://example.org/img/gone.png"]
