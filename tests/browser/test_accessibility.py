"""Accessibility of every page kind: axe-core finds nothing in light and dark, and the keyboard reaches everything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser.conftest import NOW, serve_folder
from browser.harness import DEMO_PAGES, PageProblems
from playwright.sync_api import Page
from sitefiles import write_site

from careerblog.build import build
from careerblog.config import BuildOptions

AXE = Path(__file__).resolve().parents[2] / "tools" / "node_modules" / "axe-core" / "axe.min.js"

# Every focusable element, tagged with its index so the Tab walk can tell which ones it reached.
TAG_FOCUSABLES = """() => {
  const selector = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const found = [...document.querySelectorAll(selector)].filter(el => !el.disabled && visible(el));
  found.forEach((el, i) => el.setAttribute('data-focus-index', String(i)));
  return found.length;
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {index: el.getAttribute('data-focus-index'), tag: el.tagName, text: el.textContent.trim().slice(0, 40),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
          shadow: style.boxShadow !== 'none'};
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    assert AXE.is_file(), "axe-core is missing: run tools/ensure-browser.sh"
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [{"target": n["target"], "summary": n.get("failureSummary", "")} for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", DEMO_PAGES)
def test_axe_finds_no_violations(watched_page: tuple[Page, PageProblems], demo_url: str, kind: str,
                                 scheme: str) -> None:
    page, _ = watched_page
    page.emulate_media(color_scheme=scheme)
    page.goto(demo_url + DEMO_PAGES[kind])
    violations = axe_violations(page)
    assert violations == [], f"axe on {kind} ({scheme}):\n" + json.dumps(violations, indent=2)


def test_axe_checks_the_phone_layout_too(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    """Code blocks and tables scroll sideways on a phone; those regions must still be reachable by keyboard."""
    page, _ = watched_page
    width = 360
    page.set_viewport_size({"width": width, "height": 800})
    for kind in ("post", "post-with-shortcodes", "career", "projects"):
        page.goto(demo_url + DEMO_PAGES[kind])
        violations = axe_violations(page)
        assert violations == [], f"axe on {kind} at {width} px:\n" + json.dumps(violations, indent=2)


@pytest.mark.parametrize("kind", DEMO_PAGES)
def test_keyboard_reaches_every_control_with_visible_focus(
    watched_page: tuple[Page, PageProblems], demo_url: str, kind: str
) -> None:
    page, _ = watched_page
    page.goto(demo_url + DEMO_PAGES[kind])
    total = page.evaluate(TAG_FOCUSABLES)
    assert total > 0
    reached: set[str] = set()
    invisible: list[dict[str, Any]] = []
    for _ in range(total + 40):  # room for scrollable regions Chromium adds to the tab order
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break
        if not (focused["outline"] or focused["shadow"]):
            invisible.append(focused)
        if focused["index"] is not None:
            if focused["index"] in reached:
                break
            reached.add(focused["index"])
    missing = sorted(set(map(str, range(total))) - reached, key=int)
    assert missing == [], f"{kind}: Tab never reaches elements {missing} of {total}"
    assert invisible == [], f"{kind}: focus is not visible on {invisible}"


def test_skip_link_is_first_and_moves_to_main(watched_page: tuple[Page, PageProblems], demo_url: str) -> None:
    page, _ = watched_page
    page.goto(demo_url + DEMO_PAGES["post"])
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.fixture(scope="module")
def bare_site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new user's first site: two posts, no data files, no nav, no templates of its own."""
    root = tmp_path_factory.mktemp("bare")
    write_site(root, {
        "content/site.yml": 'title: Notes\nbase_url: "https://example.org/"\n',
        "content/posts/2024-01-02-first.md": "---\ntitle: First\ntags: [python]\n---\nHi.\n\n## One\n\nA.\n\n## Two\n",
        "content/posts/2024-02-03-second.md": "---\ntitle: Second\n---\n```python\nprint('hi')\n```\n",
    })
    out = tmp_path_factory.mktemp("bare-out") / "site"
    build(BuildOptions(root=root, output=out, now=NOW))
    server, origin = serve_folder(out)
    yield origin + "/"
    server.shutdown()


@pytest.mark.parametrize("path", ["", "posts/first/", "posts/second/"])
def test_a_site_without_career_data_is_accessible_too(watched_page: tuple[Page, PageProblems], bare_site_url: str,
                                                      path: str) -> None:
    page, problems = watched_page
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(bare_site_url + path)
        assert page.locator("h1").count() == 1
        violations = axe_violations(page)
        assert violations == [], f"axe on /{path} ({scheme}):\n" + json.dumps(violations, indent=2)
    assert problems.console_errors == [] and problems.failed_requests == []
