"""The record of the last build, so that a build with nothing changed since it is skipped outright.

After a successful build, `.careerblog-cache/last-build.json` records what the build read: the size,
modification time and inode of every file under content/, templates/ and static/, of careerblog's own
files (theme included) and of the libraries that shape the HTML. It also records the options, what the
build wrote (the same for every file of the output folder) and what it reported: warnings, notes and
skipped drafts. The next build takes the same readings first. When all of them match, and "now" still
falls between the newest published post and the oldest post held back as future, the output is already
what a build would make: the build only repeats its report, reads no source and writes nothing.

Anything unreadable, unexpected or changed means a full build: the record can make a build faster,
never different. A source changed less than `RACY_NS` before the recorded build started is not trusted
(two writes within one tick of a coarse file clock look alike), nor is a folder reached through a
symbolic link (a loop, or files the walk would have to follow by hand). careerblog's own files and the
libraries are changed by installs, which give them new sizes, times or inodes, so their readings suffice.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careerblog import __version__
from careerblog.config import BuildOptions
from careerblog.diagnostics import Diagnostic
from careerblog.write import CACHE_DIR, SOURCE_DIRS, make_cache_folder

RECORD = "last-build.json"
FORMAT = 1
# Libraries whose upgrade can change the HTML, JSON or JavaScript a build writes.
LIBRARIES = ("markdown", "pyromark", "pygments", "jinja2", "markupsafe", "yaml", "plotly")
RACY_NS = 2_000_000_000  # FAT and some network file systems keep modification times to 2 s
INSTALLED = ("<careerblog>/", "<library ")  # readings of installed files, which installs change wholesale

# path -> (size, modification time in ns, inode)
Readings = dict[str, list[int]]


class Unsupported(Exception):
    """A source tree the walk does not vouch for; the build runs in full."""


def _walk(folder: Path, prefix: str, into: Readings) -> None:
    """Read every file under `folder` into `into`, keyed `prefix` + its path; a missing folder adds nothing."""
    pending = [""]
    while pending:
        inner = pending.pop()
        try:
            scanner = os.scandir(os.path.join(folder, inner) if inner else folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise Unsupported(str(exc)) from None
        with scanner:
            for entry in scanner:
                relative = f"{inner}/{entry.name}" if inner else entry.name
                if entry.name == "__pycache__":
                    continue  # compiled copies of careerblog's own modules: rewritten by Python, not by authors
                if entry.is_dir(follow_symlinks=False):
                    pending.append(relative)
                    continue
                if entry.is_symlink() and entry.is_dir():
                    raise Unsupported(f"{prefix}{relative} is a link to a folder")
                try:
                    info = entry.stat()  # through a link to the file it names, which is what a build reads
                except OSError:
                    into[prefix + relative] = [-1, -1, -1]  # a dangling link: the build reports it
                    continue
                into[prefix + relative] = [info.st_size, info.st_mtime_ns, info.st_ino]


def _library_files() -> Readings:
    found: Readings = {}
    for name in LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        if origin is None:
            found[name] = [-1, -1, -1]
            continue
        info = os.stat(origin)
        found[name] = [info.st_size, info.st_mtime_ns, info.st_ino]
    return found


def _timestamp(moment: dt.datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


@dataclass(frozen=True, slots=True)
class Report:
    """What a build tells its user besides errors: the same whether it ran or was skipped."""

    warnings: tuple[Diagnostic, ...]
    notes: tuple[str, ...]
    skipped_drafts: tuple[str, ...]  # sources
    files: int


@dataclass(frozen=True, slots=True)
class Window:
    """The span of "now" in which the same posts are published: from the newest one shown to the
    oldest one held back as future (either end open)."""

    newest_shown: float | None
    oldest_held: float | None

    def holds(self, now: dt.datetime) -> bool:
        moment = now.timestamp()
        return (self.newest_shown is None or self.newest_shown <= moment) and \
            (self.oldest_held is None or moment < self.oldest_held)

    @classmethod
    def of(cls, newest_shown: dt.datetime | None, oldest_held: dt.datetime | None) -> Window:
        return cls(_timestamp(newest_shown), _timestamp(oldest_held))


class LastBuild:
    """The readings taken before a build; `replay` compares them with the record, `save` makes the record."""

    def __init__(self, options: BuildOptions, key: dict[str, Any], inputs: Readings, started_ns: int) -> None:
        self.options = options
        self.key = key
        self.inputs = inputs
        self.started_ns = started_ns

    @property
    def path(self) -> Path:
        return self.options.root / CACHE_DIR / RECORD

    @classmethod
    def read_sources(cls, options: BuildOptions) -> LastBuild | None:
        """The readings of everything a build of `options` depends on; None when they cannot be vouched for."""
        started_ns = time.time_ns()
        root = options.root.resolve()
        package = Path(__file__).resolve().parent
        inputs: Readings = {}
        try:
            for name in SOURCE_DIRS:
                _walk(root / name, f"{name}/", inputs)
            _walk(package, "<careerblog>/", inputs)
            if options.theme_dir is not None:
                _walk(options.theme_dir, "<theme>/", inputs)
            for name, reading in _library_files().items():
                inputs[f"<library {name}>/"] = reading
        except (Unsupported, OSError):
            return None
        key = {
            "format": FORMAT, "careerblog": __version__, "python": sys.version,
            "root": str(root), "output": str(options.output.resolve()), "base_url": options.base_url,
            "drafts": options.drafts, "future": options.future, "strict": options.strict,
            "theme": str(options.theme_dir.resolve()) if options.theme_dir is not None else None,
        }
        return cls(options, key, inputs, started_ns)

    def replay(self) -> Report | None:
        """The report of the last build when nothing it depended on has changed since; else None."""
        try:
            record = json.loads(self.path.read_bytes())
            if not isinstance(record, dict) or record.get("key") != self.key or record.get("inputs") != self.inputs:
                return None
            trusted_before = int(record["started_ns"]) - RACY_NS
            if any(reading[1] >= trusted_before for path, reading in self.inputs.items()
                   if not path.startswith(INSTALLED)):
                return None
            window = Window(*record["window"])
            if not window.holds(self.options.now):
                return None
            written: Readings = {}
            _walk(self.options.output.resolve(), "", written)
            if written != record["outputs"]:
                return None
            return Report(tuple(Diagnostic(*w) for w in record["warnings"]), tuple(record["notes"]),
                          tuple(record["skipped_drafts"]), int(record["files"]))
        except (OSError, ValueError, TypeError, KeyError, IndexError, Unsupported):
            return None

    def save(self, report: Report, window: Window, written: Readings | None = None) -> None:
        """Record a successful build; a cache folder that cannot be written only costs the next build time.

        `written` holds the readings of the output's files taken as they were written; without them, the
        output is walked."""
        if written is None:
            written = {}
            try:
                _walk(self.options.output.resolve(), "", written)
            except (Unsupported, OSError):  # the build succeeded; only the next one loses the shortcut
                return
        record = {
            "key": self.key, "started_ns": self.started_ns, "inputs": self.inputs, "outputs": written,
            "window": [window.newest_shown, window.oldest_held],
            "warnings": [[w.path, w.line, w.col, w.severity, w.message, w.hint] for w in report.warnings],
            "notes": list(report.notes), "skipped_drafts": list(report.skipped_drafts), "files": report.files,
        }
        try:
            folder = make_cache_folder(self.options.root)
            handle, temporary = tempfile.mkstemp(prefix=".last-build-", suffix=".tmp", dir=folder)
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(json.dumps(record, separators=(",", ":")))  # json.dump: Python's slower encoder
            os.replace(temporary, self.path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
