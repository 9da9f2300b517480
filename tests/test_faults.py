"""Fault injection: disk full, permission denied and interrupts part way through writing a site (P3, P4)."""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from brokensites import CACHE, snapshot
from sitefiles import write_site

from careerblog import write
from careerblog.build import build
from careerblog.config import BuildOptions
from careerblog.diagnostics import BuildError

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _site(root: Path, posts: int = 6) -> None:
    files = {f"content/posts/2024-{i // 28 + 1:02d}-{i % 28 + 1:02d}-post-{i}.md":
             f"---\ntitle: Post {i}\ntags: [t{i % 3}]\n---\nText {i}.\n" for i in range(posts)}
    files["static/files/cv.txt"] = "a static file\n"
    files["static/img/logo.svg"] = "<svg xmlns='http://www.w3.org/2000/svg'/>\n"
    write_site(root, files)


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, dict[str, str], dict[str, str]]:
    """A site built once (the previous output), then edited; returns site, output and two snapshots."""
    site, out = tmp_path / "site", tmp_path / "site" / "_site"
    _site(site)
    sibling = tmp_path / "sibling"
    sibling.mkdir()
    (sibling / "mine.txt").write_text("untouched\n", encoding="utf-8")
    build(BuildOptions(root=site, output=out, now=NOW))
    (site / "content/posts/2024-01-01-post-0.md").write_text("---\ntitle: Edited\n---\nNew text.\n", encoding="utf-8")
    return site, out, snapshot(out), snapshot(tmp_path, (out, site / CACHE))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".careerblog-" in p.name and p.name != CACHE)


def _fail_on_call(n: int, exc: BaseException, original: Callable[..., Any]) -> Callable[..., Any]:
    calls = {"count": 0}

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["count"] += 1
        if calls["count"] == n:
            raise exc
        return original(*args, **kwargs)

    return failing


DISK_FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
DENIED = PermissionError(errno.EACCES, os.strerror(errno.EACCES))

# (what fails, which call, the exception): the staging folder's marker, page writes, static copies, the
# manifest, and the swap itself.
FAULTS = [
    ("write_bytes", 1, DISK_FULL), ("write_file", 1, DISK_FULL), ("write_file", 5, DISK_FULL),
    ("write_file", 12, DENIED),
    ("copyfile", 1, DENIED), ("copyfile", 2, DISK_FULL),
    ("write_text", 1, DISK_FULL),
    ("mkdir", 3, DENIED),
    ("replace", 1, DENIED), ("replace", 2, DENIED),
    ("write_file", 4, KeyboardInterrupt()), ("copyfile", 2, KeyboardInterrupt()),
    ("replace", 2, KeyboardInterrupt()), ("write_text", 1, KeyboardInterrupt()),
]


def _in_staging(original: Callable[..., Any], n: int, exc: BaseException) -> Callable[..., Any]:
    """`original`, failing at its n-th call on a path inside the staging folder (the cache's folder is
    made while pages render, and a build that cannot cache goes on without)."""
    failing = _fail_on_call(n, exc, original)

    def method(self: Path, *args: Any, **kwargs: Any) -> Any:
        if ".careerblog-staging" in str(self):
            return failing(self, *args, **kwargs)
        return original(self, *args, **kwargs)

    return method


def _patch(monkeypatch: pytest.MonkeyPatch, what: str, n: int, exc: BaseException) -> None:
    if what == "mkdir":
        monkeypatch.setattr(Path, what, _in_staging(Path.mkdir, n, exc))
    elif what == "write_file":  # a page, through the descriptor
        monkeypatch.setattr(write, what, _fail_on_call(n, exc, write.write_file))
    elif what in ("write_bytes", "write_text"):
        monkeypatch.setattr(Path, what, _fail_on_call(n, exc, getattr(Path, what)))
    elif what == "copyfile":
        monkeypatch.setattr(write.shutil, "copyfile", _fail_on_call(n, exc, shutil.copyfile))
    elif what == "replace":
        monkeypatch.setattr(write.os, "replace", _fail_on_call(n, exc, os.replace))


@pytest.mark.parametrize(("what", "n", "exc"), FAULTS,
                         ids=[f"{w}-{n}-{type(e).__name__}-{getattr(e, 'errno', '')}" for w, n, e in FAULTS])
def test_a_failing_write_leaves_the_previous_site_intact(
    built: tuple[Path, Path, dict[str, str], dict[str, str]], monkeypatch: pytest.MonkeyPatch,
    what: str, n: int, exc: BaseException,
) -> None:
    site, out, previous, outside = built
    with monkeypatch.context() as patched:
        _patch(patched, what, n, exc)
        with pytest.raises((BuildError, KeyboardInterrupt)) as caught:
            build(BuildOptions(root=site, output=out, now=NOW))
    if isinstance(exc, OSError):
        assert caught.type is BuildError
        (diagnostic,) = caught.value.diagnostics
        assert diagnostic.message == f"cannot write the site: {exc.strerror}"
        assert "the previous site is unchanged" in diagnostic.hint
    assert snapshot(out) == previous  # P3
    assert snapshot(site.parent, (out, site / CACHE)) == outside  # P4: nothing but the cache, created or changed
    assert _leftovers(site) == []

    # The next run starts clean and succeeds.
    build(BuildOptions(root=site, output=out, now=NOW))
    assert "Edited" in (out / "posts/post-0/index.html").read_text(encoding="utf-8")
    assert _leftovers(site) == []


def test_leftovers_of_a_killed_build_are_cleared_by_the_next(tmp_path: Path) -> None:
    """A build killed outright (no cleanup ran): its staging folder and a half-done swap are finished next time."""
    site, out = tmp_path / "site", tmp_path / "site" / "_site"
    _site(site)
    build(BuildOptions(root=site, output=out, now=NOW))
    previous = snapshot(out)
    # Killed while writing: a staging folder with only its marker and a few files.
    staging = write.staging_dir(out)
    (staging / "posts").mkdir(parents=True)
    (staging / ".careerblog-staging").write_bytes(b"")
    (staging / "posts" / "half.html").write_bytes(b"<p>half")
    # Killed between the two renames of the swap: the old site moved aside, the new one not yet in place.
    os.replace(out, write.previous_dir(out))
    build(BuildOptions(root=site, output=out, now=NOW))
    assert _leftovers(site) == []
    assert snapshot(out) == previous  # same sources, same bytes
    # Killed right after creating the staging folder, before marking it.
    write.staging_dir(out).mkdir()
    build(BuildOptions(root=site, output=out, now=NOW))
    assert _leftovers(site) == []


# A real process, slowed so that the signal lands while pages are being written.
_SLOW_BUILD = textwrap.dedent("""
    import sys, time
    import careerblog.write as w
    original = w.write_file
    def slow(*args):
        time.sleep(0.02)
        return original(*args)
    w.write_file = slow
    from careerblog.cli import main
    sys.argv = ["careerblog", *sys.argv[1:]]
    main()
""")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_a_build_killed_mid_write_leaves_the_previous_site(tmp_path: Path, sig: signal.Signals) -> None:
    site, out = tmp_path / "site", tmp_path / "site" / "_site"
    _site(site, posts=40)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    first = subprocess.run([sys.executable, "-m", "careerblog", "build"], cwd=site, env=env, capture_output=True,
                           text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    previous = snapshot(out)
    (site / "content/posts/2024-01-01-post-0.md").write_text("---\ntitle: Edited\n---\nNew.\n", encoding="utf-8")

    proc = subprocess.Popen([sys.executable, "-c", _SLOW_BUILD, "build"], cwd=site, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    marker = write.staging_dir(out) / "posts"
    deadline = time.monotonic() + 60
    while not marker.exists():  # wait until pages are being written into the staging folder
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)

    assert "Traceback" not in stderr
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "careerblog: interrupted" in stderr, stderr
        assert _leftovers(site) == []  # cleaned up on the way out
    else:
        assert proc.returncode == -sig
    assert snapshot(out) == previous  # P3, whatever the signal

    again = subprocess.run([sys.executable, "-m", "careerblog", "build"], cwd=site, env=env, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert _leftovers(site) == []  # nothing left behind after the next run
    assert "Edited" in (out / "posts/post-0/index.html").read_text(encoding="utf-8")


def test_two_outputs_for_one_file_are_refused(tmp_path: Path) -> None:
    from careerblog.write import Output

    site, out = tmp_path / "site", tmp_path / "out"
    _site(site)
    outputs = [Output("a/index.html", b"1", "content/pages/a.md"), Output("a/index.html", b"2", "content/posts/b.md")]
    with pytest.raises(BuildError) as caught:
        write.write_site(outputs, [], out, site)
    assert caught.value.diagnostics[0].format().startswith(
        "content/posts/b.md: error: a/index.html is also written by content/pages/a.md")
    assert not out.exists() and _leftovers(tmp_path) == []


READ_FAULTS = [
    ("content/posts/2024-01-02-post-1.md", "content/posts/2024-01-02-post-1.md: error: cannot read the file: "),
    ("content/site.yml", "content/site.yml: error: cannot read the file: "),
    ("content/data/profile.yml", "content/data/profile.yml: error: cannot read the file: "),
    ("templates/post.html", "templates/post.html: error: cannot read the template: "),
]


@pytest.mark.parametrize(("relative", "message"), READ_FAULTS, ids=[r for r, _ in READ_FAULTS])
@pytest.mark.parametrize("exc", [DENIED, OSError(errno.EIO, os.strerror(errno.EIO))], ids=["EACCES", "EIO"])
def test_a_source_that_cannot_be_read_is_a_located_error(
    built: tuple[Path, Path, dict[str, str], dict[str, str]], monkeypatch: pytest.MonkeyPatch,
    relative: str, message: str, exc: OSError,
) -> None:
    site, out, previous, _ = built
    template = '{% extends "base.html" %}{% block main %}{{ post.title }}{% endblock %}\n'
    write_site(site, {"content/data/profile.yml": "name: Ada\n", "templates/post.html": template})
    unreadable = (site / relative).resolve()
    real_read_bytes, real_open = Path.read_bytes, open

    def read_bytes(self: Path) -> bytes:
        if self.resolve() == unreadable:
            raise exc
        return real_read_bytes(self)

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:  # jinja2 opens templates itself
        if isinstance(file, str | Path) and Path(file).resolve() == unreadable:
            raise exc
        return real_open(file, *args, **kwargs)

    real_os_open = os.open

    def guarded_os_open(file: Any, *args: Any, **kwargs: Any) -> int:  # careerblog reads sources through it
        if isinstance(file, str | Path) and Path(file).resolve() == unreadable:
            raise exc
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr("builtins.open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(root=site, output=out, now=NOW))
    shown = [d.format() for d in caught.value.diagnostics]
    assert [m for m in shown if m.startswith(message + exc.strerror)], shown
    assert snapshot(out) == previous


def test_a_corrupted_cache_never_changes_the_output(tmp_path: Path) -> None:
    """The cache may make a build faster, never different: garbage, truncation and a foreign file in it."""
    site, out = tmp_path / "site", tmp_path / "site" / "_site"
    _site(site)
    build(BuildOptions(root=site, output=out, now=NOW))
    clean = snapshot(out)
    cache = site / write.CACHE_DIR
    cache.mkdir(exist_ok=True)
    files = [p for p in cache.rglob("*") if p.is_file()]
    for i, file in enumerate(files):  # whatever the cache holds: cut each file short or fill it with noise
        data = file.read_bytes()
        file.write_bytes(data[: len(data) // 2] if i % 2 else bytes(reversed(data)) + b"\x00garbage")
    (cache / "not-ours.bin").write_bytes(os.urandom(256))
    (cache / "nested").mkdir(exist_ok=True)
    (cache / "nested" / "x").write_bytes(b"\xff" * 64)
    (site / "content/posts/2024-01-01-post-0.md").write_text("---\ntitle: Post 0\ntags: [t0]\n---\nText 0.\n",
                                                              encoding="utf-8")
    build(BuildOptions(root=site, output=out, now=NOW))
    assert snapshot(out) == clean


def test_an_output_folder_that_is_a_link_stays_a_link(tmp_path: Path) -> None:
    """`_site` linked to a folder elsewhere: each build replaces that folder, and the link stays as it was."""
    site = tmp_path / "site"
    _site(site)
    real = tmp_path / "elsewhere" / "public"
    real.mkdir(parents=True)
    (site / "_site").symlink_to(real, target_is_directory=True)
    for _ in range(3):
        build(BuildOptions(root=site, output=site / "_site", now=NOW))
        assert (site / "_site").is_symlink() and (site / "_site").resolve() == real.resolve()
        assert (real / "posts" / "post-1" / "index.html").is_file()
        assert _leftovers(site) == [] and _leftovers(real.parent) == []


def test_builds_at_the_same_time_take_turns(tmp_path: Path) -> None:
    """Two or three `careerblog build` at once into one folder (a save hook and a hand): all succeed, in turn."""
    site, out = tmp_path / "site", tmp_path / "site" / "_site"
    _site(site, posts=12)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    command = [sys.executable, "-m", "careerblog", "build", "-q"]
    first = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    expected = snapshot(out)
    for _ in range(4):
        procs = [subprocess.Popen(command, cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(3)]
        results = [(proc.wait(timeout=120), proc.communicate()[1]) for proc in procs]
        assert [code for code, _ in results] == [0, 0, 0], results
        assert snapshot(out) == expected
        assert _leftovers(site) == []


def test_a_write_failing_in_a_build_worker_leaves_the_previous_site(
        built: tuple[Path, Path, dict[str, str], dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages are written by the processes that render them: a worker's failure reaches the build whole."""
    from careerblog import parallel

    site, out, previous, outside = built
    main = os.getpid()
    real = write.write_file

    def full_in_workers(folder: Path, relative: str, content: bytes) -> os.stat_result:
        if os.getpid() != main:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / relative))
        return real(folder, relative, content)

    monkeypatch.setattr(parallel, "MIN_ITEMS_PER_WORKER", 1)
    with monkeypatch.context() as patched:
        patched.setattr(write, "write_file", full_in_workers)
        with pytest.raises(BuildError) as caught:
            build(BuildOptions(root=site, output=out, now=NOW, jobs=2))
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.message == f"cannot write the site: {os.strerror(errno.ENOSPC)}"
    assert ".careerblog-staging" in diagnostic.path
    assert snapshot(out) == previous
    assert snapshot(site.parent, (out, site / CACHE)) == outside
    assert _leftovers(site) == []
    build(BuildOptions(root=site, output=out, now=NOW, jobs=2))  # and the next build, in workers too, succeeds
    assert "Edited" in (out / "posts/post-0/index.html").read_text(encoding="utf-8")
