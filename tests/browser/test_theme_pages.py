"""The default theme in Chromium: every page kind of the demo loads cleanly, fits 360 px, and is screenshotted."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser.harness import DEMO_PAGES, PageProblems
from playwright.sync_api import Page

SCREENSHOT_PAGES = {"home": DEMO_PAGES["home"], "post": DEMO_PAGES["post"], "career": DEMO_PAGES["career"]}
WIDTHS = (360, 768, 1440)
SCHEMES = ("light", "dark")


@pytest.mark.parametrize("kind", DEMO_PAGES)
def test_page_kind_loads_without_errors_and_fits_360px(
    watched_page: tuple[Page, PageProblems], demo_url: str, kind: str
) -> None:
    page, problems = watched_page
    page.set_viewport_size({"width": 360, "height": 800})
    response = page.goto(demo_url + DEMO_PAGES[kind])
    assert response is not None and response.status == 200
    page.wait_for_load_state("load")
    assert page.locator("h1").count() == 1, "each page has exactly one h1"
    assert page.locator("main#main").is_visible()
    assert problems.console_errors == []
    assert problems.failed_requests == []
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{kind} scrolls sideways at 360 px: {widths[0]} > {widths[1]}"


@pytest.mark.parametrize("kind", SCREENSHOT_PAGES)
def test_screenshots_in_three_widths_and_both_schemes(
    watched_page: tuple[Page, PageProblems], demo_url: str, screenshot_dir: Path, kind: str
) -> None:
    page, problems = watched_page
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(demo_url + SCREENSHOT_PAGES[kind])
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            brightness = sum(int(c) for c in background[background.index("(") + 1:-1].split(",")[:3])
            assert (brightness > 600) if scheme == "light" else (brightness < 150), f"{scheme}: {background}"
            widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert widths[0] <= widths[1], f"{kind} scrolls sideways at {width} px ({scheme})"
            target = screenshot_dir / f"{kind}-{width}-{scheme}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 1000
    assert problems.console_errors == []
    assert problems.failed_requests == []


def test_404_links_work_from_any_depth(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    """GitHub Pages serves 404.html for any missing path, so its links must be absolute and resolve."""
    page, _ = watched_page
    page.goto(demo_url + "404.html")
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) >= 5
    for href in hrefs:
        assert href.startswith("/careerblog/"), f"404 page link {href!r} is relative: it breaks at depth"
        response = page.request.get(demo_url.split("/careerblog/")[0] + href)
        assert response.status == 200, href


def test_nav_marks_the_current_section(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    page, _ = watched_page
    page.goto(demo_url + DEMO_PAGES["post"])
    assert page.locator('.site-header a[aria-current="page"]').all_inner_texts() == ["Posts"]
    page.goto(demo_url + DEMO_PAGES["career"])
    assert page.locator('.site-header a[aria-current="page"]').all_inner_texts() == ["Career"]


def test_demo_overrides_reach_the_page(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    """The demo's templates/partials/footer.html and static/favicon.svg win over the theme's files."""
    page, _ = watched_page
    page.goto(demo_url)
    assert "fictional persona" in page.locator("footer.site-footer").inner_text()
    favicon = page.request.get(demo_url + "favicon.svg").text()
    assert ">JE</text>" in favicon
