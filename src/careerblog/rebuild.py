"""Rebuilding a site that is being served: the interface `serve` calls, and the full rebuild behind it.

`careerblog serve` knows nothing of the pipeline. It is handed a `Rebuilder`: a callable that takes the
source files that changed and brings the served folder up to date, returning a `RebuildResult`.

The contract every implementation keeps (the full rebuild below, and an incremental one later):
- `changed` holds absolute paths of source files created, modified or deleted since the last call;
  an empty set means "build everything" (the first build, or when the cause is unknown).
- The rebuild owns the served folder: it writes it through `write.sync_site` (or the same
  discipline), so each file is replaced by one atomic rename and a request never reads half a file.
- User mistakes never raise: the result has `ok=False` and the diagnostics, and the folder keeps the
  last good site (a rebuild fails before writing, never half way through its own plan).
- `written` and `removed` list the output paths, relative to the served folder with forward slashes,
  that changed; both empty means the served bytes are the same as before.
- `base_path` is the path of the site's base_url after a good rebuild, so the server follows an edit
  of base_url in site.yml.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from careerblog.build import render_site
from careerblog.config import BuildOptions, current_time
from careerblog.diagnostics import BuildError, Diagnostic
from careerblog.write import sync_site


@dataclass(frozen=True, slots=True)
class RebuildResult:
    """The outcome of one rebuild, as the server reports it to the terminal and the browser."""

    ok: bool
    diagnostics: tuple[Diagnostic, ...] = ()  # errors (with warnings) when not ok; warnings when ok
    written: tuple[str, ...] = ()  # output paths replaced or added
    removed: tuple[str, ...] = ()  # output paths deleted
    seconds: float = 0.0
    notes: tuple[str, ...] = ()  # informational lines, such as posts skipped for a future date
    base_path: str | None = None  # the path the built site expects to be served under ("/" or "/repo/")

    @property
    def changed_output(self) -> bool:
        return bool(self.written or self.removed)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "warning")


class Rebuilder(Protocol):
    """Brings the served folder up to date after `changed` source files changed (empty: everything)."""

    def __call__(self, changed: frozenset[Path]) -> RebuildResult: ...


@dataclass(frozen=True, slots=True)
class FullRebuild:
    """A `Rebuilder` that renders the whole site in memory, then replaces only the files whose bytes changed."""

    options: BuildOptions  # options.output is the served folder
    # "Now" moves on while the server runs: a post dated an hour ahead appears when its time comes.
    clock: Callable[[], dt.datetime] = current_time

    def __call__(self, changed: frozenset[Path]) -> RebuildResult:
        started = time.perf_counter()
        try:
            rendered = render_site(replace(self.options, now=self.clock()))
            update = sync_site(rendered.outputs, rendered.site.static_files, self.options.output)
        except BuildError as exc:
            return RebuildResult(False, exc.diagnostics, seconds=time.perf_counter() - started)
        return RebuildResult(True, rendered.warnings, update.written, update.removed,
                             time.perf_counter() - started, rendered.notes, rendered.site.config.base_path)
