"""The demo site opens in Chromium without errors (the browser suites grow from here)."""

from __future__ import annotations

from browser.harness import PageProblems
from playwright.sync_api import Page


def test_home_page_loads_cleanly(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    page, problems = watched_page
    page.goto(demo_url)
    assert page.locator("h1").first.is_visible()
    assert problems.console_errors == []
    assert problems.failed_requests == []
