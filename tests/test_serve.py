"""`careerblog serve`: the preview server on port 0, fed changes by the test instead of a file watcher."""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sitefiles import write_site

from careerblog.cli import main
from careerblog.config import BuildOptions
from careerblog.diagnostics import BuildError
from careerblog.rebuild import FullRebuild, RebuildResult
from careerblog.serve import DevServer, host_allowed, inject_script, request_segments

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
POST = "content/posts/2024-01-02-hello.md"
SITE = {
    "content/site.yml": 'title: Test site\nbase_url: "https://example.org/blog/"\nauthor: Tester\n',
    POST: "---\ntitle: Hello\ntags: [news]\n---\nFirst words.\n",
    "content/posts/2024-01-03-unfinished.md": "---\ntitle: Unfinished\ndraft: true\n---\nNot ready.\n",
    "static/bare.html": "<p>no head, no body</p>",
    "static/style.css": "body { color: black; }\n",
}


# -- a raw HTTP client: http libraries normalise paths, and these tests need the bytes as sent ----

@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def raw_request(port: int, target: str, method: str = "GET", host: str = "127.0.0.1") -> Response:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Response(int(lines[0].split()[1]), headers, body)


class EventStream:
    """A Server-Sent Events client on a raw socket, read with a deadline."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(b"GET /__careerblog__/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.buffer = b""
        head = self._until(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n")[0]
        assert b"text/event-stream" in head

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("event stream closed")
            self.buffer += chunk
        part, _, self.buffer = self.buffer.partition(marker)
        return part

    def next(self) -> tuple[str, dict[str, object]]:
        """The next named event (comments and retry lines skipped); fails after the socket's timeout."""
        while True:
            block = self._until(b"\n\n").decode("utf-8")
            fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line and line[0] != ":")
            if "event" in fields:
                return fields["event"], json.loads(fields["data"])

    def close(self) -> None:
        self.sock.close()


# -- the server, with a real full rebuild and changes fed by the test ----------------------------

@dataclass
class Served:
    root: Path
    folder: Path
    server: DevServer
    log: list[str]

    @property
    def port(self) -> int:
        return self.server.address[1]

    def get(self, target: str) -> Response:
        return raw_request(self.port, target)

    def edit(self, relative: str, text: str) -> RebuildResult:
        path = self.root / relative
        path.write_text(text, encoding="utf-8")
        return self.server.apply(frozenset({path}))

    def events(self) -> EventStream:
        return EventStream(self.port)


def start(root: Path, folder: Path, *, livereload: bool = True, drafts: bool = True) -> Served:
    log: list[str] = []
    options = BuildOptions(root=root, output=folder, drafts=drafts, now=NOW)
    server = DevServer(rebuild=FullRebuild(options, clock=lambda: NOW), folder=folder, base_path="/blog/",
                       livereload=livereload, log=log.append, root=root)
    server.start()
    server.apply(frozenset())
    return Served(root, folder, server, log)


@pytest.fixture
def served(site_dir: Path, tmp_path: Path) -> Iterator[Served]:
    write_site(site_dir, SITE)
    running = start(site_dir, tmp_path / "served")
    yield running
    running.server.close()


def generation_of(page: str) -> str:
    match = re.search(r'data-generation="([^"]+)"', page)
    assert match, "no live-reload script in the page"
    return match.group(1)


# -- flags -----------------------------------------------------------------------------------------

def test_serve_flag_defaults() -> None:
    command = main.get_command(click.Context(main), "serve")
    assert command is not None
    params = {p.name: p for p in command.params}
    assert params["host"].default == "127.0.0.1"
    assert params["port"].default == 8000
    assert params["drafts"].default is True
    assert params["open_browser"].default is False
    assert params["livereload"].default is True
    # Each on/off pair is one option, so the last one given wins (MkDocs' livereload broke on this).
    for name, flags in (("drafts", "--drafts/--no-drafts"), ("livereload", "--livereload/--no-livereload"),
                        ("open_browser", "--open/--no-open")):
        option = params[name]
        assert isinstance(option, click.Option)
        assert "/".join((*option.opts, *option.secondary_opts)) == flags


def _serve_once(args: list[str], site: Path, monkeypatch: pytest.MonkeyPatch,
                fetch: str | None = None) -> tuple[int, str, str, list[Response]]:
    """Run `careerblog serve` through click until the first build is served; fetch one page from it."""
    fetched: list[Response] = []
    folders: list[Path] = []

    def run_once(self: DevServer, changes: object) -> None:
        folders.append(self.folder)
        assert (self.folder / "index.html").is_file()
        assert not self.folder.resolve().is_relative_to(site.resolve())
        if fetch is not None:
            fetched.append(raw_request(self.address[1], self.base_path + fetch))

    monkeypatch.setattr(DevServer, "run", run_once)
    monkeypatch.setattr("careerblog.watch.watch_sources", lambda root: iter(()))
    result = CliRunner().invoke(main, ["serve", "--root", str(site), "--port", "0", *args])
    assert len(folders) == 1
    assert not folders[0].exists()  # the temporary build folder is gone when serve stops
    return result.exit_code, result.stdout, result.stderr, fetched


def test_serve_command_builds_serves_and_shows_drafts_by_default(site_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    write_site(site_dir, SITE)
    code, out, err, fetched = _serve_once([], site_dir, monkeypatch, fetch="posts/unfinished/")
    assert code == 0, err
    assert re.search(r"^serving .* at http://127\.0\.0\.1:\d+/blog/  \(Ctrl-C to stop\)$", out, re.M)
    assert re.search(r"^built in \d+\.\d\d s: \d+ files updated$", err, re.M)
    assert "warning" not in err
    assert fetched[0].status == 200
    assert '<span class="badge">draft</span>' in fetched[0].text
    assert not (site_dir / "_site").exists()  # serve never writes into _site/

    code, _, err, fetched = _serve_once(["--no-drafts"], site_dir, monkeypatch, fetch="posts/unfinished/")
    assert code == 0, err
    assert fetched[0].status == 404
    assert b"livereload.js" in fetched[0].body  # the 404 page reloads too

    code, _, err, fetched = _serve_once(["--livereload", "--no-livereload"], site_dir, monkeypatch, fetch="")
    assert code == 0, err
    assert fetched[0].status == 200
    assert b"livereload.js" not in fetched[0].body  # the last of the pair wins


def test_serve_warns_when_bound_beyond_this_machine(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_site(site_dir, SITE)
    code, _, err, _ = _serve_once(["--host", "0.0.0.0"], site_dir, monkeypatch)
    assert code == 0
    assert "warning: listening on 0.0.0.0: other machines can see this preview, drafts included" in err


def test_port_in_use_is_a_clear_error(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_site(site_dir, SITE)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(BuildError) as raised:
            DevServer(rebuild=lambda changed: RebuildResult(True), folder=site_dir, port=port).start()
        assert raised.value.diagnostics[0].format() == (
            f"127.0.0.1:{port}: error: the port is already in use by another program\n"
            "  hint: stop the other server, or choose another port with --port (--port 0 picks a free one)")
        monkeypatch.setattr("careerblog.watch.watch_sources", lambda root: iter(()))
        result = CliRunner().invoke(main, ["serve", "--root", str(site_dir), "--port", str(port)])
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}: error: the port is already in use by another program" in result.stderr
    assert "Traceback" not in result.stderr


# -- where files come from ------------------------------------------------------------------------

@pytest.mark.parametrize(("target", "expected"), [
    ("/blog/", ()),
    ("/blog/posts/hello/", ("posts", "hello")),
    ("/blog/posts//hello/index.html?x=1#top", ("posts", "hello", "index.html")),
    ("/blog/caf%C3%A9.txt", ("café.txt",)),
    ("http://127.0.0.1:8000/blog/a.css", ("a.css",)),
    ("/blog/%252e%252e/x", ("%2e%2e", "x")),  # decoded once: a literal name, not a way up
    ("/blog/../etc/passwd", None),
    ("/blog/%2e%2e/%2e%2e/etc/passwd", None),
    ("/blog/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", None),
    ("/blog/..%2f..%2fetc/passwd", None),
    ("/blog/./index.html", None),
    ("/blog/..\\..\\etc\\passwd", None),
    ("/blog/%5c..%5c..%5cetc%5cpasswd", None),
    ("/blog/index.html%00.txt", None),
    ("/blog/%c0%ae%c0%ae/etc/passwd", None),
    ("/etc/passwd", None),
    ("//etc/passwd", None),
    ("blog/index.html", None),
])
def test_request_segments(target: str, expected: tuple[str, ...] | None) -> None:
    assert request_segments(target, "/blog/") == expected


TRAVERSALS = [
    "/../../../../etc/passwd", "/blog/../../../../etc/passwd", "/blog/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/blog/%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/blog/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/blog/..\\..\\..\\..\\etc\\passwd", "/blog/%5c..%5c..%5c..%5c..%5cetc%5cpasswd", "/blog//etc/passwd",
    "//etc/passwd", "/blog/%00/../../etc/passwd", "/blog/..%00/etc/passwd", "/blog/%252e%252e/etc/passwd",
    "/blog/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/blog/....//....//etc/passwd",
    "http://127.0.0.1/blog/../../../../etc/passwd", "/blog/../secret.txt", "/blog/%2e%2e/secret.txt",
    "/blog/..%2Fsecret.txt", "/blog/.%2e/secret.txt", "/blog/%2e./secret.txt",
    "/blog/.careerblog-manifest.json",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_requests_get_404(served: Served, target: str) -> None:
    (served.folder.parent / "secret.txt").write_text("TOP SECRET")
    response = served.get(target)
    assert response.status in (400, 404), response.status
    assert b"root:" not in response.body
    assert b"TOP SECRET" not in response.body


def test_symlinks_out_of_the_folder_get_404(served: Served) -> None:
    outside = served.folder.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP SECRET")
    (served.folder / "link.txt").symlink_to(outside / "secret.txt")
    (served.folder / "linkdir").symlink_to(outside, target_is_directory=True)
    (served.folder / "posts" / "hello" / "up").symlink_to("../../..", target_is_directory=True)
    (served.folder / "inside.css").symlink_to(served.folder / "style.css")
    for target in ("/blog/link.txt", "/blog/linkdir/secret.txt", "/blog/linkdir/",
                   "/blog/posts/hello/up/../secret.txt", "/blog/posts/hello/up/outside/secret.txt"):
        response = served.get(target)
        assert response.status == 404, target
        assert b"TOP SECRET" not in response.body
    assert served.get("/blog/inside.css").status == 200  # a link that stays inside is followed


def test_listens_on_loopback_by_default(served: Served) -> None:
    assert served.server.address[0] == "127.0.0.1"
    assert not served.server.is_public
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        assert sock.getpeername() == ("127.0.0.1", served.port)


@pytest.mark.parametrize(("header", "bound", "allowed"), [
    ("127.0.0.1:8000", "127.0.0.1", True), ("localhost:8000", "127.0.0.1", True), ("[::1]:8000", "::1", True),
    ("LOCALHOST", "localhost", True), ("evil.example:8000", "127.0.0.1", False),
    ("127.0.0.1.evil.example", "127.0.0.1", False), (None, "127.0.0.1", False), ("evil.example", "0.0.0.0", True),
])
def test_host_header_check(header: str | None, bound: str, allowed: bool) -> None:
    assert host_allowed(header, bound) is allowed


def test_requests_for_another_host_name_are_refused(served: Served) -> None:
    """DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 cannot read drafts."""
    response = raw_request(served.port, "/blog/posts/unfinished/", host="evil.example")
    assert response.status == 403
    assert b"Unfinished" not in response.body
    assert raw_request(served.port, "/blog/posts/unfinished/", host=f"localhost:{served.port}").status == 200


def test_served_under_the_base_path_with_redirects(served: Served) -> None:
    assert (served.get("/").status, served.get("/").headers["location"]) == (302, "/blog/")
    assert served.get("/blog").headers["location"] == "/blog/"
    assert served.get("/blog/posts/hello").headers["location"] == "/blog/posts/hello/"
    home = served.get("/blog/")
    assert home.status == 200
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    assert home.headers["cache-control"] == "no-store"
    assert 'href="/blog/posts/hello/"' in home.text
    missing = served.get("/blog/no/such/page/")
    assert missing.status == 404
    assert missing.body == (served.folder / "404.html").read_bytes().replace(
        b"</body>", served.server.inject(b"", served.server.state.generation) + b"</body>")


def test_script_injected_into_html_only(served: Served) -> None:
    home = served.get("/blog/")
    assert re.search(rb'<script src="/__careerblog__/livereload.js" [^>]*></script></body>', home.body)
    assert home.body.count(b"livereload.js") == 1
    assert int(home.headers["content-length"]) == len(home.body)
    assert raw_request(served.port, "/blog/", "HEAD").headers["content-length"] == home.headers["content-length"]
    css = served.get("/blog/style.css")
    assert css.body == b"body { color: black; }\n"
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    bare = served.get("/blog/bare.html")
    assert bare.body.startswith(b"<p>no head, no body</p><script src=\"/__careerblog__/livereload.js\"")
    assert bare.body.endswith(b"</script>")
    script = served.get("/__careerblog__/livereload.js")
    assert script.status == 200
    assert b"EventSource" in script.body


def test_inject_script_goes_before_the_last_body_close() -> None:
    tag = b"<script></script>"
    page = b"<html><BODY><p>a</p></Body></html>"
    assert inject_script(page, tag) == b"<html><BODY><p>a</p>" + tag + b"</Body></html>"
    assert inject_script(b"<pre>&lt;/body&gt;</pre></body>", tag) == b"<pre>&lt;/body&gt;</pre>" + tag + b"</body>"
    assert inject_script(b"plain", tag) == b"plain" + tag


def test_no_livereload_serves_pages_untouched(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, SITE)
    running = start(site_dir, tmp_path / "served", livereload=False)
    try:
        home = running.get("/blog/")
        assert home.body == (running.folder / "index.html").read_bytes()
        assert running.get("/__careerblog__/events").status == 404
        assert running.get("/__careerblog__/livereload.js").status == 404
    finally:
        running.server.close()


# -- the authoring loop ---------------------------------------------------------------------------

def test_editing_a_post_sends_reload_and_serves_the_new_content(served: Served) -> None:
    stream = served.events()
    try:
        name, state = stream.next()
        first = served.get("/blog/posts/hello/").text
        assert (name, state["ok"], state["generation"]) == ("state", True, generation_of(first))

        result = served.edit(POST, "---\ntitle: Hello\ntags: [news]\n---\nSecond words.\n")
        assert result.ok
        assert "posts/hello/index.html" in result.written
        name, state = stream.next()
        assert name == "reload"
        assert state["generation"] != generation_of(first)
        page = served.get("/blog/posts/hello/").text
        assert "Second words." in page
        assert generation_of(page) == state["generation"]
    finally:
        stream.close()
    assert re.fullmatch(r"rebuilt in \d+\.\d\d s after content/posts/2024-01-02-hello\.md changed: "
                        r"\d+ files? updated", served.log[-1])


def test_a_broken_edit_shows_the_error_and_keeps_the_last_good_page(served: Served) -> None:
    good = served.get("/blog/posts/hello/").body
    stream = served.events()
    try:
        assert stream.next()[0] == "state"
        result = served.edit(POST, "---\ntitle: Hello\ndate: 2024-02-30\n---\nBroken words.\n")
        assert not result.ok
        name, state = stream.next()
        assert name == "build-error"
        assert state["ok"] is False
        errors = state["errors"]
        assert isinstance(errors, list)
        assert errors[0].startswith("content/posts/2024-01-02-hello.md:3:1: error: 'date' is not a valid date")
        assert served.get("/blog/posts/hello/").body == good  # the last good site is still served
        assert any("rebuild failed in" in line and "still serving the last good site" in line
                   for line in served.log)
        assert any(line.startswith("content/posts/2024-01-02-hello.md:3:1: error:") for line in served.log)

        late = served.events()  # a page opened now shows the overlay at once
        try:
            name, state = late.next()
            assert (name, state["ok"]) == ("state", False)
        finally:
            late.close()

        served.edit(POST, SITE[POST])  # back to the very bytes of the last good build: no reload needed
        assert stream.next()[0] == "clear"
        assert served.get("/blog/posts/hello/").body == good

        served.edit(POST, "---\ntitle: Hello\ndate: 2024-02-30\n---\nBroken again.\n")
        assert stream.next()[0] == "build-error"
        served.edit(POST, "---\ntitle: Hello\n---\nFixed words.\n")
        name, state = stream.next()
        assert (name, state["ok"], state["errors"]) == ("reload", True, [])
        assert "Fixed words." in served.get("/blog/posts/hello/").text
    finally:
        stream.close()


TYPO = ("content/posts/2024-01-02-hello.md:3:1: warning: unknown key 'tagz' in post front matter; did you mean "
        "'tags'?\n  hint: rename it to 'tags', or remove it")
BROKEN_LINK = ("content/posts/2024-01-02-hello.md:5: warning: broken link to /nowhere/\n"
               "  hint: point it at a page or file that this site builds")


def test_the_warnings_of_a_good_build_are_sent_to_the_browser(served: Served) -> None:
    stream = served.events()
    try:
        name, state = stream.next()
        assert (name, state["warnings"]) == ("state", [])

        result = served.edit(POST, "---\ntitle: Hello\ntagz: [news]\n---\nSee [gone](/nowhere/).\n")
        assert result.ok
        name, state = stream.next()
        assert (name, state["ok"], state["errors"], state["warnings"]) == ("reload", True, [], [TYPO, BROKEN_LINK])

        late = served.events()  # a page opened (or reloaded) now shows them at once
        try:
            assert late.next() == ("state", state)
        finally:
            late.close()

        served.edit(POST, "---\ntitle: Hello\ntags: [news]\n---\nSee [gone](/nowhere/).\n")
        name, state = stream.next()
        assert (name, state["warnings"]) == ("reload", [BROKEN_LINK])

        served.edit(POST, SITE[POST])
        name, state = stream.next()
        assert (name, state["ok"], state["warnings"]) == ("reload", True, [])
    finally:
        stream.close()


def test_a_failed_rebuild_sends_its_errors_without_warnings(served: Served) -> None:
    """The overlay wins: the browser is told the errors only, though the failed rebuild also found a warning."""
    linked = "---\ntitle: Hello\ntagz: [news]\n---\nSee [gone](/nowhere/).\n"
    served.edit(POST, linked)
    stream = served.events()
    try:
        assert stream.next()[1]["warnings"] == [TYPO, BROKEN_LINK]
        result = served.edit(POST, "---\ntitle: Hello\ndate: 2024-02-30\ntagz: [news]\n---\nText.\n")
        assert not result.ok
        assert result.warnings
        name, state = stream.next()
        assert (name, state["ok"], state["warnings"]) == ("build-error", False, [])
        errors = state["errors"]
        assert isinstance(errors, list) and len(errors) == 1
        assert errors[0].startswith("content/posts/2024-01-02-hello.md:3:1: error: 'date' is not a valid date")

        served.edit(POST, linked)  # the bytes of the last good build again: its warnings come back
        name, state = stream.next()
        assert (name, state["ok"], state["errors"], state["warnings"]) == ("clear", True, [], [TYPO, BROKEN_LINK])
    finally:
        stream.close()


def test_a_first_build_that_fails_still_starts_the_server(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {**SITE, POST: "---\ntitle: [unclosed\n---\nText.\n"})
    running = start(site_dir, tmp_path / "served")
    try:
        assert not running.server.state.ok
        assert running.log[0].startswith("build failed in ")
        assert running.log[0].endswith("nothing to serve yet")
        page = running.get("/blog/")
        assert page.status == 404
        assert "Nothing is built yet: the first build failed" in page.text
        stream = running.events()
        try:
            name, state = stream.next()
            assert (name, state["ok"]) == ("state", False)
            assert state["errors"] == ["content/posts/2024-01-02-hello.md:3:1: error: did not find expected ',' or "
                                       "']'\n  hint: check the YAML syntax around this line"]
            assert state["generation"] == generation_of(page.text)
            running.edit(POST, "---\ntitle: Repaired\n---\nText.\n")
            assert stream.next()[0] == "reload"
        finally:
            stream.close()
        assert "Repaired" in running.get("/blog/").text
    finally:
        running.server.close()


def test_the_server_follows_base_url(site_dir: Path, tmp_path: Path) -> None:
    """serve guesses the base path before the first build (site.yml may be broken); builds correct it."""
    write_site(site_dir, {**SITE, "content/site.yml": "title: T\nbase_url: [broken\n"})
    log: list[str] = []
    options = BuildOptions(root=site_dir, output=tmp_path / "served", now=NOW)
    with DevServer(rebuild=FullRebuild(options, clock=lambda: NOW), folder=tmp_path / "served", log=log.append,
                   root=site_dir) as server:
        assert not server.apply(frozenset()).ok
        assert server.base_path == "/"
        port = server.address[1]
        site_yml = site_dir / "content/site.yml"
        site_yml.write_text('title: T\nbase_url: "https://example.org/blog/"\n')
        assert server.apply(frozenset({site_yml})).ok
        assert server.base_path == "/blog/"
        assert log[-1] == f"base_url changed: now serving at http://127.0.0.1:{port}/blog/"
        assert raw_request(port, "/blog/posts/hello/").status == 200
        assert raw_request(port, "/").headers["location"] == "/blog/"


def test_a_rebuild_that_crashes_does_not_stop_the_server(tmp_path: Path) -> None:
    calls: list[frozenset[Path]] = []

    def crashing(changed: frozenset[Path]) -> RebuildResult:
        calls.append(changed)
        raise RuntimeError("boom")

    log: list[str] = []
    with DevServer(rebuild=crashing, folder=tmp_path, log=log.append) as server:
        result = server.apply(frozenset({tmp_path / "x.md"}))
        assert not result.ok
        assert server.state.errors == ("careerblog: error: internal error: RuntimeError: boom\n"
                                       "  hint: run with --debug for the traceback, and please report it",)
        assert raw_request(server.address[1], "/").status == 404
    assert calls == [frozenset({tmp_path / "x.md"})]


def test_run_applies_each_batch_and_close_ends_event_streams(served: Served) -> None:
    stream = served.events()
    assert stream.next()[0] == "state"
    post = served.root / POST
    post.write_text("---\ntitle: Hello\n---\nBatch one.\n")
    served.server.run(iter([frozenset({post})]))
    assert stream.next()[0] == "reload"
    served.server.close()
    with pytest.raises((EOFError, ConnectionResetError)):  # not TimeoutError: the server ended the stream
        stream.next()
    stream.close()


def test_the_serve_process_makes_full_collections_rare(site_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A serve process keeps the whole site in memory; a full collection after every edit cost 0.1 s at 5,000
    posts (bench/), so the command asks for them after 1,000 younger collections instead of 10."""
    write_site(site_dir, SITE)
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        code, _, err, _ = _serve_once([], site_dir, monkeypatch)
        assert code == 0, err
        assert gc.get_threshold() == (700, 10, 1000)
    finally:
        gc.set_threshold(*before)
