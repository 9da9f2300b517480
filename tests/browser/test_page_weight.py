"""Page weight budget: a post without a chart stays under 60 KB of HTML, CSS and JS; fonts are the system's."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from browser.conftest import BASE_PATH
from browser.harness import DEMO_PAGES, PageProblems
from playwright.sync_api import Page, Response

BUDGET = 60 * 1000  # bytes of HTML + CSS + JS, before images
FONT_FILES = (".woff", ".woff2", ".ttf", ".otf", ".eot")


class _References(HTMLParser):
    """Stylesheets and scripts a page makes the browser fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and "stylesheet" in (values.get("rel") or "").split() and values.get("href"):
            self.found.append(values["href"] or "")
        if tag == "script" and values.get("src"):
            self.found.append(values["src"] or "")


def referenced_files(html_file: Path, output: Path) -> list[Path]:
    parser = _References()
    parser.feed(html_file.read_text(encoding="utf-8"))
    files = []
    for href in parser.found:
        assert href.startswith(BASE_PATH), f"{html_file}: {href} is not a file of this site"
        files.append(output / href[len(BASE_PATH):].split("?")[0])
    return files


def html_pages(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def has_chart(html_file: Path) -> bool:
    return 'class="chart' in html_file.read_text(encoding="utf-8")


def test_posts_without_a_chart_stay_under_budget(demo_output: Path) -> None:
    posts = [p for p in sorted((demo_output / "posts").glob("*/index.html")) if not has_chart(p)]
    assert len(posts) >= 2, "the demo has posts without charts"
    for post in posts:
        files = [post, *referenced_files(post, demo_output)]
        total = sum(f.stat().st_size for f in files)
        sizes = ", ".join(f"{f.relative_to(demo_output)} {f.stat().st_size}" for f in files)
        assert total < BUDGET, f"{post.relative_to(demo_output)} weighs {total} bytes: {sizes}"


def test_pages_without_a_chart_never_load_plotly(demo_output: Path) -> None:
    pages = [p for p in html_pages(demo_output) if not has_chart(p)]
    assert len(pages) > 5
    for page in pages:
        text = page.read_text(encoding="utf-8").lower()
        assert "plotly" not in text, f"{page.relative_to(demo_output)} mentions plotly without a chart"
        assert not [f for f in referenced_files(page, demo_output) if "plotly" in f.name.lower()]


def test_fonts_are_the_systems(demo_output: Path) -> None:
    assert not [f for f in demo_output.rglob("*") if f.suffix.lower() in FONT_FILES]
    for css in demo_output.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@font-face" not in text, css
        assert not re.search(r"@import\s", text), f"{css} imports another stylesheet"


def test_post_loads_only_its_budgeted_files(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    """What the browser really fetches for a post without a chart: no fonts, no plotly, under budget."""
    page, problems = watched_page
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(demo_url + DEMO_PAGES["post"], wait_until="networkidle")
    assert problems.failed_requests == []
    kinds = {r.request.resource_type for r in responses}
    assert "font" not in kinds
    assert not [r.url for r in responses if "plotly" in r.url.lower()]
    text_types = {"document", "stylesheet", "script"}
    text_bytes = sum(len(r.body()) for r in responses if r.request.resource_type in text_types)
    assert 0 < text_bytes < BUDGET, f"{text_bytes} bytes of HTML, CSS and JS"
