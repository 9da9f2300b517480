"""The preview server: a built folder served under the site's base path, live reload, and an error overlay.

`DevServer` is handed a `rebuild` callable (see rebuild.py) and never reaches into the pipeline. Pages
are served with a small script injected before `</body>`; it listens to Server-Sent Events from
/__careerblog__/events, reloads after a good rebuild, draws the errors of a failed one over the last
good page, and lists the warnings of a good one in a small panel in a corner.
"""

from __future__ import annotations

import errno
import gc
import html
import http.server
import json
import mimetypes
import os
import secrets
import socket
import socketserver
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import quote, unquote, urlsplit

from careerblog.diagnostics import BuildError, Diagnostic
from careerblog.rebuild import Rebuilder, RebuildResult
from careerblog.write import MANIFEST, TEMP_PREFIX

SERVER_PREFIX = "/__careerblog__/"
EVENTS_PATH = SERVER_PREFIX + "events"
SCRIPT_PATH = SERVER_PREFIX + "livereload.js"
LIVERELOAD_JS = Path(__file__).with_name("livereload.js")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
KEEPALIVE_SECONDS = 15.0
_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml", ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8", ".webmanifest": "application/manifest+json", ".woff2": "font/woff2",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".ico": "image/x-icon",
}


@dataclass(frozen=True, slots=True)
class ServerState:
    """What the browser is told: the generation of the served files and the problems of the last rebuild."""

    generation: str  # changes whenever a good rebuild changed the served files
    ok: bool
    errors: tuple[str, ...] = ()  # formatted diagnostics of the last rebuild when it failed
    built: bool = False  # False until a first rebuild succeeded
    warnings: tuple[str, ...] = ()  # formatted warnings of the last rebuild when it succeeded

    def event(self, name: str) -> bytes:
        data = json.dumps({"generation": self.generation, "ok": self.ok, "errors": list(self.errors),
                           "warnings": list(self.warnings)})
        return f"event: {name}\ndata: {data}\n\n".encode()


def rare_full_collections() -> None:
    """Tune Python's cycle collector for a process that keeps a whole site in memory between rebuilds.

    Each rebuild allocates enough for Python to run a full collection, which walks every object of the
    site (0.1 s at 5,000 posts), after nearly every edit. Considered after 1,000 younger collections
    instead of 10, it comes every few dozen edits; cyclic garbage is still collected.
    """
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1000)


def request_segments(target: str, base_path: str) -> tuple[str, ...] | None:
    """The path segments below the base path that a request target asks for; None for anything else.

    Decodes percent-escapes once, then refuses every way out of the served folder: `..` and `.`
    segments (encoded or not), backslashes, NUL bytes and undecodable bytes. Empty segments (doubled
    slashes) are dropped. The caller still resolves symlinks and checks containment.
    """
    if target.startswith(("http://", "https://")):
        target = urlsplit(target).path or "/"
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or "\\" in path or "\x00" in path:
        return None
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or "\x00" in decoded or not decoded.startswith(unquote(base_path)):
        return None
    parts = tuple(part for part in decoded[len(unquote(base_path)):].split("/") if part)
    if any(part in (".", "..") for part in parts):
        return None
    return parts


def inject_script(page: bytes, tag: bytes) -> bytes:
    """Put `tag` before the last </body>, or at the very end of a page with no body."""
    at = page.lower().rfind(b"</body>")
    return page + tag if at < 0 else page[:at] + tag + page[at:]


def describe_changes(changed: frozenset[Path], root: Path | None = None, shown: int = 3) -> str:
    """The changed files, relative to the site root (or the current folder), for one log line."""
    names = []
    for path in sorted(changed):
        relative = os.path.relpath(path, root)
        names.append(path.as_posix() if relative.startswith("..") else Path(relative).as_posix())
    text = ", ".join(names[:shown])
    if len(names) > shown:
        text += f" and {len(names) - shown} more"
    return text


def _ignore(_: str) -> None:
    pass


def _normal_base(base_path: str) -> str:
    return "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"


def host_allowed(host_header: str | None, bound_host: str) -> bool:
    """Whether a request's Host header names this machine when the server listens on loopback only.

    A web page elsewhere can point its own domain name at 127.0.0.1 (DNS rebinding) and then read the
    preview, drafts included; its requests carry that domain in Host, so they are refused.
    """
    if bound_host not in LOOPBACK_HOSTS:
        return True
    if not host_header:
        return False
    name = urlsplit("//" + host_header).hostname or ""
    return name in ("127.0.0.1", "localhost", "::1")


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: DevServer) -> None:
        self.app = app
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's full name, which can hang on a machine without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser that closes a connection early is not worth a traceback in the author's terminal


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "careerblog"

    @property
    def app(self) -> DevServer:
        return cast(_HTTPServer, self.server).app

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per rebuild is what the author reads; requests would drown it

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        app = self.app
        if not host_allowed(self.headers.get("Host"), app.host):
            self._send(403, "text/plain; charset=utf-8", b"careerblog serve answers requests for this machine only\n",
                       head)
            return
        path = self.path.split("?", 1)[0]
        if app.livereload and path == EVENTS_PATH and not head:
            self._stream_events()
            return
        if app.livereload and path == SCRIPT_PATH:
            self._send(200, "text/javascript; charset=utf-8", LIVERELOAD_JS.read_bytes(), head)
            return
        base = app.base_path
        if path in ("/", base.rstrip("/")) and base != "/":
            self._redirect(base)
            return
        segments = request_segments(self.path, base)
        file = None if segments is None else app.locate(segments, slash=path.endswith("/"))
        if isinstance(file, str):
            self._redirect(file)
        elif file is None:
            self._not_found(head)
        else:
            self._send_file(file, 200, head)

    def _send_file(self, file: Path, status: int, head: bool) -> None:
        generation = self.app.state.generation  # read before the file, so a page never claims a newer build
        try:
            body = file.read_bytes()
        except OSError:
            self._not_found(head)
            return
        content_type = _TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0]
        content_type = content_type or "application/octet-stream"
        if content_type.startswith("text/html"):
            body = self.app.inject(body, generation)
        self._send(status, content_type, body, head)

    def _not_found(self, head: bool) -> None:
        page = self.app.locate(("404.html",))
        if isinstance(page, Path):
            self._send_file(page, 404, head)
            return
        state = self.app.state
        message = ("Nothing is built yet: the first build failed; fix the error and save." if not state.built
                   else "No page here.")
        body = (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>"
                f"<body><h1>Not found</h1><p>{html.escape(message)}</p></body></html>\n").encode()
        self._send(404, "text/html; charset=utf-8", self.app.inject(body, state.generation), head)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _send(self, status: int, content_type: str, body: bytes, head: bool) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _stream_events(self) -> None:
        app = self.app
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            sequence, state = app.snapshot()
            self.wfile.write(b"retry: 1000\n\n" + state.event("state"))
            self.wfile.flush()
            told = state.generation
            while True:
                update = app.wait_for_rebuild(sequence, KEEPALIVE_SECONDS)
                if app.closing:
                    return
                if update is None:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    sequence, state = update
                    if not state.ok:
                        self.wfile.write(state.event("build-error"))
                    elif state.generation != told:
                        self.wfile.write(state.event("reload"))
                        told = state.generation
                    else:
                        self.wfile.write(state.event("clear"))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return


class DevServer:
    """Serves `folder` under `base_path` on `host:port`, and rebuilds it through `rebuild` on each change."""

    def __init__(self, *, rebuild: Rebuilder, folder: Path, base_path: str = "/", host: str = "127.0.0.1",
                 port: int = 0, livereload: bool = True, log: Callable[[str], None] = _ignore,
                 debug: bool = False, root: Path | None = None) -> None:
        self.rebuild = rebuild
        self.folder = folder
        self.root = root  # the site's folder, only to name changed files in the log
        self.base_path = _normal_base(base_path)
        self.host = host
        self.port = port
        self.livereload = livereload
        self.log = log
        self.debug = debug
        self.closing = False
        self._token = secrets.token_hex(4)  # a restarted server's pages never match the old generation
        self._builds = 0
        self._sequence = 0
        self._state = ServerState(f"{self._token}-0", ok=True)
        self._changed = threading.Condition()
        self._rebuilding = threading.Lock()
        self._httpd: _HTTPServer | None = None

    # -- the socket -------------------------------------------------------------------------------

    def start(self) -> None:
        """Listen on host:port and serve in a background thread; a port in use is a located error."""
        try:
            self._httpd = _HTTPServer((self.host, self.port), self)
        except OSError as exc:
            where = f"{self.host}:{self.port}"
            if exc.errno == errno.EADDRINUSE:
                raise BuildError.single(where, None, "the port is already in use by another program",
                                        "stop the other server, or choose another port with --port "
                                        "(--port 0 picks a free one)") from None
            if exc.errno == errno.EACCES:
                raise BuildError.single(where, None, "permission denied to listen on this port",
                                        "ports below 1024 need privileges; use --port 8000") from None
            raise BuildError.single(where, None, f"cannot listen here: {exc.strerror or exc}",
                                    "check --host; 127.0.0.1 serves this machine only") from None
        threading.Thread(target=self._httpd.serve_forever, args=(0.1,), name="careerblog-http", daemon=True).start()

    @property
    def address(self) -> tuple[str, int]:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{self.base_path}"

    @property
    def is_public(self) -> bool:
        return self.host not in LOOPBACK_HOSTS

    def close(self) -> None:
        """Stop serving and wake every event stream so its thread ends."""
        with self._changed:
            self.closing = True
            self._changed.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> DevServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- rebuilds ---------------------------------------------------------------------------------

    @property
    def state(self) -> ServerState:
        with self._changed:
            return self._state

    def snapshot(self) -> tuple[int, ServerState]:
        with self._changed:
            return self._sequence, self._state

    def wait_for_rebuild(self, after: int, timeout: float) -> tuple[int, ServerState] | None:
        """Block until a rebuild newer than `after` finished (or the server closes); None on timeout."""
        with self._changed:
            self._changed.wait_for(lambda: self._sequence != after or self.closing, timeout)
            if self._sequence == after:
                return None
            return self._sequence, self._state

    def apply(self, changed: frozenset[Path]) -> RebuildResult:
        """Rebuild after `changed` (empty: everything), tell the browsers, and print one line about it."""
        with self._rebuilding:
            started = time.perf_counter()
            try:
                result = self.rebuild(changed)
            except Exception as exc:  # the server outlives a bug in a rebuild (P5)
                if self.debug:
                    self.log(traceback.format_exc().rstrip())
                result = RebuildResult(False, (Diagnostic(
                    "careerblog", None, None, "error", f"internal error: {type(exc).__name__}: {exc}",
                    "run with --debug for the traceback, and please report it"),),
                    seconds=time.perf_counter() - started)
            served_at = self.base_path
            if result.ok and result.base_path is not None:
                self.base_path = _normal_base(result.base_path)
            moved = self.base_path != served_at
            self._publish(result)
            self.log(self._summary(changed, result))
            if moved and self._httpd is not None:
                self.log(f"base_url changed: now serving at {self.url}")
            for diagnostic in result.diagnostics:
                self.log(diagnostic.format())
            for note in result.notes:
                self.log(note)
            return result

    def run(self, changes: Iterable[frozenset[Path]]) -> None:
        """Apply each batch of changes as it comes, until the iterable ends."""
        for changed in changes:
            if self.closing:
                return
            self.apply(changed)

    def _publish(self, result: RebuildResult) -> None:
        with self._changed:
            previous = self._state
            if result.ok:
                if result.changed_output or not previous.built:
                    self._builds += 1
                generation = f"{self._token}-{self._builds}"
                warnings = tuple(d.format() for d in result.warnings)
                self._state = ServerState(generation, ok=True, built=True, warnings=warnings)
            else:
                # Only the errors: the overlay hides the page, and a warnings panel beside it would be noise.
                errors = tuple(d.format() for d in result.errors)
                self._state = ServerState(previous.generation, ok=False, errors=errors, built=previous.built)
            self._sequence += 1
            self._changed.notify_all()

    def _summary(self, changed: frozenset[Path], result: RebuildResult) -> str:
        cause = f" after {describe_changes(changed, self.root)} changed" if changed else ""
        verb = "rebuilt" if changed else "built"
        if not result.ok:
            count = len(result.errors)
            kept = "still serving the last good site" if self.state.built else "nothing to serve yet"
            return (f"{'re' if changed else ''}build failed in {result.seconds:.2f} s{cause}: {count} "
                    f"error{'s' if count != 1 else ''}; {kept}")
        files = f"{len(result.written)} file{'s' if len(result.written) != 1 else ''} updated"
        if result.removed:
            files += f", {len(result.removed)} removed"
        return f"{verb} in {result.seconds:.2f} s{cause}: {files}"

    # -- files ------------------------------------------------------------------------------------

    def locate(self, segments: tuple[str, ...], slash: bool = True) -> Path | str | None:
        """The file to serve for path segments below the base path, a redirect location, or None.

        Symlinks are resolved and the real path must lie inside the served folder; careerblog's own
        temporary and manifest files are never served.
        """
        root = self.folder.resolve()
        try:
            real = root.joinpath(*segments).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        if not real.is_relative_to(root):
            return None
        if real.is_dir():
            if segments and not slash:
                return self.base_path + "/".join(quote(part) for part in segments) + "/"
            try:
                real = (real / "index.html").resolve(strict=True)
            except (OSError, RuntimeError):
                return None
            if not real.is_relative_to(root):
                return None
        if not real.is_file() or real.name == MANIFEST or real.name.startswith(TEMP_PREFIX):
            return None
        return real

    def inject(self, page: bytes, generation: str) -> bytes:
        if not self.livereload:
            return page
        tag = (f'<script src="{SCRIPT_PATH}" data-events="{EVENTS_PATH}" '
               f'data-generation="{html.escape(generation)}"></script>').encode()
        return inject_script(page, tag)
