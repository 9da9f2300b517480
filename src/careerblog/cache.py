"""The persistent cache of converted Markdown in `.careerblog-cache/`, checked before it is believed.

One file per set of rendering settings holds every document's conversion, keyed by a hash of its
body and URL. The file starts with a header naming careerblog's version, the Markdown and Pygments versions,
the extensions and the base path, then the payload's length and CRC-32. The payload is a run of marshalled
dicts of at most `CHUNK` entries, each after its length, so that neither writing nor reading it needs a
second copy of the whole in memory. A file whose header, length or checksum does not match, or whose
entries do not have the expected shape, is ignored and rebuilt: the cache can make a build faster, never
different.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import marshal
import os
import tempfile
import zlib
from pathlib import Path
from typing import Any

from careerblog import __version__, fastmark, fields, markup, shortcodes, urls
from careerblog.markup import RENDER_SETTINGS, Converted, LinkRef
from careerblog.shortcodes import ShortcodeCall, ShortcodeProblem
from careerblog.write import CACHE_DIR, make_cache_folder

MAGIC = b"careerblog markdown cache 2\n"
_LENGTH = 8
_CRC = 4
_PART = 4  # the length of each marshalled part
CHUNK = 128  # entries in a part: about half a megabyte of HTML


def _library_version(name: str) -> str:
    """The version of a converting library as installed, or "missing", read without importing it: from the
    name of the `<name>-<version>.dist-info` folder pip puts beside the package. Importing Python-Markdown
    for its `__version__` cost 8 to 15 ms in a build whose documents all take the fast road, and
    importlib.metadata 17 ms more. A library installed some other way is imported for its `__version__`."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return "missing"
    places = list(spec.submodule_search_locations or ()) or ([spec.origin] if spec.origin else [])
    prefix, suffix = f"{name.lower()}-", ".dist-info"
    found = {record[len(prefix):-len(suffix)] for place in places for record in _dist_infos(os.path.dirname(place))
             if record.lower().startswith(prefix)}
    if len(found) == 1:
        return found.pop()
    try:
        module = importlib.import_module(name)  # not installed by pip, or two records of it side by side
    except ImportError:  # found but broken: no version to trust
        return "missing"
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.lru_cache(maxsize=8)
def _dist_infos(folder: str) -> tuple[str, ...]:
    """The names of pip's records in an installation folder, listed once for every library installed there."""
    try:
        return tuple(entry.name for entry in os.scandir(folder) if entry.name.endswith(".dist-info"))
    except OSError:
        return ()


def _code_digest() -> str:
    """A digest of the modules that turn Markdown into HTML, so that a changed converter (a development
    checkout, a patched install) never reads entries an older one wrote, even under the same version."""
    digest = hashlib.blake2b(digest_size=8)
    for module in (markup, fastmark, shortcodes, urls, fields):
        digest.update(Path(module.__file__ or "").read_bytes())
    for name in ("lexing.py", "codehtml.py"):  # the fast road's highlighting, read without importing Pygments
        digest.update((Path(markup.__file__ or "").parent / name).read_bytes())
    return digest.hexdigest()


def cache_settings(base_path: str) -> str:
    """Everything besides a document's body that decides its HTML."""
    return (f"careerblog {__version__} ({_code_digest()}); markdown {_library_version('markdown')}; "
            f"pyromark {_library_version('pyromark')}; pygments {_library_version('pygments')}; {RENDER_SETTINGS}; "
            f"base path {base_path}")


def _encode(doc: Converted) -> tuple[Any, ...]:
    return (doc.html, doc.toc_html, doc.headings, doc.summary_html, doc.reading_minutes, doc.words,
            tuple((c.name, c.args, c.kwargs, c.line, c.block, c.token) for c in doc.shortcodes),
            tuple((p.line, p.message) for p in doc.problems),
            tuple((r.target, r.line, r.kind) for r in doc.links))


def _str(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("expected text")
    return value


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError("expected a number")
    return value


def _decode(value: Any) -> Converted:
    """A Converted from a cache entry; TypeError or ValueError for anything of another shape."""
    html, toc, headings, summary, minutes, words, calls, problems, links = value
    return Converted(
        html=_str(html), toc_html=_str(toc), headings=_int(headings), summary_html=_str(summary),
        reading_minutes=_int(minutes), words=_int(words),
        shortcodes=tuple(ShortcodeCall(_str(n), tuple(_str(a) for a in args),
                                       tuple((_str(k), _str(v)) for k, v in kwargs), _int(line), bool(block),
                                       _str(token))
                         for n, args, kwargs, line, block, token in calls),
        problems=tuple(ShortcodeProblem(_int(line), _str(message)) for line, message in problems),
        links=tuple(LinkRef(_str(target), _int(line), _str(kind)) for target, line, kind in links),
    )


def _key(body: str, url: str) -> bytes:
    """A document's key: its body and its URL, against which its relative links are rebased."""
    digest = hashlib.blake2b(url.encode("utf-8", "surrogatepass") + b"\0", digest_size=16)
    digest.update(body.encode("utf-8", "surrogatepass"))
    return digest.digest()


class ConvertedCache:
    """Converted documents by hash of body and URL, for one set of settings; `save` keeps only what this build used."""

    def __init__(self, folder: Path, settings: str | None, stored: dict[bytes, Any], base_path: str = "/") -> None:
        self.folder = folder
        self._settings = settings  # None: made when first needed (cache_settings imports the converters)
        self.base_path = base_path
        self._stored = stored
        self._used: dict[bytes, Any] = {}
        self._decoded: dict[bytes, Converted] = {}  # the same object for the same body, build after build
        self._changed = False
        self.hits = 0
        self.misses = 0

    @property
    def settings(self) -> str:
        if self._settings is None:
            self._settings = cache_settings(self.base_path)
        return self._settings

    @property
    def path(self) -> Path:
        name = hashlib.blake2b(self.settings.encode("utf-8"), digest_size=8).hexdigest()
        return self.folder / f"markdown-{name}.bin"

    @classmethod
    def load(cls, site_root: Path, base_path: str) -> ConvertedCache:
        """The site's cache for these settings; empty when missing, unreadable, corrupt or another version's."""
        cache = cls(site_root / CACHE_DIR, None, {}, base_path)
        # No cache file at all (a first build, or after --no-cache's cleanup): nothing to read, and the
        # settings, which import Python-Markdown and Pygments for their versions, wait until the save.
        if any(cache.folder.glob("markdown-*.bin")):
            cache._stored = cache._read()
        return cache

    def _read(self) -> dict[bytes, Any]:
        try:
            data = self.path.read_bytes()
        except OSError:
            return {}
        header = MAGIC + self.settings.encode("utf-8") + b"\n"
        if not data.startswith(header) or len(data) < len(header) + _LENGTH + _CRC:
            return {}
        start = len(header) + _LENGTH + _CRC
        length = int.from_bytes(data[len(header) : len(header) + _LENGTH], "big")
        crc = int.from_bytes(data[len(header) + _LENGTH : start], "big")
        payload = memoryview(data)[start:]
        if len(payload) != length or zlib.crc32(payload) != crc:
            return {}
        stored: dict[bytes, Any] = {}
        at = 0
        while at < length:
            size = int.from_bytes(payload[at : at + _PART], "big")
            part = payload[at + _PART : at + _PART + size]
            at += _PART + size
            try:
                entries = marshal.loads(part) if len(part) == size else None
            except (EOFError, ValueError, TypeError):
                return {}
            if not isinstance(entries, dict):
                return {}
            stored.update(entries)
        return stored

    def get(self, body: str, url: str) -> Converted | None:
        key = _key(body, url)
        known = self._decoded.get(key)
        if known is not None:
            self._used.setdefault(key, self._stored.get(key) or _encode(known))
            self.hits += 1
            return known
        value = self._stored.get(key)
        if value is None:
            self.misses += 1
            return None
        try:
            doc = _decode(value)
        except (TypeError, ValueError):  # an entry of another shape: convert again
            self.misses += 1
            return None
        self._used[key] = value
        self._decoded[key] = doc
        self.hits += 1
        return doc

    def put(self, body: str, url: str, doc: Converted) -> None:
        key = _key(body, url)
        self._used[key] = _encode(doc)
        self._decoded[key] = doc
        self._changed = True

    def save(self) -> bool:
        """Write the entries this build used, atomically, when they differ from the file's; True if written."""
        if not self._changed and len(self._used) == len(self._stored):
            return False
        header = MAGIC + self.settings.encode("utf-8") + b"\n"
        try:
            make_cache_folder(self.folder.parent)
            fd, temporary = tempfile.mkstemp(prefix=".markdown-", suffix=".tmp", dir=self.folder)
        except OSError:  # a read-only site still builds, only without a cache
            return False
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(header + bytes(_LENGTH + _CRC))  # the length and checksum, once they are known
                length = crc = 0
                entries = list(self._used.items())
                for start in range(0, len(entries), CHUNK):
                    part = marshal.dumps(dict(entries[start : start + CHUNK]))
                    size = len(part).to_bytes(_PART, "big")
                    crc = zlib.crc32(part, zlib.crc32(size, crc))
                    length += _PART + len(part)
                    file.write(size)
                    file.write(part)
                file.seek(len(header))
                file.write(length.to_bytes(_LENGTH, "big") + crc.to_bytes(_CRC, "big"))
            try:  # atomic on POSIX, replacing the old file; Windows' rename refuses an existing target
                os.rename(temporary, self.path)
            except FileExistsError:
                os.replace(temporary, self.path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
            return False
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._stored, self._used, self._changed = self._used, {}, False
        return True
