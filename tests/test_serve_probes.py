"""P5 and the dev server's walls: the real `careerblog serve` process probed with raw requests, and the
corpus of broken sites applied to a running server one case after another."""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from brokensites import SOURCE_DATE_EPOCH, Case, all_cases, plant_previous_output, snapshot

from careerblog.config import BuildOptions
from careerblog.rebuild import FullRebuild
from careerblog.serve import EVENTS_PATH, DevServer

SITE_YML = 'title: Broken site case\nbase_url: "https://example.org/blog/"\nauthor: Tester\n'
GOOD_POST = "content/posts/2024-01-05-good.md"
BASE_FILES = {"content/site.yml": SITE_YML, GOOD_POST: "---\ntitle: A good post\ntags: [notes]\n---\nSome text.\n",
              "static/style.css": "body { color: black; }\n"}


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def raw(port: int, target: bytes | str, host: str = "127.0.0.1") -> Reply:
    """One request with the target exactly as given: HTTP libraries would clean up the paths under test."""
    line = target if isinstance(target, bytes) else target.encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(b"GET " + line + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if len(lines[0].split()) > 1 else 0
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return Reply(status, headers, body)


# ------------------------------------------------------------------ the real process

@dataclass
class Running:
    proc: subprocess.Popen[str]
    port: int
    top: Path
    site: Path
    tmpdir: Path
    secret: str
    stderr: queue.Queue[str]

    def served_folder(self) -> Path:
        (folder,) = [p for p in self.tmpdir.iterdir() if p.name.startswith("careerblog-serve-")]
        return folder


def _pump(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    top = tmp_path / "work"
    site = top / "site"
    _write(site, BASE_FILES)
    secret = "TOP-SECRET-" + secrets.token_hex(8)
    (top / "secret.txt").write_text(secret + "\n", encoding="utf-8")
    (top / "secret.html").write_text(f"<p>{secret}</p>\n", encoding="utf-8")
    tmpdir = top / "tmp"
    tmpdir.mkdir()
    plant_previous_output(site / "_site")  # serve builds elsewhere and must never write here
    (site / "static" / "leak.txt").symlink_to("../../secret.txt")  # the author's link out of the site
    untouchable = (site / "content", tmpdir, site / ".careerblog-cache")  # tests edit content/ themselves
    before = snapshot(top, untouchable)
    env = {**os.environ, "TMPDIR": str(tmpdir), "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    proc = subprocess.Popen([sys.executable, "-m", "careerblog", "serve", "--port", "0", "--no-open"], cwd=site,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: queue.Queue[str] = queue.Queue()
    err: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, out), daemon=True).start()
    threading.Thread(target=_pump, args=(proc.stderr, err), daemon=True).start()
    line = out.get(timeout=60)
    match = re.search(r"at http://127\.0\.0\.1:(\d+)/blog/", line)
    assert match, line
    yield Running(proc, int(match.group(1)), top, site, tmpdir, secret, err)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    logged = "".join(err.get() for _ in range(err.qsize()))
    assert "Traceback" not in logged
    assert list(tmpdir.iterdir()) == [], "serve left its temporary folder behind"
    assert snapshot(top, untouchable) == before, "serve changed files outside its temporary folder (_site/ included)"


TRAVERSALS = [
    f"/blog/{up}{name}" for name in ("secret.txt", "secret.html") for up in (
        "../" * 3, "../" * 4, "%2e%2e/" * 3, "%2E%2E/" * 4, "..%2f" * 3, "..%2F" * 4, "%2e%2e%2f" * 3,
        ".%2e/" * 3, "%2e./" * 4, "..\\" * 3, "..%5c" * 3, "%2e%2e%5c" * 4, "%252e%252e/" * 3,
        "%c0%ae%c0%ae/" * 3, "%e0%80%ae%e0%80%ae/" * 3, "%ef%bc%8e%ef%bc%8e/" * 3, "..;/" * 3, "...//" * 3,
        "....//" * 3, "..%00/" * 3, "%00../" * 3, "%u002e%u002e/" * 3, ".." + "/" * 2 + "../" * 3,
    )
] + [
    "/../../../secret.txt", "/blog/../../../../../../etc/passwd", "/blog//../../../secret.txt", "//secret.txt",
    "/blog/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/blog/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/blog/../../../secret.txt%00.html", "/blog/secret.txt%00", "/blog/%00", "http://127.0.0.1/blog/../../../secret.txt",
    "../../../secret.txt", "/blog/" + "../" * 40 + "etc/passwd", "/blog/.%2e/.%2e/.%2e/etc/passwd",
    "/blog/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt", "/blog/..\\..\\..\\..\\..\\..\\etc\\passwd",
    "/blog/\\..\\..\\..\\secret.txt", "/blog/%5c%2e%2e%5c%2e%2e%5c%2e%2e%5csecret.txt", "/blog/./../.././../secret.txt",
    "/blog/posts/../../../../secret.txt", "/blog/posts/good/../../../../../secret.txt", "/%2e%2e/%2e%2e/secret.txt",
    "/blog/~/secret.txt", "/blog/~root/.bashrc", "/blog/" + "a/" * 200 + "../" * 203 + "secret.txt",
]


def test_no_request_reaches_a_file_outside_the_served_folder(running: Running) -> None:
    assert raw(running.port, "/blog/posts/good/").status == 200  # the server does serve
    leaks = []
    for target in TRAVERSALS:
        reply = raw(running.port, target)
        if running.secret.encode() in reply.body or b"root:x:0:0" in reply.body:
            leaks.append(target)
        assert reply.status in (302, 400, 403, 404), (target, reply.status)
    assert leaks == []
    assert running.proc.poll() is None  # still up after every probe


def test_raw_bytes_in_the_request_line_are_refused_cleanly(running: Running) -> None:
    for target in (b"/blog/\xff\xfe/../../../secret.txt", b"/blog/\x00/../../secret.txt", b"/blog/%ff%fe%",
                   b"/blog/%", b"/blog/%zz", b"*", b"/blog/" + b"%2e" * 3000):
        reply = raw(running.port, target)
        assert running.secret.encode() not in reply.body
        assert reply.status != 200 or target.startswith(b"/blog/%2e%2e%2e")
    assert running.proc.poll() is None


def test_a_symlink_out_of_the_served_folder_is_not_followed(running: Running) -> None:
    folder = running.served_folder()
    (folder / "leak.txt").symlink_to(running.top / "secret.txt")
    (folder / "leak-dir").symlink_to(running.top, target_is_directory=True)
    (folder / "posts" / "up").symlink_to("../..", target_is_directory=True)
    # leak.txt is also a link in the site's static/: the build does not publish it either.
    for target in ("/blog/leak.txt", "/blog/leak-dir/secret.txt", "/blog/leak-dir/", "/blog/posts/up/secret.txt",
                   "/blog/posts/up/../secret.txt"):
        reply = raw(running.port, target)
        assert reply.status == 404 and running.secret.encode() not in reply.body, target


def test_only_loopback_and_never_the_sources_are_served(running: Running) -> None:
    for target in ("/blog/content/site.yml", "/blog/.careerblog-manifest.json", "/content/site.yml",
                   "/blog/../site/content/site.yml"):
        reply = raw(running.port, target)
        assert reply.status == 404 and b"base_url" not in reply.body, target
    # The real socket: bound to 127.0.0.1, so this machine's other address does not answer.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.connect(("10.255.255.255", 9))  # no packet is sent; this only picks the outgoing address
        host = udp.getsockname()[0]
    assert not host.startswith("127.")
    with socket.socket() as probe:
        probe.settimeout(2)
        assert probe.connect_ex((host, running.port)) != 0
    with socket.socket() as control:
        control.settimeout(2)
        assert control.connect_ex(("127.0.0.1", running.port)) == 0


def _fetch_page(port: int, target: str) -> tuple[int, bytes, int | None]:
    reply = raw(port, target)
    length = reply.headers.get("content-length")
    return reply.status, reply.body, int(length) if length else None


def test_a_request_during_rebuilds_never_gets_half_a_file(running: Running) -> None:
    post = running.site / GOOD_POST
    versions = [f"---\ntitle: Version {v}\n---\n" + "".join(f"Line {i} of version {v}.\n\n" for i in range(4000))
                for v in ("A", "B")]
    stop = threading.Event()
    problems: list[str] = []
    pages = {"count": 0}

    def reader() -> None:
        while not stop.is_set():
            status, body, length = _fetch_page(running.port, "/blog/posts/good/")
            pages["count"] += 1
            if status != 200 or length != len(body) or not body.rstrip().endswith(b"</html>"):
                problems.append(f"status {status}, {len(body)} of {length} bytes")
                continue
            paragraphs = re.findall(rb"<p>Line \d+ of version ([AB])\.</p>", body)
            if paragraphs and (len(paragraphs) != 4000 or len(set(paragraphs)) != 1):
                problems.append(f"a mixed or cut page: {len(paragraphs)} paragraphs of {set(paragraphs)}")

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for i in range(12):
            post.write_text(versions[i % 2], encoding="utf-8")
            time.sleep(0.4)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert problems == []
    assert pages["count"] > 12
    assert running.proc.poll() is None


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _write(site, BASE_FILES)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "careerblog", "serve", "--port", str(port), "--no-open"],
                                cwd=site, env={**os.environ, "TMPDIR": str(tmpdir)}, capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 1
    assert f"127.0.0.1:{port}: error: the port is already in use by another program" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmpdir.iterdir()) == []


# ------------------------------------------------------------------ P5 over the corpus

def _serve_cases() -> list[Case]:
    """Corpus cases whose whole meaning is in their files: no arguments, environment or --output."""
    chosen = []
    for case in all_cases():
        spec = case.spec
        if not case.applies_to("serve") or any(k in spec for k in ("args", "env", "output", "git_init")):
            continue
        if not (case.folder / "content" / "site.yml").is_file():
            continue
        chosen.append(case)
    return chosen


SERVE_CASES = _serve_cases()


@dataclass
class Session:
    root: Path
    server: DevServer
    good_page: bytes

    def first_event(self) -> dict[str, object]:
        """What a browser opening the page now is told: the `state` event the overlay reads."""
        with socket.create_connection(("127.0.0.1", self.server.address[1]), timeout=20) as sock:
            sock.sendall(f"GET {EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            data = b""
            while b"event: state\ndata: " not in data or not data.endswith(b"\n\n"):
                chunk = sock.recv(65536)
                assert chunk, data
                data += chunk
        payload = data.split(b"event: state\ndata: ", 1)[1].split(b"\n", 1)[0]
        return dict(json.loads(payload))


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    top = tmp_path_factory.mktemp("serve-corpus")
    root, folder = top / "site", top / "served"
    _write(root, BASE_FILES)
    now = dt.datetime.fromtimestamp(int(SOURCE_DATE_EPOCH), tz=dt.UTC)
    options = BuildOptions(root=root, output=folder, drafts=True, now=now)
    server = DevServer(rebuild=FullRebuild(options, clock=lambda: now), folder=folder, base_path="/blog/")
    server.start()
    assert server.apply(frozenset()).ok
    good = raw(server.address[1], "/blog/posts/good/")
    assert good.status == 200
    yield Session(root, server, good.body)
    server.close()


def _reset(root: Path) -> None:
    for folder in ("content", "templates", "static"):
        shutil.rmtree(root / folder, ignore_errors=True)
    _write(root, BASE_FILES)


def _strip_generation(page: bytes) -> bytes:
    return re.sub(rb'data-generation="[^"]*"', b"", page)


@pytest.mark.parametrize("case", SERVE_CASES, ids=lambda c: c.name)
def test_the_server_survives_each_broken_site(session: Session, case: Case) -> None:
    server, root = session.server, session.root
    _reset(root)
    for source in sorted(case.folder.rglob("*")):
        if source.is_file() and source.name != "case.yml":
            target = root / source.relative_to(case.folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target, follow_symlinks=False)  # a link stays a link, as in the case
    cache = (root / ".careerblog-cache",)  # P4: the one place at the site root a build may write
    before = snapshot(root, cache)

    result = server.apply(frozenset())

    assert snapshot(root, cache) == before  # serve never touches the sources
    if case.exit == 0:
        assert result.ok, [d.format() for d in result.diagnostics]
        told = "\n".join(str(w) for w in session.first_event()["warnings"])  # type: ignore[attr-defined]
        warnings = [p for p in case.spec.get("messages", []) if "warning" in p and not p.startswith("careerblog: ")]
        for pattern in warnings:  # the browser's warnings panel lists them
            assert re.search(pattern, told, re.M), (pattern, told)
    else:
        assert not result.ok
        state = session.first_event()
        assert state["ok"] is False
        shown = "\n".join(str(e) for e in state["errors"])  # type: ignore[attr-defined]
        errors = [p for p in case.spec.get("messages", []) if "warning" not in p and not p.startswith("careerblog: ")]
        assert errors
        for pattern in errors:  # the overlay shows the errors (warnings and the CLI's summary line stay in the log)
            assert re.search(pattern, shown, re.M), (pattern, shown)
        # The last good site is still what is served.
        page = raw(server.address[1], "/blog/posts/good/")
        assert page.status == 200
        assert _strip_generation(page.body) == _strip_generation(session.good_page)

    # The next good build clears the overlay.
    _reset(root)
    assert server.apply(frozenset()).ok
    assert session.first_event() == {"generation": server.state.generation, "ok": True, "errors": [],
                                     "warnings": []}
    assert raw(server.address[1], "/blog/posts/good/").status == 200


def _events(port: int, timeout: float) -> Iterator[dict[str, object]]:
    """The server's event stream, as the overlay's script reads it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(f"GET {EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        buffer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buffer += chunk
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                data = [line[6:] for line in block.split(b"\n") if line.startswith(b"data: ")]
                if data:
                    yield dict(json.loads(data[0]))


def test_a_failing_first_build_still_serves_and_a_fix_clears_the_overlay(tmp_path: Path) -> None:
    """The real process and its file watcher: broken from the start, then fixed by saving the file."""
    site = tmp_path / "site"
    broken = "---\ntitle: First\ntitle: Again\n---\nText.\n"
    _write(site, {**BASE_FILES, GOOD_POST: broken})
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    proc = subprocess.Popen([sys.executable, "-m", "careerblog", "serve", "--port", "0", "--no-open"], cwd=site,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_pump, args=(proc.stdout, out), daemon=True).start()
        match = re.search(r"at http://127\.0\.0\.1:(\d+)/blog/", out.get(timeout=60))
        assert match
        port = int(match.group(1))
        stream = _events(port, timeout=60)
        state = next(stream)
        assert state["ok"] is False
        assert any("content/posts/2024-01-05-good.md:3:1: error: duplicate key 'title'" in str(e)
                   for e in state["errors"])  # type: ignore[attr-defined]
        assert raw(port, "/blog/").status == 404  # nothing built yet, but the server answers
        (site / GOOD_POST).write_text(BASE_FILES[GOOD_POST], encoding="utf-8")
        fixed = next(event for event in stream if event["ok"] is True)
        assert fixed["errors"] == []
        page = raw(port, "/blog/posts/good/")
        assert page.status == 200 and b"A good post" in page.body
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    assert list(tmpdir.iterdir()) == []
