"""Which sources changed: the folders `serve` watches, in bursts batched by watchfiles, editor files ignored."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import watchfiles

WATCHED_FOLDERS = ("content", "templates", "static")
# Besides watchfiles' own list (vim .swp/.swx, backups ending in ~, emacs .#locks, JetBrains ___jb_ files):
EDITOR_FILE_PATTERNS = (
    r"^4913$",  # vim probes whether it may write in a folder with this file
    r"^#.*#$",  # emacs auto-save
    r"\.(?:bak|orig|rej|tmp|crswap)$",  # backups, merge leftovers, Chrome's File System Access swap
    r"\.kate-swp$",
    r"^\.goutputstream-",  # gedit's temporary before an atomic save
    r"^\.~lock\.",  # LibreOffice lock files
    r"^\.careerblog-",  # careerblog's own temporary files
)


class SourceFilter(watchfiles.DefaultFilter):
    """watchfiles' default filter plus the temporary files that other editors write beside a saved file."""

    ignore_entity_patterns = (*watchfiles.DefaultFilter.ignore_entity_patterns, *EDITOR_FILE_PATTERNS)


def is_editor_file(name: str) -> bool:
    """True for swap, backup and lock files that an editor writes beside the file being saved."""
    patterns = SourceFilter.ignore_entity_patterns
    return any(re.search(pattern, name) for pattern in patterns)


def watched_folders(root: Path) -> tuple[Path, ...]:
    return tuple(root / name for name in WATCHED_FOLDERS if (root / name).is_dir())


def watch_sources(root: Path, stop: threading.Event | None = None, *, debounce_ms: int = 1600,
                  step_ms: int = 50) -> Iterator[frozenset[Path]]:
    """Yield the set of changed source files once per burst of saves, until `stop` is set or Ctrl-C.

    watchfiles gathers changes until none has come for `step_ms` (at most `debounce_ms`), so an editor's
    write-to-temporary-then-rename and a "save all" arrive as one set.
    """
    folders = watched_folders(root)
    if not folders:
        return
    for batch in watchfiles.watch(*folders, watch_filter=SourceFilter(), debounce=debounce_ms, step=step_ms,
                                  stop_event=stop, raise_interrupt=True):
        changed = frozenset(Path(path) for _, path in batch)
        if changed:
            yield changed
