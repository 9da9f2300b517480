"""The only module that writes a site: into a staging folder, swapped in only when the build succeeded."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from careerblog import urls
from careerblog.diagnostics import BuildError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from careerblog.site import StaticFile

MANIFEST = ".careerblog-manifest.json"
SOURCE_DIRS = ("content", "templates", "static")
CACHE_DIR = ".careerblog-cache"


@dataclass(frozen=True, slots=True)
class Output:
    """One file of the built site, in memory (render makes them, this module writes them)."""

    path: str  # relative to the output folder, forward slashes
    content: bytes
    source: str = ""  # the source file it came from, for messages and link checking
    reading: tuple[int, int, int] | None = None  # once written to staging: size, modification time (ns), inode


def make_cache_folder(root: Path) -> Path:
    """`.careerblog-cache/` at the site root, with a .gitignore that keeps it out of git; OSError if it cannot be."""
    folder = root / CACHE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# careerblog's build cache: safe to delete, never commit\n*\n", encoding="utf-8")
    return folder


def staging_dir(output: Path) -> Path:
    return output.with_name(output.name + ".careerblog-staging")


def previous_dir(output: Path) -> Path:
    return output.with_name(output.name + ".careerblog-previous")


def _display(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _is_inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def read_manifest(folder: Path) -> set[str] | None:
    """The files careerblog wrote into `folder` last time; None when it did not write that folder."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return None
    return {str(f) for f in data["files"]}


def _files_in(folder: Path) -> set[str]:
    """Every file and link under `folder`, relative, with forward slashes (links are not followed)."""
    found: set[str] = set()
    pending = [""]
    while pending:
        inner = pending.pop()
        with os.scandir(os.path.join(folder, inner) if inner else folder) as scanner:
            for entry in scanner:  # the entry's type comes with the listing: no stat call per file
                relative = f"{inner}/{entry.name}" if inner else entry.name
                if entry.is_dir(follow_symlinks=False):
                    pending.append(relative)
                else:
                    found.add(relative)
    return found


def check_output_dir(output: Path, root: Path) -> set[str]:
    """Refuse, before anything is touched, an output folder a build must never replace; returns its files."""
    refuse_place(output, root)
    out = output.resolve()
    if out.is_dir():
        present = _files_in(out)
        if not present and not any(out.iterdir()):
            return present
        written = read_manifest(out)
        if written is None:
            raise BuildError.single(_display(output), None,
                                    "output folder holds files that careerblog did not write",
                                    "empty it or choose another --output; careerblog only replaces folders it built")
        foreign = sorted(present - written - {MANIFEST})
        if foreign:
            shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
            raise BuildError.single(_display(output), None,
                                    f"output folder holds files that careerblog did not write: {shown}",
                                    "move them into static/ so the build copies them, or delete them")
        return present
    return set()


def refuse_place(output: Path, root: Path) -> None:
    """The refusals that depend on where the output is, not on what it holds (no listing of its files)."""
    out = output.resolve()
    site = root.resolve()
    hint = "build into a folder of its own, such as _site/ (the default)"
    if out == Path(out.anchor):
        raise BuildError.single(_display(output), None, "output folder is the file system root", hint)
    if out == Path.home().resolve():
        raise BuildError.single(_display(output), None, "output folder is your home folder", hint)
    if out == site or _is_inside(site, out):
        raise BuildError.single(_display(output), None,
                                "output folder is the site folder or contains it; building there would delete "
                                "your sources", hint)
    for name in (*SOURCE_DIRS, ".git", CACHE_DIR):
        if _is_inside(out, site / name):
            raise BuildError.single(_display(output), None, f"output folder lies inside the site's {name}/ folder",
                                    hint)
    if out.exists() and not out.is_dir():
        raise BuildError.single(_display(output), None, "output path exists and is not a folder", hint)
    if (out / ".git").exists():
        raise BuildError.single(_display(output), None, "output folder is a git repository", hint)


def _clear_leftovers(output: Path) -> None:
    """Finish what an interrupted earlier run left: restore a swapped-out site, drop a half staging."""
    previous = previous_dir(output)
    if previous.is_dir() and read_manifest(previous) is not None:
        if not output.exists():
            os.replace(previous, output)
        else:
            shutil.rmtree(previous)
    staging = staging_dir(output)
    if staging.exists():
        if staging.is_dir() and not any(staging.iterdir()):
            staging.rmdir()  # interrupted between creating the folder and marking it
        elif staging.is_dir() and (read_manifest(staging) is not None or _looks_like_staging(staging)):
            shutil.rmtree(staging)
        else:
            raise BuildError.single(_display(staging), None,
                                    "a folder with the staging folder's name exists and careerblog did not make it",
                                    "rename or remove it")


def _looks_like_staging(folder: Path) -> bool:
    # A staging folder interrupted before its manifest was written holds a marker from its first moment.
    return (folder / STAGING_MARKER).is_file()


# Served in place (careerblog serve): a reader opening a file gets the old bytes or the new, never half.
TEMP_PREFIX = ".careerblog-tmp-"


@dataclass(frozen=True, slots=True)
class Synced:
    """What `sync_site` changed: output paths replaced or added, and stale ones removed."""

    written: tuple[str, ...]
    removed: tuple[str, ...]


def replace_file(target: Path, content: bytes) -> None:
    """Write `content` to `target` through a temporary file in the same folder and one atomic rename."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)  # a page became a file where a folder stood
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _remove_stale(folder: Path, relative: str) -> None:
    target = folder / relative
    if target.is_file() or target.is_symlink():
        target.unlink()
    parent = target.parent
    while parent != folder and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def sync_site(outputs: Iterable[Output], static_files: Iterable[StaticFile], folder: Path) -> Synced:
    """Bring a folder being served up to date in place: only files whose bytes changed are replaced, one
    at a time and atomically, and files of the last build that this one lacks are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(folder)
    if previous is None and any(folder.iterdir()):
        raise BuildError.single(_display(folder), None, "folder holds files that careerblog did not write",
                                "serve builds into a temporary folder of its own")
    wanted: dict[str, bytes | Path] = {}
    for static in static_files:
        wanted[static.path] = static.source
    for item in outputs:
        wanted[item.path] = item.content
    outside = sorted(path for path in wanted if not urls.is_within(path) or path == MANIFEST)
    if outside:
        raise BuildError.single(outside[0], None, "refusing to write outside the output folder")
    written: list[str] = []
    removed = sorted((previous or set()) - wanted.keys())
    try:
        for relative in removed:
            _remove_stale(folder, relative)
        for relative, content in sorted(wanted.items()):
            data = content.read_bytes() if isinstance(content, Path) else content
            target = folder / relative
            try:
                unchanged = target.is_file() and not target.is_symlink() and target.read_bytes() == data
            except OSError:
                unchanged = False
            if not unchanged:
                replace_file(target, data)
                written.append(relative)
        if previous != set(wanted):
            manifest = {"generator": "careerblog", "files": sorted(wanted)}
            replace_file(folder / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode("utf-8"))
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else str(folder)
        raise BuildError.single(_display(Path(where)), None, f"cannot write the site: {exc.strerror or exc}",
                                "free disk space or fix the folder's permissions") from None
    return Synced(tuple(written), tuple(removed))


def write_file(folder: Path, relative: str, content: bytes) -> os.stat_result:
    """Write a new file under `folder`, making its folders; returns its status as written.

    Through the descriptor itself: Python's file objects cost three more system calls a file (the
    buffer's size, whether it is a terminal, the position), 7 µs of each page's write."""
    if not urls.is_within(relative):
        raise BuildError.single(relative, None, "refusing to write outside the output folder")
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view):]
        return os.fstat(fd)
    finally:
        os.close(fd)


def _reading(status: os.stat_result) -> tuple[int, int, int]:
    return status.st_size, status.st_mtime_ns, status.st_ino


def _manifest(files: Iterable[str]) -> bytes:
    return (json.dumps({"generator": "careerblog", "files": sorted(files)}, indent=1) + "\n").encode("utf-8")


def _same(target: Path, content: bytes | Path) -> bool:
    """Whether the file already in the output holds exactly these bytes."""
    try:
        if isinstance(content, Path):
            if target.stat().st_size != content.stat().st_size:
                return False
            return filecmp.cmp(target, content, shallow=False)
        return target.stat().st_size == len(content) and target.read_bytes() == content
    except OSError:
        return False


def write_site(outputs: Iterable[Output], static_files: Iterable[StaticFile], output: Path, root: Path) -> int:
    """Write a site rendered in memory to a staging folder, then swap it in; returns the number of files.

    When the output already holds exactly these files (a warm build with nothing changed), nothing is touched.
    """
    outputs = list(outputs)
    static_files = list(static_files)
    with Staging(output, root) as staging:
        if staging.holds_already(outputs, static_files):
            return staging.discard(len(outputs) + len(static_files))
        return staging.commit([staging.put(item) for item in outputs], static_files)


def _write_error(exc: OSError, where: Path) -> BuildError:
    place = exc.filename if isinstance(exc.filename, str) else str(where)
    return BuildError.single(_display(Path(place)), None, f"cannot write the site: {exc.strerror or exc}",
                             "free disk space or fix the folder's permissions; the previous site is unchanged")


STAGING_MARKER = ".careerblog-staging"


class Staging:
    """The staging folder beside the output: filled while the site renders, swapped in by `commit`.

    On entry it holds the lock of the output's folder, has refused an output it must not replace, and has
    made an empty staging folder. Pages may be `put` from this process or from workers forked while it is
    open, so that the processes that render pages also write them. Left without a commit (an error, an
    interrupt), the staging folder is removed and the output is as it was.
    """

    def __init__(self, output: Path, root: Path) -> None:
        self.requested = output
        self.root = root
        self.output = output
        self.folder = staging_dir(output)
        self._present: set[str] = set()
        self._made = False  # whether this build made the staging folder (only then may it remove it)
        # After a commit that swapped the staging folder in: every file of the output by path, as the record of
        # the build reads them (stamp.py), taken as they were written instead of by walking the output again.
        self.readings: dict[str, list[int]] | None = None
        self._lock = ExitStack()

    def __enter__(self) -> Staging:
        refuse_place(self.requested, self.root)  # before making its parent; what it holds is checked under the lock
        self.output = self.requested.resolve()  # an output that is a link: replace the folder it points to
        self.folder = staging_dir(self.output)
        try:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            self._lock.enter_context(_one_writer(self.output.parent))
        except OSError as exc:
            self._lock.close()
            raise _write_error(exc, self.output) from None
        try:
            # Again: a build that held the lock before this one may have changed the output.
            self._present = check_output_dir(self.output, self.root)
            _clear_leftovers(self.output)
            self.folder.mkdir()
            self._made = True
            (self.folder / STAGING_MARKER).write_bytes(b"")
        except BaseException as exc:
            self.__exit__(type(exc), exc, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, trace: object) -> None:
        try:
            if kind is not None and self._made:
                shutil.rmtree(self.folder, ignore_errors=True)
        finally:
            self._lock.close()
        if isinstance(exc, OSError):
            raise _write_error(exc, self.folder) from None

    def put(self, item: Output) -> Output:
        """Write one file into the staging folder; returns it without its bytes, which are on disk now, and
        with its reading, which the record of the build (stamp.py) keeps."""
        return Output(item.path, b"", item.source, _reading(write_file(self.folder, item.path, item.content)))

    def _listing(self, outputs: Iterable[Output], static_files: Iterable[StaticFile]) -> dict[str, str | Path]:
        """Every file of the site: its source for messages (pages) or the file to copy (static files)."""
        files: dict[str, str | Path] = {}
        for static in static_files:
            if not urls.is_within(static.path):
                raise BuildError.single(static.path, None, "refusing to write outside the output folder")
            files[static.path] = static.source
        pages: dict[str, str] = {}
        for item in outputs:
            if item.path in pages:  # a safety net under assemble_site's URL check: never one file over another
                raise BuildError.single(item.source or item.path, None,
                                        f"{item.path} is also written by {pages[item.path] or 'another page'}",
                                        "give one of them another slug")
            pages[item.path] = item.source
            files[item.path] = item.source
        return files

    def holds_already(self, outputs: list[Output], static_files: list[StaticFile]) -> bool:
        """Whether the output already holds exactly these files (their bytes in memory), manifest included."""
        files = self._listing(outputs, static_files)
        if not self._unchanged_listing(files):
            return False
        return all(_same(self.output / s.path, s.source) for s in static_files) and \
            all(_same(self.output / o.path, o.content) for o in outputs)

    def _unchanged_listing(self, files: dict[str, str | Path]) -> bool:
        return self.output.is_dir() and read_manifest(self.output) is not None and \
            self._present == {*files, MANIFEST} and _same(self.output / MANIFEST, _manifest(files))

    def discard(self, files: int) -> int:
        """Leave the output as it is (it already holds this site); returns the number of files in it."""
        shutil.rmtree(self.folder, ignore_errors=True)
        return files

    def commit(self, outputs: Iterable[Output], static_files: Iterable[StaticFile]) -> int:
        """Copy the static files, write the manifest and swap the staging folder in, once every page is `put`.

        When the output already held exactly the same files, it is left untouched (its files keep their
        times), and the staging folder is dropped. Returns the number of files in the site.
        """
        outputs, static_files = list(outputs), list(static_files)
        files = self._listing(outputs, static_files)
        if self._unchanged_listing(files) and all(_same(self.output / p, c if isinstance(c, Path) else self.folder / p)
                                                  for p, c in files.items()):
            return self.discard(len(files))
        readings = {item.path: list(item.reading) for item in outputs if item.reading is not None}
        for static in static_files:
            target = self.folder / static.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(static.source, target)
            readings[static.path] = list(_reading(os.stat(target)))
        manifest = self.folder / MANIFEST
        manifest.write_text(_manifest(files).decode("utf-8"), encoding="utf-8")
        readings[MANIFEST] = list(_reading(os.stat(manifest)))
        (self.folder / STAGING_MARKER).unlink()
        _swap(self.folder, self.output)
        self.readings = readings if len(readings) == len(files) + 1 else None  # else one was not `put`
        return len(files)


@contextmanager
def _one_writer(folder: Path) -> Iterator[None]:
    """Builds into one folder take turns: two at once would clear each other's staging folder."""
    if fcntl is None:  # Windows: no flock; builds there are not serialised
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits for the other build; released when the handle closes
        yield
    finally:
        os.close(handle)


def _swap(staging: Path, output: Path) -> None:
    if output.exists():
        previous = previous_dir(output)
        os.replace(output, previous)
        try:
            os.replace(staging, output)
        except BaseException:
            os.replace(previous, output)  # put the previous site back before reporting
            raise
        shutil.rmtree(previous, ignore_errors=True)
    else:
        os.replace(staging, output)


def update_site(changed: dict[str, Output | Path], removed: Iterable[str], output: Path,
                files: Iterable[str] | None) -> None:
    """Bring a folder careerblog wrote up to date when the caller knows what changed (an incremental
    rebuild): each changed file is replaced by one atomic rename, as in `sync_site`, but nothing else is
    read. `files` is the whole site when its list changed (for the manifest), None when it did not."""
    if read_manifest(output) is None:
        raise BuildError.single(_display(output), None, "output folder was not written by careerblog",
                                "build into a folder of its own")
    try:
        for path in changed:
            if not urls.is_within(path) or path == MANIFEST:
                raise BuildError.single(path, None, "refusing to write outside the output folder")
        for path in removed:
            if urls.is_within(path):
                _remove_stale(output, path)
        for path, content in changed.items():
            replace_file(output / path, content.read_bytes() if isinstance(content, Path) else content.content)
        if files is not None:
            manifest = _manifest(files)
            if not _same(output / MANIFEST, manifest):
                replace_file(output / MANIFEST, manifest)
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else str(output)
        raise BuildError.single(_display(Path(where)), None, f"cannot write the site: {exc.strerror or exc}",
                                "free disk space or fix the folder's permissions") from None
