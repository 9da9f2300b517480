"""Real-browser fixtures: Debian's Chromium driven by Playwright, and the demo site served on loopback.

The demo is built with a project-site base URL (`/careerblog/`) and served under that path by a plain
static file server, as GitHub Pages would serve it, so every browser test also exercises the sub-path.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import os
import re
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser.harness import PageProblems
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, sync_playwright

from careerblog.build import build
from careerblog.config import BuildOptions

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
BASE_PATH = "/careerblog/"
TEST_OUTPUT = REPO / "test-output"
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
CAREERBLOG = Path(sys.executable).parent / "careerblog"


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `make test` (tools/ensure-browser.sh)"
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site built once per session under www/careerblog/."""
    www = tmp_path_factory.mktemp("www")
    out = www / BASE_PATH.strip("/")
    build(BuildOptions(root=REPO, output=out, base_url="https://example.github.io" + BASE_PATH, now=NOW))
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_folder(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve `folder` on 127.0.0.1 with a free port, in a daemon thread; returns the server and its origin."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="session")
def demo_url(demo_output: Path) -> Iterator[str]:
    """The demo's home page URL, served from the folder above the output, so the sub-path is real."""
    server, origin = serve_folder(demo_output.parent)
    yield origin + BASE_PATH
    server.shutdown()


@pytest.fixture
def watched_page(browser: Browser) -> Iterator[tuple[Page, PageProblems]]:
    """A fresh page that records console errors, page errors and failed or 4xx/5xx requests."""
    context = browser.new_context()
    page = context.new_page()
    problems = PageProblems()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.console_errors.append(message.text)

    def on_response(response: object) -> None:
        status = getattr(response, "status", 200)
        if status >= 400:
            problems.failed_requests.append(f"{status} {getattr(response, 'url', '')}")

    def on_failed(request: Request) -> None:
        problems.failed_requests.append(f"failed {request.url}: {request.failure}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.console_errors.append(str(exc)))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    yield page, problems
    context.close()


class DevServerProcess:
    """`careerblog serve` running as a user runs it, on a site made by `careerblog init`, with the real watcher."""

    def __init__(self, root: Path, log: Path) -> None:
        self.root = root
        self.log_path = log
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("SOURCE_DATE_EPOCH", None)
        self.process = subprocess.Popen(
            [str(CAREERBLOG), "serve", "--port", "0", "--no-open"], cwd=root, env=env,
            stdout=subprocess.PIPE, stderr=log.open("wb"), text=True)
        self.url = self._read_url()

    def _read_url(self) -> str:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        match = re.search(r"at (http://127\.0\.0\.1:\d+/\S*)", line)
        assert match, f"careerblog serve printed no URL: {line!r}\n{self.log}"
        return match.group(1)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """Ctrl-C, as the author stops it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[DevServerProcess]:
    """A new site (`careerblog init`) with one post of our own (`careerblog new post "Live edit"`), served."""
    root = tmp_path / "site"
    subprocess.run([str(CAREERBLOG), "init", str(root)], check=True, capture_output=True)
    subprocess.run([str(CAREERBLOG), "new", "post", "Live edit", "--root", str(root)], check=True,
                   capture_output=True)
    server = DevServerProcess(root, tmp_path / "serve.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    folder = TEST_OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def serve() -> Iterator[Callable[[Path], str]]:
    """Serve any folder on loopback for one test: `serve(folder)` returns its origin."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        server, origin = serve_folder(folder)
        servers.append(server)
        return origin

    yield start
    for server in servers:
        server.shutdown()
