"""The résumé prints cleanly: no site navigation, footer or skip link, and the demo fits on two A4 pages."""

from __future__ import annotations

import re

from browser.harness import DEMO_PAGES, PageProblems
from playwright.sync_api import Page

PDF_PAGE = re.compile(rb"/Type\s*/Page\b")  # page objects; "/Type /Pages" (the page tree) does not match


def test_print_media_hides_site_chrome(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    page, _ = watched_page
    page.goto(demo_url + DEMO_PAGES["resume"])
    display = "selector => getComputedStyle(document.querySelector(selector)).display"
    assert page.evaluate(display, ".site-header") != "none", "on screen the navigation shows"
    page.emulate_media(media="print")
    for selector in (".site-header", ".site-footer", ".skip-link"):
        assert page.evaluate(display, selector) == "none", f"{selector} prints"
    assert page.evaluate("document.querySelector('nav[aria-label=Main]').checkVisibility()") is False
    for selector in (".resume h1", "#experience", "#resume-projects", "#resume-skills"):
        assert page.evaluate(display, selector) != "none", f"{selector} is missing from the print"


def test_resume_prints_to_at_most_two_a4_pages(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    page, problems = watched_page
    page.goto(demo_url + DEMO_PAGES["resume"])
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-")
    pages = len(PDF_PAGE.findall(pdf))
    assert 1 <= pages <= 2, f"the résumé prints on {pages} pages"
    assert problems.console_errors == []


def test_page_counter_counts_pages(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    """The page count above is trustworthy: a long page does print to more than two pages."""
    page, _ = watched_page
    page.goto(demo_url + DEMO_PAGES["career"])
    assert len(PDF_PAGE.findall(page.pdf(format="A4"))) > 2


def test_printing_from_a_dark_scheme_gives_dark_ink(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    page, _ = watched_page
    page.emulate_media(color_scheme="dark", media="print")
    page.goto(demo_url + DEMO_PAGES["post"])
    colours = page.evaluate("""() => [document.body, document.querySelector('.highlight .k'),
                                       document.querySelector('.content p')].map(e => getComputedStyle(e).color)""")
    assert colours == ["rgb(0, 0, 0)"] * 3
