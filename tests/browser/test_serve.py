"""`careerblog serve` in Chromium: the page reloads itself after an edit; a broken edit shows an overlay;
the warnings of a good build show in a small panel."""

from __future__ import annotations

from pathlib import Path

from browser.conftest import DevServerProcess
from browser.harness import PageProblems
from playwright.sync_api import Page

WAIT_MS = 30_000  # the watcher's debounce plus a rebuild; generous for a loaded CI machine


def live_post(server: DevServerProcess) -> Path:
    (post,) = server.root.glob("content/posts/*-live-edit.md")
    return post


def open_live_post(page: Page, server: DevServerProcess) -> tuple[Path, str]:
    """Open the live post's page and mark it (a reload forgets the mark); the post's file and its text."""
    page.goto(server.url + "posts/live-edit/")
    page.evaluate("window.__beforeEdit = true")
    post = live_post(server)
    return post, post.read_text()


def test_the_page_reloads_itself_after_an_edit(watched_page: tuple[Page, PageProblems],
                                               dev_server: DevServerProcess) -> None:
    page, problems = watched_page
    page.goto(dev_server.url + "posts/live-edit/")
    assert page.locator("h1").first.inner_text() == "Live edit"
    page.evaluate("window.__beforeEdit = true")
    page.wait_for_function("() => !!document.querySelector('script[data-generation]')")

    post = live_post(dev_server)
    post.write_text(post.read_text().replace("Write your post here, in Markdown.",
                                             "Edited while the server runs."))
    page.wait_for_function("() => document.body.innerText.includes('Edited while the server runs.')",
                           timeout=WAIT_MS)
    assert page.evaluate("window.__beforeEdit === undefined")  # a fresh page: it reloaded by itself
    assert problems.console_errors == []
    # The old page's event stream is cut when it reloads; nothing else may fail.
    assert [f for f in problems.failed_requests if not f.endswith("/__careerblog__/events: net::ERR_ABORTED")] == []
    assert f"after {post.relative_to(dev_server.root).as_posix()} changed" in dev_server.log


def test_a_broken_front_matter_shows_an_overlay_over_the_last_good_page(
        watched_page: tuple[Page, PageProblems], dev_server: DevServerProcess, screenshot_dir: Path) -> None:
    page, problems = watched_page
    post, good = open_live_post(page, dev_server)
    lines = good.splitlines()
    assert lines[2].startswith("date: ")
    post.write_text(good.replace(lines[2], "date: 2024-02-30"))

    overlay = page.locator("#careerblog-error-overlay")
    overlay.wait_for(state="visible", timeout=WAIT_MS)
    relative = post.relative_to(dev_server.root).as_posix()
    text = overlay.inner_text()
    assert f"{relative}:3:1: error: 'date' is not a valid date: '2024-02-30'" in text
    assert "the last rebuild failed" in text
    page.screenshot(path=str(screenshot_dir / "serve-error-overlay.png"))
    assert page.evaluate("window.__beforeEdit === true")  # not reloaded: the last good page stays
    assert page.locator("h1").first.inner_text() == "Live edit"

    page.reload()  # opened while the build is broken: the overlay is there from the start
    overlay.wait_for(state="visible", timeout=WAIT_MS)
    page.evaluate("window.__beforeEdit = true")

    post.write_text(good)
    overlay.wait_for(state="detached", timeout=WAIT_MS)
    assert page.evaluate("window.__beforeEdit === true")  # same bytes as the last good build: no reload
    assert problems.console_errors == []

    assert dev_server.stop() == 0
    assert "stopped" in dev_server.log


def test_the_warnings_of_a_good_build_show_in_a_panel_beside_the_page(
        watched_page: tuple[Page, PageProblems], dev_server: DevServerProcess, screenshot_dir: Path) -> None:
    page, problems = watched_page
    post, good = open_live_post(page, dev_server)
    body = "Write your post here, in Markdown."
    assert body in good
    line = good.splitlines().index(body) + 1
    post.write_text(good.replace(body, "A link to [gone](/nowhere/) in the post."))

    panel = page.get_by_role("status", name="careerblog warnings")
    panel.wait_for(state="visible", timeout=WAIT_MS)
    relative = post.relative_to(dev_server.root).as_posix()
    text = panel.inner_text()
    assert "1 warning in the last build" in text
    assert f"{relative}:{line}: warning: broken link to /nowhere/" in text
    assert page.evaluate("window.__beforeEdit === undefined")  # the page reloaded to show the edit
    assert "A link to gone in the post." in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "serve-warnings-panel.png"))
    # A corner of the page, not a cover over it: the title stays visible and clickable.
    assert page.evaluate("""() => {
        const h1 = document.querySelector("h1").getBoundingClientRect();
        const hit = document.elementFromPoint(h1.left + h1.width / 2, h1.top + h1.height / 2);
        return !!hit && !hit.closest("#careerblog-warnings");
    }""")

    panel.get_by_role("button", name="Dismiss").click()
    panel.wait_for(state="detached", timeout=WAIT_MS)
    page.reload()  # a fresh page is told the warnings of the last build again
    panel.wait_for(state="visible", timeout=WAIT_MS)
    assert f"{relative}:{line}: warning: broken link to /nowhere/" in panel.inner_text()

    page.evaluate("window.__beforeEdit = true")
    post.write_text(good.replace(body, "A link [home](/) that works."))
    page.wait_for_function("() => document.body.innerText.includes('A link home that works.')", timeout=WAIT_MS)
    assert page.evaluate("window.__beforeEdit === undefined")
    panel.wait_for(state="detached", timeout=WAIT_MS)

    post.write_text(good)
    page.wait_for_function(f"() => document.body.innerText.includes({body!r})", timeout=WAIT_MS)
    assert problems.console_errors == []
    assert [f for f in problems.failed_requests if not f.endswith("/__careerblog__/events: net::ERR_ABORTED")] == []
