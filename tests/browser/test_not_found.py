"""404.html served for a missing URL deep under the sub-path, as GitHub Pages does: styled, links work."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser.conftest import BASE_PATH
from browser.harness import PageProblems
from playwright.sync_api import Page


class _PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Like GitHub Pages: a path with no file gets the site's 404.html, with status 404."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        not_found = Path(self.directory) / BASE_PATH.strip("/") / "404.html"
        if code != 404 or not not_found.is_file():
            super().send_error(code, message, explain)
            return
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def pages_origin(demo_output: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_PagesHandler, directory=str(demo_output.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("missing", ["nope", "posts/nope/", "a/b/c/d/e.html"])
def test_404_page_is_styled_and_its_links_work_at_any_depth(watched_page: tuple[Page, PageProblems],
                                                            pages_origin: str, missing: str) -> None:
    page, problems = watched_page
    url = pages_origin + BASE_PATH + missing
    response = page.goto(url)
    assert response is not None and response.status == 404
    assert page.locator("h1").first.inner_text() == "Page not found"
    # The stylesheet loaded: the page's own request failed (404) and nothing else did.
    assert problems.failed_requests == [f"404 {url}"]
    assert page.evaluate("document.styleSheets.length") >= 1
    assert page.evaluate("[...document.styleSheets].every(s => s.cssRules.length > 0)")
    links = page.locator("main a").evaluate_all("els => els.map(a => a.href)")
    assert links
    for href in links:
        assert href.startswith(pages_origin + BASE_PATH), href
        answer = page.request.get(href)
        assert answer.status == 200, href
