"""`careerblog serve` in Chromium: the page reloads itself after an edit; a broken edit shows an overlay."""

from __future__ import annotations

from pathlib import Path

from browser.conftest import DevServerProcess
from browser.harness import PageProblems
from playwright.sync_api import Page

WAIT_MS = 30_000  # the watcher's debounce plus a rebuild; generous for a loaded CI machine


def live_post(server: DevServerProcess) -> Path:
    (post,) = server.root.glob("content/posts/*-live-edit.md")
    return post


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
    page.goto(dev_server.url + "posts/live-edit/")
    page.evaluate("window.__beforeEdit = true")
    post = live_post(dev_server)
    good = post.read_text()
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
