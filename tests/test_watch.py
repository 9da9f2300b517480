"""Watching the sources: one batch per burst of saves, editor swap and backup files ignored."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import pytest
from sitefiles import write_site

from careerblog.watch import is_editor_file, watch_sources, watched_folders


@pytest.mark.parametrize("name", [
    ".hello.md.swp", ".hello.md.swx", "hello.md~", ".#hello.md", "#hello.md#", "4913", "hello.md.bak",
    "hello.md.orig", "hello.md.tmp", "hello.md.kate-swp", ".goutputstream-ABC123", ".~lock.cv.odt#",
    "hello.md.___jb_tmp___", ".DS_Store", ".careerblog-tmp-x1y2", "hello.md.crswap",
])
def test_editor_files_are_ignored(name: str) -> None:
    assert is_editor_file(name)


@pytest.mark.parametrize("name", ["hello.md", "2024-01-02-post.markdown", "site.yml", "avatar.svg", "4913.md",
                                  "notes.backup.md", "main.css"])
def test_sources_are_watched(name: str) -> None:
    assert not is_editor_file(name)


def test_only_existing_source_folders_are_watched(site_dir: Path) -> None:
    write_site(site_dir, {"static/a.css": "a"})
    assert watched_folders(site_dir) == (site_dir / "content", site_dir / "static")


def test_a_burst_of_saves_with_editor_files_is_one_batch(site_dir: Path) -> None:
    """The real watcher, with a bounded wait: vim-style save of two posts plus swap and backup files."""
    write_site(site_dir, {"content/posts/2024-01-02-a.md": "---\ntitle: A\n---\nA\n",
                          "content/posts/2024-01-03-b.md": "---\ntitle: B\n---\nB\n",
                          "templates/partial.html": "<p>hi</p>\n"})
    posts = site_dir / "content" / "posts"
    batches: queue.Queue[frozenset[Path]] = queue.Queue()
    stop = threading.Event()

    def watch() -> None:
        for batch in watch_sources(site_dir, stop, debounce_ms=1600, step_ms=200):
            batches.put(batch)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        first: frozenset[Path] | None = None
        for _ in range(20):  # repeat the probe until the watcher is seen to be listening
            (posts / "probe.md").write_text("---\ntitle: P\n---\n")
            try:
                first = batches.get(timeout=1)
                break
            except queue.Empty:
                continue
        assert first is not None, "the watcher never reported a change"
        (posts / "probe.md").unlink()
        batches.get(timeout=10)  # the deletion

        (posts / ".2024-01-02-a.md.swp").write_text("swap")
        (posts / "4913").write_text("")
        (posts / "4913").unlink()
        (posts / "2024-01-02-a.md").rename(posts / "2024-01-02-a.md~")
        (posts / "2024-01-02-a.md").write_text("---\ntitle: A2\n---\nA2\n")
        (posts / "2024-01-02-a.md~").unlink()
        (posts / ".2024-01-02-a.md.swp").unlink()
        temp = posts / ".#2024-01-03-b.md"
        temp.write_text("lock")
        (posts / "2024-01-03-b.md").write_text("---\ntitle: B2\n---\nB2\n")
        (site_dir / "templates" / "partial.html").write_text("<p>hello</p>\n")
        temp.unlink()

        batch = batches.get(timeout=10)
        assert batch == {posts / "2024-01-02-a.md", posts / "2024-01-03-b.md", site_dir / "templates/partial.html"}
        with pytest.raises(queue.Empty):
            batches.get(timeout=1.5)  # nothing trails the burst
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
