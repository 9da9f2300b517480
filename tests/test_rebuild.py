"""Rebuilding a served folder: only changed files replaced, each atomically; stale files removed."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sitefiles import write_site

from careerblog.config import BuildOptions
from careerblog.diagnostics import BuildError
from careerblog.rebuild import FullRebuild
from careerblog.site import StaticFile
from careerblog.write import MANIFEST, TEMP_PREFIX, Output, sync_site

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sync_site_writes_only_what_changed_and_removes_stale_files(tmp_path: Path) -> None:
    folder = tmp_path / "served"
    logo = tmp_path / "logo.svg"
    logo.write_bytes(b"<svg/>")
    first = sync_site([Output("index.html", b"home"), Output("posts/a/index.html", b"a"),
                         Output("posts/b/index.html", b"b")], [StaticFile("logo.svg", logo)], folder)
    assert sorted(first.written) == ["index.html", "logo.svg", "posts/a/index.html", "posts/b/index.html"]
    assert first.removed == ()

    again = sync_site([Output("index.html", b"home"), Output("posts/a/index.html", b"a"),
                         Output("posts/b/index.html", b"b")], [StaticFile("logo.svg", logo)], folder)
    assert (again.written, again.removed) == ((), ())

    logo.write_bytes(b"<svg></svg>")
    third = sync_site([Output("index.html", b"home, changed"), Output("posts/a/index.html", b"a")],
                        [StaticFile("logo.svg", logo)], folder)
    assert sorted(third.written) == ["index.html", "logo.svg"]
    assert third.removed == ("posts/b/index.html",)
    assert not (folder / "posts/b").exists()  # the emptied folder goes too
    files = files_in(folder)
    assert {k: v for k, v in files.items() if k != MANIFEST} == {
        "index.html": b"home, changed", "logo.svg": b"<svg></svg>", "posts/a/index.html": b"a"}
    assert not any(TEMP_PREFIX in name for name in files)


def test_sync_site_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(BuildError) as raised:
        sync_site([Output("index.html", b"x")], [], tmp_path)
    assert raised.value.diagnostics[0].message == "folder holds files that careerblog did not write"
    assert files_in(tmp_path) == {"mine.txt": b"keep me"}


def test_sync_site_refuses_paths_outside_the_folder(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as raised:
        sync_site([Output("../escape.html", b"x")], [], tmp_path / "served")
    assert raised.value.diagnostics[0].format() == "../escape.html: error: refusing to write outside the output folder"
    assert not (tmp_path / "escape.html").exists()


def test_a_reader_never_sees_half_a_file(tmp_path: Path) -> None:
    """Pages are replaced by rename, so a reader racing the writer reads one whole version or the other."""
    folder = tmp_path / "served"
    versions = (b"a" * 3_000_000, b"b" * 1_000_000)
    sync_site([Output("big.html", versions[0])], [], folder)
    seen: set[bytes] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add((folder / "big.html").read_bytes())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(40):
            sync_site([Output("big.html", versions[(i + 1) % 2])], [], folder)
    finally:
        done.set()
        reader.join()
    assert seen <= set(versions)


def test_full_rebuild_reports_errors_and_keeps_the_last_good_site(site_dir: Path, tmp_path: Path) -> None:
    write_site(site_dir, {"content/posts/2024-01-02-hello.md": "---\ntitle: Hello\n---\nOne.\n"})
    folder = tmp_path / "served"
    rebuild = FullRebuild(BuildOptions(root=site_dir, output=folder, now=NOW), clock=lambda: NOW)
    first = rebuild(frozenset())
    assert first.ok
    assert "posts/hello/index.html" in first.written
    good = files_in(folder)

    (site_dir / "content/posts/2024-01-02-hello.md").write_text("---\ntitle: Hello\ndate: soon\n---\nTwo.\n")
    failed = rebuild(frozenset({site_dir / "content/posts/2024-01-02-hello.md"}))
    assert not failed.ok
    assert [d.format().splitlines()[0] for d in failed.errors] == [
        "content/posts/2024-01-02-hello.md:3:1: error: 'date' is not a valid date: 'soon'"]
    assert (failed.written, failed.removed) == ((), ())
    assert files_in(folder) == good

    (site_dir / "content/posts/2024-01-02-hello.md").write_text("---\ntitle: Hello\n---\nOne.\n")
    same = rebuild(frozenset({site_dir / "content/posts/2024-01-02-hello.md"}))
    assert same.ok
    assert not same.changed_output
    assert files_in(folder) == good


def test_full_rebuild_matches_a_clean_build(site_dir: Path, tmp_path: Path) -> None:
    """Rebuilding in place after edits gives the same files as `careerblog build` of the final sources."""
    from careerblog.build import build

    write_site(site_dir, {"content/posts/2024-01-02-a.md": "---\ntitle: A\ntags: [x]\n---\nA.\n",
                          "content/posts/2024-01-03-b.md": "---\ntitle: B\ntags: [y]\n---\nB.\n"})
    folder = tmp_path / "served"
    rebuild = FullRebuild(BuildOptions(root=site_dir, output=folder, now=NOW), clock=lambda: NOW)
    assert rebuild(frozenset()).ok
    (site_dir / "content/posts/2024-01-03-b.md").unlink()
    (site_dir / "content/posts/2024-01-04-c.md").write_text("---\ntitle: C\ntags: [x]\n---\nC.\n")
    result = rebuild(frozenset())
    assert "tags/y/index.html" in result.removed
    build(BuildOptions(root=site_dir, output=tmp_path / "clean", now=NOW))
    assert files_in(folder) == files_in(tmp_path / "clean")
